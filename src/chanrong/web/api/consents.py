"""Consents, the audit log, and reading another organisation's data under consent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from chanrong.access.consent import GUARDED_KINDS, ConsentError, Decision
from chanrong.access.consents import ConsentForbidden, ConsentNotFound
from chanrong.model import EVENT_KINDS
from chanrong.model.base import LOCAL_TZ
from chanrong.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/v1", tags=["consents"])


class ConsentTerms(BaseModel):
    scopes: list[str] = Field(description="production_energy, movable_assets, transactions, "
                              "credit_standing, quality, tech_service, carbon, digital_grade")  # fmt: skip
    purpose: str = Field(description="pre_loan, in_loan, post_loan, supply_chain_finance, "
                         "supplier_sourcing, supplier_performance, park_services")  # fmt: skip
    days: int = Field(365, description="how long the access lasts")
    data_from: date | None = Field(None, description="oldest data that may be read")
    data_to: date | None = Field(None, description="newest data that may be read")
    note: str | None = Field(None, max_length=500)


class ConsentRequest(ConsentTerms):
    grantor: str = Field(description="USCC of the enterprise whose data is asked for")


class ConsentGrant(ConsentTerms):
    grantee: str = Field(description="USCC of the bank, core enterprise or park")


def _call(fn: Any, *args: Any, refused: tuple[type[Exception], ...] = (), **kwargs: Any) -> Any:
    """Call a service, its refusals as HTTP answers: consent rules and the caller's own
    `refused` errors (a domain's rule saying why) 400, forbidden 403, not found 404."""
    bad: tuple[type[Exception], ...] = (ConsentError, *refused)
    try:
        return fn(*args, **kwargs)
    except bad as exc:
        raise HTTPException(400, str(exc)) from exc
    except ConsentForbidden as exc:
        raise HTTPException(403, str(exc)) from exc
    except ConsentNotFound as exc:
        raise HTTPException(404, str(exc)) from exc


@router.get("/consents")
def list_consents(platform: PlatformDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Consents you granted or received, with their status now (expired is derived)."""
    return platform.consents.visible(principal)


@router.post("/consents", status_code=201)
def request_consent(
    body: ConsentRequest, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    """A bank, core enterprise or park asks an enterprise for access; it decides in its UI."""
    terms = body.model_dump(exclude={"grantor", "scopes", "purpose"})
    return _call(platform.consents.request, principal, body.grantor, body.scopes, body.purpose,
                 **terms)  # fmt: skip


@router.post("/consents/grant", status_code=201)
def grant_consent(
    body: ConsentGrant, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    """An enterprise grants access on its own initiative (administrators only)."""
    terms = body.model_dump(exclude={"grantee", "scopes", "purpose"})
    return _call(platform.consents.grant, principal, body.grantee, body.scopes, body.purpose,
                 **terms)  # fmt: skip


@router.get("/consents/{consent_id}")
def get_consent(consent_id: str, platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    return _call(platform.consents.get, principal, consent_id)


@router.post("/consents/{consent_id}/authorise")
def authorise_consent(
    consent_id: str, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    return _call(platform.consents.authorise, principal, consent_id)


@router.post("/consents/{consent_id}/reject")
def reject_consent(
    consent_id: str, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    return _call(platform.consents.reject, principal, consent_id)


@router.delete("/consents/{consent_id}")
def revoke_consent(
    consent_id: str, platform: PlatformDep, principal: PrincipalDep, reason: str | None = None
) -> dict[str, Any]:
    """Revoke: access stops with the very next request."""
    return _call(platform.consents.revoke, principal, consent_id, reason)


@router.get("/audit")
def audit(
    platform: PlatformDep, principal: PrincipalDep, limit: int = Query(500, le=5000)
) -> list[dict[str, Any]]:
    """Who read my data (an enterprise), or what we read (a bank, core enterprise or park)."""
    return platform.consents.audit_for(principal, limit)


def consented_days(
    d: Decision, since: date | None, until: date | None
) -> tuple[date | None, date | None]:
    """The days [first, end) asked for (until: last day included), inside the consented period."""
    lo = max(filter(None, (since, d.data_from)), default=None)
    hi = min(filter(None, (until, d.data_to)), default=None)
    return lo, hi + timedelta(days=1) if hi else None


def _bounds(
    d: Decision, since: date | None, until: date | None
) -> tuple[datetime | None, datetime | None]:
    """The read window in UTC: the consented days as instants in Beijing time."""

    def start_of(day: date | None) -> datetime | None:
        return datetime.combine(day, time(), LOCAL_TZ).astimezone(UTC) if day else None

    lo, end = consented_days(d, since, until)
    return start_of(lo), start_of(end)


@router.get("/orgs/{uscc}/records/{kind}")
def read_records(
    uscc: str,
    kind: str,
    platform: PlatformDep,
    principal: PrincipalDep,
    purpose: str = Query(description="the purpose your consent names, e.g. pre_loan"),
    since: date | None = None,
    until: date | None = Query(None, description="last day included"),
    limit: int = Query(1000, ge=1, le=10000),
) -> list[dict[str, Any]]:
    """Another organisation's records of one kind, under an authorised consent; audited."""
    if kind not in EVENT_KINDS:
        raise HTTPException(404, f"unknown record kind {kind}")

    def fetch(allowed: dict[str, Decision]) -> list[dict[str, Any]]:
        lo, hi = _bounds(allowed[kind], since, until)
        return platform.events.records(kind, uscc, since=lo, until=hi, limit=limit)

    action = f"GET /api/v1/orgs/{uscc}/records/{kind}"
    return _call(platform.consents.read, principal, uscc, [kind], purpose, action, fetch)


@router.get("/orgs/{uscc}/streams")
def read_streams(
    uscc: str,
    platform: PlatformDep,
    principal: PrincipalDep,
    purpose: str = Query(description="the purpose your consent names, e.g. pre_loan"),
) -> list[dict[str, Any]]:
    """What data another organisation has (kinds within your consent only); audited."""

    def fetch(allowed: dict[str, Decision]) -> list[dict[str, Any]]:
        return platform.events.streams(uscc, sorted(allowed))

    action = f"GET /api/v1/orgs/{uscc}/streams"
    return _call(
        platform.consents.read, principal, uscc, list(GUARDED_KINDS), purpose, action, fetch
    )
