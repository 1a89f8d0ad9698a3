"""Trade authenticity (反欺诈): every sales invoice checked along its chain, order -> production
-> warehouse -> shipment -> delivery -> invoice -> payment, link by link with the evidence that
makes each link; and circular trades found as cycles in the invoice graph between firms.

An invoice is suspect when its core links are broken: no sales order on record for it, or
nothing shipped for that order by the invoice date plus `GRACE_DAYS`; or when it is part of a
cycle. A missing production link alone is shown but does not make an invoice suspect: goods
sold from stock have none. A payment not received is "open" until `OVERDUE_DAYS` past the
invoice, then broken.
"""

from __future__ import annotations

from datetime import date, timedelta

GRACE_DAYS = 3
OVERDUE_DAYS = 90
CYCLE_DAYS = 30  # the invoices of a cycle lie within this many days
CYCLE_SPREAD = 0.10  # and their amounts within 10 % of the largest
LINKS = ("order", "production", "warehouse", "shipment", "delivery", "payment")

CHAIN_SQL = """
WITH inv AS (
    SELECT org, invoice_no, issue_date, counterparty, amount, tax_amount, sales_order_no,
           e_invoice
    FROM v_invoice_issued
    WHERE direction = 'sales' AND issue_date BETWEEN {start} AND {end} AND org IN {only}
),
orders AS (SELECT DISTINCT org, order_no FROM v_sales_order WHERE org IN {only}),
made AS (
    SELECT w.org, w.sales_order_no, string_agg(DISTINCT w.work_order_no, ', ') AS work_orders,
           sum(p.good_qty) AS good_qty
    FROM v_work_order w JOIN v_production_report p
      ON p.org = w.org AND p.work_order_no = w.work_order_no
    WHERE w.org IN {only} GROUP BY w.org, w.sales_order_no
),
shipped AS (
    SELECT org, sales_order_no, string_agg(DISTINCT shipment_no, ', ') AS shipments,
           min(shipped_day) AS shipped_day, min(delivered_day) AS delivered_day,
           max(third) AS carrier
    FROM v_delivery WHERE org IN {only} GROUP BY org, sales_order_no
),
issued AS (
    SELECT DISTINCT m.org, d.sales_order_no
    FROM v_inventory_movement m JOIN v_delivery d
      ON d.org = m.org AND d.shipment_no = m.reference_no
    WHERE m.movement_type = 'shipment' AND m.org IN {only}
),
paid AS (
    SELECT org, invoice_no, sum(amount) AS paid, max(day) AS paid_day
    FROM v_payment_valued WHERE direction = 'sales' AND org IN {only} GROUP BY org, invoice_no
)
SELECT i.org, i.invoice_no, i.issue_date, i.counterparty, i.amount, i.sales_order_no,
       i.e_invoice,
       o.order_no IS NOT NULL AS has_order,
       m.work_orders, m.good_qty,
       w.sales_order_no IS NOT NULL AS has_warehouse,
       s.shipments, s.shipped_day, s.delivered_day, coalesce(s.carrier, 0) = 1 AS carrier,
       p.paid, p.paid_day,
       s.shipped_day IS NOT NULL AND s.shipped_day <= i.issue_date + {grace} AS shipped_in_time
FROM inv i
LEFT JOIN orders o ON o.org = i.org AND o.order_no = i.sales_order_no
LEFT JOIN made m ON m.org = i.org AND m.sales_order_no = i.sales_order_no
LEFT JOIN issued w ON w.org = i.org AND w.sales_order_no = i.sales_order_no
LEFT JOIN shipped s ON s.org = i.org AND s.sales_order_no = i.sales_order_no
LEFT JOIN paid p ON p.org = i.org AND p.invoice_no = i.invoice_no
ORDER BY i.org, i.issue_date, i.invoice_no
"""

# Sales invoices between firms on the platform that close a loop of 2 or 3 firms within
# CYCLE_DAYS, amounts alike: money and goods that only go round. Only the loops through the
# firms of `only` (each found from that firm's invoice, whichever of the loop came first).
CYCLE_SQL = """
WITH e AS (
    SELECT org AS a, counterparty AS b, invoice_no, issue_date AS d, amount
    FROM v_invoice_issued WHERE direction = 'sales'
      AND issue_date BETWEEN {start} - {days} AND {end} AND org <> counterparty
),
two AS (
    SELECT x.invoice_no AS i1, y.invoice_no AS i2, NULL AS i3, x.a AS f1, x.b AS f2, NULL AS f3
    FROM e x JOIN e y ON y.a = x.b AND y.b = x.a AND y.d BETWEEN x.d - {days} AND x.d + {days}
    WHERE x.a IN {only}
      AND least(x.amount, y.amount) >= (1 - {spread}) * greatest(x.amount, y.amount)
),
three AS (
    SELECT x.invoice_no AS i1, y.invoice_no AS i2, z.invoice_no AS i3, x.a AS f1, x.b AS f2,
           y.b AS f3
    FROM e x JOIN e y ON y.a = x.b AND y.d BETWEEN x.d - {days} AND x.d + {days}
    JOIN e z ON z.a = y.b AND z.b = x.a AND z.d BETWEEN x.d - {days} AND x.d + {days}
    WHERE x.a IN {only} AND x.a <> y.b
      AND date_diff('day', least(x.d, y.d, z.d), greatest(x.d, y.d, z.d)) <= {span}
      AND least(x.amount, y.amount, z.amount)
          >= (1 - {spread}) * greatest(x.amount, y.amount, z.amount)
)
SELECT * FROM two UNION ALL SELECT * FROM three
"""


