"""The DuckDB engine: every indicator of the catalog for a day, over the platform's own file.

All windows of all indicators run as one query (DuckDB plans the sub-queries together and
reads each table once per view use), the facts many of them read computed once within it; for
a few firms, each query once for all its windows. The result is finished (coverage,
credibility, reasons) and kept in `indicator_values`, one row per enterprise, indicator,
window and day.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from datetime import date, datetime

import duckdb
import pyarrow as pa

from chanrong.indicators.catalog import CATALOG, affected
from chanrong.indicators.checks import CHECKS, Check
from chanrong.indicators.render import (
    ENTERPRISES_SQL,
    FIRMS,
    FIRMS_SCHEMA,
    RAW_SCHEMA,
    STREAMS_SCHEMA,
    WINDOWS_TABLE,
    Computed,
    facts,
    finish,
    first_kinds,
    lateral,
    nothing,
    queries,
    sql_list,
    streams_sql,
    windows_sql,
)
from chanrong.indicators.spec import Indicator
from chanrong.indicators.views import COMPUTED, views
from chanrong.store.db import Store

FEW_FIRMS = 8
WORD = re.compile(r"\w+")


def prepare(
    cur: duckdb.DuckDBPyConnection,
    only: str | None = None,
    kinds: Iterable[str] = (),
    texts: Iterable[str] | None = None,
) -> None:
    """The canonical views on this cursor (temporary: they live as long as the cursor),
    limited to the enterprises of `only` when given; with `texts` (the queries to run), only
    the views they read, directly or through other views. Views read by many queries are kept
    as temporary tables for the run: with `only`, the records of `kinds` (copying a few firms'
    rows costs less than finding them again in the stored row group for every query); else the
    computed views the queries read."""
    defined = views(only)
    needed = {n for n, _ in defined}
    if texts is not None:
        words = set(WORD.findall(" ".join(texts)))
        needed = set()
        for name, sql in reversed(defined):  # a view is defined after those it reads
            if name in words:
                needed.add(name)
                words.update(WORD.findall(sql))
    copied = {f"v_{k}" for k in kinds} if only else {v for v in COMPUTED if v in needed}
    for name, sql in defined:
        if name in needed:
            what = "TABLE" if name in copied else "VIEW"
            cur.execute(f"CREATE OR REPLACE TEMP {what} {name} AS {sql}")


def _arrow(cur: duckdb.DuckDBPyConnection, sql: str, small: bool) -> pa.Table:
    """A query's rows as Arrow. For a few firms (a refresh after a batch), through the DB-API
    result: the relation API first scans the query's text for parameters in Python, tens of
    milliseconds on the catalog's long text, more than copying a few hundred result rows."""
    if not small:
        return cur.sql(sql).to_arrow_table()
    with warnings.catch_warnings():  # the extra copy it warns about is the cheaper part here
        warnings.filterwarnings("ignore", "Arrow output on a DB-API result", UserWarning)
        return cur.execute(sql).to_arrow_table()


# Kept values and verdicts as the raw rows of their queries: the days covered are the coverage
# times the window's length (exact: a window's covered days never exceed its length).
KEPT_SQL = """
SELECT indicator, CAST(window_days AS INTEGER) AS window_days, org, value, label, reason,
       CAST(round(coverage * greatest(window_days, 1)) AS BIGINT) AS covered_days,
       n_inputs, n_third, n_device
FROM indicator_values WHERE as_of = $day AND org IN (SELECT org FROM firms)
  AND list_contains($ids, indicator)
UNION ALL
SELECT check_id, CAST(window_days AS INTEGER), org, value, CAST(NULL AS VARCHAR), reason,
       covered_days, n_inputs, n_third, n_device
FROM indicator_checks WHERE as_of = $day AND org IN (SELECT org FROM firms)
  AND list_contains($ids, check_id)
"""


