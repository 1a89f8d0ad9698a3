"""The group digest: the byte stream docs/ledger.md defines, whatever Arrow chunking the records
arrive in (a batch read back from DuckDB comes in several chunks; a bundle in one)."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from chanrong.ledger.canon import EPOCH, GROUP_DOMAIN, Canonical, beijing_days
from chanrong.model.base import beijing_day

COLUMNS = [("name", "VARCHAR"), ("n", "BIGINT"), ("x", "DOUBLE"), ("amount", "DECIMAL(18,2)"),
           ("day", "DATE"), ("at", "TIMESTAMPTZ"), ("ok", "BOOLEAN")]  # fmt: skip


def table(k: int) -> pa.Table:
    return pa.table({
        "name": pa.array([None if i % 5 == 3 else f"记录-{i}" * (i % 3) for i in range(k)]),
        "n": pa.array([None if i % 7 == 2 else i * 1_000_003 - 5 for i in range(k)], pa.int64()),
        "x": pa.array([i / 3 if i % 4 else None for i in range(k)], pa.float64()),
        "amount": pa.array([Decimal(i * 101) / 100 for i in range(k)], pa.decimal128(18, 2)),
        "day": pa.array([date(2026, 1, 1 + i % 28) for i in range(k)], pa.date32()),
        "at": pa.array([datetime(2026, 3, 1, i % 24, tzinfo=UTC) for i in range(k)],
                       pa.timestamp("us", tz="Asia/Shanghai")),
        "ok": pa.array([i % 2 == 0 for i in range(k)]),
        "_fp": pa.array(range(k), pa.uint32()),
    })  # fmt: skip


def by_hand(t: pa.Table, lo: int, hi: int) -> str:
    """The stream of docs/ledger.md written out value by value."""
    h = hashlib.sha256(GROUP_DOMAIN + (hi - lo).to_bytes(8, "little"))
    rows = t.slice(lo, hi - lo).to_pylist()
    for name, tag in (("name", "str"), ("n", "i64"), ("x", "f64"), ("amount", "dec2"),
                      ("day", "date"), ("at", "ts"), ("ok", "bool")):  # fmt: skip
        vals = [r[name] for r in rows]
        h.update(f"{name}\0{tag}\0".encode())
        h.update(bytes(0 if v is None else 1 for v in vals))
        if tag == "str":
            enc = [b"" if v is None else v.encode() for v in vals]
            h.update(b"".join(len(e).to_bytes(4, "little") for e in enc) + b"".join(enc))
        elif tag == "i64":
            h.update(b"".join((v or 0).to_bytes(8, "little", signed=True) for v in vals))
        elif tag == "f64":
            h.update(pa.array([v or 0.0 for v in vals], pa.float64()).buffers()[1])
        elif tag == "dec2":
            h.update(b"".join(int(v * 100).to_bytes(8, "little", signed=True) for v in vals))
        elif tag == "date":
            h.update(b"".join((v - date(1970, 1, 1)).days.to_bytes(4, "little") for v in vals))
        elif tag == "ts":
            us = [(v - datetime(1970, 1, 1, tzinfo=UTC)) // (datetime.resolution) for v in vals]
            h.update(b"".join(u.to_bytes(8, "little", signed=True) for u in us))
        else:
            h.update(bytes(1 if v else 0 for v in vals))
    return h.hexdigest()


@settings(max_examples=40, deadline=None)
@given(
    k=st.integers(1, 60),
    cuts=st.lists(st.integers(0, 60), max_size=5),
    span=st.tuples(st.integers(0, 60), st.integers(0, 60)),
)
def test_digest_is_the_documented_stream_whatever_the_chunking(
    k: int, cuts: list[int], span: tuple[int, int]
) -> None:
    whole = table(k)
    bounds = sorted({0, k, *(c for c in cuts if c < k)})
    chunked = pa.concat_tables([whole.slice(a, b - a) for a, b in itertools.pairwise(bounds)])
    assert chunked.column("name").num_chunks == len(bounds) - 1
    lo, hi = sorted(min(s, k) for s in span)
    expected = by_hand(whole, lo, hi)
    assert Canonical(whole, COLUMNS).content_sha256(lo, hi) == expected
    assert Canonical(chunked, COLUMNS).content_sha256(lo, hi) == expected
    # string data with large offsets digests the same
    large = whole.set_column(0, "name", whole.column("name").cast(pa.large_string()))
    assert Canonical(large, COLUMNS).content_sha256(lo, hi) == expected


def test_the_beijing_day_is_the_time_zone_cast_in_sql_and_in_numpy() -> None:
    """The day SQL queries (epoch arithmetic on DuckDB) and the ledger's groups (numpy) give an
    instant equals the cast through Asia/Shanghai, for instants every 7,919 seconds from 1992
    to 2100, around midnight both ways, and before 1970."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    instants = (
        "SELECT TIMESTAMPTZ '1992-01-01 00:00:00+08' + to_seconds(CAST(s AS BIGINT)) AS t "
        "FROM range(0, 3408134400, 7919) r(s) UNION ALL SELECT * FROM (VALUES "
        "(TIMESTAMPTZ '2026-03-31 23:59:59.999999+08'), (TIMESTAMPTZ '2026-03-31 16:00:00+00'), "
        "(TIMESTAMPTZ '1960-05-03 23:30:00+08')) v(t)"
    )
    rows = con.sql(
        f"SELECT t, CAST(t AS DATE) AS cast_day, {beijing_day('t')} AS sql_day FROM ({instants})"
    ).to_arrow_table()
    assert rows.num_rows > 430_000
    assert rows.column("sql_day").equals(rows.column("cast_day"))
    numpy_days = [EPOCH + timedelta(days=int(d)) for d in beijing_days(rows.column("t"))]
    assert numpy_days == rows.column("cast_day").to_pylist()
    assert rows.column("sql_day")[-1].as_py() == date(1960, 5, 3)
