"""Running a simulated park: release rows as their arrival time passes, into a sink.

History mode generates day after day and releases everything that has arrived by the end of
each day (or by now); live mode keeps generating as the clock moves and releases rows minute by
minute. Sinks: the platform in process (history as a replay that keeps arrival times, live as
each firm's own submissions), a running server over HTTP, an MQTT broker, or files.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from chanrong.access.rules import Principal, Role
from chanrong.ingest.decode import ARROW_TYPES
from chanrong.model import EVENT_KINDS
from chanrong.model.base import LOCAL_TZ
from chanrong.model.master import OrgKind
from chanrong.platform import Platform
from chanrong.sim.engine import Simulator
from chanrong.sim.park import Park, local_dt
from chanrong.store.events import REPLAY_COLUMNS, IngestResult, TableBatch, ipc_bytes

log = logging.getLogger("chanrong.sim")


class Sink(Protocol):
    def send(self, kind: str, table: pa.Table) -> None: ...

    def flush(self) -> None: ...


@dataclass
class Totals:
    records: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    problems: list[str] = field(default_factory=list)

    def add(self, kind: str, result: IngestResult | dict) -> None:
        r = result if isinstance(result, dict) else result.model_dump()
        self.records += r["records"]
        self.accepted += r["accepted"]
        self.duplicates += r["duplicates"]
        self.rejected += r["rejected"]
        self.by_kind[kind] += r["accepted"]
        for rej in r.get("rejections", [])[:3]:
            if len(self.problems) < 20:
                self.problems.append(f"{kind} {rej.get('id')}: {rej.get('errors')}")


def contract_columns(table: pa.Table) -> pa.Table:
    return table.drop_columns([c for c in REPLAY_COLUMNS if c in table.column_names])


def by_submitter(table: pa.Table) -> list[tuple[str, pa.Table]]:
    out = []
    for who in pc.unique(table["submitter"]).to_pylist():
        out.append((who, table.filter(pc.equal(table["submitter"], who))))
    return out


class PlatformSink:
    """Into the platform in this process.

    `replay=True` back-fills history: large batches through the platform's replay, keeping each
    row's submitter and arrival time. Otherwise each firm submits its own rows, as live.
    """

    def __init__(
        self, platform: Platform, operator: str, *, replay: bool, batch_rows: int = 1_000_000
    ):
        self.platform = platform
        self.replay = replay
        self.batch_rows = batch_rows
        self.operator = Principal(org=operator, org_kind=OrgKind.PLATFORM, role=Role.ADMIN)
        self.buffer: dict[str, list[pa.Table]] = defaultdict(list)
        self.buffered: dict[str, int] = defaultdict(int)
        self.totals = Totals()
        self._kinds: dict[str, OrgKind] = {}

    def send(self, kind: str, table: pa.Table) -> None:
        if not self.replay:
            for who, part in by_submitter(table):
                principal = Principal(org=who, org_kind=self._kind(who), role=Role.MEMBER,
                                      api_key_id="simulated-gateway")  # fmt: skip
                batch = TableBatch(contract_columns(part))
                self.totals.add(kind, self.platform.ingest.submit(kind, batch, principal))
            return
        self.buffer[kind].append(table)
        self.buffered[kind] += table.num_rows
        if self.buffered[kind] >= self.batch_rows:
            self._flush(kind)

    def _kind(self, uscc: str) -> OrgKind:
        if uscc not in self._kinds:
            org = self.platform.master.organisation(uscc)
            self._kinds[uscc] = OrgKind(org.org_kind) if org else OrgKind.SME
        return self._kinds[uscc]

    def _flush(self, kind: str) -> None:
        tables = self.buffer.pop(kind, [])
        self.buffered.pop(kind, None)
        if tables:
            batch = TableBatch(pa.concat_tables(tables))
            self.totals.add(kind, self.platform.ingest.replay(kind, batch, self.operator))

    def flush(self) -> None:
        for kind in list(self.buffer):
            self._flush(kind)


class HttpSink:
    """To a running server: each submitter's rows with its API key (or one integration key)."""

    def __init__(self, url: str, keys: dict[str, str], default_key: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.keys = keys
        self.default_key = default_key
        self.client = httpx.Client(timeout=120)
        self.totals = Totals()

    def send(self, kind: str, table: pa.Table) -> None:
        for who, part in by_submitter(table):
            key = self.keys.get(who, self.default_key)
            if key is None:
                self.totals.problems.append(
                    f"no API key for {who}: {part.num_rows} {kind} held back"
                )
                continue
            r = self.client.post(
                f"{self.url}/api/v1/ingest/{kind}", content=ipc_bytes(contract_columns(part)),
                headers={"content-type": ARROW_TYPES[0], "authorization": f"Bearer {key}"},
            )  # fmt: skip
            r.raise_for_status()
            self.totals.add(kind, r.json())

    def flush(self) -> None:
        pass


class MqttSink:
    """To a broker, as each enterprise's gateway would: its own MQTT user (its USCC), its own
    topics, Arrow IPC payloads. `url` carries the broker and the simulated users' password."""

    def __init__(self, url: str, source: str = "sim") -> None:
        from chanrong.ingest.mqtt import BrokerUrl

        self.url = BrokerUrl.parse(url)
        self.source = source
        self.clients: dict[str, Any] = {}
        self.pending: list[Any] = []
        self.sent = 0
        self.acks = 0
        self._lock = threading.Lock()
        self.totals = Totals()

    def _client(self, who: str) -> Any:
        from chanrong.ingest.mqtt import BrokerUrl, ack_topic, client

        if who not in self.clients:
            url = BrokerUrl(self.url.host, self.url.port, who, self.url.password)
            c = client(url, f"sim-{who}", persistent=False)
            c.on_message = self._on_ack
            c.connect(url.host, url.port, keepalive=30)
            c.subscribe(ack_topic(who, "+", self.source), qos=1)
            c.loop_start()
            self.clients[who] = c
        return self.clients[who]

    def _on_ack(self, _c: Any, _u: Any, msg: Any) -> None:
        answer = orjson.loads(msg.payload)
        with self._lock:
            self.acks += 1
            if "error" in answer:
                self.totals.problems.append(answer["error"])
            else:
                self.totals.add(msg.topic.split("/")[4], answer)

    def send(self, kind: str, table: pa.Table) -> None:
        from chanrong.ingest.mqtt import record_topic

        for who, part in by_submitter(table):
            body = ipc_bytes(contract_columns(part))
            info = self._client(who).publish(record_topic(who, kind, self.source), body, qos=1)
            self.pending.append(info)
            self.sent += 1

    def flush(self) -> None:
        """Wait until the broker has taken every message."""
        for info in self.pending:
            info.wait_for_publish(timeout=60)
        self.pending.clear()

    def wait_for_acks(self, timeout: float = 120) -> bool:
        """Wait until the platform has answered every message sent so far."""
        deadline = time.monotonic() + timeout
        while self.acks < self.sent:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self) -> None:
        for c in self.clients.values():
            c.disconnect()
            c.loop_stop()


