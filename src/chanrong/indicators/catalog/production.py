"""生产/能耗 production and energy (financing table; the scale indicators also serve the order
table's supply assurance)."""

from __future__ import annotations

from chanrong.indicators.catalog._sql import IN_WINDOW, NO_LABEL, change, flow
from chanrong.indicators.spec import STATE, Dimension, Direction, Fact, Indicator, Table

D = Dimension.PRODUCTION_ENERGY
BOTH = (Table.FINANCING, Table.ORDER)

# An item's reference price: the average tax-included unit price of its sales order lines over
# the 365 days ending on the window's last day (materials: of its purchase order lines);
# cancelled lines left out. Shared by many indicators, so computed once a day (a Fact).
PRICES = Fact(
    "f_ref_price",
    "SELECT org, item, avg(unit_price) AS price FROM v_sales_line "
    "WHERE status <> 'cancelled' AND order_date BETWEEN {ystart} AND {end} GROUP BY org, item",
)
MATERIAL_PRICES = Fact(
    "f_material_price",
    "SELECT org, item, avg(unit_price) AS price FROM v_purchase_line "
    "WHERE status <> 'cancelled' AND order_date BETWEEN {ystart} AND {end} GROUP BY org, item",
)
# Daily output value (good quantity times the item's reference price) and daily energy in kgce,
# per firm and day, with their input counts: the shape _elasticity and the correlations join.
DAILY_VALUES = Fact(
    "f_daily_value",
    "SELECT p.org, p.day, sum(p.good_qty * r.price) AS value, count(*) AS n, 0 AS n_third, "
    "sum(CASE WHEN p.channel = 'device' THEN 1 ELSE 0 END) AS n_device "
    "FROM v_production_report p JOIN f_ref_price r ON r.org = p.org AND r.item = p.item "
    "WHERE p.day BETWEEN {pstart} AND {end} GROUP BY p.org, p.day",
)
DAILY_ENERGIES = Fact(
    "f_daily_energy",
    "SELECT org, day, sum(kgce) AS value, count(*) AS n, "
    "sum(CASE WHEN channel = 'third_party' THEN 1 ELSE 0 END) AS n_third, "
    "sum(CASE WHEN channel = 'device' THEN 1 ELSE 0 END) AS n_device "
    "FROM v_energy_ce WHERE day BETWEEN {pstart} AND {end} GROUP BY org, day",
)
# The days with both, joined once for the correlations (an indicator and a check, 3 windows each).
DAILY_PAIRS = Fact(
    "f_daily_pair",
    "SELECT e.org, e.day, e.value AS energy, v.value AS output_value, e.n + v.n AS n, "
    "e.n_third + v.n_third AS n_third, e.n_device + v.n_device AS n_device "
    "FROM f_daily_energy e JOIN f_daily_value v ON v.org = e.org AND v.day = e.day",
)
FACTS = (PRICES, MATERIAL_PRICES, DAILY_VALUES, DAILY_ENERGIES, DAILY_PAIRS)
REF_PRICE = f"SELECT org, item, price FROM {PRICES.name}"
MATERIAL_PRICE = f"SELECT org, item, price FROM {MATERIAL_PRICES.name}"
DAILY_VALUE = f"SELECT * FROM {DAILY_VALUES.name} WHERE day BETWEEN {{pstart}} AND {{end}}"
DAILY_ENERGY = f"SELECT * FROM {DAILY_ENERGIES.name} WHERE day BETWEEN {{pstart}} AND {{end}}"


def correlation(min_days: int) -> str:
    """Pearson correlation of daily energy and daily output value over the window's days with
    both, given from `min_days` such days."""
    return (
        f"SELECT org, CASE WHEN count(*) >= {min_days} THEN corr(energy, output_value) END "
        "AS value, CAST(NULL AS STRING) AS label, CASE WHEN count(*) < "
        f"{min_days} THEN 'fewer than {min_days} days with both energy and output' END AS "
        "reason, count(*) AS covered_days, sum(n) AS n_inputs, sum(n_third) AS n_third, "
        f"sum(n_device) AS n_device FROM {DAILY_PAIRS.name} WHERE {IN_WINDOW} GROUP BY org"
    )


