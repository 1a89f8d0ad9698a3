-- 0006: the tamper-evident ledger (RFC 6962 Merkle log). A leaf per accepted batch and per consent
-- change; the nodes of every perfect subtree, so roots and proofs need O(log n) reads; the record
-- groups of each batch (one enterprise, one day) with their fingerprints; signed tree heads and
-- the public keys that signed them (private keys stay in the key directory, never in this file).
CREATE TABLE ledger_leaves (
    leaf_index BIGINT PRIMARY KEY,
    leaf_type VARCHAR NOT NULL,
    ref VARCHAR NOT NULL,
    leaf_data VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ledger_nodes (
    level INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);

CREATE TABLE ledger_groups (
    batch_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    org VARCHAR NOT NULL,
    day DATE NOT NULL,
    records BIGINT NOT NULL,
    group_data VARCHAR NOT NULL,
    fingerprints BLOB NOT NULL,
    PRIMARY KEY (batch_id, position)
);

CREATE TABLE ledger_heads (
    tree_size BIGINT NOT NULL,
    signed_at TIMESTAMPTZ NOT NULL,
    timestamp_ms BIGINT NOT NULL,
    root_hash BLOB NOT NULL,
    key_id VARCHAR NOT NULL,
    signature BLOB NOT NULL,
    PRIMARY KEY (tree_size, key_id)
);

CREATE TABLE ledger_keys (
    key_id VARCHAR PRIMARY KEY,
    public_key BLOB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    retired_at TIMESTAMPTZ
);

ALTER TABLE ingest_batches ADD COLUMN leaf_index BIGINT;
ALTER TABLE consents ADD COLUMN leaf_index BIGINT;
