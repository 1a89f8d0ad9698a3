-- 0008: computed indicator values, kept per day so every value has a history. Derived data:
-- `chanrong indicators --compute` rebuilds any day from the events.
CREATE TABLE indicator_values (
    org VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL,
    window_days INTEGER NOT NULL,       -- 30, 90, 365; 0 for a point-in-time value
    as_of DATE NOT NULL,                -- the window's last day (Beijing time)
    value DOUBLE,                       -- NULL: no value, and `reason` says why
    label VARCHAR,
    reason VARCHAR,
    coverage DOUBLE NOT NULL,           -- share of the window's days with inputs
    credibility VARCHAR NOT NULL,       -- self, corroborated, third_party
    n_inputs BIGINT NOT NULL,
    n_third BIGINT NOT NULL,
    n_device BIGINT NOT NULL,
    engine VARCHAR NOT NULL,
    computed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org, indicator, window_days, as_of)
);
