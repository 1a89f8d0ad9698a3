"""Turning a catalog query into the SQL of one engine for one window, and finishing raw results
into values with coverage, credibility and a reason for every missing one (shared by both
engines: the finishing runs in DuckDB over Arrow, whichever engine computed the raw rows)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pyarrow as pa

from chanrong.indicators.catalog import FACTS
from chanrong.indicators.checks import CHECKS, Check
from chanrong.indicators.spec import STATE, WIDEST, Credibility, Fact, Indicator
from chanrong.model.master import OrgKind

# The only functions the two dialects spell differently, as macros in the catalog's SQL:
#   @days(a, b)   whole days from a to b
#   @covered(d)   how many distinct days d takes (NULLs not counted), every d within the window
#                 and the one before it ({pstart}..{end}). DuckDB counts them in a bitmap, five
#                 times faster than a DISTINCT aggregate; a day outside raises an error.
SPELLINGS = {
    "duckdb": {
        "days": "date_diff('day', {0}, {1})",
        "covered": "coalesce(bit_count(bitstring_agg(date_diff('day', {pstart}, {0}), 0, {span})),"
        " 0)",
    },
    "spark": {"days": "datediff({1}, {0})", "covered": "count(DISTINCT {0})"},
}
ARITY = {"days": 2, "covered": 1}
TERMS_DAYS = 60
THIRD_PARTY_SHARE = 0.5  # at least half of the inputs attested by outside parties: 他证
# The rows the queries give, whichever engine ran them; and which kinds each firm sends.
RAW_SCHEMA = pa.schema([
    ("indicator", pa.string()), ("window_days", pa.int32()), ("org", pa.string()),
    ("value", pa.float64()), ("label", pa.string()), ("reason", pa.string()),
    ("covered_days", pa.int64()), ("n_inputs", pa.int64()), ("n_third", pa.int64()),
    ("n_device", pa.int64()),
])  # fmt: skip
STREAMS_SCHEMA = pa.schema([("org", pa.string()), ("kind", pa.string())])
ENTERPRISES_SQL = (
    f"SELECT uscc FROM organisations WHERE org_kind = '{OrgKind.SME.value}' ORDER BY uscc"
)


# The firms being computed, as a relation each engine registers: a semi-join against it costs
# far less than an IN list of thousands of literals tested on every scanned row.
FIRMS = "(SELECT org FROM firms)"
FIRMS_SCHEMA = pa.schema([("org", pa.string())])


def sql_list(values: Iterable[str]) -> str:
    """('a', 'b'): quoted SQL literals for an IN list."""
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def streams_sql(as_of: date, kinds: Iterable[str]) -> str:
    """Which of `kinds` each enterprise has sent up to the day. Not limited to the firms being
    computed: finish() keeps theirs, the views are limited at the source for a few named firms,
    and grouping every firm's rows costs a third of testing each row against the firms."""
    return " UNION ALL ".join(
        f"SELECT org, '{kind}' AS kind FROM v_{kind} GROUP BY org "
        f"HAVING min(day) <= DATE '{as_of.isoformat()}'"
        for kind in kinds
    )


