"""Post-loan warnings on real data: a stoppage learnt against the firm's own working time,
replayed minute by minute with only what had arrived; restart; gateway silence; pledges and
repayments; what a bank sees under its consent and thresholds; acknowledgement; a real webhook
receiver; the page; and the simulated park's planted stoppages and defaults."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from chanrong.access.rules import Principal, Role
from chanrong.alerts.engine import AlertEngine
from chanrong.clock import FixedClock
from chanrong.model.base import LOCAL_TZ
from chanrong.model.master import Device, DeviceType, Item, ItemType, OrgKind, Warehouse
from chanrong.model.units import Unit
from chanrong.platform import Platform
from chanrong.store.db import Store
from chanrong.store.events import TableBatch
from chanrong.web.app import Settings, create_app
from chanrong.workdays import day_type
from tests.conftest import BANK, PASSWORD, PLATFORM_ORG, SME, SimulatedPark, form_post
from tests.integration.test_bank_screening import send

TODAY = datetime(2026, 3, 2, tzinfo=LOCAL_TZ)  # a Monday


def local(day: datetime, hh: int, mm: int = 0) -> datetime:
    return day.replace(hour=hh, minute=mm).astimezone(UTC)


def readings(start: datetime, minutes: int, step: int, running: bool, counter: int) -> list[dict]:
    rows = []
    for k in range(0, minutes, step):
        t = start + timedelta(minutes=k)
        if running:
            counter += step
        rows.append({"id": f"r-{t:%Y%m%d%H%M}", "source": "gw-1", "org": SME, "device": "CNC-01",
                     "event_time": t, "run_state": "running" if running else "stopped",
                     "counter": counter, "power_kw": 8.0 if running else 0.3,
                     "received_at": t + timedelta(seconds=15), "submitter": SME,
                     "channel": "device"})  # fmt: skip
    return rows


def store_rows(platform: Platform, rows: list[dict]) -> None:
    result = platform.events.append("telemetry", TableBatch(pa.Table.from_pylist(rows)),
                                    submitter=PLATFORM_ORG, now=platform.clock.now(),
                                    default_channel="device", replay=True)  # fmt: skip
    assert result.rejected == 0, result.rejections


@pytest.fixture
def working_firm(platform: Platform) -> Platform:
    """The SME's machine (10 kW rated) ran 08:00-17:00 on the workdays of the last four weeks
    (the official calendar: the Spring Festival off, its make-up Saturdays on)."""
    platform.master.upsert([Device(org=SME, code="CNC-01", name="加工中心",
                                   device_type=DeviceType.MACHINE, rated_power_kw=10)],
                           platform.clock.now())  # fmt: skip
    rows: list[dict] = []
    for back in range(1, 29):
        day = TODAY - timedelta(days=back)
        if day_type(day.date()) == "workday":
            rows += readings(local(day, 8), 9 * 60, 10, True, 100_000 * back)
    platform.clock.current = local(TODAY, 23)  # type: ignore[attr-defined]
    store_rows(platform, rows)
    return platform


def test_a_stoppage_opens_after_its_pending_time_from_live_data_and_survives_a_restart(
    working_firm: Platform,
) -> None:
    platform = working_firm
    # today: running until 10:00, then switched off (no output, 3 % of rated power)
    store_rows(platform, readings(local(TODAY, 8), 120, 1, True, 1)
               + readings(local(TODAY, 10), 90, 1, False, 121))  # fmt: skip
    engine = AlertEngine(platform.store)
    opened: dict[str, datetime] = {}
    now = local(TODAY, 9, 50)
    while now <= local(TODAY, 10, 20):
        for o in engine.tick(now).opened:
            opened[o["rule"]] = o["fired_at"]
        now += timedelta(minutes=1)
    # pending: from 10:09 the 10-minute window (09:59, 10:09] holds only stopped readings
    assert not opened
    # a restart: the file closed and opened again; the pending timer goes on from 10:09
    path = platform.store.path
    platform.store.close()
    store = Store(path)
    try:
        again = AlertEngine(store)
        while now <= local(TODAY, 10, 40):
            for o in again.tick(now).opened:
                opened[o["rule"]] = o["fired_at"]
            now += timedelta(minutes=1)
        assert opened == {"stoppage": local(TODAY, 10, 24)}  # 15 minutes held
        alert = store.cursor().execute(
            "SELECT started_at, status, detail FROM alerts WHERE rule = 'stoppage'").fetchone()  # fmt: skip
        assert alert[0] == local(TODAY, 10, 9) and alert[1] == "active"
        assert "output 0 in 10 min" in alert[2] and "rated 10.0 kW" in alert[2]
        # after the shift nothing is judged: the open alert neither repeats nor clears
        assert not again.tick(local(TODAY, 18)).opened and not again.tick(local(TODAY, 18)).cleared
    finally:
        store.close()


def test_a_silent_gateway_is_a_data_gap_not_a_stoppage(working_firm: Platform) -> None:
    platform = working_firm
    store_rows(platform, readings(local(TODAY, 8), 60, 1, True, 1))  # then nothing from 09:00
    engine = AlertEngine(platform.store)
    rules: list[tuple[str, datetime]] = []
    now = local(TODAY, 8, 50)
    while now <= local(TODAY, 10, 30):
        rules += [(o["rule"], o["fired_at"]) for o in engine.tick(now).opened]
        now += timedelta(minutes=1)
    assert rules == [("data_gap", local(TODAY, 9, 59))]  # the last reading was at 08:59


def test_pledges_repayments_records_and_what_a_bank_sees(platform: Platform) -> None:
    at = lambda d, h=10: local(TODAY - timedelta(days=d), h).isoformat()  # noqa: E731
    platform.clock.current = local(TODAY, 11)  # type: ignore[attr-defined]  # records arrive
    platform.master.upsert([
        Item(org=SME, code="P-1", name="模具钢件", item_type=ItemType.PRODUCT, unit=Unit.PCS,
             item_class="mould-steel"),
        Warehouse(org=SME, code="WH-PL", name="监管仓", third_party=True),
    ], platform.clock.now())  # fmt: skip
    send(platform, "pledge", [{
        "id": "pl1", "source": "bank-core", "org": SME, "event_time": at(20), "channel":
        "third_party", "pledge_no": "PL-1", "loan_no": "L-1", "item": "P-1", "warehouse": "WH-PL",
        "qty_floor": 100, "unit": "pcs", "status": "active"}])  # fmt: skip
    send(platform, "inventory_movement", [
        {"id": "m1", "source": "wms", "org": SME, "event_time": at(20), "movement_type":
         "adjustment_in", "item": "P-1", "warehouse": "WH-PL", "qty": 120, "unit": "pcs"},
        {"id": "m2", "source": "wms", "org": SME, "event_time": at(0, 9), "movement_type":
         "shipment", "item": "P-1", "warehouse": "WH-PL", "qty": 50, "unit": "pcs",
         "reference_no": "SH-9"}])  # fmt: skip
    send(platform, "price_index", [
        {"id": f"px{d}", "source": "price", "org": PLATFORM_ORG, "event_time": at(d, 9),
         "item_class": "mould-steel", "price": p, "unit": "pcs",
         "index_source": "日度价格"} for d, p in ((20, 100.0), (10, 104.0), (1, 88.4))])  # fmt: skip
    send(platform, "loan", [{
        "id": "L-1", "source": "bank-core", "org": SME, "event_time": at(20), "channel":
        "third_party", "loan_no": "L-1", "lender": BANK, "loan_type": "inventory_pledge",
        "principal": 8000, "annual_rate": 0.05, "start_date": at(20)[:10],
        "maturity_date": at(-200)[:10]}])  # fmt: skip
    send(platform, "repayment", [
        {"id": f"rp{d}", "source": "bank-core", "org": SME, "event_time": at(d, 16),
         "channel": "third_party", "loan_no": "L-1", "due_date": at(d)[:10],
         "paid_date": None if d == 3 else at(d)[:10], "principal_paid": 0,
         "interest_paid": 0 if d == 3 else 1000} for d in (33, 3)])  # fmt: skip
    send(platform, "credit_record", [{
        "id": "c1", "source": "court", "org": SME, "event_time": at(2), "channel": "third_party",
        "record_type": "lending_dispute", "reference_no": "(2026)浙0206民初1号",
        "start_date": at(2)[:10]}])  # fmt: skip
    platform.clock.current = local(TODAY, 12)  # type: ignore[attr-defined]
    opened = {o["rule"]: o for o in AlertEngine(platform.store).tick(local(TODAY, 12)).opened}
    assert set(opened) == {"pledge_below_floor", "pledge_outbound", "pledge_value_drop",
                           "repayment_missed", "adverse_record"}  # fmt: skip
    rows = dict(platform.store.cursor().execute(
        "SELECT rule, value FROM alerts").fetchall())  # fmt: skip
    assert rows["pledge_below_floor"] == 70 and rows["pledge_outbound"] == 50
    assert rows["pledge_value_drop"] == pytest.approx(15.0)  # 88.4 against the high of 104
    assert rows["repayment_missed"] == 3  # days past the due date

    # the bank: a post-loan consent to credit standing only shows the repayment and the record
    me = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    platform.consents.grant(me, BANK, ["credit_standing"], "post_loan")
    officer = Principal(org=BANK, org_kind=OrgKind.BANK, role=Role.ADMIN, username="zhou")
    box = platform.alerts.inbox(officer)
    assert {a["rule"] for a in box["alerts"]} == {"repayment_missed", "adverse_record"}
    assert platform.pledges.pledges(officer)["not_shared"] == [SME]  # stock not opened yet
    audit = platform.consents.repo.audit_entries(owner=SME, limit=5)
    assert [a["action"] for a in audit[:2]] == ["pledges", "alerts"]  # every read audited
    platform.consents.grant(me, BANK, ["movable_assets"], "post_loan")
    rules = {a["rule"] for a in platform.alerts.inbox(officer)["alerts"]}
    assert {"pledge_below_floor", "pledge_outbound", "pledge_value_drop"} <= rules
    # the pledge monitor: stock 70 against a floor of 100; value 70 x 88.4 x 0.7; LTV
    monitor = platform.pledges.pledges(officer)
    (p,) = monitor["pledges"]
    assert p["stock"] == 70 and p["below_floor"] and p["price"] == pytest.approx(88.4)
    assert p["value"] == pytest.approx(70 * 88.4 * 0.7)
    assert p["ltv"] == pytest.approx(8000 / (70 * 88.4 * 0.7)) and p["ltv_breach"]
    assert monitor["not_shared"] == []
    # the bank's own threshold: value drops of 20 % or more only
    platform.alerts.set_threshold(BANK, "pledge_value_drop", 20.0, None, False)
    assert "pledge_value_drop" not in {a["rule"] for a in platform.alerts.inbox(officer)["alerts"]}
    assert "pledge_value_drop" in {a["rule"] for a in platform.alerts.inbox(me)["alerts"]}
    # acknowledgements are per organisation
    first = next(a for a in platform.alerts.inbox(officer)["alerts"]
                 if a["rule"] == "repayment_missed")  # fmt: skip
    acked = platform.alerts.acknowledge(officer, first["id"], "已电话联系企业")
    assert acked["acknowledged"]["note"] == "已电话联系企业"
    assert all(a["id"] != first["id"] for a in
               platform.alerts.inbox(officer, unacknowledged=True)["alerts"])  # fmt: skip
    mine = {a["id"]: a for a in platform.alerts.inbox(me)["alerts"]}
    assert mine[first["id"]]["acknowledged"] is None
    # the outbound movement is a day old tomorrow: that alert clears, the rest stay
    later = AlertEngine(platform.store).tick(local(TODAY + timedelta(days=1), 12))
    cleared = dict(platform.store.cursor().execute(
        "SELECT rule, status FROM alerts").fetchall())  # fmt: skip
    assert later.cleared and cleared["pledge_outbound"] == "cleared"
    assert cleared["pledge_below_floor"] == "active"


class Receiver(BaseHTTPRequestHandler):
    got: ClassVar[list[tuple[dict, bytes]]] = []
    fail_first = True

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        if Receiver.fail_first:
            Receiver.fail_first = False
            self.send_response(503)
        else:
            Receiver.got.append((dict(self.headers), body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.got, Receiver.fail_first = [], True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def test_webhooks_are_signed_retried_and_follow_the_consent(
    working_firm: Platform, receiver: str
) -> None:
    platform = working_firm
    clock: FixedClock = platform.clock  # type: ignore[assignment]
    me = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    platform.consents.grant(me, BANK, ["production_energy"], "post_loan")
    platform.access.add_user(BANK, "zhou", PASSWORD, role=Role.ADMIN)
    with TestClient(create_app(platform, Settings())) as client:
        assert form_post(client, "/login", {"username": "zhou", "password": PASSWORD},
                         follow_redirects=False).status_code == 303  # fmt: skip
        made = client.post("/api/v1/webhooks", json={"url": receiver})
        assert made.status_code == 201, made.text
        secret = made.json()["secret"]
        assert client.post("/api/v1/webhooks", json={"url": "ftp://x"}).status_code == 400
        store_rows(platform, readings(local(TODAY, 8), 120, 1, True, 1)
                   + readings(local(TODAY, 10), 60, 1, False, 121))  # fmt: skip
        engine = AlertEngine(platform.store)
        now = local(TODAY, 10)
        while now <= local(TODAY, 10, 30):
            engine.tick(now)
            now += timedelta(minutes=1)
        clock.current = now
        assert platform.alerts.queue() == 1
        assert platform.alerts.deliver() == 0  # the receiver answered 503
        assert platform.alerts.deliver() == 0  # not due again yet (backs off 2 minutes)
        clock.advance(minutes=3)
        assert platform.alerts.deliver() == 1
        headers, body = Receiver.got[0]
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Chanrong-Signature"] == expected
        event = json.loads(body)
        assert event["event"] == "opened" and event["alert"]["rule"] == "stoppage"
        assert event["alert"]["org"] == SME
        hooks = client.get("/api/v1/webhooks").json()
        assert hooks[0]["delivered"] == 1 and "secret" not in hooks[0]
        # the inbox page and the API agree; acknowledging from the page
        page = client.get("/alerts")
        alert_id = event["alert"]["id"]
        assert page.status_code == 200 and f'id="alert-{alert_id}"' in page.text
        acked = form_post(client, f"/alerts/{alert_id}/ack", {"note": "已联系"},
                          follow_redirects=False)  # fmt: skip
        assert acked.status_code == 303
        api = client.get("/api/v1/alerts").json()["alerts"]
        assert api[0]["acknowledged"]["note"] == "已联系"
        assert client.put("/api/v1/alerts/rules/stoppage",
                          json={"min_minutes": 600}).status_code == 200  # fmt: skip
        assert client.get("/api/v1/alerts").json()["alerts"] == []  # not 10 hours long yet
        assert client.put("/api/v1/alerts/rules/nope", json={}).status_code == 400


def test_the_simulated_parks_planted_stoppages_and_defaults_are_warned(
    simulated_park: SimulatedPark,
) -> None:
    from chanrong.sim.evaluate import default, stoppage

    platform, park = simulated_park.platform, simulated_park.park
    s = stoppage(platform, park)  # type: ignore[arg-type]
    assert s["in_working_time"] >= 2 and s["alerted"] == s["in_working_time"]
    assert s["median_minutes"] <= 30 and not s["false_alarms"], s
    d = default(platform, park)  # type: ignore[arg-type]
    assert d["planted"] >= 1 and d["share"] >= 0.8, d
    assert not d["unplanted_warnings"], d


def test_the_alerts_document_is_generated_from_the_rules() -> None:
    from pathlib import Path

    from chanrong.alerts.docs import alerts_markdown

    doc = Path(__file__).parents[2] / "docs" / "alerts.md"
    assert doc.read_text(encoding="utf-8") == alerts_markdown(), "run: chanrong alerts docs"
