"""交易结算 transactions and settlement (financing table)."""

from __future__ import annotations

from chanrong.indicators.catalog._sql import NO_LABEL, change, flow
from chanrong.indicators.spec import Dimension, Direction, Fact, Indicator

D = Dimension.TRANSACTIONS
E_INVOICE = "e_invoice"  # a verified tax e-invoice is third-party attested (他证)
# The sales orders with a shipment on or before the day: what invoices are matched against,
# the same for every window ending that day, so found once.
SHIPPED_ORDERS = Fact(
    "f_shipped_orders",
    "SELECT DISTINCT org, sales_order_no FROM v_delivery WHERE shipped_day <= {end}",
)
FACTS = (SHIPPED_ORDERS,)
SHIPPED = f"SELECT org, sales_order_no FROM {SHIPPED_ORDERS.name}"


def _invoices(direction: str) -> str:
    return (
        "SELECT org, counterparty, day, amount, e_invoice FROM v_invoice_issued "
        f"WHERE direction = '{direction}' AND day BETWEEN {{start}} AND {{end}}"
    )


def _concentration(direction: str, value: str) -> str:
    """Over counterparties' shares of the window's invoiced amount: `value` of `share` (0-1)."""
    inv = _invoices(direction)
    return (
        f"SELECT org, CAST({value} AS DOUBLE) AS value, {NO_LABEL}, max(covered) AS "
        "covered_days, sum(n) AS n_inputs, sum(n_third) AS n_third, 0 AS n_device FROM ("
        "SELECT c.org, c.amount / NULLIF(t.total, 0) AS share, c.n, c.n_third, t.covered FROM ("
        "SELECT org, counterparty, sum(amount) AS amount, count(*) AS n, "
        f"sum(CASE WHEN e_invoice THEN 1 ELSE 0 END) AS n_third FROM ({inv}) i "
        "GROUP BY org, counterparty) c JOIN (SELECT org, sum(amount) AS total, "
        f"@covered(day) AS covered FROM ({inv}) i GROUP BY org) t ON t.org = c.org) s "
        "GROUP BY org"
    )


def _invoice_flow(direction: str, value: str) -> str:
    return flow("v_invoice_issued", value, f"direction = '{direction}'", third=E_INVOICE)


