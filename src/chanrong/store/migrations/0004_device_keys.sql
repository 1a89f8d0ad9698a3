-- 0004: Ed25519 public keys of gateways and devices, and which key signed a batch.
CREATE TABLE device_keys (
    key_id VARCHAR PRIMARY KEY,
    org VARCHAR NOT NULL,
    device VARCHAR,
    public_key VARCHAR NOT NULL,
    name VARCHAR,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

ALTER TABLE ingest_batches ADD COLUMN signed_by VARCHAR;
