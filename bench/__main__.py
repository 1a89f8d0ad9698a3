"""Ingest benchmarks: `make bench` or `python -m bench [scenario ...]`.

Every figure is measured here, in this process and the server it starts, against a baseline run in
the same bench: the same telemetry rows inserted one at a time. Nothing here asserts; it prints.

Scenarios: baseline, arrow, parquet, json, stream, ledger (ingest with the ledger on and off),
indicators (the indicator engine at three sizes against pandas, bench/indicators.py), and
the simulator's sim_baseline, sim_history,
sim_seed, sim_live (bench/sim.py). Environment knobs:
  BENCH_ROWS           rows for the bulk paths (default 1,000,000)
  BENCH_JSON_ROWS      rows for the JSON path (default 200,000)
  BENCH_BASELINE_ROWS  rows for the one-at-a-time baseline (default 20,000)
  BENCH_STREAM_SECONDS length of the memory run (default 600)
  BENCH_STREAM_RATE    rows per second offered during the memory run (default 5,000)
  BENCH_STREAM_MEMORY_LIMIT  the server's DuckDB cap during the memory run (default 64MB, so
                       the block cache meets its cap within the run and the plateau shows)
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import indicators as indicators_bench
from bench.sim import SIM_SCENARIOS, SimResult
from chanrong.access.rules import Role
from chanrong.model.identifiers import complete_uscc
from chanrong.model.master import Device, DeviceType, Organisation, OrgKind
from chanrong.platform import Platform
from chanrong.store.db import Store
from chanrong.store.events import ipc_bytes
from tests.e2e.conftest import Server

console = Console(width=int(os.environ.get("COLUMNS", "200")))
FIRM = complete_uscc("91330206MA2K90001")
DEVICES = 50
POINTS_PER_ROW = 4  # run_state, counter, power_kw, energy_kwh: one gateway snapshot
BULK_CHUNK = 250_000
JSON_CHUNK = 50_000


def env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def rows(start: int, n: int) -> pa.Table:
    """Telemetry snapshots of DEVICES machines, one minute apart, ending at 2026-01-01."""
    i = np.arange(start, start + n, dtype=np.int64)
    base = np.datetime64("2026-01-01T00:00:00", "us")
    return pa.table({
        "id": pa.array(np.char.add("s-", i.astype(str))),
        "source": pa.array(["gw-bench"] * n),
        "org": pa.array([FIRM] * n),
        "event_time": pa.array(base - (i // DEVICES) * np.timedelta64(60_000_000, "us"), pa.timestamp("us", tz="UTC")),
        "device": pa.array(np.char.add("M-", (i % DEVICES).astype(str))),
        "run_state": pa.array(np.where(i % 7 == 0, "idle", "running")),
        "counter": pa.array(i // DEVICES),
        "power_kw": pa.array(np.round(10 + (i % 13) * 0.7, 2)),
        "energy_kwh": pa.array(np.round(i / DEVICES * 0.2, 3)),
    })  # fmt: skip


def json_body(start: int, n: int) -> bytes:
    """The same rows as a JSON array (orjson writes the timestamps as RFC 3339)."""
    return orjson.dumps(rows(start, n).to_pylist())


def seed(db: Path) -> str:
    platform = Platform(Store(db))
    platform.master.upsert(
        [Organisation(uscc=FIRM, name="基准测试厂", org_kind=OrgKind.SME)]
        + [
            Device(org=FIRM, code=f"M-{d}", name=f"机台{d}", device_type=DeviceType.MACHINE)
            for d in range(DEVICES)
        ],
        platform.clock.now(),
    )
    platform.access.add_user(FIRM, "bench", "bench-password-1", role=Role.ADMIN)
    key = platform.access.create_api_key(FIRM, "bench gateway")
    platform.close()
    return key


@dataclass
class Result:
    scenario: str
    rows: int
    seconds: float
    note: str = ""

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds

    @property
    def points_per_s(self) -> float:
        return self.rows_per_s * POINTS_PER_ROW


def baseline(workdir: Path) -> Result:
    """The same rows inserted one at a time, one statement (and commit) each."""
    db = workdir / "baseline.duckdb"
    seed(db)
    n = env("BENCH_BASELINE_ROWS", 20_000)
    table = rows(0, n).to_pylist()
    store = Store(db)
    cur = store.cursor()
    sql = (
        "INSERT INTO ev_telemetry (id, source, org, event_time, channel, device, run_state, counter, "
        "power_kw, energy_kwh, submitter, batch_id, received_at) VALUES (?, ?, ?, ?, 'device', ?, ?, ?, ?, ?, ?, 0, now())"
    )
    started = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("baseline: one row at a time", total=n)
        for r in table:
            cur.execute(sql, [r["id"], r["source"], r["org"], r["event_time"], r["device"], r["run_state"],
                              r["counter"], r["power_kw"], r["energy_kwh"], FIRM])  # fmt: skip
            progress.advance(task)
    seconds = time.perf_counter() - started
    store.close()
    return Result(
        "baseline (row-at-a-time INSERT)", n, seconds, "same rows, same table, autocommit"
    )


def _post_all(
    server: Server, key: str, media: str, bodies: list[bytes], total: int, label: str
) -> float:
    headers = {"authorization": f"Bearer {key}", "content-type": media}
    accepted = 0
    with (
        httpx.Client(timeout=600, headers=headers) as client,
        Progress(console=console, transient=True) as progress,
    ):
        task = progress.add_task(label, total=total)
        started = time.perf_counter()
        for body in bodies:
            answer = client.post(f"{server.url}/api/v1/ingest/telemetry", content=body).json()
            accepted += answer["accepted"]
            progress.advance(task, answer["records"])
        seconds = time.perf_counter() - started
    if accepted != total:
        raise SystemExit(f"{label}: {accepted} of {total} accepted")
    return seconds


def _server(workdir: Path, name: str, *args: str) -> tuple[Server, str]:
    db = workdir / f"{name}.duckdb"
    key = seed(db)
    # ingest alone is measured: no indicator refreshes in the background
    args = (*args, "--refresh-indicators", "0")
    return Server(db, workdir / f"{name}.log", args=args).start(), key


def ledger(workdir: Path) -> Result:
    """Arrow and JSON ingest over HTTP with the ledger on and off, alternated, best of each."""
    n = env("BENCH_ROWS", 1_000_000)
    rounds = env("BENCH_LEDGER_ROUNDS", 3)
    arrow = [ipc_bytes(rows(s, min(BULK_CHUNK, n - s))) for s in range(0, n, BULK_CHUNK)]
    per_request = 1_000  # a gateway's minute: the live path
    small_n = min(n, 100_000)
    # ids after the bulk ones, so nothing is a duplicate
    small = [json_body(n + s, per_request) for s in range(0, small_n, per_request)]
    best: dict[tuple[str, bool], float] = {}
    for k in range(rounds):
        for on in (True, False):
            name = f"ledger-{'on' if on else 'off'}-{k}"
            server, key = _server(workdir, name, *(() if on else ("--no-ledger",)))
            try:
                label = f"round {k + 1}/{rounds}, ledger {'on' if on else 'off'}"
                t = _post_all(server, key, "application/vnd.apache.arrow.stream", arrow, n,
                              f"arrow bulk, {label}")  # fmt: skip
                best[("arrow", on)] = min(best.get(("arrow", on), t), t)
                t = _post_all(
                    server, key, "application/json", small, small_n, f"JSON 1,000, {label}"
                )
                best[("json", on)] = min(best.get(("json", on), t), t)
            finally:
                server.stop()
    notes = []
    for path, count in (("arrow", n), ("json", small_n)):
        on, off = count / best[(path, True)], count / best[(path, False)]
        notes.append(f"{path}: on {on:,.0f} rows/s, off {off:,.0f} rows/s, on/off {on / off:.1%}")
    console.print("ledger: " + "; ".join(notes))
    return Result(
        "ledger on (arrow bulk, HTTP)", n, best[("arrow", True)],
        f"best of {rounds}; " + "; ".join(notes) + " (target: on >= 90% of off)",
    )  # fmt: skip


def bulk(workdir: Path, fmt: str) -> Result:
    n = env("BENCH_ROWS", 1_000_000)
    bodies = []
    for start in range(0, n, BULK_CHUNK):
        table = rows(start, min(BULK_CHUNK, n - start))
        if fmt == "arrow":
            bodies.append(ipc_bytes(table))
        else:
            sink = io.BytesIO()
            pq.write_table(table, sink)
            bodies.append(sink.getvalue())
    media = (
        "application/vnd.apache.arrow.stream"
        if fmt == "arrow"
        else "application/vnd.apache.parquet"
    )
    server, key = _server(workdir, fmt)
    try:
        seconds = _post_all(server, key, media, bodies, n, f"{fmt} bulk over HTTP")
    finally:
        server.stop()
    return Result(f"{fmt} bulk, HTTP end to end", n, seconds, f"{BULK_CHUNK:,} rows per request")


def json_path(workdir: Path) -> Result:
    n = env("BENCH_JSON_ROWS", 200_000)
    bodies = []
    for start in range(0, n, JSON_CHUNK):
        bodies.append(json_body(start, min(JSON_CHUNK, n - start)))
    server, key = _server(workdir, "json")
    try:
        seconds = _post_all(server, key, "application/json", bodies, n, "JSON over HTTP")
    finally:
        server.stop()
    return Result("JSON array, HTTP end to end", n, seconds, f"{JSON_CHUNK:,} records per request")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stream(workdir: Path) -> Result:
    """A steady stream of small JSON batches; the server's resident memory sampled throughout."""
    seconds = env("BENCH_STREAM_SECONDS", 600)
    rate = env("BENCH_STREAM_RATE", 5_000)
    per_batch = 1_000
    memory_limit = os.environ.get("BENCH_STREAM_MEMORY_LIMIT", "64MB")
    server, key = _server(workdir, "stream", "--memory-limit", memory_limit)
    assert server.proc is not None
    samples: list[tuple[float, float, float]] = []
    sent = refused = 0
    try:
        headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
        with (
            httpx.Client(timeout=60, headers=headers) as client,
            Progress(console=console, transient=True) as progress,
        ):
            task = progress.add_task("stream (memory)", total=seconds)
            started = time.monotonic()
            next_sample = started
            while (elapsed := time.monotonic() - started) < seconds:
                response = client.post(
                    f"{server.url}/api/v1/ingest/telemetry", content=json_body(sent, per_batch)
                )
                if response.status_code == 503:  # short of memory: a gateway waits and resends
                    refused += 1
                    time.sleep(1)
                    continue
                response.raise_for_status()
                sent += per_batch
                if time.monotonic() >= next_sample:
                    duck = sum(
                        client.get(f"{server.url}/healthz").json()["duckdb_memory_mib"].values()
                    )
                    samples.append((elapsed, rss_mib(server.proc.pid), duck))
                    next_sample += 5
                    progress.update(task, completed=elapsed)
                ahead = sent / rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
    finally:
        server.stop()
    half = [s for s in samples if s[0] >= seconds / 2]
    rss_slope, duck_slope = (
        (np.polyfit([s[0] for s in half], [s[k] for s in half], 1)[0] * 60 for k in (1, 2))
        if len(half) > 2
        else (float("nan"), float("nan"))
    )
    first_min = [s[1] for s in samples if s[0] <= 60]
    note = (
        f"server RSS after 1 min {max(first_min):.0f} MiB, at end {samples[-1][1]:.0f} MiB, "
        f"max {max(s[1] for s in samples):.0f} MiB, second-half slope {rss_slope:+.1f} MiB/min; "
        f"DuckDB memory at end {samples[-1][2]:.0f} MiB, slope {duck_slope:+.1f} MiB/min; "
        f"{refused} batches refused with 503 and resent"
    )
    (workdir.parent / "chanrong-bench-stream.csv").write_text(
        "seconds,rss_mib,duckdb_mib\n"
        + "".join(f"{t:.0f},{m:.1f},{d:.1f}\n" for t, m, d in samples)
    )
    return Result(
        f"stream {seconds}s at {rate:,} rows/s offered, DuckDB cap {memory_limit}",
        sent,
        seconds,
        note,
    )


