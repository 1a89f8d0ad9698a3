"""Offline verification of an exported bundle: no server, no platform database.

Checks, in order: the signed head against the platform's public key (pinned by the caller, or the
one the bundle carries); every batch leaf against the head by its inclusion proof; every group
against its batch leaf; every group's records against the group's digest. A group whose records
do not match names them, by the 32-bit fingerprints the group committed to.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import duckdb
import orjson

from chanrong.ledger.canon import Canonical, canonical_json, fingerprint_sql, q, unmatched
from chanrong.ledger.keys import SignedHead, key_id, verify_head
from chanrong.ledger.log import BUNDLE_FORMAT, REPORT_FORMAT
from chanrong.ledger.merkle import leaf_hash, verify_inclusion


@dataclass
class BundleReport:
    head: SignedHead | None = None
    key_id: str | None = None
    key_pinned: bool = False
    batches: int = 0
    groups: int = 0
    records: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.head is not None


def _signed_head(
    doc: dict[str, Any], fmt: str, public_key: bytes | None, report: BundleReport
) -> SignedHead | None:
    """The signed head of a document of format `fmt`, checked against the pinned key (or the
    key it carries); None, with the problem reported, when it does not hold."""
    if doc.get("format") != fmt:
        report.problems.append(f"not a {fmt} document (format {doc.get('format')!r})")
        return None
    head = SignedHead.from_json(doc["head"])
    report.key_id = head.key_id
    if public_key is None:
        carried = {k["key_id"]: base64.b64decode(k["public_key"]) for k in doc.get("keys", [])}
        public_key = carried.get(head.key_id)
    else:
        report.key_pinned = True
    if public_key is None:
        report.problems.append(f"no public key for key id {head.key_id}")
        return None
    if key_id(public_key) != head.key_id:
        report.problems.append(
            f"the head was signed by key {head.key_id}, the key given is {key_id(public_key)}"
        )
        return None
    if not verify_head(head, public_key):
        report.problems.append(
            f"the signature on the tree head of size {head.tree_size} is not valid"
        )
        return None
    report.head = head
    return head


def in_log(index: int, data: str, proof: list[str], head: SignedHead) -> bool:
    """Whether a leaf with this data sits at `index` of the log the head signs."""
    path = [bytes.fromhex(p) for p in proof]
    return verify_inclusion(index, head.tree_size, leaf_hash(data.encode()), path, head.root_hash)


def verify_bundle(bundle: dict[str, Any], public_key: bytes | None = None) -> BundleReport:
    """Verify a bundle; `public_key` (raw 32 bytes) pins the platform key the head must verify
    with. Without it, the key the bundle names is used and the report says it was not pinned."""
    report = BundleReport()
    head = _signed_head(bundle, BUNDLE_FORMAT, public_key, report)
    if head is None:
        return report
    con = duckdb.connect()
    for batch in bundle.get("batches", []):
        _verify_batch(con, bundle, batch, head, report)
    return report


def verify_report(doc: dict[str, Any], public_key: bytes | None = None) -> BundleReport:
    """Verify a credit-enhancement report: its head, that the report itself (its canonical
    JSON) is the leaf it names in that log, and that each data batch it rests on is too."""
    report = BundleReport()
    head = _signed_head(doc, REPORT_FORMAT, public_key, report)
    if head is None:
        return report
    body = canonical_json(doc["report"]).decode()
    if not in_log(int(doc["leaf_index"]), body, doc["proof"], head):
        report.problems.append("the report is not what the platform logged (it was changed)")
    for b in doc.get("batches", []):
        report.batches += 1
        if not in_log(int(b["leaf_index"]), b["leaf_data"], b["proof"], head):
            report.problems.append(f"batch {b.get('batch_id')} (leaf {b['leaf_index']}): "
                                   "not in the signed log")  # fmt: skip
    return report


def _verify_batch(
    con: duckdb.DuckDBPyConnection,
    bundle: dict[str, Any],
    batch: dict[str, Any],
    head: SignedHead,
    report: BundleReport,
) -> None:
    report.batches += 1
    index, data = int(batch["leaf_index"]), batch["leaf_data"]
    where = f"batch {batch.get('batch_id')} (leaf {index})"
    if not in_log(index, data, batch["proof"], head):
        report.problems.append(
            f"{where}: not in the signed log (the leaf or its proof was changed)"
        )
        return
    header = orjson.loads(data)
    groups_root, total = bytes.fromhex(header["groups_root"]), int(header["groups"])
    columns = [(c["name"], c["type"]) for c in bundle["columns"][header["kind"]]]
    for group in batch["groups"]:
        report.groups += 1
        gdata, pos = group["group_data"], int(group["position"])
        gproof = [bytes.fromhex(p) for p in group["proof"]]
        meta = orjson.loads(gdata)
        label = f"{where}, {meta['kind']} of {meta['org']} on {meta['day']}"
        if not verify_inclusion(pos, total, leaf_hash(gdata.encode()), gproof, groups_root):
            report.problems.append(f"{label}: the group is not part of the batch")
            continue
        records = group["records"]
        report.records += len(records)
        canon = Canonical(_table(con, columns, records), columns)
        if (
            len(records) == meta["records"]
            and canon.content_sha256(0, len(records)) == meta["content_sha256"]
        ):
            continue
        report.problems.append(f"{label}: records differ from what the platform accepted"
                               + _named(canon, group, meta, records))  # fmt: skip


def _table(
    con: duckdb.DuckDBPyConnection, columns: list[tuple[str, str]], records: list[dict[str, Any]]
) -> Any:
    """The bundle's records typed as the platform stored them, with their fingerprints."""
    exprs = ", ".join(
        f"CAST(json_extract_string(j, {_path(n)}) AS {t}) AS {q(n)}" for n, t in columns
    )
    typed = f"SELECT {exprs} FROM unnest(CAST(? AS JSON[])) WITH ORDINALITY u(j, n) ORDER BY n"
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    return con.sql(
        f"SELECT *, {fingerprint_sql(columns)} AS _fp FROM ({typed})",
        params=[orjson.dumps(records).decode()],
    ).to_arrow_table()


def _path(name: str) -> str:
    return "'$." + name.replace("'", "''") + "'"


def _named(
    canon: Canonical, group: dict[str, Any], meta: dict[str, Any], records: list[dict[str, Any]]
) -> str:
    committed = base64.b64decode(group.get("fingerprints", ""))
    named = unmatched(committed, meta.get("fingerprints_sha256"), canon.fingerprints.tolist())
    if named is None:
        return "; the fingerprints are not the committed ones, so the records cannot be named"
    changed, removed = named
    text = (
        ": "
        + ", ".join(
            f"record #{i} source={records[i].get('source')!r} id={records[i].get('id')!r}"
            for i in changed
        )
        if changed
        else ""
    )
    return text + (f"; {removed} record(s) missing" if removed else "")
