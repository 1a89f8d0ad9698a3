"""Walk every route of the app with foreign credentials and dead consents: nothing may leak
(OWASP API1 object level, API3 property level, API5 function level).

Routes come from the app's own route table, so routes added later are walked automatically.
"""

from __future__ import annotations

import itertools
import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from chanrong.access.rules import Role
from chanrong.clock import FixedClock
from chanrong.model import EVENT_KINDS, MASTER_KINDS
from chanrong.platform import Platform
from chanrong.web.app import Settings, create_app
from tests.conftest import BANK, OTHER_SME, PASSWORD, SME, telemetry

MARKER = "SECRET7731"  # in the SME's records, quarantine and master data only


def seed_secrets(platform: Platform, sme_key: str, clock: FixedClock) -> dict[str, str]:
    app = create_app(platform, Settings())
    owner = TestClient(app, headers={"authorization": f"Bearer {sme_key}"})
    good = [telemetry(i, id=f"{MARKER}-{i}", source=f"gw-{MARKER}") for i in range(3)]
    bad = [telemetry(9, id=f"{MARKER}-bad", power_kw=-1.0)]
    assert owner.post("/api/v1/ingest/telemetry", json=good + bad).json()["accepted"] == 3
    device = {"org": SME, "code": f"DEV-{MARKER}", "name": f"机台{MARKER}",
              "device_type": "machine"}  # fmt: skip
    assert owner.post("/api/v1/master/device", json=[device]).json()["upserted"] == 1
    platform.access.add_user(SME, "chen", PASSWORD, role=Role.ADMIN)
    platform.access.add_user(OTHER_SME, "li", PASSWORD, role=Role.ADMIN)
    platform.access.add_user(BANK, "zhou", PASSWORD, role=Role.ADMIN)
    chen = platform.access.session_principal(platform.access.login("chen", PASSWORD))
    zhou = platform.access.session_principal(platform.access.login("zhou", PASSWORD))
    consents = platform.consents
    revoked = consents.request(zhou, SME, ["production_energy", "transactions"], "pre_loan")
    consents.authorise(chen, revoked["consent_id"])
    consents.revoke(chen, revoked["consent_id"], "walk")
    expired = consents.grant(chen, BANK, list(EVENT_KINDS_SCOPES), "post_loan", days=1)
    pending = consents.request(zhou, SME, ["quality"], "in_loan")
    clock.advance(days=2)  # the grant has expired; sessions too, so log in again below
    return {"revoked": revoked["consent_id"], "expired": expired["consent_id"],
            "pending": pending["consent_id"]}  # fmt: skip


EVENT_KINDS_SCOPES = ("production_energy", "movable_assets", "transactions", "credit_standing",
                      "quality", "tech_service", "carbon")  # fmt: skip


def api_routes(app: object) -> list:
    """Every route the app serves, routers included (the app's own route table)."""
    return [c for c in iter_route_contexts(app.routes) if isinstance(c.route, APIRoute)]  # type: ignore[attr-defined]


def fill(path: str, consent_ids: dict[str, str]) -> list[str]:
    """Every concrete path to try for a route template."""
    values = {
        "uscc": [SME], "kind": ["telemetry", "sales_order", "device", "organisation"],
        "consent_id": list(consent_ids.values()), "action": ["grant", "request"],
        "decision": ["authorise", "reject", "revoke"], "lang": ["en"], "index": ["0", "1", "2"],
    }  # fmt: skip
    names = re.findall(r"{(\w+)(?::\w+)?}", path)
    if not names:
        return [path]
    out = []
    for combo in itertools.product(*(values.get(n, ["x"]) for n in names)):
        p = path
        for n, v in zip(names, combo, strict=True):
            p = re.sub(r"{" + n + r"(?::\w+)?}", v, p)
        out.append(p)
    return out


@pytest.fixture
def walkers(platform: Platform, sme_key: str, clock: FixedClock) -> tuple[dict, dict, TestClient]:
    ids = seed_secrets(platform, sme_key, clock)
    app = create_app(platform, Settings())
    other_key = platform.access.create_api_key(OTHER_SME, "other gateway")
    clients: dict[str, TestClient] = {"anonymous": TestClient(app)}
    for name in ("li", "zhou", "chen"):
        c = TestClient(app)
        assert (
            c.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD}).status_code
            == 200
        )
        c.headers["x-csrf-token"] = c.cookies["chanrong_csrf"]
        clients[name] = c
    clients["other-gateway"] = TestClient(app, headers={"authorization": f"Bearer {other_key}"})
    owner = clients.pop("chen")
    return clients, ids, owner


def test_the_owner_sees_the_marker(walkers: tuple[dict, dict, TestClient]) -> None:
    """The walk below could fail: the secrets are reachable by their owner."""
    _, _, owner = walkers
    assert MARKER in owner.get(f"/api/v1/orgs/{SME}/records/telemetry",
                               params={"purpose": "pre_loan"}).text  # fmt: skip
    assert MARKER in owner.get("/api/v1/quarantine").text
    assert MARKER in owner.get("/api/v1/master/device").text


def test_no_route_leaks_to_foreigners_or_dead_consents(
    walkers: tuple[dict, dict, TestClient], platform: Platform
) -> None:
    clients, ids, owner = walkers
    app = owner.app
    before = {c["consent_id"]: c["status"] for c in platform.consents.repo.of_party(SME)}
    stored = platform.events.count("telemetry", SME)
    walked = 0
    for route in api_routes(app):
        if route.path.endswith("/logout"):
            continue  # it only ends the walker's own session
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            for path in fill(route.path, ids):
                for who, client in clients.items():
                    for purpose in ("pre_loan", "post_loan", "in_loan"):
                        r = client.request(method, path, params={"purpose": purpose, "id": f"{MARKER}-0",
                                           "include_resolved": "true"}, json={})  # fmt: skip
                        walked += 1
                        assert MARKER not in r.text, f"{who} {method} {path} leaks: {r.text[:300]}"
                        if path.startswith(f"/api/v1/orgs/{SME}"):
                            expected = (401,) if who == "anonymous" else (403, 404)
                            assert r.status_code in expected, (who, path, r.status_code)
    assert walked > 500
    # nothing was changed by the walk: consents as they were, no records added for the SME
    after = {c["consent_id"]: c["status"] for c in platform.consents.repo.of_party(SME)}
    assert after == before
    assert platform.events.count("telemetry", SME) == stored
    # and every refused read of the SME's data is in its audit log
    refused = [a for a in platform.consents.repo.audit_entries(owner=SME) if not a["allowed"]]
    assert {a["reader_org"] for a in refused} >= {BANK, OTHER_SME}


def test_routes_cover_the_known_surface(walkers: tuple[dict, dict, TestClient]) -> None:
    """A guard for the walker itself: it sees the data, consent and ingest routes."""
    _, _, owner = walkers
    paths = {r.path for r in api_routes(owner.app)}
    for needed in (
        "/api/v1/orgs/{uscc}/records/{kind}",
        "/api/v1/consents/{consent_id}",
        "/api/v1/quarantine",
        "/consents/{consent_id}/{decision}",
        "/orgs/{uscc}",
    ):
        assert needed in paths
    assert len(EVENT_KINDS) + len(MASTER_KINDS) <= len(paths)