INDICATORS = [
    Indicator(
        "sales_amount", "销售额", "Sales", D, "CNY", Direction.HIGHER,
        "Sum of the amount before tax of sales invoices issued in the window (issue_date).",
        ("invoice",), _invoice_flow("sales", "sum(amount)"), zero_when_empty=True,
        corroborated_by=("shipments_vs_invoices",),
    ),
    Indicator(
        "sales_change", "销售额变化", "Sales change", D, "%", Direction.HIGHER,
        "(sales_amount in the window / in the window before - 1) x 100.",
        ("invoice",),
        change("v_invoice_issued", "amount", "direction = 'sales'", E_INVOICE),
        corroborated_by=("shipments_vs_invoices",),
    ),
    Indicator(
        "customer_count", "客户数", "Customers", D, "customers", Direction.HIGHER,
        "Number of distinct counterparties of the sales invoices issued in the window.",
        ("invoice",), _invoice_flow("sales", "count(DISTINCT counterparty)"),
        zero_when_empty=True,
        corroborated_by=("shipments_vs_invoices",),
    ),
    Indicator(
        "customer_hhi", "客户集中度(HHI)", "Customer concentration (HHI)", D, "0-10000",
        Direction.LOWER,
        "Herfindahl-Hirschman index of the customers' shares of the window's sales invoice "
        "amount: sum of (share x 100)^2. 10,000 = a single customer.",
        ("invoice",), _concentration("sales", "sum(power(share * 100, 2))"),
        corroborated_by=("shipments_vs_invoices",),
    ),
    Indicator(
        "top_customer_share", "第一大客户占比", "Top customer share", D, "%", Direction.LOWER,
        "The largest customer's share of the window's sales invoice amount, x 100.",
        ("invoice",), _concentration("sales", "100 * max(share)"),
        corroborated_by=("shipments_vs_invoices",),
    ),
    Indicator(
        "purchase_amount", "采购额", "Purchases", D, "CNY", Direction.NEUTRAL,
        "Sum of the amount before tax of purchase invoices issued in the window.",
        ("invoice",), _invoice_flow("purchase", "sum(amount)"), zero_when_empty=True,
    ),
    Indicator(
        "supplier_count", "供应商数", "Suppliers", D, "suppliers", Direction.NEUTRAL,
        "Number of distinct counterparties of the purchase invoices issued in the window.",
        ("invoice",), _invoice_flow("purchase", "count(DISTINCT counterparty)"),
        zero_when_empty=True,
    ),
    Indicator(
        "supplier_hhi", "供应商集中度(HHI)", "Supplier concentration (HHI)", D, "0-10000",
        Direction.LOWER,
        "Herfindahl-Hirschman index of the suppliers' shares of the window's purchase invoice "
        "amount.",
        ("invoice",), _concentration("purchase", "sum(power(share * 100, 2))"),
    ),
    Indicator(
        "customer_retention", "客户留存率(12个月)", "12-month customer retention", D, "%",
        Direction.HIGHER,
        "Of the customers invoiced in the 365 days before the window (days -729 to -365 from "
        "its last day), the share also invoiced in the window, x 100.",
        ("invoice",),
        "SELECT c.org, 100 * sum(CASE WHEN now_n > 0 THEN 1 ELSE 0 END) / count(*) AS value, "
        + NO_LABEL + ", max(d.covered) AS covered_days, sum(n) AS n_inputs, "
        "sum(n_third) AS n_third, 0 AS n_device FROM ("
        "SELECT org, counterparty, sum(CASE WHEN day >= {start} THEN 1 ELSE 0 END) "
        "AS now_n, sum(CASE WHEN day <= {pend} THEN 1 ELSE 0 END) AS before_n, "
        "count(*) AS n, sum(CASE WHEN e_invoice THEN 1 ELSE 0 END) AS n_third "
        "FROM v_invoice_issued WHERE direction = 'sales' AND day BETWEEN {pstart} AND {end} "
        "GROUP BY org, counterparty) c JOIN (SELECT org, @covered(day) AS covered "
        "FROM v_invoice_issued WHERE direction = 'sales' AND day BETWEEN {start} AND {end} "
        "GROUP BY org) d ON d.org = c.org WHERE before_n > 0 GROUP BY c.org",
        windows=(365,),
    ),
    Indicator(
        "sales_monthly_cv", "月销售额变异系数", "Variation of monthly sales", D, "ratio",
        Direction.LOWER,
        "Coefficient of variation (sample standard deviation / mean) of sales invoice amounts "
        "in consecutive 30-day periods counted back from the window's last day (3 periods in "
        "90 days, 12 in 365: the first 5 days of a 365-day window are left out); periods "
        "without sales count as 0.",
        ("invoice",),
        "SELECT org, sqrt(greatest((s2 - s * s / {periods}) / ({periods} - 1), 0)) "
        "/ NULLIF(s / {periods}, 0) AS value, " + NO_LABEL + ", covered_days, n_inputs, "
        "n_third, 0 AS n_device FROM (SELECT org, sum(a) AS s, sum(a * a) AS s2, "
        "sum(covered) AS covered_days, sum(n) AS n_inputs, sum(n_third) AS n_third FROM ("
        "SELECT org, floor(@days(issue_date, {end}) / 30) AS p, sum(amount) AS a, "
        "@covered(issue_date) AS covered, count(*) AS n, "
        "sum(CASE WHEN e_invoice THEN 1 ELSE 0 END) AS n_third FROM v_invoice_issued "
        "WHERE direction = 'sales' AND issue_date BETWEEN {periods_start} AND {end} "
        "GROUP BY org, floor(@days(issue_date, {end}) / 30)) m GROUP BY org) t",
        windows=(90, 365),
        corroborated_by=("shipments_vs_invoices",),
    ),
    Indicator(
        "sales_gap_days", "最长无销售天数", "Longest gap without sales", D, "days",
        Direction.LOWER,
        "The longest run of consecutive days in the window without a sales invoice, counting "
        "the days before the first and after the last invoice of the window; the window starts "
        "no earlier than the enterprise's first sales invoice ever.",
        ("invoice",),
        "SELECT org, CAST(greatest(max(gap), max(@days(last_day, {end}))) AS DOUBLE) AS value, "
        + NO_LABEL + ", count(*) AS covered_days, sum(n) AS n_inputs, sum(n_third) AS n_third, "
        "0 AS n_device FROM (SELECT org, day, n, n_third, max(day) OVER (PARTITION BY org) AS "
        "last_day, coalesce(@days(lag(day) OVER (PARTITION BY org ORDER BY day), day) - 1, "
        "CASE WHEN first_day > {before_start} THEN @days(first_day, day) "
        "ELSE @days({before_start}, day) - 1 END) AS gap FROM (SELECT org, day, "
        "count(*) AS n, sum(CASE WHEN e_invoice THEN 1 ELSE 0 END) AS n_third, "
        "min(first_day) AS first_day FROM (SELECT org, day, e_invoice, min(day) OVER "
        "(PARTITION BY org) AS first_day FROM v_invoice_issued WHERE direction = 'sales' "
        "AND day <= {end}) i WHERE day >= {start} GROUP BY org, day) d) g GROUP BY org",
        corroborated_by=("shipments_vs_invoices",),
    ),
    Indicator(
        "collection_rate", "回款率", "Collection rate", D, "%", Direction.HIGHER,
        "Sales payments received in the window (value_date) / sales invoiced in the window "
        "(amount + tax), x 100.",
        ("invoice", "payment"),
        "SELECT org, 100 * sum(paid) / NULLIF(sum(billed), 0) AS value, CAST(NULL AS STRING) "
        "AS label, CASE WHEN sum(billed) IS NULL OR sum(billed) = 0 THEN 'nothing invoiced in "
        "the window' END AS reason, @covered(day) AS covered_days, count(*) AS n_inputs, "
        "sum(third) AS n_third, 0 AS n_device FROM ("
        "SELECT org, issue_date AS day, amount + tax_amount AS billed, CAST(NULL AS DOUBLE) AS "
        "paid, CASE WHEN e_invoice THEN 1 ELSE 0 END AS third FROM v_invoice_issued "
        "WHERE direction = 'sales' AND issue_date BETWEEN {start} AND {end} UNION ALL "
        "SELECT org, day, CAST(NULL AS DOUBLE), amount, CASE WHEN channel = "
        "'third_party' THEN 1 ELSE 0 END FROM v_payment_valued WHERE direction = 'sales' "
        "AND day BETWEEN {start} AND {end}) t GROUP BY org",
        corroborated_by=("invoices_vs_payments",),
    ),
    Indicator(
        "unshipped_invoice_share", "无发货销售发票占比", "Sales invoiced without shipment", D,
        "%", Direction.LOWER,
        "Share of the window's sales invoice amount whose sales order has no shipment on or "
        "before the window's last day (invoices naming no sales order count as unshipped), "
        "x 100: invoices without goods moving are the classic sign of a fabricated trade.",
        ("invoice", "shipment"),
        "SELECT i.org, 100 * sum(CASE WHEN s.sales_order_no IS NULL THEN i.amount ELSE 0 END) "
        "/ NULLIF(sum(i.amount), 0) AS value, " + NO_LABEL + ", @covered(i.issue_date) "
        "AS covered_days, count(*) AS n_inputs, sum(CASE WHEN i.e_invoice THEN 1 ELSE 0 END) "
        f"AS n_third, 0 AS n_device FROM v_invoice_issued i LEFT JOIN ({SHIPPED}) s "
        "ON s.org = i.org "
        "AND s.sales_order_no = i.sales_order_no WHERE i.direction = 'sales' "
        "AND i.issue_date BETWEEN {start} AND {end} GROUP BY i.org",
        corroborated_by=("shipments_vs_invoices",),
    ),
]  # fmt: skip
