"""Consent (授权): who may read which of an enterprise's data, for what, until when. Pure rules.

Anchored on UK Open Banking account-access consents and PIPL arts. 15 and 23 (see the facts file):
an enumerated scope list, a stated purpose, a validity period and a data period; statuses
requested -> authorised -> revoked / expired, or requested -> rejected; revocation stops access
from the very next request.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from chanrong.model import EVENT_KINDS
from chanrong.model.master import OrgKind


class Scope(StrEnum):
    """The data dimensions of DOMAIN.md."""

    PRODUCTION_ENERGY = "production_energy"  # 生产/能耗
    MOVABLE_ASSETS = "movable_assets"  # 动产/仓储
    TRANSACTIONS = "transactions"  # 交易结算
    CREDIT_STANDING = "credit_standing"  # 信用资质
    QUALITY = "quality"  # 质量能力
    TECH_SERVICE = "tech_service"  # 技术服务
    CARBON = "carbon"  # 能-碳
    DIGITAL_GRADE = "digital_grade"  # 数字化水平: the grade and its evidence, not the records


class Purpose(StrEnum):
    PRE_LOAN = "pre_loan"  # 贷前获客
    IN_LOAN = "in_loan"  # 贷中审核
    POST_LOAN = "post_loan"  # 贷后管理
    SUPPLY_CHAIN_FINANCE = "supply_chain_finance"  # 供应链金融
    SUPPLIER_SOURCING = "supplier_sourcing"  # 供应商寻源
    SUPPLIER_PERFORMANCE = "supplier_performance"  # 供应商绩效
    PARK_SERVICES = "park_services"  # 园区服务


class Status(StrEnum):
    REQUESTED = "requested"
    AUTHORISED = "authorised"
    REJECTED = "rejected"
    REVOKED = "revoked"
    EXPIRED = "expired"  # authorised, but past its end: never stored, always derived


# Which record kinds each scope opens. A kind may serve several dimensions.
SCOPE_KINDS: dict[Scope, frozenset[str]] = {
    Scope.PRODUCTION_ENERGY: frozenset({"telemetry", "work_order", "production_report", "energy",
                                        "inventory_movement", "shipment"}),
    Scope.MOVABLE_ASSETS: frozenset({"inventory_movement", "pledge", "quality_inspection"}),
    Scope.TRANSACTIONS: frozenset({"sales_order", "purchase_order", "invoice", "payment",
                                   "shipment"}),
    Scope.CREDIT_STANDING: frozenset({"credit_record", "loan", "repayment", "loan_outcome"}),
    Scope.QUALITY: frozenset({"quality_inspection", "production_report"}),
    Scope.TECH_SERVICE: frozenset({"credit_record"}),
    # the records, and the carbon account computed from them (intensity, footprints, quota use)
    Scope.CARBON: frozenset({"energy", "green_power", "carbon_account"}),
    Scope.DIGITAL_GRADE: frozenset({"digital_grade"}),  # a result, opened by its own scope
}  # fmt: skip
# Published by their issuer for everyone (e.g. a price index): no consent needed.
PUBLIC_KINDS = frozenset({"price_index"})
# Every kind that is an enterprise's own data, in contract order: what a consent can open.
GUARDED_KINDS = tuple(k for k in EVENT_KINDS if k not in PUBLIC_KINDS)

# Who may ask an enterprise for its data, and for which purposes.
PURPOSES_BY_KIND: dict[OrgKind, frozenset[Purpose]] = {
    OrgKind.BANK: frozenset({Purpose.PRE_LOAN, Purpose.IN_LOAN, Purpose.POST_LOAN,
                             Purpose.SUPPLY_CHAIN_FINANCE}),
    OrgKind.CORE_ENTERPRISE: frozenset({Purpose.SUPPLIER_SOURCING, Purpose.SUPPLIER_PERFORMANCE,
                                        Purpose.SUPPLY_CHAIN_FINANCE}),
    OrgKind.PARK: frozenset({Purpose.PARK_SERVICES}),
    OrgKind.PLATFORM: frozenset(),  # the operator administers; it reads nobody's business data
    OrgKind.SME: frozenset(),
}  # fmt: skip
MAX_VALIDITY_DAYS = 3 * 366


class ConsentError(ValueError):
    """A consent operation that the rules do not allow; the message says why."""


def scopes_of_kind(kind: str) -> frozenset[Scope]:
    return frozenset(s for s, kinds in SCOPE_KINDS.items() if kind in kinds)


def effective_status(status: str, expires_at: datetime, now: datetime) -> Status:
    if status == Status.AUTHORISED and expires_at <= now:
        return Status.EXPIRED
    return Status(status)


def check_terms(
    grantee_kind: OrgKind, scopes: list[str], purpose: str, days: int, data_from: date | None,
    data_to: date | None,
) -> tuple[list[Scope], Purpose]:  # fmt: skip
    """Validate the terms of a consent; the error names what is wrong."""
    allowed = PURPOSES_BY_KIND.get(grantee_kind, frozenset())
    if not allowed:
        raise ConsentError(f"a {grantee_kind.value} organisation cannot receive data access")
    try:
        chosen = sorted({Scope(s) for s in scopes})
    except ValueError as exc:
        raise ConsentError(f"unknown scope; use: {', '.join(Scope)}") from exc
    if not chosen:
        raise ConsentError("name at least one scope")
    try:
        why = Purpose(purpose)
    except ValueError as exc:
        raise ConsentError(f"unknown purpose {purpose!r}; use: {', '.join(Purpose)}") from exc
    if why not in allowed:
        names = ", ".join(sorted(allowed))
        raise ConsentError(f"a {grantee_kind.value} may ask for {names}, not {why.value}")
    if not 1 <= days <= MAX_VALIDITY_DAYS:
        raise ConsentError(f"validity must be 1 to {MAX_VALIDITY_DAYS} days")
    if data_from and data_to and data_to < data_from:
        raise ConsentError("the data period ends before it starts")
    return chosen, why


def terms_digest(consent: dict[str, Any]) -> str:
    """SHA-256 of the authorised terms in canonical JSON: what the parties agreed to."""
    keys = ("consent_id", "grantor", "grantee", "scopes", "purpose", "data_from", "data_to",
            "expires_at", "no_onward_transfer", "decided_by", "decided_at")  # fmt: skip
    terms = {k: consent.get(k) for k in keys}
    text = json.dumps(terms, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Decision:
    """The outcome of one authorisation: allowed with a consent, or refused with a reason."""

    allowed: bool
    reason: str
    consent_id: str | None = None
    data_from: date | None = None
    data_to: date | None = None


def decide(
    reader_org: str, owner: str, kind: str, purpose: str, consents: list[dict[str, Any]],
    now: datetime,
) -> Decision:  # fmt: skip
    """Whether `reader_org` may read `owner`'s records of `kind` for `purpose` right now."""
    if reader_org == owner:
        return Decision(True, "own data")
    if kind in PUBLIC_KINDS:
        return Decision(True, "public data")
    needed = scopes_of_kind(kind)
    for c in consents:
        if c["grantee"] != reader_org or c["grantor"] != owner or c["purpose"] != purpose:
            continue
        if effective_status(c["status"], c["expires_at"], now) is not Status.AUTHORISED:
            continue
        if needed & {Scope(s) for s in c["scopes"]}:
            return Decision(True, "consent", c["consent_id"], c["data_from"], c["data_to"])
    return Decision(False, f"no authorised consent of {owner} for {purpose} covering {kind}")
