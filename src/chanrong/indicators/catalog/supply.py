"""供应保障 supply assurance (order table). Scale indicators (capacity, output, energy,
shipments) are shared with the financing table's production dimension."""

from __future__ import annotations

from chanrong.indicators.catalog._sql import NO_LABEL, flow
from chanrong.indicators.spec import Dimension, Direction, Fact, Indicator

D = Dimension.SUPPLY_ASSURANCE

# Per sales order due in the widest window (cancelled ones left out): ordered quantity, and
# the quantity that arrived by the due date. A shipment arrives on its first delivered or
# receipt-confirmed day; a shipment nobody reported delivered counts on the day it left. What
# arrived by a due date is the same whichever window the date falls in: computed once a day,
# each window takes its orders from it.
ORDERS_DUE = Fact(
    "f_orders_due",
    "SELECT o.org, o.order_no, o.due_date, o.qty, "
    "sum(CASE WHEN coalesce(s.delivered_day, s.shipped_day) <= o.due_date THEN s.qty ELSE 0 END)"
    " AS on_time_qty, max(coalesce(s.third, 0)) AS third FROM ("
    "SELECT org, order_no, max(due_date) AS due_date, sum(qty) AS qty FROM v_sales_line "
    "WHERE status <> 'cancelled' GROUP BY org, order_no) o "
    "LEFT JOIN v_delivery s ON s.org = o.org AND s.sales_order_no = o.order_no "
    "WHERE o.due_date BETWEEN {start} AND {end} GROUP BY o.org, o.order_no, o.due_date, o.qty",
)
FACTS = (ORDERS_DUE,)
DUE = f"SELECT * FROM {ORDERS_DUE.name} WHERE due_date BETWEEN {{start}} AND {{end}}"
TAIL = (
    "@covered(due_date) AS covered_days, count(*) AS n_inputs, sum(third) AS n_third, 0 AS n_device"
)


def _per(top: str, bottom: str, scale: str = "1") -> str:
    """An energy or cost total over another total (two `flow`s over the window), per firm."""
    return (
        f"SELECT t.org, {scale} * t.value / NULLIF(b.value, 0) AS value, "
        "CAST(NULL AS STRING) AS label, CASE WHEN b.value IS NULL OR b.value = 0 THEN "
        "'nothing to divide by in the window' END AS reason, "
        "greatest(t.covered_days, coalesce(b.covered_days, 0)) AS covered_days, "
        "t.n_inputs + coalesce(b.n_inputs, 0) AS n_inputs, "
        "t.n_third + coalesce(b.n_third, 0) AS n_third, "
        "t.n_device + coalesce(b.n_device, 0) AS n_device "
        f"FROM ({top}) t LEFT JOIN ({bottom}) b ON b.org = t.org"
    )


ENERGY = flow("v_energy_ce", "sum(kgce)")
SALES = flow("v_invoice_issued", "sum(amount)", "direction = 'sales'", third="e_invoice")

INDICATORS = [
    Indicator(
        "on_time_delivery_orders", "订单按时交货率", "On-time delivery by order", D, "%",
        Direction.HIGHER,
        "Of the sales orders due in the window (not cancelled), the share whose whole ordered "
        "quantity arrived by the due date, x 100. A shipment arrives on its first delivered or "
        "receipt-confirmed day, or on its shipped day when nobody reported it delivered.",
        ("sales_order", "shipment"),
        "SELECT org, 100 * sum(CASE WHEN on_time_qty >= qty * 0.999 THEN 1 ELSE 0 END) "
        f"/ count(*) AS value, {NO_LABEL}, {TAIL} FROM ({DUE}) o GROUP BY org",
        corroborated_by=("deliveries_vs_receipts",),
    ),
    Indicator(
        "on_time_delivery_qty", "产品按时交货率", "On-time delivery by quantity", D, "%",
        Direction.HIGHER,
        "Of the quantity ordered in the sales orders due in the window, the share that arrived "
        "by the due date (capped at the ordered quantity per order), x 100.",
        ("sales_order", "shipment"),
        "SELECT org, 100 * sum(least(on_time_qty, qty)) / NULLIF(sum(qty), 0) AS value, "
        f"{NO_LABEL}, {TAIL} FROM ({DUE}) o GROUP BY org",
        corroborated_by=("deliveries_vs_receipts",),
    ),
    Indicator(
        "energy_per_output", "单位产量能耗", "Energy per unit of output", D, "kgce/unit",
        Direction.LOWER,
        "Energy in the window in kgce (GB/T 2589) / good_qty of the window's production reports.",
        ("energy", "production_report"),
        _per(ENERGY, flow("v_production_report", "sum(good_qty)")),
        corroborated_by=("energy_vs_output",),
    ),
    Indicator(
        "energy_per_revenue", "单位收入能耗", "Energy per revenue", D, "kgce/10k CNY",
        Direction.LOWER,
        "Energy in the window in kgce / (sales_amount of the window / 10,000).",
        ("energy", "invoice"), _per(ENERGY, SALES, "10000"),
        corroborated_by=("energy_vs_output",),
    ),
    Indicator(
        "logistics_cost_share", "总物流成本占比", "Logistics cost share", D, "%",
        Direction.LOWER,
        "Freight of the shipments shipped in the window / sales_amount of the window, x 100.",
        ("shipment", "invoice"),
        _per(flow("v_shipment", "sum(coalesce(freight, 0))", "status = 'shipped'"), SALES, "100"),
        corroborated_by=("deliveries_vs_receipts",),
    ),
]  # fmt: skip
