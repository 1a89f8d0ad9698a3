"""Regional roll-up across parks (区域汇总): several instances' Parquet exports (`chanrong
export`), read as one by the Spark engine, which computes the indicator catalog for every firm
with the same definitions each park's DuckDB uses; then the firms' values are summed or averaged
per park, per industry (GB/T 4754 division) and for the region, and the digital levels counted
from the grades each instance exported. Aggregates only: no firm is named.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from chanrong.documents import sheets
from chanrong.indicators.spark import SparkEngine

# (column, indicator, window, how)
FIGURES = (
    ("output_value_90", "output_value", 90, "sum"),
    ("sales_amount_365", "sales_amount", 365, "sum"),
    ("energy_tce_90", "energy_tce", 90, "sum"),
    ("device_running_rate_30", "device_running_rate", 30, "median"),
    ("on_time_delivery_qty_90", "on_time_delivery_qty", 90, "median"),
)
_COLS = ", ".join(
    f"{how}(v.value) FILTER (WHERE v.indicator = '{i}' AND v.window_days = {w}) AS {col}"
    for col, i, w, how in FIGURES
)
# {key}: the grouping expression over organisations `o`
_GROUPED = f"""
WITH g AS (
    SELECT org, overall FROM grades WHERE as_of <= $day
    QUALIFY as_of = max(as_of) OVER (PARTITION BY org)
), lv AS (
    SELECT {{key}} AS key, count(*) FILTER (WHERE g.overall = 'optimized') AS optimized,
           count(*) FILTER (WHERE g.overall = 'standardized') AS standardized,
           count(*) FILTER (WHERE g.overall = 'entry') AS entry
    FROM organisations o LEFT JOIN g ON g.org = o.uscc WHERE o.org_kind = 'sme' GROUP BY ALL
), f AS (
    SELECT {{key}} AS key, count(DISTINCT o.uscc) AS firms,
           count(DISTINCT v.org) FILTER (WHERE v.value IS NOT NULL) AS firms_with_data, {_COLS}
    FROM organisations o LEFT JOIN v ON v.org = o.uscc WHERE o.org_kind = 'sme' GROUP BY ALL
)
SELECT f.*, lv.optimized, lv.standardized, lv.entry
FROM f LEFT JOIN lv ON lv.key IS NOT DISTINCT FROM f.key ORDER BY f.key
"""


def _grouped(key: str) -> str:
    return _GROUPED.replace("{key}", key)


def rollup(spark: Any, exports: list[Path], as_of: date) -> dict[str, Any]:
    engine = SparkEngine(spark, exports)
    values = engine.compute(as_of).values
    orgs = spark.sql("SELECT uscc, name, org_kind, park, industry_code, region_code "
                     "FROM organisations").toArrow()  # fmt: skip
    con = duckdb.connect()
    con.register("v", values)
    con.register("organisations", orgs)
    graded = [str(e / "grades") for e in exports if any((e / "grades").rglob("*.parquet"))]
    if graded:
        files = [f"{p}/*.parquet" for p in graded]
        con.execute(
            f"CREATE VIEW grades AS SELECT * FROM read_parquet({files}, union_by_name = true)"
        )
    else:
        con.execute("CREATE TABLE grades (org VARCHAR, as_of DATE, overall VARCHAR)")
    day = {"day": as_of}

    def rows(sql: str) -> list[dict[str, Any]]:
        cur = con.execute(sql, day)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    parks = rows(_grouped("o.park"))
    names = dict(
        con.execute("SELECT uscc, name FROM organisations WHERE org_kind = 'park'").fetchall()
    )
    for r in parks:
        r["park_name"] = names.get(r["key"], "(no park)" if r["key"] is None else r["key"])
    industries = rows(_grouped("left(o.industry_code, 3)"))
    region = rows(_grouped("'region'"))[0]
    for r in [*parks, *industries, region]:  # energy intensity of output (万元产值能耗)
        r["tce_per_10k_cny"] = (r["energy_tce_90"] / (r["output_value_90"] / 1e4)
                                if r["energy_tce_90"] and r["output_value_90"] else None)  # fmt: skip
    con.close()
    return {"as_of": as_of.isoformat(), "exports": [str(e) for e in exports], "parks": parks,
            "industries": industries, "region": region}  # fmt: skip


COLUMNS = (
    ("key", "园区/行业", "Park or industry"), ("park_name", "名称", "Name"),
    ("firms", "企业数", "Firms"), ("firms_with_data", "有数据", "With data"),
    ("output_value_90", "近90天产值(元)", "Output value, 90 days (CNY)"),
    ("sales_amount_365", "近一年销售额(元)", "Sales, 365 days (CNY)"),
    ("energy_tce_90", "近90天能耗(tce)", "Energy, 90 days (tce)"),
    ("tce_per_10k_cny", "万元产值能耗", "tce per 10,000 CNY"),
    ("device_running_rate_30", "设备运行率(%)", "Machines running (%)"),
    ("on_time_delivery_qty_90", "按时交货率(%)", "On time (%)"),
    ("optimized", "优化级", "Optimized"), ("standardized", "规范级", "Standardized"),
    ("entry", "入门级", "Entry"),
)  # fmt: skip


def workbook(result: dict[str, Any], lang: str = "zh") -> bytes:
    zh = lang == "zh"
    return sheets([
        ("园区" if zh else "Parks", COLUMNS, result["parks"]),
        ("行业" if zh else "Industries", COLUMNS, result["industries"]),
        ("区域合计" if zh else "Region", COLUMNS, [result["region"]]),
    ], lang)  # fmt: skip
