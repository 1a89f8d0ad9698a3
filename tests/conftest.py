"""Shared fixtures: a real DuckDB file, a fixed clock, a small registered world, the app."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chanrong.access.rules import Principal, Role
from chanrong.clock import FixedClock
from chanrong.model.identifiers import complete_uscc
from chanrong.model.master import (
    Device,
    DeviceType,
    Item,
    ItemType,
    Organisation,
    OrgKind,
    Warehouse,
)
from chanrong.model.units import Unit
from chanrong.platform import Platform
from chanrong.store.db import Store
from chanrong.web.app import Settings, create_app

SME = complete_uscc("91330206MA2K10001")
OTHER_SME = complete_uscc("91330206MA2K10002")
PLATFORM_ORG = complete_uscc("91330206MA2H10003")
BANK = complete_uscc("91330200MA2B10004")
PARK = complete_uscc("11330206MA2P10005")
NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
PASSWORD = "correct-horse-battery"


def world(platform: Platform) -> None:
    platform.master.upsert(
        [
            Organisation(uscc=SME, name="测试模具厂", org_kind=OrgKind.SME, industry_code="C3525"),
            Organisation(uscc=OTHER_SME, name="隔壁钣金厂", org_kind=OrgKind.SME),
            Organisation(uscc=PLATFORM_ORG, name="平台", org_kind=OrgKind.PLATFORM),
            Organisation(uscc=BANK, name="测试银行", org_kind=OrgKind.BANK),
            Device(
                org=SME,
                code="CNC-01",
                name="加工中心",
                device_type=DeviceType.MACHINE,
                rated_capacity=6,
            ),
            Device(org=SME, code="EM-1", name="总电表", device_type=DeviceType.ENERGY_METER),
            Device(org=OTHER_SME, code="CNC-01", name="折弯机", device_type=DeviceType.MACHINE),
            Item(org=SME, code="P-1", name="模具", item_type=ItemType.PRODUCT, unit=Unit.PCS),
            Warehouse(org=SME, code="WH-1", name="成品仓"),
        ],
        platform.clock.now(),
    )


def park_world(platform: Platform) -> None:
    """A park with the two test firms as members (the mould maker in Ningbo, C3525)."""
    platform.master.upsert([
        Organisation(uscc=PARK, name="大碶园区管委会", org_kind=OrgKind.PARK),
        Organisation(uscc=SME, name="测试模具厂", org_kind=OrgKind.SME, industry_code="C3525",
                     region_code="330206", park=PARK),
        Organisation(uscc=OTHER_SME, name="隔壁钣金厂", org_kind=OrgKind.SME, park=PARK),
    ], platform.clock.now())  # fmt: skip


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "chanrong.duckdb"


@pytest.fixture
def platform(db_path: Path, clock: FixedClock) -> Iterator[Platform]:
    p = Platform(Store(db_path), clock)
    world(p)
    yield p
    p.close()


@pytest.fixture
def sme() -> Principal:
    return Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, user_id=1)


@pytest.fixture
def app_client(platform: Platform) -> Iterator[TestClient]:
    app = create_app(platform, Settings(max_body_bytes=2 << 20))
    with TestClient(app) as client:
        yield client


@pytest.fixture
def sme_key(platform: Platform) -> str:
    return platform.access.create_api_key(SME, "gateway line 1")


@pytest.fixture
def client(app_client: TestClient, sme_key: str) -> TestClient:
    """An API client authenticated as the SME's gateway."""
    app_client.headers["authorization"] = f"Bearer {sme_key}"
    return app_client


def telemetry(i: int, **over: object) -> dict:
    rec = {
        "id": f"t-{i}", "source": "gw-01", "org": SME, "event_time": "2026-03-02T13:00:00+08:00",
        "device": "CNC-01", "run_state": "running", "counter": i, "power_kw": 12.5, "energy_kwh": 100.0 + i,
    }  # fmt: skip
    rec.update(over)
    return {k: v for k, v in rec.items() if v is not ...}


# --- a real MQTT broker -------------------------------------------------------------------------
MQTT_PLATFORM_PASSWORD = "platform-secret-1"
MQTT_SME_PASSWORD = "sme-secret-1"


@dataclass
class Broker:
    port: int
    proc: subprocess.Popen
    folder: Path

    def url(self, user: str = "chanrong-platform", password: str = MQTT_PLATFORM_PASSWORD) -> str:
        return f"mqtt://{user}:{password}@127.0.0.1:{self.port}"

    def start(self) -> None:
        conf = self.folder / "mosquitto.conf"
        log = (self.folder / "mosquitto.log").open("ab")
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=log, stderr=log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError(
            "mosquitto did not start: " + (self.folder / "mosquitto.log").read_text()
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """mosquitto with the platform's ACL; users: the platform and two SMEs (named by USCC)."""
    from chanrong.ingest.mqtt import PLATFORM_USER, broker_config

    port = _free_port()
    users = {PLATFORM_USER: MQTT_PLATFORM_PASSWORD, SME: MQTT_SME_PASSWORD,
             OTHER_SME: MQTT_SME_PASSWORD}  # fmt: skip
    broker_config(tmp_path / "mqtt", port, users)
    b = Broker(port, None, tmp_path / "mqtt")  # type: ignore[arg-type]
    b.start()
    yield b
    b.stop()


def form_post(client: TestClient, url: str, data: dict, **kw: object) -> object:
    """Post a form the way the browser does: with the CSRF token the pages put in it."""
    from chanrong.web.security import CSRF_COOKIE

    if CSRF_COOKIE not in client.cookies:
        client.get("/login")
    return client.post(url, data={**data, "csrf_token": client.cookies[CSRF_COOKIE]}, **kw)


@dataclass
class SimulatedPark:
    platform: Platform
    park: object  # chanrong.sim.park.Park
    export: Path


@pytest.fixture(scope="session")
def simulated_park(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatedPark]:
    """A simulated park (16 firms, 100 days up to 2026-03-20) stored through the platform, its
    firms sharing and declaring as their levels would, and its Parquet export: built once for
    the tests that read a whole park (engines agreement, grading agreement)."""
    from bench.sim import backfill, register
    from chanrong.sim.demo import demo_park, level_footprint
    from chanrong.store.parquet import export_all

    root = tmp_path_factory.mktemp("park")
    clock = FixedClock(datetime(2026, 3, 20, 4, 0, tzinfo=UTC))
    platform = Platform(Store(root / "park.duckdb"), clock)
    park, _ = demo_park(platform, firms=16, days=100)
    register(platform, park)
    backfill(platform, park)
    level_footprint(platform, park)
    export_all(platform.store, root / "export")
    yield SimulatedPark(platform, park, root / "export")
    platform.close()
