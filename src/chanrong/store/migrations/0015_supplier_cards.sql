-- A core enterprise's supplier scorecard (criteria, weights, standings, decay) as JSON, checked
-- by supply.scorecard.Card.check before it is stored; absent: the platform's default card.
CREATE TABLE supplier_cards (
    buyer VARCHAR PRIMARY KEY,
    card JSON NOT NULL,
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
