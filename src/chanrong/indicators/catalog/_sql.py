"""Building blocks of indicator queries: the columns every query returns, written once."""

from __future__ import annotations

NO_LABEL = "CAST(NULL AS STRING) AS label, CAST(NULL AS STRING) AS reason"
IN_WINDOW = "day BETWEEN {start} AND {end}"


def counts(
    third: str = "channel = 'third_party'",
    device: str = "channel = 'device'",
    covered: str = "@covered(day)",
) -> str:
    """covered_days, n_inputs, n_third, n_device over the rows being aggregated."""
    return (
        f"{covered} AS covered_days, count(*) AS n_inputs, "
        f"sum(CASE WHEN {third} THEN 1 ELSE 0 END) AS n_third, "
        f"sum(CASE WHEN {device} THEN 1 ELSE 0 END) AS n_device"
    )


def flow(view: str, value: str, where: str = "TRUE", **kw: str) -> str:
    """An aggregate of one view's records in the window, per enterprise."""
    return (
        f"SELECT org, CAST({value} AS DOUBLE) AS value, {NO_LABEL}, {counts(**kw)} "
        f"FROM {view} WHERE {IN_WINDOW} AND ({where}) GROUP BY org"
    )


def change(
    view: str, measure: str, where: str = "TRUE", third: str = "channel = 'third_party'"
) -> str:
    """Percent change of a sum between the window and the one before it."""
    return (
        "SELECT org, CAST(100 * (cur / NULLIF(prev, 0) - 1) AS DOUBLE) AS value, "
        "CAST(NULL AS STRING) AS label, CASE WHEN prev IS NULL OR prev = 0 THEN "
        "'nothing in the previous window to compare with' END AS reason, "
        "covered_days, n_inputs, n_third, n_device FROM ("
        f"SELECT org, sum(CASE WHEN day >= {{start}} THEN {measure} END) AS cur, "
        f"sum(CASE WHEN day <= {{pend}} THEN {measure} END) AS prev, "
        f"{counts(third, covered='@covered(CASE WHEN day >= {start} THEN day END)')} "
        f"FROM {view} WHERE day BETWEEN {{pstart}} AND {{end}} AND ({where}) GROUP BY org) t"
    )


def credit_state(record_type: str, agg: str = "sum") -> str:
    """Credit records of one type in force on the last day of the window: a count (`sum`) or a
    flag (`max`), over every enterprise with any credit record: no record of this type is then
    a fact (0), while an enterprise with no credit data at all gets no value."""
    in_force = (
        f"record_type = '{record_type}' AND start_date <= {{end}} "
        "AND (end_date IS NULL OR end_date >= {end})"
    )
    return (
        f"SELECT org, CAST({agg}(CASE WHEN {in_force} THEN 1 ELSE 0 END) AS DOUBLE) AS value, "
        f"{NO_LABEL}, count(DISTINCT day) AS covered_days, count(*) AS n_inputs, "
        "sum(CASE WHEN channel = 'third_party' THEN 1 ELSE 0 END) AS n_third, 0 AS n_device "
        "FROM v_credit_record WHERE day <= {end} GROUP BY org"
    )
