"""Device servers -> gateway -> mosquitto -> platform, with real processes and protocols."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from chanrong.access.rules import Principal, Role
from chanrong.access.signatures import new_private_key_pem
from chanrong.ingest.gateway import MappingError, load_mapping
from chanrong.ingest.mqtt import MqttIngest
from chanrong.model.master import Device, DeviceType, OrgKind
from chanrong.platform import Platform
from chanrong.sim.devices import Machine, mapping_toml
from chanrong.store.db import Store
from tests.conftest import MQTT_SME_PASSWORD, SME, Broker, _free_port, world
from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e
INTERVAL = 0.5


def spawn(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "chanrong.cli", *args], stdout=log.open("ab"),
        stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip


def wait_for(cond: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


@pytest.fixture
def live_platform(db_path: Path) -> Iterator[Platform]:
    """A platform on the wall clock: gateways stamp readings with the real time."""
    p = Platform(Store(db_path))
    world(p)
    p.master.upsert([Device(org=SME, code=c, name=c, device_type=DeviceType.MACHINE)
                     for c in ("CNC-02", "EM-OPC")], p.clock.now())  # fmt: skip
    yield p
    p.close()


def test_device_to_gateway_to_broker_to_platform_through_an_outage(
    tmp_path: Path, broker: Broker, live_platform: Platform
) -> None:
    modbus_port, opcua_port = _free_port(), _free_port()
    modbus_args = ["simulate", "device", "--protocol", "modbus", "--port", str(modbus_port),
                   "--devices", "CNC-01,CNC-02", "--rate", "36000", "--exception-rate", "0.05"]  # fmt: skip
    procs = [
        spawn(modbus_args, tmp_path / "modbus.log"),
        spawn(["simulate", "device", "--protocol", "opcua", "--port", str(opcua_port),
               "--devices", "EM-OPC", "--rate", "36000"], tmp_path / "opcua.log"),
    ]  # fmt: skip
    publish = f"mqtt://{SME}:{MQTT_SME_PASSWORD}@127.0.0.1:{broker.port}"
    common = {"org": SME, "publish": publish, "interval_s": INTERVAL,
              "buffer": str(tmp_path / "spool")}  # fmt: skip
    modbus = mapping_toml(
        [Machine("CNC-01"), Machine("CNC-02")], "modbus", "127.0.0.1", modbus_port, **common
    )  # type: ignore[arg-type]
    opcua = mapping_toml([Machine("EM-OPC")], "opcua", "127.0.0.1", opcua_port, **common)  # type: ignore[arg-type]
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(modbus + opcua[opcua.index("[[device]]") :])
    assert len(load_mapping(mapping).devices) == 3

    subscriber = MqttIngest(live_platform, broker.url())
    subscriber.start()
    try:
        assert subscriber.connected.wait(10)
        time.sleep(2)  # the OPC UA server takes a moment to come up
        gateway = spawn(["gateway", str(mapping)], tmp_path / "gateway.log")
        procs.append(gateway)
        stored = lambda: live_platform.events.count("telemetry")  # noqa: E731
        wait_for(lambda: stored() >= 12)

        broker.stop()  # the broker goes away; the gateway keeps polling into its spool
        time.sleep(4)
        assert list((tmp_path / "spool").glob("*.ndjson")), "readings wait on disk"
        broker.start()
        time.sleep(3)

        # the Modbus machines drop off the network and come back (a PLC restart)
        procs[0].send_signal(signal.SIGTERM)
        procs[0].wait(timeout=20)
        time.sleep(3)
        back = datetime.now(UTC)
        procs[0] = spawn(modbus_args, tmp_path / "modbus.log")

        def after() -> int:
            sql = "SELECT count(*) FROM ev_telemetry WHERE device = 'CNC-01' AND event_time > ?"
            return int(live_platform.store.cursor().execute(sql, [back]).fetchall()[0][0])

        wait_for(lambda: after() >= 3, timeout=30)
        gateway.send_signal(signal.SIGTERM)
        assert gateway.wait(timeout=30) == 0
        status = orjson.loads((tmp_path / "spool" / "status.json").read_bytes())
        assert status["pending_files"] == 0 and status["published"] == status["polled"]
        wait_for(lambda: stored() == status["polled"], timeout=30)
    finally:
        subscriber.stop()
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=20)

    cur = live_platform.store.cursor()
    rows = cur.execute(
        "SELECT device, count(*), min(counter), max(counter), max(energy_kwh), "
        "list(DISTINCT run_state), max(gap) FROM (SELECT *, epoch(event_time) - "
        "epoch(lag(event_time) OVER (PARTITION BY device ORDER BY event_time)) AS gap "
        "FROM ev_telemetry) GROUP BY device ORDER BY device"
    ).fetchall()
    assert [r[0] for r in rows] == ["CNC-01", "CNC-02", "EM-OPC"]
    for device, n, low, high, energy, states, gap in rows:
        assert n > 10, device
        assert high > low, f"{device} counter moves"
        assert 0 < energy < 1, f"{device} energy in kWh (Modbus sends Wh), got {energy}"
        assert set(states) <= {"running", "idle"}
        # polling went on through the broker outage: no hole longer than a few intervals (the
        # 5% Modbus exceptions are retried on the next tick); the Modbus machines were away
        # for 4 s or more (stop, restart) and were read again within the back-off cap (5 s)
        assert gap <= (20 if device.startswith("CNC") else 6 * INTERVAL + 1), device
    channels = cur.execute("SELECT DISTINCT channel, submitter FROM ev_telemetry").fetchall()
    assert channels == [("device", SME)]


def test_mapping_errors_name_the_device_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[gateway]\norg = "X"\nsource = "GW"\n[publish]\nurl = "mqtt://a:b@h:1"\n'
        '[[device]]\ncode = "CNC-09"\nprotocol = "modbus"\n'
        '[[device.point]]\nmetric = "energy_kwh"\nregister = 0\nunit = "kW"\n'
    )
    with pytest.raises(MappingError, match=r"device #1 \(CNC-09\) point #1: unit 'kW'"):
        load_mapping(path)


def test_gateway_over_http_keeps_readings_until_the_platform_is_up(
    tmp_path: Path, seeded_db: tuple[Path, str]
) -> None:
    db, key = seeded_db
    pem, public = new_private_key_pem()
    (tmp_path / "gw.pem").write_bytes(pem)
    owner = Platform(Store(db))
    admin = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    key_id = owner.access.register_device_key(admin, public, "GW-SIM")["key_id"]
    owner.close()
    modbus_port, http_port = _free_port(), _free_port()
    device = spawn(["simulate", "device", "--protocol", "modbus", "--port", str(modbus_port),
                    "--devices", "CNC-01", "--rate", "36000"], tmp_path / "modbus.log")  # fmt: skip
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(mapping_toml(
        [Machine("CNC-01")], "modbus", "127.0.0.1", modbus_port, org=SME,
        publish=f"http://127.0.0.1:{http_port}", api_key=key, interval_s=INTERVAL,
        buffer=str(tmp_path / "spool"), signing_key=str(tmp_path / "gw.pem"),
        signing_key_id=key_id,
    ))  # fmt: skip
    gateway = spawn(["gateway", str(mapping)], tmp_path / "gateway.log")
    server = Server(db, tmp_path / "server.log", port=http_port)
    try:
        # the platform is not there yet: readings wait on disk
        wait_for(lambda: len(list((tmp_path / "spool").glob("*.ndjson"))) >= 6, timeout=30)
        server.start()
        time.sleep(3)
        gateway.send_signal(signal.SIGTERM)
        assert gateway.wait(timeout=30) == 0
    finally:
        for p in (gateway, device):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=20)
        server.stop()
    status = orjson.loads((tmp_path / "spool" / "status.json").read_bytes())
    assert status["pending_files"] == 0 and status["published"] == status["polled"] > 6
    check = Platform(Store(db))
    try:
        cur = check.store.cursor()
        rows = cur.execute(
            "SELECT count(*), count(DISTINCT id), min(channel), max(channel) FROM ev_telemetry"
        ).fetchone()
        signers = cur.execute(
            "SELECT list(DISTINCT signed_by) FROM ingest_batches WHERE kind = 'telemetry'"
        ).fetchone()
    finally:
        check.close()
    assert rows == (status["polled"], status["polled"], "device", "device")
    assert signers == ([key_id],)  # every batch signed by the gateway's own key
