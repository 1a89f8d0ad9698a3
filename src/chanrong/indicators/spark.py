"""The Spark engine: the same catalog over a Parquet export (`chanrong export`), for regional
and national scale. Needs the optional `spark` extra (PySpark) and a Java runtime.

The event and master tables of the export are registered under their own names, the session
runs in Beijing time, the canonical views are created from the same text as in DuckDB, and each
indicator's query is rendered in the Spark dialect (only the @days and @covered macros differ). The raw rows are then
finished exactly as the DuckDB engine's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from chanrong.indicators.catalog import CATALOG
from chanrong.indicators.checks import CHECKS, Check
from chanrong.indicators.render import (
    ENTERPRISES_SQL,
    FIRMS,
    RAW_SCHEMA,
    STREAMS_SCHEMA,
    Computed,
    facts,
    finish,
    first_kinds,
    nothing,
    queries,
    streams_sql,
)
from chanrong.indicators.spec import Indicator
from chanrong.indicators.views import views
from chanrong.model import EVENT_MODELS
from chanrong.model.spec import fields_of

MASTER_COLUMNS = {  # the master tables the catalog reads, with their Spark types
    "organisations": "uscc STRING, name STRING, org_kind STRING, industry_code STRING, "
    "region_code STRING, park STRING, registered_capital DECIMAL(18,2), established STRING",
    "devices": "org STRING, code STRING, name STRING, device_type STRING, rated_capacity DOUBLE,"
    " capacity_unit STRING, rated_power_kw DOUBLE, is_core BOOLEAN, line STRING",
    "items": "org STRING, code STRING, name STRING, item_type STRING, unit STRING, "
    "item_class STRING, identifier STRING",
}
SPARK_TYPES = {"VARCHAR": "STRING", "TIMESTAMPTZ": "TIMESTAMP"}


def session(app: str = "chanrong-indicators", cores: int = 2) -> Any:
    """A local Spark session in Beijing time (what tests and one-machine runs use)."""
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app)
        .config("spark.sql.session.timeZone", "Asia/Shanghai")
        .config("spark.sql.shuffle.partitions", "1")
        # Tens of small queries, each a few stages: re-planning at every stage costs more
        # than it saves on one machine; a cluster run can turn it back on.
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _event_schema(model: Any) -> str:
    cols = [(f.name, f.sql_type) for f in fields_of(model)]
    return ", ".join(f"{n} {SPARK_TYPES.get(t, t)}" for n, t in cols)


class SparkEngine:
    name = "spark"

    def __init__(self, spark: Any, export: Path | Sequence[Path], jobs: int = 6) -> None:
        """`export`: one instance's Parquet export, or several (a region's parks), read as one."""
        self.spark = spark
        self.jobs = jobs
        self.exports = (
            [Path(export)] if isinstance(export, (str, Path)) else [Path(e) for e in export]
        )
        self._register()

    def _register(self) -> None:
        for model in EVENT_MODELS:
            self._table(model.table, _event_schema(model))
        for table, schema in MASTER_COLUMNS.items():
            self._table(table, schema)
        for name, sql in views(dialect="spark"):
            self.spark.sql(sql).createOrReplaceTempView(name)

    def _table(self, table: str, schema: str) -> None:
        columns = [c.split()[0] for c in schema.split(", ")]
        parts = [self.spark.read.parquet(str(e / table)).selectExpr(*columns)
                 for e in self.exports if any((e / table).rglob("*.parquet"))]  # fmt: skip
        if not parts:  # an empty table exports no files
            df = self.spark.createDataFrame([], schema)
        else:
            df = parts[0]
            for more in parts[1:]:
                df = df.unionByName(more)
            if table in MASTER_COLUMNS and len(parts) > 1:
                df = df.dropDuplicates()  # an organisation registered on two instances
        # each table is read by many indicators: read the Parquet once
        df.cache().createOrReplaceTempView(table)

    def compute(
        self,
        as_of: date,
        orgs: list[str] | None = None,
        indicators: Iterable[Indicator] = CATALOG,
        checks: Iterable[Check] = CHECKS,
    ) -> Computed:
        chosen, tests = list(indicators), list(checks)
        if orgs is None:
            orgs = [r["uscc"] for r in self.spark.sql(ENTERPRISES_SQL).collect()]
        if not orgs:
            return nothing(chosen, tests)
        firms = self.spark.createDataFrame([(o,) for o in orgs], "org STRING")
        firms.createOrReplaceTempView("firms")
        shared = []
        for name, sql in facts([*chosen, *tests], as_of, self.name):
            fact = self.spark.sql(sql).cache()  # read by many queries: computed once
            fact.createOrReplaceTempView(name)
            shared.append(fact)
        parts = queries(chosen, as_of, self.name, FIRMS, tests)
        # One job per indicator and window, several in flight: Spark's cost here is latency
        # (scheduling each stage), which concurrent jobs overlap.
        with ThreadPoolExecutor(self.jobs) as pool:
            raw = pa.concat_tables(
                pool.map(lambda q: self.spark.sql(q).toArrow().cast(RAW_SCHEMA), parts)
            )
        firsts = first_kinds(chosen)
        streams = (self.spark.sql(streams_sql(as_of, firsts)).toArrow().cast(STREAMS_SCHEMA)
                   if firsts else STREAMS_SCHEMA.empty_table())  # fmt: skip
        for fact in shared:
            fact.unpersist()
        return finish(raw, chosen, tests, orgs, streams)
