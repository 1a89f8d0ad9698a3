"""The admin and ingest commands against a real database file."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from chanrong.cli import app
from chanrong.platform import Platform
from chanrong.store.db import Store
from tests.conftest import telemetry

runner = CliRunner()
PARK = "12330206MB0P00002"


def run(*args: str, **env: str) -> str:
    result = runner.invoke(app, list(args), env=env or None)
    assert result.exit_code == 0, result.output
    return result.output


def test_admin_commands_then_ingest_files(tmp_path: Path) -> None:
    from chanrong.model.identifiers import complete_uscc

    db = str(tmp_path / "c.duckdb")
    sme = complete_uscc("91330206MA2K20001")
    run(
        "org",
        "add",
        sme,
        "宁波青溪模具有限公司",
        "--kind",
        "sme",
        "--industry",
        "3525",
        "--region",
        "330206",
        "--db",
        db,
    )
    run("user", "add", sme, "chen", "--role", "admin", "--password", "long-enough-pw", "--db", db)
    key = run("apikey", "create", sme, "--name", "line 1", "--db", db).strip().splitlines()[-1]
    assert key.startswith("cr_")
    platform = Platform(Store(db))
    org = platform.master.organisation(sme)
    assert org is not None and org.industry_code == "C3525"
    platform.master.upsert([], platform.clock.now())
    platform.store.cursor().execute(
        "INSERT INTO devices (org, code, name, device_type, updated_at) VALUES (?, 'CNC-01', 'm', 'machine', now())",
        [sme],
    )
    platform.close()
    recent = "2026-01-05T08:00:00+08:00"
    ndjson = tmp_path / "a.ndjson"
    ndjson.write_bytes(
        b"\n".join(orjson.dumps(telemetry(i, org=sme, event_time=recent)) for i in range(250))
    )
    table = pa.Table.from_pylist(
        [telemetry(i, org=sme, event_time=recent) for i in range(200, 300)]
    )
    pq.write_table(table, tmp_path / "b.parquet")
    bad = tmp_path / "c.json"
    bad.write_bytes(orjson.dumps([telemetry(900, org=sme, counter=-2, event_time=recent)]))
    out = run(
        "ingest",
        str(ndjson),
        str(tmp_path / "b.parquet"),
        str(bad),
        "--kind",
        "telemetry",
        "--org",
        sme,
        "--db",
        db,
    )
    assert "records 351 · accepted 300 · duplicates 50 · rejected 1" in out
    assert "c.json record 0" in out and "counter: must be >= 0" in out
    # indicators over what was just ingested: a day and two weekly points of history
    out = run("indicators", "compute", "--as-of", "2026-01-05", "--history", "14", "--db", db)
    assert "values kept for 3 day(s) up to 2026-01-05" in out
    shown = orjson.loads(run("indicators", "show", sme, "--as-of", "2026-01-05", "--json",
                             "--db", db))  # fmt: skip
    running = next(i for i in shown if i["id"] == "device_running_rate")["values"][0]
    assert running["value"] == 100 and running["coverage"] == 1 / 30
    # the trend keeps the days without data as gaps, never as zeros
    assert running["trend"] == [["2025-12-22", None], ["2025-12-29", None], ["2026-01-05", 100]]
    # grades from the same evidence: kept with history, shown, written as a workbook
    out = run("grade", "assess", "--as-of", "2026-01-05", "--history", "7", "--db", db)
    assert "grades kept for 2 day(s) up to 2026-01-05" in out
    g = orjson.loads(run("grade", "show", sme, "--as-of", "2026-01-05", "--json", "--db", db))
    assert [h["as_of"] for h in g["history"]] == ["2025-12-29", "2026-01-05"]
    streams = next(c for c in g["criteria"] if c["id"] == "e_streams")
    assert streams["value"] == 1 and streams["passed"] is False  # telemetry alone
    assert g["overall"]["level"] is None and g["roadmap"]
    run("grade", "report", sme, "--as-of", "2026-01-05", "-o", str(tmp_path / "g.xlsx"),
        "--db", db)  # fmt: skip
    assert (tmp_path / "g.xlsx").read_bytes()[:2] == b"PK"
    assert "e_core_auto" in run("grade", "criteria", COLUMNS="200")


def test_bad_uscc_is_refused_with_the_reason(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["org", "add", "91350100M000100Y44", "x", "--db", str(tmp_path / "c.duckdb")]
    )
    assert result.exit_code == 1
    assert "check character is 4" in result.output


def test_export_import_commands(tmp_path: Path) -> None:
    from chanrong.model.identifiers import complete_uscc

    db = str(tmp_path / "c.duckdb")
    run("org", "add", complete_uscc("91330206MA2K20001"), "厂", "--db", db)
    out = run("export", str(tmp_path / "exp"), "--db", db)
    assert "organisations: 1 rows" in out
    out = run("import", str(tmp_path / "exp"), "--db", str(tmp_path / "d.duckdb"))
    assert "imported 1 rows" in out


def test_export_a_bundle_verify_it_offline_and_audit_a_tampered_file(tmp_path: Path) -> None:
    import base64

    import duckdb

    from chanrong.clock import FixedClock
    from tests.conftest import NOW, SME, world

    db = tmp_path / "x.duckdb"
    platform = Platform(Store(db), FixedClock(NOW))
    world(platform)
    from chanrong.store.events import JsonBatch

    platform.events.append("telemetry", JsonBatch(orjson.dumps([telemetry(i) for i in range(30)]).decode()),
                           submitter=SME, now=NOW)  # fmt: skip
    kid = platform.ledger.head().key_id
    pub = base64.b64encode(platform.ledger.public_key(kid) or b"").decode()
    platform.close()

    bundle = tmp_path / "bundle.json"
    run("ledger", "export", "--org", SME, "--kind", "telemetry", "-o", str(bundle), "--db", str(db))
    ok = runner.invoke(app, ["verify", str(bundle), "--key", pub])
    assert ok.exit_code == 0 and "OK" in ok.output and "30 records" in ok.output, ok.output
    other = base64.b64encode(bytes(range(32))).decode()
    wrong = runner.invoke(app, ["verify", str(bundle), "--key", other])
    assert wrong.exit_code == 1 and "FAIL" in wrong.output
    assert runner.invoke(app, ["verify", "--db", str(db)]).exit_code == 0

    raw = duckdb.connect(str(db))
    raw.execute("UPDATE ev_telemetry SET power_kw = 99 WHERE id = 't-12'")
    raw.close()
    audit = runner.invoke(app, ["verify", "--db", str(db)])
    assert audit.exit_code == 1 and "id='t-12'" in audit.output, audit.output
    # a bundle exported after the change no longer verifies, and says which record
    run("ledger", "export", "--org", SME, "-o", str(bundle), "--db", str(db))
    late = runner.invoke(app, ["verify", str(bundle), "--key", pub])
    assert late.exit_code == 1 and "id='t-12'" in late.output, late.output


def test_evaluate_fraud_on_a_fresh_small_park() -> None:
    out = run("evaluate", "fraud", "--seed", "3", "--firms", "20", "--days", "30", COLUMNS="150")
    row = next(line for line in out.splitlines() if line.startswith("│"))  # the one data row
    recall, precision = (float(x) for x in row.strip("│ ").split("│")[-2:])
    assert recall >= 0.95 and precision >= 0.90
    bad = runner.invoke(app, ["evaluate", "nonsense"])
    assert bad.exit_code != 0 and "unknown evaluation" in bad.output
