-- 0003: consents (who may read which data of an enterprise, for what, until when) and the audit
-- log of every read of another organisation's data.
CREATE TABLE consents (
    consent_id VARCHAR PRIMARY KEY,
    grantor VARCHAR NOT NULL,
    grantee VARCHAR NOT NULL,
    scopes VARCHAR[] NOT NULL,
    purpose VARCHAR NOT NULL,
    data_from DATE,
    data_to DATE,
    status VARCHAR NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    no_onward_transfer BOOLEAN NOT NULL,
    note VARCHAR,
    requested_by VARCHAR,
    requested_at TIMESTAMPTZ NOT NULL,
    decided_by VARCHAR,
    decided_at TIMESTAMPTZ,
    revoked_by VARCHAR,
    revoked_at TIMESTAMPTZ,
    revoke_reason VARCHAR,
    terms_sha256 VARCHAR
);

CREATE TABLE audit_log (
    audit_id BIGINT PRIMARY KEY,
    read_at TIMESTAMPTZ NOT NULL,
    reader_org VARCHAR NOT NULL,
    reader_user VARCHAR,
    owner VARCHAR NOT NULL,
    kind VARCHAR,
    purpose VARCHAR,
    consent_id VARCHAR,
    action VARCHAR NOT NULL,
    records BIGINT,
    allowed BOOLEAN NOT NULL,
    reason VARCHAR
);
