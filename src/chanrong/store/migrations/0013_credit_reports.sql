-- 0013: credit-enhancement reports (实时增信报告) as issued: the document with its ledger proofs.
CREATE TABLE credit_reports (
    report_id VARCHAR PRIMARY KEY,
    owner VARCHAR NOT NULL,             -- the bank it was issued to
    org VARCHAR NOT NULL,               -- the firm it is about
    purpose VARCHAR NOT NULL,
    issued_at TIMESTAMPTZ NOT NULL,
    issued_by VARCHAR NOT NULL,
    leaf_index BIGINT NOT NULL,         -- the report's own leaf in the ledger
    document VARCHAR NOT NULL           -- JSON: the report, its proof, the data batches' proofs,
                                        -- the signed head and the public keys
);
CREATE INDEX credit_reports_org ON credit_reports (owner, org);
