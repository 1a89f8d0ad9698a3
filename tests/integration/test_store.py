"""The DuckDB file across restarts, export and import."""

from __future__ import annotations

from pathlib import Path

import orjson

from chanrong.access.rules import Principal
from chanrong.clock import FixedClock
from chanrong.platform import Platform
from chanrong.store.db import Store, migrations
from chanrong.store.events import JsonBatch
from chanrong.store.parquet import export_all, import_all
from tests.conftest import NOW, telemetry, world


def batch(n: int, start: int = 0) -> JsonBatch:
    return JsonBatch(orjson.dumps([telemetry(i) for i in range(start, start + n)]).decode())


def test_migrations_apply_once(db_path: Path) -> None:
    store = Store(db_path)
    assert store.schema_version() == migrations()[-1][0]
    store.close()
    again = Store(db_path)
    assert again.migrate() == []
    again.close()


def test_idempotent_across_a_restart(db_path: Path, clock: FixedClock, sme: Principal) -> None:
    first = Platform(Store(db_path), clock)
    world(first)
    assert first.ingest.submit("telemetry", batch(100), sme).accepted == 100
    first.close()
    second = Platform(Store(db_path), clock)
    result = second.ingest.submit("telemetry", batch(150), sme)
    assert (result.accepted, result.duplicates) == (50, 100)
    assert second.events.count("telemetry") == 150
    second.close()


def test_export_and_import_round_trip(platform: Platform, sme: Principal, tmp_path: Path) -> None:
    platform.ingest.submit("telemetry", batch(40), sme)
    platform.ingest.submit(
        "telemetry", JsonBatch(orjson.dumps([telemetry(99, counter=-1)]).decode()), sme
    )
    platform.ingest.submit(
        "telemetry",
        JsonBatch(orjson.dumps([telemetry(200, event_time="2025-11-30T10:00:00+08:00")]).decode()),
        sme,
    )
    counts = export_all(platform.store, tmp_path / "export")
    assert (
        counts["ev_telemetry"] == 41 and counts["quarantine"] == 1 and counts["organisations"] == 4
    )
    partitions = sorted(p.name for p in (tmp_path / "export" / "ev_telemetry").iterdir())
    assert partitions == ["year=2025", "year=2026"]
    fresh = Platform(Store(tmp_path / "copy.duckdb"), FixedClock(NOW))
    added = import_all(fresh.store, tmp_path / "export")
    assert added["ev_telemetry"] == 41 and added["devices"] == 3
    assert import_all(fresh.store, tmp_path / "export")["ev_telemetry"] == 0
    original = platform.store.cursor().execute("SELECT * FROM ev_telemetry ORDER BY id").fetchall()
    copied = fresh.store.cursor().execute("SELECT * FROM ev_telemetry ORDER BY id").fetchall()
    assert copied == original
    result = fresh.ingest.submit("telemetry", batch(41), sme)
    assert (result.batch_id, result.accepted, result.duplicates) == (4, 1, 40)
    fresh.close()
