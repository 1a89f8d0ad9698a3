"""The consent service and the one authorisation function every cross-organisation read passes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from chanrong.access.consent import (
    ConsentError,
    Decision,
    Status,
    check_terms,
    decide,
    effective_status,
    terms_digest,
)
from chanrong.access.rules import Principal, Role
from chanrong.clock import Clock
from chanrong.model.master import OrgKind
from chanrong.store.consents import ConsentRepository
from chanrong.store.master import MasterRepository


class ConsentNotFound(LookupError):
    """Unknown, or not yours: the two look the same so ids cannot be probed."""


class ConsentForbidden(PermissionError):
    pass


class ConsentService:
    def __init__(self, repo: ConsentRepository, master: MasterRepository, clock: Clock) -> None:
        self.repo = repo
        self.master = master
        self.clock = clock

    # life cycle ------------------------------------------------------------------------------
    def request(
        self, principal: Principal, grantor: str, scopes: list[str], purpose: str, *,
        days: int = 365, data_from: date | None = None, data_to: date | None = None,
        note: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """A bank, core enterprise or park asks an SME for access; the SME decides."""
        self._person(principal, "data_access")
        owner = self.master.organisation(grantor)
        if owner is None or owner.org_kind != OrgKind.SME:
            raise ConsentError(f"{grantor} is not an enterprise registered on the platform")
        consent_id = self._add(principal, grantor, principal.org, principal.org_kind, scopes,
                               purpose, days, data_from, data_to, note)  # fmt: skip
        return self.get(principal, consent_id)

    def grant(
        self, principal: Principal, grantee: str, scopes: list[str], purpose: str, *,
        days: int = 365, data_from: date | None = None, data_to: date | None = None,
        note: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """An SME grants access on its own initiative: authorised at once."""
        self._person(principal, "consent", admin=True)
        receiver = self.master.organisation(grantee)
        if receiver is None:
            raise ConsentError(f"{grantee} is not registered on the platform")
        consent_id = self._add(principal, principal.org, grantee, OrgKind(receiver.org_kind),
                               scopes, purpose, days, data_from, data_to, note)  # fmt: skip
        return self.authorise(principal, consent_id)

    def _add(
        self, principal: Principal, grantor: str, grantee: str, grantee_kind: OrgKind,
        scopes: list[str], purpose: str, days: int, data_from: date | None,
        data_to: date | None, note: str | None,
    ) -> str:  # fmt: skip
        """Check the terms and store them as a request awaiting the grantor's decision."""
        chosen, why = check_terms(grantee_kind, scopes, purpose, days, data_from, data_to)
        now = self.clock.now()
        return self.repo.add(
            {"grantor": grantor, "grantee": grantee, "scopes": [s.value for s in chosen],
             "purpose": why.value, "data_from": data_from, "data_to": data_to,
             "status": Status.REQUESTED.value, "expires_at": now + timedelta(days=days),
             "no_onward_transfer": True, "note": note, "requested_by": _who(principal),
             "requested_at": now},
            now,
        )  # fmt: skip

    def authorise(self, principal: Principal, consent_id: str) -> dict[str, Any]:
        return self._decide(principal, consent_id, Status.AUTHORISED)

    def reject(self, principal: Principal, consent_id: str) -> dict[str, Any]:
        return self._decide(principal, consent_id, Status.REJECTED)

    def _decide(self, principal: Principal, consent_id: str, outcome: Status) -> dict[str, Any]:
        self._person(principal, "consent", admin=True)
        c = self._own_as_grantor(principal, consent_id)
        now = self.clock.now()
        if effective_status(c["status"], c["expires_at"], now) is not Status.REQUESTED:
            raise ConsentError(f"consent {consent_id} is {c['status']}, not awaiting a decision")
        changes: dict[str, Any] = {"status": outcome.value, "decided_by": _who(principal),
                                   "decided_at": now}  # fmt: skip
        if outcome is Status.AUTHORISED:
            changes["terms_sha256"] = terms_digest({**c, **changes})
        if not self.repo.update(consent_id, Status.REQUESTED.value, now, **changes):
            raise ConsentError(f"consent {consent_id} changed meanwhile; reload and try again")
        return self.get(principal, consent_id)

    def revoke(
        self, principal: Principal, consent_id: str, reason: str | None = None
    ) -> dict[str, Any]:
        """Withdraw access; it stops with the very next request (PIPL art. 15)."""
        self._person(principal, "consent", admin=True)
        c = self._own_as_grantor(principal, consent_id)
        if c["status"] != Status.AUTHORISED:
            raise ConsentError(
                f"consent {consent_id} is {c['status']}; only authorised ones can be revoked"
            )
        now = self.clock.now()
        ok = self.repo.update(consent_id, Status.AUTHORISED.value, now, status=Status.REVOKED.value,
                              revoked_by=_who(principal), revoked_at=now,
                              revoke_reason=reason)  # fmt: skip
        if not ok:
            raise ConsentError(f"consent {consent_id} changed meanwhile; reload and try again")
        return self.get(principal, consent_id)

    # reading consents --------------------------------------------------------------------------
    def get(self, principal: Principal, consent_id: str) -> dict[str, Any]:
        c = self.repo.get(consent_id)
        if c is None or principal.org not in (c["grantor"], c["grantee"]):
            raise ConsentNotFound(f"no consent {consent_id}")
        return self._view(c)

    def visible(self, principal: Principal) -> list[dict[str, Any]]:
        return [self._view(c) for c in self.repo.of_party(principal.org)]

    def live(self, org: str, purpose: str, *, granted_to: bool = True) -> list[str]:
        """The parties with a live authorised consent with `org` for the purpose: those that
        granted it to `org` (a bank's or a buyer's firms), or with `granted_to=False` those
        `org` granted it to (a supplier's customers)."""
        now = self.clock.now()
        mine, theirs = ("grantee", "grantor") if granted_to else ("grantor", "grantee")
        return sorted({
            c[theirs] for c in self.repo.of_party(org)
            if c[mine] == org and c["purpose"] == purpose
            and effective_status(c["status"], c["expires_at"], now) is Status.AUTHORISED
        })  # fmt: skip

    def held(self, grantor: str, grantee: str) -> list[dict[str, Any]]:
        """The consents between the two, with their status now (the grantee's own view)."""
        return [self._view(c) for c in self.repo.between(grantor, grantee)]

    def _view(self, c: dict[str, Any]) -> dict[str, Any]:
        out = dict(c)
        out["status"] = effective_status(c["status"], c["expires_at"], self.clock.now()).value
        for party in ("grantor", "grantee"):
            org = self.master.organisation(c[party])
            out[f"{party}_name"] = org.name if org else None
        return out

    def _own_as_grantor(self, principal: Principal, consent_id: str) -> dict[str, Any]:
        c = self.repo.get(consent_id)
        if c is None or principal.org not in (c["grantor"], c["grantee"]):
            raise ConsentNotFound(f"no consent {consent_id}")
        if c["grantor"] != principal.org:
            raise ConsentForbidden("only the enterprise whose data it is decides on a consent")
        return c

    @staticmethod
    def _person(principal: Principal, capability: str, admin: bool = False) -> None:
        if principal.api_key_id:
            raise ConsentForbidden("consents are decided by people, not by API keys")
        if not principal.can(capability):
            raise ConsentForbidden(f"a {principal.org_kind.value} organisation cannot do this")
        if admin and principal.role is not Role.ADMIN:
            raise ConsentForbidden("only an administrator of the enterprise decides on consents")
        if principal.role is Role.VIEWER:
            raise ConsentForbidden("a read-only user cannot ask for or change consents")

    # the one door -------------------------------------------------------------------------------
    def read(
        self, principal: Principal, owner: str, kinds: list[str], purpose: str, action: str,
        fetch: Callable[[dict[str, Decision]], Any],
    ) -> Any:  # fmt: skip
        """Every read of another organisation's data goes through here.

        Decides per record kind, fetches only what is allowed (`fetch` gets the allowed kinds with
        their decisions, which carry the consented data period), and writes the audit entry:
        reader organisation and person, owner, kinds, purpose, consent, what was read and how
        many records, allowed or not. Reading one's own data is not audited. Raises
        ConsentForbidden when nothing is allowed.
        """
        now = self.clock.now()
        consents = [] if principal.org == owner else self.repo.between(owner, principal.org)
        decisions = {k: decide(principal.org, owner, k, purpose, consents, now) for k in kinds}
        allowed = {k: d for k, d in decisions.items() if d.allowed}
        result = fetch(allowed) if allowed else None
        if principal.org != owner:
            first = next(iter(allowed.values()), None) or next(iter(decisions.values()))
            self.repo.audit(
                {"read_at": now, "reader_org": principal.org, "reader_user": _who(principal),
                 "owner": owner, "kind": ",".join(allowed or decisions), "purpose": purpose,
                 "consent_id": first.consent_id, "action": action,
                 "records": len(result) if isinstance(result, list) else None,
                 "allowed": bool(allowed), "reason": first.reason}
            )  # fmt: skip
        if not allowed:
            raise ConsentForbidden(next(iter(decisions.values())).reason)
        return result

    def audit_for(self, principal: Principal, limit: int = 500) -> list[dict[str, Any]]:
        """Who read my data (an SME); what we read (a bank, buyer or park)."""
        if principal.org_kind is OrgKind.SME:
            return self.repo.audit_entries(owner=principal.org, limit=limit)
        return self.repo.audit_entries(reader=principal.org, limit=limit)


def _who(principal: Principal) -> str:
    return principal.username or (f"key:{principal.api_key_id}" if principal.api_key_id else "?")
