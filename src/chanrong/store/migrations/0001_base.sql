-- 0001: master data, accounts, ingest bookkeeping and one append-only table per event kind.
-- Frozen: change the schema with a new numbered file, never by editing this one.

CREATE TABLE ev_telemetry (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    device VARCHAR NOT NULL,
    run_state VARCHAR,
    counter BIGINT,
    power_kw DOUBLE,
    energy_kwh DOUBLE,
    temperature_c DOUBLE,
    pressure_mpa DOUBLE,
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ev_sales_order (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    order_no VARCHAR NOT NULL,
    line_no BIGINT,
    counterparty VARCHAR NOT NULL,
    counterparty_name VARCHAR,
    item VARCHAR NOT NULL,
    qty DOUBLE NOT NULL,
    unit VARCHAR NOT NULL,
    unit_price DECIMAL(18,2) NOT NULL,
    amount DECIMAL(18,2) NOT NULL,
    order_date DATE NOT NULL,
    due_date DATE NOT NULL,
    status VARCHAR,
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ev_purchase_order (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    order_no VARCHAR NOT NULL,
    line_no BIGINT,
    counterparty VARCHAR NOT NULL,
    counterparty_name VARCHAR,
    item VARCHAR NOT NULL,
    qty DOUBLE NOT NULL,
    unit VARCHAR NOT NULL,
    unit_price DECIMAL(18,2) NOT NULL,
    amount DECIMAL(18,2) NOT NULL,
    order_date DATE NOT NULL,
    due_date DATE NOT NULL,
    status VARCHAR,
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ev_work_order (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    work_order_no VARCHAR NOT NULL,
    item VARCHAR NOT NULL,
    planned_qty DOUBLE NOT NULL,
    unit VARCHAR NOT NULL,
    planned_start TIMESTAMPTZ NOT NULL,
    planned_end TIMESTAMPTZ NOT NULL,
    sales_order_no VARCHAR,
    device VARCHAR,
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ev_production_report (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    work_order_no VARCHAR NOT NULL,
    item VARCHAR NOT NULL,
    device VARCHAR,
    good_qty DOUBLE NOT NULL,
    scrap_qty DOUBLE,
    rework_qty DOUBLE,
    unit VARCHAR NOT NULL,
    period_start TIMESTAMPTZ,
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ev_quality_inspection (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    stage VARCHAR NOT NULL,
    item VARCHAR NOT NULL,
    lot VARCHAR,
    work_order_no VARCHAR,
    inspected_qty DOUBLE NOT NULL,
    passed_qty DOUBLE NOT NULL,
    unit VARCHAR NOT NULL,
    certificate_no VARCHAR,
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ev_inventory_movement (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    movement_type VARCHAR NOT NULL,
    item VARCHAR NOT NULL,
    warehouse VARCHAR NOT NULL,
    lot VARCHAR,
    qty DOUBLE NOT NULL,
    unit VARCHAR NOT NULL,
    reference_no VARCHAR,
    receipt_no VARCHAR,
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ev_shipment (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    shipment_no VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    consignee VARCHAR NOT NULL,
    sales_order_no VARCHAR,
    carrier VARCHAR,
    tracking_no VARCHAR,
    item VARCHAR,
    qty DOUBLE,
    unit VARCHAR,
    location VARCHAR,
    freight DECIMAL(18,2),
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ev_invoice (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    invoice_no VARCHAR NOT NULL,
    direction VARCHAR NOT NULL,
    counterparty VARCHAR NOT NULL,
    amount DECIMAL(18,2) NOT NULL,
    tax_amount DECIMAL(18,2) NOT NULL,
    issue_date DATE NOT NULL,
    sales_order_no VARCHAR,
    e_invoice BOOLEAN,
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ev_payment (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    payment_no VARCHAR NOT NULL,
    direction VARCHAR NOT NULL,
    counterparty VARCHAR NOT NULL,
    amount DECIMAL(18,2) NOT NULL,
    invoice_no VARCHAR,
    value_date DATE NOT NULL,
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ev_energy (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    meter VARCHAR NOT NULL,
    energy_type VARCHAR NOT NULL,
    value DOUBLE NOT NULL,
    unit VARCHAR NOT NULL,
    period_start TIMESTAMPTZ,
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ev_credit_record (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    record_type VARCHAR NOT NULL,
    reference_no VARCHAR NOT NULL,
    authority VARCHAR,
    value VARCHAR,
    amount DECIMAL(18,2),
    start_date DATE NOT NULL,
    end_date DATE,
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ev_price_index (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    item_class VARCHAR NOT NULL,
    price DECIMAL(18,2) NOT NULL,
    unit VARCHAR NOT NULL,
    index_source VARCHAR NOT NULL,
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ev_loan (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    loan_no VARCHAR NOT NULL,
    lender VARCHAR NOT NULL,
    loan_type VARCHAR NOT NULL,
    principal DECIMAL(18,2) NOT NULL,
    annual_rate DOUBLE NOT NULL,
    start_date DATE NOT NULL,
    maturity_date DATE NOT NULL,
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ev_repayment (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    loan_no VARCHAR NOT NULL,
    due_date DATE NOT NULL,
    paid_date DATE,
    principal_paid DECIMAL(18,2) NOT NULL,
    interest_paid DECIMAL(18,2) NOT NULL,
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ev_loan_outcome (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    loan_no VARCHAR NOT NULL,
    outcome VARCHAR NOT NULL,
    days_past_due BIGINT,
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ev_pledge (
    id VARCHAR NOT NULL,
    source VARCHAR,
    org VARCHAR NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    pledge_no VARCHAR NOT NULL,
    loan_no VARCHAR NOT NULL,
    item VARCHAR NOT NULL,
    warehouse VARCHAR NOT NULL,
    lot VARCHAR,
    qty_floor DOUBLE NOT NULL,
    unit VARCHAR NOT NULL,
    status VARCHAR,
    submitter VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE organisations (
    uscc VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    org_kind VARCHAR NOT NULL,
    industry_code VARCHAR,
    region_code VARCHAR,
    park VARCHAR,
    registered_capital DECIMAL(18,2),
    established VARCHAR,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (uscc)
);

CREATE TABLE devices (
    org VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    device_type VARCHAR NOT NULL,
    rated_capacity DOUBLE,
    capacity_unit VARCHAR,
    rated_power_kw DOUBLE,
    is_core BOOLEAN,
    line VARCHAR,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org, code)
);

CREATE TABLE items (
    org VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    item_type VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    item_class VARCHAR,
    identifier VARCHAR,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org, code)
);

CREATE TABLE warehouses (
    org VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    address VARCHAR,
    third_party BOOLEAN,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org, code)
);

CREATE TABLE lots (
    org VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    item VARCHAR NOT NULL,
    produced_on VARCHAR,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org, code)
);

CREATE TABLE users (
    user_id BIGINT PRIMARY KEY,
    org VARCHAR NOT NULL,
    username VARCHAR NOT NULL UNIQUE,
    display_name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    password_hash VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE sessions (
    token_hash VARCHAR PRIMARY KEY,
    user_id BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_keys (
    key_id VARCHAR PRIMARY KEY,
    org VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    secret_hash VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);

CREATE TABLE ingest_batches (
    batch_id BIGINT PRIMARY KEY,
    kind VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    submitter VARCHAR NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    filename VARCHAR,
    records BIGINT NOT NULL,
    accepted BIGINT NOT NULL,
    duplicates BIGINT NOT NULL,
    rejected BIGINT NOT NULL
);

-- A rejected record is kept once per (submitter, kind, raw payload) however often it is re-sent,
-- and marked resolved when a corrected record with the same source and id is accepted.
CREATE TABLE quarantine (
    submitter VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    raw_sha256 VARCHAR NOT NULL,
    batch_id BIGINT NOT NULL,
    record_index BIGINT NOT NULL,
    record_source VARCHAR,
    record_id VARCHAR,
    org VARCHAR,
    errors VARCHAR NOT NULL,
    raw VARCHAR NOT NULL,
    first_seen TIMESTAMPTZ NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL,
    times_seen BIGINT NOT NULL,
    resolved_at TIMESTAMPTZ,
    PRIMARY KEY (submitter, kind, raw_sha256)
);
