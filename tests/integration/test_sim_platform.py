"""A simulated park on a real platform: registration, history replay, restart, live feed, CLI."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chanrong.access.rules import Principal, Role
from chanrong.cli import app as cli
from chanrong.clock import FixedClock
from chanrong.ingest.service import IngestDenied
from chanrong.model.master import OrgKind
from chanrong.platform import Platform
from chanrong.sim.demo import backfill, demo_park, register
from chanrong.sim.run import LiveFeed, PlatformSink, Runner
from chanrong.store.db import Store
from chanrong.store.events import BadPayload, TableBatch
from chanrong.web.app import Settings, create_app
from tests.conftest import NOW, form_post

FIRMS, DAYS = 16, 6


@pytest.fixture
def fresh(db_path: Path, clock: FixedClock) -> Platform:
    return Platform(Store(db_path), clock)


def counts(platform: Platform) -> dict[str, int]:
    cur = platform.store.cursor()
    return {
        kind: int(cur.execute(f"SELECT count(*) FROM ev_{kind}").fetchone()[0])  # type: ignore[index]
        for kind in ("telemetry", "energy", "sales_order", "shipment", "invoice", "credit_record")
    }


def test_history_replay_keeps_senders_and_arrival_times(fresh: Platform) -> None:
    park, created = demo_park(fresh, firms=FIRMS, days=DAYS)
    assert created
    register(fresh, park)
    _, sink = backfill(fresh, park)
    t = sink.totals
    assert t.rejected == 0 and t.duplicates == 0, t.problems
    assert t.accepted > 100_000
    cur = fresh.store.cursor()
    # each firm's device data is stored as sent by that firm, third-party data by the provider
    rows = cur.execute(
        "SELECT count(*) FILTER (WHERE submitter <> org), count(*) FROM ev_telemetry"
    ).fetchone()
    assert rows == (0, t.by_kind["telemetry"])
    provider = cur.execute("SELECT DISTINCT submitter FROM ev_credit_record").fetchall()
    assert provider == [(park.data_provider.uscc,)]
    # arrival times are the simulated ones, never later than the platform clock
    delay = cur.execute(
        "SELECT median(epoch(received_at) - epoch(event_time)), max(received_at) FROM ev_telemetry"
    ).fetchone()
    assert delay is not None and 2 <= delay[0] <= 20 and delay[1] <= NOW
    manual = cur.execute(
        "SELECT min(epoch(received_at) - epoch(event_time)) / 3600 FROM ev_production_report "
        "WHERE channel = 'manual'"
    ).fetchone()
    assert manual is not None and manual[0] > 8  # typed in the next morning
    # the whole history is a handful of large batches logged as the operator's replay
    batches = cur.execute(
        "SELECT count(*), count(DISTINCT submitter), any_value(filename) FROM ingest_batches"
    ).fetchone()
    assert batches is not None and batches[0] < 40 and batches[1:] == (1, "replay")


def test_only_the_operator_may_replay(fresh: Platform) -> None:
    park, _ = demo_park(fresh, firms=FIRMS, days=DAYS)
    register(fresh, park)
    firm = park.firms[0].uscc
    runner = Runner(park, PlatformSink(fresh, park.platform.uscc, replay=True))
    runner.generate(park.start)
    table = runner.pending["telemetry"][0]
    sme = Principal(org=firm, org_kind=OrgKind.SME, role=Role.ADMIN)
    with pytest.raises(IngestDenied):
        fresh.ingest.replay("telemetry", TableBatch(table), sme)
    # through the normal door the extra columns are refused, not silently used
    with pytest.raises(BadPayload, match="submitter, received_at"):
        fresh.ingest.submit("telemetry", TableBatch(table.slice(0, 5)), sme)


def test_restart_resumes_without_duplicates_and_fills_the_gap(
    db_path: Path, clock: FixedClock
) -> None:
    first = Platform(Store(db_path), clock)
    park, _ = demo_park(first, firms=FIRMS, days=DAYS)
    register(first, park)
    backfill(first, park)
    before = counts(first)
    first.close()

    clock.advance(hours=3)
    again = Platform(Store(db_path), clock)
    park2, created = demo_park(again, firms=FIRMS, days=DAYS)
    assert not created and [f.uscc for f in park2.firms] == [f.uscc for f in park.firms]
    _, sink = backfill(again, park2)
    after = counts(again)
    assert sink.totals.duplicates == 0 and sink.totals.rejected == 0
    # three more hours of device data arrived, nothing was stored twice
    automatic = sum(m.automatic for f in park.firms for m in f.machines)
    assert after["telemetry"] - before["telemetry"] == pytest.approx(automatic * 180, rel=0.05)
    again.close()


def test_live_feed_submits_as_each_firm(fresh: Platform, clock: FixedClock) -> None:
    park, _ = demo_park(fresh, firms=FIRMS, days=DAYS)
    register(fresh, park)
    runner, _ = backfill(fresh, park)
    runner.sink = live = PlatformSink(fresh, park.platform.uscc, replay=False)
    stored = counts(fresh)["telemetry"]
    for _ in range(5):  # five minutes of live time, a tick a minute
        clock.advance(minutes=1)
        runner.generate((clock.now() + timedelta(hours=8)).date())
        runner.release(clock.now())
    automatic = sum(m.automatic for f in park.firms for m in f.machines)
    added = counts(fresh)["telemetry"] - stored
    assert automatic * 4 <= added <= automatic * 6
    assert live.totals.rejected == 0
    submitters = (
        fresh.store.cursor()
        .execute("SELECT count(DISTINCT submitter) FROM ingest_batches WHERE filename IS NULL")
        .fetchone()
    )
    assert submitters is not None and submitters[0] > 3  # one per firm with a gateway


def test_demo_logins_on_the_login_page_in_demo_mode_only(fresh: Platform) -> None:
    park, _ = demo_park(fresh, firms=FIRMS, days=DAYS)
    register(fresh, park)
    logins = tuple((u.username, u.password, u.display_name) for u in park.logins)
    with TestClient(create_app(fresh, Settings(demo_logins=logins))) as client:
        page = client.get("/login").text
        assert "qingxi" in page and "sme-demo-2026" in page and "bank-demo-2026" in page
        form = {"username": "bank", "password": "bank-demo-2026"}
        assert form_post(client, "/login", form, follow_redirects=False).status_code == 303
    plain = Platform(Store(fresh.store.path.replace(".duckdb", "-2.duckdb")), fresh.clock)
    with TestClient(create_app(plain, Settings())) as client:
        assert "sme-demo-2026" not in client.get("/login").text


def test_simulate_cli_writes_files_and_ground_truth(tmp_path: Path) -> None:
    out, truth = tmp_path / "files", tmp_path / "truth.json"
    result = CliRunner().invoke(cli, [
        "simulate", "history", "--firms", "16", "--days", "4", "--start", "2026-03-02",
        "--out", str(out), "--truth", str(truth), "--seed", "5",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    telemetry = pq.read_table(out / "telemetry")
    assert telemetry.num_rows > 10_000 and "received_at" not in telemetry.column_names
    payload = orjson.loads(truth.read_bytes())
    assert payload["seed"] == 5 and len(payload["firms"]) == 16
    assert {e["kind"] for e in payload["events"]} >= {"zombie_firm", "shell_firm", "stoppage"}
    # a file made by the simulator goes in through the ordinary ingest command
    db = tmp_path / "x.duckdb"
    demo = CliRunner().invoke(cli, ["demo", "--db", str(db), "--seed-only", "--firms", "16",
                                    "--days", "2"])  # fmt: skip
    assert demo.exit_code == 0, demo.output
    assert "qingxi" in demo.output and "records stored" in demo.output
    seeded = Platform(Store(db))
    statuses = sorted(c["status"] for c in seeded.consents.repo.of_party(
        seeded.accounts.user_by_name("bank")["org"]))  # type: ignore[index]  # fmt: skip
    seeded.close()
    # the demo bank waits for one answer; qingxi and the optimized firms share with it
    assert statuses.count("requested") == 1 and statuses.count("authorised") >= 2


@pytest.mark.parametrize("preset", ["garment", "packaging"])
def test_every_preset_passes_the_contract(fresh: Platform, preset: str) -> None:
    park, _ = demo_park(fresh, preset=preset, firms=FIRMS, days=10)
    assert park.preset.key == preset
    register(fresh, park)
    _, sink = backfill(fresh, park)
    assert sink.totals.rejected == 0, sink.totals.problems
    assert sink.totals.by_kind["shipment"] > 0 and sink.totals.by_kind["telemetry"] > 0


def test_live_feed_runs_beside_the_server_and_reports_itself(
    fresh: Platform, clock: FixedClock
) -> None:
    park, _ = demo_park(fresh, firms=FIRMS, days=DAYS)
    register(fresh, park)
    runner, _ = backfill(fresh, park)
    runner.sink = PlatformSink(fresh, park.platform.uscc, replay=False)
    feed = LiveFeed(runner, clock.now, tick_seconds=0.05)
    before = counts(fresh)["telemetry"]
    clock.advance(minutes=3)
    with TestClient(create_app(fresh, Settings(), services=(feed,))) as client:
        deadline = time.monotonic() + 10
        while counts(fresh)["telemetry"] == before and time.monotonic() < deadline:
            time.sleep(0.05)
        health = client.get("/healthz").json()["services"]["live-feed"]
        assert health["running"] and health["records"] > 0 and health["rejected"] == 0
        form_post(client, "/login", {"username": "ops", "password": "ops-demo-2026"})
        page = client.get("/operations").text
        assert "模拟园区实时数据" in page and "已发送至" in page
        assert counts(fresh)["telemetry"] > before
    assert not feed.status()["running"]  # stopped with the app, before the store closed
