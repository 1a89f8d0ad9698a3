"""The park's cockpit over HTTP: its member portfolio and the live screen's figures."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query

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
