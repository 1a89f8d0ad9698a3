-- A park's risk-compensation pool (园保贷): its terms (fund sizes, loss sharing, the model's
-- assumptions; park.riskpool.Terms as JSON) and the loan types it covers (NULL: every type).
CREATE TABLE park_risk_pools (
    park VARCHAR PRIMARY KEY,
    terms JSON NOT NULL,
    loan_types VARCHAR[],
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
