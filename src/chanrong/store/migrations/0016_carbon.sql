-- Energy and carbon accounting (carbon/): renewable electricity claimed for market-based scope 2,
-- the emission factor library, and the carbon quotas of firms.
CREATE TABLE ev_green_power (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    instrument_no VARCHAR NOT NULL,
    instrument VARCHAR NOT NULL,
    mwh DOUBLE NOT NULL,
    consumed_from DATE NOT NULL,
    consumed_to DATE NOT NULL,
    issuer VARCHAR,
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

-- Every factor with where it comes from (series, year, region, variant, source), as published
-- (value, value_unit) and per base unit of its energy type (kWh, m3, t, GJ), never a bare number.
-- The official ones are written by carbon.factors at start; operators add newer ones.
CREATE TABLE carbon_factors (
    id VARCHAR PRIMARY KEY,
    energy_type VARCHAR NOT NULL,
    scope INTEGER NOT NULL,
    variant VARCHAR NOT NULL,
    series VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    region VARCHAR NOT NULL,
    value DOUBLE NOT NULL,
    value_unit VARCHAR NOT NULL,
    t_per_base DOUBLE NOT NULL,
    source VARCHAR NOT NULL,
    added_by VARCHAR NOT NULL,
    added_at TIMESTAMPTZ NOT NULL
);

-- A firm's allowance for a calendar year, set by its park (or the platform), checked against
-- the emissions computed with the factors named here (its accounting basis).
CREATE TABLE carbon_quotas (
    org VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    allowance_t DOUBLE NOT NULL,
    factor_ids VARCHAR[] NOT NULL,
    market_based BOOLEAN NOT NULL,
    note VARCHAR,
    set_by VARCHAR NOT NULL,
    set_by_user VARCHAR NOT NULL,
    set_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org, year)
);
