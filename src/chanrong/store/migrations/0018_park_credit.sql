-- Park-wide credit (整园授信): a bank's credit pool for a park, and how it was last shared among
-- the park's firms (each firm's suggested line from the bank's scorecard and its allocation).
CREATE TABLE park_credit_pools (
    bank VARCHAR NOT NULL,
    park VARCHAR NOT NULL,
    amount DOUBLE NOT NULL,
    max_share DOUBLE NOT NULL,
    end_date DATE,
    note VARCHAR,
    set_by VARCHAR NOT NULL,
    set_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (bank, park)
);

CREATE TABLE park_credit_allocations (
    bank VARCHAR NOT NULL,
    park VARCHAR NOT NULL,
    org VARCHAR NOT NULL,
    ask DOUBLE NOT NULL,
    allocated DOUBLE NOT NULL,
    score DOUBLE,
    pd DOUBLE,
    rating VARCHAR,
    knockouts VARCHAR[],
    as_of DATE NOT NULL,
    allocated_by VARCHAR NOT NULL,
    allocated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (bank, park, org)
);
