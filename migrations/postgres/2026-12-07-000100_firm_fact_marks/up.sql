-- Who set each record flag and direct route of a firm, and when: one row per firm and fact,
-- replaced when a staff member changes the value. `value` NULL: the fact was cleared (unknown).
CREATE TABLE firm_fact_marks (
    firm_id BIGINT NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    fact TEXT NOT NULL,
    value BOOLEAN,
    set_by BIGINT REFERENCES users (id),
    set_role TEXT NOT NULL,
    set_at TIMESTAMP NOT NULL,
    PRIMARY KEY (firm_id, fact)
);
