"""What the ledger commits to, byte for byte: canonical JSON, record groups and their digests.

A batch's accepted records are split into groups: one enterprise (`org`) and one day of event
time in Beijing time. A group is the smallest unit a proof discloses, and it matches how consent
is given (an enterprise, a data kind, a period of days), so a bank's bundle never carries another
firm's records. A group commits to its records through a columnar digest (one SHA-256 over each
column's values, no per-record work, so sealing keeps pace with bulk ingest) and carries a 32-bit
fingerprint per record, which names the record when a digest no longer matches.

The same functions run when the platform seals a batch, when it audits its own file, and when
`chanrong verify` checks a bundle offline: the records pass through DuckDB into Arrow in each case.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from chanrong.model import Event
from chanrong.model.base import BEIJING_OFFSET_US, DAY_US
from chanrong.model.spec import fields_of

GROUP_DOMAIN = b"chanrong/group-content/v1\x00"
EPOCH = date(1970, 1, 1)


def canonical_json(value: Any) -> bytes:
    """Compact JSON with sorted keys: the one serialisation leaves and heads are made of."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z)


def record_columns(model: type[Event]) -> list[tuple[str, str]]:
    """The columns a group commits to, with their SQL types: the contract's fields in order, then
    who submitted each record and when the platform received it. (The batch is the leaf itself.)"""
    return [(f.name, f.sql_type) for f in fields_of(model)] + [
        ("submitter", "VARCHAR"),
        ("received_at", "TIMESTAMPTZ"),
    ]


def fingerprint_sql(columns: list[tuple[str, str]]) -> str:
    """A 32-bit fingerprint of a record (DuckDB's hash of its committed columns)."""
    return f"CAST(hash({', '.join(q(n) for n, _ in columns)}) % 4294967296 AS UINTEGER)"


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def select_sql(model: type[Event], where: str) -> str:
    """The committed columns and the fingerprint of the rows of `model.table` matching `where`,
    in storage order (the order the records were accepted)."""
    cols = record_columns(model)
    return (
        f"SELECT {', '.join(q(n) for n, _ in cols)}, {fingerprint_sql(cols)} AS _fp "
        f"FROM {model.table} WHERE {where}"
    )


@dataclass(frozen=True)
class Part:
    """One Arrow chunk of a column made canonical: validity, fixed-width values or string
    lengths, and the string bytes."""

    start: int  # the chunk's first row in the whole column
    valid: np.ndarray  # uint8, 1 = a value, 0 = null
    values: np.ndarray  # fixed-width values, nulls as zero (strings: uint32 byte lengths)
    offsets: np.ndarray | None = None  # strings: where each value starts in `data`
    data: memoryview | None = None


@dataclass(frozen=True)
class Column:
    """A column made canonical chunk by chunk: hashing a range walks the chunks it spans, so a
    column fetched in several chunks is never copied into one."""

    name: str
    tag: str
    parts: list[Part]

    def update(self, h: Any, lo: int, hi: int) -> None:
        h.update(self.name.encode() + b"\x00" + self.tag.encode() + b"\x00")
        spans = [
            (p, max(lo, p.start) - p.start, min(hi, p.start + len(p.valid)) - p.start)
            for p in self.parts
            if p.start < hi and p.start + len(p.valid) > lo
        ]
        for p, a, b in spans:
            h.update(p.valid[a:b])
        for p, a, b in spans:
            h.update(p.values[a:b])
        for p, a, b in spans:
            if p.offsets is not None and p.data is not None:
                h.update(p.data[int(p.offsets[a]) : int(p.offsets[b])])


def canonical_column(name: str, array: pa.Array | pa.ChunkedArray) -> Column:
    """A column's canonical form (documented in docs/ledger.md):
    str: uint32 LE byte lengths then the UTF-8 bytes; i64 and ts (microseconds since the epoch,
    UTC): int64 LE; f64: IEEE 754 binary64 LE; decN: the unscaled value as int64 LE; date: days
    since 1970-01-01 as int32 LE; bool: one byte. Nulls: validity byte 0 and a zero value."""
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    tag, parts, start = _tag(name, array.type), [], 0
    for chunk in chunks:
        if len(chunk):
            parts.append(_part(start, chunk))
            start += len(chunk)
    return Column(name, tag, parts)


def _tag(name: str, t: pa.DataType) -> str:
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "str"
    if pa.types.is_timestamp(t):
        return "ts"
    if pa.types.is_integer(t):
        return "i64"
    if pa.types.is_floating(t):
        return "f64"
    if pa.types.is_decimal(t):
        return f"dec{t.scale}"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_boolean(t):
        return "bool"
    raise TypeError(f"column {name}: no canonical form for Arrow type {t}")