# Stock on hand at the end of the window, per item and warehouse, in the item's unit.
SIGNED_QTY = (
    "CASE WHEN movement_type IN ('receipt', 'production_in', 'adjustment_in') THEN qty "
    "ELSE -qty END"
)
STOCK = (
    f"SELECT org, item, sum({SIGNED_QTY}) AS qty, count(*) AS n, count(DISTINCT day) AS d "
    "FROM v_inventory_movement WHERE day <= {end} GROUP BY org, item"
)


def _elasticity(top: str, bottom: str) -> str:
    """(top this window / top last window - 1) / (bottom this window / bottom last window - 1)."""
    return (
        "SELECT org, CASE WHEN abs(b1 / NULLIF(b0, 0) - 1) >= 0.01 THEN "
        "(t1 / NULLIF(t0, 0) - 1) / (b1 / b0 - 1) END "
        "AS value, CAST(NULL AS STRING) AS label, CASE WHEN t0 IS NULL OR b0 IS NULL OR t0 = 0 "
        "OR b0 = 0 THEN 'no data in one of the two windows' WHEN t1 IS NULL OR b1 IS NULL "
        "THEN 'no data in the window' WHEN abs(b1 / NULLIF(b0, 0) - 1) < 0.01 THEN "
        "'the denominator changed by less than 1 %: elasticity undefined' END AS reason, "
        "covered_days, n_inputs, n_third, n_device FROM ("
        "SELECT coalesce(t.org, b.org) AS org, "
        "sum(CASE WHEN t.day >= {start} THEN t.value END) AS t1, "
        "sum(CASE WHEN t.day <= {pend} THEN t.value END) AS t0, "
        "sum(CASE WHEN b.day >= {start} THEN b.value END) AS b1, "
        "sum(CASE WHEN b.day <= {pend} THEN b.value END) AS b0, "
        "@covered(CASE WHEN coalesce(t.day, b.day) >= {start} THEN coalesce(t.day, b.day) END) "
        "AS covered_days, sum(coalesce(t.n, 0) + coalesce(b.n, 0)) AS n_inputs, "
        "sum(coalesce(t.n_third, 0) + coalesce(b.n_third, 0)) AS n_third, "
        "sum(coalesce(t.n_device, 0) + coalesce(b.n_device, 0)) AS n_device "
        f"FROM ({top}) t FULL OUTER JOIN ({bottom}) b ON t.org = b.org AND t.day = b.day "
        "GROUP BY coalesce(t.org, b.org)) e"
    )


def _daily_sales() -> str:
    return (
        "SELECT org, issue_date AS day, sum(amount) AS value, count(*) AS n, "
        "sum(CASE WHEN e_invoice THEN 1 ELSE 0 END) AS n_third, 0 AS n_device FROM v_invoice "
        "WHERE direction = 'sales' AND issue_date BETWEEN {pstart} AND {end} "
        "GROUP BY org, issue_date"
    )


