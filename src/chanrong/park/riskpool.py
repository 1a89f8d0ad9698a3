"""The risk-compensation pool (园保贷风险补偿资金池), pure: its coverage of the loans it backs and
a Monte Carlo of a year's credit losses, what the pool pays and whether it is enough.

Model (stated with every result):
- each borrower defaults within the year with its probability of default (PD): the newest PD a
  lender's scorecard gave it, else the stated default PD;
- defaults are correlated through one common factor (the Vasicek / Basel one-factor Gaussian
  copula): borrower i defaults when sqrt(rho) Z + sqrt(1 - rho) e_i < N^-1(PD_i), with Z and e_i
  standard normal; rho = 0 makes them independent;
- loss of a default = exposure (outstanding principal) x LGD;
- loss sharing: the pool pays `pool_share` of every loss until it is empty, the lending bank the
  rest; the government's and the park's money pay pro rata to what each put in;
- coverage ratio = pool / loans covered; leverage (放大倍数) = loans covered / pool.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.stats import norm

CELLS = 2_000_000  # draws per chunk (runs x borrowers), so memory stays flat for a large park
PERCENTILES = (50.0, 95.0, 99.0, 99.9)


class PoolError(ValueError):
    """Terms the model cannot take; the message names the term."""


@dataclass(frozen=True)
class Terms:
    government_fund: float = 5_000_000.0  # 元, put in by the local government
    park_fund: float = 2_000_000.0  # 元, put in by the park
    pool_share: float = 0.5  # share of each loss the pool pays
    lgd: float = 0.45  # loss given default (Basel foundation IRB senior unsecured)
    correlation: float = 0.15  # asset correlation rho (Basel SME range about 0.12 to 0.24)
    default_pd: float = 0.03  # PD of a borrower no lender has scored
    max_leverage: float = 10.0  # loans the pool may back, as a multiple of its size
    runs: int = 20_000
    seed: int = 2026

    def check(self) -> Terms:
        rules = (
            (self.government_fund >= 0 and self.park_fund >= 0, "funds are 0 or more 元"),
            (0 <= self.pool_share <= 1, "pool_share is between 0 and 1"),
            (0 < self.lgd <= 1, "lgd is above 0 and at most 1"),
            (0 <= self.correlation < 1, "correlation is from 0 to below 1"),
            (0 < self.default_pd < 1, "default_pd is between 0 and 1"),
            (self.max_leverage > 0, "max_leverage is above 0"),
            (1_000 <= self.runs <= 1_000_000, "runs is 1,000 to 1,000,000"),
        )  # fmt: skip
        for ok, why in rules:
            if not ok:
                raise PoolError(why)
        return self

    @property
    def pool(self) -> float:
        return self.government_fund + self.park_fund


@dataclass(frozen=True)
class Exposure:
    ead: float  # outstanding principal, 元
    pd: float | None  # a lender's PD, or None: the terms' default PD


def simulate(exposures: list[Exposure], terms: Terms) -> dict[str, Any]:
    """A year of losses on the covered loans, `terms.runs` times."""
    terms.check()
    pool = terms.pool
    ead = np.array([e.ead for e in exposures], dtype=np.float64)
    pd = np.clip(np.array([terms.default_pd if e.pd is None else e.pd for e in exposures],
                          dtype=np.float64), 1e-9, 1 - 1e-9)  # fmt: skip
    covered = float(ead.sum())
    loss_at_default = ead * terms.lgd
    n, runs = len(exposures), terms.runs
    losses = np.zeros(runs)
    defaults = np.zeros(runs, dtype=np.int64)
    if n:
        rng = np.random.default_rng(terms.seed)
        threshold = norm.ppf(pd)
        a, b = math.sqrt(terms.correlation), math.sqrt(1 - terms.correlation)
        chunk = max(1, CELLS // n)
        for start in range(0, runs, chunk):
            k = min(chunk, runs - start)
            z = rng.standard_normal((k, 1))
            d = a * z + b * rng.standard_normal((k, n)) < threshold
            losses[start : start + k] = d @ loss_at_default
            defaults[start : start + k] = d.sum(axis=1)
    claim = terms.pool_share * losses
    paid = np.minimum(claim, pool)
    bank = losses - paid
    gov_share = terms.government_fund / pool if pool else 0.0
    hist_counts, edges = np.histogram(losses, bins=30)
    pct = lambda x: {f"p{p:g}": float(np.percentile(x, p)) for p in PERCENTILES}  # noqa: E731
    return {
        "terms": asdict(terms), "pool": pool, "borrowers": n, "covered": covered,
        "scored": sum(1 for e in exposures if e.pd is not None),
        "coverage_ratio": pool / covered if covered else None,
        "leverage": covered / pool if pool else None,
        "within_leverage": (covered / pool <= terms.max_leverage) if pool else covered == 0,
        "expected_defaults": float(pd.sum()) if n else 0.0,
        "defaults": pct(defaults),
        "expected_loss_formula": float((pd * loss_at_default).sum()),
        "expected_loss": float(losses.mean()),
        "expected_loss_se": float(losses.std(ddof=1) / math.sqrt(runs)),
        "loss": pct(losses),
        "pool_expected_paid": float(paid.mean()),
        "pool_paid": pct(paid),
        "government_expected_paid": float(paid.mean() * gov_share),
        "park_expected_paid": float(paid.mean() * (1 - gov_share)) if pool else 0.0,
        "p_pool_exhausted": float((claim > pool).mean()),
        "pool_sufficient": float((claim <= pool).mean()),
        "expected_shortfall_beyond_pool": float((claim - paid).mean()),
        "bank_expected_loss": float(bank.mean()), "bank_loss": pct(bank),
        "histogram": {"edges": edges.tolist(), "counts": hist_counts.tolist()},
    }  # fmt: skip
