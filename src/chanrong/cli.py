"""The `chanrong` command: serve, demo, ingest, export/import and account administration.

While a server owns the database file, act through its API (`--url`, `--api-key`); with no server
running, the command opens the file itself.
"""

from __future__ import annotations

import getpass
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, NoReturn

import duckdb
import httpx
import pyarrow as pa
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chanrong.access.rules import Principal, Role
from chanrong.access.service import AccessError
from chanrong.ingest.decode import ARROW_TYPES, read_file
from chanrong.ingest.service import IngestDenied, UnknownKind
from chanrong.model import EVENT_KINDS
from chanrong.model.master import Organisation, OrgKind
from chanrong.platform import Platform
from chanrong.store.events import BadPayload, JsonBatch, TableBatch

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
console = Console(stderr=True)

DbOption = Annotated[Path, typer.Option("--db", help="DuckDB file", envvar="CHANRONG_DB")]


def _open(db: Path, memory_limit: str | None = None) -> Platform:
    try:
        return Platform.open(db, memory_limit=memory_limit)
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
) -> None:
    """Serve the web UI and the API. Stops cleanly on SIGTERM or Ctrl-C."""
    import uvicorn

    from chanrong.logs import configure
    from chanrong.web.app import Settings, create_app

    log_config = configure(log_level)
    platform = _open(db, memory_limit)
    web = create_app(platform, Settings(max_body_bytes=max_body_mib << 20))
    uvicorn.run(web, host=host, port=port, log_config=log_config, timeout_graceful_shutdown=10)


@app.command()
def demo(
    db: DbOption = Path(DEFAULT_DB),
    host: Annotated[str, typer.Option(help="bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    seed_only: Annotated[bool, typer.Option(help="create the demo data and exit")] = False,
) -> None:
    """Create the demo park (once) and serve it."""
    from chanrong.sim.demo import USERS, seed

    platform = _open(db)
    with console.status("seeding the demo park..."):
        added = seed(platform)
    if added:
        console.print("demo park created: " + ", ".join(f"{k} {v:,}" for k, v in added.items()))
    table = Table(title="demo accounts")
    for col in ("user", "password", "organisation"):
        table.add_column(col)
    for u in USERS:
        org = platform.master.organisation(u.org)
        table.add_row(u.username, u.password, org.name if org else u.org)
    console.print(table)
    platform.close()
    if not seed_only:
        console.print(f"open http://{host}:{port}")
        serve(db=db, host=host, port=port)


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
        sink = io.BytesIO()
        table = chunk.table
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        body, media = sink.getvalue(), ARROW_TYPES[0]
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
    url: Annotated[
        str | None, typer.Option(help="a running server, e.g. http://127.0.0.1:8000")
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="CHANRONG_API_KEY", help="API key for --url")
    ] = None,
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


if __name__ == "__main__":
    app()
