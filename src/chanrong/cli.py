"""The `chanrong` command: serve, demo, ingest, export/import and account administration.

While a server owns the database file, act through its API (`--url`, `--api-key`); with no server
running, the command opens the file itself.
"""

from __future__ import annotations

import contextlib
import getpass
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import duckdb
import httpx
import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chanrong.access.rules import Principal, Role
from chanrong.access.service import AccessError
from chanrong.ingest.decode import ARROW_TYPES, read_file
from chanrong.ingest.service import IngestDenied, UnknownKind
from chanrong.model import EVENT_KINDS
from chanrong.model.base import local_today
from chanrong.model.master import Organisation, OrgKind
from chanrong.platform import Platform
from chanrong.sim.park import Park, local_dt
from chanrong.store.events import BadPayload, JsonBatch, TableBatch, ipc_bytes

if TYPE_CHECKING:
    from chanrong.sim.run import PlatformSink, Runner

DEFAULT_DB = "data/chanrong.duckdb"
CHUNK_ROWS = 100_000

app = typer.Typer(
    help="chanrong 产融: production data for SME credit and orders.", no_args_is_help=True
)
org_app = typer.Typer(help="Organisations.", no_args_is_help=True)
user_app = typer.Typer(help="People who log in to the web UI.", no_args_is_help=True)
key_app = typer.Typer(help="API keys for gateways and integrations.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")
app.add_typer(key_app, name="apikey")
ind_app = typer.Typer(help="Financing and order indicators.", no_args_is_help=True)
app.add_typer(ind_app, name="indicators")
console = Console(stderr=True)

DbOption = Annotated[Path, typer.Option("--db", help="DuckDB file", envvar="CHANRONG_DB")]
UrlOption = Annotated[
    str | None, typer.Option(help="act through a running server, e.g. http://127.0.0.1:8000")
]
ApiKeyOption = Annotated[
    str | None,
    typer.Option(envvar="CHANRONG_API_KEY", help="API key for --url (a platform key to simulate)"),
]
MqttOption = Annotated[
    str | None,
    typer.Option(
        help="subscribe to a broker, e.g. mqtt://chanrong-platform:PASS@127.0.0.1:1883",
        envvar="CHANRONG_MQTT",
    ),
]


def _open(db: Path, memory_limit: str | None = None, *, ledger: bool = True) -> Platform:
    try:
        return Platform.open(db, memory_limit=memory_limit, ledger=ledger)
    except duckdb.IOException as exc:
        console.print(
            f"[red]cannot open {db}: {exc}[/red]\nA running server owns the file: pass "
            "--url http://127.0.0.1:8000 --api-key KEY to act through it."
        )
        raise typer.Exit(2) from exc


def _fail(message: str) -> NoReturn:
    console.print(f"[red]{message}[/red]")
    raise typer.Exit(1)


@app.command()
def serve(
    db: DbOption = Path(DEFAULT_DB),
    host: Annotated[str, typer.Option(help="bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    log_level: Annotated[str, typer.Option(help="debug, info, warning")] = "info",
    max_body_mib: Annotated[int, typer.Option(help="largest request body accepted")] = 64,
    memory_limit: Annotated[str, typer.Option(help="DuckDB buffer pool cap, e.g. 2GB")] = "2GB",
    mqtt: MqttOption = None,
    no_ledger: Annotated[
        bool, typer.Option("--no-ledger", hidden=True, help="benchmarks only: store unsealed")
    ] = False,
    refresh_indicators: Annotated[
        float, typer.Option(help="seconds between indicator refreshes of changed firms; 0: off")
    ] = 300,
    alerts: Annotated[
        float,
        typer.Option(help="seconds between warning-rule rounds and webhook deliveries; 0: off"),
    ] = 60,
) -> None:
    """Serve the web UI and the API. Stops cleanly on SIGTERM or Ctrl-C."""
    from chanrong.alerts.service import AlertLoop
    from chanrong.indicators.refresh import IndicatorRefresher
    from chanrong.web.app import Settings

    platform = _open(db, memory_limit, ledger=not no_ledger)
    services = _mqtt_services(platform, mqtt)
    if refresh_indicators > 0:
        services = (*services, IndicatorRefresher(platform.indicators, refresh_indicators,
                                                  then=platform.grading.assess))  # fmt: skip
    if alerts > 0:
        services = (*services, AlertLoop(platform.alerts, alerts))
    _serve(platform, Settings(max_body_bytes=max_body_mib << 20), host, port, log_level, services)


def _mqtt_services(platform: Platform, url: str | None) -> tuple:
    if not url:
        return ()
    from chanrong.ingest.mqtt import MqttIngest

    try:
        return (MqttIngest(platform, url),)
    except ValueError as exc:
        _fail(str(exc))


def _serve(
    platform: Platform,
    settings: object,
    host: str,
    port: int,
    log_level: str = "info",
    services: tuple = (),
) -> None:
    import uvicorn

    from chanrong.logs import configure
    from chanrong.web.app import Settings, create_app

    assert isinstance(settings, Settings)
    log_config = configure(log_level)
    web = create_app(platform, settings, services)
    uvicorn.run(web, host=host, port=port, log_config=log_config, timeout_graceful_shutdown=10)


def _history_progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[records]:>12,} records"), TimeElapsedColumn(), console=console,
    )  # fmt: skip


