"""The append-only event tables and their quarantine: the only door through which events enter.

`EventRepository.append` takes a raw batch (JSON text or an Arrow table), checks every record
column-wise in DuckDB, and in one transaction appends the good records (once per
submitter+source+id), quarantines the bad ones with their raw payload, and records the batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import orjson
import pyarrow as pa
from pydantic import BaseModel

from chanrong.ledger.log import Ledger
from chanrong.model import EVENT_KINDS, Event
from chanrong.model.base import EVENT_DAY
from chanrong.model.spec import fields_of
from chanrong.store.checks import Check, Source, compile_checks, compile_context_checks
from chanrong.store.db import Store, dicts
from chanrong.store.schema import EVENT_META_COLUMNS

# A response lists at most this many rejected records; all of them are in the quarantine.
MAX_LISTED_REJECTIONS = 10_000


class BadPayload(ValueError):
    """The batch as a whole cannot be read (malformed JSON, wrong columns)."""


@dataclass(frozen=True)
class JsonBatch:
    text: str
    ndjson: bool = False


@dataclass(frozen=True)
class TableBatch:
    table: pa.Table
    textual: bool = False  # CSV and Excel: every value is text to be parsed


class FieldError(BaseModel):
    field: str
    code: str
    reason: str


class Rejection(BaseModel):
    index: int
    id: str | None = None
    errors: list[FieldError]


class IngestResult(BaseModel):
    """What an ingest call answers: counts, and each rejected record with its reasons."""

    batch_id: int
    leaf_index: int | None = None  # the batch's leaf in the ledger: ask for its proof with it
    signed_by: str | None = None  # the device key that signed the batch, when one did
    kind: str
    records: int
    accepted: int
    duplicates: int
    rejected: int
    rejections: list[Rejection] = []
    rejections_truncated: bool = False


# Columns a replay (a back-fill of history by the platform) may carry beside the contract's.
REPLAY_COLUMNS = ("submitter", "received_at")


def _load_raw(
    cur: duckdb.DuckDBPyConnection,
    model: type[Event],
    batch: JsonBatch | TableBatch,
    replay: bool = False,
) -> Source:
    """Materialise the batch as temp table raw_in(idx, ...)."""
    if isinstance(batch, JsonBatch):
        if batch.ndjson:
            cur.execute(
                "CREATE OR REPLACE TEMP TABLE raw_in AS SELECT CAST(n - 1 AS BIGINT) AS idx, "
                "TRY_CAST(line AS JSON) AS rec, line AS raw_line "
                "FROM unnest(string_split(?, chr(10))) WITH ORDINALITY u(line, n) "
                "WHERE trim(line) <> ''",
                [batch.text],
            )
        else:
            try:
                cur.execute(
                    "CREATE OR REPLACE TEMP TABLE raw_in AS SELECT CAST(n - 1 AS BIGINT) AS idx, "
                    "rec, CAST(NULL AS VARCHAR) AS raw_line FROM unnest(CASE "
                    "WHEN json_type(?::JSON) = 'ARRAY' THEN ?::JSON::JSON[] "
                    "ELSE [?::JSON] END) WITH ORDINALITY u(rec, n)",
                    [batch.text, batch.text, batch.text],
                )
            except duckdb.ConversionException as exc:
                raise BadPayload(f"body is not valid JSON: {str(exc).splitlines()[0]}") from exc
        return Source("json")
    table = batch.table
    known = {f.name for f in fields_of(model)} | (set(REPLAY_COLUMNS) if replay else set())
    unknown = [c for c in table.column_names if c not in known]
    if unknown:
        raise BadPayload(f"columns not in the {model.kind} contract: {', '.join(unknown)}")
    table = table.append_column("idx", pa.array(np.arange(table.num_rows, dtype=np.int64)))
    cur.register("raw_arrow", table)
    try:
        cur.execute("CREATE OR REPLACE TEMP TABLE raw_in AS SELECT * FROM raw_arrow")
    finally:
        cur.unregister("raw_arrow")
    names = frozenset(table.column_names)
    if batch.textual:
        return Source("text", names, names)
    text = frozenset(
        f.name
        for f in table.schema
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
    )
    return Source("typed", names, text)


# Rows are stored grouped by enterprise and Beijing day (UTC+8, no daylight saving), in the
# order sent within each: the ledger commits a batch group by group in that order, and reads each
# group back as one contiguous run; queries by enterprise also skip more row groups.
STORAGE_ORDER = f"org, {EVENT_DAY}, _ord"


def insert_new(
    cur: duckdb.DuckDBPyConnection, model: type[Event], relation: str, params: dict[str, Any]
) -> int:
    """Append the rows of `relation` (all columns and `_ord`) that are not stored yet; return how many.

    A row is new when no stored row, and no earlier row of the relation (by `_ord`), has the
    same identity. For time series the lookup is confined to the relation's time span, so
    DuckDB's zone maps skip every row group outside it: the cost follows the batch, not the table.
    """
    key = model.identity()
    columns = (
        ", ".join(f'"{f.name}"' for f in fields_of(model))
        + ", "
        + ", ".join(name for name, _ in EVENT_META_COLUMNS)
    )
    same = " AND ".join(f"t.{k} = n.{k}" for k in key)
    span = ""
    if model.time_series:
        row = cur.execute(
            f"SELECT min(event_time), max(event_time) FROM ({relation})", params
        ).fetchone()
        if row is None or row[0] is None:
            return 0
        params = {**params, "lo": row[0], "hi": row[1]}
        span = "AND t.event_time BETWEEN $lo AND $hi"
    inserted = cur.execute(
        f"INSERT INTO {model.table} ({columns}) SELECT {columns} FROM ({relation}) n "
        f"WHERE NOT EXISTS (SELECT 1 FROM {model.table} t WHERE {same} {span}) "
        f"QUALIFY row_number() OVER (PARTITION BY {', '.join(key)} ORDER BY _ord) = 1 "
        f"ORDER BY {STORAGE_ORDER}",
        params,
    ).fetchone()
    return int(inserted[0]) if inserted else 0


class EventRepository:
    def __init__(self, store: Store, ledger: Ledger | None = None) -> None:
        self.store = store
        self.ledger = ledger  # None only for benchmarks that compare ingest without it

    def append(
        self,
        kind: str,
        batch: JsonBatch | TableBatch,
        *,
        submitter: str,
        now: datetime,
        default_channel: str = "system",
        scope_org: str | None = None,
        filename: str | None = None,
        content_sha256: str | None = None,
        replay: bool = False,
        signed_by: str | None = None,
        extra_checks: Sequence[Check] = (),
    ) -> IngestResult:
        """Check and append one batch. With `replay`, an Arrow batch may carry per-row
        `submitter` and `received_at` (never later than now): history back-filled by the
        platform keeps who would have sent each record and when it would have arrived.
        `extra_checks` are conditions a particular door adds (see `compile_context_checks`)."""
        model = EVENT_KINDS[kind]
        names = [f.name for f in fields_of(model)]
        ctx_joins, ctx_errors = compile_context_checks(model, extra_checks)
        params = {"now": now, "submitter": submitter, "scope_org": scope_org}
        with self.store.transaction() as cur:
            source = _load_raw(cur, model, batch, replay)
            checks, raw = compile_checks(model, source, {"channel": default_channel})
            cur.execute(
                f"CREATE OR REPLACE TEMP TABLE checked AS SELECT t.*, "
                f"list_concat(t.field_errors, CASE WHEN len(t.field_errors) = 0 THEN {ctx_errors} "
                f"ELSE [] END) AS errors FROM ({checks}) t {ctx_joins}",
                {k: v for k, v in params.items() if f"${k}" in ctx_errors},
            )
            # One writer holds the lock, so max + 1 is safe and survives export/import.
            row = cur.execute(
                "SELECT coalesce(max(batch_id), 0) + 1 FROM ingest_batches"
            ).fetchone()
            batch_id = int(row[0]) if row else 0
            meta = set(REPLAY_COLUMNS) & source.columns
            who = "coalesce(r.submitter, $submitter)" if "submitter" in meta else "$submitter"
            when = "least(coalesce(r.received_at, $now), $now)" if "received_at" in meta else "$now"
            qualified = ", ".join(f'c."{n}"' for n in names)
            join = "JOIN raw_in r USING (idx)" if meta else ""
            inserted = insert_new(
                cur,
                model,
                f"SELECT {qualified}, {who} AS submitter, $batch AS batch_id, {when} AS received_at, "
                f"c.idx AS _ord FROM checked c {join} WHERE len(c.errors) = 0",
                {"submitter": submitter, "batch": batch_id, "now": now},
            )
            counts = cur.execute(
                "SELECT count(*), count(*) FILTER (WHERE len(errors) = 0) FROM checked"
            ).fetchone()
            records, valid = (int(counts[0]), int(counts[1])) if counts else (0, 0)
            self._quarantine(cur, kind, raw, submitter, batch_id, now)
            cur.execute(
                "UPDATE quarantine SET resolved_at = ? WHERE resolved_at IS NULL AND submitter = ? "
                "AND kind = ? AND EXISTS (SELECT 1 FROM checked c WHERE len(c.errors) = 0 "
                "AND c.source = quarantine.record_source AND c.id = quarantine.record_id)",
                [now, submitter, kind],
            )
            digest = content_sha256 or _digest(batch)
            header = {"batch_id": batch_id, "kind": kind, "channel": default_channel,
                      "submitter": submitter, "received_at": now.isoformat(),
                      "content_sha256": digest, "signed_by": signed_by, "records": records,
                      "accepted": inserted, "duplicates": valid - inserted,
                      "rejected": records - valid}  # fmt: skip
            leaf = (
                self.ledger.seal_batch(cur, model, batch_id, header, now)
                if self.ledger is not None
                else None
            )
            cur.execute(
                "INSERT INTO ingest_batches (batch_id, kind, channel, submitter, received_at, "
                "content_sha256, filename, records, accepted, duplicates, rejected, signed_by, "
                "leaf_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [batch_id, kind, default_channel, submitter, now, digest, filename, records,
                 inserted, valid - inserted, records - valid, signed_by, leaf],
            )  # fmt: skip
            listed = cur.execute(
                "SELECT idx, CAST(id AS VARCHAR), to_json(errors) FROM checked "
                "WHERE len(errors) > 0 ORDER BY idx LIMIT ?",
                [MAX_LISTED_REJECTIONS],
            ).fetchall()
            for name in ("raw_in", "checked"):
                cur.execute(f"DROP TABLE IF EXISTS {name}")
        return IngestResult(
            batch_id=batch_id,
            leaf_index=leaf,
            signed_by=signed_by,
            kind=kind,
            records=records,
            accepted=inserted,
            duplicates=valid - inserted,
            rejected=records - valid,
            rejections=[
                Rejection(index=int(i), id=rid, errors=orjson.loads(e)) for i, rid, e in listed
            ],
            rejections_truncated=records - valid > len(listed),
        )

    @staticmethod
    def _quarantine(
        cur: duckdb.DuckDBPyConnection,
        kind: str,
        raw: str,
        submitter: str,
        batch_id: int,
        now: datetime,
    ) -> None:
        cur.execute(
            "INSERT INTO quarantine SELECT ?, ?, sha256(raw), ?, idx, source, id, org, errors, raw, "
            "?, ?, 1, NULL FROM (SELECT c.idx, CAST(c.source AS VARCHAR) AS source, "
            "CAST(c.id AS VARCHAR) AS id, CAST(c.org AS VARCHAR) AS org, "
            f"CAST(to_json(c.errors) AS VARCHAR) AS errors, {raw} AS raw "
            "FROM checked c JOIN raw_in USING (idx) WHERE len(c.errors) > 0) "
            "QUALIFY row_number() OVER (PARTITION BY sha256(raw) ORDER BY idx) = 1 "
            "ON CONFLICT (submitter, kind, raw_sha256) DO UPDATE SET "
            "last_seen = excluded.last_seen, times_seen = quarantine.times_seen + 1, "
            "batch_id = excluded.batch_id, record_index = excluded.record_index, "
            "errors = excluded.errors, resolved_at = NULL",
            [submitter, kind, batch_id, now, now],
        )

    # reads ---------------------------------------------------------------------------------
    def count(self, kind: str, org: str | None = None) -> int:
        table = EVENT_KINDS[kind].table
        where, args = ("WHERE org = ?", [org]) if org else ("", [])
        row = self.store.cursor().execute(f"SELECT count(*) FROM {table} {where}", args).fetchone()
        return int(row[0]) if row else 0

    def recent_batches(self, submitter: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """The latest batches, with the submitting organisation's name."""
        sql = (
            "SELECT b.*, o.name AS submitter_name FROM ingest_batches b "
            "LEFT JOIN organisations o ON o.uscc = b.submitter"
        )
        args: list[Any] = []
        if submitter:
            sql += " WHERE b.submitter = ?"
            args.append(submitter)
        sql += " ORDER BY b.batch_id DESC LIMIT ?"
        args.append(limit)
        return dicts(self.store.cursor().execute(sql, args))

    def quarantine(
        self,
        submitter: str | None = None,
        *,
        viewer: str,
        include_resolved: bool = False,
        limit: int = 200,
    ) -> list[dict[str, Any]]:
        """Rejected records, newest first. The raw payload is business data: only the
        organisation that sent it (`viewer`) sees it; the operator sees the reasons."""
        clauses, args = [], []
        if submitter:
            clauses.append("submitter = ?")
            args.append(submitter)
        if not include_resolved:
            clauses.append("resolved_at IS NULL")
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = dicts(
            self.store.cursor().execute(
                f"SELECT * FROM quarantine {where} ORDER BY last_seen DESC, record_index LIMIT ?",
                [*args, limit],
            )
        )
        for r in rows:
            r["errors"] = orjson.loads(r["errors"])
            if r["submitter"] != viewer:
                r["raw"] = None
        return rows

    def records(
        self, kind: str, org: str, *, since: datetime | None = None, until: datetime | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """An enterprise's records of one kind, newest first, within [since, until)."""
        model = EVENT_KINDS[kind]
        cols = ", ".join(f'"{f.name}"' for f in fields_of(model))
        return dicts(self.store.cursor().execute(
            f"SELECT {cols}, received_at FROM {model.table} WHERE org = $org "
            "AND ($since IS NULL OR event_time >= $since) AND ($until IS NULL OR event_time < $until) "
            "ORDER BY event_time DESC LIMIT $limit",
            {"org": org, "since": since, "until": until, "limit": limit}))  # fmt: skip

    def streams(self, org: str, kinds: list[str] | None = None) -> list[dict[str, Any]]:
        """Per event kind: how many records of this enterprise, from which channels, how fresh."""
        parts = [
            f"SELECT '{m.kind}' AS kind, count(*) AS records, max(event_time) AS last_event, "
            f"max(received_at) AS last_received, list(DISTINCT channel) AS channels "
            f"FROM {m.table} WHERE org = $org"
            for m in EVENT_KINDS.values()
            if kinds is None or m.kind in kinds
        ]
        sql = " UNION ALL ".join(parts) + " ORDER BY records DESC, kind"
        return dicts(self.store.cursor().execute(sql, {"org": org}))

    def daily_counts(
        self, org: str, *, days: int, now: datetime
    ) -> dict[str, list[tuple[str, int]]]:
        """Records per kind and day of event time (Asia/Shanghai) over the last `days` days."""
        rows = (
            self.store.cursor()
            .execute(
                _daily_sql() + " ORDER BY kind, day",
                {"org": org, "since": now - timedelta(days=days)},
            )
            .fetchall()
        )
        out: dict[str, list[tuple[str, int]]] = {}
        for kind, day, n in rows:
            out.setdefault(kind, []).append((day.isoformat(), int(n)))
        return out


def ipc_bytes(table: pa.Table) -> bytes:
    """A table as an Arrow IPC stream: the bulk wire format of HTTP and MQTT batches."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _digest(batch: JsonBatch | TableBatch) -> str:
    if isinstance(batch, JsonBatch):
        return hashlib.sha256(batch.text.encode()).hexdigest()
    return hashlib.sha256(ipc_bytes(batch.table)).hexdigest()


def _daily_sql() -> str:
    return " UNION ALL ".join(
        f"SELECT '{m.kind}' AS kind, {EVENT_DAY} AS day, count(*) AS n "
        f"FROM {m.table} WHERE org = $org AND event_time >= $since GROUP BY ALL"
        for m in EVENT_KINDS.values()
    )