def _kept(
    cur: duckdb.DuckDBPyConnection, as_of: date, firms: int, parts: list[Indicator | Check]
) -> pa.Table | None:
    """The kept rows of `parts` for the day and the registered firms; None unless every firm
    has every window of every one."""
    rows = cur.sql(KEPT_SQL, params={"day": as_of, "ids": [p.id for p in parts]}).to_arrow_table()
    if rows.num_rows != firms * sum(len(p.windows) for p in parts):
        return None
    return rows.cast(RAW_SCHEMA)


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
        kept_indicators: Iterable[Indicator] = (),
        kept_checks: Iterable[Check] = (),
    ) -> Computed:
        """Every indicator and check for every window ending on `as_of`, for `orgs` (default:
        every SME). The kept ones are taken as kept for the day when every firm has them all
        (the credibility of indicators derived again from the verdicts), else computed."""
        chosen, tests = list(indicators), list(checks)
        k_ind, k_chk = list(kept_indicators), list(kept_checks)
        kept: list[Indicator | Check] = [*k_ind, *k_chk]
        every = (chosen + k_ind, tests + k_chk)  # what the result holds
        cur = self.store.cursor()
        try:
            named = None  # a few named firms: the views are limited at the source
            if orgs is None:
                orgs = [r[0] for r in cur.execute(ENTERPRISES_SQL).fetchall()]
            elif len(orgs) <= FEW_FIRMS:
                named = sql_list(orgs)
            if not orgs:
                return nothing(*every)
            cur.register("firms", pa.table({"org": orgs}, FIRMS_SCHEMA))
            again = _kept(cur, as_of, len(orgs), kept) if kept else None
            if again is None:  # nothing kept, or not for every firm: computed with the rest
                chosen, tests = every
                again = RAW_SCHEMA.empty_table()
            raw, streams = self._run(cur, as_of, chosen, tests, named)
            return finish(pa.concat_tables([raw, again]), *every, orgs, streams, cur)
        finally:
            cur.close()

    def after(self, as_of: date, orgs: list[str] | None, kinds: Iterable[str]) -> Computed:
        """What new records of `kinds` can change (`catalog.affected`), what they cannot
        change but credibility rests on taken as kept: the refresher's computation."""
        what = affected(kinds)
        return self.compute(as_of, orgs, what.indicators, what.checks, what.kept_indicators,
                            what.kept_checks)  # fmt: skip

    def _run(
        self,
        cur: duckdb.DuckDBPyConnection,
        as_of: date,
        chosen: list[Indicator],
        tests: list[Check],
        named: str | None,
    ) -> tuple[pa.Table, pa.Table]:
        """The raw rows of the queries, and the kinds the firms send. With `named` (a few
        firms, an SQL list), the views are limited to them at the source."""
        parts: list[Indicator | Check] = [*chosen, *tests]
        if not parts:
            return RAW_SCHEMA.empty_table(), STREAMS_SCHEMA.empty_table()
        only = named or FIRMS
        shared = facts(parts, as_of, self.name)
        firsts = first_kinds(chosen)
        streams_query = streams_sql(as_of, firsts) if firsts else None
        texts = [x.sql for x in parts] + [sql for _, sql in shared] + [streams_query or ""]
        prepare(cur, named, {k for x in parts for k in x.kinds}, texts)
        if named:
            for name, sql in shared:
                cur.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
            windows = {w for x in parts for w in x.windows}
            cur.execute(f"CREATE OR REPLACE TEMP TABLE {WINDOWS_TABLE} AS "
                        f"{windows_sql(as_of, windows)}")  # fmt: skip
            sql = " UNION ALL ".join(lateral(x, only) for x in parts)
            # Over a few firms' rows, planning is most of a query's time and the optimiser's
            # passes cost more than they save (a third of the run): the union runs unoptimised.
            cur.execute("SET enable_optimizer = false")
            try:
                raw = _arrow(cur, sql, small=True)
            finally:
                cur.execute("RESET enable_optimizer")
        else:
            sql = " UNION ALL ".join(queries(chosen, as_of, self.name, only, tests))
            # the facts as materialized CTEs of the one query, computed once: stored as temporary
            # tables first, the bench's subset took a fifth longer
            if shared:
                sql = (
                    "WITH " + ", ".join(f"{n} AS MATERIALIZED ({q})" for n, q in shared) + " " + sql
                )
            raw = _arrow(cur, sql, small=False)
        streams = (_arrow(cur, streams_query, small=named is not None) if streams_query
                   else STREAMS_SCHEMA.empty_table())  # fmt: skip
        return raw, streams

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
