-- 0014: receivable financing applications (应收账款融资), each invoice verified by its trade chain.
CREATE TABLE receivable_applications (
    application_id VARCHAR PRIMARY KEY,
    owner VARCHAR NOT NULL,             -- the bank
    org VARCHAR NOT NULL,               -- the firm whose receivables they are
    purpose VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by VARCHAR NOT NULL,
    requested DECIMAL(18, 2) NOT NULL,  -- outstanding of the invoices asked for
    eligible DECIMAL(18, 2) NOT NULL,   -- what may be advanced against the verified ones
    result VARCHAR NOT NULL             -- JSON: each invoice's verdict with its chain
);
