"""Identifier resolution: public values for anyone, operational values under consent; GS1 links."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from chanrong.access.rules import Principal, Role
from chanrong.model.identifiers import gtin_problem, handle, parse_handle, with_check_digit
from chanrong.model.master import Item, ItemType, OrgKind
from chanrong.model.units import Unit
from chanrong.platform import Platform
from tests.conftest import BANK, NOW, PASSWORD, SME, telemetry

DEVICE = handle(SME, "C3525", "device", "CNC-01")


def test_identifier_scheme() -> None:
    assert f"88.3525.{SME}/device/CNC-01" == DEVICE
    assert parse_handle(DEVICE) == (SME, "device", "CNC-01")
    assert parse_handle(f"88.3525.{SME}/org") == (SME, "org", None)
    assert parse_handle(f"88.3525.{SME}/lot/WO/2026/7") == (SME, "lot", "WO/2026/7")
    for bad in ("nonsense", f"88.3525.{SME}/boat/1", "88.3525.123/org", f"88.3525.{SME}/lot"):
        with pytest.raises(ValueError):
            parse_handle(bad)
    good = with_check_digit("690123400001")
    assert good == "6901234000016" and gtin_problem(good) is None  # weights 3,1,... sum 54
    assert gtin_problem("6901234000017") == "check digit is 7, GS1 gives 6"
    assert gtin_problem("4006381333931") is None  # a published EAN-13
    assert gtin_problem("12345") == "a GTIN has 8, 12, 13 or 14 digits"


@pytest.fixture
def seeded(platform: Platform, client: TestClient) -> Platform:
    times = [f"2026-03-02T1{i}:00:00+08:00" for i in range(3)]
    client.post(
        "/api/v1/ingest/telemetry", json=[telemetry(i, event_time=t) for i, t in enumerate(times)]
    )
    report = {"id": "pr-1", "org": SME, "event_time": "2026-03-02T12:00:00+08:00",
              "work_order_no": "WO-7", "item": "P-1", "device": "CNC-01", "good_qty": 40,
              "scrap_qty": 1, "unit": "pcs"}  # fmt: skip
    assert client.post("/api/v1/ingest/production_report", json=[report]).json()["accepted"] == 1
    gtin = with_check_digit("690123400001")
    platform.master.upsert([Item(org=SME, code="P-1", name="模具", item_type=ItemType.PRODUCT,
                                 unit=Unit.PCS, gtin=gtin)], NOW)  # fmt: skip
    return platform


def test_anyone_sees_what_it_is_the_owner_sees_how_it_runs(
    seeded: Platform, app_client: TestClient, client: TestClient
) -> None:
    anonymous = TestClient(app_client.app)
    r = anonymous.get("/api/v1/doip", params={"targetId": DEVICE,
                                              "operationId": "0.DOIP/Op.Retrieve"})  # fmt: skip
    body = r.json()
    assert r.status_code == 200 and body["code"] == 0 and body["message"] == "success"
    data = body["data"]
    assert data["id"] == DEVICE and data["type"] == "chanrong/device"
    assert (
        data["attributes"]["name"] == "加工中心"
        and data["attributes"]["owner_name"] == "测试模具厂"
    )
    assert "counter" not in data["attributes"] and data["restricted"] == ["telemetry"]
    own = client.get(f"/api/v1/handles/{DEVICE}").json()
    types = {v["type"]: v["data"]["value"] for v in own["values"]}
    assert types["counter"] == 2 and types["rated_capacity"] == 6 and own["restricted"] == []
    assert all({"index", "type", "data", "ttl", "timestamp"} <= set(v) for v in own["values"])
    missing = anonymous.get("/api/v1/doip", params={"targetId": f"88.1.{SME}/device/NOPE"})
    assert missing.status_code == 404 and missing.json()["code"] == 404


def test_a_bank_sees_operational_values_only_under_consent(
    seeded: Platform, app_client: TestClient
) -> None:
    seeded.access.add_user(BANK, "zhou", PASSWORD)
    seeded.access.add_user(SME, "chen", PASSWORD, role=Role.ADMIN)
    bank = TestClient(app_client.app)
    bank.post("/api/v1/auth/login", json={"username": "zhou", "password": PASSWORD})
    lot = handle(SME, "C3525", "lot", "WO-7")
    before = bank.get(f"/api/v1/handles/{lot}", params={"purpose": "pre_loan"}).json()
    assert before["restricted"] == ["production_report"]
    chen = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    seeded.consents.grant(chen, BANK, ["quality"], "pre_loan")
    after = bank.get(f"/api/v1/handles/{lot}", params={"purpose": "pre_loan"}).json()
    values = {v["type"]: v["data"]["value"] for v in after["values"]}
    assert after["restricted"] == [] and values["good_qty"] == 40 and values["item"] == "P-1"
    reads = seeded.consents.audit_for(chen)
    assert reads[0]["action"].startswith("RESOLVE 88.3525.") and reads[0]["allowed"]


def test_gs1_digital_link_leads_to_the_product_and_the_lot(
    seeded: Platform, client: TestClient
) -> None:
    gtin = with_check_digit("690123400001")
    r = client.get(f"/01/{gtin}", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"].endswith(f"{SME}/item/P-1")
    item = client.get(f"/01/0{gtin}").json()  # GTIN-14 form, followed
    assert {v["type"]: v["data"]["value"] for v in item["values"]}["gtin"] == gtin
    lot = client.get(f"/01/{gtin}/10/WO-7", follow_redirects=False)
    assert lot.headers["location"].endswith(f"{SME}/lot/WO-7")
    assert client.get("/01/00000000000000").status_code == 404
