-- 0010: digital-capability grades (3 dimensions x 3 levels) per enterprise and day, the result
-- of every criterion with the evidence value behind it, and the firm's questionnaire answers.
CREATE TABLE grades (
    org VARCHAR NOT NULL,
    as_of DATE NOT NULL,
    overall VARCHAR,                    -- entry, standardized, optimized; NULL: below entry
    element VARCHAR,
    management VARCHAR,
    relationship VARCHAR,
    score DOUBLE NOT NULL,              -- 0-100, mean of the dimension scores
    element_score DOUBLE NOT NULL,
    management_score DOUBLE NOT NULL,
    relationship_score DOUBLE NOT NULL,
    pending VARCHAR[] NOT NULL,         -- questions not answered yet: the grade is provisional
    measures VARCHAR NOT NULL,          -- JSON: every evidence measure, for the MIIT view
    computed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org, as_of)
);

CREATE TABLE grade_criteria (
    org VARCHAR NOT NULL,
    as_of DATE NOT NULL,
    criterion VARCHAR NOT NULL,
    value DOUBLE,
    passed BOOLEAN,                     -- NULL: a question not answered yet
    detail VARCHAR,
    PRIMARY KEY (org, as_of, criterion)
);

CREATE TABLE questionnaire_answers (
    org VARCHAR NOT NULL,
    question VARCHAR NOT NULL,
    answer BOOLEAN NOT NULL,
    answered_by VARCHAR NOT NULL,
    answered_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org, question)
);
