"""Pre-loan tags (贷前获客): what a risk officer calls a firm at a glance, each with the rule and
the values that earned it. Pure: a firm's indicator values in, tags with reasons out.

Values are keyed (indicator id, window days). A tag needs all its inputs: when one is missing
(no data, or not covered by the bank's consent) the tag is not judged, and the screening list
says so rather than guessing. docs/bank.md lists every rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

Values = Mapping[tuple[str, int], float | None]


class Nature(StrEnum):
    GOOD = "good"  # a reason to lend
    RISK = "risk"  # a reason to look closer
    KNOCKOUT = "knockout"  # a reason not to lend (DOMAIN: the dishonest-debtor list)


@dataclass(frozen=True)
class Tag:
    id: str
    name_zh: str
    name_en: str
    nature: Nature
    rule: str  # the rule in words, as docs/bank.md and the page show it
    inputs: tuple[tuple[str, int], ...]  # (indicator, window) it needs
    test: Callable[[Mapping[tuple[str, int], float]], bool]
    # inputs whose absence is itself the evidence (read as 0): a firm that sends nothing of a
    # kind produces or sells nothing the bank can see
    absent_is_none: tuple[tuple[str, int], ...] = ()


def _zero(v: float | None) -> bool:
    return not v  # no value or 0


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:,.4g}"


SALES_CV, RETENTION, GAP = (
    ("sales_monthly_cv", 365),
    ("customer_retention", 365),
    ("sales_gap_days", 90),
)
SALES_CHANGE, OUTPUT_CHANGE = ("sales_change", 90), ("output_change", 90)
OUTPUT, SALES, ENERGY = ("output_qty", 90), ("sales_amount", 90), ("energy_kwh", 90)
SHIPMENTS, UNSHIPPED = ("shipments", 90), ("unshipped_invoice_share", 90)
TOP, ON_TIME = ("top_customer_share", 365), ("on_time_delivery_qty", 90)
DISHONEST, RESTRICTED = ("dishonest_debtor", 0), ("consumption_restriction", 0)
ABNORMAL, DISPUTES = ("abnormal_operation", 0), ("lending_disputes", 0)
SPECIALIZED, TAX = ("specialized_sme", 0), ("tax_credit_rating", 0)

TAGS: tuple[Tag, ...] = (
    Tag("stable", "稳健型", "Stable", Nature.GOOD,
        "monthly sales CV (365 d) <= 0.35, customer retention (365 d) >= 50 %, and no more than "
        "30 days without a sale in the last 90", (SALES_CV, RETENTION, GAP),
        lambda v: v[SALES_CV] <= 0.35 and v[RETENTION] >= 50 and v[GAP] <= 30),
    Tag("growing", "成长型", "Growing", Nature.GOOD,
        "sales up >= 15 % and output up >= 10 % on the 90 days before", (SALES_CHANGE, OUTPUT_CHANGE),
        lambda v: v[SALES_CHANGE] >= 15 and v[OUTPUT_CHANGE] >= 10),
    Tag("zombie", "僵尸企业", "Zombie firm", Nature.RISK,
        "registered and sending data, but neither output nor sales in the last 90 days "
        "(at most standby energy)", (OUTPUT, SALES),
        lambda v: _zero(v[OUTPUT]) and _zero(v[SALES]), absent_is_none=(OUTPUT, SALES)),
    Tag("shell", "空壳企业", "Shell firm", Nature.RISK,
        "sales invoiced in the last 90 days without production, or with >= 80 % of the amount "
        "never shipped", (SALES, OUTPUT, UNSHIPPED),
        lambda v: bool(v[SALES]) and (_zero(v[OUTPUT]) or v[UNSHIPPED] >= 80),
        absent_is_none=(OUTPUT, UNSHIPPED)),
    Tag("concentrated", "客户集中", "Concentrated customers", Nature.RISK,
        "the largest customer takes >= 70 % of the year's sales", (TOP,),
        lambda v: v[TOP] >= 70),
    Tag("reliable", "交付可靠", "Reliable delivery", Nature.GOOD,
        ">= 95 % of the quantity due in the last 90 days delivered on time", (ON_TIME,),
        lambda v: v[ON_TIME] >= 95),
    Tag("specialized", "专精特新", "专精特新 (specialised SME)", Nature.GOOD,
        "a 专精特新 recognition in force", (SPECIALIZED,), lambda v: v[SPECIALIZED] >= 1),
    Tag("tax_a", "纳税信用A级", "Tax credit A", Nature.GOOD,
        "latest tax credit rating A", (TAX,), lambda v: v[TAX] >= 5),
    Tag("abnormal", "经营异常", "Abnormal operation listed", Nature.RISK,
        "on the market regulator's abnormal-operation list", (ABNORMAL,),
        lambda v: v[ABNORMAL] >= 1),
    Tag("lending_dispute", "借贷纠纷", "Lending dispute", Nature.RISK,
        "a lending dispute in court", (DISPUTES,), lambda v: v[DISPUTES] >= 1),
    Tag("restricted", "限制消费", "Consumption restricted", Nature.KNOCKOUT,
        "a consumption-restriction order (限制消费令) in force", (RESTRICTED,),
        lambda v: v[RESTRICTED] >= 1),
    Tag("dishonest", "失信被执行人", "Dishonest judgment debtor", Nature.KNOCKOUT,
        "on the dishonest judgment-debtor list (失信被执行人)", (DISHONEST,),
        lambda v: v[DISHONEST] >= 1),
)  # fmt: skip
BY_ID = {t.id: t for t in TAGS}


@dataclass(frozen=True)
class Given:
    tag: Tag
    reason: str  # the inputs with their values


def tag(values: Values) -> tuple[list[Given], list[str]]:
    """The tags a firm's values earn, and the ids of those that could not be judged."""
    given, unjudged = [], []
    for t in TAGS:
        missing = [k for k in t.inputs if values.get(k) is None]
        if set(missing) - set(t.absent_is_none):
            unjudged.append(t.id)
            continue
        v = {k: (values.get(k) or 0.0) for k in t.inputs}
        if t.test(v):
            reason = "; ".join(f"{i}({w} d)={_fmt(values.get((i, w)))}" if w
                               else f"{i}={_fmt(values.get((i, w)))}" for i, w in t.inputs)  # fmt: skip
            given.append(Given(t, reason))
    return given, unjudged
