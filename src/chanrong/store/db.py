"""The one DuckDB file: connection, writer lock, migrations.

DuckDB lets one process open a file read-write; inside it, this class hands out cursors and
serialises write transactions with a lock so a batch is committed whole or not at all.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from chanrong.model.identifiers import USCC_ALPHABET, USCC_WEIGHTS

MIGRATIONS_PACKAGE = "chanrong.store.migrations"

# SQL macros every connection needs; the USCC check mirrors chanrong.model.identifiers.
_MACROS = f"""
CREATE OR REPLACE TEMP MACRO uscc_ok(v) AS (
    length(v) = 18 AND regexp_full_match(v, '[0-9A-HJ-NPQRTUWXY]{{2}}[0-9]{{6}}[0-9A-HJ-NPQRTUWXY]{{10}}')
    AND substr('{USCC_ALPHABET}', CAST((31 - list_sum(list_transform(range(17),
        lambda i: (strpos('{USCC_ALPHABET}', substr(v, i + 1, 1)) - 1)
                  * {list(USCC_WEIGHTS)}[i + 1])) % 31) % 31 AS BIGINT) + 1, 1) = substr(v, 18, 1)
);
"""


def migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files(MIGRATIONS_PACKAGE).iterdir():
        m = re.match(r"^(\d{4})_(\w+)\.sql$", entry.name)
        if m:
            found.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


class Store:
    """Owns the DuckDB connection of one database file (or ':memory:')."""

    def __init__(
        self,
        path: str | Path = ":memory:",
        *,
        read_only: bool = False,
        memory_limit: str | None = None,
    ) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # A long-running server caps DuckDB's buffer pool so its memory stays flat as data grows.
        config: dict[str, str | bool | int | float | list[str]] = {}
        if memory_limit:
            config["memory_limit"] = memory_limit
        self._con = duckdb.connect(self.path, read_only=read_only, config=config)
        self._write_lock = threading.RLock()
        # Every write goes through one connection, whatever thread asks: its temporary tables
        # and transaction state exist once, so memory does not grow with the thread pool.
        self._writer = self._con.cursor()
        self._writer.execute("SET TimeZone = 'Asia/Shanghai'")
        self._writer.execute(_MACROS)
        if not read_only:
            self.migrate()

    # connections -------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A fresh cursor for one read, in Beijing time.

        Not cached per thread: a long-lived cursor keeps the table blocks it has read pinned, so
        DuckDB could not evict its cache and a streaming server ran out of memory.
        """
        cur = self._con.cursor()
        cur.execute("SET TimeZone = 'Asia/Shanghai'")
        return cur

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One atomic write: everything inside is committed together or not at all."""
        with self._write_lock:
            cur = self._writer
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def close(self) -> None:
        with self._write_lock:
            self._con.close()

    # migrations --------------------------------------------------------------------------
    def migrate(self) -> list[int]:
        """Apply pending migrations in order; return the versions applied."""
        applied: list[int] = []
        with self._write_lock:
            cur = self._writer
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            done = {r[0] for r in cur.execute("SELECT version FROM schema_migrations").fetchall()}
            for version, name, sql in migrations():
                if version in done:
                    continue
                with self.transaction() as tx:
                    tx.execute(sql)
                    tx.execute(
                        "INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name]
                    )
                applied.append(version)
        return applied

    def memory_bytes(self) -> dict[str, int]:
        """What DuckDB holds in memory now, by kind (table blocks, indexes, temporary tables...)."""
        rows = (
            self.cursor()
            .execute(
                "SELECT lower(tag), memory_usage_bytes FROM duckdb_memory() WHERE memory_usage_bytes > 0"
            )
            .fetchall()
        )
        return {tag: int(n) for tag, n in rows}

    def schema_version(self) -> int:
        row = self.cursor().execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0) if row else 0


def dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The result of the last query on `cur` as a list of dicts."""
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
