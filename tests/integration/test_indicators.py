"""Indicators on a small enterprise whose every figure is worked out by hand in the comments.

The window of 30 days ending 2026-03-31 runs from 03-02; the window before it from 01-31 to
03-01. Reference price of P-1: the average unit price of its sales lines, (50 + 70) / 2 = 60.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Iterator
from datetime import date
from typing import Any

import duckdb
import orjson
import pytest

from chanrong.indicators.catalog import BY_ID, CATALOG
from chanrong.indicators.engine import DuckDBEngine
from chanrong.indicators.render import SPELLINGS, spell
from chanrong.model.identifiers import complete_uscc
from chanrong.model.master import Device, DeviceType, Item, ItemType, Organisation, OrgKind
from chanrong.model.units import Unit
from chanrong.platform import Platform
from chanrong.store.events import JsonBatch
from tests.conftest import OTHER_SME, PLATFORM_ORG, SME, world

AS_OF = date(2026, 3, 31)
C1, C2, C3, C9 = (complete_uscc(f"91330206MA2C1000{i}") for i in (1, 2, 3, 9))
SUPPLIER = complete_uscc("91330206MA2T10001")
THIRD = complete_uscc("91330206MA2K10033")
# The third firm: six days with both energy and output, two product price classes.
OUTPUT = [10, 20, 30, 40, 50, 60]  # pcs of P-2 a day, 03-20 to 03-25, sold at 10 元
KWH = [100, 210, 290, 420, 480, 630]
AL, CU = [20.0, 20.5, 20.0, 21.0], [70.0, 70.0, 77.0]  # closing prices 03-26 onwards


def at(day: str, hour: int = 10) -> str:
    return f"{day}T{hour:02d}:00:00+08:00"


def send(platform: Platform, kind: str, records: list[dict[str, Any]]) -> None:
    for i, r in enumerate(records):
        r.setdefault("id", f"{kind}-{i}")
        r.setdefault("org", SME)
    result = platform.events.append(
        kind, JsonBatch(orjson.dumps(records).decode()), submitter=PLATFORM_ORG,
        now=platform.clock.now(), default_channel="system",
    )  # fmt: skip
    assert result.rejected == 0, result.rejections


def line(no: str, customer: str, qty: float, price: float, ordered: str, due: str,
         **over: Any) -> dict[str, Any]:  # fmt: skip
    return {"event_time": at(ordered, 9), "order_no": no, "counterparty": customer, "item": "P-1",
            "qty": qty, "unit": "pcs", "unit_price": price, "amount": qty * price,
            "order_date": ordered, "due_date": due, **over}  # fmt: skip


def ship(no: str, status: str, day: str, order: str, qty: float, **over: Any) -> dict[str, Any]:
    return {"id": f"{no}-{status}", "event_time": at(day, 15), "shipment_no": no,
            "status": status, "consignee": C1, "sales_order_no": order, "qty": qty,
            "unit": "pcs", **over}  # fmt: skip


def invoice(no: str, customer: str, amount: float, day: str, **over: Any) -> dict[str, Any]:
    return {"event_time": at(day, 16), "invoice_no": no, "direction": "sales",
            "counterparty": customer, "amount": amount, "tax_amount": round(amount * 0.13, 2),
            "issue_date": day, **over}  # fmt: skip


def move(kind: str, item: str, qty: float, day: str, **over: Any) -> dict[str, Any]:
    unit = "kg" if item == "M-1" else "pcs"
    wh = "WH-1"
    return {"event_time": at(day, 11), "movement_type": kind, "item": item, "warehouse": wh,
            "qty": qty, "unit": unit, **over}  # fmt: skip


def third_firm(platform: Platform) -> None:
    platform.master.upsert([
        Organisation(uscc=THIRD, name="第三压铸厂", org_kind=OrgKind.SME),
        Device(org=THIRD, code="EM-3", name="总电表", device_type=DeviceType.ENERGY_METER),
        Item(org=THIRD, code="P-2", name="铝压铸件", item_type=ItemType.PRODUCT, unit=Unit.PCS,
             item_class="al_ingot"),
        Item(org=THIRD, code="P-3", name="铜件", item_type=ItemType.PRODUCT, unit=Unit.PCS,
             item_class="copper"),
    ], platform.clock.now())  # fmt: skip
    days = [f"2026-03-{20 + k}" for k in range(6)]
    send(platform, "sales_order", [
        line(n, c, q, p, f"2026-03-0{5 + k}", "2026-03-30", org=THIRD, item=i, id=f"so-{n}")
        for k, (n, c, q, p, i) in enumerate((("T-1", C1, 100, 10, "P-2"),
                                              ("T-2", C2, 100, 10, "P-2"),
                                              ("T-3", C2, 10, 90, "P-3")))
    ])  # fmt: skip
    send(platform, "production_report", [
        {"id": f"pr-T-{k}", "org": THIRD, "event_time": at(d, 18), "work_order_no": f"TW-{k}",
         "item": "P-2",
         "good_qty": q, "unit": "pcs"} for k, (d, q) in enumerate(zip(days, OUTPUT, strict=True))
    ])  # fmt: skip
    send(platform, "energy", [
        {"id": f"en-T-{d}", "org": THIRD, "event_time": at(d, 23), "meter": "EM-3",
         "energy_type": "electricity", "value": e, "unit": "kWh"}
        for d, e in zip(days, KWH, strict=True)
    ])  # fmt: skip
    send(platform, "price_index", [
        {"id": f"px-{c}-{k}", "org": PLATFORM_ORG, "event_time": at(f"2026-03-{26 + k}"),
         "item_class": c, "price": p, "unit": "kg", "index_source": "测试价格指数"}
        for c, series in (("al_ingot", AL), ("copper", CU)) for k, p in enumerate(series)
    ])  # fmt: skip


def vol(prices: list[float]) -> float:
    """100 x the standard deviation of the daily log returns."""
    return 100 * statistics.stdev(math.log(b / a) for a, b in itertools.pairwise(prices))


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """The small enterprise's records worked out by hand, with two other firms'."""
    from chanrong.clock import FixedClock
    from chanrong.store.db import Store

    clock = FixedClock()
    clock.current = clock.current.replace(year=2026, month=4, day=1)
    platform = Platform(Store(tmp_path_factory.mktemp("ind") / "i.duckdb"), clock)
    world(platform)
    platform.master.upsert([
        Organisation(uscc=SME, name="测试模具厂", org_kind=OrgKind.SME, industry_code="C3525",
                     registered_capital=5_000_000, established="2016-03-31"),
        Item(org=SME, code="M-1", name="模具钢", item_type=ItemType.MATERIAL, unit=Unit.KG,
             item_class="steel_hrc"),
        Device(org=SME, code="GM-1", name="燃气表", device_type=DeviceType.ENERGY_METER),
    ], clock.now())  # fmt: skip
    send(platform, "sales_order", [
        line("SO-1", C1, 100, 50, "2026-03-01", "2026-03-10"),
        line("SO-2", C2, 100, 70, "2026-03-02", "2026-03-20"),
        line("SO-3", C1, 50, 90, "2026-03-03", "2026-03-25", status="cancelled"),
    ])  # fmt: skip
    send(platform, "purchase_order", [{
        "event_time": at("2026-03-01"), "order_no": "PO-1", "counterparty": SUPPLIER,
        "item": "M-1", "qty": 1000, "unit": "kg", "unit_price": 4, "amount": 4000,
        "order_date": "2026-03-01", "due_date": "2026-03-03"}])  # fmt: skip
    send(platform, "shipment", [
        ship("SH-1", "shipped", "2026-03-08", "SO-1", 100, freight=75),
        ship("SH-1", "delivered", "2026-03-09", "SO-1", 100, channel="third_party"),
        ship("SH-2", "shipped", "2026-03-19", "SO-2", 60, freight=30),
        ship("SH-2", "delivered", "2026-03-21", "SO-2", 60, channel="third_party"),
        ship("SH-3", "shipped", "2026-03-18", "SO-2", 40, freight=20),
    ])  # fmt: skip
    send(platform, "invoice", [
        invoice("INV-0", C1, 5000, "2026-02-15"),
        invoice("INV-1", C1, 4000, "2026-03-09", sales_order_no="SO-1", e_invoice=True),
        invoice("INV-2", C2, 6000, "2026-03-21", sales_order_no="SO-2"),
        invoice("INV-3", C3, 2000, "2026-03-25"),
        invoice("INV-OLD1", C1, 1000, "2025-01-10"),
        invoice("INV-OLD2", C9, 1000, "2025-02-01"),
        invoice("PINV-1", SUPPLIER, 3000, "2026-02-20", direction="purchase"),
        invoice("PINV-2", C9, 1000, "2026-02-21", direction="purchase"),
    ])  # fmt: skip
    send(
        platform,
        "payment",
        [
            {
                "event_time": at("2026-03-20"),
                "payment_no": "PAY-1",
                "direction": "sales",
                "counterparty": C1,
                "amount": 4520,
                "invoice_no": "INV-1",
                "value_date": "2026-03-20",
            }
        ],
    )
    send(platform, "production_report", [
        {"event_time": at("2026-02-20", 18), "work_order_no": "WO-0", "item": "P-1",
         "good_qty": 80, "unit": "pcs"},
        {"event_time": at("2026-03-05", 18), "work_order_no": "WO-1", "item": "P-1",
         "device": "CNC-01", "good_qty": 100, "rework_qty": 2, "unit": "pcs", "channel": "device"},
        {"event_time": at("2026-03-15", 18), "work_order_no": "WO-2", "item": "P-1",
         "good_qty": 100, "rework_qty": 3, "unit": "pcs", "channel": "manual"},
    ])  # fmt: skip
    send(platform, "energy", [
        {"event_time": at("2026-02-20", 23), "meter": "EM-1", "energy_type": "electricity",
         "value": 800, "unit": "kWh", "channel": "device"},
        {"event_time": at("2026-03-05", 23), "meter": "EM-1", "energy_type": "electricity",
         "value": 1000, "unit": "kWh", "channel": "device"},
        {"event_time": at("2026-03-15", 23), "meter": "EM-1", "energy_type": "electricity",
         "value": 1, "unit": "MWh", "channel": "device"},
        {"event_time": at("2026-03-10", 23), "meter": "GM-1", "energy_type": "gas",
         "value": 100, "unit": "m3", "channel": "third_party"},
    ])  # fmt: skip
    send(platform, "quality_inspection", [
        {"event_time": at("2026-03-08"), "stage": "final", "item": "P-1", "inspected_qty": 100,
         "passed_qty": 98, "unit": "pcs", "certificate_no": "HG-1"},
        {"event_time": at("2026-03-18"), "stage": "final", "item": "P-1", "inspected_qty": 100,
         "passed_qty": 100, "unit": "pcs", "certificate_no": "HG-2"},
        {"event_time": at("2026-03-03"), "stage": "incoming", "item": "M-1", "inspected_qty": 50,
         "passed_qty": 49, "unit": "kg"},
    ])  # fmt: skip
    send(platform, "inventory_movement", [
        move("receipt", "M-1", 1000, "2026-03-03", receipt_no="R-1"),
        move("issue", "M-1", 400, "2026-03-10"),
        move("production_in", "P-1", 100, "2026-03-05"),
        move("production_in", "P-1", 100, "2026-03-15"),
        move("shipment", "P-1", 100, "2026-03-08"),
        move("shipment", "P-1", 100, "2026-03-19"),
    ])  # fmt: skip
    send(platform, "price_index", [
        {"id": f"px-{d}", "org": PLATFORM_ORG, "event_time": at(d), "item_class": "steel_hrc",
         "price": p, "unit": "kg", "index_source": "测试价格指数"}
        for d, p in (("2026-03-27", 4.0), ("2026-03-28", 4.4), ("2026-03-29", 4.4),
                     ("2026-03-30", 4.5))
    ])  # fmt: skip
    send(platform, "credit_record", [
        {"event_time": at("2025-04-01"), "record_type": "tax_credit_rating",
         "reference_no": "TAX-2024", "value": "B", "start_date": "2025-04-01",
         "channel": "third_party"},
        {"event_time": at("2026-03-01"), "record_type": "litigation", "reference_no": "(2026)1",
         "start_date": "2026-03-01", "channel": "third_party"},
        {"event_time": at("2025-01-01"), "record_type": "litigation", "reference_no": "(2025)1",
         "start_date": "2025-01-01", "end_date": "2025-06-01", "channel": "third_party"},
        {"event_time": at("2024-05-01"), "record_type": "patent", "reference_no": "ZL1",
         "value": "发明", "start_date": "2024-05-01", "channel": "third_party"},
        {"event_time": at("2024-06-01"), "record_type": "patent", "reference_no": "ZL2",
         "value": "实用新型", "start_date": "2024-06-01", "channel": "third_party"},
        {"event_time": at("2025-01-01"), "record_type": "copyright", "reference_no": "RZ1",
         "start_date": "2025-01-01", "channel": "third_party"},
        {"event_time": at("2026-01-01"), "record_type": "abnormal_operation",
         "reference_no": "YC1", "start_date": "2026-01-01", "end_date": "2026-02-01",
         "channel": "third_party"},
        {"event_time": at("2026-03-10"), "record_type": "consumption_restriction",
         "reference_no": "XF1", "start_date": "2026-03-10", "channel": "third_party"},
        {"event_time": at("2023-01-01"), "record_type": "specialized_sme", "reference_no": "ZJ1",
         "start_date": "2023-01-01", "end_date": "2025-12-31", "channel": "third_party"},
        {"event_time": at("2026-01-01"), "record_type": "specialized_sme", "reference_no": "ZJ2",
         "start_date": "2026-01-01", "end_date": "2028-12-31", "channel": "third_party"},
    ])  # fmt: skip
    send(platform, "telemetry", [
        {"id": f"t-{i}", "source": "gw-01", "event_time": at("2026-03-05", 8 + i),
         "device": "CNC-01", "run_state": state, "counter": count, "channel": "device"}
        for i, (state, count) in enumerate((("running", 500), ("running", 540),
                                            ("idle", 570), ("running", 602)))
    ])  # fmt: skip
    third_firm(platform)
    yield platform
    platform.close()


FIRMS = [SME, OTHER_SME, THIRD]


@pytest.fixture(scope="module")
def values(rich: Platform) -> dict[tuple[str, str, int], dict]:
    computed = DuckDBEngine(rich.store).compute(AS_OF, FIRMS)
    out = {(r["org"], r["indicator"], r["window_days"]): r for r in computed.values.to_pylist()}
    for r in computed.checks.to_pylist():
        out[(r["org"], "check:" + r["check_id"], r["window_days"])] = r
    return out


HAND = {  # (indicator, window): the value worked out by hand
    ("output_qty", 30): 200,
    ("output_value", 30): 200 * 60,
    ("output_change", 30): (200 / 80 - 1) * 100,
    ("capacity_rated_daily", 0): 6 * 24,
    ("device_running_rate", 30): 75,
    ("energy_kwh", 30): 2000,
    ("energy_tce", 30): (2000 * 0.1229 + 100 * 1.33) / 1000,
    # energy 378.8 kgce against 98.32 the window before; output value 12,000 against 80 x 60
    ("energy_output_elasticity", 30): (378.8 / 98.32 - 1) / (12000 / 4800 - 1),
    ("shipments", 30): 3,
    ("in_transit", 0): 1,  # SH-3 left on 03-18 and nobody reported it delivered
    ("inventory_value", 0): 600 * 4,
    ("days_of_inventory", 30): 2400 / ((400 * 4 + 200 * 60) / 30),
    ("collateral_value", 0): 0.7 * 600 * 4.5,
    ("warehouse_receipts", 30): 1,
    ("sales_amount", 30): 12000,
    ("sales_change", 30): (12000 / 5000 - 1) * 100,
    ("customer_count", 30): 3,
    ("customer_hhi", 30): (100 / 3) ** 2 + 50**2 + (100 / 6) ** 2,
    ("top_customer_share", 30): 50,
    ("customer_retention", 365): 50,  # of C1 and C9 (2024-04 to 2025-03) only C1 came back
    ("sales_gap_days", 30): 11,  # 03-10 to 03-20
    ("collection_rate", 30): 4520 / (12000 * 1.13) * 100,
    ("unshipped_invoice_share", 30): 2000 / 12000 * 100,
    ("litigation_cases", 0): 1,
    ("dishonest_debtor", 0): 0,
    ("tax_credit_rating", 0): 4,
    ("invention_patents", 0): 1,
    ("registered_capital", 0): 5_000_000,
    ("years_established", 0): 3652 / 365.25,
    ("on_time_delivery_orders", 30): 50,  # SO-1 on time; SO-2 only 40 of 100 by 03-20
    ("on_time_delivery_qty", 30): (100 + 40) / 200 * 100,
    ("energy_per_output", 30): 378.8 / 200,
    ("energy_per_revenue", 30): 378.8 / (12000 / 10000),
    ("logistics_cost_share", 30): 125 / 12000 * 100,
    ("final_pass_rate", 30): 99,
    ("incoming_pass_rate", 30): 98,
    ("rework_rate", 30): 5 / 200 * 100,
    ("quality_certificates", 30): 2,
    ("supplier_count", 90): 2,
    ("supplier_hhi", 90): 75**2 + 25**2,
    ("copyrights", 0): 1,
    ("specialized_sme", 0): 1,  # recognised again in 2026 after the first ran out: a flag, not 2
    ("abnormal_operation", 0): 0,  # listed in January, cleared on 02-01
    ("consumption_restriction", 0): 1,
    ("serious_violations", 0): 0,
    ("lending_disputes", 0): 0,
    # steel_hrc closed 4.0, 4.4, 4.4, 4.5: the standard deviation of its daily log returns
    ("upstream_price_volatility", 90): 100
    * statistics.stdev([math.log(1.1), 0, math.log(4.5 / 4.4)]),
    ("collateral_volatility", 30): 100 * statistics.stdev([math.log(1.1), 0, math.log(4.5 / 4.4)]),
}


def test_the_third_firm_by_hand(values: dict) -> None:
    # daily energy (kgce) against daily output value: the factors cancel in a correlation
    corr = values[(THIRD, "energy_output_correlation", 30)]
    assert corr["value"] == pytest.approx(statistics.correlation(KWH, OUTPUT), rel=1e-9)
    assert corr["coverage"] == pytest.approx(6 / 30) and corr["n_inputs"] == 12
    # the average over the two classes sold (not over the three lines)
    down = values[(THIRD, "downstream_price_volatility", 30)]
    assert down["value"] == pytest.approx((vol(AL) + vol(CU)) / 2, rel=1e-9)
    # 3 lines and 5 published returns: mostly third-party data
    assert down["n_inputs"] == 3 + 3 + 2 and down["credibility"] == "third_party"


@pytest.mark.parametrize(("indicator", "window"), sorted(HAND))
def test_value_matches_the_hand_computation(values: dict, indicator: str, window: int) -> None:
    got = values[(SME, indicator, window)]
    assert got["value"] == pytest.approx(HAND[(indicator, window)], rel=1e-9), got


def test_monthly_variation_counts_empty_periods_as_zero(values: dict) -> None:
    # three 30-day periods back from 03-31: 12,000, 5,000 and nothing
    mean = 17000 / 3
    sd = (((12000 - mean) ** 2 + (5000 - mean) ** 2 + mean**2) / 2) ** 0.5
    assert values[(SME, "sales_monthly_cv", 90)]["value"] == pytest.approx(sd / mean)


def test_credibility_follows_the_attested_inputs(values: dict) -> None:
    # both orders' deliveries were reported by the carrier; the output reports are the firm's own
    assert values[(SME, "on_time_delivery_orders", 30)]["credibility"] == "third_party"
    # the machine counted 102 on 03-05 where the report says 100: the output is corroborated
    assert values[(SME, "output_qty", 30)]["credibility"] == "corroborated"
    assert values[(SME, "output_qty", 30)]["n_device"] == 1
    assert values[(SME, "collection_rate", 30)]["credibility"] == "self"  # no verdict
    assert values[(SME, "litigation_cases", 0)]["credibility"] == "third_party"
    assert values[(SME, "tax_credit_rating", 0)]["label"] == "B"
    assert values[(SME, "sales_amount", 30)]["n_third"] == 1  # one verified e-invoice


def test_corroboration_checks_with_their_evidence(values: dict) -> None:
    device = values[(SME, "check:device_vs_reported_output", 30)]
    assert device["value"] == pytest.approx(102 / 100) and device["status"] == "pass"
    assert device["tolerance"] == "0.9 ≤ x ≤ 1.1" and device["n_device"] == 4
    shipped = values[(SME, "check:shipments_vs_invoices", 30)]  # INV-3 names no order
    assert shipped["value"] == pytest.approx(10000 / 12000) and shipped["status"] == "fail"
    # invoices due by now are those of 60 days before the window: none were issued then
    paid = values[(SME, "check:invoices_vs_payments", 30)]
    assert paid["status"] == "no_verdict" and paid["value"] is None
    energy = values[(SME, "check:energy_vs_output", 30)]  # 2 days with both: no verdict
    assert energy["status"] == "no_verdict" and "fewer than 10 days" in energy["reason"]
    receipts = values[(SME, "check:deliveries_vs_receipts", 30)]  # C1 confirms nothing here
    assert receipts["status"] == "no_verdict" and receipts["reason"]
    assert values[(OTHER_SME, "check:shipments_vs_invoices", 30)]["status"] == "no_verdict"


def test_coverage_is_the_share_of_days_with_inputs(values: dict) -> None:
    assert values[(SME, "output_qty", 30)]["coverage"] == pytest.approx(2 / 30)
    assert values[(SME, "registered_capital", 0)]["coverage"] == 1


def test_missing_data_says_why_and_is_never_a_zero(values: dict) -> None:
    other = values[(OTHER_SME, "sales_amount", 30)]
    assert other["value"] is None and other["coverage"] == 0
    assert other["reason"] == "no invoice data from this enterprise"
    quiet = values[(SME, "in_process_pass_rate", 30)]
    assert quiet["value"] is None and "no quality_inspection records" in quiet["reason"]
    # a sum over a window without records of a stream the enterprise sends is a real 0
    assert values[(SME, "purchase_amount", 30)]["value"] == 0
    assert values[(SME, "purchase_amount", 30)]["reason"] is None
    few = values[(SME, "energy_output_correlation", 30)]  # energy and output on 2 days only
    assert few["value"] is None and few["reason"] == "fewer than 5 days with both energy and output"
    assert values[(SME, "downstream_price_volatility", 30)]["value"] is None  # P-1 has no class
    undefined = values[(SME, "output_sales_elasticity", 90)]
    assert undefined["value"] is None and undefined["reason"]


def test_every_indicator_and_window_has_a_row_per_enterprise(values: dict) -> None:
    for ind in CATALOG:
        for w in ind.windows:
            for org in (SME, OTHER_SME, THIRD):
                row = values[(org, ind.id, w)]
                assert row["value"] is not None or row["reason"], (org, ind.id, w)


def test_catalog_metadata_is_complete() -> None:
    for ind in CATALOG:
        assert ind.name_zh and ind.name_en and ind.unit and len(ind.definition) > 40, ind.id
        assert ind.id == ind.id.lower() and " " not in ind.id
    assert {"customer_hhi", "on_time_delivery_qty", "energy_tce"} <= set(BY_ID)


def test_days_are_spelled_for_each_engine_with_nested_arguments() -> None:
    sql = "@days(coalesce(lag(day) OVER (PARTITION BY org), DATE '2026-01-01'), day) - 1"
    assert spell(sql, "days", SPELLINGS["spark"]["days"]) == (
        "datediff(day, coalesce(lag(day) OVER (PARTITION BY org), DATE '2026-01-01')) - 1"
    )
    assert spell(sql, "days", SPELLINGS["duckdb"]["days"]).startswith("date_diff('day', coalesce(")
    with pytest.raises(ValueError, match="takes 2"):
        spell("@days(day)", "days", SPELLINGS["spark"]["days"])


def test_covered_days_count_alike_in_both_spellings_and_refuse_days_outside() -> None:
    """@covered counts distinct days in a bitmap on DuckDB: equal to a DISTINCT count over the
    window and the one before it, NULLs left out, and an error (not a wrong count) beyond."""
    con = duckdb.connect()
    rows = "SELECT * FROM (VALUES (DATE '2026-03-01'), (DATE '2026-03-01'), (DATE '2026-03-31'),"
    rows += " (NULL), (DATE '2026-02-01')) t(day)"
    duck = SPELLINGS["duckdb"]["covered"].replace("{pstart}", "DATE '2026-02-01'")
    duck = duck.replace("{span}", "59")
    got = con.execute(f"SELECT {spell('@covered(day)', 'covered', duck)} FROM ({rows})").fetchone()
    want = con.execute(f"SELECT count(DISTINCT day) FROM ({rows})").fetchone()
    assert got == want == (3,)
    empty = con.execute(f"SELECT {spell('@covered(day)', 'covered', duck)} FROM ({rows}) "
                    "WHERE day IS NULL").fetchone()  # fmt: skip
    assert empty == (0,)
    with pytest.raises(duckdb.Error, match="range"):
        late = "@covered(DATE '2026-04-05')"
        con.execute(f"SELECT {spell(late, 'covered', duck)}").fetchall()


def test_the_catalog_document_is_generated_from_the_catalog() -> None:
    from pathlib import Path

    from chanrong.indicators.docs import catalog_markdown

    doc = Path(__file__).parents[2] / "docs" / "indicators.md"
    assert doc.read_text(encoding="utf-8") == catalog_markdown(), "run: chanrong indicators docs"


def test_the_refresher_recomputes_only_the_firms_and_values_new_records_can_change(
    tmp_path: Any,
) -> None:
    from datetime import timedelta

    from chanrong.clock import FixedClock
    from chanrong.indicators.refresh import IndicatorRefresher
    from chanrong.store.db import Store
    from tests.conftest import NOW, telemetry

    clock = FixedClock(NOW)
    platform = Platform(Store(tmp_path / "r.duckdb"), clock)
    world(platform)
    today, week_ago = date(2026, 3, 2), date(2026, 2, 23)
    regraded: list[tuple[date, list[str]]] = []
    refresher = IndicatorRefresher(platform.indicators, interval_seconds=3600,
                                   then=lambda d, orgs: regraded.append((d, orgs)))  # fmt: skip
    assert refresher.run_once() == 0  # nothing arrived yet
    assert regraded == []
    platform.indicators.compute(week_ago, [SME])  # a kept day of the history
    clock.current += timedelta(seconds=1)
    send(platform, "telemetry", [telemetry(i) for i in range(4)])
    clock.current += timedelta(seconds=1)
    assert refresher.run_once() == 1 and refresher.last["enterprises"] == 1
    assert regraded == [(today, [SME])]  # the firms that changed are brought up to date too

    def stored(org: str, day: date) -> dict[tuple[str, int], dict[str, Any]]:
        return {(r["indicator"], r["window_days"]): r
                for r in platform.indicators._stored(org, day)}  # fmt: skip

    now = stored(SME, today)
    assert now[("device_running_rate", 30)]["value"] == 100
    # what telemetry can change: the indicators reading it, and those its check corroborates
    assert ("output_qty", 30) in now and ("sales_amount", 30) not in now
    assert stored(OTHER_SME, today) == {}  # untouched
    before = stored(SME, week_ago)
    assert refresher.run_once() == 0  # nothing new since

    # a late reading dated before the kept day recomputes that day too; an invoice today
    # recomputes today's sales indicators and leaves the week-old day alone
    clock.current += timedelta(seconds=1)
    send(platform, "telemetry", [telemetry(9, id="late", event_time="2026-02-20T09:00:00+08:00")])
    clock.current += timedelta(seconds=1)
    refresher.run_once()
    again = stored(SME, week_ago)
    assert again[("device_running_rate", 30)]["computed_at"] > before[
        ("device_running_rate", 30)]["computed_at"]  # fmt: skip
    assert again[("sales_amount", 30)]["computed_at"] == before[("sales_amount", 30)]["computed_at"]
    assert again[("device_running_rate", 30)]["value"] == 100
    clock.current += timedelta(seconds=1)
    send(platform, "invoice", [{"id": "inv-r", "source": "tax", "event_time": "2026-03-02T10:00:00+08:00",
                                "invoice_no": "R-1", "direction": "sales", "counterparty": OTHER_SME,
                                "amount": "1000.00", "tax_amount": "130.00",
                                "issue_date": "2026-03-02", "e_invoice": True}])  # fmt: skip
    clock.current += timedelta(seconds=1)
    refresher.run_once()
    assert stored(SME, today)[("sales_amount", 30)]["value"] == 1000
    assert stored(SME, week_ago)[("sales_amount", 30)]["computed_at"] == before[
        ("sales_amount", 30)]["computed_at"]  # fmt: skip
    platform.close()


@pytest.mark.parametrize("few", [False, True])
def test_an_order_line_counts_as_it_stands_now(tmp_path: Any, few: bool) -> None:
    """Re-sent order lines: the latest version counts (the later event time; on a tie the
    larger id), a line cancelled later drops out, a line sent once stays, whether the views
    read every firm or a few."""
    from chanrong.indicators.engine import prepare
    from chanrong.indicators.render import sql_list
    from chanrong.store.db import Store

    platform = Platform(Store(tmp_path / "v.duckdb"))
    world(platform)
    send(platform, "sales_order", [
        line("SO-1", C1, 100, 50, "2026-03-01", "2026-03-10", id="a"),
        line("SO-1", C1, 100, 80, "2026-03-01", "2026-03-10", id="b",
             event_time=at("2026-03-02")),
        line("SO-1", C1, 100, 90, "2026-03-01", "2026-03-10", id="c",
             event_time=at("2026-03-02")),
        line("SO-2", C2, 10, 20, "2026-03-05", "2026-03-20", id="d"),
        line("SO-3", C2, 10, 30, "2026-03-06", "2026-03-20", id="e"),
        line("SO-3", C2, 10, 30, "2026-03-06", "2026-03-20", id="f", status="cancelled",
             event_time=at("2026-03-07")),
        line("SO-1", C1, 5, 40, "2026-03-01", "2026-03-10", id="g", org=OTHER_SME),
    ])  # fmt: skip
    cur = platform.store.cursor()
    prepare(cur, sql_list([SME]) if few else None, {"sales_order"} if few else ())
    rows = cur.execute("SELECT org, order_no, id, unit_price, status FROM v_sales_line "
                       "ORDER BY org, order_no").fetchall()  # fmt: skip
    want = [(SME, "SO-1", "c", 90, "open"), (SME, "SO-2", "d", 20, "open"),
            (SME, "SO-3", "f", 30, "cancelled")]  # fmt: skip
    if not few:
        want.insert(0, (OTHER_SME, "SO-1", "g", 40, "open"))
    assert sorted(rows) == sorted(want)
    # the reference price of P-1 over the current open lines: (90 + 20) / 2 = 55
    send(platform, "production_report", [{"event_time": at("2026-03-10", 18),
         "work_order_no": "WO-1", "item": "P-1", "good_qty": 10, "unit": "pcs"}])  # fmt: skip
    orgs = [SME] if few else [SME, OTHER_SME]
    got = DuckDBEngine(platform.store).compute(AS_OF, orgs, [BY_ID["output_value"]], ())
    value = {(r["org"], r["window_days"]): r["value"] for r in got.values.to_pylist()}
    assert value[(SME, 30)] == 550
    platform.close()


def test_after_a_batch_what_it_cannot_change_is_taken_as_kept_and_comes_out_the_same(
    rich: Platform, values: dict
) -> None:
    """After records of one kind, the refresher computes what reads that kind and takes the
    rest its credibility rests on (values a moved check corroborates, verdicts of checks not
    reading the kind) as kept for the day: the same values, coverage and credibility as
    computing everything. Unless every firm has it all kept, all of it is computed."""
    from chanrong.indicators.catalog import affected
    from chanrong.model import EVENT_KINDS

    engine = DuckDBEngine(rich.store)
    engine.save(engine.compute(AS_OF, FIRMS), AS_OF, rich.clock.now())
    fields = ("value", "label", "reason", "coverage", "credibility", "n_inputs", "n_third")
    took = 0
    for kind in EVENT_KINDS:
        what = affected([kind])
        took += len(what.kept_indicators) + len(what.kept_checks)
        again = engine.after(AS_OF, FIRMS, [kind])
        for r in again.values.to_pylist():
            want = values[(r["org"], r["indicator"], r["window_days"])]
            for f in fields:
                assert r[f] == pytest.approx(want[f]), (kind, r["indicator"], f)
        for r in again.checks.to_pylist():
            want = values[(r["org"], "check:" + r["check_id"], r["window_days"])]
            assert (r["status"], r["value"]) == (want["status"], pytest.approx(want["value"]))
        shown = {r["indicator"] for r in again.values.to_pylist()}
        assert shown == {i.id for i in what.indicators + what.kept_indicators}, kind
    assert took > 0

    # output_qty rests on the device counter check, which telemetry moves: its value is read
    # from what was kept (a marked value comes back), its credibility derived again
    what = affected(["telemetry"])
    assert BY_ID["output_qty"] in what.kept_indicators
    assert BY_ID["output_qty"] not in what.indicators
    key = "org = ? AND as_of = ? AND indicator = 'output_qty' AND window_days = 30"
    rich.store.cursor().execute(
        f"UPDATE indicator_values SET value = -1, credibility = 'third_party' WHERE {key}",
        [SME, AS_OF])  # fmt: skip

    def output_qty() -> dict[str, Any]:
        rows = engine.after(AS_OF, FIRMS, ["telemetry"]).values.to_pylist()
        return next(r for r in rows if (r["org"], r["indicator"], r["window_days"]) == (
            SME, "output_qty", 30))  # fmt: skip

    got = output_qty()
    assert got["value"] == -1
    assert got["credibility"] == values[(SME, "output_qty", 30)]["credibility"] != "third_party"
    # a kept value missing for one firm: nothing is taken as kept, all of it is computed
    rich.store.cursor().execute(
        "DELETE FROM indicator_values WHERE org = ? AND as_of = ? "
        "AND indicator = 'rework_rate'", [OTHER_SME, AS_OF])  # fmt: skip
    assert output_qty()["value"] == values[(SME, "output_qty", 30)]["value"] == 200
    engine.save(engine.compute(AS_OF, FIRMS), AS_OF, rich.clock.now())
