"""Export and import every table as Parquet: events partitioned by year and month of event time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chanrong.model import EVENT_MODELS
from chanrong.store.checks import q
from chanrong.store.db import Store
from chanrong.store.events import insert_new

EVENT_MODELS_BY_TABLE = {m.table: m for m in EVENT_MODELS}
# Sessions are short-lived secrets and are never exported.
SKIPPED_TABLES = ("sessions", "schema_migrations")


def tables(store: Store) -> list[str]:
    rows = (
        store.cursor()
        .execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND NOT temporary ORDER BY table_name"
        )
        .fetchall()
    )
    return [r[0] for r in rows if r[0] not in SKIPPED_TABLES]


def export_all(
    store: Store, target: Path, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Write each table under target/<table>/; return rows written per table."""
    target.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    cur = store.cursor()
    for table in tables(store):
        out = target / table
        row = cur.execute(f"SELECT count(*) FROM {table}").fetchone()
        counts[table] = int(row[0]) if row else 0
        if table in EVENT_MODELS_BY_TABLE:
            cur.execute(
                # _row keeps the stored order, which the ledger's record groups commit to.
                f"COPY (SELECT *, rowid AS _row, year(event_time) AS year, month(event_time) AS month "
                f"FROM {table}) "
                f"TO {q(str(out))} (FORMAT parquet, PARTITION_BY (year, month), OVERWRITE_OR_IGNORE)"
            )
        else:
            out.mkdir(parents=True, exist_ok=True)
            cur.execute(f"COPY {table} TO {q(str(out / 'data.parquet'))} (FORMAT parquet)")
        if progress:
            progress(table, counts[table])
    return counts


def import_all(
    store: Store, source: Path, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Load every exported table; events already present (same key) are kept once."""
    counts: dict[str, int] = {}
    with store.transaction() as cur:
        for table in tables(store):
            folder = source / table
            if not any(folder.rglob("*.parquet")):  # an empty table exports no files
                continue
            pattern = q(str(folder / "**" / "*.parquet"))
            cols = [
                r[0]
                for r in cur.execute(f"SELECT name FROM pragma_table_info({q(table)})").fetchall()
            ]
            names = ", ".join(f'"{c}"' for c in cols)
            rows = (
                f"SELECT {names} FROM "
                f"read_parquet({pattern}, hive_partitioning = true, union_by_name = true)"
            )
            if table in EVENT_MODELS_BY_TABLE:
                model = EVENT_MODELS_BY_TABLE[table]
                ordered = rows.replace(
                    f"SELECT {names} FROM", f"SELECT {names}, _row AS _ord FROM", 1
                )
                counts[table] = insert_new(cur, model, ordered, {})
            else:
                row = cur.execute(
                    f"INSERT INTO {table} ({names}) {rows} ON CONFLICT DO NOTHING"
                ).fetchone()
                counts[table] = int(row[0]) if row else 0
            if progress:
                progress(table, counts[table])
    return counts
