"""Simulator benchmarks: history generation, seeding the demo park, live streaming headroom.

Baseline, run in the same bench: the same telemetry made the naive way, one Pydantic record per
device-minute. Knobs:
  BENCH_SIM_BASELINE_ROWS   records for the baseline (default 50,000)
  BENCH_SIM_DAYS            days of the default park for history and seeding (default 90)
  BENCH_SIM_LIVE_MINUTES    simulated minutes streamed over MQTT (default 60)
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
from rich.progress import Progress

from chanrong.model.base import local_today
from chanrong.model.events import Telemetry
from chanrong.model.identifiers import complete_uscc
from chanrong.platform import Platform
from chanrong.sim.demo import backfill, demo_park, register
from chanrong.sim.park import build_park
from chanrong.sim.run import MqttSink, Runner
from chanrong.store.db import Store
from tests.e2e.conftest import Server, free_port

PASSWORD = "bench-mqtt-1"
DEFAULT_FIRMS = 78


def env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass
class SimResult:
    scenario: str
    events: int
    seconds: float
    note: str = ""
    target: str = ""
    headroom: float | None = None

    @property
    def rate(self) -> float:
        return self.events / self.seconds


class CountingSink:
    def __init__(self) -> None:
        self.events = 0

    def send(self, kind: str, table: pa.Table) -> None:
        self.events += table.num_rows

    def flush(self) -> None:
        pass


def sim_baseline(console: object, workdir: Path) -> SimResult:
    """One Pydantic telemetry record per device-minute, the way a row-by-row simulator works."""
    n = env("BENCH_SIM_BASELINE_ROWS", 50_000)
    rng = np.random.default_rng(1)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    counter, energy = 0, 0.0
    began = time.perf_counter()
    for i in range(n):
        running = rng.random() < 0.8
        counter += int(rng.poisson(1.0)) if running else 0
        power = 22 * float(rng.uniform(0.65, 0.95)) if running else 4.4
        energy += power / 60
        Telemetry(id=f"CNC-01-{i}", source="gw", org=complete_uscc("91330206MA2K10001"), device="CNC-01",
                  event_time=start + timedelta(minutes=i), run_state="running" if running
                  else "idle", counter=counter, power_kw=power, energy_kwh=energy)  # fmt: skip
    return SimResult(
        "baseline: a Pydantic record per device-minute", n, time.perf_counter() - began
    )


def sim_history(console: object, workdir: Path) -> SimResult:
    days = env("BENCH_SIM_DAYS", 90)
    park = build_park(start=local_today(datetime.now(UTC)) - timedelta(days=days), days=days)
    sink = CountingSink()
    runner = Runner(park, sink)
    began = time.perf_counter()
    with Progress(transient=True) as progress:
        task = progress.add_task("history (generate only)", total=days + 1)
        runner.history(datetime.now(UTC), lambda d, n: progress.advance(task))
    seconds = time.perf_counter() - began
    note = f"{len(park.firms)} firms, {days} days, every event kind, arrival-ordered"
    return SimResult("history generation, default park", sink.events, seconds, note)


def sim_seed(console: object, workdir: Path) -> SimResult:
    """What `make run` does before serving: generate, check and store 90 days of the park."""
    days = env("BENCH_SIM_DAYS", 90)
    platform = Platform(Store(workdir / "seed.duckdb", memory_limit="2GB"))
    began = time.perf_counter()
    park, _ = demo_park(platform, days=days)
    register(platform, park)
    with Progress(transient=True) as progress:
        task = progress.add_task("seed the demo park", total=days + 1)
        _, sink = backfill(platform, park, lambda d, n: progress.advance(task))
    seconds = time.perf_counter() - began
    platform.close()
    size = (workdir / "seed.duckdb").stat().st_size / 2**20
    ok = "ok" if seconds < 180 else "MISSED"
    return SimResult(
        "seed the demo park (generate + check + store)", sink.totals.accepted, seconds,
        f"{sink.totals.rejected} rejected; database {size:,.0f} MiB", f"< 180 s {ok}",
    )  # fmt: skip


def sim_live(console: object, workdir: Path) -> SimResult:
    """Every device of the default park, minute by minute over MQTT, as fast as it is stored.

    Headroom = 60 s / wall time to publish and store one simulated minute of the whole park.
    """
    from chanrong.ingest.mqtt import PLATFORM_USER, broker_config

    minutes = env("BENCH_SIM_LIVE_MINUTES", 60)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    first = now - timedelta(minutes=minutes + 5)
    park = build_park(start=local_today(first) - timedelta(days=1), days=30)
    db = workdir / "live.duckdb"
    platform = Platform(Store(db))
    register(platform, park)
    platform.close()
    port = free_port()
    users = {PLATFORM_USER: PASSWORD, **{o.uscc: PASSWORD for o in park.organisations()}}
    conf = broker_config(workdir / "mqtt", port, users)
    mosquitto = subprocess.Popen([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c",
                                  str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    server = Server(db, workdir / "live.log",
                    args=("--mqtt", f"mqtt://{PLATFORM_USER}:{PASSWORD}@127.0.0.1:{port}",
                          "--refresh-indicators", "0")).start()  # fmt: skip
    sink = MqttSink(f"mqtt://:{PASSWORD}@127.0.0.1:{port}")
    runner = Runner(park, sink)
    # the park's state up to the start of the window, generated but not sent
    runner.generate(local_today(first))
    runner.release(first, send=False)
    per_minute: list[float] = []
    try:
        with Progress(transient=True) as progress:
            task = progress.add_task("live over MQTT", total=minutes)
            for k in range(1, minutes + 1):
                t = first + timedelta(minutes=k)
                began = time.perf_counter()
                runner.generate(local_today(t))
                runner.release(t)
                sink.flush()
                if not sink.wait_for_acks(timeout=120):
                    raise SystemExit("the platform stopped answering")
                per_minute.append(time.perf_counter() - began)
                progress.advance(task)
    finally:
        sink.close()
        server.stop()
        mosquitto.terminate()
        mosquitto.wait(timeout=10)
    devices = sum(m.automatic for f in park.firms for m in f.machines)
    median = statistics.median(per_minute)
    p95 = sorted(per_minute)[int(len(per_minute) * 0.95) - 1]
    headroom = 60 / p95
    ok = "ok" if headroom >= 10 else "MISSED"
    return SimResult(
        f"live: {minutes} simulated minutes over MQTT", sink.totals.records, sum(per_minute),
        f"{devices} gateway-read machines and their meters, {len(park.firms)} firms; "
        f"{sink.sent:,} messages; "
        f"per simulated minute median {median:.2f} s, p95 {p95:.2f} s; "
        f"{sink.totals.rejected} rejected", f"headroom >= 10x {ok}", headroom,
    )  # fmt: skip


SIM_SCENARIOS = {
    "sim_baseline": sim_baseline,
    "sim_history": sim_history,
    "sim_seed": sim_seed,
    "sim_live": sim_live,
}
