-- 0009: corroboration checks (互证) per enterprise, check, window and day: the measure, the
-- tolerance it was held to, the verdict (pass, fail, no_verdict) and the evidence counts.
CREATE TABLE indicator_checks (
    org VARCHAR NOT NULL,
    check_id VARCHAR NOT NULL,
    window_days INTEGER NOT NULL,
    as_of DATE NOT NULL,
    value DOUBLE,
    tolerance VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    reason VARCHAR,
    covered_days BIGINT NOT NULL,
    n_inputs BIGINT NOT NULL,
    n_third BIGINT NOT NULL,
    n_device BIGINT NOT NULL,
    computed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org, check_id, window_days, as_of)
);
