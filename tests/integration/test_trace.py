"""Lot traceability on a simulated park: back to machines and materials, forward to the money."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chanrong.access.consents import ConsentForbidden
from chanrong.access.rules import Principal, Role
from chanrong.clock import FixedClock
from chanrong.model.master import OrgKind
from chanrong.platform import Platform
from chanrong.sim.demo import backfill, demo_park, register
from chanrong.store.db import Store
from chanrong.web.app import Settings, create_app
from tests.conftest import form_post


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Platform, str, str]:
    clock = FixedClock()
    clock.current = clock.current.replace(year=2026, month=3, day=20)
    platform = Platform(Store(Path(tmp_path_factory.mktemp("trace")) / "t.duckdb"), clock)
    park, _ = demo_park(platform, firms=16, days=70)
    register(platform, park)
    backfill(platform, park)
    row = (
        platform.store.cursor()
        .execute(
            "SELECT w.org, w.work_order_no FROM ev_work_order w JOIN ev_invoice i ON i.org = w.org "
            "AND i.sales_order_no = w.sales_order_no JOIN ev_payment p ON p.org = i.org AND "
            "p.invoice_no = i.invoice_no JOIN ev_telemetry t ON t.org = w.org AND t.device = w.device "
            # the latest paid one: its materials were received within the simulated days
            "WHERE p.direction = 'sales' ORDER BY w.event_time DESC, w.work_order_no LIMIT 1"
        )
        .fetchone()
    )
    assert row is not None, "a paid order of a firm with gateways"
    return platform, row[0], row[1]


def owner_of(org: str) -> Principal:
    return Principal(org=org, org_kind=OrgKind.SME, role=Role.ADMIN, username="owner")


def test_owner_traces_a_lot_end_to_end(simulated: tuple[Platform, str, str]) -> None:
    platform, org, lot = simulated
    result = platform.tracer.trace(owner_of(org), org, lot)
    stages = [s["stage"] for s in result["steps"]]
    for stage in ("order", "plan", "production", "machine", "material issued",
                  "material received", "inspection", "shipment", "invoice", "payment"):  # fmt: skip
        assert stage in stages, stage
    assert stages.index("order") < stages.index("production") < stages.index("shipment")
    assert stages.index("shipment") < stages.index("invoice") < stages.index("payment")
    produced = sum(s["detail"]["good_qty"] for s in result["steps"] if s["stage"] == "production")
    inspected = next(s for s in result["steps"]
                     if s["stage"] == "inspection" and s["detail"]["stage"] == "final")  # fmt: skip
    assert inspected["detail"]["inspected_qty"] == pytest.approx(produced, rel=0.05)
    assert result["identifier"].endswith(f"{org}/lot/{lot}")
    assert any(s["identifier"] and "/device/" in s["identifier"] for s in result["steps"])
    assert any(s["channel"] == "third_party" for s in result["steps"] if s["stage"] == "shipment")


def test_a_bank_traces_only_what_its_consent_opens(simulated: tuple[Platform, str, str]) -> None:
    platform, org, lot = simulated
    bank = platform.master.list("organisation")
    lender = next(o["uscc"] for o in bank if o["org_kind"] == "bank")
    reader = Principal(org=lender, org_kind=OrgKind.BANK, role=Role.MEMBER, username="zhou")
    with pytest.raises(ConsentForbidden):
        platform.tracer.trace(reader, org, lot, "in_loan")
    platform.consents.grant(owner_of(org), lender, ["transactions"], "in_loan")
    seen = {s["stage"] for s in platform.tracer.trace(reader, org, lot, "in_loan")["steps"]}
    assert seen == {"order", "shipment", "invoice", "payment"}  # no machines, no materials


def test_trace_page(simulated: tuple[Platform, str, str]) -> None:
    platform, org, lot = simulated
    user = f"trace{org[-4:]}".lower()
    platform.access.add_user(org, user, "trace-password-1", role=Role.ADMIN)
    with TestClient(create_app(platform, Settings())) as client:
        form_post(client, "/login", {"username": user, "password": "trace-password-1"})
        page = client.get("/trace", params={"lot": lot}).text
        assert "批次追溯" in page and "回款" in page and "/device/" in page
        missing = client.get("/trace", params={"lot": "NO-SUCH-LOT"}).text
        assert "no lot NO-SUCH-LOT" in missing
