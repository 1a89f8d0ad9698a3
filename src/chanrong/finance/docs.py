"""docs/bank.md, generated from the tag catalog (`chanrong bank docs`)."""

from __future__ import annotations

from chanrong.finance.diligence import ITEMS
from chanrong.finance.fraud import (
    CAPACITY_MARGIN,
    CYCLE_DAYS,
    CYCLE_SPREAD,
    GRACE_DAYS,
    OVERDUE_DAYS,
)
from chanrong.finance.service import KEY_FIGURES, TRADE_KINDS
from chanrong.finance.tags import TAGS

INTRO = """# Bank workbench (银行工作台)

Generated from `chanrong.finance` by `chanrong bank docs`; do not edit by hand.

This release holds the first parts of the workbench: pre-loan screening (贷前获客), trade
authenticity checks (反欺诈) and the due-diligence checklist (尽职调查). The credit scorecard, pledge monitoring, post-loan warnings and
the credit-enhancement report follow.

## Pre-loan screening (贷前获客)

The 银行工作台 page (`/bank`) and `GET /api/v1/bank/screening` list every firm that has
authorised the bank for a purpose (default `pre_loan`) with a live consent. Each firm is read
through the one consent door, so every row is audited and shows only what its consent covers:
its indicator values, its digital grade when the consent includes the `digital_grade` scope,
its tags with the values that earned them, and the tags that could not be judged because their
inputs are missing or not consented. Knock-outs sort last. Filters: tags a firm must have,
tags it must not have, a minimum digital grade, the day. `GET /api/v1/bank/screening.csv`
exports the list (UTF-8 with BOM, opens in Excel); `GET /api/v1/bank/tags` lists the rules.

Beside the tags the list shows: {figures}.

## Tags

A tag needs all its inputs; a missing value is never read as 0. Two exceptions, because they
are about absence: zombie (no output and no sales seen) and shell (no production seen).

| tag | 标签 | nature | rule | reads |
| --- | --- | --- | --- | --- |
"""


TRADES = """
## Trade authenticity (反欺诈)

For a firm that authorised the bank for every kind a chain reads ({kinds}),
`GET /api/v1/orgs/{{uscc}}/trade-checks?purpose=&days=90` and the case page
`/orgs/{{uscc}}/trades` check each sales invoice issued in the last `days` days link by link,
with the evidence of each link:

| link | ok when |
| --- | --- |
| order | the sales order the invoice names is on record |
| production | a work order naming the order has production reports |
| warehouse | stock was issued (an inventory movement of type shipment) for a shipment of the order |
| shipment | the order shipped by the invoice date + {grace} days (open until then) |
| delivery | a delivery or receipt was reported (by the carrier, marked) |
| payment | payments naming the invoice were received (open until {overdue} days after issue) |

An invoice is **suspect** when its order is not on record, when its order did not ship in time,
or when it lies in a cycle: sales invoices between firms on the platform that go round 2 or 3
firms within {cycle} days with amounts within {spread:.0%} of each other (the other firms of a
cycle are not named to the bank). A missing production link alone does not make an invoice
suspect: goods sold from stock have none.

Beside the invoices, two signs for the firm as a whole: **beyond capacity**, when the last 30
days' sales exceed {margin:.0%} of 30 days at the registered rated capacity valued at the
firm's own output price (output value / output quantity over 90 days); and **energy does not
follow output**, when the energy_vs_output corroboration check failed over 90 days.

Measured on the simulator's ground truth (`chanrong evaluate fraud --seed N`: a fresh park of 78
firms over 90 days; positives are the planted fictitious and circular trades and every sales
invoice of the planted shell firms): seed 7, 3,502 invoices, 45 positives, recall 1.000,
precision 1.000. The test park (seed 2026) is held to recall >= 0.95 at precision >= 0.90.
"""


DILIGENCE = """
## Due-diligence checklist (尽职调查)

`/orgs/{{uscc}}/diligence?purpose=` (laid out for a phone) and
`GET /api/v1/orgs/{{uscc}}/diligence` pre-fill the loan officer's checklist from what the firm's
consent shows: {items}. Each item is `verified` by the data (with its evidence and how it is
known: 自证/互证/他证), `on_site` (with what to do there and the platform's figures to compare),
or `not_shared` (the consent does not cover it). Production counts as verified only when its
values are corroborated or third-party attested; inventory, management and premises are always
checked on site. Without any consent for the purpose the checklist is refused.
"""


def bank_markdown() -> str:
    figures = ", ".join(f"`{i}` ({w} d)" for i, w in KEY_FIGURES)
    out = [INTRO.format(figures=figures).rstrip("\n")]
    for t in TAGS:
        reads = ", ".join(f"`{i}`" + (f" {w} d" if w else "") for i, w in t.inputs)
        out.append(f"| `{t.id}` {t.name_en} | {t.name_zh} | {t.nature.value} | {t.rule} | "
                   f"{reads} |")  # fmt: skip
    out.append(TRADES.format(kinds=", ".join(TRADE_KINDS), grace=GRACE_DAYS,
                             overdue=OVERDUE_DAYS, cycle=CYCLE_DAYS, spread=CYCLE_SPREAD,
                             margin=CAPACITY_MARGIN))  # fmt: skip
    out.append(
        DILIGENCE.format(items=", ".join(f"{i.name_zh} ({i.name_en})" for i in ITEMS)).lstrip()
    )
    return "\n".join(out) + "\n"
