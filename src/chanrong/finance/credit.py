"""Suggested credit line and risk-based price: documented rules, pure.

Line (流动资金贷款 sizing):
  The working-capital estimate of the appendix to the 流动资金贷款管理暂行办法 (银监会令2010年
  第1号): need = annual sales × (1 − profit
  margin) × (1 + expected growth) / turnovers, turnovers = 360 / (days of inventory + days of
  receivables); revenue line = need × (1 − own-funds share) − loans already outstanding.
  Collateral line = stock value (price index × haircut, indicator collateral_value) ×
  advance rate. Suggested = revenue line + collateral line, capped by the rating's policy cap and
  a share of annual sales; nothing when a knock-out applies or the rating is below the floor.
Price:
  rate = base rate (1-year LPR) + expected loss (PD × LGD) + operating cost + capital charge
  (capital ratio × target return × risk weight), rounded up to 5 bp, never below the LPR.
The policy is the bank's, with defaults a small-business lender would start from.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from chanrong.finance.scorecard import RATINGS
from chanrong.indicators.spec import Credibility

# weakest first
CREDIBILITY_ORDER = tuple(c.value for c in (Credibility.SELF, Credibility.CORROBORATED,
                                            Credibility.THIRD_PARTY))  # fmt: skip


@dataclass(frozen=True)
class Policy:
    lpr: float = 0.030  # 1-year LPR since 2025-05-20 (全国银行间同业拆借中心)
    lgd: float = 0.45  # loss given default of a senior unsecured SME loan (Basel foundation IRB)
    operating_cost: float = 0.010
    capital_ratio: float = 0.105  # minimum capital plus conservation buffer
    target_return: float = 0.10
    risk_weight: float = 0.75  # regulatory retail SME exposure
    profit_margin: float = 0.08  # when the firm's own margin is not known
    own_funds_share: float = 0.30
    receivable_days: float = 60.0  # when not measured
    growth_floor: float = -0.20
    growth_cap: float = 0.30
    advance_rate: float = 0.50  # on the stock value after haircut
    sales_share_cap: float = 0.30
    floor_rating: str = "B"  # no line below this rating
    caps: dict[str, float] = field(default_factory=lambda: {
        "AAA": 10_000_000, "AA": 8_000_000, "A": 6_000_000, "BBB": 4_000_000,
        "BB": 2_000_000, "B": 1_000_000, "CCC": 0,
    })  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def weakest(credibilities: list[str | None]) -> str | None:
    known = [c for c in credibilities if c in CREDIBILITY_ORDER]
    return min(known, key=CREDIBILITY_ORDER.index) if known else None


def line(
    rating: str,
    inputs: dict[str, float | None],
    knockouts: list[str],
    policy: Policy = Policy(),
) -> dict[str, Any]:
    """The suggested line with every step shown. `inputs`: sales_365, sales_change_365 (%),
    days_of_inventory, collateral_value, outstanding (loans already drawn)."""
    steps: list[dict[str, Any]] = []
    if knockouts:
        return {"amount": 0.0, "declined": "knockout", "steps": steps, "knockouts": knockouts}
    order = [g for g, _ in RATINGS]
    if order.index(rating) > order.index(policy.floor_rating):
        return {"amount": 0.0, "declined": "rating", "steps": steps, "knockouts": []}
    sales = inputs.get("sales_365") or 0.0
    growth = inputs.get("sales_change_365")
    g = min(policy.growth_cap, max(policy.growth_floor, (growth or 0.0) / 100))
    inv = inputs.get("days_of_inventory")
    days = (inv if inv is not None else 0.0) + policy.receivable_days
    turnovers = 360 / days if days > 0 else 0.0
    need = sales * (1 - policy.profit_margin) * (1 + g) / turnovers if turnovers else 0.0
    outstanding = inputs.get("outstanding") or 0.0
    revenue = max(0.0, need * (1 - policy.own_funds_share) - outstanding)
    collateral = (inputs.get("collateral_value") or 0.0) * policy.advance_rate
    cap = min(policy.caps[rating], sales * policy.sales_share_cap)
    amount = min(revenue + collateral, cap)
    amount = math.floor(amount / 10_000) * 10_000  # whole 万元
    steps += [
        {"step": "growth", "value": g, "note": "sales change over the year, within the policy band"},
        {"step": "turnovers", "value": turnovers,
         "note": f"360 / (days of inventory {inv if inv is not None else 0:.1f} + receivable days "
                 f"{policy.receivable_days:.0f})"},
        {"step": "working_capital_need", "value": need},
        {"step": "revenue_line", "value": revenue,
         "note": f"need × (1 − {policy.own_funds_share:.0%} own funds) − outstanding {outstanding:,.0f}"},
        {"step": "collateral_line", "value": collateral,
         "note": f"stock value after haircut × {policy.advance_rate:.0%}"},
        {"step": "cap", "value": cap,
         "note": f"rating {rating} cap {policy.caps[rating]:,.0f}, {policy.sales_share_cap:.0%} of sales"},
    ]  # fmt: skip
    return {"amount": float(amount), "declined": None, "steps": steps, "knockouts": []}


def price(pd_: float, policy: Policy = Policy()) -> dict[str, Any]:
    parts = {
        "base_rate": policy.lpr,
        "expected_loss": pd_ * policy.lgd,
        "operating_cost": policy.operating_cost,
        "capital_charge": policy.capital_ratio * policy.target_return * policy.risk_weight,
    }
    rate = max(policy.lpr, math.ceil(sum(parts.values()) * 2000 - 1e-9) / 2000)
    return {"annual_rate": rate, "parts": parts}
