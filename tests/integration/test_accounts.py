"""People, sessions, roles and gateway keys."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from chanrong.access.rules import Role
from chanrong.access.service import AccessError
from chanrong.clock import FixedClock
from chanrong.platform import Platform
from tests.conftest import BANK, OTHER_SME, PASSWORD, PLATFORM_ORG, SME, telemetry


@pytest.fixture
def people(platform: Platform) -> None:
    platform.access.add_user(SME, "chen", PASSWORD, display_name="陈厂长", role=Role.ADMIN)
    platform.access.add_user(SME, "viewer", PASSWORD, role=Role.VIEWER)
    platform.access.add_user(BANK, "zhou", PASSWORD, display_name="周敏")
    platform.access.add_user(PLATFORM_ORG, "ops", PASSWORD)


def login(client: TestClient, username: str) -> None:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text


def test_passwords_are_stored_with_argon2id(platform: Platform, people: None) -> None:
    user = platform.accounts.user_by_name("chen")
    assert user is not None
    assert user["password_hash"].startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in user["password_hash"]


def test_short_passwords_and_taken_names_are_refused(platform: Platform, people: None) -> None:
    with pytest.raises(ValueError, match="at least 10"):
        platform.access.add_user(SME, "short", "abc")
    with pytest.raises(AccessError, match="taken"):
        platform.access.add_user(SME, "chen", PASSWORD)


def test_wrong_password_and_unknown_user_look_the_same(
    app_client: TestClient, people: None
) -> None:
    a = app_client.post(
        "/api/v1/auth/login", json={"username": "chen", "password": "wrong-password"}
    )
    b = app_client.post(
        "/api/v1/auth/login", json={"username": "nobody", "password": "wrong-password"}
    )
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()


def test_navigation_follows_the_organisation_kind(app_client: TestClient, people: None) -> None:
    login(app_client, "chen")
    me = app_client.get("/api/v1/auth/me").json()
    assert me["org_kind"] == "sme" and me["navigation"] == [
        "/data", "/indicators", "/grade", "/orders", "/scorecards", "/carbon", "/alerts", "/upload",
        "/quarantine", "/consents", "/audit", "/trace", "/ledger",
    ]  # fmt: skip
    login(app_client, "zhou")
    assert app_client.get("/api/v1/auth/me").json()["navigation"] == [
        "/bank",
        "/bank/portfolio",
        "/bank/park-credit",
        "/alerts",
        "/consents",
        "/trace",
        "/ledger",
    ]
    login(app_client, "ops")
    assert app_client.get("/api/v1/auth/me").json()["navigation"] == [
        "/upload",
        "/quarantine",
        "/operations",
        "/ledger",
    ]


def test_bank_and_viewer_cannot_submit(app_client: TestClient, people: None) -> None:
    login(app_client, "zhou")
    response = app_client.post("/api/v1/ingest/telemetry", json=[telemetry(1)])
    assert response.status_code == 403
    login(app_client, "viewer")
    assert app_client.post("/api/v1/ingest/telemetry", json=[telemetry(1)]).status_code == 403
    login(app_client, "chen")
    assert app_client.post("/api/v1/ingest/telemetry", json=[telemetry(1)]).json()["accepted"] == 1


def test_sessions_expire_and_logout_ends_them(
    app_client: TestClient, clock: FixedClock, people: None
) -> None:
    login(app_client, "chen")
    assert app_client.get("/api/v1/auth/me").status_code == 200
    clock.advance(hours=13)
    assert app_client.get("/api/v1/auth/me").status_code == 401
    login(app_client, "chen")
    assert app_client.get("/logout", follow_redirects=False).status_code == 303
    assert app_client.get("/api/v1/auth/me").status_code == 401


def test_api_keys_are_scoped_hashed_and_revocable(
    app_client: TestClient, platform: Platform
) -> None:
    key = platform.access.create_api_key(SME, "line 1")
    key_id = key.split("_")[1]
    stored = (
        platform.store.cursor()
        .execute("SELECT secret_hash FROM api_keys WHERE key_id = ?", [key_id])
        .fetchone()
    )
    assert stored is not None and key.split("_", 2)[2] not in stored[0]
    app_client.headers["authorization"] = f"Bearer {key}"
    answer = app_client.post(
        "/api/v1/ingest/telemetry", json=[telemetry(1), telemetry(2, org=OTHER_SME)]
    ).json()
    assert (answer["accepted"], answer["rejections"][0]["errors"][0]["code"]) == (1, "scope")
    assert platform.accounts.revoke_api_key(key_id, platform.clock.now())
    assert app_client.post("/api/v1/ingest/telemetry", json=[telemetry(3)]).status_code == 401


def test_platform_may_submit_third_party_records_about_any_firm(
    app_client: TestClient, platform: Platform
) -> None:
    platform.access.add_user(PLATFORM_ORG, "ops", PASSWORD)
    login(app_client, "ops")
    record = telemetry(1, channel="third_party")
    answer = app_client.post("/api/v1/ingest/telemetry", json=[record]).json()
    assert answer["accepted"] == 1
    row = (
        platform.store.cursor()
        .execute("SELECT submitter, org, channel FROM ev_telemetry")
        .fetchone()
    )
    assert row == (PLATFORM_ORG, SME, "third_party")