def bounds(as_of: date, days: int) -> dict[str, date | int]:
    """The days a window covers, and those the queries compare it with."""
    n = days or 1
    start = as_of - timedelta(days=n - 1)
    periods = max(n // 30, 1)
    return {
        "start": start,
        "end": as_of,
        "pend": start - timedelta(days=1),
        "pstart": start - timedelta(days=n),
        "ystart": as_of - timedelta(days=364),
        "before_start": start - timedelta(days=1),
        "periods_start": as_of - timedelta(days=periods * 30 - 1),
        "periods": periods,
        "days": n,
        # the window moved back by usual payment terms (60 days): invoices that should be paid
        "terms_start": start - timedelta(days=TERMS_DAYS),
        "terms_end": as_of - timedelta(days=TERMS_DAYS),
    }


BOUND_NAMES = tuple(bounds(date(2000, 1, 1), 30))


def render(ind: Indicator | Check | Fact, as_of: date, days: int, dialect: str) -> str:
    values = {
        k: (f"DATE '{v.isoformat()}'" if isinstance(v, date) else str(v))
        for k, v in bounds(as_of, days).items()
    }
    if dialect not in SPELLINGS:
        raise ValueError(f"unknown dialect {dialect}")
    sql = ind.sql.format(**values)
    for macro, spelling in SPELLINGS[dialect].items():
        bound = spelling.replace("{pstart}", values["pstart"])
        sql = spell(sql, macro, bound.replace("{span}", str(2 * (days or 1) - 1)))
    return sql


def spell(sql: str, macro: str, spelling: str) -> str:
    """Replace each @macro(...) (arguments may nest parentheses) with the engine's spelling,
    the arguments in place of {0}, {1}."""
    head = f"@{macro}("
    while (at := sql.find(head)) >= 0:
        depth, args, begin = 0, [], at + len(head)
        for i in range(begin, len(sql)):
            c = sql[i]
            if c == "(":
                depth += 1
            elif c == ")" and depth:
                depth -= 1
            elif c in ",)" and not depth:
                args.append(sql[begin:i].strip())
                begin = i + 1
                if c == ")":
                    break
        else:
            raise ValueError(f"unbalanced {head} in: {sql[at : at + 80]}")
        if len(args) != ARITY[macro]:
            raise ValueError(f"@{macro} takes {ARITY[macro]} argument(s): {sql[at:begin]}")
        out = spelling
        for k, arg in enumerate(args):
            out = out.replace("{" + str(k) + "}", arg)
        sql = sql[:at] + out + sql[begin:]
    return sql


def facts(chosen: Iterable[Indicator | Check], as_of: date, dialect: str) -> list[tuple[str, str]]:
    """(name, SELECT) of the facts the chosen queries read, and of those these read, in the
    order to create them, rendered for the widest window ending on `as_of`."""
    texts = [x.sql for x in chosen]
    needed: list[Fact] = []
    for fact in reversed(FACTS):
        if any(fact.name in t for t in texts):
            needed.insert(0, fact)
            texts.append(fact.sql)
    return [(f.name, render(f, as_of, WIDEST, dialect)) for f in needed]


COLUMNS = (
    "q.org, CAST(q.value AS DOUBLE) AS value, CAST(q.label AS STRING) AS label, "
    "CAST(q.reason AS STRING) AS reason, CAST(q.covered_days AS BIGINT) AS covered_days, "
    "CAST(q.n_inputs AS BIGINT) AS n_inputs, CAST(q.n_third AS BIGINT) AS n_third, "
    "CAST(q.n_device AS BIGINT) AS n_device"
)


def tagged(ind: Indicator | Check, as_of: date, days: int, dialect: str) -> str:
    """The query with the indicator, window and day on every row."""
    return (
        f"SELECT '{ind.id}' AS indicator, {days} AS window_days, {COLUMNS} "
        f"FROM ({render(ind, as_of, days, dialect)}) q"
    )


# A few firms on DuckDB: each query runs once for all its windows, joined laterally to a
# relation of the windows' bounds (`WINDOWS_TABLE`), instead of once per window. Over a few
# firms' rows a query's cost is its fixed overhead, so this halves the time; over many firms
# the per-window queries plan better. @covered counts with DISTINCT here (its bitmap needs
# constant bounds).
WINDOWS_TABLE = "w_bounds"


def windows_sql(as_of: date, windows: Iterable[int]) -> str:
    """The bounds of each window ending on `as_of`, one row per window."""
    names = ["window_days", *BOUND_NAMES]
    rows = []
    for w in sorted(set(windows)):
        b = bounds(as_of, w)
        rows.append("(" + ", ".join([str(w), *(
            f"DATE '{v.isoformat()}'" if isinstance(v, date) else str(v) for v in b.values())])
            + ")")  # fmt: skip
    columns = ", ".join(f'"{n}"' for n in names)
    return f"SELECT * FROM (VALUES {', '.join(rows)}) t({columns})"


def lateral(ind: Indicator | Check, only: str) -> str:
    sql = ind.sql.format(**{k: f'w."{k}"' for k in BOUND_NAMES})
    sql = spell(sql, "days", SPELLINGS["duckdb"]["days"])
    sql = spell(sql, "covered", SPELLINGS["spark"]["covered"])
    windows = ", ".join(str(w) for w in ind.windows)
    return (
        f"SELECT '{ind.id}' AS indicator, CAST(w.window_days AS INTEGER) AS window_days, "
        f"{COLUMNS} FROM {WINDOWS_TABLE} w, LATERAL ({sql}) q "
        f"WHERE w.window_days IN ({windows}) AND q.org IN {only}"
    )


def grid(indicators: Iterable[Indicator]) -> pa.Table:
    rows = [
        (i.id, w, w or 1, i.kinds[0] if i.kinds else None, i.zero_when_empty,
         ", ".join(i.kinds))
        for i in indicators for w in i.windows
    ]  # fmt: skip
    names = ["indicator", "window_days", "length", "first_kind", "zero_when_empty", "kinds"]
    return pa.table({n: [r[k] for r in rows] for k, n in enumerate(names)})


@dataclass(frozen=True)
class Computed:
    values: pa.Table  # one row per enterprise, indicator and window
    checks: pa.Table  # one row per enterprise, check and window: measure and verdict


def queries(
    indicators: Iterable[Indicator],
    as_of: date,
    dialect: str,
    only: str,
    checks: Iterable[Check] = CHECKS,
) -> list[str]:
    """Every indicator's and check's query for the windows ending on `as_of`."""
    chosen: list[Indicator | Check] = [*indicators, *checks]
    return [
        f"SELECT * FROM ({tagged(i, as_of, w, dialect)}) t WHERE org IN {only}"
        for i in chosen
        for w in i.windows
    ]


def first_kinds(indicators: Iterable[Indicator]) -> list[str]:
    """The kinds finish() looks up in the streams: each indicator's first."""
    return sorted({i.kinds[0] for i in indicators if i.kinds})


def nothing(indicators: Iterable[Indicator], checks: Iterable[Check]) -> Computed:
    """The result for no firms at all."""
    return finish(RAW_SCHEMA.empty_table(), indicators, checks, [], STREAMS_SCHEMA.empty_table())


def finish(
    raw: pa.Table,
    indicators: Iterable[Indicator],
    checks: Iterable[Check],
    orgs: list[str],
    streams: pa.Table,
    con: duckdb.DuckDBPyConnection | None = None,
) -> Computed:
    """One row per enterprise, indicator and window: the raw value where the query gave one;
    0 for a sum or count over a window without records of a kind the enterprise sends; else
    NULL with the reason. Coverage is the share of the window's days with inputs (1 for a
    point-in-time value). Credibility: 他证 when at least half of the inputs are third-party
    attested, else 互证 when a check that corroborates the indicator passed for the enterprise
    over the same window (30 days for a point-in-time value), else 自证; only the checks
    computed with the values count. Runs on `con` (a cursor whose temporary names it may
    take), else on a connection of its own."""
    chosen, tests = list(indicators), list(checks)
    own = con is None
    con = duckdb.connect() if con is None else con
    con.register("raw", raw)
    con.register("g", grid(chosen))
    con.register("o", pa.table({"org": pa.array(orgs, pa.string())}))
    con.register("streams", streams)
    windows = [(c, w) for c in tests for w in c.windows]
    con.register("c", pa.table({
        "check_id": pa.array([c.id for c, _ in windows], pa.string()),
        "window_days": pa.array([w for _, w in windows], pa.int32()),
        "low": pa.array([c.low for c, _ in windows], pa.float64()),
        "high": pa.array([c.high for c, _ in windows], pa.float64()),
        "tolerance": pa.array([c.tolerance for c, _ in windows], pa.string()),
    }))  # fmt: skip
    links = [
        (i.id, w, cid, w or 30) for i in chosen for w in i.windows for cid in i.corroborated_by
    ]
    con.register("links", pa.table({
        "indicator": pa.array([x[0] for x in links], pa.string()),
        "window_days": pa.array([x[1] for x in links], pa.int32()),
        "check_id": pa.array([x[2] for x in links], pa.string()),
        "check_window": pa.array([x[3] for x in links], pa.int32()),
    }))  # fmt: skip
    verdicts = con.sql(
        """
        SELECT o.org, c.check_id, c.window_days, r.value, c.tolerance,
          CASE WHEN r.value IS NULL THEN 'no_verdict'
               WHEN r.value BETWEEN c.low AND c.high THEN 'pass' ELSE 'fail' END AS status,
          coalesce(r.reason, CASE WHEN r.org IS NULL THEN 'a source is missing in the window'
                                  END) AS reason,
          coalesce(r.covered_days, 0) AS covered_days, coalesce(r.n_inputs, 0) AS n_inputs,
          coalesce(r.n_third, 0) AS n_third, coalesce(r.n_device, 0) AS n_device
        FROM o CROSS JOIN c
        LEFT JOIN raw r ON r.org = o.org AND r.indicator = c.check_id
                       AND r.window_days = c.window_days
        ORDER BY o.org, c.check_id, c.window_days
        """
    ).to_arrow_table()
    con.register("verdicts", verdicts)
    values = con.sql(
        f"""
        SELECT o.org, g.indicator, g.window_days,
          CASE WHEN r.org IS NOT NULL THEN r.value
               WHEN g.zero_when_empty AND s.org IS NOT NULL THEN 0.0 END AS value,
          r.label,
          CASE WHEN r.org IS NOT NULL THEN
                 CASE WHEN r.value IS NULL THEN coalesce(r.reason, 'no value from the data') END
               WHEN g.first_kind IS NULL THEN 'not in the registration data'
               WHEN s.org IS NULL THEN 'no ' || g.kinds || ' data from this enterprise'
               WHEN NOT g.zero_when_empty THEN 'no ' || g.kinds || ' records in the window'
          END AS reason,
          CASE WHEN r.value IS NULL AND NOT (r.org IS NULL AND g.zero_when_empty
                                              AND s.org IS NOT NULL) THEN 0.0
               WHEN g.window_days = {STATE} THEN 1.0
               ELSE least(coalesce(r.covered_days, 0) / g.length, 1.0) END AS coverage,
          CASE WHEN coalesce(r.n_inputs, 0) > 0
                    AND r.n_third >= {THIRD_PARTY_SHARE} * r.n_inputs
               THEN '{Credibility.THIRD_PARTY.value}'
               WHEN r.value IS NOT NULL AND EXISTS (
                    SELECT 1 FROM links l JOIN verdicts v ON v.check_id = l.check_id
                      AND v.window_days = l.check_window
                    WHERE l.indicator = g.indicator AND l.window_days = g.window_days
                      AND v.org = o.org AND v.status = 'pass')
               THEN '{Credibility.CORROBORATED.value}'
               ELSE '{Credibility.SELF.value}' END AS credibility,
          coalesce(r.n_inputs, 0) AS n_inputs, coalesce(r.n_third, 0) AS n_third,
          coalesce(r.n_device, 0) AS n_device
        FROM o CROSS JOIN g
        LEFT JOIN raw r ON r.org = o.org AND r.indicator = g.indicator
                       AND r.window_days = g.window_days
        LEFT JOIN streams s ON s.org = o.org AND s.kind = g.first_kind
        ORDER BY o.org, g.indicator, g.window_days
        """
    ).to_arrow_table()
    if own:
        con.close()
    return Computed(values, verdicts)