def _date(d: date) -> str:
    return f"DATE '{d.isoformat()}'"


def chain_sql(start: date, end: date, only: str) -> str:
    return CHAIN_SQL.format(start=_date(start), end=_date(end), only=only,
                            grace=f"INTERVAL {GRACE_DAYS} DAY")  # fmt: skip


def cycle_sql(start: date, end: date, only: str) -> str:
    return CYCLE_SQL.format(start=_date(start), end=_date(end), only=only, span=CYCLE_DAYS,
                            days=f"INTERVAL {CYCLE_DAYS} DAY", spread=CYCLE_SPREAD)  # fmt: skip


def _shipment(row: dict, today: date) -> tuple[str, str]:
    if row["shipped_in_time"]:
        return "ok", f"{row['shipments']} shipped {row['shipped_day']}"
    by = row["issue_date"] + timedelta(days=GRACE_DAYS)
    if today <= by:  # the goods may still leave, or their record still be on its way
        return "open", f"nothing shipped yet; due by {by}"
    return "broken", f"nothing shipped for the order by {by}"


def judge(row: dict, cycles: dict[tuple[str, str], int], today: date) -> dict:
    """One invoice's chain: each link ok / broken / open (not due yet) with its evidence, and
    whether the invoice is suspect, with the reasons. An invoice naming no order on record is
    suspect at once; one whose order has not shipped, once the grace days have passed."""
    links = {
        "order": ("ok", row["sales_order_no"]) if row["has_order"] else (
            "broken", row["sales_order_no"] or "the invoice names no sales order"),
        "production": ("ok", row["work_orders"]) if row["work_orders"] else (
            "broken", "no work order with production reports for the order"),
        "warehouse": ("ok", "stock issued for the shipment") if row["has_warehouse"] else (
            "broken", "no stock issued for a shipment of the order"),
        "shipment": _shipment(row, today),
        "delivery": ("ok", f"delivered {row['delivered_day']}"
                     + (" (carrier)" if row["carrier"] else "")) if row["delivered_day"]
        else ("broken", "no delivery reported"),
    }  # fmt: skip
    due = row["issue_date"] + timedelta(days=OVERDUE_DAYS)
    if row["paid"]:
        links["payment"] = ("ok", f"{row['paid']:,.2f} received {row['paid_day']}")
    elif today < due:
        links["payment"] = ("open", f"not received; terms run to {due}")
    else:
        links["payment"] = ("broken", f"not received {OVERDUE_DAYS} days after issue")
    reasons = [f"{k}: {links[k][1]}" for k in ("order", "shipment") if links[k][0] == "broken"]
    ring = cycles.get((row["org"], row["invoice_no"]))
    if ring:
        reasons.append(f"circular trade with {ring} firms")
    return {
        "org": row["org"], "invoice_no": row["invoice_no"],
        "issue_date": row["issue_date"].isoformat(), "counterparty": row["counterparty"],
        "amount": row["amount"], "paid": row["paid"] or 0.0, "e_invoice": row["e_invoice"],
        "links": [{"link": k, "status": links[k][0], "evidence": links[k][1]} for k in LINKS],
        "suspect": bool(reasons), "reasons": reasons,
    }  # fmt: skip


CAPACITY_MARGIN = 1.2  # invoiced value above 120 % of what the machines can make


def firm_flags(
    values: dict[tuple[str, int], float | None], energy_check: dict | None
) -> list[dict]:
    """Firm-level signs that the invoices are not backed by making: sales beyond what the
    registered capacity could produce in the window, and energy that does not follow the
    claimed output (the energy_vs_output corroboration check failed)."""
    flags = []
    capacity = values.get(("capacity_rated_daily", 0))
    qty, value = values.get(("output_qty", 90)), values.get(("output_value", 90))
    sales = values.get(("sales_amount", 30))
    if capacity and qty and value and sales is not None:
        limit = CAPACITY_MARGIN * 30 * capacity * value / qty
        if sales > limit:
            flags.append({"flag": "beyond_capacity", "reason": (
                f"sales of the last 30 days {sales:,.0f} 元 > {CAPACITY_MARGIN:.0%} of 30 days at "
                f"rated capacity ({capacity:,.0f} units/day x {value / qty:,.2f} 元/unit) = "
                f"{limit:,.0f} 元")})  # fmt: skip
    if energy_check and energy_check.get("status") == "fail":
        flags.append({"flag": "energy_output_mismatch", "reason": (
            f"energy vs output over 90 days: {energy_check['value']:.3g} outside "
            f"{energy_check['tolerance']}")})  # fmt: skip
    return flags
