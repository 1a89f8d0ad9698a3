"""信用资质 credit standing (financing table; several also serve the order table's supplier
qualification). Point-in-time: what is in force on the day."""

from __future__ import annotations

from chanrong.indicators.catalog._sql import credit_state
from chanrong.indicators.spec import STATE, Dimension, Direction, Indicator, Table

D = Dimension.CREDIT_STANDING
BOTH = (Table.FINANCING, Table.ORDER)
IN_FORCE = (
    "in force on the day (start_date on or before it, end_date empty or on or after it); 0 for "
    "an enterprise with other credit records but none of this type, no value without any"
)

INDICATORS = [
    Indicator(
        "litigation_cases", "涉诉案件", "Litigation cases", D, "cases", Direction.LOWER,
        f"Number of litigation records {IN_FORCE}.",
        ("credit_record",), credit_state("litigation"), windows=(STATE,),
    ),
    Indicator(
        "lending_disputes", "借贷纠纷", "Lending disputes", D, "cases", Direction.LOWER,
        f"Number of lending-dispute records {IN_FORCE}.",
        ("credit_record",), credit_state("lending_dispute"), windows=(STATE,), tables=BOTH,
    ),
    Indicator(
        "abnormal_operation", "经营异常", "Abnormal operation listing", D, "0/1",
        Direction.LOWER,
        f"1 when the market regulator lists the enterprise for abnormal operation, {IN_FORCE}.",
        ("credit_record",), credit_state("abnormal_operation", "max"), windows=(STATE,),
        tables=BOTH,
    ),
    Indicator(
        "serious_violations", "严重违法失信", "Serious violations", D, "records",
        Direction.LOWER, f"Number of serious-violation records {IN_FORCE}.",
        ("credit_record",), credit_state("serious_violation"), windows=(STATE,), tables=BOTH,
    ),
    Indicator(
        "consumption_restriction", "限制消费", "Consumption restriction", D, "0/1",
        Direction.LOWER, f"1 when a consumption-restriction order is {IN_FORCE}.",
        ("credit_record",), credit_state("consumption_restriction", "max"), windows=(STATE,),
    ),
    Indicator(
        "dishonest_debtor", "失信被执行人", "Dishonest judgment debtor", D, "0/1",
        Direction.LOWER,
        f"1 when the enterprise is on the dishonest judgment-debtor list, {IN_FORCE}. A "
        "knock-out for credit.",
        ("credit_record",), credit_state("dishonest_debtor", "max"), windows=(STATE,),
        tables=BOTH,
    ),
    Indicator(
        "tax_credit_rating", "纳税信用等级", "Tax credit rating", D, "A=5 ... D=1",
        Direction.HIGHER,
        "The latest tax credit rating (A, B, M, C or D) starting on or before the day, shown as "
        "its letter and scored A 5, B 4, M 3, C 2, D 1.",
        ("credit_record",),
        "SELECT org, CASE value WHEN 'A' THEN 5.0 WHEN 'B' THEN 4.0 WHEN 'M' THEN 3.0 "
        "WHEN 'C' THEN 2.0 WHEN 'D' THEN 1.0 END AS value, value AS label, "
        "CASE WHEN value NOT IN ('A', 'B', 'M', 'C', 'D') THEN 'unknown rating' END AS reason, "
        "1 AS covered_days, 1 AS n_inputs, CASE WHEN channel = 'third_party' THEN 1 ELSE 0 END "
        "AS n_third, 0 AS n_device FROM (SELECT org, value, channel, row_number() OVER "
        "(PARTITION BY org ORDER BY start_date DESC, event_time DESC) AS rn FROM v_credit_record "
        "WHERE record_type = 'tax_credit_rating' AND start_date <= {end}) t WHERE rn = 1",
        windows=(STATE,),
    ),
]  # fmt: skip
