"""The DuckDB engine: every indicator of the catalog for a day, over the platform's own file.

All windows of all indicators run as one query (DuckDB plans the sub-queries together and
reads each table once per view use); the result is finished (coverage, credibility, reasons)
and kept in `indicator_values`, one row per enterprise, indicator, window and day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import duckdb
import pyarrow as pa

from chanrong.indicators.catalog import CATALOG
from chanrong.indicators.checks import CHECKS, Check
from chanrong.indicators.render import (
    ENTERPRISES_SQL,
    FIRMS,
    FIRMS_SCHEMA,
    RAW_SCHEMA,
    STREAMS_SCHEMA,
    Computed,
    finish,
    queries,
    sql_list,
    streams_sql,
)
from chanrong.indicators.spec import Indicator
from chanrong.indicators.views import views
from chanrong.store.db import Store

FEW_FIRMS = 8


def prepare(cur: duckdb.DuckDBPyConnection, only: str | None = None) -> None:
    """The canonical views on this cursor (temporary: they live as long as the cursor),
    limited to the enterprises of `only` when given."""
    for name, sql in views(only):
        cur.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, store: Store) -> None:
        self.store = store

    def compute(
        self,
        as_of: date,
        orgs: list[str] | None = None,
        indicators: Iterable[Indicator] = CATALOG,
        checks: Iterable[Check] = CHECKS,
    ) -> Computed:
        """Every indicator and check for every window ending on `as_of`, for `orgs` (default:
        every SME)."""
        chosen, tests = list(indicators), list(checks)
        cur = self.store.cursor()
        # A few named firms: limit the views at the source. Many: an IN list on every scanned
        # row costs more than reading every firm.
        named = orgs is not None and len(orgs) <= FEW_FIRMS
        orgs = [r[0] for r in cur.execute(ENTERPRISES_SQL).fetchall()] if orgs is None else orgs
        if not orgs:
            return finish(RAW_SCHEMA.empty_table(), chosen, tests, [], STREAMS_SCHEMA.empty_table())
        only = sql_list(orgs) if named else FIRMS
        prepare(cur, only if named else None)
        cur.register("firms", pa.table({"org": orgs}, FIRMS_SCHEMA))
        try:
            raw = cur.sql(
                " UNION ALL ".join(queries(chosen, as_of, self.name, only, tests))
            ).to_arrow_table()
            streams = cur.sql(streams_sql(as_of, only)).to_arrow_table()
        finally:
            cur.unregister("firms")
        return finish(raw, chosen, tests, orgs, streams)

    def save(self, computed: Computed, as_of: date, now: datetime) -> int:
        """Keep a day's values and check verdicts (replacing those computed for it before)."""
        with self.store.transaction() as cur:
            cur.register("computed", computed.values)
            cur.register("verdicts", computed.checks)
            try:
                cur.execute(
                    "INSERT OR REPLACE INTO indicator_values SELECT org, indicator, window_days, "
                    "?, value, label, reason, coverage, credibility, n_inputs, n_third, "
                    "n_device, ?, ? FROM computed",
                    [as_of, self.name, now],
                )
                cur.execute(
                    "INSERT OR REPLACE INTO indicator_checks SELECT org, check_id, window_days, "
                    "?, value, tolerance, status, reason, covered_days, n_inputs, n_third, "
                    "n_device, ? FROM verdicts",
                    [as_of, now],
                )
            finally:
                cur.unregister("computed")
                cur.unregister("verdicts")
        return computed.values.num_rows
