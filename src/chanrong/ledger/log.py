"""The stored Merkle log: leaves, perfect-subtree hashes, signed heads, proofs, bundles and the audit.

Appending happens inside the caller's write transaction, so a batch and its leaf are committed
together or not at all, in one row: the leaf, the hashes of the perfect subtrees it completes
(so a root or a proof reads O(log n) hashes whatever the size of the log) and, for a batch, its
record groups.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from chanrong.clock import Clock
from chanrong.ledger.canon import (
    Canonical,
    canonical_json,
    group_data,
    record_columns,
    select_sql,
    split_groups,
    unmatched,
)
from chanrong.ledger.keys import Keyring, SignedHead, verify_head
from chanrong.ledger.merkle import (
    EMPTY_ROOT,
    Subtree,
    consistency_path,
    inclusion_path,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    roots_at,
)
from chanrong.model import EVENT_KINDS, Event
from chanrong.store.db import Store, dicts

BUNDLE_FORMAT = "chanrong-ledger-bundle/1"
REPORT_FORMAT = "chanrong-credit-report/1"
BEIJING = "Asia/Shanghai"

# Fetch a batch's records as one Arrow chunk per column: canonicalising then needs no copy.
ONE_CHUNK = 1 << 40


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def rows_json(table: pa.Table) -> list[dict[str, Any]]:
    """Arrow rows as JSON-ready dicts (timestamps ISO 8601 with offset, decimals as text)."""
    return list(orjson.loads(orjson.dumps(table.to_pylist(), default=_json_default)))


@dataclass
class Finding:
    """Something the audit found that does not match what the ledger committed to."""

    what: str
    batch_id: int | None = None
    kind: str | None = None
    org: str | None = None
    day: str | None = None
    records: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        where = ", ".join(
            f"{k} {v}"
            for k, v in (("batch", self.batch_id), ("kind", self.kind), ("org", self.org),
                         ("day", self.day))
            if v is not None
        )  # fmt: skip
        named = "; ".join(
            f"{r['kind']} record source={r['source']!r} id={r['id']!r}" for r in self.records
        )
        return f"{self.what}" + (f" ({where})" if where else "") + (f": {named}" if named else "")


@dataclass
class AuditReport:
    leaves: int = 0
    batches: int = 0
    groups: int = 0
    records: int = 0
    heads: int = 0
    unsealed: list[int] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


class Ledger:
    def __init__(self, store: Store, keyring: Keyring, clock: Clock) -> None:
        self.store = store
        self.keyring = keyring
        self.clock = clock
        self._size: int | None = None  # the log's size after the last append, checked before use

    # appending ----------------------------------------------------------------------------
    @staticmethod
    def size(cur: duckdb.DuckDBPyConnection) -> int:
        row = cur.execute("SELECT count(*) FROM ledger_leaves").fetchone()
        return int(row[0]) if row else 0

    def append(
        self,
        cur: duckdb.DuckDBPyConnection,
        leaf_type: str,
        ref: str,
        data: bytes,
        now: datetime,
        groups: list[dict[str, Any]] | None = None,
    ) -> int:
        """Add one leaf (inside the caller's transaction) with the perfect subtrees it completes."""
        index, left = self._tip(cur)
        h = leaf_hash(data)
        hashes = [h]
        for sibling in left:
            h = node_hash(sibling, h)
            hashes.append(h)
        cur.execute(
            "INSERT INTO ledger_leaves VALUES (?, ?, ?, ?, ?, ?, ?)",
            [index, leaf_type, ref, data.decode(), now, hashes, groups],
        )
        self._size = index + 1
        return index

    def _tip(self, cur: duckdb.DuckDBPyConnection) -> tuple[int, list[bytes]]:
        """The next leaf's index and the roots of the perfect subtrees to its left that it
        completes, lowest first (one per trailing 1 bit of the index), in one query. The size
        remembered from the last append is checked by the same query: leaf n must be absent and
        leaf n - 1 present, or the size is counted again (after a rollback, say)."""
        for attempt in range(2):
            if self._size is None or attempt:
                self._size = self.size(cur)
            n = self._size
            levels = (n ^ (n + 1)).bit_length() - 1  # trailing 1 bits
            wanted = {n, *(n - (1 << k) for k in range(levels))} | ({n - 1} if n else set())
            rows = {
                int(i): h
                for i, h in cur.execute(
                    "SELECT leaf_index, hashes FROM ledger_leaves WHERE leaf_index IN "
                    f"({', '.join(str(int(w)) for w in sorted(wanted))})"
                ).fetchall()
            }
            if n not in rows and (n == 0 or n - 1 in rows):
                return n, [bytes(rows[n - (1 << k)][k]) for k in range(levels)]
        raise LookupError(f"the ledger has {n} leaves but leaf {n - 1} is missing")

    def seal_batch(
        self,
        cur: duckdb.DuckDBPyConnection,
        model: type[Event],
        batch_id: int,
        header: dict[str, Any],
        now: datetime,
    ) -> int:
        """Commit a batch's accepted records: group them, digest each group, add the batch leaf."""
        groups, fingerprints = self._groups(cur, model, batch_id)
        leaves = [leaf_hash(g[3]) for g in groups]
        header = {
            **header,
            "v": 1,
            "type": "batch",
            "groups": len(groups),
            "groups_root": root(leaves).hex(),
        }
        stored = [
            {"org": org, "day": day, "records": n, "group_data": data.decode(), "fingerprints": fp}
            for (org, day, n, data), fp in zip(groups, fingerprints, strict=True)
        ]
        return self.append(cur, "batch", str(batch_id), canonical_json(header), now, stored)

    @staticmethod
    def _groups(
        cur: duckdb.DuckDBPyConnection, model: type[Event], batch_id: int
    ) -> tuple[list[tuple[str, date, int, bytes]], list[bytes]]:
        table = cur.sql(select_sql(model, f"batch_id = {int(batch_id)}")).to_arrow_table(ONE_CHUNK)
        table, groups = split_groups(table)
        if not groups:
            return [], []
        canon = Canonical(table, record_columns(model))
        out, fps = [], []
        for g, digest in zip(groups, canon.digests(groups), strict=True):
            fp = canon.fingerprint_bytes(g.lo, g.hi)
            out.append((g.org, g.day, g.hi - g.lo, group_data(model.kind, g, digest, fp)))
            fps.append(fp)
        return out, fps

    # reading the tree -------------------------------------------------------------------
    def subtree(self, cur: duckdb.DuckDBPyConnection) -> Subtree:
        cache: dict[tuple[int, int], bytes] = {}

        def st(lo: int, hi: int) -> bytes:
            n = hi - lo
            if n & (n - 1) == 0 and lo % n == 0:
                key = (n.bit_length() - 1, lo >> (n.bit_length() - 1))
                if key not in cache:
                    found = _hashes(cur, [key])
                    if key not in found:
                        raise LookupError(f"ledger node {key} is missing")
                    cache[key] = found[key]
                return cache[key]
            k = 1 << ((n - 1).bit_length() - 1)
            return node_hash(st(lo, lo + k), st(lo + k, hi))

        return st

    def root(self, size: int, cur: duckdb.DuckDBPyConnection | None = None) -> bytes:
        return EMPTY_ROOT if size == 0 else self.subtree(cur or self.store.cursor())(0, size)

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return inclusion_path(index, size, self.subtree(self.store.cursor()))

    def consistency(self, first: int, second: int) -> list[bytes]:
        return consistency_path(first, second, self.subtree(self.store.cursor()))

    # keys and heads ---------------------------------------------------------------------
    def public_keys(self) -> list[dict[str, Any]]:
        rows = dicts(self.store.cursor().execute(
            "SELECT key_id, public_key, created_at, retired_at FROM ledger_keys ORDER BY created_at"
        ))  # fmt: skip
        for r in rows:
            r["public_key"] = base64.b64encode(r["public_key"]).decode()
        return rows

    def active_key(self) -> str:
        """The key that signs new heads; a new one is made when there is none this host holds."""
        row = (
            self.store.cursor()
            .execute(
                "SELECT key_id FROM ledger_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1"
            )
            .fetchone()
        )
        if row and self.keyring.private(row[0]) is not None:
            return str(row[0])
        return self.rotate()

    def rotate(self) -> str:
        """Retire the signing key and start signing with a new one. Old heads keep their key id
        and still verify: retired public keys are never deleted."""
        kid, raw = self.keyring.generate()
        now = self.clock.now()
        with self.store.transaction() as cur:
            cur.execute("UPDATE ledger_keys SET retired_at = ? WHERE retired_at IS NULL", [now])
            cur.execute("INSERT INTO ledger_keys VALUES (?, ?, ?, NULL)", [kid, raw, now])
        return kid

    def public_key(self, kid: str) -> bytes | None:
        row = (
            self.store.cursor()
            .execute("SELECT public_key FROM ledger_keys WHERE key_id = ?", [kid])
            .fetchone()
        )
        return bytes(row[0]) if row else None

    def latest_head(self) -> SignedHead | None:
        heads = self._heads(limit=1)
        return heads[0] if heads else None

    def head(self) -> SignedHead:
        """The newest signed tree head; the log signs a new one first when it has grown."""
        kid = self.active_key()
        with self.store.transaction() as cur:
            size = self.size(cur)
            last = self.latest_head()
            if last is not None and last.tree_size == size and last.key_id == kid:
                return last
            now = self.clock.now()
            head = self.keyring.sign(kid, size, int(now.timestamp() * 1000), self.root(size, cur))
            cur.execute(
                "INSERT INTO ledger_heads VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [
                    head.tree_size,
                    now,
                    head.timestamp_ms,
                    head.root_hash,
                    head.key_id,
                    head.signature,
                ],
            )
        return head

    def heads(self, limit: int | None = 20) -> list[SignedHead]:
        """Signed heads, newest first (all of them with limit=None)."""
        return self._heads(limit=limit)

    def head_of_size(self, size: int) -> SignedHead | None:
        heads = self._heads("WHERE tree_size = ?", [size], limit=1)
        return heads[0] if heads else None

    def _heads(self, where: str = "", args: list[Any] | None = None,
               limit: int | None = None) -> list[SignedHead]:  # fmt: skip
        rows = self.store.cursor().execute(
            "SELECT tree_size, timestamp_ms, root_hash, key_id, signature FROM ledger_heads "
            f"{where} ORDER BY tree_size DESC, timestamp_ms DESC LIMIT ?",
            [*(args or []), limit if limit is not None else 2**62],
        ).fetchall()  # fmt: skip
        return [SignedHead(int(r[0]), int(r[1]), bytes(r[2]), str(r[3]), bytes(r[4])) for r in rows]

    # proofs and bundles ---------------------------------------------------------------------
    def leaf(self, index: int) -> dict[str, Any] | None:
        rows = dicts(self.store.cursor().execute(
            "SELECT * FROM ledger_leaves WHERE leaf_index = ?", [index]))  # fmt: skip
        return rows[0] if rows else None

    def bundle(
        self,
        owner: str,
        periods: dict[str, tuple[date | None, date | None]],
        *,
        batches: list[int] | None = None,
        head: SignedHead | None = None,
        exported_by: str | None = None,
    ) -> dict[str, Any]:
        """Everything needed to check offline that an enterprise's records are exactly what the
        platform accepted: per kind, the record groups whose day is in [from, until) of
        `periods`, each group's path to its batch leaf and each leaf's path to a signed head,
        and the public keys."""
        head = head or self.head()
        cur = self.store.cursor()
        kinds = sorted(k for k in periods if k in EVENT_KINDS)
        groups = [
            g
            for g in dicts(cur.execute(
                "SELECT b.batch_id, l.position, l.g.day AS day, l.g.group_data AS group_data, "
                "l.g.fingerprints AS fingerprints, b.kind, b.leaf_index FROM ingest_batches b "
                "JOIN (SELECT leaf_index, unnest(range(len(groups))) AS position, "
                "unnest(groups) AS g FROM ledger_leaves WHERE leaf_type = 'batch' "
                "AND leaf_index < $size) l USING (leaf_index) "
                "WHERE l.g.org = $org AND list_contains($kinds, b.kind) "
                "AND ($batches IS NULL OR list_contains($batches, b.batch_id)) "
                "ORDER BY b.leaf_index, l.position",
                {"org": owner, "kinds": kinds, "size": head.tree_size, "batches": batches},
            ))
            if _within(g["day"], *periods[g["kind"]])
        ]  # fmt: skip
        subtree = self.subtree(cur)
        out: list[dict[str, Any]] = []
        for g in groups:
            if not out or out[-1]["batch_id"] != g["batch_id"]:
                leaf = self.leaf(g["leaf_index"])
                assert leaf is not None
                siblings = [leaf_hash(s["group_data"].encode()) for s in leaf["groups"]]
                out.append({
                    "batch_id": g["batch_id"],
                    "kind": g["kind"],
                    "leaf_index": g["leaf_index"],
                    "leaf_data": leaf["leaf_data"],
                    "proof": [p.hex() for p in inclusion_path(g["leaf_index"], head.tree_size, subtree)],
                    "groups": [],
                    "_siblings": siblings,
                })  # fmt: skip
            model = EVENT_KINDS[g["kind"]]
            batch = out[-1]
            records = self.group_records(cur, model, g["batch_id"], owner, g["day"])
            batch["groups"].append({
                "position": g["position"],
                "group_data": g["group_data"],
                "proof": [p.hex() for p in inclusion_proof(g["position"], batch["_siblings"])],
                "fingerprints": base64.b64encode(g["fingerprints"]).decode(),
                "records": rows_json(records),
            })  # fmt: skip
        for b in out:
            b.pop("_siblings")
        used = kinds
        return {
            "format": BUNDLE_FORMAT,
            "owner": owner,
            "kinds": used,
            "periods": {k: [d.isoformat() if d else None for d in periods[k]] for k in used},
            "exported_at": self.clock.now().isoformat(),
            "exported_by": exported_by,
            "columns": {
                k: [{"name": n, "type": t} for n, t in record_columns(EVENT_KINDS[k])]
                for k in sorted(used)
            },
            "head": head.as_json(),
            "keys": [
                {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()}
                for r in self.public_keys()
            ],
            "batches": out,
        }

    def batch_leaves(self, owner: str, kinds: list[str], since: date) -> list[dict[str, Any]]:
        """The batch leaves holding records of the owner of these kinds on or after `since`."""
        return dicts(self.store.cursor().execute(
            "SELECT b.batch_id, b.kind, l.leaf_index, l.leaf_data FROM ingest_batches b "
            "JOIN ledger_leaves l USING (leaf_index) WHERE l.leaf_type = 'batch' "
            "AND list_contains($kinds, b.kind) AND len(list_filter(l.groups, "
            "lambda g: g.org = $org AND g.day >= $since)) > 0 ORDER BY l.leaf_index",
            {"org": owner, "kinds": kinds, "since": since}))  # fmt: skip

    def proofs(self, indices: list[int], head: SignedHead) -> dict[int, list[str]]:
        """Inclusion paths of these leaves to the head (one subtree cache for all)."""
        subtree = self.subtree(self.store.cursor())
        return {i: [p.hex() for p in inclusion_path(i, head.tree_size, subtree)] for i in indices}

    def locate(
        self, model: type[Event], org: str, record_id: str, source: str | None
    ) -> tuple[int, date] | None:
        """The batch and Beijing day of a stored record (the newest, when ids repeat)."""
        row = (
            self.store.cursor()
            .execute(
                f"SELECT batch_id, CAST(timezone('{BEIJING}', event_time) AS DATE) FROM {model.table} "
                "WHERE org = $org AND id = $id AND ($source IS NULL OR source = $source) "
                "ORDER BY batch_id DESC LIMIT 1",
                {"org": org, "id": record_id, "source": source},
            )
            .fetchone()
        )
        return (int(row[0]), row[1]) if row else None

    @staticmethod
    def group_records(
        cur: duckdb.DuckDBPyConnection, model: type[Event], batch_id: int, org: str, day: date
    ) -> pa.Table:
        """The stored records of one group, in the order they were committed."""
        start = f"TIMESTAMPTZ '{day.isoformat()} 00:00:00+08'"
        end = f"TIMESTAMPTZ '{(day + timedelta(days=1)).isoformat()} 00:00:00+08'"
        sql = select_sql(
            model,
            f"batch_id = {int(batch_id)} AND org = $org AND event_time >= {start} AND event_time < {end}",
        )
        return cur.sql(sql, params={"org": org}).to_arrow_table()

    # the audit of the file ------------------------------------------------------------------
    def audit(self, progress: Any = None) -> AuditReport:
        """Recompute everything the ledger committed to from the rows now in the file, and name
        every record, group, leaf or head that no longer matches."""
        report = AuditReport()
        cur = self.store.cursor()
        report.leaves = self.size(cur)
        leaves = cur.execute(
            "SELECT leaf_index, leaf_data, hashes[1] FROM ledger_leaves ORDER BY leaf_index"
        ).fetchall()
        hashes: list[bytes] = []
        for index, data, stored in leaves:
            h = leaf_hash(data.encode())
            hashes.append(h)
            if stored is None or bytes(stored) != h:
                report.findings.append(
                    Finding(f"ledger leaf {index} was changed after it was logged")
                )
        heads = self.heads(limit=None)
        keys = {k: bytes(raw) for k, raw in
                cur.execute("SELECT key_id, public_key FROM ledger_keys").fetchall()}  # fmt: skip
        roots = roots_at(hashes, (h.tree_size for h in heads))
        for head in heads:
            report.heads += 1
            key = keys.get(head.key_id)
            if key is None or not verify_head(head, key):
                report.findings.append(Finding(
                    f"signed head of size {head.tree_size} does not verify with key {head.key_id}"
                ))  # fmt: skip
            elif roots.get(head.tree_size) != head.root_hash:
                report.findings.append(
                    Finding(f"the log no longer matches its signed head of size {head.tree_size}")
                )
        batches = dicts(cur.execute(
            "SELECT b.batch_id, b.kind, b.leaf_index, l.leaf_data, l.groups FROM ingest_batches b "
            "LEFT JOIN ledger_leaves l ON l.leaf_index = b.leaf_index ORDER BY b.batch_id"))  # fmt: skip
        for b in batches:
            if progress:
                progress(b["batch_id"])
            if b["leaf_data"] is None:
                report.unsealed.append(b["batch_id"])
                continue
            report.batches += 1
            self._audit_batch(cur, b, report)
        return report

    def _audit_batch(
        self, cur: duckdb.DuckDBPyConnection, b: dict[str, Any], report: AuditReport
    ) -> None:
        model = EVENT_KINDS[b["kind"]]
        header = orjson.loads(b["leaf_data"])
        groups, fps = self._groups(cur, model, b["batch_id"])
        report.groups += len(groups)
        report.records += sum(g[2] for g in groups)
        if root([leaf_hash(g[3]) for g in groups]).hex() == header.get("groups_root"):
            return
        stored = b["groups"] or []
        if root([leaf_hash(s["group_data"].encode()) for s in stored]).hex() != header.get(
            "groups_root"
        ):
            report.findings.append(
                Finding("the group list of a batch was changed", b["batch_id"], model.kind)
            )
        now = {(g[0], g[1]): (g, fp) for g, fp in zip(groups, fps, strict=True)}
        for s in stored:
            key = (s["org"], s["day"])
            current = now.pop(key, None)
            if current is not None and current[0][3].decode() == s["group_data"]:
                continue
            finding = Finding("records differ from what the platform accepted", b["batch_id"],
                              model.kind, s["org"], s["day"].isoformat())  # fmt: skip
            records = self.group_records(cur, model, b["batch_id"], s["org"], s["day"])
            ids = records.select(["source", "id"]).to_pylist()
            meta = orjson.loads(s["group_data"])
            named = unmatched(bytes(s["fingerprints"]), meta.get("fingerprints_sha256"),
                              records.column("_fp").to_pylist())  # fmt: skip
            if named is None:
                finding.what += (
                    "; its stored fingerprints were changed too, so records cannot be named"
                )
            else:
                changed, removed = named
                finding.records = [{"kind": model.kind, **ids[i]} for i in changed]
                if removed:
                    finding.what += f"; {removed} record(s) removed"
            report.findings.append(finding)
        for org, day in now:
            records = self.group_records(cur, model, b["batch_id"], org, day)
            report.findings.append(Finding(
                "records were added to a batch after it was sealed", b["batch_id"], model.kind,
                org, day.isoformat(),
                [{"kind": model.kind, "source": r["source"], "id": r["id"]}
                 for r in records.select(["source", "id"]).to_pylist()],
            ))  # fmt: skip


def _within(day: date, lo: date | None, hi: date | None) -> bool:
    return (lo is None or day >= lo) and (hi is None or day < hi)


def _hashes(
    cur: duckdb.DuckDBPyConnection, keys: list[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """Perfect-subtree hashes by (level, index): subtree (k, i) ends at leaf (i + 1) * 2^k - 1,
    which holds it at position k + 1 of its `hashes`."""
    if not keys:
        return {}
    ends: dict[int, list[tuple[int, int]]] = {}
    for k, i in keys:
        ends.setdefault(((i + 1) << k) - 1, []).append((k, i))
    rows = cur.execute(
        "SELECT leaf_index, hashes FROM ledger_leaves WHERE leaf_index IN "
        f"({', '.join(str(int(e)) for e in ends)})"
    ).fetchall()
    return {
        (k, i): bytes(hashes[k])
        for end, hashes in rows
        for k, i in ends[int(end)]
        if k < len(hashes)
    }
