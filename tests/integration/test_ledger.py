"""The ledger on a real DuckDB file: sealing, signed heads, proofs, bundles verified offline, key
rotation, consents in the log, and tampering with the file named down to the record."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import duckdb
import orjson
import pytest

from chanrong.clock import FixedClock
from chanrong.ledger.keys import verify_head
from chanrong.ledger.merkle import (
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)
from chanrong.ledger.verify import verify_bundle
from chanrong.platform import Platform
from chanrong.store.db import Store
from chanrong.store.events import JsonBatch
from tests.conftest import OTHER_SME, PLATFORM_ORG, SME, telemetry, world


def send(platform: Platform, records: list[dict], submitter: str = PLATFORM_ORG):
    return platform.events.append(
        "telemetry",
        JsonBatch(orjson.dumps(records).decode()),
        submitter=submitter,
        now=platform.clock.now(),
        default_channel="device",
    )


def two_firms_two_days(start: int = 0) -> list[dict]:
    """Interleaved records of two firms over two Beijing days (one crosses midnight UTC)."""
    out = []
    for i in range(start, start + 40):
        org = SME if i % 2 else OTHER_SME
        day = "2026-03-01" if i % 4 < 2 else "2026-03-02"
        out.append(telemetry(i, org=org, event_time=f"{day}T{(i % 13):02d}:30:00+08:00"))
    return out


def test_a_batch_becomes_a_leaf_of_groups_by_firm_and_day(platform: Platform) -> None:
    result = send(platform, two_firms_two_days())
    assert result.accepted == 40 and result.leaf_index == 0
    rows = (
        platform.store.cursor()
        .execute(
            "SELECT g.org, g.day, g.records FROM (SELECT unnest(groups) AS g FROM ledger_leaves "
            "WHERE leaf_type = 'batch' AND ref = ?)",
            [str(result.batch_id)],
        )
        .fetchall()
    )
    assert rows == sorted(rows) and len(rows) == 4
    assert {(r[0], r[2]) for r in rows} == {(SME, 10), (OTHER_SME, 10)}
    header = orjson.loads(platform.ledger.leaf(0)["leaf_data"])
    assert header["accepted"] == 40 and header["groups"] == 4 and header["kind"] == "telemetry"
    # the same batch again: nothing new is stored, but the platform still logs that it came
    again = send(platform, two_firms_two_days())
    assert again.accepted == 0 and again.duplicates == 40 and again.leaf_index == 1
    assert orjson.loads(platform.ledger.leaf(1)["leaf_data"])["groups"] == 0


def test_stored_log_proofs_match_an_independent_recomputation(platform: Platform) -> None:
    rng = random.Random(6962)
    data = [rng.randbytes(rng.randint(0, 40)) for _ in range(70)]
    with platform.store.transaction() as cur:
        for d in data:
            platform.ledger.append(cur, "test", "x", d.hex().encode(), platform.clock.now())
    hashed = [leaf_hash(d.hex().encode()) for d in data]
    for size in sorted({1, 2, 3, 7, 8, 9, 31, 32, 33, 64, 70, *rng.sample(range(1, 71), 10)}):
        expected = root(hashed[:size])
        assert platform.ledger.root(size) == expected
        for i in rng.sample(range(size), min(size, 6)):
            proof = platform.ledger.inclusion(i, size)
            assert proof == inclusion_proof(i, hashed[:size])
            assert verify_inclusion(i, size, hashed[i], proof, expected)
        first = rng.randint(0, size)
        proof = platform.ledger.consistency(first, size)
        assert verify_consistency(first, size, root(hashed[:first]), expected, proof)


def test_heads_are_signed_and_consistent_as_the_log_grows(
    platform: Platform, clock: FixedClock
) -> None:
    send(platform, two_firms_two_days())
    first = platform.ledger.head()
    assert platform.ledger.head() == first  # not re-signed while the log has not grown
    key = platform.ledger.public_key(first.key_id)
    assert key is not None and verify_head(first, key)
    clock.advance(minutes=5)
    send(platform, two_firms_two_days(100))
    second = platform.ledger.head()
    assert second.tree_size == first.tree_size + 1
    proof = platform.ledger.consistency(first.tree_size, second.tree_size)
    assert verify_consistency(
        first.tree_size, second.tree_size, first.root_hash, second.root_hash, proof
    )


def test_bundle_verifies_offline_and_names_an_edited_record(platform: Platform) -> None:
    send(platform, two_firms_two_days())
    send(
        platform,
        [
            telemetry(i, event_time="2026-03-02T09:00:00+08:00", power_kw=None)
            for i in range(200, 230)
        ],
    )
    bundle = platform.ledger.bundle(SME, {"telemetry": (date(2026, 3, 2), date(2026, 3, 3))})
    bundle = orjson.loads(orjson.dumps(bundle))  # exactly what a bank downloads
    records = [r for b in bundle["batches"] for g in b["groups"] for r in g["records"]]
    assert len(records) == 40 and {r["org"] for r in records} == {SME}
    assert all(r["event_time"].startswith("2026-03-02") for r in records)
    head_key = next(k for k in bundle["keys"] if k["key_id"] == bundle["head"]["key_id"])
    import base64

    pinned = base64.b64decode(head_key["public_key"])
    report = verify_bundle(bundle, pinned)
    assert report.ok and report.key_pinned and report.records == 40, report.problems
    # a bank edits one number: verification fails and says which record
    bundle["batches"][1]["groups"][0]["records"][3]["energy_kwh"] += 1
    report = verify_bundle(bundle, pinned)
    assert not report.ok and len(report.problems) == 1
    assert "id='t-203'" in report.problems[0] and "2026-03-02" in report.problems[0]
    # a record dropped from a group
    del bundle["batches"][1]["groups"][0]["records"][5]
    assert "missing" in verify_bundle(bundle, pinned).problems[0]
    # another key, or a forged head
    other = verify_bundle(bundle, bytes(32))
    assert not other.ok and "key" in other.problems[0]


def test_changing_a_stored_record_in_the_file_is_named(db_path: Path, clock: FixedClock) -> None:
    platform = Platform(Store(db_path), clock)
    world(platform)
    send(platform, two_firms_two_days())
    send(platform, [telemetry(i) for i in range(300, 320)], submitter=SME)
    platform.ledger.head()
    assert platform.ledger.audit().ok
    platform.close()

    raw = duckdb.connect(str(db_path))  # someone with the file, not the platform
    raw.execute("UPDATE ev_telemetry SET counter = counter + 1 WHERE id = 't-307'")
    raw.execute("DELETE FROM ev_telemetry WHERE id = 't-5'")
    raw.close()

    platform = Platform(Store(db_path), clock)
    report = platform.ledger.audit()
    text = "\n".join(str(f) for f in report.findings)
    assert not report.ok and len(report.findings) == 2, text
    assert "id='t-307'" in text and "1 record(s) removed" in text
    bundle = platform.ledger.bundle(SME, {"telemetry": (None, None)})
    assert any(
        "id='t-307'" in p for p in verify_bundle(orjson.loads(orjson.dumps(bundle))).problems
    )
    platform.close()


def test_keys_rotate_without_breaking_old_heads(platform: Platform, clock: FixedClock) -> None:
    send(platform, two_firms_two_days())
    old_bundle = orjson.loads(
        orjson.dumps(platform.ledger.bundle(SME, {"telemetry": (None, None)}))
    )
    old = platform.ledger.head()
    new_kid = platform.ledger.rotate()
    clock.advance(minutes=1)
    send(platform, two_firms_two_days(100))
    new = platform.ledger.head()
    assert new.key_id == new_kid != old.key_id
    keys = {k["key_id"]: k for k in platform.ledger.public_keys()}
    assert keys[old.key_id]["retired_at"] is not None and keys[new_kid]["retired_at"] is None
    assert verify_bundle(old_bundle).ok
    assert verify_bundle(
        orjson.loads(orjson.dumps(platform.ledger.bundle(SME, {"telemetry": (None, None)})))
    ).ok
    assert platform.ledger.audit().ok and platform.ledger.audit().heads == 2


def test_parquet_round_trip_keeps_the_ledger_verifiable(platform: Platform, tmp_path: Path) -> None:
    from chanrong.store.parquet import export_all, import_all

    send(platform, two_firms_two_days())
    send(platform, [telemetry(i, event_time="2026-02-27T23:59:00+08:00") for i in range(500, 520)])
    platform.ledger.head()
    export_all(platform.store, tmp_path / "out")
    copy = Platform(Store(tmp_path / "copy.duckdb"), platform.clock)
    import_all(copy.store, tmp_path / "out")
    report = copy.ledger.audit()
    assert report.ok and report.batches == 2 and report.records == 60, [
        str(f) for f in report.findings
    ]
    copy.close()


@pytest.mark.parametrize("kind", ["energy", "sales_order"])
def test_every_column_type_round_trips_through_a_bundle(platform: Platform, kind: str) -> None:
    """Doubles, decimals, dates, timestamps and nulls come back bit for bit from JSON."""
    if kind == "energy":
        recs = [{"id": f"e-{i}", "source": "em", "org": SME, "event_time": "2026-03-02T10:00:00+08:00",
                 "meter": "EM-1", "energy_type": "electricity", "value": 0.1 + i / 3, "unit": "kWh"}
                for i in range(5)]  # fmt: skip
    else:
        recs = [{"id": f"so-{i}", "source": "erp", "org": SME, "event_time": "2026-03-02T10:00:00+08:00",
                 "order_no": f"SO-{i}", "counterparty": OTHER_SME, "item": "P-1", "qty": 3,
                 "unit": "pcs", "unit_price": "12.34", "amount": "37.02", "order_date": "2026-03-02",
                 "due_date": "2026-03-20"} for i in range(5)]  # fmt: skip
    result = platform.events.append(kind, JsonBatch(orjson.dumps(recs).decode()), submitter=SME,
                                    now=platform.clock.now())  # fmt: skip
    assert result.accepted == 5, result.rejections
    report = verify_bundle(
        orjson.loads(orjson.dumps(platform.ledger.bundle(SME, {kind: (None, None)})))
    )
    assert report.ok and report.records == 5, report.problems


def test_consent_changes_are_leaves(platform: Platform) -> None:
    from chanrong.access.rules import Principal, Role
    from chanrong.model.master import OrgKind
    from tests.conftest import BANK

    before = log_size(platform)
    bank = Principal(org=BANK, org_kind=OrgKind.BANK, role=Role.ADMIN, user_id=7)
    sme = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, user_id=8)
    c = platform.consents.request(bank, grantor=SME, scopes=["production_energy"],
                                  purpose="pre_loan", days=30)  # fmt: skip
    platform.consents.authorise(sme, c["consent_id"])
    leaves = [platform.ledger.leaf(i) for i in range(before, log_size(platform))]
    states = [orjson.loads(x["leaf_data"])["consent"]["status"] for x in leaves]
    assert states == ["requested", "authorised"] and {x["ref"] for x in leaves} == {c["consent_id"]}
    assert platform.consents.get(sme, c["consent_id"])["leaf_index"] == before + 1
    assert platform.ledger.audit().ok


def log_size(platform: Platform) -> int:
    return platform.ledger.size(platform.store.cursor())


def test_forged_fingerprints_are_noticed_not_trusted(db_path: Path, clock: FixedClock) -> None:
    platform = Platform(Store(db_path), clock)
    world(platform)
    send(platform, [telemetry(i) for i in range(10)], submitter=SME)
    platform.close()
    raw = duckdb.connect(str(db_path))  # change a record and cover the tracks in its group
    raw.execute("UPDATE ev_telemetry SET counter = 77 WHERE id = 't-4'")
    raw.execute(
        "UPDATE ledger_leaves SET groups = list_transform(groups, lambda g: struct_update(g, "
        "fingerprints := g.fingerprints || g.fingerprints)) WHERE leaf_type = 'batch'"
    )
    raw.close()
    platform = Platform(Store(db_path), clock)
    report = platform.ledger.audit()
    assert [f.records for f in report.findings] == [[]]
    assert "fingerprints were changed too" in str(report.findings[0])
    platform.close()


def test_a_rolled_back_or_foreign_append_does_not_corrupt_the_log(platform: Platform) -> None:
    """The ledger remembers its size between appends; a batch rolled back after its leaf was
    added, or a leaf added by another writer of the same file, must not leave a gap or a
    duplicate index."""
    send(platform, [telemetry(i) for i in range(3)])
    with pytest.raises(RuntimeError), platform.store.transaction() as cur:
        platform.ledger.append(cur, "batch", "doomed", b'{"v":1}', platform.clock.now())
        raise RuntimeError("the batch fails after its leaf was added")
    assert send(platform, [telemetry(i) for i in range(3, 6)]).leaf_index == 1
    other = Platform(platform.store, platform.clock)  # a second writer of the same store
    with platform.store.transaction() as cur:
        assert other.ledger.append(cur, "batch", "other", b'{"v":1}', platform.clock.now()) == 2
    assert send(platform, [telemetry(i) for i in range(6, 9)]).leaf_index == 3
    indices = [r[0] for r in platform.store.cursor().execute(
        "SELECT leaf_index FROM ledger_leaves ORDER BY 1").fetchall()]  # fmt: skip
    assert indices == [0, 1, 2, 3]
    hashes = [leaf_hash(platform.ledger.leaf(i)["leaf_data"].encode()) for i in indices]
    assert platform.ledger.root(4) == root(hashes)


def test_a_file_logged_in_the_0006_layout_migrates_to_the_same_log(
    db_path: Path, clock: FixedClock
) -> None:
    """Migration 0007 moves subtree hashes and groups into the leaf rows: the root, the signed
    heads and the audit are unchanged. The 0006 layout is rebuilt here from a logged file."""
    platform = Platform(Store(db_path), clock)
    world(platform)
    for start in range(0, 200, 40):
        send(platform, two_firms_two_days(start))
    head = platform.ledger.head()
    platform.close()
    raw = duckdb.connect(str(db_path))
    raw.execute("""
        CREATE TABLE ledger_nodes AS SELECT k - 1 AS level,
            ((leaf_index + 1) >> (k - 1)) - 1 AS idx, hashes[k] AS hash
        FROM ledger_leaves, range(1, 64) r(k) WHERE k <= len(hashes);
        CREATE TABLE ledger_groups AS SELECT CAST(ref AS BIGINT) AS batch_id, p - 1 AS position,
            groups[p].org AS org, groups[p].day AS day, groups[p].records AS records,
            groups[p].group_data AS group_data, groups[p].fingerprints AS fingerprints
        FROM ledger_leaves, range(1, 64) r(p) WHERE leaf_type = 'batch' AND p <= len(groups);
        CREATE TABLE old_leaves AS
            SELECT leaf_index, leaf_type, ref, leaf_data, created_at FROM ledger_leaves;
        DROP TABLE ledger_leaves;
        ALTER TABLE old_leaves RENAME TO ledger_leaves;
        DELETE FROM schema_migrations WHERE version = 7;
    """)
    assert raw.execute("SELECT count(*) FROM ledger_nodes").fetchone()[0] == 5 + 2 + 1
    raw.close()
    platform = Platform(Store(db_path), clock)
    assert platform.store.schema_version() >= 7
    assert platform.ledger.root(head.tree_size) == head.root_hash
    report = platform.ledger.audit()
    assert report.ok and report.batches == 5 and report.groups == 20, report.findings
    assert send(platform, two_firms_two_days(200)).leaf_index == 5
    assert platform.ledger.audit().ok
    platform.close()
