"""Corroboration checks (互证): two independent sources of the same enterprise compared, each with
a tolerance and the evidence behind its verdict. A check passes when its measure lies within the
tolerance; it has no verdict when a source is missing. An indicator whose inputs a passing check
corroborates is 互证 (unless most of its inputs are third-party attested: 他证).

Checks are queries of the same shape as indicators (the measure is `value`), so both engines run
them and the agreement test covers them too.
"""

from __future__ import annotations

from dataclasses import dataclass

from chanrong.indicators.catalog._sql import NO_LABEL
from chanrong.indicators.catalog.production import correlation
from chanrong.indicators.catalog.transactions import SHIPPED

CHECK_WINDOWS = (30, 90, 365)


@dataclass(frozen=True)
class Check:
    id: str
    name_zh: str
    name_en: str
    definition: str
    kinds: tuple[str, ...]
    sql: str
    low: float  # the measure passes when low <= measure <= high
    high: float
    windows: tuple[int, ...] = CHECK_WINDOWS

    @property
    def tolerance(self) -> str:
        return f"{self.low:g} ≤ x ≤ {self.high:g}"


# Per device and day, output counted by the machine: the rise of its cumulative good counter.
DEVICE_DAILY = (
    "SELECT org, device, day, max(counter) - min(counter) AS counted, count(*) AS n "
    "FROM v_telemetry WHERE counter IS NOT NULL AND day BETWEEN {start} AND {end} "
    "GROUP BY org, device, day"
)
REPORTED_DAILY = (
    "SELECT org, device, day, sum(good_qty + scrap_qty) AS reported, count(*) AS n "
    "FROM v_production_report WHERE device IS NOT NULL AND day BETWEEN {start} AND {end} "
    "GROUP BY org, device, day"
)

CHECKS: tuple[Check, ...] = (
    Check(
        "device_vs_reported_output", "设备计数与报工互证", "Device counters vs reported output",
        "Over the devices and days with both, the sum of the rise of each machine's good "
        "counter divided by the good plus scrap quantity its production reports state. Passes "
        "within 0.9 to 1.1.",
        ("telemetry", "production_report"),
        "SELECT d.org, sum(d.counted) / NULLIF(sum(r.reported), 0) AS value, " + NO_LABEL + ", "
        "@covered(d.day) AS covered_days, sum(d.n + r.n) AS n_inputs, 0 AS n_third, "
        f"sum(d.n) AS n_device FROM ({DEVICE_DAILY}) d JOIN ({REPORTED_DAILY}) r "
        "ON r.org = d.org AND r.device = d.device AND r.day = d.day GROUP BY d.org",
        0.9, 1.1,
    ),
    Check(
        "energy_vs_output", "能耗与产值互证", "Energy vs output",
        "Pearson correlation of daily energy (kgce) and daily output value over the days with "
        "both (at least 10). A factory that really produces uses energy in step: passes at "
        "0.5 or more.",
        ("energy", "production_report", "sales_order"),
        correlation(10),
        0.5, 1.0,
    ),
    Check(
        "shipments_vs_invoices", "发货与开票互证", "Shipments vs invoices",
        "Share of the window's sales invoice amount whose sales order has a shipment on or "
        "before the window's last day. Passes at 0.95 or more.",
        ("invoice", "shipment"),
        "SELECT i.org, sum(CASE WHEN s.sales_order_no IS NOT NULL THEN i.amount ELSE 0 END) "
        "/ NULLIF(sum(i.amount), 0) AS value, " + NO_LABEL + ", @covered(i.day) AS "
        "covered_days, count(*) AS n_inputs, sum(CASE WHEN i.e_invoice THEN 1 ELSE 0 END) "
        f"AS n_third, 0 AS n_device FROM v_invoice_issued i LEFT JOIN ({SHIPPED}) s "
        "ON s.org = i.org "
        "AND s.sales_order_no = i.sales_order_no WHERE i.direction = 'sales' "
        "AND i.day BETWEEN {start} AND {end} GROUP BY i.org",
        0.95, 1.0,
    ),
    Check(
        "invoices_vs_payments", "开票与回款互证", "Invoices vs payments",
        "Of the sales invoices issued in the window moved 60 days back (their usual terms have "
        "run), the share of the amount with tax that payments naming them had settled by the "
        "window's last day. Passes at 0.8 or more.",
        ("invoice", "payment"),
        "SELECT i.org, sum(least(coalesce(p.paid, 0), i.amount + i.tax_amount)) "
        "/ NULLIF(sum(i.amount + i.tax_amount), 0) AS value, " + NO_LABEL + ", "
        "count(DISTINCT i.day) AS covered_days, count(*) + sum(coalesce(p.n, 0)) AS n_inputs, "
        "sum(CASE WHEN i.e_invoice THEN 1 ELSE 0 END) AS n_third, 0 AS n_device "
        "FROM v_invoice_issued i LEFT JOIN (SELECT org, invoice_no, sum(amount) AS paid, "
        "count(*) AS n FROM v_payment_valued WHERE direction = 'sales' AND day <= {end} "
        "GROUP BY org, invoice_no) p ON p.org = i.org AND p.invoice_no = i.invoice_no "
        "WHERE i.direction = 'sales' AND i.day BETWEEN {terms_start} AND {terms_end} "
        "GROUP BY i.org",
        0.8, 1.0,
    ),
    Check(
        "deliveries_vs_receipts", "交付与签收互证", "Deliveries vs receipts",
        "Of the shipments shipped in the window whose consignee confirms receipts on the "
        "platform (it confirmed at least one), the share confirmed received by the window's "
        "last day. Passes at 0.9 or more.",
        ("shipment",),
        "SELECT org, sum(confirmed) / count(*) AS value, " + NO_LABEL + ", count(DISTINCT day) "
        "AS covered_days, count(*) AS n_inputs, sum(confirmed) AS n_third, 0 AS n_device FROM ("
        "SELECT s.org, s.shipment_no, min(s.day) AS day, max(CASE WHEN s.status = "
        "'receipt_confirmed' AND s.day <= {end} THEN 1 ELSE 0 END) AS confirmed "
        "FROM v_shipment s JOIN (SELECT DISTINCT org, consignee FROM v_shipment "
        "WHERE status = 'receipt_confirmed') c ON c.org = s.org AND c.consignee = s.consignee "
        "GROUP BY s.org, s.shipment_no HAVING min(CASE WHEN s.status = 'shipped' THEN s.day END)"
        " BETWEEN {start} AND {end}) t GROUP BY org",
        0.9, 1.0,
    ),
)  # fmt: skip
CHECKS_BY_ID = {c.id: c for c in CHECKS}
