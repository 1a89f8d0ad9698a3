"""The core enterprise's side on real data: order progress and its prediction on a hand-made
order book, the delivery-risk alert per order, and the simulated park's planted late orders."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from chanrong.alerts.engine import AlertEngine
from chanrong.model.base import LOCAL_TZ
from chanrong.platform import Platform
from chanrong.supply.progress import progress
from tests.conftest import BANK, SME, SimulatedPark
from tests.integration.test_bank_screening import send

TODAY = date(2026, 3, 2)  # a Monday, a week after the Spring Festival holidays (15-23 Feb)
# The 14 days before it that are not holidays: 24 Feb to 1 Mar and 7 to 14 Feb
PACE_DAYS = [TODAY - timedelta(days=k) for k in range(1, 7)] + [
    date(2026, 2, 14) - timedelta(days=k) for k in range(8)
]


def at(day: date, hh: int = 17) -> str:
    return datetime(day.year, day.month, day.day, hh, tzinfo=LOCAL_TZ).isoformat()


@pytest.fixture
def order_book(platform: Platform) -> Platform:
    """A firm that makes 20 pieces a day for an old order, and six orders placed on 25 Feb."""
    placed = date(2026, 2, 25)
    platform.clock.current = datetime(2026, 3, 2, 10, tzinfo=LOCAL_TZ)  # type: ignore[attr-defined]
    d = lambda n: (TODAY + timedelta(days=n)).isoformat()  # noqa: E731
    orders = (("SO-0", 280, -1), ("SO-1", 100, 1), ("SO-2", 50, 1), ("SO-3", 80, 10),
              ("SO-4", 30, -2), ("SO-5", 50, 4), ("SO-6", 20, 3))  # fmt: skip
    send(platform, "sales_order", [
        {"id": no, "source": "erp", "org": SME, "event_time": at(placed, 9), "order_no": no,
         "counterparty": BANK, "item": "P-1", "qty": qty, "unit": "pcs", "unit_price": 10,
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
         "shipment_no": f"SH{no}", "status": "shipped", "consignee": BANK,
         "sales_order_no": no, "item": "P-1", "qty": qty, "unit": "pcs"}
        for no, qty in (("SO-0", 280), ("SO-2", 50))])  # fmt: skip
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


def test_each_order_at_risk_is_its_own_delivery_alert(order_book: Platform) -> None:
    opened = AlertEngine(order_book.store).tick(order_book.clock.now()).opened
    risks = {o["subject"] for o in opened if o["rule"] == "delivery_risk"}
    assert risks == {"SO-1", "SO-4", "SO-5"}
    value, detail = order_book.store.cursor().execute(
        "SELECT value, detail FROM alerts WHERE subject = 'SO-1'").fetchone()  # fmt: skip
    assert value == 1000 and "40 of 100 pcs made" in detail and "predicted 2026-03-05" in detail


def test_the_simulated_parks_planted_late_orders_are_flagged_before_due(
    simulated_park: SimulatedPark,
) -> None:
    from chanrong.sim.evaluate import late

    r = late(simulated_park.platform, simulated_park.park)  # type: ignore[arg-type]
    assert r["planted"] >= 2 and r["share"] >= 0.8, r
    assert r["recall_all_late"] >= 0.7 and r["precision"] >= 0.4, r
