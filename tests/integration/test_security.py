"""Browser protections and login throttling (OWASP API2/API4): headers, CSRF, lock-outs."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chanrong.access.rules import Role
from chanrong.clock import FixedClock
from chanrong.platform import Platform
from chanrong.web.security import CSRF_COOKIE
from tests.conftest import PASSWORD, SME, form_post, telemetry

CSV = "记录编号*,企业统一社会信用代码*,发生时间*,设备编码*\nt-1,{sme},2026-03-02 09:00,CNC-01\n"


def login(client: TestClient, platform: Platform) -> None:
    platform.access.add_user(SME, "chen", PASSWORD, role=Role.ADMIN)
    form_post(client, "/login", {"username": "chen", "password": PASSWORD})


def test_every_response_carries_security_headers(app_client: TestClient) -> None:
    for path in ("/login", "/healthz", "/api/v1/kinds", "/no-such-page"):
        headers = app_client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self';" in headers["content-security-policy"]
        assert headers["referrer-policy"] == "same-origin"
    assert "csrf_token" in app_client.get("/login").text


def test_forms_need_the_csrf_token(app_client: TestClient, platform: Platform) -> None:
    login(app_client, platform)
    files = {"file": ("a.csv", CSV.format(sme=SME).encode())}
    forged = app_client.post("/upload", data={"kind": "telemetry"}, files=files)
    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
    wrong = app_client.post("/upload", data={"kind": "telemetry", "csrf_token": "x" * 43},
                            files=files)  # fmt: skip
    assert wrong.status_code == 403
    page = form_post(app_client, "/upload", {"kind": "telemetry"}, files=files)
    assert page.status_code == 200 and platform.events.count("telemetry") == 1


def test_cookie_sessions_need_the_token_for_form_bodies_on_the_api(
    app_client: TestClient, platform: Platform, sme_key: str
) -> None:
    login(app_client, platform)
    files = {"file": ("a.csv", CSV.format(sme=SME).encode())}
    assert app_client.post("/api/v1/upload/telemetry", files=files).status_code == 403
    token = app_client.cookies[CSRF_COOKIE]
    ok = app_client.post("/api/v1/upload/telemetry", files=files, headers={"x-csrf-token": token})
    assert ok.status_code == 200
    # JSON bodies cannot be sent cross-site without a preflight: no token needed
    assert app_client.post("/api/v1/ingest/telemetry", json=[telemetry(5)]).status_code == 200
    # an API key carries no ambient credentials
    keyed = TestClient(app_client.app, headers={"authorization": f"Bearer {sme_key}"})
    assert keyed.post("/api/v1/upload/telemetry", files=files).status_code == 200


def test_failed_logins_lock_the_name_for_a_while(
    app_client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    platform.access.add_user(SME, "chen", PASSWORD)
    for _ in range(5):
        bad = {"username": "chen", "password": "wrong-password"}
        assert app_client.post("/api/v1/auth/login", json=bad).status_code == 401
    good = {"username": "chen", "password": PASSWORD}
    locked = app_client.post("/api/v1/auth/login", json=good)
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 800
    page = form_post(app_client, "/login", good)
    assert "登录失败次数过多" in page.text
    clock.advance(minutes=16)
    assert app_client.post("/api/v1/auth/login", json=good).status_code == 200


def test_one_address_cannot_try_many_names(app_client: TestClient, platform: Platform) -> None:
    platform.access.add_user(SME, "chen", PASSWORD)
    for i in range(20):
        wrong = {"username": f"guess{i}", "password": "wrong-password"}
        app_client.post("/api/v1/auth/login", json=wrong)
    good = {"username": "chen", "password": PASSWORD}
    assert app_client.post("/api/v1/auth/login", json=good).status_code == 429
