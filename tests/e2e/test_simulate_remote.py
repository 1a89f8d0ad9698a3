"""The simulator against a running server: history over HTTP, live over MQTT."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chanrong.cli import app as cli
from chanrong.ingest.mqtt import MqttIngest
from chanrong.model.base import local_today
from chanrong.platform import Platform
from chanrong.sim.demo import register
from chanrong.sim.park import build_park
from chanrong.sim.run import MqttSink, Runner
from chanrong.store.db import Store
from tests.conftest import PLATFORM_ORG, Broker
from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def test_history_over_http_to_a_running_server(tmp_path: Path) -> None:
    db = tmp_path / "remote.duckdb"
    platform = Platform(Store(db))
    from tests.conftest import world

    world(platform)
    key = platform.access.create_api_key(PLATFORM_ORG, "simulator")
    platform.close()
    server = Server(db, tmp_path / "server.log").start()
    try:
        result = CliRunner().invoke(cli, [
            "simulate", "history", "--url", server.url, "--api-key", key, "--firms", "16",
            "--days", "2", "--seed", "3",
        ])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert " 0 rejected" in result.output
        again = CliRunner().invoke(cli, [
            "simulate", "history", "--url", server.url, "--api-key", key, "--firms", "16",
            "--days", "2", "--seed", "3",
        ])  # fmt: skip
        assert "0 accepted" in again.output  # the same history twice is stored once
    finally:
        server.stop()
    check = Platform(Store(db))
    telemetry = check.events.count("telemetry")
    check.close()
    assert telemetry > 5_000


def test_live_over_mqtt_each_firm_as_its_own_user(tmp_path: Path, db_path: Path) -> None:
    from chanrong.ingest.mqtt import PLATFORM_USER, broker_config
    from tests.conftest import _free_port

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    first = now - timedelta(minutes=10)
    park = build_park(start=local_today(first) - timedelta(days=1), days=30, firms=16, seed=9)
    platform = Platform(Store(db_path))
    register(platform, park)
    port = _free_port()
    users = {PLATFORM_USER: "platform-pw-1", **{o.uscc: "sim-pw-1" for o in park.organisations()}}
    broker_config(tmp_path / "mq", port, users)
    broker = Broker(port, None, tmp_path / "mq")  # type: ignore[arg-type]
    broker.start()
    subscriber = MqttIngest(platform, f"mqtt://{PLATFORM_USER}:platform-pw-1@127.0.0.1:{port}")
    subscriber.start()
    sink = MqttSink(f"mqtt://:sim-pw-1@127.0.0.1:{port}")
    try:
        assert subscriber.connected.wait(10)
        runner = Runner(park, sink)
        runner.generate(local_today(now))
        runner.release(first, send=False)
        runner.release(now)
        sink.flush()
        assert sink.wait_for_acks(60)
    finally:
        sink.close()
        subscriber.stop()
        broker.stop()
    automatic = sum(m.automatic for f in park.firms for m in f.machines)
    assert sink.totals.rejected == 0 and sink.totals.problems == []
    stored = platform.events.count("telemetry")
    assert automatic * 9 <= stored <= automatic * 11  # ten minutes of every gateway
    submitters = (
        platform.store.cursor()
        .execute(
            "SELECT count(DISTINCT submitter), count(*) FILTER (WHERE submitter <> org) FROM ev_telemetry"
        )
        .fetchone()
    )
    assert submitters is not None and submitters[1] == 0 and submitters[0] > 3
    platform.close()
