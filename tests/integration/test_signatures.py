"""Batches signed by a gateway's own Ed25519 key: verified, marked, and refused with a reason."""

from __future__ import annotations

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from chanrong.access.rules import Role
from chanrong.access.signatures import public_key_text, sign
from chanrong.platform import Platform
from tests.conftest import OTHER_SME, PASSWORD, SME, telemetry


def admin_client(app_client: TestClient, platform: Platform) -> TestClient:
    platform.access.add_user(SME, "chen", PASSWORD, role=Role.ADMIN)
    r = app_client.post("/api/v1/auth/login", json={"username": "chen", "password": PASSWORD})
    assert r.status_code == 200
    app_client.headers["x-csrf-token"] = app_client.cookies["chanrong_csrf"]
    return app_client


def test_signed_batches_are_marked_and_forgeries_refused(
    app_client: TestClient, platform: Platform, sme_key: str
) -> None:
    admin = admin_client(app_client, platform)
    key = Ed25519PrivateKey.generate()
    reg = admin.post("/api/v1/device-keys", json={"public_key": public_key_text(key.public_key()),
                                                  "device": "GW-01"})  # fmt: skip
    assert reg.status_code == 201, reg.text
    key_id = reg.json()["key_id"]
    gateway = TestClient(admin.app, headers={"authorization": f"Bearer {sme_key}"})

    def post(body: bytes, signature: str | None, kid: str | None = key_id) -> object:
        headers = {"content-type": "application/json"}
        if signature is not None:
            headers["x-chanrong-signature"] = signature
        if kid is not None:
            headers["x-chanrong-key-id"] = kid
        return gateway.post("/api/v1/ingest/telemetry", content=body, headers=headers)

    body = orjson.dumps([telemetry(i) for i in range(4)])
    ok = post(body, sign(key, body))
    assert ok.status_code == 200 and ok.json()["signed_by"] == key_id and ok.json()["accepted"] == 4
    batch = platform.events.recent_batches(SME, limit=1)[0]
    assert batch["signed_by"] == key_id

    tampered = body.replace(b'"counter":1', b'"counter":9')
    refused = post(tampered, sign(key, body))
    assert refused.status_code == 400 and "does not verify" in refused.json()["detail"]
    other = Ed25519PrivateKey.generate()
    assert post(body, sign(other, body)).status_code == 400
    assert "both" in post(body, sign(key, body), kid=None).json()["detail"]
    assert "unknown device key" in post(body, sign(key, body), kid="dk_nope").json()["detail"]
    assert post(body, None, kid=None).json()["signed_by"] is None  # unsigned is still accepted
    assert platform.events.count("telemetry") == 4  # nothing of the refused batches was stored

    assert admin.delete(f"/api/v1/device-keys/{key_id}").status_code == 200
    assert "revoked" in post(body, sign(key, body)).json()["detail"]


def test_only_an_administrator_registers_keys_of_its_own_enterprise(
    app_client: TestClient, platform: Platform, sme_key: str
) -> None:
    admin = admin_client(app_client, platform)
    public = public_key_text(Ed25519PrivateKey.generate().public_key())
    keyed = TestClient(admin.app, headers={"authorization": f"Bearer {sme_key}"})
    assert keyed.post("/api/v1/device-keys", json={"public_key": public}).status_code == 403
    bad = admin.post("/api/v1/device-keys", json={"public_key": "not-a-key"})
    assert bad.status_code == 400 and "Ed25519" in bad.json()["detail"]
    # a key registered by another enterprise does not sign for this one
    platform.access.add_user(OTHER_SME, "li", PASSWORD, role=Role.ADMIN)
    li = TestClient(admin.app)
    li.post("/api/v1/auth/login", json={"username": "li", "password": PASSWORD})
    key = Ed25519PrivateKey.generate()
    foreign = li.post("/api/v1/device-keys", json={"public_key": public_key_text(key.public_key())})
    body = orjson.dumps([telemetry(1)])
    answer = keyed.post("/api/v1/ingest/telemetry", content=body, headers={
        "content-type": "application/json", "x-chanrong-key-id": foreign.json()["key_id"],
        "x-chanrong-signature": sign(key, body)})  # fmt: skip
    assert answer.status_code == 400 and "unknown device key" in answer.json()["detail"]
