"""The indicator engine at scale: daily facts of N firms x 365 days, three sizes.

For each size, on the generated file reopened: the whole catalog (every indicator, window and
check) on DuckDB for the last day; a subset of indicators both on DuckDB and in a
straightforward pandas implementation of the same definitions (order lines as they stand, then
group by firm per window, then the engine's finishing: zeros, coverage, credibility), best of
3 each, pandas timed over frames already in memory and with its load, the results compared
row by row; and one firm recomputed alone: the whole catalog, and what the refresher
recomputes after an ingest batch of one kind (saved too), the firm's day kept before. Knobs:
BENCH_IND_FIRMS (default 1000,3000,10000), BENCH_IND_DAYS (365).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from chanrong.indicators.catalog import BY_ID, affected
from chanrong.indicators.engine import DuckDBEngine
from chanrong.indicators.render import ENTERPRISES_SQL, THIRD_PARTY_SHARE
from chanrong.store.db import Store

END = date(2026, 3, 31)
SUBSET = ("output_qty", "output_value", "energy_tce", "sales_amount", "customer_count",
          "customer_hhi", "final_pass_rate", "energy_output_correlation")  # fmt: skip
# the kinds of a batch after which one firm is recomputed (a gateway's, an ERP's, a carrier's)
AFTER_BATCH = ("telemetry", "energy", "production_report", "quality_inspection", "shipment",
               "invoice", "sales_order")  # fmt: skip
META = "'bench' AS submitter, 1 AS batch_id, TIMESTAMPTZ '2026-04-01 00:00:00+08' AS received_at"


def generate(store: Store, firms: int, days: int) -> int:
    """Daily facts of `firms` firms over `days` days ending END, straight into the tables: a
    production report, an energy reading, a sales order line (one in 20 re-sent later), its
    shipment (shipped, delivered), its invoice, a final inspection and a machine snapshot per
    firm and day."""
    first = END - timedelta(days=days - 1)
    grid = (
        f"SELECT f, d, 'F' || lpad(CAST(f AS VARCHAR), 17, '0') AS org, "
        f"DATE '{first.isoformat()}' + CAST(d AS INTEGER) AS day, "
        "100 + hash(f, d) % 50 AS q FROM range("
        + str(firms)
        + ") a(f), range("
        + str(days)
        + ") b(d)"
    )
    at = "CAST(day AS TIMESTAMP) + INTERVAL 10 HOUR"
    # each table stored as the platform stores events: by enterprise, then day
    statements = [
        "INSERT INTO organisations (uscc, name, org_kind, updated_at) SELECT 'F' || "
        f"lpad(CAST(range AS VARCHAR), 17, '0'), 'firm ' || range, 'sme', now() "
        f"FROM range({firms})",
        f"INSERT INTO ev_production_report BY NAME SELECT 'PR-' || d AS id, 'mes' AS source, org, "
        f"{at} AS event_time, CASE WHEN f % 3 = 0 THEN 'manual' ELSE 'device' END AS channel, "
        "'WO-' || d AS work_order_no, 'P-1' AS item, q AS good_qty, 2 AS scrap_qty, "
        f"1 AS rework_qty, 'pcs' AS unit, {META} FROM g ORDER BY org, day",
        f"INSERT INTO ev_energy BY NAME SELECT 'E-' || d AS id, 'meter' AS source, org, "
        f"{at} AS event_time, 'device' AS channel, 'EM-1' AS meter, 'electricity' AS "
        f"energy_type, q * 3 + hash(d, f) % 40 AS value, 'kWh' AS unit, {META} FROM g ORDER BY org, day",
        f"INSERT INTO ev_sales_order BY NAME SELECT 'SO-' || d AS id, 'erp' AS source, org, "
        f"{at} - INTERVAL 10 DAY AS event_time, 'system' AS channel, 'SO-' || d AS order_no, "
        "'C' || ((f * 7 + d) % 5) AS counterparty, 'P-1' AS item, q AS qty, 'pcs' AS unit, "
        "50 AS unit_price, q * 50 AS amount, day - 10 AS order_date, day AS due_date, 1 AS line_no, "
        "'open' AS status, "
        f"{META} FROM g ORDER BY org, day",
        # one order line in 20 is re-sent two days later: 1 in 40 at a new price, 1 in 40
        # cancelled (an order line stands as its latest version; cancelled lines set no price)
        f"INSERT INTO ev_sales_order BY NAME SELECT 'SO-' || d || '-2' AS id, 'erp' AS source, "
        f"org, {at} - INTERVAL 8 DAY AS event_time, 'system' AS channel, 'SO-' || d AS "
        "order_no, 'C' || ((f * 7 + d) % 5) AS counterparty, 'P-1' AS item, q AS qty, 'pcs' AS "
        "unit, 50 + hash(f, d, 1) % 7 AS unit_price, q * (50 + hash(f, d, 1) % 7) AS amount, "
        "day - 10 AS order_date, day AS due_date, 1 AS line_no, CASE WHEN hash(f, d, 2) % 2 = 0 "
        f"THEN 'open' ELSE 'cancelled' END AS status, {META} FROM g WHERE hash(f, d, 3) % 20 = 0 "
        "ORDER BY org, day",
        f"INSERT INTO ev_shipment BY NAME SELECT 'SH-' || d || '-' || s AS id, 'tms' AS source, "
        f"org, {at} + INTERVAL (s * 20) HOUR AS event_time, CASE WHEN s = 0 THEN 'system' "
        "ELSE 'third_party' END AS channel, 'SH-' || d AS shipment_no, CASE WHEN s = 0 THEN "
        "'shipped' ELSE 'delivered' END AS status, 'C' || ((f * 7 + d) % 5) AS consignee, "
        "'SO-' || d AS sales_order_no, q AS qty, 'pcs' AS unit, q * 0.75 AS freight, "
        f"{META} FROM g, range(2) r(s) ORDER BY org, day, s",
        f"INSERT INTO ev_invoice BY NAME SELECT 'INV-' || d AS id, 'tax' AS source, org, "
        f"{at} AS event_time, 'system' AS channel, 'INV-' || d AS invoice_no, 'sales' AS "
        "direction, 'C' || ((f * 7 + d) % 5) AS counterparty, q * 50 AS amount, q * 6.5 AS "
        "tax_amount, day AS issue_date, 'SO-' || d AS sales_order_no, d % 2 = 0 AS e_invoice, "
        f"{META} FROM g ORDER BY org, day",
        f"INSERT INTO ev_quality_inspection BY NAME SELECT 'QI-' || d AS id, 'qms' AS source, "
        f"org, {at} AS event_time, 'system' AS channel, 'final' AS stage, 'P-1' AS item, "
        f"q AS inspected_qty, q - hash(d) % 2 AS passed_qty, 'pcs' AS unit, {META} FROM g ORDER BY org, day",
        f"INSERT INTO ev_telemetry BY NAME SELECT 'T-' || d AS id, 'gw' AS source, org, "
        f"{at} AS event_time, 'device' AS channel, 'M-1' AS device, CASE WHEN hash(f, d) % 5 = 0 "
        f"THEN 'idle' ELSE 'running' END AS run_state, d * 120 AS counter, {META} FROM g ORDER BY org, day",
    ]
    rows = 0
    with store.transaction() as cur:
        cur.execute(f"CREATE OR REPLACE TEMP TABLE g AS {grid}")
        for sql in statements:
            row = cur.execute(sql).fetchone()
            rows += int(row[0]) if row else 0
        cur.execute("DROP TABLE g")
    return rows


FIELDS = ("value", "coverage", "n_inputs", "n_third", "n_device", "credibility")


def pandas_subset(store: Store) -> tuple[dict[tuple[str, str, int], tuple[Any, ...]], float, float]:
    """The subset, written the straightforward way in pandas to the engine's definitions: order
    lines as they stand (the latest version of each, cancelled ones setting no price), each
    window filtered, grouped by firm (and customer), then finished as the engine finishes: a
    row for every firm, indicator and window; 0 for a sum or count over a window without
    records of a kind the firm sends, else no value; coverage; 他证 when at least half of the
    inputs are third-party attested. Returns ({(org, indicator, window): FIELDS}, seconds,
    load seconds): the timing starts after the load, timed apart (the DuckDB side reads its
    file within its time)."""
    import pandas as pd

    loading = time.perf_counter()
    cur = store.cursor()
    firms = pd.Index(cur.sql(ENTERPRISES_SQL).df()["uscc"], name="org")
    pr = cur.sql("SELECT org, CAST(event_time AS DATE) AS day, good_qty, item, channel "
                 "FROM ev_production_report").df()  # fmt: skip
    en = cur.sql("SELECT org, CAST(event_time AS DATE) AS day, value, energy_type, unit, "
                 "channel FROM ev_energy").df()  # fmt: skip
    inv = cur.sql("SELECT org, issue_date AS day, CAST(amount AS DOUBLE) AS amount, "
                  "counterparty, direction, e_invoice, channel FROM ev_invoice").df()  # fmt: skip
    qi = cur.sql("SELECT org, CAST(event_time AS DATE) AS day, stage, inspected_qty, passed_qty,"
                 " channel FROM ev_quality_inspection").df()  # fmt: skip
    so = cur.sql("SELECT org, order_no, line_no, id, event_time, status, item, unit_price, "
                 "order_date FROM ev_sales_order").df()  # fmt: skip
    started = time.perf_counter()
    load = started - loading
    end = pd.Timestamp(END)
    for df in (pr, en, inv, qi):
        df["day"] = pd.to_datetime(df["day"])
        df["third"] = df["channel"] == "third_party"
        df["device"] = df["channel"] == "device"
    inv["third"] = inv["e_invoice"]
    # which firms send each kind a zero may stand for, found once
    by_kind = {"production_report": pr, "energy": en, "invoice": inv, "quality_inspection": qi}
    zero_kinds = {BY_ID[i].kinds[0] for i in SUBSET if BY_ID[i].zero_when_empty}
    sends = {k: firms.isin(by_kind[k].loc[by_kind[k]["day"] <= end, "org"].unique())
             for k in zero_kinds}  # fmt: skip
    # order lines as they stand now, and each item's average price over the year's lines
    so = so.sort_values(["event_time", "id"]).drop_duplicates(["org", "order_no", "line_no"],
                                                              keep="last")  # fmt: skip
    so["order_date"] = pd.to_datetime(so["order_date"])
    year = so[(so.status != "cancelled") & (so.order_date >= end - pd.Timedelta(days=364))
              & (so.order_date <= end)]  # fmt: skip
    price = year.groupby(["org", "item"])["unit_price"].mean().rename("price").reset_index()

    finished: list[tuple[str, int, Any]] = []

    def keep(name: str, w: int, frame: Any) -> None:
        ind = BY_ID[name]
        f = frame.reindex(firms)
        missing = f["n_inputs"].isna()
        value = f["value"]
        if ind.zero_when_empty:
            value = value.mask(missing & sends[ind.kinds[0]], 0.0)
        counts = f[["n_inputs", "n_third", "n_device"]].fillna(0)
        coverage = (f["covered_days"].fillna(0) / w).clip(upper=1.0).where(value.notna(), 0.0)
        third = (counts.n_inputs > 0) & (counts.n_third >= THIRD_PARTY_SHARE * counts.n_inputs)
        credibility = np.where(third, "third_party", "self")
        finished.append((name, w, counts.assign(value=value, coverage=coverage,
                                                credibility=credibility)[list(FIELDS)]))  # fmt: skip

    def tally(g: Any, value: Any) -> Any:
        return g.agg(covered_days=("day", "nunique"), n_inputs=("day", "size"),
                     n_third=("third", "sum"), n_device=("device", "sum")).assign(value=value)  # fmt: skip

    for w in (30, 90, 365):
        lo = pd.Timestamp(END - timedelta(days=w - 1))

        def window(df: Any, lo: Any = lo) -> Any:
            return df[(df["day"] >= lo) & (df["day"] <= end)]

        p = window(pr)
        keep("output_qty", w, tally(p.groupby("org"), p.groupby("org")["good_qty"].sum()))
        e = window(en)
        e = e[(e.energy_type == "electricity") & (e.unit == "kWh")].assign(
            kgce=lambda d: d["value"] * 0.1229)  # fmt: skip
        keep("energy_tce", w, tally(e.groupby("org"), e.groupby("org")["kgce"].sum() / 1000))
        s = window(inv)
        s = s[s.direction == "sales"]
        by = s.groupby("org")
        keep("sales_amount", w, tally(by, by["amount"].sum()))
        keep("customer_count", w, tally(by, by["counterparty"].nunique()))
        shares = s.groupby(["org", "counterparty"])["amount"].sum() / by["amount"].sum()
        hhi = ((shares * 100) ** 2).groupby(level="org").sum()
        keep("customer_hhi", w, tally(by, hhi).assign(n_device=0))
        q = window(qi)
        q = q[q.stage == "final"]
        byq = q.groupby("org")
        keep("final_pass_rate", w,
             tally(byq, 100 * byq["passed_qty"].sum() / byq["inspected_qty"].sum()))  # fmt: skip
        # output value (good qty x the item's reference price), and daily energy against it
        pv = p.merge(price, on=["org", "item"]).assign(value=lambda d: d.good_qty * d.price)
        byv = pv.groupby("org")
        keep("output_value", w, tally(byv, byv["value"].sum()).assign(n_third=0))
        daily_v = pv.groupby(["org", "day"]).agg(v=("value", "sum"), vn=("value", "size"),
                                                 vd=("device", "sum")).reset_index()  # fmt: skip
        daily_e = e.groupby(["org", "day"]).agg(e=("kgce", "sum"), en=("kgce", "size"),
                                                et=("third", "sum"), ed=("device", "sum"))  # fmt: skip
        both = daily_e.reset_index().merge(daily_v, on=["org", "day"])
        both = both.assign(n=both.en + both.vn, d=both.ed + both.vd)
        byb = both.groupby("org")
        corr = byb[["e", "v"]].corr().xs("e", level=1)["v"]
        sums = byb.agg(covered_days=("day", "size"), n_inputs=("n", "sum"),
                       n_third=("et", "sum"), n_device=("d", "sum"))  # fmt: skip
        keep("energy_output_correlation", w, sums.assign(value=corr.where(sums.covered_days >= 5)))
    seconds = time.perf_counter() - started
    out: dict[tuple[str, str, int], tuple[Any, ...]] = {}
    for name, w, frame in finished:  # into one dict to compare, after the clock stopped
        for org, *row in frame.itertuples():
            out[(org, name, w)] = tuple(row)
    return out, seconds, load


def run(console: Console, workdir: Path) -> None:
    sizes = [int(x) for x in os.environ.get("BENCH_IND_FIRMS", "1000,3000,10000").split(",")]
    days = int(os.environ.get("BENCH_IND_DAYS", 365))
    table = Table(title=f"indicator engine: daily facts, {days} days, as of {END}")
    for col in ("firms", "rows", "full catalog s", "s per M firm-days", "subset DuckDB s",
                "subset pandas s", "pandas / DuckDB", "pandas' load s", "with load / DuckDB",
                "max rel diff",
                "one firm s"):  # fmt: skip
        table.add_column(col, justify="right")
    subset = [BY_ID[i] for i in SUBSET]
    after: dict[str, list[float]] = {kind: [] for kind in AFTER_BATCH}
    for firms in sizes:
        path = workdir / f"ind-{firms}.duckdb"
        console.print(f"generating {firms:,} firms x {days} days ...")
        store = Store(path)
        rows = generate(store, firms, days)
        # measured on the file reopened, as a server finds it: right after a bulk insert of
        # tens of millions of rows in one transaction, the same process runs a third slower
        store.close()
        store = Store(path)
        engine = DuckDBEngine(store)
        t = time.perf_counter()
        full = engine.compute(END)
        full_s = time.perf_counter() - t
        # the subset, best of 3 on each side (a single run varies by a third here)
        mine = engine.compute(END, indicators=subset, checks=()).values
        duck_s = best(partial(engine.compute, END, indicators=subset, checks=()))
        theirs, pandas_s, load_s = pandas_subset(store)
        diff = compare(mine, theirs)
        for _ in range(2):
            _, again_s, again_load = pandas_subset(store)
            pandas_s, load_s = min(pandas_s, again_s), min(load_s, again_load)
        one = "F" + str(firms // 2).rjust(17, "0")
        one_s = best(partial(recompute, engine, one, None))
        # the firm's day kept before the batches arrive, as the refresher finds it after the
        # day's first computation
        engine.save(engine.compute(END, [one]), END, datetime.now(UTC))
        for kind in AFTER_BATCH:
            after[kind].append(best(partial(recompute, engine, one, kind)))
        table.add_row(f"{firms:,}", f"{rows:,}", f"{full_s:.1f}",
                      f"{full_s / (firms * days / 1e6):.2f}", f"{duck_s:.2f}", f"{pandas_s:.2f}",
                      f"{pandas_s / duck_s:.1f}x", f"{load_s:.2f}",
                      f"{(pandas_s + load_s) / duck_s:.1f}x", f"{diff:.1e}",
                      f"{one_s:.2f}")  # fmt: skip
        console.print(f"{firms:,} firms: {full.values.num_rows:,} values, "
                      f"{np.count_nonzero(full.values.column('value').is_valid()):,} with a value")  # fmt: skip
        store.close()
    console.print(table)
    batches = Table(title="one firm recomputed after an ingest batch of one kind (ms, best of 3)")
    batches.add_column("batch of")
    batches.add_column("computed + kept", justify="right")
    for firms in sizes:
        batches.add_column(f"{firms:,} firms", justify="right")
    for kind, times in after.items():
        what = affected([kind])
        computed = len(what.indicators) + len(what.checks)
        batches.add_row(kind, f"{computed} + {len(what.kept_indicators) + len(what.kept_checks)}",
                        *[f"{t * 1000:.0f}" for t in times])  # fmt: skip
    console.print(batches)


def recompute(engine: DuckDBEngine, org: str, kind: str | None) -> None:
    """One firm's whole catalog (kind None), or what the refresher recomputes and keeps after
    a batch of one kind (DuckDBEngine.after), what it rests on taken as kept."""
    if kind is None:
        engine.compute(END, [org])
        return
    engine.save(engine.after(END, [org], [kind]), END, datetime.now(UTC))


def compare(mine: Any, theirs: dict[tuple[str, str, int], tuple[Any, ...]]) -> float:
    """The largest relative difference between the engine's values and pandas' (both without
    a value counts as equal); raises when it is above 1e-9 or a row or a credibility differs."""
    diff = 0.0
    for r in mine.to_pylist():
        other = theirs.pop((r["org"], r["indicator"], r["window_days"]), None)
        if other is None:
            raise RuntimeError(f"pandas has no row for {r['org']} {r['indicator']}")
        for f, o in zip(FIELDS, other, strict=True):
            if f == "credibility":
                same = r[f] == o
            elif r[f] is None or o != o:  # no value (o != o: NaN)
                same = r[f] is None and o != o
            else:
                diff = max(diff, abs(r[f] - o) / max(abs(o), 1e-9))
                continue
            if not same:
                raise RuntimeError(f"{r['org']} {r['indicator']} {r['window_days']}: "
                                   f"{f} {r[f]!r} against pandas' {o!r}")  # fmt: skip
    if theirs:
        raise RuntimeError(f"pandas has {len(theirs):,} rows the engine has not")
    if diff > 1e-9:  # the two compute the same definitions, or their times say nothing
        raise RuntimeError(f"pandas' values differ from the engine's by up to {diff:.1e}")
    return diff


def best(run: Callable[[], object], rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return min(times)
