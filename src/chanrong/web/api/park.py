"""The park's cockpit over HTTP: its member portfolio and the live screen's figures."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from chanrong.model.events import LoanType
from chanrong.park.lending import LendingError
from chanrong.park.riskpool import PoolError, Terms
from chanrong.web.api.consents import _call
from chanrong.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/v1/park", tags=["park"])


@router.get("/portfolio")
def portfolio(
    platform: PlatformDep, principal: PrincipalDep,
    as_of: date | None = Query(None, description="the day (default: today)"),
) -> dict[str, Any]:  # fmt: skip
    """Every member firm counted (by industry; GB/T 4754 divisions with fewer than 3 firms as
    other), the digital-level distribution and key figures summed or averaged over all members
    (aggregates need no consent); the members that consented to the park (park_services) named
    with their grade, key figures, tags and open alerts, each as far as its consent allows
    (each read audited)."""
    return dict(_call(platform.park.portfolio, principal, as_of))


@router.get("/live")
def live(platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    """The park right now, for its monitoring screen: machines reporting in the last 10 minutes
    and running among them, power, today's energy (tce), emissions (tCO2, location-based) and
    output value, the last 30 days of each, the digital-level distribution, open alerts by rule
    and carbon quota statuses. Aggregates over every member; no firm named."""
    return dict(_call(platform.park.live, principal))


class PoolIn(BaseModel):
    government_fund: float = Field(ge=0, description="元 put in by the local government")
    park_fund: float = Field(ge=0, description="元 put in by the park")
    pool_share: float = Field(0.5, ge=0, le=1, description="share of each loss the pool pays")
    lgd: float = Field(0.45, gt=0, le=1, description="loss given default")
    correlation: float = Field(0.15, ge=0, lt=1, description="asset correlation (one factor)")
    default_pd: float = Field(0.03, gt=0, lt=1, description="PD of a borrower no lender scored")
    max_leverage: float = Field(10.0, gt=0, description="loans the pool may back, x its size")
    runs: int = Field(20_000, ge=1_000, le=1_000_000)
    seed: int = 2026
    loan_types: list[str] | None = Field(None, description="loan types covered (default: all): "
                                         + ", ".join(LoanType))  # fmt: skip


_run = partial(_call, refused=(PoolError, LendingError))


@router.get("/risk-pool")
def risk_run(platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    """The park's risk-compensation pool (园保贷) against its members' live loans today, with
    its saved terms (or example terms, `saved: false`): coverage ratio, leverage, and a year of
    losses simulated (one-factor Gaussian copula; PDs from the lenders' scorecards, else the
    stated default PD): expected and tail losses, what the pool pays, the chance it runs dry,
    the banks' share; loans already in default as claims due now. No firm named."""
    return dict(_run(platform.park.risk_pool, principal))


@router.put("/risk-pool")
def set_risk_pool(body: PoolIn, platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    """Keep the pool's terms, then answer as GET does."""
    terms = Terms(**body.model_dump(exclude={"loan_types"}))
    _run(platform.park.set_pool, principal, terms, body.loan_types)
    return dict(_run(platform.park.risk_pool, principal))


credit = APIRouter(prefix="/api/v1/park-credit", tags=["park"])


class CreditPoolIn(BaseModel):
    amount: float = Field(gt=0, description="元: the bank's whole-park line (整园授信)")
    max_share: float = Field(0.1, gt=0, le=1, description="the largest share one firm may get")
    end_date: date | None = None
    note: str | None = Field(None, max_length=500)


@credit.get("")
def credit_pools(platform: PlatformDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """A bank's park credit pools; or, for a park, the pools banks set for it: amount,
    allocated, drawn (live park_credit loans), use and concentration (HHI, top shares); a park
    sees a firm's allocation by name only when the firm authorised it (park_services) to read
    its credit standing."""
    return list(_run(platform.lending.pools_of, principal))


@credit.put("/{park}")
def set_credit_pool(
    park: str, body: CreditPoolIn, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    """A bank sets (or changes) its credit pool for a park."""
    return dict(_run(platform.lending.set_pool, principal, park, body.amount, body.max_share,
                      body.end_date, body.note))  # fmt: skip


@credit.post("/{park}/allocate")
def allocate_credit_pool(
    park: str, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Score every park firm that authorised the bank (pre_loan or in_loan) with its active
    scorecard (kept as decisions) and share the pool by their suggested lines: none above its
    line or the pool's max_share, cut in proportion when the lines ask for more than the pool."""
    return dict(_run(platform.lending.allocate, principal, park))


@credit.get("/{park}")
def credit_pool(park: str, platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    """The bank's pool for the park with each firm's score, line, allocation and drawn amount."""
    return dict(_run(platform.lending.bank_view, principal, park))
