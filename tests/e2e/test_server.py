"""The server process: acknowledged means durable (SIGKILL), and SIGTERM shuts down cleanly."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import httpx
import orjson
import pytest

from chanrong.platform import Platform
from chanrong.store.db import Store, migrations
from tests.conftest import SME, telemetry
from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e
BATCH = 500


def send_until_killed(
    server: Server, key: str, acked: list[int], sent: list[int], enough: threading.Event
) -> None:
    """Stream batches; record each batch number the server acknowledged with 200."""
    with httpx.Client(headers={"authorization": f"Bearer {key}"}, timeout=30) as client:
        for n in range(10_000):
            body = orjson.dumps(
                [
                    telemetry(n * BATCH + i, event_time="2026-01-05T08:00:00+08:00")
                    for i in range(BATCH)
                ]
            )
            sent.append(n)
            try:
                response = client.post(f"{server.url}/api/v1/ingest/telemetry", content=body,
                                       headers={"content-type": "application/json"})  # fmt: skip
            except httpx.HTTPError:
                return
            if response.status_code != 200:
                return
            acked.append(n)
            if len(acked) >= 15:
                enough.set()


def test_every_acknowledged_record_survives_sigkill_once(
    server: Server, seeded_db: tuple[Path, str], tmp_path: Path
) -> None:
    key = seeded_db[1]
    acked: list[int] = []
    sent: list[int] = []
    enough = threading.Event()
    sender = threading.Thread(target=send_until_killed, args=(server, key, acked, sent, enough))
    sender.start()
    assert enough.wait(timeout=120), "the server acknowledged too few batches"
    assert server.signal(signal.SIGKILL) == -signal.SIGKILL
    sender.join(timeout=60)
    acknowledged = set(acked)
    in_flight = [n for n in sent if n not in acknowledged]

    restarted = Server(server.db, tmp_path / "restart.log").start()
    try:
        with httpx.Client(headers={"authorization": f"Bearer {key}"}, timeout=30) as client:
            for n in in_flight:  # the gateway retries what it never heard back about
                body = orjson.dumps(
                    [
                        telemetry(n * BATCH + i, event_time="2026-01-05T08:00:00+08:00")
                        for i in range(BATCH)
                    ]
                )
                answer = client.post(f"{restarted.url}/api/v1/ingest/telemetry", content=body,
                                     headers={"content-type": "application/json"}).json()  # fmt: skip
                assert answer["accepted"] + answer["duplicates"] == BATCH
    finally:
        restarted.stop()
    platform = Platform(Store(server.db))
    platform_rows = (
        platform.store.cursor()
        .execute(
            "SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE org = ?) FROM ev_telemetry",
            [SME],
        )
        .fetchone()
    )
    expected = {f"t-{n * BATCH + i}" for n in acknowledged for i in range(BATCH)}
    stored = {
        r[0] for r in platform.store.cursor().execute("SELECT id FROM ev_telemetry").fetchall()
    }
    platform.close()
    assert expected <= stored, f"{len(expected - stored)} acknowledged records were lost"
    total = (len(acknowledged) + len(in_flight)) * BATCH
    assert platform_rows == (total, total, total)


def test_sigterm_shuts_down_cleanly(server: Server) -> None:
    assert httpx.get(f"{server.url}/healthz").status_code == 200
    # uvicorn finishes in-flight requests, runs the shutdown hooks, then re-raises the signal
    # so supervisors see the usual "terminated by SIGTERM" status.
    assert server.signal(signal.SIGTERM) in (0, -signal.SIGTERM)
    log = server.log.read_text()
    assert '"msg":"shutting down: closing the store"' in log
    assert "Application shutdown complete" in log
    store = Store(server.db)  # the file lock was released
    assert store.schema_version() == migrations()[-1][0]
    store.close()
