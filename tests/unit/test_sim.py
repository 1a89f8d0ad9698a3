"""The park simulator: deterministic, internally consistent, and true to its ground truth."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pyarrow as pa
import pytest

from chanrong.grading.criteria import Level
from chanrong.model.identifiers import is_valid_uscc
from chanrong.sim.calendar import is_workday
from chanrong.sim.engine import Simulator
from chanrong.sim.park import Park, Planted, build_park

START = date(2026, 8, 3)
DAYS = 40


def simulate(park: Park) -> dict[str, pa.Table]:
    sim = Simulator(park)
    out: dict[str, list[pa.Table]] = {}
    for i in range(park.days):
        for kind, table in sim.day(park.start + timedelta(days=i)).items():
            out.setdefault(kind, []).append(table)
    return {k: pa.concat_tables(v) for k, v in out.items()}


@pytest.fixture(scope="module")
def park() -> Park:
    return build_park("diecasting", seed=11, start=START, days=DAYS, firms=24)


@pytest.fixture(scope="module")
def data(park: Park) -> dict[str, pa.Table]:
    return simulate(park)


@pytest.fixture(scope="module")
def db(data: dict[str, pa.Table], park: Park) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    for kind, table in data.items():
        con.register(kind, table)
    firms = pa.table({
        "uscc": [f.uscc for f in park.firms], "level": [f.level.value for f in park.firms],
        "roles": [",".join(sorted(r.value for r in f.roles)) for f in park.firms],
    })  # fmt: skip
    con.register("firms", firms)
    return con


def one(con: duckdb.DuckDBPyConnection, sql: str, *args: object) -> object:
    row = con.execute(sql, list(args)).fetchone()
    assert row is not None
    return row[0]


def test_same_seed_same_park_and_data(park: Park, data: dict[str, pa.Table]) -> None:
    again = build_park("diecasting", seed=11, start=START, days=DAYS, firms=24)
    assert [f.uscc for f in again.firms] == [f.uscc for f in park.firms]
    one_, two_ = (build_park("diecasting", seed=11, start=START, days=8, firms=24) for _ in "12")
    first, second = simulate(one_), simulate(two_)
    assert [t.as_dict() for t in one_.truth] == [t.as_dict() for t in two_.truth]
    for kind in first:
        assert first[kind].equals(second[kind]), kind
    other = simulate(build_park("diecasting", seed=12, start=START, days=8, firms=24))
    assert not other["telemetry"].equals(first["telemetry"])


def test_park_is_realistic(park: Park) -> None:
    orgs = park.organisations()
    assert all(is_valid_uscc(o.uscc) for o in orgs)
    assert len({o.uscc for o in orgs}) == len(orgs)
    assert {f.level for f in park.firms} == set(Level)
    assert {f.trade.industry_code for f in park.firms} <= {"C3392", "C3525", "C3670"}
    for f in park.firms:
        auto = [m.automatic for m in f.machines]
        if f.level is Level.OPTIMIZED:
            assert all(auto)
        elif f.level is Level.ENTRY:
            assert not any(auto)
        else:
            assert any(auto) and not all(auto)  # core machines only
    assert len(build_park(seed=1, start=START).firms) == 78  # the guide's Daqi park


def test_every_kind_is_generated(data: dict[str, pa.Table]) -> None:
    from chanrong.model import EVENT_KINDS

    assert set(data) == set(EVENT_KINDS)


def test_rows_are_unique_per_sender(data: dict[str, pa.Table]) -> None:
    for kind, rows in data.items():  # noqa: B007 (DuckDB reads `rows` by name)
        key = "submitter, source, id" + (", event_time" if kind in ("telemetry", "energy") else "")
        dups = duckdb.sql(f"SELECT count(*) - count(DISTINCT ({key})) FROM rows").fetchall()
        assert dups == [(0,)], kind


def test_shipments_have_their_orders(db: duckdb.DuckDBPyConnection) -> None:
    orphans = one(db, "SELECT count(*) FROM shipment s ANTI JOIN sales_order o "
                  "ON o.org = s.org AND o.order_no = s.sales_order_no "
                  "AND o.counterparty = s.consignee")  # fmt: skip
    assert orphans == 0
    assert one(db, "SELECT count(*) FROM shipment") > 100


def test_invoices_have_shipments_except_planted_fakes(
    db: duckdb.DuckDBPyConnection, park: Park
) -> None:
    unbacked = db.execute(
        "SELECT i.org, i.invoice_no FROM invoice i ANTI JOIN shipment s "
        "ON s.org = i.org AND s.sales_order_no = i.sales_order_no "
        "WHERE i.direction = 'sales'"
    ).fetchall()
    shells = {f.uscc for f in park.firms if Planted.SHELL_FIRM in f.roles}
    planted = {
        t.detail["invoice_no"]
        for t in park.truth
        if t.kind in (Planted.FICTITIOUS_TRADE, Planted.CIRCULAR_TRADE) and "invoice_no" in t.detail
    }
    assert planted, "the planted fake trades happened inside the simulated period"
    assert {inv for org, inv in unbacked if org not in shells} == planted
    assert {org for org, _ in unbacked} >= shells


def test_energy_follows_run_status(db: duckdb.DuckDBPyConnection, park: Park) -> None:
    by_state = dict(
        db.execute(
            "SELECT t.run_state, avg(t.power_kw / m.kw) FROM telemetry t JOIN machines m "
            "ON m.org = t.org AND m.code = t.device GROUP BY ALL"
        ).fetchall()
        if _machines(db, park)
        else []
    )
    assert by_state["running"] > 0.6
    assert by_state["idle"] < 0.25 and by_state["stopped"] < 0.05 and by_state["fault"] < 0.06
    # counters and energy meters only go up; output only while running
    assert one(db, "SELECT count(*) FROM (SELECT counter - lag(counter) OVER w AS dc, epoch(event_time) - "
               "epoch(lag(event_time) OVER w) AS gap, "
               "energy_kwh - lag(energy_kwh) OVER w AS de, run_state FROM telemetry "
               "WINDOW w AS (PARTITION BY org, device ORDER BY event_time)) "
               "WHERE dc < 0 OR de < 0 OR (dc > 0 AND run_state <> 'running' AND gap = 60)") == 0  # fmt: skip
    # the main meter sees the machines: daily kWh tracks daily machine running time
    corr = one(db, "WITH m AS (SELECT org, CAST(event_time AS DATE) d, sum(value) kwh FROM energy "
               "WHERE meter = 'EM-MAIN' AND channel = 'device' GROUP BY ALL), r AS (SELECT org, "
               "CAST(event_time AS DATE) d, count(*) FILTER (WHERE run_state = 'running') n "
               "FROM telemetry GROUP BY ALL) SELECT corr(kwh, n) FROM m JOIN r USING (org, d)")  # fmt: skip
    assert corr > 0.7


def _machines(db: duckdb.DuckDBPyConnection, park: Park) -> bool:
    rows = [(f.uscc, m.code, m.kw) for f in park.firms for m in f.machines]
    db.register("machines", pa.table({"org": [r[0] for r in rows], "code": [r[1] for r in rows],
                                      "kw": [r[2] for r in rows]}))  # fmt: skip
    return True


def test_data_reflects_each_firms_level(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute(
        "SELECT f.level, count(t.id) > 0 AS devices, "
        "(SELECT median(epoch(p.received_at) - epoch(p.event_time)) / 3600 FROM production_report p "
        " WHERE p.org = f.uscc) AS report_delay_h, "
        "(SELECT list(DISTINCT p.channel) FROM production_report p WHERE p.org = f.uscc) AS ch "
        "FROM firms f LEFT JOIN telemetry t ON t.org = f.uscc "
        "WHERE f.roles = '' GROUP BY ALL"
    ).fetchall()
    for level, devices, delay, channels in rows:
        if level == "entry":
            assert not devices and channels == ["manual"] and delay > 10
        else:
            assert devices and channels == ["system"] and delay < 1


def test_shifts_and_holidays(db: duckdb.DuckDBPyConnection, park: Park) -> None:
    holiday = date(2026, 9, 26)  # Mid-Autumn Festival 2026
    assert not is_workday(holiday, six_day_week=True)
    day_shift = [f.uscc for f in park.firms if f.shift == "two" and f.level is Level.STANDARDIZED]
    running = one(db, "SELECT count(*) FROM telemetry WHERE run_state = 'running' AND "
                  "list_contains(?, org) AND CAST(event_time AS DATE) = ?", day_shift, holiday)  # fmt: skip
    assert running == 0
    night = one(db, "SELECT count(*) FROM telemetry WHERE run_state = 'running' AND "
                "list_contains(?, org) AND hour(event_time) BETWEEN 1 AND 6", day_shift)  # fmt: skip
    assert night == 0


def test_ground_truth_is_in_the_data(db: duckdb.DuckDBPyConnection, park: Park) -> None:
    kinds = {t.kind for t in park.truth}
    assert kinds == set(Planted)
    for t in park.truth_of(Planted.STOPPAGE):
        state = db.execute(
            "SELECT list(DISTINCT run_state), max(counter) - min(counter) AS made FROM telemetry "
            "WHERE org = ? AND event_time >= ? AND event_time < ? GROUP BY device "
            "ORDER BY made DESC LIMIT 1", [t.firm, t.start, t.end]
        ).fetchone()  # fmt: skip
        assert state is not None and state[0] == ["stopped"] and state[1] == 0
    for t in park.truth_of(Planted.EQUIPMENT_FAILURE):
        states = one(db, "SELECT list(DISTINCT run_state) FROM telemetry WHERE org = ? AND "
                     "device = ? AND event_time >= ? AND event_time < ?",
                     t.firm, t.detail["device"], t.start, t.end)  # fmt: skip
        assert states == ["fault"]
    for t in park.truth_of(Planted.SUPPLIER_INTERRUPTION):
        states = one(db, "SELECT list(DISTINCT run_state) FROM telemetry WHERE org = ? AND "
                     "event_time >= ? AND event_time < ?", t.firm, t.start, t.end)  # fmt: skip
        assert states == ["stopped"]
        assert t.detail["buyer"] in {b.uscc for b in park.buyers}
    for t in park.truth_of(Planted.ZOMBIE_FIRM):
        for kind in ("sales_order", "production_report", "shipment", "invoice"):
            assert one(db, f"SELECT count(*) FROM {kind} WHERE org = ?", t.firm) == 0
    for t in park.truth_of(Planted.SHELL_FIRM):
        assert one(db, "SELECT count(*) FROM invoice WHERE org = ?", t.firm) > 5
        for kind in ("production_report", "shipment", "energy"):
            assert one(db, f"SELECT count(*) FROM {kind} WHERE org = ?", t.firm) == 0
    for t in park.truth_of(Planted.LATE_DELIVERY):
        if "delivered" in t.detail:
            delivered = t.detail["delivered"][:10]
            assert delivered > t.detail["due_date"], t.detail
    for t in park.truth_of(Planted.PLEDGE_BREACH):
        assert t.detail["left"] < t.detail["floor"]
    for t in park.truth_of(Planted.PRICE_DROP):
        before, after = db.execute(
            "SELECT max(price) FILTER (WHERE event_time < ?), last(price ORDER BY event_time) "
            "FROM price_index WHERE item_class = ?", [t.start, t.detail["item_class"]]
        ).fetchone()  # fmt: skip
        assert float(after) < float(before) * 0.85
    for t in park.truth_of(Planted.LOAN_DEFAULT):
        missed = t.detail["first_missed"]
        unpaid = one(db, "SELECT count(*) FROM repayment WHERE loan_no = ? AND due_date >= ? "
                     "AND paid_date IS NULL", t.detail["loan_no"], missed)  # fmt: skip
        early = one(db, "SELECT count(*) FROM repayment WHERE loan_no = ? AND due_date < ? "
                    "AND paid_date IS NULL", t.detail["loan_no"], missed)  # fmt: skip
        assert unpaid >= 1 and early == 0
        # the firm ran down before it stopped paying
        begin = date.fromisoformat(t.detail["deterioration_from"])
        week = timedelta(days=7)
        end = date.fromisoformat(missed)
        out = db.execute(
            "SELECT sum(good_qty) FILTER (WHERE event_time >= ? AND event_time < ?), "
            "sum(good_qty) FILTER (WHERE event_time >= ? AND event_time < ?) "
            "FROM production_report WHERE org = ?",
            [begin - week, begin, end - week, end, t.firm],
        ).fetchone()
        assert out is not None and out[1] is not None and out[1] < out[0]


def test_sized_by_sampling_interval() -> None:
    park = build_park("packaging", seed=3, start=START, days=2, firms=16, sampling_minutes=15)
    data = simulate(park)
    automatic = sum(m.automatic for f in park.firms for m in f.machines)
    t = data["telemetry"]
    assert t.num_rows <= automatic * 96 * 2
    assert t.num_rows >= automatic * 96 * 2 * 0.95  # less only the gateway outages
    stamps = duckdb.sql("SELECT DISTINCT minute(event_time) % 15 AS m FROM t").fetchall()
    assert stamps == [(0,)]
    with pytest.raises(ValueError, match="divide a day"):
        build_park(start=START, sampling_minutes=7)
