"""The bank workbench over HTTP: the tag catalog and the pre-loan screening list (JSON, CSV)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from chanrong.access.rules import Principal
from chanrong.finance.service import to_csv
from chanrong.finance.tags import TAGS
from chanrong.web.api.consents import _call
from chanrong.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/v1/bank", tags=["bank"])
orgs = APIRouter(prefix="/api/v1", tags=["bank"])
TAG_FILTER = Query(None, description="tag ids the firm must have (repeat for several)")
EXCLUDE = Query(None, description="tag ids the firm must not have, e.g. dishonest")
MIN_GRADE = Query(None, description="entry, standardized or optimized")
PURPOSE = Query("pre_loan", description="the purpose the firms' consents name")
AS_OF = Query(None, description="the day (default: today, Beijing time)")


def _bank(principal: Principal) -> None:
    if not principal.can("bank_workbench"):
        raise HTTPException(403, "the screening list is for banks")


@router.get("/tags")
def tags(principal: PrincipalDep) -> list[dict[str, Any]]:
    """Every pre-loan tag: id, names, nature (good, risk, knockout), rule and inputs."""
    return [{"id": t.id, "name_zh": t.name_zh, "name_en": t.name_en, "nature": t.nature.value,
             "rule": t.rule, "inputs": [f"{i}:{w}" for i, w in t.inputs]} for t in TAGS]  # fmt: skip


def _listing(platform: Any, principal: Principal, purpose: str, as_of: date | None,
             tag: list[str] | None, exclude: list[str] | None, min_grade: str | None) -> Any:  # fmt: skip
    _bank(principal)
    try:
        return platform.bank.screening(principal, purpose, as_of, tag, exclude, min_grade)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc


@router.get("/screening")
def screening(
    platform: PlatformDep, principal: PrincipalDep, purpose: str = PURPOSE,
    as_of: date | None = AS_OF, tag: list[str] | None = TAG_FILTER,
    exclude: list[str] | None = EXCLUDE, min_grade: str | None = MIN_GRADE,
) -> dict[str, Any]:  # fmt: skip
    """Firms that authorised your bank for the purpose, each with its tags and the values behind
    them, the tags that could not be judged, its digital grade (if shared) and key figures;
    every firm read through the consent door and audited."""
    return dict(_listing(platform, principal, purpose, as_of, tag, exclude, min_grade))


@router.get("/screening.csv", response_class=Response)
def screening_csv(
    platform: PlatformDep, principal: PrincipalDep, purpose: str = PURPOSE,
    as_of: date | None = AS_OF, tag: list[str] | None = TAG_FILTER,
    exclude: list[str] | None = EXCLUDE, min_grade: str | None = MIN_GRADE,
) -> Response:  # fmt: skip
    """The same list as CSV (opens in Excel)."""
    listing = _listing(platform, principal, purpose, as_of, tag, exclude, min_grade)
    return Response(to_csv(listing), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="screening-{listing["as_of"]}.csv"'})  # fmt: skip


@orgs.get("/orgs/{uscc}/trade-checks")
def trade_checks(
    uscc: str, platform: PlatformDep, principal: PrincipalDep,
    purpose: str = Query(description="the purpose your consent names, e.g. in_loan"),
    days: int = Query(90, ge=1, le=366, description="invoices issued in the last N days"),
    as_of: date | None = AS_OF,
) -> dict[str, Any]:  # fmt: skip
    """A firm's sales invoices, each checked along order -> production -> warehouse ->
    shipment -> delivery -> invoice -> payment with the evidence of each link, suspects marked
    with their reasons (broken core links, circular trades). Under a consent that covers every
    kind a chain reads; audited."""
    return dict(_call(platform.trades.read, principal, uscc, purpose, days, as_of))


@orgs.get("/orgs/{uscc}/diligence")
def diligence(
    uscc: str, platform: PlatformDep, principal: PrincipalDep,
    purpose: str = Query(description="the purpose your consent names, e.g. in_loan"),
    as_of: date | None = AS_OF,
) -> dict[str, Any]:  # fmt: skip
    """The loan officer's due-diligence checklist (尽职调查), pre-filled from what the firm's
    consent shows: each item verified by the data (with evidence and credibility) or left to
    check on site (with the figures to compare); every read audited."""
    _bank(principal)
    return dict(_call(platform.bank.diligence, principal, uscc, purpose, platform.trades, as_of))
