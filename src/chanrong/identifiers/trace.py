"""Traceability (一物一码): from a lot back to its machines and materials, forward to its
shipments, invoices and payments, as one timeline.

A lot is a work order's output (its number is the lot code on the final inspection). Backwards:
the production reports of the work order and the machines named in them, the machines' running
time on those days, the raw material issued on the production days and the receipts that filled
the raw-material store in the month before. Forwards: the customer order behind the work order,
the final inspection, the shipment's journey, the invoice and its payment. Every step names the
record kind, the channel (how it is known) and its identifier where it has one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chanrong.access.consents import ConsentService
from chanrong.access.rules import Principal
from chanrong.model.identifiers import handle
from chanrong.store.db import Store, dicts
from chanrong.store.master import MasterRepository

# The record kinds a trace reads, in the order the timeline tells them.
TRACE_KINDS = ("work_order", "sales_order", "production_report", "telemetry",
               "inventory_movement", "quality_inspection", "shipment", "invoice", "payment")  # fmt: skip


class LotNotFound(LookupError):
    pass


class Tracer:
    def __init__(self, store: Store, master: MasterRepository, consents: ConsentService) -> None:
        self.store = store
        self.master = master
        self.consents = consents

    def trace(self, principal: Principal, org: str, lot: str, purpose: str = "") -> dict[str, Any]:
        """The lot's timeline, with only the kinds the caller may read (all, for the owner)."""
        owner = self.master.organisation(org)
        if owner is None:
            raise LotNotFound(f"no enterprise {org}")
        action = f"TRACE {org}/{lot}"
        steps: list[dict[str, Any]] = self.consents.read(
            principal, org, list(TRACE_KINDS), purpose, action,
            lambda allowed: self._steps(org, owner.industry_code, lot, set(allowed)),
        )  # fmt: skip
        if not steps:
            raise LotNotFound(f"no lot {lot} of {org}")
        steps.sort(key=lambda s: (s["time"], s["order"]))
        return {"org": org, "org_name": owner.name, "lot": lot,
                "identifier": handle(org, owner.industry_code, "lot", lot), "steps": steps}  # fmt: skip

    def _steps(self, org: str, industry: str | None, lot: str, allowed: set[str]) -> list[dict]:
        q = self.store.cursor()
        out: list[dict[str, Any]] = []

        def add(kind: str, stage: str, rows: list[dict[str, Any]], order: int) -> None:
            for r in rows:
                ident = r.pop("_identifier", None)
                out.append({"time": r.pop("event_time"), "stage": stage, "kind": kind,
                            "channel": r.pop("channel", None), "identifier": ident,
                            "order": order, "detail": r})  # fmt: skip

        def rows(sql: str, args: list[Any]) -> list[dict[str, Any]]:
            return dicts(q.execute(sql, args))

        wo = rows("SELECT * FROM ev_work_order WHERE org = ? AND work_order_no = ? "
                  "ORDER BY event_time LIMIT 1", [org, lot])  # fmt: skip
        order_no = wo[0]["sales_order_no"] if wo else None
        reports = rows("SELECT event_time, channel, device, item, good_qty, scrap_qty, rework_qty, "
                       "unit FROM ev_production_report WHERE org = ? AND work_order_no = ? "
                       "ORDER BY event_time", [org, lot])  # fmt: skip
        if "work_order" in allowed and wo:
            w = wo[0]
            add("work_order", "plan", [{"event_time": w["event_time"], "channel": w["channel"],
                "work_order_no": lot, "item": w["item"], "planned_qty": w["planned_qty"],
                "unit": w["unit"], "device": w["device"]}], 1)  # fmt: skip
        if "sales_order" in allowed and order_no:
            add("sales_order", "order", rows(
                "SELECT event_time, channel, order_no, counterparty, counterparty_name, item, qty, "
                "unit, due_date FROM ev_sales_order WHERE org = ? AND order_no = ?",
                [org, order_no]), 0)  # fmt: skip
        if "production_report" in allowed:
            for r in reports:
                r["_identifier"] = (
                    handle(org, industry, "device", r["device"]) if r["device"] else None
                )
            add("production_report", "production", [dict(r) for r in reports], 2)
        days = sorted({r["event_time"].date() for r in reports})
        devices = sorted({r["device"] for r in reports if r["device"]})
        if "telemetry" in allowed and days and devices:
            add("telemetry", "machine", rows(
                "SELECT max(event_time) AS event_time, 'device' AS channel, device, "
                "CAST(event_time AS DATE) AS day, count(*) FILTER (WHERE run_state = 'running') "
                "AS running_minutes, max(counter) - min(counter) AS counted "
                "FROM ev_telemetry WHERE org = ? AND list_contains(?, device) "
                "AND list_contains(?, CAST(event_time AS DATE)) GROUP BY device, day",
                [org, devices, days]), 3)  # fmt: skip
        if "inventory_movement" in allowed and days:
            issued = rows(
                "SELECT event_time, channel, item, qty, unit, warehouse FROM ev_inventory_movement "
                "WHERE org = ? AND movement_type = 'issue' AND list_contains(?, CAST(event_time "
                "AS DATE)) ORDER BY event_time", [org, days])  # fmt: skip
            add("inventory_movement", "material issued", issued, 4)
            materials = sorted({r["item"] for r in issued})
            add("inventory_movement", "material received", rows(
                "SELECT m.event_time, m.channel, m.item, m.qty, m.unit, m.reference_no, m.receipt_no, "
                "p.counterparty AS supplier, p.counterparty_name AS supplier_name "
                "FROM ev_inventory_movement m LEFT JOIN ev_purchase_order p ON p.org = m.org "
                "AND p.order_no = m.reference_no WHERE m.org = ? AND m.movement_type = 'receipt' "
                "AND list_contains(?, m.item) AND CAST(m.event_time AS DATE) BETWEEN ? AND ? "
                "ORDER BY m.event_time", [org, materials, days[0] - timedelta(days=30), days[-1]]),
                -1)  # fmt: skip
        if "quality_inspection" in allowed:
            add("quality_inspection", "inspection", rows(
                "SELECT event_time, channel, stage, inspected_qty, passed_qty, certificate_no "
                "FROM ev_quality_inspection WHERE org = ? AND (lot = ? OR work_order_no = ?) "
                "ORDER BY event_time", [org, lot, lot]), 5)  # fmt: skip
        if order_no and "shipment" in allowed:
            ships = rows("SELECT event_time, channel, shipment_no, status, consignee, carrier, "
                         "tracking_no, qty, unit, location FROM ev_shipment WHERE org = ? AND "
                         "sales_order_no = ? ORDER BY event_time", [org, order_no])  # fmt: skip
            for r in ships:
                r["_identifier"] = handle(org, industry, "shipment", r["shipment_no"])
            add("shipment", "shipment", ships, 6)
        if order_no and "invoice" in allowed:
            invoices = rows("SELECT event_time, channel, invoice_no, counterparty, amount, "
                            "tax_amount, e_invoice FROM ev_invoice WHERE org = ? AND "
                            "sales_order_no = ? AND direction = 'sales'", [org, order_no])  # fmt: skip
            add("invoice", "invoice", [dict(r) for r in invoices], 7)
            if "payment" in allowed and invoices:
                add("payment", "payment", rows(
                    "SELECT event_time, channel, payment_no, amount, value_date, invoice_no "
                    "FROM ev_payment WHERE org = ? AND list_contains(?, invoice_no)",
                    [org, [i["invoice_no"] for i in invoices]]), 8)  # fmt: skip
        return out