class FileSink:
    """Parquet files per kind and day, in the contract's columns, ready for `chanrong ingest`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.totals = Totals()
        self.part = 0

    def send(self, kind: str, table: pa.Table) -> None:
        out = self.folder / kind
        out.mkdir(parents=True, exist_ok=True)
        self.part += 1
        pq.write_table(contract_columns(table), out / f"part-{self.part:06d}.parquet")
        self.totals.records += table.num_rows
        self.totals.accepted += table.num_rows
        self.totals.by_kind[kind] += table.num_rows

    def flush(self) -> None:
        pass


class Runner:
    """Holds generated rows until they arrive, and hands them to the sink."""

    def __init__(self, park: Park, sink: Sink) -> None:
        self.park = park
        self.sim = Simulator(park)
        self.sink = sink
        self.pending: dict[str, list[pa.Table]] = defaultdict(list)
        self.next_day = park.start
        self.released_until: datetime = local_dt(park.start, 0)

    def generate(self, day: date) -> int:
        """Simulate days up to and including `day`; return how many rows were made."""
        made = 0
        while self.next_day <= day:
            for kind, table in self.sim.day(self.next_day).items():
                self.pending[kind].append(table)
                made += table.num_rows
            self.next_day += timedelta(days=1)
        return made

    def release(self, until: datetime, *, send: bool = True) -> int:
        """Hand over every row that has arrived by `until`, oldest kinds first."""
        sent = 0
        stamp = pa.scalar(until, pa.timestamp("us", tz="UTC"))
        for kind in list(EVENT_KINDS):
            tables = self.pending.get(kind)
            if not tables:
                continue
            table = pa.concat_tables(tables)
            due = pc.less_equal(table["received_at"], stamp)
            ready = table.filter(due)
            rest = table.filter(pc.invert(due))
            self.pending[kind] = [rest] if rest.num_rows else []
            if ready.num_rows:
                if send:
                    self.sink.send(kind, ready.sort_by("received_at"))
                sent += ready.num_rows
        self.released_until = max(self.released_until, until)
        return sent

    def history(
        self,
        until: datetime,
        progress: Callable[[date, int], None] | None = None,
        *,
        skip_until: datetime | None = None,
    ) -> int:
        """Generate and release every day up to `until`; rows that arrived by `skip_until`
        (already stored before a restart) are regenerated for state but not sent."""
        sent = 0
        last = (until.astimezone(UTC) + timedelta(hours=8)).date()
        while self.next_day <= last:
            day = self.next_day
            self.generate(day)
            cut = min(until, local_dt(day + timedelta(days=1), 0))
            if skip_until is not None and skip_until > self.released_until:
                self.release(min(cut, skip_until), send=False)
            sent += self.release(cut)
            if progress:
                progress(day, sent)
        self.sink.flush()
        return sent


def run_live(
    runner: Runner,
    now: Callable[[], datetime],
    stop: threading.Event,
    *,
    tick_seconds: float = 10.0,
    on_error: Callable[[Exception], None] | None = None,
) -> None:
    """Keep the park going in real time until `stop` is set: generate each new day as it starts,
    release rows as they arrive."""
    while not stop.is_set():
        t = now()
        try:
            runner.generate((t.astimezone(UTC) + timedelta(hours=8)).date())
            runner.release(t)
            runner.sink.flush()
        except Exception as exc:  # the feed must survive a busy or restarting server
            if on_error:
                on_error(exc)
        stop.wait(tick_seconds)


def write_truth(park: Park, path: Path) -> None:
    """The ground-truth file: every planted event, with the park's identity."""
    payload = {
        "preset": park.preset.key,
        "seed": park.seed,
        "start": park.start.isoformat(),
        "days": park.days,
        "firms": [
            {
                "uscc": f.uscc,
                "name": f.name,
                "level": f.level.value,
                "industry": f.trade.industry_code,
                "machines": len(f.machines),
                "automatic": sum(m.automatic for m in f.machines),
                "roles": sorted(r.value for r in f.roles),
            }
            for f in park.firms
        ],
        "events": [t.as_dict() for t in sorted(park.truth, key=lambda t: (t.start, t.kind))],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(payload, option=orjson.OPT_INDENT_2))


