-- 0012: post-loan warnings. Each rule's state per subject (survives restarts), the alerts with
-- their life cycle, the events pushed to webhooks, each bank's thresholds, and the baselines of
-- working hours the stoppage rule learns per firm.
CREATE TABLE alert_state (
    rule VARCHAR NOT NULL,
    org VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    pending_since TIMESTAMPTZ,
    clear_since TIMESTAMPTZ,
    alert_id BIGINT,
    PRIMARY KEY (rule, org, subject)
);

CREATE SEQUENCE alert_ids START 1;
CREATE TABLE alerts (
    id BIGINT PRIMARY KEY,
    rule VARCHAR NOT NULL,
    org VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    status VARCHAR NOT NULL,            -- active, cleared
    started_at TIMESTAMPTZ NOT NULL,    -- the condition's first 'on'
    fired_at TIMESTAMPTZ NOT NULL,      -- when it opened (after the rule's pending time)
    last_seen_at TIMESTAMPTZ NOT NULL,
    cleared_at TIMESTAMPTZ,
    value DOUBLE,
    peak DOUBLE,
    detail VARCHAR
);
CREATE INDEX alerts_org ON alerts (org);

-- Acknowledgements are per organisation: the firm and each bank watching it acknowledge for
-- themselves.
CREATE TABLE alert_acks (
    alert_id BIGINT NOT NULL,
    org VARCHAR NOT NULL,
    acknowledged_by VARCHAR NOT NULL,
    acknowledged_at TIMESTAMPTZ NOT NULL,
    note VARCHAR,
    PRIMARY KEY (alert_id, org)
);

CREATE SEQUENCE alert_event_ids START 1;
CREATE TABLE alert_events (
    id BIGINT PRIMARY KEY,
    alert_id BIGINT NOT NULL,
    event VARCHAR NOT NULL,             -- opened, cleared
    event_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE alert_meta (
    key VARCHAR PRIMARY KEY,            -- baseline_day, last:<rule>
    value VARCHAR NOT NULL
);

CREATE TABLE alert_baselines (
    org VARCHAR NOT NULL,
    day_type VARCHAR NOT NULL,          -- workday, saturday, sunday, holiday (chanrong.workdays)
    slot INTEGER NOT NULL,              -- half hour of the day, 0-47, Asia/Shanghai
    working_share DOUBLE NOT NULL,      -- share of such days (with data) machines were powered
    power DOUBLE,                       -- the firm's mean power in the slot when working, kW
    PRIMARY KEY (org, day_type, slot)
);

CREATE TABLE alert_settings (
    owner VARCHAR NOT NULL,             -- the bank
    rule VARCHAR NOT NULL,
    min_value DOUBLE,                   -- show only alerts whose value reaches this
    min_minutes INTEGER,                -- show only alerts active at least this long
    muted BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (owner, rule)
);

CREATE SEQUENCE webhook_ids START 1;
CREATE TABLE webhooks (
    id BIGINT PRIMARY KEY,
    owner VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    secret VARCHAR NOT NULL,            -- HMAC-SHA256 key of the X-Chanrong-Signature header
    active BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    cursor BIGINT NOT NULL DEFAULT 0    -- the last alert event considered
);

CREATE TABLE webhook_deliveries (
    webhook_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    payload VARCHAR NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMPTZ,
    delivered_at TIMESTAMPTZ,
    last_status INTEGER,
    last_error VARCHAR,
    PRIMARY KEY (webhook_id, event_id)
);
