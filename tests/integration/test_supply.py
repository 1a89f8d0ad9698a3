"""The core enterprise's side on real data: order progress and its prediction on a hand-made
order book, the delivery-risk alert per order, and the simulated park's planted late orders."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from chanrong.access.consents import ConsentForbidden
from chanrong.access.rules import Principal, Role
from chanrong.alerts.engine import AlertEngine
from chanrong.alerts.rules import BY_ID
from chanrong.model.base import LOCAL_TZ
from chanrong.model.identifiers import complete_uscc
from chanrong.model.master import Organisation, OrgKind
from chanrong.platform import Platform
from chanrong.supply.cards import DEFAULT_CARD, card_to_json
from chanrong.supply.progress import progress
from chanrong.supply.scorecard import CardError
from chanrong.supply.sourcing import Filters
from tests.conftest import OTHER_SME, SME, SimulatedPark, form_post, telemetry
from tests.integration.test_bank_screening import send

TODAY = date(2026, 3, 2)  # a Monday, a week after the Spring Festival holidays (15-23 Feb)
# The 14 days before it that are not holidays: 24 Feb to 1 Mar and 7 to 14 Feb
PACE_DAYS = [TODAY - timedelta(days=k) for k in range(1, 7)] + [
    date(2026, 2, 14) - timedelta(days=k) for k in range(8)
]


BUYER = complete_uscc("91330206MA2C10009")


def at(day: date, hh: int = 17) -> str:
    return datetime(day.year, day.month, day.day, hh, tzinfo=LOCAL_TZ).isoformat()


@pytest.fixture
def order_book(platform: Platform) -> Platform:
    """A firm that makes 20 pieces a day for an old order, and six orders placed on 25 Feb."""
    placed = date(2026, 2, 25)
    platform.master.upsert([Organisation(uscc=BUYER, name="吉泰汽车", org_kind=OrgKind.CORE_ENTERPRISE)],
                           platform.clock.now())  # fmt: skip
    platform.clock.current = datetime(2026, 3, 2, 10, tzinfo=LOCAL_TZ)  # type: ignore[attr-defined]
    d = lambda n: (TODAY + timedelta(days=n)).isoformat()  # noqa: E731
    orders = (("SO-0", 280, -1), ("SO-1", 100, 1), ("SO-2", 50, 1), ("SO-3", 80, 10),
              ("SO-4", 30, -2), ("SO-5", 50, 4), ("SO-6", 20, 3))  # fmt: skip
    send(platform, "sales_order", [
        {"id": no, "source": "erp", "org": SME, "event_time": at(placed, 9), "order_no": no,
         "counterparty": OTHER_SME if no == "SO-6" else BUYER, "item": "P-1", "qty": qty, "unit": "pcs", "unit_price": 10,
         "amount": 10 * qty, "order_date": placed.isoformat(), "due_date": d(due)}
        for no, qty, due in orders])  # fmt: skip
    send(platform, "work_order", [
        {"id": f"W{no}", "source": "mes", "org": SME, "event_time": at(placed, 9),
         "work_order_no": f"W{no}", "item": "P-1", "planned_qty": qty, "unit": "pcs",
         "planned_start": at(placed, 9), "planned_end": at(placed + timedelta(days=9), 17),
         "sales_order_no": no, "device": "CNC-01"} for no, qty, _ in orders])  # fmt: skip
    reports = [("WSO-0", day, 20) for day in PACE_DAYS] + [
        ("WSO-1", date(2026, 2, 25), 40), ("WSO-3", date(2026, 2, 26), 30),
        ("WSO-6", date(2026, 2, 27), 20)]  # fmt: skip
    send(platform, "production_report", [
        {"id": f"pr{k}", "source": "mes", "org": SME, "event_time": at(day), "work_order_no": wo,
         "item": "P-1", "good_qty": qty, "unit": "pcs"}
        for k, (wo, day, qty) in enumerate(reports)])  # fmt: skip
    send(platform, "shipment", [
        {"id": f"sh{no}", "source": "wms", "org": SME, "event_time": at(TODAY - timedelta(days=1)),
         "shipment_no": f"SH{no}", "status": "shipped", "consignee": BUYER,
         "sales_order_no": no, "item": "P-1", "qty": qty, "unit": "pcs"}
        for no, qty in (("SO-0", 280), ("SO-2", 50))])  # fmt: skip
    # the machine's counter this morning, from its gateway: 1,000 at 08:00, 1,012 at 10:30
    send(platform, "telemetry", [
        telemetry(k, event_time=at(TODAY, 8).replace("T08:", f"T{hh}:"), counter=c)
        for k, (hh, c) in enumerate((("08", 1000), ("09", 1005), ("10", 1012)))])  # fmt: skip
    platform.clock.current = datetime(2026, 3, 2, 11, tzinfo=LOCAL_TZ)  # type: ignore[attr-defined]
    return platform


def test_progress_predicts_completion_at_the_firms_pace_earliest_due_first(
    order_book: Platform,
) -> None:
    rows = {r["order_no"]: r for r in progress(order_book.store.cursor(),
                                               order_book.clock.now())}  # fmt: skip
    assert set(rows) == {"SO-1", "SO-3", "SO-4", "SO-5", "SO-6"}  # SO-0 and SO-2 left in full
    # pace: 14 days x 20 + 40 + 30 + 20 made in them = 370 / 14 a day
    pace = 370 / 14
    assert rows["SO-1"]["pace"] == pytest.approx(pace)
    # earliest due first: SO-4 (30 left), SO-1 (60), SO-6 (0), SO-5 (50), SO-3 (50)
    assert [rows[n]["ahead"] for n in ("SO-4", "SO-1", "SO-6", "SO-5", "SO-3")] == [
        30, 90, 90, 140, 190]  # fmt: skip
    # SO-1: 90 / 26.4 = 3.4 days -> the 4th day from today, 5 Mar, after 2 Mar (due 3 Mar - 1)
    assert rows["SO-1"]["predicted"] == date(2026, 3, 5) and rows["SO-1"]["status"] == "at_risk"
    # SO-3: 190 / 26.4 = 7.2 days -> 9 Mar, before 11 Mar
    assert rows["SO-3"]["predicted"] == date(2026, 3, 9) and rows["SO-3"]["status"] == "on_track"
    assert rows["SO-4"]["status"] == "overdue" and rows["SO-6"]["status"] == "made"
    # SO-5 waited while SO-3 (due later) got 30 pieces, more than a day's pace: put off, and
    # with nothing made for it no pace of its own: stalled
    assert rows["SO-5"]["put_off"] and rows["SO-5"]["status"] == "stalled"
    assert not rows["SO-1"]["put_off"]  # 40 of the 90 made since it was placed were its own
    assert rows["SO-1"]["counted_today"] == 12  # live from the machine, before any report


def test_each_order_at_risk_is_its_own_delivery_alert(order_book: Platform) -> None:
    opened = AlertEngine(order_book.store).tick(order_book.clock.now()).opened
    risks = {o["subject"] for o in opened if o["rule"] == "delivery_risk"}
    assert risks == {"SO-1", "SO-4", "SO-5"}
    value, detail = order_book.store.cursor().execute(
        "SELECT value, detail FROM alerts WHERE subject = 'SO-1'").fetchone()  # fmt: skip
    assert value == 1000 and "40 of 100 pcs made" in detail and "predicted 2026-03-05" in detail


def test_a_buyer_sees_its_own_orders_at_the_suppliers_that_consented(
    order_book: Platform,
    app_client: TestClient,
) -> None:
    buyer = Principal(org=BUYER, org_kind=OrgKind.CORE_ENTERPRISE, role=Role.ADMIN, username="li")
    assert order_book.supply.orders(buyer)["orders"] == []  # no supplier has consented
    with pytest.raises(ConsentForbidden):
        order_book.supply.orders(buyer, SME)
    me = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    order_book.consents.grant(me, BUYER, ["production_energy", "transactions"],
                              "supplier_performance")  # fmt: skip
    board = order_book.supply.orders(buyer)
    # SO-6 is another customer's order: the buyer never sees it; the firm sees all its own
    assert {o["order_no"] for o in board["orders"]} == {"SO-1", "SO-3", "SO-4", "SO-5"}
    assert board["orders"][0]["at_risk"] and board["at_risk"] == 3
    assert board["amount_at_risk"] == 1000 + 300 + 500
    own = order_book.supply.orders(me)
    assert {o["order_no"] for o in own["orders"]} == {"SO-1", "SO-3", "SO-4", "SO-5", "SO-6"}
    audit = order_book.consents.repo.audit_entries(owner=SME, limit=5)
    assert audit[0]["reader_org"] == BUYER and audit[0]["allowed"]

    key = order_book.access.create_api_key(BUYER, "planning")
    app_client.headers["authorization"] = f"Bearer {key}"
    api = app_client.get("/api/v1/orders").json()
    assert [o["order_no"] for o in api["orders"]] == [o["order_no"] for o in board["orders"]]
    xlsx = app_client.get("/api/v1/orders.xlsx")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:2] == ("供应商", "订单号") and len(rows) == 1 + 4
    assert {r[1]: r[-1] for r in rows[1:]}["SO-5"] == "stalled"


def test_a_stopped_supplier_is_a_supply_interruption_for_its_buyer_ranked_by_impact(
    order_book: Platform,
) -> None:
    cur = order_book.store.cursor()
    now = order_book.clock.now()
    # a stoppage alert is active on the supplier; 40 pieces of P-1 are in its finished stock
    cur.execute("INSERT INTO alerts (id, rule, org, subject, severity, status, started_at, "
                "fired_at, last_seen_at) VALUES (9001, 'stoppage', ?, 'firm', 'critical', "
                "'active', ?, ?, ?)", [SME, now, now, now])  # fmt: skip
    send(order_book, "inventory_movement", [{
        "id": "stock", "source": "wms", "org": SME, "event_time": at(TODAY - timedelta(days=1)),
        "movement_type": "production_in", "item": "P-1", "warehouse": "WH-1", "qty": 40,
        "unit": "pcs"}])  # fmt: skip
    engine = AlertEngine(order_book.store, (BY_ID["supply_interruption"],))
    (warning,) = engine.tick(now).opened
    assert warning["org"] == SME and warning["subject"] == BUYER
    value, detail = cur.execute("SELECT value, detail FROM alerts WHERE rule = "
                                "'supply_interruption'").fetchone()  # fmt: skip
    # the buyer's open orders still to make: SO-1 60 of 100 (600 元), SO-3 50 of 80 (500),
    # SO-4 30 (300), SO-5 50 (500): 1,900 元 and 190 pieces; 40 in stock cover 40/190;
    # stoppage weighs 1
    assert value == pytest.approx(round(1900 * (1 - 40 / 190), 2))
    assert detail.startswith("4 open order(s), 1900.00 元") and "stoppage" in detail


def test_a_buyers_scorecard_reads_its_own_deliveries_and_the_suppliers_live_data(
    order_book: Platform,
    app_client: TestClient,
) -> None:
    buyer = Principal(org=BUYER, org_kind=OrgKind.CORE_ENTERPRISE, role=Role.ADMIN, username="li")
    me = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    cards = order_book.cards
    with pytest.raises(ConsentForbidden):
        cards.variables(buyer, BUYER, SME, [(date(2026, 2, 25), date(2026, 3, 12))], 30)
    order_book.consents.grant(me, BUYER, ["production_energy", "transactions", "quality"],
                              "supplier_performance")  # fmt: skip
    (v,) = cards.variables(buyer, BUYER, SME, [(date(2026, 2, 25), date(2026, 3, 12))], 30)
    # the buyer's orders due in the period (SO-6 is another customer's): SO-0 and SO-2 left
    # on 1 March, in time and in full; SO-4 (30, due 28 Feb) is 2 days late by today
    assert v["my_orders_due"] == 6 and v["my_orders_on_time"] == 2
    assert v["my_on_time_pct"] == pytest.approx(100 * 2 / 6)
    assert v["my_qty_on_time_pct"] == pytest.approx(100 * 330 / 590)
    assert v["my_avg_days_late"] == pytest.approx(2 * 30 / 590)
    assert v["invention_patents"] is None  # tech/service: its scope was not granted

    with pytest.raises(CardError, match="sum to 90"):
        cards.set_card(
            buyer,
            {
                "criteria": [
                    {
                        "id": "t",
                        "name_zh": "准时",
                        "name_en": "On time",
                        "formula": "my_on_time_pct",
                        "weight": 90,
                    }
                ]
            },
        )
    cards.set_card(buyer, {"criteria": [
        {"id": "t", "name_zh": "准时", "name_en": "On time", "formula": "my_on_time_pct",
         "weight": 60},
        {"id": "late", "name_zh": "延误", "name_en": "Late",
         "formula": "100 - 10 * my_avg_days_late", "weight": 40}], "decay": 2})  # fmt: skip
    reads = len(order_book.consents.repo.audit_entries(owner=SME, limit=500))
    card = cards.scorecard(buyer, BUYER, SME, "month", 2)
    assert len(order_book.consents.repo.audit_entries(owner=SME, limit=500)) == reads + 1
    feb, jan = card["periods"]
    assert (feb["start"], feb["end"]) == ("2026-02-01", "2026-02-28")
    # February: only SO-4 was due, not shipped: 0 on time; 0 days late counted to 28 Feb
    assert [c["score"] for c in feb["criteria"]] == [0, 100]
    assert feb["total"] == pytest.approx(40) and jan["total"] == 0 and jan["max_total"] == 0
    # overall: newest weighs 1, the one before (2 - 1) / 2; January scored nothing
    assert card["score"] == pytest.approx(40) and card["standing"]["id"] == "disqualified"
    assert card["why"][0]["criterion"] == "t"
    (own,) = cards.mine(me, "month", 2)  # the supplier sees the buyer's card and why
    assert own["buyer"] == BUYER and own["score"] == card["score"]

    key = order_book.access.create_api_key(BUYER, "sourcing")
    app_client.headers["authorization"] = f"Bearer {key}"
    listed = app_client.get("/api/v1/suppliers", params={"periods": 2}).json()
    assert [s["supplier"] for s in listed] == [SME]
    # an API key acts as a member: the card is set by the company's admins only
    denied = app_client.put("/api/v1/supplier-card", json=card_to_json(DEFAULT_CARD))
    assert denied.status_code == 403 and len(cards.card(BUYER).criteria) == 2


def test_the_buyers_and_the_suppliers_pages(order_book: Platform, app_client: TestClient) -> None:
    from tests.integration.test_pages import sign_in

    me = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    order_book.consents.grant(me, BUYER, ["production_energy", "transactions", "quality"],
                              "supplier_performance")  # fmt: skip
    order_book.alerts.engine.tick(order_book.clock.now())
    sign_in(app_client, order_book, BUYER, "li")
    board = app_client.get("/orders").text
    assert 'data-order="SO-1" data-status="at_risk"' in board and "SO-6" not in board
    assert "订单进度" in board and "/api/v1/orders.xlsx" in board
    listing = app_client.get("/suppliers").text
    assert f'data-supplier="{SME}"' in listing and "本企业订单按时交货率" in listing
    detail = app_client.get(f"/suppliers/{SME}").text
    assert 'data-testid="periods"' in detail and "2026-02-01" in detail
    assert 'data-testid="supplier-360"' in detail and "交付风险" in detail  # its open warnings
    assert 'data-testid="supply-warnings"' in listing and 'data-testid="card-form"' in listing
    bad = form_post(app_client, "/suppliers/card", {"card": '{"criteria": []}'})
    assert "at least one criterion" in bad.text  # refused, named, nothing kept
    good = form_post(app_client, "/suppliers/card", {"card": json.dumps({"criteria": [
        {"id": "t", "name_zh": "准时", "name_en": "On time", "formula": "my_on_time_pct",
         "weight": 100}]})}, follow_redirects=False)  # fmt: skip
    assert good.status_code == 303 and len(order_book.cards.card(BUYER).criteria) == 1
    assert app_client.get(f"/suppliers/{OTHER_SME}").status_code == 403  # no consent
    sourcing = app_client.get("/sourcing").text  # performance consents list the firm too
    assert 'data-testid="sourcing-filter"' in sourcing and f'data-org="{SME}"' in sourcing
    app_client.cookies.clear()
    sign_in(app_client, order_book, SME, "chen")
    own = app_client.get("/scorecards").text
    assert f'data-buyer="{BUYER}"' in own
    assert "SO-6" in app_client.get("/orders").text  # the firm's own board: every customer


def test_the_sourcing_screen_filters_ranks_and_names_knockouts(
    order_book: Platform,
    app_client: TestClient,
) -> None:
    now = order_book.clock.now()
    order_book.master.upsert([
        Organisation(uscc=BUYER, name="吉泰汽车", org_kind=OrgKind.CORE_ENTERPRISE,
                     region_code="330206"),
        Organisation(uscc=SME, name="测试模具有限公司", org_kind=OrgKind.SME,
                     industry_code="C3525", region_code="330206", registered_capital=5_000_000,
                     established="2016-03-02"),
        Organisation(uscc=OTHER_SME, name="隔壁钣金股份有限公司", org_kind=OrgKind.SME,
                     industry_code="C3311", region_code="330100")], now)  # fmt: skip
    send(order_book, "credit_record", [{
        "id": "cr1", "source": "court", "org": OTHER_SME, "event_time": at(TODAY - timedelta(days=9)),
        "channel": "third_party", "record_type": "dishonest_debtor", "reference_no": "(2026)失9",
        "start_date": (TODAY - timedelta(days=9)).isoformat()}])  # fmt: skip
    for org, who in ((SME, "chen"), (OTHER_SME, "wang")):
        p = Principal(org=org, org_kind=OrgKind.SME, role=Role.ADMIN, username=who)
        order_book.consents.grant(p, BUYER, ["credit_standing", "production_energy", "quality",
                                             "transactions"], "supplier_sourcing")  # fmt: skip
    buyer = Principal(org=BUYER, org_kind=OrgKind.CORE_ENTERPRISE, role=Role.ADMIN, username="li")
    screen = order_book.sourcing.screen(buyer, Filters())
    assert screen["candidates"] == 2 and [s["org"] for s in screen["suppliers"]] == [SME]
    (me,) = screen["suppliers"]
    assert me["type"] == "有限责任公司" and me["distance"] == "district" and me["grade"] is None
    # 2 points a year (at most 20); 5 million: 10 points; same district: -2
    assert me["points"]["years"] == pytest.approx(2 * 3652 / 365.25)  # 10 years in days
    assert me["points"]["capital"] == 10
    assert me["points"]["distance"] == -2 and me["score"] == round(sum(me["points"].values()), 1)
    everyone = order_book.sourcing.screen(buyer, Filters(no_knockouts=False))["suppliers"]
    assert [s["org"] for s in everyone] == [SME, OTHER_SME]  # the knocked-out firm last
    assert everyone[1]["knockouts"] == ["dishonest_debtor"]
    assert everyone[1]["type"] == "股份有限公司" and everyone[1]["distance"] == "province"
    assert order_book.sourcing.screen(buyer, Filters(industry="C33", no_knockouts=False))[
        "shown"] == 1  # fmt: skip
    assert order_book.sourcing.screen(buyer, Filters(min_years=11))["shown"] == 0
    capacity = me["figures"]["capacity_rated_daily_0"]  # from the machine's counter
    assert capacity and order_book.sourcing.screen(buyer, Filters(min_capacity=capacity))[
        "shown"] == 1  # fmt: skip
    assert order_book.sourcing.screen(buyer, Filters(min_capacity=capacity + 1))["shown"] == 0

    key = order_book.access.create_api_key(BUYER, "sourcing")
    app_client.headers["authorization"] = f"Bearer {key}"
    api = app_client.get("/api/v1/sourcing", params={"no_knockouts": "false"}).json()
    assert [s["org"] for s in api["suppliers"]] == [SME, OTHER_SME]
    assert app_client.get("/api/v1/sourcing", params={"min_level": "best"}).status_code == 422
    ws = load_workbook(io.BytesIO(app_client.get("/api/v1/sourcing.xlsx").content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "企业名称" and rows[1][1] == SME and len(rows) == 2


def test_a_buyers_receipts_and_inspections_flow_back_as_third_party_data(
    order_book: Platform,
    app_client: TestClient,
    sme_key: str,
) -> None:
    key = order_book.access.create_api_key(BUYER, "wms")
    app_client.headers["authorization"] = f"Bearer {key}"
    t = at(TODAY - timedelta(days=1), 20)
    receipt = {"source": "wms", "org": SME, "event_time": t, "status": "receipt_confirmed",
               "consignee": BUYER, "item": "P-1", "unit": "pcs"}  # fmt: skip
    r = app_client.post("/api/v1/feedback/shipment", json=[
        receipt | {"id": "gr1", "shipment_no": "SHSO-0", "qty": 280},
        receipt | {"id": "gr2", "shipment_no": "SH-NONE", "qty": 5},
        receipt | {"id": "gr3", "shipment_no": "SHSO-2", "qty": 50, "status": "delivered"},
    ]).json()  # fmt: skip
    assert (r["accepted"], r["rejected"]) == (1, 2)
    why = {x["id"]: x["errors"][0] for x in r["rejections"]}
    assert why["gr2"]["field"] == "shipment_no" and "SH-NONE" in why["gr2"]["reason"]
    assert why["gr3"]["field"] == "status"
    inspection = {"id": "qi1", "source": "qms", "org": SME, "event_time": t, "stage": "customer",
                  "item": "P-1", "lot": "SHSO-0", "inspected_qty": 28, "passed_qty": 27,
                  "unit": "pcs"}  # fmt: skip
    first = app_client.post("/api/v1/feedback/quality_inspection", json=[inspection]).json()
    again = app_client.post("/api/v1/feedback/quality_inspection", json=[inspection]).json()
    assert first["accepted"] == 1 and again["duplicates"] == 1  # the same batch twice: once
    kept = order_book.events.quarantine(BUYER, viewer=BUYER)  # the rejected ones are kept
    assert {q["record_id"] for q in kept} == {"gr2", "gr3"}
    channel, submitter = order_book.store.cursor().execute(
        "SELECT channel, submitter FROM ev_quality_inspection WHERE id = 'qi1'").fetchone()  # fmt: skip
    assert (channel, submitter) == ("third_party", BUYER)
    # the supplier's own gateway may not send feedback, nor attest for the buyer
    app_client.headers["authorization"] = f"Bearer {sme_key}"
    assert app_client.post("/api/v1/feedback/shipment", json=[]).status_code == 403

    values = {(v["indicator"], v["window_days"]): v
              for v in order_book.indicators.values(SME, TODAY)}  # fmt: skip
    rate = values[("customer_pass_rate", 30)]
    assert rate["value"] == pytest.approx(100 * 27 / 28) and rate["credibility"] == "third_party"
    buyer = Principal(org=BUYER, org_kind=OrgKind.CORE_ENTERPRISE, role=Role.ADMIN, username="li")
    me = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    order_book.consents.grant(me, BUYER, ["production_energy", "transactions", "quality"],
                              "supplier_performance")  # fmt: skip
    (v,) = order_book.cards.variables(
        buyer, BUYER, SME, [(date(2026, 3, 1), date(2026, 3, 31))], 30
    )
    assert v["my_acceptance_pct"] == pytest.approx(100 * 27 / 28)


def test_a_buyers_inbox_holds_the_warnings_about_its_own_orders_and_supply(
    order_book: Platform,
) -> None:
    buyer = Principal(org=BUYER, org_kind=OrgKind.CORE_ENTERPRISE, role=Role.ADMIN, username="li")
    me = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    # SO-7 (another customer's) is at risk too: due tomorrow with nothing made for it
    send(order_book, "sales_order", [{
        "id": "SO-7", "source": "erp", "org": SME, "event_time": at(date(2026, 3, 1), 9),
        "order_no": "SO-7", "counterparty": OTHER_SME, "item": "P-1", "qty": 500, "unit": "pcs",
        "unit_price": 10, "amount": 5000, "order_date": "2026-03-01", "due_date": "2026-03-03",
    }])  # fmt: skip
    order_book.alerts.engine.tick(order_book.clock.now())
    assert order_book.alerts.inbox(buyer)["alerts"] == []  # no consent yet
    order_book.consents.grant(me, BUYER, ["production_energy", "transactions", "quality"],
                              "supplier_performance")  # fmt: skip
    seen = {(a["rule"], a["subject"]) for a in order_book.alerts.inbox(buyer)["alerts"]}
    assert ("delivery_risk", "SO-1") in seen and ("delivery_risk", "SO-7") not in seen
    own = {(a["rule"], a["subject"]) for a in order_book.alerts.inbox(me)["alerts"]}
    assert ("delivery_risk", "SO-7") in own  # the firm sees every customer's
    assert not {r for r, _ in seen} & {"repayment_missed", "pledge_below_floor"}


def test_the_simulated_parks_planted_late_orders_are_flagged_before_due(
    simulated_park: SimulatedPark,
) -> None:
    from chanrong.sim.evaluate import late

    r = late(simulated_park.platform, simulated_park.park)  # type: ignore[arg-type]
    assert r["planted"] >= 2 and r["share"] >= 0.8, r
    assert r["recall_all_late"] >= 0.7 and r["precision"] >= 0.4, r


def test_the_simulated_parks_planted_interruptions_are_warned_within_a_shift(
    simulated_park: SimulatedPark,
) -> None:
    from chanrong.sim.evaluate import interruption

    r = interruption(simulated_park.platform, simulated_park.park)  # type: ignore[arg-type]
    assert r["at_work"] >= 1 and r["warned_within_shift"] == r["at_work"], r
    assert not [o for o in r["other_warnings"] if not o["supplier_down"]], r