def _part(start: int, arr: pa.Array) -> Part:
    n, t = len(arr), arr.type
    valid = (
        np.ones(n, dtype=np.uint8)
        if arr.null_count == 0
        else np.asarray(arr.is_valid(), dtype=np.uint8)
    )
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        if pa.types.is_string_view(t):
            arr, t = arr.cast(pa.large_string()), pa.large_string()
        bufs = arr.buffers()
        width = np.int64 if pa.types.is_large_string(t) else np.int32
        offsets = np.frombuffer(bufs[1], dtype=width)[arr.offset : arr.offset + n + 1]
        data = memoryview(bufs[2]) if bufs[2] is not None else memoryview(b"")
        return Part(start, valid, np.diff(offsets).astype("<u4"), offsets, data)
    if pa.types.is_decimal(t):
        raw = np.frombuffer(arr.buffers()[1], dtype="<i8")[2 * arr.offset : 2 * (arr.offset + n)]
        ints = np.ascontiguousarray(raw[0::2])
        return Part(start, valid, np.where(valid.astype(bool), ints, 0).astype("<i8"))
    np_type: Any
    if pa.types.is_timestamp(t):
        values, np_type = arr.cast(pa.timestamp("us", tz=t.tz)).cast(pa.int64()), "<i8"
    elif pa.types.is_integer(t):
        values, np_type = arr.cast(pa.int64()), "<i8"
    elif pa.types.is_floating(t):
        values, np_type = arr.cast(pa.float64()), "<f8"
    elif pa.types.is_date(t):
        values, np_type = arr.cast(pa.date32()).cast(pa.int32()), "<i4"
    else:  # boolean
        values, np_type = arr.cast(pa.uint8()), "<u1"
    filled = pc.fill_null(values, 0) if values.null_count else values
    return Part(start, valid, filled.to_numpy(zero_copy_only=False).astype(np_type, copy=False))


@dataclass(frozen=True)
class Group:
    """Records lo..hi-1 of a canonical table: one enterprise, one Beijing day."""

    org: str
    day: date
    lo: int
    hi: int


def beijing_days(event_time: pa.Array | pa.ChunkedArray) -> np.ndarray:
    us = event_time.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    return np.floor_divide(np.asarray(us, dtype=np.int64) + BEIJING_OFFSET_US, DAY_US)


def split_groups(table: pa.Table) -> tuple[pa.Table, list[Group]]:
    """Order a batch's rows into groups, keeping storage order inside each group; the groups are
    ordered by (org, day). Rows already grouped (the usual case) are not moved."""
    n = table.num_rows
    if n == 0:
        return table, []
    org = pc.dictionary_encode(table.column("org")).combine_chunks()
    names = org.dictionary.to_pylist()
    day = beijing_days(table.column("event_time"))
    code = np.asarray(org.indices, dtype=np.int64) * (1 << 32) + day
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    if len(starts) != len(set(code[starts].tolist())):  # a key in several runs: gather them
        order = np.argsort(code, kind="stable")
        table, code = table.take(order), code[order]
        starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    ends = np.r_[starts[1:], n]
    groups = [
        Group(
            names[int(code[s]) >> 32],
            EPOCH + timedelta(days=int(code[s]) & 0xFFFFFFFF),
            int(s),
            int(e),
        )
        for s, e in zip(starts, ends, strict=True)
    ]
    groups.sort(key=lambda g: (g.org, g.day))
    return table, groups


PARALLEL_ROWS = 50_000
_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ledger-digest")
    return _POOL


class Canonical:
    """A fetched table (committed columns, then `_fp`) made canonical once, digested per group."""

    def __init__(self, table: pa.Table, columns: list[tuple[str, str]]) -> None:
        self.columns = [canonical_column(name, table.column(name)) for name, _ in columns]
        self.fingerprints = np.asarray(
            table.column("_fp").combine_chunks().cast(pa.uint32()), dtype="<u4"
        )

    def content_sha256(self, lo: int, hi: int) -> str:
        h = hashlib.sha256(GROUP_DOMAIN)
        h.update((hi - lo).to_bytes(8, "little"))
        for col in self.columns:
            col.update(h, lo, hi)
        return h.hexdigest()

    def digests(self, groups: list[Group]) -> list[str]:
        """Every group's content digest; big batches hash their groups on two threads (SHA-256
        releases the GIL on large buffers, and sealing happens while DuckDB is idle)."""
        if len(groups) < 2 or sum(g.hi - g.lo for g in groups) < PARALLEL_ROWS:
            return [self.content_sha256(g.lo, g.hi) for g in groups]
        return list(_pool().map(lambda g: self.content_sha256(g.lo, g.hi), groups))

    def fingerprint_bytes(self, lo: int, hi: int) -> bytes:
        return self.fingerprints[lo:hi].tobytes()


def group_data(kind: str, group: Group, content: str, fingerprints: bytes) -> bytes:
    """The leaf data of a group in its batch's tree."""
    return canonical_json({
        "v": 1,
        "kind": kind,
        "org": group.org,
        "day": group.day.isoformat(),
        "records": group.hi - group.lo,
        "content_sha256": content,
        "fingerprints_sha256": hashlib.sha256(fingerprints).hexdigest(),
    })  # fmt: skip


def unmatched(
    committed: bytes, committed_sha256: str | None, current: Iterable[int]
) -> tuple[list[int], int] | None:
    """Name what changed in a group whose digest failed, from its fingerprints: the positions of
    the current records whose fingerprint is not among the committed ones (changed or added),
    and how many committed records are left over beyond those (removed). None when the
    fingerprints given are not the ones the group committed to."""
    if hashlib.sha256(committed).hexdigest() != committed_sha256:
        return None
    kept = Counter(np.frombuffer(committed, dtype="<u4").tolist())
    changed = []
    for i, fp in enumerate(current):
        if kept[fp] > 0:
            kept[fp] -= 1
        else:
            changed.append(i)
    return changed, max(0, sum(kept.values()) - len(changed))