def monotonic_clock(start: datetime, speed: float) -> Callable[[], datetime]:
    """Simulated time that runs `speed` times faster than the wall clock from `start`."""
    t0 = time.monotonic()
    return lambda: start + timedelta(seconds=(time.monotonic() - t0) * speed)


class LiveFeed:
    """A simulated park streaming into the platform in real time, beside the web server."""

    name = "live-feed"

    def __init__(self, runner: Runner, now: Callable[[], datetime], tick_seconds: float = 10.0):
        self.runner = runner
        self.now = now
        self.tick_seconds = tick_seconds
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=run_live, name="live-feed", daemon=True,
            args=(self.runner, self.now, self._stop),
            kwargs={"tick_seconds": self.tick_seconds, "on_error": self._error},
        )  # fmt: skip
        self._thread.start()

    def _error(self, exc: Exception) -> None:
        self.errors = [*self.errors[-9:], f"{type(exc).__name__}: {exc}"]
        log.warning("live feed error", extra={"error": str(exc)})

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=30)

    def status(self) -> dict[str, Any]:
        totals = getattr(self.runner.sink, "totals", Totals())
        until = self.runner.released_until.astimezone(LOCAL_TZ)
        return {
            "running": bool(self._thread and self._thread.is_alive()),
            "released_until": until.strftime("%Y-%m-%d %H:%M:%S"),
            "records": totals.records, "rejected": totals.rejected,
            "last_error": self.errors[-1] if self.errors else None,
        }  # fmt: skip
