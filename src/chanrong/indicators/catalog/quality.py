"""质量能力 quality capability (order table)."""

from __future__ import annotations

from chanrong.indicators.catalog._sql import flow
from chanrong.indicators.spec import Dimension, Direction, Indicator, Table

D = Dimension.QUALITY


def _pass_rate(stage: str) -> str:
    return flow(
        "v_quality_inspection",
        "100 * sum(passed_qty) / NULLIF(sum(inspected_qty), 0)",
        f"stage = '{stage}'",
    )


INDICATORS = [
    Indicator(
        "final_pass_rate", "入库检验合格率", "Final inspection pass rate", D, "%",
        Direction.HIGHER,
        "Sum of passed_qty / sum of inspected_qty of the final inspections in the window, x 100.",
        ("quality_inspection",), _pass_rate("final"),
    ),
    Indicator(
        "in_process_pass_rate", "工序合格率", "In-process pass rate", D, "%", Direction.HIGHER,
        "Sum of passed_qty / sum of inspected_qty of the in-process inspections in the window, "
        "x 100.", ("quality_inspection",), _pass_rate("in_process"),
    ),
    Indicator(
        "incoming_pass_rate", "进料检验合格率", "Incoming inspection pass rate", D, "%",
        Direction.HIGHER,
        "Sum of passed_qty / sum of inspected_qty of the incoming inspections in the window, "
        "x 100.", ("quality_inspection",), _pass_rate("incoming"),
    ),
    Indicator(
        "customer_pass_rate", "客户验收合格率", "Customer acceptance rate", D, "%",
        Direction.HIGHER,
        "Sum of passed_qty / sum of inspected_qty of the customers' own inspections of the "
        "firm's goods (stage customer, sent by the customer: third-party attested) in the "
        "window, x 100.", ("quality_inspection",), _pass_rate("customer"),
    ),
    Indicator(
        "rework_rate", "返工率", "Rework rate", D, "%", Direction.LOWER,
        "Sum of rework_qty / sum of good_qty of the production reports in the window, x 100.",
        ("production_report",),
        flow("v_production_report", "100 * sum(rework_qty) / NULLIF(sum(good_qty), 0)"),
        corroborated_by=("device_vs_reported_output",),
    ),
    Indicator(
        "quality_certificates", "质量合格证", "Quality certificates", D, "certificates",
        Direction.HIGHER,
        "Number of distinct certificate numbers (合格证) issued with final inspections in the "
        "window.",
        ("quality_inspection",),
        flow("v_quality_inspection", "count(DISTINCT certificate_no)", "stage = 'final'"),
        tables=(Table.ORDER, Table.FINANCING), zero_when_empty=True,
    ),
]  # fmt: skip
