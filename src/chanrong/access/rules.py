"""Roles and what they allow: pure data and functions, no storage."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chanrong.model.master import OrgKind


class Role(StrEnum):
    ADMIN = "admin"  # manages the organisation's users, keys and settings
    MEMBER = "member"  # works with the organisation's data
    VIEWER = "viewer"  # reads only


# Which roles an organisation kind can hold, and the capabilities each organisation kind has.
CAPABILITIES: dict[OrgKind, frozenset[str]] = {
    OrgKind.SME: frozenset({"ingest", "own_data", "quarantine", "grade", "consent", "alerts"}),
    OrgKind.BANK: frozenset({"bank_workbench", "portfolio", "data_access", "alerts"}),
    OrgKind.CORE_ENTERPRISE: frozenset({"buyer_workbench", "suppliers", "data_access", "alerts"}),
    OrgKind.PARK: frozenset({"park_cockpit", "members", "data_access", "alerts"}),
    OrgKind.PLATFORM: frozenset({"ingest", "quarantine", "operations", "registry", "audit"}),
}
WRITE_CAPABILITIES = frozenset({"ingest", "consent"})


@dataclass(frozen=True)
class Principal:
    """Who is acting: a person through a session, or a gateway through an API key."""

    org: str
    org_kind: OrgKind
    role: Role
    user_id: int | None = None
    username: str | None = None
    display_name: str | None = None
    api_key_id: str | None = None

    def can(self, capability: str) -> bool:
        if capability not in CAPABILITIES[self.org_kind]:
            return False
        return not (self.role is Role.VIEWER and capability in WRITE_CAPABILITIES)

    @property
    def ingest_scope(self) -> str | None:
        """The one enterprise whose records this principal may submit, or None for any.

        SMEs and their gateways submit only their own records; the platform (and the third
        parties it onboards as platform organisations) may submit about any registered firm.
        """
        return None if self.org_kind is OrgKind.PLATFORM else self.org


# Navigation per organisation kind: (label key, path, capability). Workbenches join as they land.
NAVIGATION: tuple[tuple[str, str, str], ...] = (
    ("nav.data", "/data", "own_data"),
    ("nav.indicators", "/indicators", "own_data"),
    ("nav.grade", "/grade", "grade"),
    ("nav.park", "/park", "park_cockpit"),
    ("nav.park_screen", "/park/screen", "park_cockpit"),
    ("nav.park_pool", "/park/risk-pool", "park_cockpit"),
    ("nav.park_grades", "/park/grades", "park_cockpit"),
    ("nav.park_carbon", "/park/carbon", "park_cockpit"),
    ("nav.bank", "/bank", "bank_workbench"),
    ("nav.portfolio", "/bank/portfolio", "portfolio"),
    ("nav.park_credit", "/bank/park-credit", "bank_workbench"),
    ("nav.orders", "/orders", "own_data"),
    ("nav.orders", "/orders", "suppliers"),
    ("nav.suppliers", "/suppliers", "suppliers"),
    ("nav.sourcing", "/sourcing", "suppliers"),
    ("nav.scorecards", "/scorecards", "own_data"),
    ("nav.carbon", "/carbon", "own_data"),
    ("nav.alerts", "/alerts", "alerts"),
    ("nav.upload", "/upload", "ingest"),
    ("nav.quarantine", "/quarantine", "quarantine"),
    ("nav.consents", "/consents", "consent"),
    ("nav.audit", "/audit", "consent"),
    ("nav.trace", "/trace", "own_data"),
    ("nav.consents", "/consents", "data_access"),
    ("nav.trace", "/trace", "data_access"),
    ("nav.operations", "/operations", "operations"),
    ("nav.ledger", "/ledger", "own_data"),
    ("nav.ledger", "/ledger", "data_access"),
    ("nav.ledger", "/ledger", "operations"),
)


def navigation_for(principal: Principal) -> list[tuple[str, str]]:
    return [(label, path) for label, path, cap in NAVIGATION if principal.can(cap)]