SCENARIOS = {
    "baseline": baseline,
    "arrow": lambda w: bulk(w, "arrow"),
    "parquet": lambda w: bulk(w, "parquet"),
    "json": json_path,
    "stream": stream,
    "ledger": ledger,
}
OTHER_SCENARIOS = {"indicators": indicators_bench.run}
TARGETS = {"arrow": 1_000_000, "parquet": 1_000_000, "json": 100_000}


def main(names: list[str]) -> None:
    known = [*SCENARIOS, *SIM_SCENARIOS, *OTHER_SCENARIOS]
    chosen = names or known
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise SystemExit(f"unknown scenario {unknown}; known: {known}")
    results: dict[str, Result] = {}
    sims: dict[str, SimResult] = {}
    with tempfile.TemporaryDirectory(prefix="chanrong-bench-") as tmp:
        for name in chosen:
            console.print(f"[bold]{name}[/bold] ...")
            if name in OTHER_SCENARIOS:
                OTHER_SCENARIOS[name](console, Path(tmp))
            elif name in SIM_SCENARIOS:
                sims[name] = SIM_SCENARIOS[name](console, Path(tmp))
            else:
                results[name] = SCENARIOS[name](Path(tmp))
    if results:
        ingest_table(results)
    if sims:
        sim_table(sims)


