"""Park-wide credit (整园授信), pure: how a bank's credit pool for a park is shared among the
firms its scorecard would lend to, and how concentrated the result is.

- Each candidate asks for its suggested line (the bank's scorecard: rating, evidence, what it
  already owes); a knocked-out or declined firm asks for nothing.
- No firm gets more than `max_share` of the pool, nor more than it asks.
- When the asks exceed the pool, every firm gets the same fraction of its ask, the fraction
  chosen so the pool is used in full (a capped firm's excess goes to the others in proportion to
  their asks: water-filling); otherwise every firm gets its ask.
- Concentration: HHI of the shares (x 10,000), the largest share and the five largest.
"""

from __future__ import annotations

import math
from typing import Any


def allocate(pool: float, asks: dict[str, float], max_share: float) -> dict[str, float]:
    """元 per firm, rounded down to the yuan, never more than the pool in total."""
    if pool <= 0:
        return {o: 0.0 for o in asks}
    cap = {o: min(max(a, 0.0), max_share * pool) for o, a in asks.items()}
    if sum(cap.values()) <= pool:
        return {o: float(int(c)) for o, c in cap.items()}

    def used(k: float) -> float:
        return sum(min(cap[o], k * a) for o, a in asks.items() if a > 0)

    lo, hi = 0.0, max((cap[o] / a for o, a in asks.items() if a > 0), default=0.0)
    for _ in range(100):  # bisection on the common fraction
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if used(mid) < pool else (lo, mid)
    # the fraction found is at most a hair below the exact one: whole yuan, not a yuan short
    return {o: float(math.floor(min(cap[o], lo * a) + 1e-6)) if a > 0 else 0.0
            for o, a in asks.items()}  # fmt: skip


def concentration(amounts: dict[str, float]) -> dict[str, Any]:
    total = sum(amounts.values())
    if total <= 0:
        return {"hhi": None, "top1": None, "top5": None, "firms": 0}
    shares = sorted((a / total for a in amounts.values() if a > 0), reverse=True)
    return {"hhi": round(10_000 * sum(s * s for s in shares), 1), "top1": shares[0],
            "top5": sum(shares[:5]), "firms": len(shares)}  # fmt: skip
