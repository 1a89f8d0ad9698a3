-- 0002: the simulated parks a database holds, so a restarted demo rebuilds the same park.
CREATE TABLE simulations (
    name VARCHAR PRIMARY KEY,
    preset VARCHAR NOT NULL,
    seed BIGINT NOT NULL,
    start DATE NOT NULL,
    days INTEGER NOT NULL,
    firms INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