def sim_table(sims: dict[str, SimResult]) -> None:
    base = sims.get("sim_baseline")
    table = Table(title="chanrong simulator bench")
    for col in ("scenario", "events", "seconds", "events/s", "vs baseline", "target", "note"):
        table.add_column(col, justify="left" if col in ("scenario", "note", "target") else "right")
    for name, r in sims.items():
        ratio = (
            f"{r.rate / base.rate:,.0f}x" if base and name in ("sim_history", "sim_seed") else ""
        )
        if r.headroom is not None:
            ratio = f"headroom {r.headroom:,.0f}x"
        table.add_row(r.scenario, f"{r.events:,}", f"{r.seconds:.1f}", f"{r.rate:,.0f}", ratio,
                      r.target, r.note)  # fmt: skip
    console.print(table)


def ingest_table(results: dict[str, Result]) -> None:
    base = results.get("baseline")
    table = Table(title=f"chanrong ingest bench ({POINTS_PER_ROW} points per telemetry row)")
    for col in (
        "scenario",
        "rows",
        "seconds",
        "rows/s",
        "points/s",
        "target points/s",
        "vs baseline",
        "note",
    ):
        table.add_column(col, justify="right" if col not in ("scenario", "note") else "left")
    for name, r in results.items():
        target = TARGETS.get(name)
        ratio = f"{r.rows_per_s / base.rows_per_s:,.0f}x" if base and name in TARGETS else ""
        met = "" if target is None else (" ok" if r.points_per_s >= target else " MISSED")
        table.add_row(
            r.scenario, f"{r.rows:,}", f"{r.seconds:.2f}", f"{r.rows_per_s:,.0f}", f"{r.points_per_s:,.0f}",
            f"{target:,}{met}" if target else "", ratio, r.note,
        )  # fmt: skip
    console.print(table)


if __name__ == "__main__":
    main(sys.argv[1:])
