"""The digital-upgrade loan (技改贷): sized from what the upgrade costs (the firm's grading
roadmap and the equipment it plans) and what it is expected to bring, with the evidence the
bank watches after the loan. Pure.

Rules (documented in docs/bank.md):
- cost = the roadmap's toolbox items (each once) + the equipment (quantity x unit cost);
- expected yearly gain = today's output value x the capacity gain counted (the bottleneck's
  gain, but no more than the demand cap: capacity alone sells nothing) x the contribution margin;
- freed working capital = stock before - stock after (the guide's mould maker: 6 -> 4 million);
- loan = the smallest of: cost x the share a bank finances, the gain over the tenor plus the freed
  working capital, and the policy cap; in whole 万元.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Equipment:
    name: str
    qty: int
    unit_cost: float
    capacity_gain: float = 0.0  # the bottleneck's capacity gain it brings, e.g. 2.0 for +200 %


@dataclass(frozen=True)
class UpgradePolicy:
    finance_share: float = 0.7  # of the investment; the firm puts in the rest
    margin: float = 0.15  # contribution margin on added output
    demand_cap: float = 0.5  # added output counted at most +50 % of today's
    tenor_years: int = 3
    cap: float = 5_000_000.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def size(
    equipment: list[Equipment],
    roadmap: list[dict[str, Any]],
    figures: dict[str, float | None],
    stock_before: float | None = None,
    stock_after: float | None = None,
    policy: UpgradePolicy = UpgradePolicy(),
) -> dict[str, Any]:
    """`figures`: output_value_365, capacity_rated_daily, inventory_value, device_running_rate_90
    (None when unknown); `roadmap`: the grading roadmap's steps (tool, name_zh, cost_cny,
    unlocks)."""
    tools = {s["tool"]: s for s in roadmap}  # a tool on two dimensions' paths is bought once
    digital = float(sum(s["cost_cny"] for s in tools.values()))
    capex = float(sum(e.qty * e.unit_cost for e in equipment))
    gain = max((e.capacity_gain for e in equipment), default=0.0)
    counted = min(gain, policy.demand_cap)
    output = figures.get("output_value_365") or 0.0
    yearly = output * counted * policy.margin
    freed = max(0.0, (stock_before or 0.0) - (stock_after or 0.0))
    by_cost = (digital + capex) * policy.finance_share
    by_gain = yearly * policy.tenor_years + freed
    amount = math.floor(min(by_cost, by_gain, policy.cap) / 10_000) * 10_000
    binding = min((("cost", by_cost), ("gain", by_gain), ("cap", policy.cap)),
                  key=lambda x: x[1])[0]  # fmt: skip
    return {
        "amount": float(max(amount, 0)), "binding": binding,
        "cost": {"digital": digital, "equipment": capex, "total": digital + capex,
                 "financed_share": policy.finance_share, "by_cost": by_cost},
        "gain": {"capacity_gain": gain, "counted": counted, "output_value_365": output,
                 "yearly": yearly, "freed_working_capital": freed,
                 "tenor_years": policy.tenor_years, "by_gain": by_gain},
        "steps": [{"tool": t, "name_zh": s["name_zh"], "cost_cny": s["cost_cny"]}
                  for t, s in tools.items()],
        "equipment": [asdict(e) for e in equipment],
        "watch": watch(equipment, tools, figures, gain, counted, stock_before, stock_after),
        "policy": policy.as_dict(),
    }  # fmt: skip


def watch(
    equipment: list[Equipment], tools: dict[str, dict[str, Any]], figures: dict[str, Any],
    gain: float, counted: float, stock_before: float | None, stock_after: float | None,
) -> list[dict[str, Any]]:  # fmt: skip
    """What the bank watches after the loan: each with today's value and the target."""
    out: list[dict[str, Any]] = []

    def add(indicator: str, window: int, now: Any, target: Any, why: str) -> None:
        out.append({"indicator": indicator, "window_days": window, "now": now,
                    "target": target, "why": why})  # fmt: skip

    cap = figures.get("capacity_rated_daily")
    if equipment and gain:
        add(
            "capacity_rated_daily",
            0,
            cap,
            None if cap is None else cap * (1 + gain),
            "the new machines registered and reporting: rated capacity up by the planned gain",
        )
    out_v = figures.get("output_value_365")
    if counted:
        add(
            "output_value",
            365,
            out_v,
            None if out_v is None else out_v * (1 + counted),
            "the added capacity sold: output value up by the gain counted in the sizing",
        )
    inv = figures.get("inventory_value")
    if stock_before and stock_after is not None:
        add(
            "inventory_value",
            0,
            inv,
            None if inv is None else inv * stock_after / stock_before,
            "raw-material stock down as planned (the working capital freed)",
        )
    if equipment:
        add(
            "device_running_rate",
            90,
            figures.get("device_running_rate_90"),
            figures.get("device_running_rate_90"),
            "the machines kept busy: the running rate does not fall as capacity grows",
        )
    for s in tools.values():
        for ind in s.get("unlocks_missing") or []:
            if ind not in {w["indicator"] for w in out}:
                add(ind, 0, None, "a value", f"{s['name_zh']} makes it measurable")
    return out
