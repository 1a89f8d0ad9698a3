"""Indicators over HTTP: the catalog, an enterprise's own values, and another's under consent."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Query

from chanrong.web.api.consents import _call
from chanrong.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/v1", tags=["indicators"])
AS_OF = Query(None, description="the window's last day, Beijing time (default: today)")


@router.get("/indicators/catalog")
def catalog(platform: PlatformDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Every indicator of the financing and order tables: names, dimension, unit, direction,
    windows, the record kinds it reads and its definition."""
    return platform.indicators.catalog()


@router.get("/indicators")
def own_indicators(
    platform: PlatformDep, principal: PrincipalDep, as_of: date | None = AS_OF
) -> list[dict[str, Any]]:
    """Your enterprise's indicators for a day, each window with its value (or why there is
    none), coverage, credibility (self / corroborated / third_party), input counts and trend."""
    if not principal.can("own_data"):
        raise HTTPException(403, "indicators of your own are for enterprises")
    return platform.indicators.report(principal.org, as_of)


@router.get("/orgs/{uscc}/indicators")
def org_indicators(
    uscc: str,
    platform: PlatformDep,
    principal: PrincipalDep,
    purpose: str = Query(description="the purpose your consent names, e.g. pre_loan"),
    as_of: date | None = AS_OF,
) -> list[dict[str, Any]]:
    """Another enterprise's indicators under an authorised consent (audited): a value shows
    only when your consent covers every record kind it reads, over its whole window."""
    return list(_call(platform.indicators.read, principal, uscc, purpose, as_of))
