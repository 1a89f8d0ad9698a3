"""Post-loan warnings over HTTP: the alert inbox (a firm's own; a bank's for the firms that
authorised it for post-loan monitoring), acknowledgement, thresholds per organisation, and
webhooks."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from chanrong.access.rules import Principal, Role
from chanrong.alerts.service import AlertNotFound
from chanrong.web.api.consents import _call
from chanrong.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/v1", tags=["alerts"])


def _may(principal: Principal, admin: bool = False) -> None:
    if not principal.can("alerts"):
        raise HTTPException(403, "alerts are for enterprises and banks")
    if admin and principal.role is not Role.ADMIN:
        raise HTTPException(403, "this setting is for your organisation's admins")


def _found(fn: Any, *args: Any) -> Any:
    try:
        return _call(fn, *args)
    except AlertNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc


@router.get("/alerts")
def inbox(
    platform: PlatformDep, principal: PrincipalDep,
    status: Literal["active", "cleared", "all"] = Query("active"),
    unacknowledged: bool = Query(False, description="only those your organisation has not acknowledged"),
    org: str | None = Query(None, description="one firm's alerts only"),
) -> dict[str, Any]:  # fmt: skip
    """Alerts you may see, critical and unacknowledged first: an enterprise its own; a bank
    those of the firms with a live post-loan consent covering each rule's data (each firm read
    through the consent door, audited), after the bank's thresholds. Each alert has its rule,
    severity, subject (firm, machine, loan, pledge, record), started/fired/last seen/cleared
    times, value and peak, the evidence, and your acknowledgement."""
    _may(principal)
    return dict(_found(platform.alerts.inbox, principal, status, unacknowledged, org))


class Ack(BaseModel):
    note: str | None = Field(None, max_length=500)


@router.post("/alerts/{alert_id}/ack")
def acknowledge(
    alert_id: int, body: Ack, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Acknowledge an alert for your organisation (the firm and each bank acknowledge for
    themselves; a repeat keeps the first acknowledgement)."""
    _may(principal)
    if principal.role is Role.VIEWER:
        raise HTTPException(403, "viewers cannot acknowledge")
    return dict(_found(platform.alerts.acknowledge, principal, alert_id, body.note))


@router.get("/alerts/rules")
def rules(platform: PlatformDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Every warning rule with what it watches and your organisation's threshold for it."""
    _may(principal)
    return list(platform.alerts.settings(principal.org).values())


class Threshold(BaseModel):
    min_value: float | None = Field(None, description="show alerts whose peak value reaches this")
    min_minutes: int | None = Field(None, ge=0, description="show alerts active this long")
    muted: bool = False


@router.put("/alerts/rules/{rule}")
def set_threshold(
    rule: str, body: Threshold, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Set your organisation's threshold for a rule (admins)."""
    _may(principal, admin=True)
    return dict(_found(platform.alerts.set_threshold, principal.org, rule, body.min_value,
                       body.min_minutes, body.muted))  # fmt: skip


class Hook(BaseModel):
    url: str = Field(description="where alert events are POSTed (JSON, signed)")


@router.post("/webhooks", status_code=201)
def add_webhook(body: Hook, platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    """Register a webhook: every alert you may see, when it opens or clears, is POSTed as JSON
    with the header X-Chanrong-Signature: sha256=HMAC-SHA256(secret, body). The secret is shown
    once. Failed deliveries are retried after 2, 4, 8... minutes, 8 times (admins)."""
    _may(principal, admin=True)
    return dict(_found(platform.alerts.add_webhook, principal, body.url))


@router.get("/webhooks")
def list_webhooks(platform: PlatformDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Your webhooks with their delivery counts (the secret is not shown again)."""
    _may(principal)
    return list(platform.alerts.webhooks(principal.org))


@router.delete("/webhooks/{webhook_id}", status_code=204)
def remove_webhook(webhook_id: int, platform: PlatformDep, principal: PrincipalDep) -> None:
    """Stop a webhook (admins)."""
    _may(principal, admin=True)
    _found(platform.alerts.remove_webhook, principal, webhook_id)