INDICATORS = [
    Indicator(
        "output_qty", "产量", "Output quantity", D, "item units", Direction.HIGHER,
        "Sum of good_qty of the production reports (报工) whose Beijing day is in the window, in "
        "each item's own unit. For firms making items in several units compare output_value.",
        ("production_report",), flow("v_production_report", "sum(good_qty)"),
        tables=BOTH, zero_when_empty=True,
        corroborated_by=("device_vs_reported_output",),
    ),
    Indicator(
        "output_value", "产值", "Output value", D, "CNY", Direction.HIGHER,
        "Sum over production reports in the window of good_qty x the item's reference price: "
        "the average tax-included unit_price of the item's sales order lines dated in the 365 "
        "days ending on the window's last day. Items never sold in that year are left out.",
        ("production_report", "sales_order"),
        "SELECT org, sum(value) AS value, " + NO_LABEL + ", @covered(day) AS covered_days, "
        "sum(n) AS n_inputs, 0 AS n_third, sum(n_device) AS n_device "
        f"FROM ({DAILY_VALUE}) v WHERE {IN_WINDOW} GROUP BY org",
        tables=BOTH, zero_when_empty=True,
        corroborated_by=("device_vs_reported_output",),
    ),
    Indicator(
        "output_change", "产量变化", "Output change", D, "%", Direction.HIGHER,
        "(output_qty in the window / output_qty in the window of equal length before it - 1) "
        "x 100.", ("production_report",), change("v_production_report", "good_qty"),
        corroborated_by=("device_vs_reported_output",),
    ),
    Indicator(
        "capacity_rated_daily", "产能规模", "Rated capacity per day", D, "item units/day",
        Direction.HIGHER,
        "Sum over the enterprise's devices with a rated capacity of rated_capacity (output per "
        "hour at rated speed) x 24, as of the day; counts only devices that sent telemetry "
        "up to that day.",
        ("telemetry",),
        "SELECT d.org, CAST(sum(d.rated_capacity * 24) AS DOUBLE) AS value, " + NO_LABEL + ", "
        "1 AS covered_days, count(*) AS n_inputs, 0 AS n_third, count(*) AS n_device "
        "FROM devices d JOIN (SELECT DISTINCT org, device FROM v_telemetry WHERE day <= {end}) t "
        "ON t.org = d.org AND t.device = d.code WHERE d.rated_capacity IS NOT NULL "
        "GROUP BY d.org",
        windows=(STATE,), tables=BOTH,
        corroborated_by=("device_vs_reported_output",),
    ),
    Indicator(
        "device_running_rate", "设备运行率", "Device running rate", D, "%", Direction.HIGHER,
        "Share of the telemetry snapshots in the window whose run_state is running, over all "
        "snapshots with a run_state, x 100.",
        ("telemetry",),
        flow("v_telemetry", "100 * sum(CASE WHEN run_state = 'running' THEN 1 ELSE 0 END) "
             "/ count(*)", "run_state IS NOT NULL"),
        tables=BOTH,
        corroborated_by=("device_vs_reported_output",),
    ),
    Indicator(
        "energy_kwh", "用电量", "Electricity use", D, "kWh", Direction.NEUTRAL,
        "Sum of electricity readings in the window, MWh converted at 1,000 kWh.",
        ("energy",), flow("v_energy_ce", "sum(kwh)", "energy_type = 'electricity'"),
        tables=BOTH, zero_when_empty=True,
        corroborated_by=("energy_vs_output",),
    ),
    Indicator(
        "energy_tce", "综合能耗", "Energy use in standard coal", D, "tce", Direction.NEUTRAL,
        "Sum of every energy reading in the window converted to standard coal with the GB/T "
        "2589 factors (electricity 0.1229 kgce/kWh, natural gas 1.3300 kgce/m3, low-pressure "
        "steam 128.6 kgce/t or 34.12 kgce/GJ, fresh water 0.0857 kgce/t, raw coal 0.7143 kgce/kg, "
        "diesel 1.4571 kgce/kg), divided by 1,000.",
        ("energy",), flow("v_energy_ce", "sum(kgce) / 1000"), tables=BOTH, zero_when_empty=True,
        corroborated_by=("energy_vs_output",),
    ),
    Indicator(
        "energy_output_elasticity", "能耗产出弹性系数", "Energy-output elasticity", D, "ratio",
        Direction.NEUTRAL,
        "(energy in kgce in the window / in the window before - 1) / (output_value in the "
        "window / in the window before - 1). About 1 when energy follows output; undefined when "
        "output changed by less than 1 %.",
        ("energy", "production_report", "sales_order"),
        _elasticity(DAILY_ENERGY, DAILY_VALUE),
        windows=(30, 90),
        corroborated_by=("energy_vs_output",),
    ),
    Indicator(
        "energy_output_correlation", "能耗产值日相关系数", "Daily energy-output correlation", D,
        "r", Direction.HIGHER,
        "Pearson correlation, over the days of the window with both, of daily energy (kgce) and "
        "daily output value. A running factory's energy follows its output; near 0 or negative "
        "is a warning.",
        ("energy", "production_report", "sales_order"),
        correlation(5),
        corroborated_by=("energy_vs_output",),
    ),
    Indicator(
        "output_sales_elasticity", "产销弹性系数", "Output-sales elasticity", D, "ratio",
        Direction.NEUTRAL,
        "(output_value in the window / in the window before - 1) / (sales_amount in the window "
        "/ in the window before - 1). Output growing much faster than sales builds stock.",
        ("production_report", "sales_order", "invoice"),
        _elasticity(DAILY_VALUE, _daily_sales()),
        windows=(30, 90),
        corroborated_by=("shipments_vs_invoices",),
    ),
    Indicator(
        "shipments", "发运单数", "Shipments", D, "shipments", Direction.HIGHER,
        "Number of shipments whose shipped event is in the window (物流订单).",
        ("shipment",), flow("v_shipment", "count(DISTINCT shipment_no)", "status = 'shipped'"),
        tables=BOTH, zero_when_empty=True,
        corroborated_by=("deliveries_vs_receipts",),
    ),
    Indicator(
        "in_transit", "在途发运单", "Shipments in transit", D, "shipments", Direction.NEUTRAL,
        "Shipments shipped on or before the day and not delivered (no delivered or "
        "receipt_confirmed event) by then.",
        ("shipment",),
        "SELECT org, CAST(sum(CASE WHEN delivered_day IS NULL OR delivered_day > {end} THEN 1 "
        "ELSE 0 END) AS DOUBLE) AS value, " + NO_LABEL + ", 1 AS covered_days, "
        "count(*) AS n_inputs, sum(third) AS n_third, 0 AS n_device FROM v_delivery "
        "WHERE shipped_day <= {end} AND shipped_day > {ystart} GROUP BY org",
        windows=(STATE,),
    ),
    Indicator(
        "inventory_value", "库存价值", "Inventory value", D, "CNY", Direction.NEUTRAL,
        "Stock on hand at the end of the day (receipts, production and adjustments in minus "
        "issues, shipments and adjustments out, all movements up to then) per item, x the "
        "item's reference price (products: sales lines, materials: purchase lines, 365 days).",
        ("inventory_movement", "sales_order", "purchase_order"),
        "SELECT s.org, sum(s.qty * coalesce(r.price, m.price)) AS value, " + NO_LABEL + ", "
        "max(s.d) AS covered_days, sum(s.n) AS n_inputs, 0 AS n_third, 0 AS n_device "
        f"FROM ({STOCK}) s LEFT JOIN ({REF_PRICE}) r ON r.org = s.org AND r.item = s.item "
        f"LEFT JOIN ({MATERIAL_PRICE}) m ON m.org = s.org AND m.item = s.item "
        "WHERE coalesce(r.price, m.price) IS NOT NULL GROUP BY s.org",
        windows=(STATE,),
    ),
    Indicator(
        "days_of_inventory", "库存周转天数", "Days of inventory", D, "days", Direction.LOWER,
        "inventory_value at the end of the window / (value of the stock that left in the window, "
        "issues and shipments at reference prices / days in the window).",
        ("inventory_movement", "sales_order", "purchase_order"),
        "SELECT org, stock / NULLIF(outflow / {days}, 0) AS value, CAST(NULL AS STRING) AS label,"
        " CASE WHEN outflow IS NULL OR outflow = 0 THEN 'no stock left in the window' END AS "
        "reason, covered_days, n_inputs, 0 AS n_third, 0 AS n_device FROM ("
        "SELECT mv.org, sum(CASE WHEN mv.movement_type IN ('receipt', 'production_in', "
        "'adjustment_in') THEN mv.qty ELSE -mv.qty END * coalesce(r.price, m.price)) AS stock, "
        "sum(CASE WHEN mv.day >= {start} AND mv.movement_type IN ('issue', 'shipment') "
        "THEN mv.qty * coalesce(r.price, m.price) END) AS outflow, "
        "@covered(CASE WHEN mv.day >= {start} THEN mv.day END) AS covered_days, "
        "count(*) AS n_inputs FROM v_inventory_movement mv "
        f"LEFT JOIN ({REF_PRICE}) r ON r.org = mv.org AND r.item = mv.item "
        f"LEFT JOIN ({MATERIAL_PRICE}) m ON m.org = mv.org AND m.item = mv.item "
        "WHERE mv.day <= {end} AND coalesce(r.price, m.price) IS NOT NULL GROUP BY mv.org) t",
    ),
]  # fmt: skip
