"""动产/仓储 movable assets and warehousing (financing table)."""

from __future__ import annotations

from chanrong.indicators.catalog._sql import NO_LABEL, flow
from chanrong.indicators.catalog.production import SIGNED_QTY
from chanrong.indicators.spec import STATE, Dimension, Direction, Indicator

D = Dimension.MOVABLE_ASSETS
HAIRCUT = 0.7  # the lendable share of the market value of pledgeable stock (a 30 % haircut)

# The latest published price of each price-index class on or before the day.
LATEST_PRICE = (
    "SELECT item_class, price FROM (SELECT item_class, price, row_number() OVER (PARTITION BY "
    "item_class ORDER BY event_time DESC) AS rn FROM v_price_index WHERE day <= {end}) p "
    "WHERE rn = 1"
)
# Daily log returns of each class's price in the window (the last price of each day).
RETURNS = (
    "SELECT item_class, day, ln(price / lag(price) OVER (PARTITION BY item_class ORDER BY day))"
    " AS r FROM (SELECT item_class, day, price, row_number() OVER (PARTITION BY item_class, day "
    "ORDER BY event_time DESC) AS rn FROM v_price_index WHERE day BETWEEN {start} AND {end}) d "
    "WHERE rn = 1"
)
VOLATILITY = (
    "SELECT item_class, 100 * stddev_samp(r) AS vol, count(r) AS n FROM (" + RETURNS + ") x "
    "GROUP BY item_class HAVING count(r) >= 2"
)


def _class_volatility(item_type: str, kind: str) -> str:
    """The average volatility of the price classes of the items the enterprise bought (materials,
    from purchase lines) or sold (products, from sales lines) in the window. Coverage counts
    the days with a price return; published prices are third-party data."""
    return (
        "SELECT c.org, avg(v.vol) AS value, " + NO_LABEL + ", max(v.n) AS covered_days, "
        "sum(c.lines) + sum(v.n) AS n_inputs, sum(v.n) AS n_third, 0 AS n_device FROM ("
        f"SELECT l.org, i.item_class, count(*) AS lines FROM v_{kind}_line l JOIN items i "
        f"ON i.org = l.org AND i.code = l.item AND i.item_type = '{item_type}' "
        "WHERE l.order_date BETWEEN {start} AND {end} GROUP BY l.org, i.item_class) c "
        f"JOIN ({VOLATILITY}) v ON v.item_class = c.item_class GROUP BY c.org"
    )


INDICATORS = [
    Indicator(
        "collateral_value", "质物价值", "Collateral value", D, "CNY", Direction.HIGHER,
        "Sum over items with a price-index class of stock on hand at the end of the day x the "
        f"class's latest price published on or before the day x {HAIRCUT} (a 30 % haircut).",
        ("inventory_movement", "price_index"),
        f"SELECT m.org, {HAIRCUT} * sum(m.q * p.price) AS value, " + NO_LABEL + ", "
        "1 AS covered_days, sum(m.n) AS n_inputs, 0 AS n_third, 0 AS n_device FROM ("
        f"SELECT org, item, sum({SIGNED_QTY}) AS q, count(*) AS n FROM v_inventory_movement "
        "WHERE day <= {end} GROUP BY org, item) m JOIN items i ON i.org = m.org "
        f"AND i.code = m.item JOIN ({LATEST_PRICE}) p ON p.item_class = i.item_class "
        "GROUP BY m.org",
        windows=(STATE,),
    ),
    Indicator(
        "collateral_volatility", "质物价值波动", "Collateral price volatility", D, "%",
        Direction.LOWER,
        "Standard deviation of the daily log returns (x 100) of the price index of each class "
        "the enterprise holds in stock at the end of the window, weighted by the stock's value "
        "at the class's latest price.",
        ("inventory_movement", "price_index"),
        "SELECT m.org, sum(m.q * p.price * v.vol) / NULLIF(sum(m.q * p.price), 0) AS value, "
        + NO_LABEL + ", max(v.n) AS covered_days, sum(m.n) + sum(v.n) AS n_inputs, "
        "sum(v.n) AS n_third, "
        "0 AS n_device FROM ("
        f"SELECT org, item, sum({SIGNED_QTY}) AS q, count(*) AS n FROM v_inventory_movement "
        "WHERE day <= {end} GROUP BY org, item HAVING sum(" + SIGNED_QTY + ") > 0) m "
        "JOIN items i ON i.org = m.org AND i.code = m.item "
        f"JOIN ({LATEST_PRICE}) p ON p.item_class = i.item_class "
        f"JOIN ({VOLATILITY}) v ON v.item_class = i.item_class GROUP BY m.org",
    ),
    Indicator(
        "warehouse_receipts", "入库凭证", "Warehouse receipts", D, "receipts", Direction.HIGHER,
        "Number of distinct receipt numbers (入库凭证) on inventory movements in the window.",
        ("inventory_movement",),
        flow("v_inventory_movement", "count(DISTINCT receipt_no)", "receipt_no IS NOT NULL"),
        zero_when_empty=True,
    ),
    Indicator(
        "upstream_price_volatility", "上游价格波动", "Upstream price volatility", D, "%",
        Direction.LOWER,
        "Average, over the price classes of the materials on the enterprise's purchase lines "
        "dated in the window, of the standard deviation of the class's daily log returns in "
        "the window, x 100.",
        ("purchase_order", "price_index"), _class_volatility("material", "purchase"),
    ),
    Indicator(
        "downstream_price_volatility", "下游价格波动", "Downstream price volatility", D, "%",
        Direction.LOWER,
        "Average, over the price classes of the products on the enterprise's sales lines dated "
        "in the window, of the standard deviation of the class's daily log returns in the "
        "window, x 100.",
        ("sales_order", "price_index"), _class_volatility("product", "sales"),
    ),
]  # fmt: skip
