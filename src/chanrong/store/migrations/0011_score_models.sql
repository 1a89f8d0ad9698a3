-- 0011: credit scorecards per bank, versioned, and the scores they gave (the decision record).
CREATE TABLE score_models (
    owner VARCHAR NOT NULL,             -- the bank whose model it is
    version INTEGER NOT NULL,           -- 1, 2, ... per owner; the newest active one scores
    dataset VARCHAR NOT NULL,
    trained_at TIMESTAMPTZ NOT NULL,
    trained_by VARCHAR NOT NULL,
    features VARCHAR[] NOT NULL,        -- the features the card kept
    report VARCHAR NOT NULL,            -- JSON: samples, AUC/KS/Gini, PSI, calibration, IV, uplift
    card BLOB NOT NULL,                 -- the fitted card, pickled; written and read only here
    active BOOLEAN NOT NULL,
    PRIMARY KEY (owner, version)
);

CREATE TABLE credit_scores (
    owner VARCHAR NOT NULL,             -- the bank that scored
    org VARCHAR NOT NULL,               -- the firm scored
    as_of DATE NOT NULL,
    version INTEGER NOT NULL,
    score DOUBLE NOT NULL,
    pd DOUBLE NOT NULL,
    rating VARCHAR NOT NULL,
    line DECIMAL(18, 2) NOT NULL,
    annual_rate DOUBLE NOT NULL,
    result VARCHAR NOT NULL,            -- JSON: reasons, knock-outs, line steps, price parts, inputs
    scored_by VARCHAR NOT NULL,
    scored_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (owner, org, as_of, version)
);
