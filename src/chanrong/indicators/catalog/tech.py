"""技术服务 technology and service (order table)."""

from __future__ import annotations

from chanrong.indicators.catalog._sql import NO_LABEL
from chanrong.indicators.spec import STATE, Dimension, Direction, Indicator, Table

D = Dimension.TECH_SERVICE


def _granted(record_type: str, where: str = "TRUE") -> str:
    return (
        "SELECT org, CAST(sum(CASE WHEN record_type = '" + record_type + "' AND (" + where + ") "
        "AND start_date <= {end} AND (end_date IS NULL OR end_date >= {end}) THEN 1 ELSE 0 END)"
        " AS DOUBLE) AS value, " + NO_LABEL + ", count(DISTINCT day) AS covered_days, "
        "count(*) AS n_inputs, sum(CASE WHEN channel = 'third_party' THEN 1 ELSE 0 END) AS "
        "n_third, 0 AS n_device FROM v_credit_record WHERE day <= {end} GROUP BY org"
    )


INDICATORS = [
    Indicator(
        "invention_patents", "发明专利数量", "Invention patents", D, "patents", Direction.HIGHER,
        "Number of patent records of type invention (value 发明 or invention) granted on or "
        "before the day and not expired; 0 for an enterprise with credit records but no patent.",
        ("credit_record",), _granted("patent", "value IN ('发明', 'invention')"),
        windows=(STATE,),
    ),
    Indicator(
        "copyrights", "著作权数量", "Copyrights", D, "registrations", Direction.HIGHER,
        "Number of copyright registrations (software and works) on or before the day.",
        ("credit_record",), _granted("copyright"), windows=(STATE,),
    ),
    Indicator(
        "specialized_sme", "专精特新", "Specialised SME (专精特新)", D, "0/1", Direction.HIGHER,
        "1 when a 专精特新 (specialised, refined, distinctive, innovative) recognition by a "
        "provincial or national authority is in force on the day; 0 for an enterprise with "
        "credit records but none in force.",
        ("credit_record",), "SELECT org, CAST(least(value, 1) AS DOUBLE) AS value, label, reason, "
        "covered_days, n_inputs, n_third, n_device FROM (" + _granted("specialized_sme") + ") g",
        windows=(STATE,), tables=(Table.FINANCING, Table.ORDER),
    ),
]  # fmt: skip