@app.command()
def demo(
    db: DbOption = Path(DEFAULT_DB),
    host: Annotated[str, typer.Option(help="bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    seed_only: Annotated[bool, typer.Option(help="create the demo data and exit")] = False,
    firms: Annotated[
        int | None, typer.Option(help="firms in the park (preset's own number)")
    ] = None,
    days: Annotated[int, typer.Option(help="days of history")] = 90,
    preset: Annotated[str, typer.Option(help="diecasting, garment or packaging")] = "diecasting",
    memory_limit: Annotated[str, typer.Option(help="DuckDB buffer pool cap")] = "2GB",
    mqtt: MqttOption = None,
) -> None:
    """Create the demo park with its history (once), then serve it with a live feed."""
    from chanrong.alerts.service import AlertLoop
    from chanrong.indicators.refresh import IndicatorRefresher
    from chanrong.sim.demo import (
        demo_consents,
        demo_park,
        demo_park_credit,
        demo_quotas,
        demo_scorecard,
        level_footprint,
        register,
    )
    from chanrong.sim.run import LiveFeed, PlatformSink, write_truth
    from chanrong.web.app import Settings

    platform = _open(db, memory_limit)
    park, created = demo_park(platform, preset=preset, firms=firms, days=days)
    register(platform, park)
    demo_consents(platform, park)
    level_footprint(platform, park)
    demo_scorecard(platform, park)
    runner, sink = _backfill(platform, park)
    demo_quotas(platform, park)
    demo_park_credit(platform, park)
    t = sink.totals
    console.print(
        f"{'created' if created else 'resumed'} {park.preset.name_zh} ({len(park.firms)} firms, "
        f"seed {park.seed}, from {park.start}): {t.accepted:,} records stored, "
        f"{t.duplicates:,} already there, {t.rejected:,} rejected"
    )
    for problem in t.problems[:5]:
        console.print(f"[yellow]{problem}[/yellow]")
    truth = db.parent / "ground-truth.json"
    write_truth(park, truth)
    console.print(f"ground truth: {truth}")
    logins = []
    table = Table(title="demo accounts")
    for col in ("user", "password", "organisation"):
        table.add_column(col)
    for login in park.logins:
        org = platform.master.organisation(login.org)
        logins.append((login.username, login.password, org.name if org else login.org))
        table.add_row(*logins[-1])
    console.print(table)
    _weekly_history(platform, "indicators", "indicator_values", platform.indicators.compute)
    _month_ends(platform)
    _weekly_history(platform, "grades", "grades", platform.grading.assess)
    _alert_history(platform)
    if seed_only:
        platform.close()
        return
    runner.sink = PlatformSink(platform, park.platform.uscc, replay=False)
    feed = LiveFeed(runner, platform.clock.now)
    console.print(f"open http://{host}:{port} (live data every {feed.tick_seconds:g} s)")
    refresher = IndicatorRefresher(platform.indicators, then=platform.grading.assess)
    services = (*_mqtt_services(platform, mqtt), feed, refresher, AlertLoop(platform.alerts))
    _serve(platform, Settings(demo_logins=tuple(logins)), host, port, services=services)


def _backfill(platform: Platform, park: Park) -> tuple[Runner, PlatformSink]:
    """The park's history up to now into the platform, with progress (`sim.demo.backfill`)."""
    from chanrong.sim.demo import backfill

    with _history_progress() as progress:
        task = progress.add_task("history", total=park.days + 1, records=0)

        def step(day: date, sent: int) -> None:
            progress.update(task, completed=(day - park.start).days + 1, records=sent,
                            description=f"history {day}")  # fmt: skip

        return backfill(platform, park, step)


def _weekly_history(
    platform: Platform, label: str, table: str, keep: Callable[[date], int], weeks: int = 4
) -> None:
    """`keep` today and weekly back `weeks` weeks (trends and history on the pages), for the
    days `table` has nothing for yet."""
    today = local_today(platform.clock.now())
    kept = {r[0] for r in platform.store.cursor().execute(
        f"SELECT DISTINCT as_of FROM {table}").fetchall()}  # fmt: skip
    days = [d for d in (today - timedelta(weeks=w) for w in range(weeks, -1, -1)) if d not in kept]
    if days:
        console.print(f"{label}: {_each_day(label, days, keep):,} for {len(days)} day(s)")


def _month_ends(platform: Platform, months: int = 3) -> None:
    """The indicators at the last month ends, for the firms without them (supplier scorecards
    read their periods from them; kept, so a buyer's first look is quick)."""
    from chanrong.supply.cards import periods

    firms = [o for (o,) in platform.store.cursor().execute(
        "SELECT uscc FROM organisations WHERE org_kind = 'sme'").fetchall()]  # fmt: skip
    ends = [end for _, end in periods("month", local_today(platform.clock.now()), months)]
    _each_day("month ends", ends, lambda d: platform.indicators.ensure(firms, d))


def _alert_history(platform: Platform, days: int = 30) -> None:
    """Once: the slow-moving warning rules day by day over the last `days` days (an inbox with
    its history), then every rule at this instant."""
    from chanrong.alerts.engine import AlertEngine
    from chanrong.alerts.rules import RULES

    if platform.store.cursor().execute("SELECT count(*) FROM alert_meta").fetchone()[0]:  # type: ignore[index]
        return
    slow = AlertEngine(platform.store, tuple(r for r in RULES if r.every_minutes > 1))
    end = local_today(platform.clock.now()) - timedelta(days=1)
    _each_day("alerts", _history_days(end, days - 1, 1),
              lambda d: len(slow.tick(local_dt(d, 18 * 60)).opened))  # fmt: skip
    now = platform.alerts.engine.tick(platform.clock.now())
    console.print(f"alerts: {len(now.opened)} opened now")


def _history_days(end: date, history: int, step: int) -> list[date]:
    """`end` and every `step` days back over `history` days, oldest first."""
    return [end - timedelta(days=d) for d in range(0, history + 1, max(step, 1))][::-1]


def _each_day(label: str, days: list[date], keep: Callable[[date], int]) -> int:
    """`keep` each day with progress; how many rows were kept."""
    with _history_progress() as progress:
        task = progress.add_task(label, total=len(days), records=0)
        total = 0
        for day in days:
            total += keep(day)
            progress.update(task, advance=1, records=total, description=f"{label} {day}")
    return total


sim_app = typer.Typer(
    help="Simulated parks and devices: history, live feeds.", no_args_is_help=True
)
app.add_typer(sim_app, name="simulate")
PresetOption = Annotated[str, typer.Option(help="diecasting, garment or packaging")]


def _park(
    preset: str, seed: int, days: int, firms: int | None, start: str | None, sampling: int = 1
) -> Park:
    from chanrong.sim.park import build_park
    from chanrong.sim.presets import PRESETS

    if preset not in PRESETS:
        _fail(f"unknown preset {preset}; known: {', '.join(PRESETS)}")
    first = (
        date.fromisoformat(start)
        if start
        else local_today(datetime.now(UTC)) - timedelta(days=days)
    )
    try:
        return build_park(preset, seed=seed, start=first, days=days, firms=firms,
                          sampling_minutes=sampling)  # fmt: skip
    except ValueError as exc:
        _fail(str(exc))


def _register_http(park: Park, url: str, api_key: str) -> None:
    """Organisations and master data through a running server (a platform key may)."""
    records: dict[str, list[dict]] = {"organisation": [o.model_dump(mode="json", exclude_none=True)
                                                       for o in park.organisations()]}  # fmt: skip
    for m in park.master_records():
        records.setdefault(m.kind, []).append(m.model_dump(mode="json", exclude_none=True))
    for kind, rows in records.items():
        r = httpx.post(f"{url.rstrip('/')}/api/v1/master/{kind}", json=rows, timeout=120,
                       headers={"authorization": f"Bearer {api_key}"})  # fmt: skip
        if r.status_code != 200 or r.json()["rejected"]:
            _fail(f"registering {kind}: {r.status_code} {r.text[:500]}")


@sim_app.command("history")
def simulate_history(
    preset: PresetOption = "diecasting",
    seed: Annotated[int, typer.Option(help="same seed, same park and data")] = 2026,
    days: Annotated[int, typer.Option(help="days to simulate")] = 90,
    firms: Annotated[int | None, typer.Option(help="firms (preset's own number)")] = None,
    start: Annotated[
        str | None, typer.Option(help="first day, YYYY-MM-DD (default: days ago)")
    ] = None,
    db: DbOption = Path(DEFAULT_DB),
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    out: Annotated[Path | None, typer.Option(help="write Parquet files here instead")] = None,
    truth: Annotated[Path | None, typer.Option(help="ground-truth JSON file")] = None,
    sampling: Annotated[int, typer.Option(help="gateway sampling interval, minutes")] = 1,
) -> None:
    """Generate a park's history fast, with a progress bar: into the database file (as a replay
    that keeps arrival times), to a running server, or to Parquet files."""
    from chanrong.sim.demo import register
    from chanrong.sim.run import FileSink, HttpSink, PlatformSink, Runner, Sink, write_truth

    park = _park(preset, seed, days, firms, start, sampling)
    platform = None
    sink: Sink
    if out:
        sink = FileSink(out)
    elif url:
        if not api_key:
            _fail("--url needs --api-key of a platform organisation")
        _register_http(park, url, str(api_key))
        sink = HttpSink(url, {}, api_key)
    else:
        platform = _open(db)
        register(platform, park)
        sink = PlatformSink(platform, park.platform.uscc, replay=True)
    until = min(datetime.now(UTC), local_dt(park.end, 0))
    runner = Runner(park, sink)
    with _history_progress() as progress:
        task = progress.add_task("history", total=park.days, records=0)
        runner.history(until, lambda d, n: progress.update(
            task, completed=min(park.days, (d - park.start).days + 1), records=n,
            description=f"history {d}"))  # fmt: skip
    totals = sink.totals  # type: ignore[attr-defined]
    console.print(f"{totals.records:,} records: {totals.accepted:,} accepted, "
                  f"{totals.duplicates:,} duplicates, {totals.rejected:,} rejected")  # fmt: skip
    for problem in totals.problems[:10]:
        console.print(f"[yellow]{problem}[/yellow]")
    if truth:
        write_truth(park, truth)
        console.print(f"ground truth: {truth}")
    if platform:
        platform.close()


@sim_app.command("live")
def simulate_live(
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    mqtt: Annotated[
        str | None, typer.Option(help="publish over MQTT as each firm: mqtt://:PASSWORD@host:1883")
    ] = None,
    preset: PresetOption = "diecasting",
    seed: Annotated[int, typer.Option(help="same seed, same park and data")] = 2026,
    firms: Annotated[int | None, typer.Option(help="firms (preset's own number)")] = None,
    speed: Annotated[float, typer.Option(help="simulated seconds per real second")] = 1.0,
    hours_back: Annotated[float, typer.Option(help="start this many hours ago")] = 0.0,
    tick: Annotated[float, typer.Option(help="seconds between sends")] = 10.0,
    duration: Annotated[float | None, typer.Option(help="stop after this many seconds")] = None,
    sampling: Annotated[int, typer.Option(help="gateway sampling interval, minutes")] = 1,
) -> None:
    """Stream a park in real time (or faster, catching up from the past) to a running server
    over HTTP, or to an MQTT broker the server subscribes to."""
    import signal
    import threading

    from chanrong.sim.run import HttpSink, MqttSink, Runner, Sink, monotonic_clock, run_live

    if not url and not mqtt:
        _fail("give --url (and --api-key) or --mqtt")
    now = datetime.now(UTC)
    first = now - timedelta(hours=hours_back)
    # The park's planted events fall in the month the stream starts.
    park = _park(preset, seed, 30, firms, (first + timedelta(hours=8)).date().isoformat(), sampling)
    if url:
        if not api_key:
            _fail("--url needs --api-key of a platform organisation")
        _register_http(park, url, str(api_key))
    sink: Sink = MqttSink(mqtt) if mqtt else HttpSink(str(url), {}, api_key)
    runner = Runner(park, sink)
    runner.released_until = first
    clock = monotonic_clock(first, speed)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if duration:
        threading.Timer(duration, stop.set).start()
    target = (mqtt or str(url)).split("@")[-1]
    console.print(
        f"streaming {park.preset.name_zh} ({len(park.firms)} firms) to {target}, x{speed:g}"
    )
    with contextlib.suppress(KeyboardInterrupt):
        run_live(runner, lambda: min(clock(), datetime.now(UTC)), stop, tick_seconds=tick,
                 on_error=lambda e: console.print(f"[yellow]{e}[/yellow]"))  # fmt: skip
    if isinstance(sink, MqttSink):
        sink.wait_for_acks(timeout=30)
        sink.close()
    t = sink.totals  # type: ignore[attr-defined]
    console.print(
        f"sent {t.records:,} records: {t.accepted:,} accepted, "
        f"{t.duplicates:,} already stored, {t.rejected:,} rejected"
    )


devkey_app = typer.Typer(
    help="Ed25519 keys with which gateways sign their batches.", no_args_is_help=True
)
app.add_typer(devkey_app, name="devicekey")


@devkey_app.command("generate")
def devicekey_generate(
    out: Annotated[Path, typer.Option(help="where to write the private key (PEM)")],
) -> None:
    """Make a key pair for a gateway: the private key stays on the gateway; register the public one."""
    from chanrong.access.signatures import new_private_key_pem

    if out.exists():
        _fail(f"{out} exists; not overwriting a key")
    pem, public = new_private_key_pem()
    out.write_bytes(pem)
    out.chmod(0o600)
    console.print(f"private key: {out}")
    print(public)


@devkey_app.command("register")
def devicekey_register(
    org: Annotated[str, typer.Argument(help="enterprise USCC")],
    public_key: Annotated[str, typer.Argument(help="base64 public key from `generate`")],
    device: Annotated[str | None, typer.Option(help="device or gateway code")] = None,
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Register a gateway's public key (with no server running; the API does it otherwise)."""
    from chanrong.access.signatures import SignatureError

    platform = _open(db)
    owner = platform.master.organisation(org)
    if owner is None:
        _fail(f"organisation {org} is not registered")
    admin = Principal(org=org, org_kind=OrgKind(owner.org_kind), role=Role.ADMIN, username="cli")
    try:
        row = platform.access.register_device_key(admin, public_key, device, "cli")
    except (AccessError, SignatureError) as exc:
        _fail(str(exc))
    platform.close()
    print(row["key_id"])


mqtt_app = typer.Typer(help="The MQTT broker the platform subscribes to.", no_args_is_help=True)
app.add_typer(mqtt_app, name="mqtt")


@mqtt_app.command("config")
def mqtt_config(
    folder: Annotated[Path, typer.Argument(help="where to write mosquitto.conf, acl, passwd")],
    user: Annotated[
        list[str] | None, typer.Option(help="NAME:PASSWORD; an enterprise's NAME is its USCC")
    ] = None,
    port: Annotated[int, typer.Option(help="listener port")] = 1883,
    host: Annotated[str, typer.Option(help="listener address")] = "127.0.0.1",
    park_password: Annotated[
        str | None, typer.Option(help="add a user per organisation of a simulated park")
    ] = None,
    preset: PresetOption = "diecasting",
    seed: Annotated[int, typer.Option(help="the simulated park's seed")] = 2026,
    firms: Annotated[int | None, typer.Option(help="the simulated park's firms")] = None,
) -> None:
    """Write a mosquitto configuration with the platform's topic ACL and hashed passwords."""
    from chanrong.ingest.mqtt import broker_config

    users = {}
    if park_password:
        for org in _park(preset, seed, 30, firms, None).organisations():
            users[org.uscc] = park_password
    for item in user or []:
        name, sep, password = item.partition(":")
        if not sep or not password:
            _fail(f"--user {item}: give NAME:PASSWORD")
        users[name] = password
    if not users:
        _fail("give --user NAME:PASSWORD (the platform's user among them) or --park-password")
    conf = broker_config(folder, port, users, host)
    console.print(f"{len(users)} users; run: mosquitto -c {conf}")


@app.command()
def gateway(
    mapping: Annotated[
        Path, typer.Argument(help="mapping file (TOML), see docs/gateway.md", exists=True)
    ],
    log_level: Annotated[str, typer.Option(help="debug, info, warning")] = "info",
) -> None:
    """Poll Modbus TCP / OPC UA devices, buffer on disk, publish over MQTT or HTTP.
    Runs until SIGTERM or Ctrl-C; what could not be published stays in the buffer."""
    import asyncio
    import logging
    import signal

    from chanrong.ingest.gateway import Gateway, MappingError, load_mapping
    from chanrong.logs import configure

    try:
        config = load_mapping(mapping)
    except MappingError as exc:
        _fail(str(exc))
    configure(log_level)
    for noisy in ("pymodbus", "asyncua"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    console.print(f"gateway {config.source}: {len(config.devices)} devices every "
                  f"{config.interval_s:g} s -> {config.publish_url.split('@')[-1]}")  # fmt: skip

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await Gateway(config).run(stop)

    asyncio.run(main())


@sim_app.command("device")
def simulate_device(
    protocol: Annotated[str, typer.Option(help="modbus or opcua")] = "modbus",
    port: Annotated[int, typer.Option(help="listening port")] = 5020,
    host: Annotated[str, typer.Option(help="listening address")] = "127.0.0.1",
    devices: Annotated[str, typer.Option(help="comma-separated device codes")] = "CNC-01,CNC-02",
    rate: Annotated[float, typer.Option(help="output per hour while running")] = 600.0,
    kw: Annotated[float, typer.Option(help="rated power, kW")] = 22.0,
    exception_rate: Annotated[
        float, typer.Option(help="share of Modbus reads answered with an exception")
    ] = 0.0,
    mapping: Annotated[
        Path | None, typer.Option(help="also write a gateway mapping file here")
    ] = None,
    org: Annotated[str | None, typer.Option(help="USCC for the mapping file")] = None,
    publish: Annotated[
        str, typer.Option(help="publish URL for the mapping file")
    ] = "mqtt://USCC:PASSWORD@127.0.0.1:1883",
    interval: Annotated[float, typer.Option(help="poll interval for the mapping file, s")] = 60.0,
    seed: Annotated[int, typer.Option(help="random seed")] = 1,
) -> None:
    """Run simulated machines as a real Modbus TCP or OPC UA server until SIGTERM or Ctrl-C."""
    import asyncio
    import logging
    import signal

    from chanrong.sim.devices import Machine, mapping_toml, serve_modbus, serve_opcua

    if protocol not in ("modbus", "opcua"):
        _fail("--protocol must be modbus or opcua")
    for noisy in ("pymodbus", "asyncua"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    machines = [Machine(code.strip(), rate_per_hour=rate, kw=kw, seed=seed)
                for code in devices.split(",") if code.strip()]  # fmt: skip
    if mapping:
        mapping.write_text(mapping_toml(machines, protocol, host, port, org=org or "USCC",
                                        publish=publish, interval_s=interval))  # fmt: skip
        console.print(f"mapping file: {mapping}")
    console.print(f"{protocol} server on {host}:{port}: {', '.join(m.code for m in machines)}")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if protocol == "modbus":
            await serve_modbus(machines, host, port, stop, exception_rate=exception_rate)
        else:
            await serve_opcua(machines, host, port, stop)

    asyncio.run(main())


def _chunks(batch: JsonBatch | TableBatch) -> Iterator[tuple[JsonBatch | TableBatch, int]]:
    """Split a batch for progress reporting; each chunk is committed on its own."""
    if isinstance(batch, TableBatch):
        for offset in range(0, max(batch.table.num_rows, 1), CHUNK_ROWS):
            part = batch.table.slice(offset, CHUNK_ROWS)
            yield TableBatch(part, batch.textual), part.num_rows
    elif batch.ndjson:
        lines = batch.text.splitlines()
        for offset in range(0, len(lines), CHUNK_ROWS):
            part = lines[offset : offset + CHUNK_ROWS]
            yield JsonBatch("\n".join(part), ndjson=True), len(part)
    else:
        yield batch, 1


def _count(batch: JsonBatch | TableBatch) -> int:
    if isinstance(batch, TableBatch):
        return batch.table.num_rows
    return len(batch.text.splitlines()) if batch.ndjson else 1


def _post(url: str, api_key: str, kind: str, chunk: JsonBatch | TableBatch) -> dict:
    if isinstance(chunk, TableBatch):
        body, media = ipc_bytes(chunk.table), ARROW_TYPES[0]
    else:
        body = chunk.text.encode()
        media = "application/x-ndjson" if chunk.ndjson else "application/json"
    response = httpx.post(
        f"{url.rstrip('/')}/api/v1/ingest/{kind}", content=body,
        headers={"content-type": media, "authorization": f"Bearer {api_key}"}, timeout=300,
    )  # fmt: skip
    if response.status_code != 200:
        _fail(f"{response.status_code}: {response.json().get('detail', response.text)}")
    return response.json()


@app.command()
def ingest(
    files: Annotated[
        list[Path],
        typer.Argument(help=".json .ndjson .arrow .parquet .csv .xlsx files", exists=True),
    ],
    kind: Annotated[str, typer.Option("--kind", "-k", help="record kind, e.g. telemetry")],
    org: Annotated[
        str | None, typer.Option(help="submitting organisation (USCC), when opening the file")
    ] = None,
    db: DbOption = Path(DEFAULT_DB),
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Check and store records from files, with a progress bar; print what was accepted."""
    if kind not in EVENT_KINDS:
        _fail(f"unknown kind {kind}; known: {', '.join(EVENT_KINDS)}")
    if url and not api_key:
        _fail("--url needs --api-key (or CHANRONG_API_KEY)")
    platform, principal = None, None
    if not url:
        if not org:
            _fail("give --org USCC (the submitting organisation) or --url and --api-key")
        platform = _open(db)
        owner = platform.master.organisation(str(org))
        if owner is None:
            _fail(f"organisation {org} is not registered; add it with `chanrong org add`")
        principal = Principal(org=owner.uscc, org_kind=OrgKind(owner.org_kind), role=Role.ADMIN)
    totals = {"records": 0, "accepted": 0, "duplicates": 0, "rejected": 0}
    rejections: list[tuple[str, dict]] = []
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        for path in files:
            try:
                _, batch = read_file(str(path), kind)
            except (BadPayload, ValueError) as exc:
                _fail(f"{path}: {exc}")
            task = progress.add_task(path.name, total=_count(batch))
            for chunk, size in _chunks(batch):
                if url:
                    result = _post(url, str(api_key), kind, chunk)
                else:
                    assert platform and principal
                    try:
                        result = platform.ingest.submit(
                            kind, chunk, principal, filename=path.name
                        ).model_dump()
                    except (BadPayload, IngestDenied, UnknownKind) as exc:
                        _fail(f"{path}: {exc}")
                for key in totals:
                    totals[key] += result[key]
                rejections.extend((path.name, r) for r in result["rejections"])
                progress.advance(task, size)
    if platform:
        platform.close()
    for name, rej in rejections[:50]:
        reasons = "; ".join(f"{e['field']}: {e['reason']}" for e in rej["errors"])
        console.print(f"[yellow]{name} record {rej['index']}[/yellow] {reasons}")
    if len(rejections) > 50:
        console.print(f"... {len(rejections) - 50} more rejected records are in the quarantine")
    console.print(
        f"records {totals['records']:,} · accepted {totals['accepted']:,} · "
        f"duplicates {totals['duplicates']:,} · rejected {totals['rejected']:,}"
    )


@app.command("export")
def export_cmd(
    target: Annotated[Path, typer.Argument(help="folder to write")], db: DbOption = Path(DEFAULT_DB)
) -> None:
    """Export every table as Parquet (events partitioned by year and month)."""
    from chanrong.store.parquet import export_all

    platform = _open(db)
    counts = export_all(platform.store, target, lambda t, n: console.print(f"{t}: {n:,} rows"))
    platform.close()
    console.print(f"exported {len(counts)} tables to {target}")


@app.command("import")
def import_cmd(
    source: Annotated[Path, typer.Argument(help="folder written by export", exists=True)],
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Import a Parquet export; records already present are kept once."""
    from chanrong.store.parquet import import_all

    platform = _open(db)
    counts = import_all(
        platform.store, source, lambda t, n: console.print(f"{t}: {n:,} rows added")
    )
    platform.close()
    console.print(f"imported {sum(counts.values()):,} rows into {len(counts)} tables")


@org_app.command("add")
def org_add(
    uscc: Annotated[str, typer.Argument(help="统一社会信用代码")],
    name: Annotated[str, typer.Argument(help="registered name")],
    kind: Annotated[OrgKind, typer.Option("--kind", help="organisation kind")] = OrgKind.SME,
    industry: Annotated[str | None, typer.Option(help="GB/T 4754 code, e.g. C3525")] = None,
    region: Annotated[str | None, typer.Option(help="GB/T 2260 code, e.g. 330206")] = None,
    park: Annotated[str | None, typer.Option(help="USCC of the park")] = None,
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Register (or update) an organisation."""
    try:
        org = Organisation(
            uscc=uscc,
            name=name,
            org_kind=kind,
            industry_code=industry,
            region_code=region,
            park=park,
        )
    except ValueError as exc:
        _fail(str(exc))
    platform = _open(db)
    platform.access.add_org(org)
    platform.close()
    console.print(f"organisation {org.uscc} {org.name} ({org.org_kind}) saved")


@org_app.command("list")
def org_list(db: DbOption = Path(DEFAULT_DB)) -> None:
    """List organisations."""
    platform = _open(db)
    table = Table()
    for col in ("uscc", "name", "kind", "industry", "region"):
        table.add_column(col)
    for o in platform.master.list("organisation"):
        table.add_row(
            o["uscc"], o["name"], o["org_kind"], o["industry_code"] or "", o["region_code"] or ""
        )
    platform.close()
    Console().print(table)


@user_app.command("add")
def user_add(
    org: Annotated[str, typer.Argument(help="USCC of the user's organisation")],
    username: Annotated[str, typer.Argument()],
    role: Annotated[Role, typer.Option(help="admin, member or viewer")] = Role.MEMBER,
    display_name: Annotated[str | None, typer.Option(help="name shown in the UI")] = None,
    password: Annotated[
        str | None, typer.Option(envvar="CHANRONG_PASSWORD", help="asked for when omitted")
    ] = None,
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Add a person who logs in to the web UI."""
    secret = password or getpass.getpass("password: ")
    platform = _open(db)
    try:
        user_id = platform.access.add_user(
            org, username, secret, display_name=display_name, role=role
        )
    except (AccessError, ValueError) as exc:
        _fail(str(exc))
    finally:
        platform.close()
    console.print(f"user {username} (id {user_id}) added to {org} as {role.value}")


@key_app.command("create")
def apikey_create(
    org: Annotated[str, typer.Argument(help="USCC of the enterprise the key submits for")],
    name: Annotated[str, typer.Option(help="what the key is for, e.g. gateway line 1")] = "gateway",
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Create an API key scoped to one organisation. It is printed once; only its hash is kept."""
    platform = _open(db)
    try:
        key = platform.access.create_api_key(org, name)
    except AccessError as exc:
        _fail(str(exc))
    finally:
        platform.close()
    console.print("store this key now, it is not shown again:")
    sys.stdout.write(key + "\n")


@key_app.command("revoke")
def apikey_revoke(
    key_id: Annotated[str, typer.Argument(help="the id part of the key (cr_<id>_...)")],
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Revoke an API key at once."""
    platform = _open(db)
    done = platform.accounts.revoke_api_key(key_id, platform.clock.now())
    platform.close()
    console.print(f"key {key_id} revoked" if done else f"no active key {key_id}")


# --- the ledger --------------------------------------------------------------------------------
ledger_app = typer.Typer(
    help="The tamper-evident ledger: heads, keys, bundles.", no_args_is_help=True
)
app.add_typer(ledger_app, name="ledger")


@ledger_app.command("head")
def ledger_head(db: DbOption = Path(DEFAULT_DB)) -> None:
    """Sign (when the log has grown) and print the current tree head as JSON."""
    import orjson

    platform = _open(db)
    try:
        head = platform.ledger.head()
    finally:
        platform.close()
    sys.stdout.write(orjson.dumps(head.as_json(), option=orjson.OPT_INDENT_2).decode() + "\n")


@ledger_app.command("rotate-key")
def ledger_rotate(db: DbOption = Path(DEFAULT_DB)) -> None:
    """Retire the signing key and sign from now on with a new one (old heads still verify)."""
    platform = _open(db)
    try:
        kid = platform.ledger.rotate()
        head = platform.ledger.head()
    finally:
        platform.close()
    console.print(f"new signing key {kid}; head of size {head.tree_size} signed with it")


@ledger_app.command("export")
def ledger_export(
    org: Annotated[str, typer.Option(help="the enterprise (USCC)")],
    out: Annotated[Path, typer.Option("-o", "--out", help="bundle file to write")],
    kind: Annotated[
        list[str] | None, typer.Option(help="record kind (repeat); default all")
    ] = None,
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="first day")] = None,
    until: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="last day")] = None,
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Write a verifiable bundle from the file (operators; banks download theirs under consent
    from the web page or GET /api/v1/orgs/{uscc}/bundle)."""
    import orjson

    kinds = kind or sorted(EVENT_KINDS)
    unknown = [k for k in kinds if k not in EVENT_KINDS]
    if unknown:
        _fail(f"unknown record kind {', '.join(unknown)}")
    lo = since.date() if since else None
    hi = until.date() + timedelta(days=1) if until else None
    platform = _open(db)
    try:
        bundle = platform.ledger.bundle(org, {k: (lo, hi) for k in kinds}, exported_by="cli")
    finally:
        platform.close()
    out.write_bytes(orjson.dumps(bundle, option=orjson.OPT_INDENT_2))
    n = sum(len(g["records"]) for b in bundle["batches"] for g in b["groups"])
    console.print(f"{out}: {n:,} records in {len(bundle['batches']):,} batches, "
                  f"head of size {bundle['head']['tree_size']}")  # fmt: skip


@ind_app.command("docs")
def indicators_docs(
    out: Annotated[Path, typer.Option("-o", help="where to write")] = Path("docs/indicators.md"),
) -> None:
    """Write the indicator catalog (definitions, units, windows, factors) as Markdown."""
    from chanrong.indicators.docs import catalog_markdown

    out.write_text(catalog_markdown(), encoding="utf-8")
    console.print(f"wrote {out}")


@ind_app.command("compute")
def indicators_compute(
    db: DbOption = Path(DEFAULT_DB),
    as_of: Annotated[str | None, typer.Option(help="last day, YYYY-MM-DD (default today)")] = None,
    history: Annotated[int, typer.Option(help="also this many days back")] = 0,
    step: Annotated[int, typer.Option(help="days between history points")] = 7,
    spark: Annotated[
        Path | None, typer.Option(help="run on Spark over this Parquet export instead")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("-o", help="Spark: write values here (Parquet)")
    ] = None,
) -> None:
    """Compute every indicator for every enterprise and keep the values (or, with --spark, over
    an export, written to Parquet: the regional path)."""
    import pyarrow.parquet as pq

    last = date.fromisoformat(as_of) if as_of else None
    if spark is not None:
        from chanrong.indicators.spark import SparkEngine, session

        day = last or local_today(datetime.now(UTC))
        values = SparkEngine(session(), spark).compute(day).values
        target = out or Path(f"indicators-{day.isoformat()}.parquet")
        pq.write_table(values, target)
        console.print(f"{values.num_rows:,} values for {day} written to {target}")
        return
    platform = _open(db)
    end = last or local_today(platform.clock.now())
    days = _history_days(end, history, step)
    total = _each_day("indicators", days, platform.indicators.compute)
    platform.close()
    console.print(f"{total:,} indicator values kept for {len(days)} day(s) up to {end}")


@ind_app.command("show")
def indicators_show(
    org: Annotated[str, typer.Argument(help="USCC of the enterprise")],
    db: DbOption = Path(DEFAULT_DB),
    as_of: Annotated[str | None, typer.Option(help="last day, YYYY-MM-DD (default today)")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """An enterprise's indicators for a day: value, coverage, credibility, or why none."""
    import orjson

    platform = _open(db)
    report = platform.indicators.report(org, date.fromisoformat(as_of) if as_of else None)
    platform.close()
    if json_out:
        sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    table = Table(title=f"{org} indicators")
    for col in ("dimension", "indicator", "window", "value", "unit", "coverage", "credibility"):
        table.add_column(col)
    for ind in report:
        for v in ind["values"]:
            shown = v["label"] or (f"{v['value']:,.4g}" if v["value"] is not None
                                   else f"— {v['reason']}")  # fmt: skip
            table.add_row(
                ind["dimension_zh"], f"{ind['name_zh']} {ind['id']}",
                "state" if v["window_days"] == 0 else f"{v['window_days']} d", shown, ind["unit"],
                f"{v['coverage']:.0%}", v["credibility_zh"] if v.get("credibility_zh") else "",
            )  # fmt: skip
    Console().print(table)


grade_app = typer.Typer(
    help="Digital-capability grading: assess, show, report, criteria.", no_args_is_help=True
)
app.add_typer(grade_app, name="grade")


@grade_app.command("assess")
def grade_assess(
    db: DbOption = Path(DEFAULT_DB),
    as_of: Annotated[str | None, typer.Option(help="the day, YYYY-MM-DD (default today)")] = None,
    history: Annotated[int, typer.Option(help="also this many days back")] = 0,
    step: Annotated[int, typer.Option(help="days between history points")] = 7,
) -> None:
    """Grade every enterprise from its evidence and keep the grades (with history)."""
    platform = _open(db)
    end = date.fromisoformat(as_of) if as_of else local_today(platform.clock.now())
    days = _history_days(end, history, step)
    total = _each_day("grades", days, platform.grading.assess)
    platform.close()
    console.print(f"{total:,} grades kept for {len(days)} day(s) up to {end}")


@grade_app.command("show")
def grade_show(
    org: Annotated[str, typer.Argument(help="USCC of the enterprise")],
    db: DbOption = Path(DEFAULT_DB),
    as_of: Annotated[str | None, typer.Option(help="the day, YYYY-MM-DD (default today)")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """An enterprise's grade: levels, every criterion with its evidence, and the roadmap."""
    import orjson

    platform = _open(db)
    g = platform.grading.report(org, date.fromisoformat(as_of) if as_of else None)
    platform.close()
    if json_out:
        sys.stdout.write(orjson.dumps(g, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    o = g["overall"]
    console.print(f"{org} as of {g['as_of']}: [bold]{o['name_zh']} {o['name_en']}[/bold], "
                  f"score {g['score']}" + (" (provisional)" if g["provisional"] else ""))  # fmt: skip
    for d in g["dimensions"]:
        console.print(f"  {d['name_zh']}: {d['level']['name_zh']} · {d['score']}")
    table = Table(title="criteria")
    for col in ("level", "criterion", "source", "evidence", "rule", "result"):
        table.add_column(col)
    for c in g["criteria"]:
        value = "" if c["value"] is None else f"{c['value']:,.4g}"
        result = {True: "[green]pass[/green]", False: "[red]fail[/red]", None: "pending"}
        table.add_row(c["level"], f"{c['name_zh']} {c['id']}", c["source"], value, c["rule"],
                      result[c["passed"]])  # fmt: skip
    Console().print(table)
    for s in g["roadmap"]:
        console.print(f"  → {s['dimension']} to {s['target']}: {s['name_zh']} — {s['how_zh']} "
                      f"(≈{s['cost_cny']:,} 元, {s['weeks']} weeks)")  # fmt: skip


@grade_app.command("report")
def grade_report(
    org: Annotated[str, typer.Argument(help="USCC of the enterprise")],
    out: Annotated[Path, typer.Option("-o", help="the Excel file to write")],
    db: DbOption = Path(DEFAULT_DB),
    as_of: Annotated[str | None, typer.Option(help="the day, YYYY-MM-DD (default today)")] = None,
) -> None:
    """Write an enterprise's grade report as an Excel workbook."""
    from chanrong.grading.report import workbook

    platform = _open(db)
    g = platform.grading.report(org, date.fromisoformat(as_of) if as_of else None)
    firm = platform.master.organisation(org)
    platform.close()
    out.write_bytes(workbook(g, firm.name if firm else org))
    console.print(f"wrote {out}")


@grade_app.command("criteria")
def grade_criteria() -> None:
    """Every criterion: dimension, level, measure, threshold, source."""
    from chanrong.grading.criteria import CRITERIA

    table = Table(title="grading criteria")
    for col in ("dimension", "level", "criterion", "measure", "passes when", "source"):
        table.add_column(col)
    for c in CRITERIA:
        table.add_row(c.dimension.value, c.level.value, f"{c.name_zh} {c.id}", c.measure, c.rule,
                      c.source.value)  # fmt: skip
    Console().print(table)


@grade_app.command("docs")
def grade_docs(
    out: Annotated[Path, typer.Option("-o", help="where to write")] = Path("docs/grading.md"),
) -> None:
    """Write the grading criteria, thresholds, rules and toolbox as Markdown."""
    from chanrong.grading.docs import grading_markdown

    out.write_text(grading_markdown(), encoding="utf-8")
    console.print(f"wrote {out}")


bank_app = typer.Typer(help="The bank workbench: screening, docs.", no_args_is_help=True)
app.add_typer(bank_app, name="bank")


@bank_app.command("docs")
def bank_docs(
    out: Annotated[Path, typer.Option("-o", help="where to write")] = Path("docs/bank.md"),
) -> None:
    """Write the pre-loan tags and their rules as Markdown."""
    from chanrong.finance.docs import bank_markdown

    out.write_text(bank_markdown(), encoding="utf-8")
    console.print(f"wrote {out}")


@bank_app.command("screen")
def bank_screen(
    bank: Annotated[str, typer.Argument(help="USCC of the bank")],
    db: DbOption = Path(DEFAULT_DB),
    purpose: Annotated[str, typer.Option(help="the purpose the consents name")] = "pre_loan",
    tag: Annotated[list[str] | None, typer.Option(help="tags a firm must have")] = None,
    out: Annotated[Path | None, typer.Option("-o", help="write CSV here")] = None,
) -> None:
    """The bank's screening list (consenting firms, tags with reasons), as a table or CSV."""
    from chanrong.access.rules import Principal, Role
    from chanrong.finance.service import to_csv
    from chanrong.model.master import OrgKind

    platform = _open(db)
    me = Principal(org=bank, org_kind=OrgKind.BANK, role=Role.ADMIN, username="cli")
    try:
        listing = platform.bank.screening(me, purpose, None, tag)
    except ValueError as exc:
        _fail(str(exc))
    finally:
        platform.close()
    if out:
        out.write_text(to_csv(listing), encoding="utf-8")
        console.print(f"wrote {out}: {len(listing['firms'])} firms")
        return
    table = Table(title=f"screening {listing['as_of']} ({listing['consenting']} consenting)")
    for col in ("firm", "grade", "tags"):
        table.add_column(col)
    for f in listing["firms"]:
        table.add_row(f"{f['name']} {f['org']}", f["grade"] or "—",
                      " ".join(t["name_zh"] for t in f["tags"]))  # fmt: skip
    Console().print(table)


carbon_app = typer.Typer(help="Energy and carbon: a firm's account and report, docs.",
                          no_args_is_help=True)  # fmt: skip
app.add_typer(carbon_app, name="carbon")


@carbon_app.command("docs")
def carbon_docs(
    out: Annotated[Path, typer.Option("-o", help="where to write")] = Path("docs/carbon.md"),
) -> None:
    """Write the carbon methods and the factor library as Markdown."""
    from chanrong.carbon.docs import carbon_markdown

    out.write_text(carbon_markdown(), encoding="utf-8")
    console.print(f"wrote {out}")


@carbon_app.command("account")
def carbon_account(
    org: Annotated[str, typer.Argument(help="USCC of the firm")],
    db: DbOption = Path(DEFAULT_DB),
    start: Annotated[str | None, typer.Option(help="first day (default: 1 January)")] = None,
    end: Annotated[str | None, typer.Option(help="last day (default: yesterday)")] = None,
    region: Annotated[str, typer.Option(help="national, auto or a grid region")] = "national",
    grid_year: Annotated[int | None, typer.Option(help="the grid factor's year")] = None,
    xlsx: Annotated[Path | None, typer.Option(help="write the Excel report here")] = None,
    pdf: Annotated[Path | None, typer.Option(help="write the PDF report here")] = None,
) -> None:
    """A firm's carbon account (as the firm itself), its totals as a table, reports on request."""
    from chanrong.access.rules import Principal, Role
    from chanrong.carbon.factors import Choice
    from chanrong.carbon.report import firm_pdf, firm_workbook
    from chanrong.model.master import OrgKind

    platform = _open(db)
    me = Principal(org=org, org_kind=OrgKind.SME, role=Role.ADMIN, username="cli")
    try:
        acc = platform.carbon.account(
            me, org, date.fromisoformat(start) if start else None,
            date.fromisoformat(end) if end else None, Choice(grid_year=grid_year, region=region))  # fmt: skip
    except ValueError as exc:
        _fail(str(exc))
    finally:
        platform.close()
    s = acc["summary"]
    table = Table(title=f"{acc['firm']['name']} {acc['period']['start']} - {acc['period']['end']}")
    for col in ("energy", "quantity", "tce", "scope", "tCO2 location", "tCO2 market"):
        table.add_column(col)
    for r in acc["by_energy"]:
        fmt = lambda v: "—" if v is None else f"{v:,.3f}"  # noqa: E731
        table.add_row(r["energy_type"], f"{r['qty']:,.1f} {r['unit']}", fmt(r["tce"]),
                      str(r["scope"] or "—"), fmt(r["t_location"]), fmt(r["t_market"]))  # fmt: skip
    Console().print(table)
    console.print(f"total {s['t_location'] or 0:,.3f} tCO2 location-based, "
                  f"{s['t_market'] or 0:,.3f} market-based; {s['tce']:,.3f} tce; "
                  f"{s['t_per_10k_cny'] or 0:,.4f} tCO2 per 10,000 CNY")  # fmt: skip
    if xlsx:
        xlsx.write_bytes(firm_workbook(acc))
        console.print(f"wrote {xlsx}")
    if pdf:
        pdf.write_bytes(firm_pdf(acc))
        console.print(f"wrote {pdf}")


region_app = typer.Typer(
    help="Regional roll-up across parks' exports (Spark).", no_args_is_help=True
)
app.add_typer(region_app, name="region")


@region_app.command("rollup")
def region_rollup(
    exports: Annotated[
        list[Path], typer.Argument(help="Parquet exports of the parks (chanrong export)")
    ],
    as_of: Annotated[str | None, typer.Option(help="the day (default: yesterday)")] = None,
    xlsx: Annotated[Path | None, typer.Option(help="write the roll-up as Excel here")] = None,
) -> None:
    """The region's firms, output, sales, energy and digital levels per park and industry,
    computed with Spark from several parks' exports (needs the `spark` extra and Java)."""
    from chanrong.indicators.spark import session
    from chanrong.park.region import rollup, workbook

    day = date.fromisoformat(as_of) if as_of else date.today() - timedelta(days=1)
    with console.status("Spark: the indicator catalog over every park's firms"):
        result = rollup(session("chanrong-region"), exports, day)
    table = Table(title=f"region {day}: {result['region']['firms']} firms")
    for col in ("park", "firms", "output value 90 d", "energy tce 90 d", "tce/10k CNY"):
        table.add_column(col)
    fmt = lambda v, f=",.0f": "—" if v is None else format(v, f)  # noqa: E731
    for r in [*result["parks"], result["region"] | {"park_name": "total"}]:
        table.add_row(r["park_name"], str(r["firms"]), fmt(r["output_value_90"]),
                      fmt(r["energy_tce_90"], ",.1f"), fmt(r["tce_per_10k_cny"], ".4f"))  # fmt: skip
    Console().print(table)
    if xlsx:
        xlsx.write_bytes(workbook(result))
        console.print(f"wrote {xlsx}")


alerts_app = typer.Typer(help="Post-loan warnings: a round of the rules, the inbox, docs.",
                          no_args_is_help=True)  # fmt: skip
app.add_typer(alerts_app, name="alerts")


@alerts_app.command("docs")
def alerts_docs(
    out: Annotated[Path, typer.Option("-o", help="where to write")] = Path("docs/alerts.md"),
) -> None:
    """Write the warning rules, their life cycle and webhooks as Markdown."""
    from chanrong.alerts.docs import alerts_markdown

    out.write_text(alerts_markdown(), encoding="utf-8")
    console.print(f"wrote {out}")


@alerts_app.command("run")
def alerts_run(db: DbOption = Path(DEFAULT_DB)) -> None:
    """One round of every rule at this instant and the webhook deliveries due (for a file no
    server owns; a server runs rounds itself)."""
    from chanrong.alerts.service import AlertLoop

    platform = _open(db)
    try:
        last = AlertLoop(platform.alerts).run_once()
    finally:
        platform.close()
    console.print(f"opened {last['opened']}, cleared {last['cleared']}, webhook deliveries "
                  f"queued {last['queued']}, delivered {last['delivered']}")  # fmt: skip


@alerts_app.command("list")
def alerts_list(
    org: Annotated[str, typer.Argument(help="USCC of the enterprise or bank whose inbox")],
    status: Annotated[str, typer.Option(help="active, cleared or all")] = "active",
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """An organisation's alert inbox (a bank's through its post-loan consents, audited)."""
    from chanrong.access.rules import Principal, Role
    from chanrong.model.master import OrgKind

    platform = _open(db)
    try:
        o = platform.master.organisation(org)
        if o is None:
            _fail(f"no organisation {org}")
        me = Principal(org=org, org_kind=OrgKind(o.org_kind), role=Role.MEMBER, username="cli")
        box = platform.alerts.inbox(me, status)
    except ValueError as exc:
        _fail(str(exc))
    finally:
        platform.close()
    table = Table(title=f"alerts ({status}) {box['as_of'][:16]}")
    for col in ("severity", "rule", "firm", "subject", "since", "detail"):
        table.add_column(col)
    for a in box["alerts"]:
        table.add_row(a["severity"], a["name_zh"], a["org_name"], a["subject"],
                      a["started_at"][:16], a["detail"] or "")  # fmt: skip
    Console().print(table)


score_app = typer.Typer(help="Credit scorecards: train, check on public data, score.",
                         no_args_is_help=True)  # fmt: skip
app.add_typer(score_app, name="score")
DatasetOption = Annotated[
    str, typer.Option(help="platform (the loan book), german or credit_data (public data)")
]


def _show_report(report: dict[str, Any]) -> None:
    out = Console()
    m = report["metrics"]
    table = Table(title=f"{report['title_zh']} · {report['split']} split")
    for col in ("sample", "rows", "bad", "AUC", "KS", "Gini"):
        table.add_column(col, justify="right")
    for name in ("training", "validation"):
        n = report["samples"][name]
        table.add_row(name, str(n["rows"]), str(n["bad"]), f"{m[name]['auc']:.3f}",
                      f"{m[name]['ks']:.3f}", f"{m[name]['gini']:.3f}")  # fmt: skip
    out.print(table)
    out.print(f"PSI training -> validation: {report['psi']:.4f}")
    if "uplift" in report:
        u = report["uplift"]
        out.print(f"traditional features only: AUC {u['traditional']['auc']:.3f}, KS "
                  f"{u['traditional']['ks']:.3f}; with real-time features: AUC "
                  f"{u['all']['auc']:.3f} (+{u['auc_gain']:.3f}), KS {u['all']['ks']:.3f}")  # fmt: skip
    ivs = Table(title="information value (training sample)")
    for col in ("feature", "group", "IV", "kept"):
        ivs.add_column(col)
    for f in report["features"]:
        ivs.add_row(f["feature"], f["group"], f"{f['iv']:.3f}", "yes" if f["selected"] else "")
    out.print(ivs)
    for row in report.get("iv_check", []):
        out.print(f"IV {row['feature']}: published {row['published']:.3f}, ours on all rows "
                  f"{row['ours']:.3f}")  # fmt: skip


@score_app.command("check")
def score_check(
    dataset: Annotated[str, typer.Argument(help="german, credit_data or platform")],
    as_json: Annotated[bool, typer.Option("--json", help="print the whole report")] = False,
) -> None:
    """Train a card on a data set in memory and print its model report (nothing is kept)."""
    from chanrong.finance import datasets
    from chanrong.finance.scorecard import train

    try:
        with console.status(f"training on {dataset}"):
            report = train(datasets.load(dataset)).report
    except LookupError as exc:
        _fail(str(exc))
    if as_json:
        print(
            orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY).decode()
        )
        return
    _show_report(report)


@score_app.command("train")
def score_train(
    bank: Annotated[str, typer.Argument(help="USCC of the bank whose model it is")],
    dataset: DatasetOption = "platform",
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Train the bank's next scorecard version (active at once) and print its report."""
    platform = _open(db)
    try:
        with console.status(f"training on {dataset}"):
            report = platform.scoring.train(bank, dataset, by="cli")
    except LookupError as exc:
        _fail(str(exc))
    finally:
        platform.close()
    console.print(f"version {report['version']} kept and active")
    _show_report(report)


@score_app.command("firm")
def score_firm(
    bank: Annotated[str, typer.Argument(help="USCC of the bank")],
    org: Annotated[str, typer.Argument(help="USCC of the firm")],
    purpose: Annotated[str, typer.Option(help="the purpose the firm's consent names")] = "in_loan",
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Score a firm with the bank's active card, through the firm's consent (audited)."""
    from chanrong.access.consents import ConsentForbidden
    from chanrong.access.rules import Principal, Role
    from chanrong.model.master import OrgKind

    platform = _open(db)
    me = Principal(org=bank, org_kind=OrgKind.BANK, role=Role.MEMBER, username="cli")
    try:
        s = platform.scoring.score(me, org, purpose)
    except (LookupError, ConsentForbidden) as exc:
        _fail(str(exc))
    finally:
        platform.close()
    console.print(f"{s['name']} {org}: score {s['score']:.0f}, PD {s['pd']:.2%}, rating "
                  f"{s['rating']}, line {s['line']['amount']:,.0f} 元, rate "
                  f"{s['price']['annual_rate']:.2%}")  # fmt: skip
    for k in s["knockouts"]:
        console.print(f"[red]knock-out: {k}[/red]")
    for r in s["reasons"]:
        console.print(f"  · {r['text_zh']}")


@app.command()
def evaluate(
    what: Annotated[
        str,
        typer.Argument(
            help="fraud (planted fictitious, circular and shell trades), stoppage (planted "
            "stoppages replayed live), default (planted loan defaults), late (planted late "
            "deliveries against the delivery-risk alert) or interruption (planted supplier "
            "interruptions replayed live)"
        ),
    ],
    seed: Annotated[int, typer.Option(help="the park's seed (the tests use 2026)")] = 7,
    firms: Annotated[int | None, typer.Option(help="firms in the park")] = None,
    days: Annotated[int, typer.Option(help="days of history")] = 90,
    preset: PresetOption = "diecasting",
) -> None:
    """Measure a detection against the simulator's ground truth on a fresh park (a temporary
    database): recall and precision, time to alert, or warning lead, with the cases behind."""
    import tempfile

    from chanrong.sim import evaluate as ev
    from chanrong.sim.demo import register

    measures = {"fraud": ev.fraud, "stoppage": ev.stoppage, "default": ev.default,
                "late": ev.late, "interruption": ev.interruption}  # fmt: skip
    if what not in measures:
        _fail(f"unknown evaluation {what}; known: {', '.join(measures)}")
    park = _park(preset, seed, days, firms, None)
    with tempfile.TemporaryDirectory() as tmp:
        platform = Platform.open(Path(tmp) / "eval.duckdb")
        try:
            register(platform, park)
            _backfill(platform, park)
            with console.status(f"evaluating {what}"):
                result = measures[what](platform, park)
        finally:
            platform.close()
    title = f"{what}: {park.preset.key}, seed {seed}, {len(park.firms)} firms, {park.days} days"
    table = Table(title=title)
    for label, _ in EVAL_COLUMNS[what]:
        table.add_column(label, justify="right")
    table.add_row(*(_cell(result[key]) for _, key in EVAL_COLUMNS[what]))
    Console().print(table)
    for line in _eval_lines(what, result):
        console.print(line)


# What each evaluation prints: (column, key of its result); a list shows as its length.
EVAL_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "fraud": (("invoices", "invoices"), ("planted trades", "planted_trades"),
              ("shell invoices", "shell_invoices"), ("flagged", "flagged"),
              ("recall", "recall"), ("precision", "precision")),
    "stoppage": (("planted", "planted"), ("in working time", "in_working_time"),
                 ("alerted", "alerted"), ("median minutes", "median_minutes"),
                 ("false alarms", "false_alarms"), ("firm-hours replayed", "firm_hours")),
    "default": (("planted", "planted"), ("warned >= 30 days before default",
                                         "warned_30_days_before"),
                ("share", "share"), ("other warnings", "unplanted_warnings")),
    "late": (("planted", "planted"), ("flagged before due", "flagged_before_due"),
             ("share", "share"), ("median lead days", "median_lead_days"), ("orders", "orders"),
             ("late orders", "late_orders"), ("alerted before due", "alerted_before_due"),
             ("recall (all late)", "recall_all_late"), ("precision", "precision")),
    "interruption": (("planted", "planted"), ("at work", "at_work"),
                     ("warned within a shift", "warned_within_shift"), ("share", "share"),
                     ("median minutes", "median_minutes"), ("other warnings", "other_warnings")),
}  # fmt: skip


def _cell(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, list):
        return str(len(v))
    if isinstance(v, float):
        return f"{v:.3f}" if v <= 1 else f"{v:,.1f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def _eval_lines(what: str, r: dict[str, Any]) -> list[str]:
    """The cases behind an evaluation's figures, one line each."""
    if what == "fraud":
        return ([f"missed: {org} {inv}" for org, inv in r["missed"]]
                + [f"flagged but not planted: {org} {inv}" for org, inv in r["false_positives"]])  # fmt: skip
    if what == "stoppage":
        return [f"{c['firm']} {c['start']}: " + ("off work (holiday or off shift)"
                if not c["working"] else f"{c['minutes_to_alert']} min"
                if c["minutes_to_alert"] is not None else "not alerted") for c in r["cases"]] + [
            f"false alarm: {f['org']} {f['started_at']}" for f in r["false_alarms"]]  # fmt: skip
    if what == "late":
        return [f"{c['firm']} {c['order_no']} due {c['due']}: " + (
            f"alerted {c['alerted']} ({c['lead_days']} days before)" if c["alerted"]
            else "not alerted") for c in r["cases"]]  # fmt: skip
    if what == "interruption":
        return [f"{c['firm']} for {c['buyer']} from {c['working_from']}: " + (
            f"{c['minutes_to_warning']:.0f} min" if c["minutes_to_warning"] is not None
            else "not warned") for c in r["cases"]] + [
            f"other warning: {o['org']} for {o['buyer']} at {o['at']}"
            + (" (the supplier was down: planted)" if o["supplier_down"] else "")
            for o in r["other_warnings"]]  # fmt: skip
    return [f"{c['firm']}: first missed {c['first_missed']}, default {c['default_day']}, "
            f"warned {c['warned']} by {c['rule']} ({c['lead_days']} days before default, "
            f"{c['lead_before_missed']} before the first missed instalment)" for c in r["cases"]] + [
        f"warning with nothing planted: {w['org']} {w['rule']} {w['day']}"
        for w in r["unplanted_warnings"]]  # fmt: skip


@app.command()
def verify(
    bundle: Annotated[Path | None, typer.Argument(help="a bundle file to check offline")] = None,
    key: Annotated[
        str | None,
        typer.Option(
            help="the platform's public key (base64 of 32 bytes, PEM, or a file with "
            "either), obtained beforehand; without it the key in the bundle is used"
        ),
    ] = None,
    db: Annotated[
        Path | None, typer.Option("--db", help="audit a whole database file instead")
    ] = None,
) -> None:
    """Check that records are exactly what the platform accepted. With a bundle: offline, no
    server. With --db: recompute every batch, group and head of the file and name every record
    that no longer matches. Exit code 0 when all is well, 1 otherwise."""
    if (bundle is None) == (db is None):
        _fail("give a bundle file, or --db FILE")
    if db is not None:
        _verify_db(db)
        return
    import orjson

    from chanrong.access.signatures import SignatureError, public_key_from_text
    from chanrong.ledger.keys import raw_public
    from chanrong.ledger.log import REPORT_FORMAT
    from chanrong.ledger.verify import verify_bundle, verify_report

    assert bundle is not None
    try:
        data = orjson.loads(bundle.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        _fail(f"cannot read {bundle}: {exc}")
    pinned = None
    if key:
        text = Path(key).read_text() if Path(key).is_file() else key
        try:
            pinned = raw_public(public_key_from_text(text))
        except SignatureError as exc:
            _fail(str(exc))
    is_report = isinstance(data, dict) and data.get("format") == REPORT_FORMAT
    report = verify_report(data, pinned) if is_report else verify_bundle(data, pinned)
    if report.head is not None:
        console.print(f"tree head: size {report.head.tree_size}, root {report.head.root_hash.hex()}, "
                      f"key {report.key_id}" + ("" if report.key_pinned else
                      " [yellow](key taken from the bundle: pin it with --key)[/yellow]"))  # fmt: skip
    for problem in report.problems:
        console.print(f"[red]FAIL[/red] {problem}")
    if not report.ok:
        raise typer.Exit(1)
    if is_report:
        r = data["report"]
        console.print(f"[green]OK[/green] report {r['report_id']} on {r['firm']['name']} "
                      f"({r['as_of']}) is exactly what the platform issued, over "
                      f"{report.batches:,} data batches in its signed log")  # fmt: skip
        return
    console.print(f"[green]OK[/green] {report.records:,} records in {report.groups:,} groups of "
                  f"{report.batches:,} batches are exactly what the platform accepted")  # fmt: skip


def _verify_db(db: Path) -> None:
    from chanrong.store.db import Store

    try:
        store = Store(db, read_only=True)
    except duckdb.IOException as exc:
        _fail(f"cannot open {db}: {exc}")
    platform = Platform(store)
    try:
        total = platform.store.cursor().execute("SELECT count(*) FROM ingest_batches").fetchone()
        with Progress(TextColumn("auditing batches"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console) as progress:  # fmt: skip
            task = progress.add_task("audit", total=int(total[0]) if total else 0)
            report = platform.ledger.audit(lambda _: progress.advance(task))
    finally:
        platform.close()
    for finding in report.findings:
        console.print(f"[red]FAIL[/red] {finding}")
    if report.unsealed:
        console.print(
            f"[yellow]{len(report.unsealed):,} batches were stored without the ledger[/yellow]"
        )
    if not report.ok:
        raise typer.Exit(1)
    console.print(f"[green]OK[/green] {report.records:,} records in {report.groups:,} groups of "
                  f"{report.batches:,} batches, {report.leaves:,} leaves and {report.heads:,} "
                  "signed heads match the ledger")  # fmt: skip


if __name__ == "__main__":
    app()
