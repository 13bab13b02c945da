-- Reserve-pool nominations (市县联动建设后备库, issue 14): a county officer nominates tech-SMEs
-- of the county, the bureau confirms (firing admit_to_reserve) or declines each.
-- Keep in step with ../../postgres/<same folder>.
CREATE TABLE nominations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    firm_id        BIGINT NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    county_code    TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'declined')),
    -- No foreign keys to users: like the audit trail, the record outlives them.
    nominated_by   BIGINT,
    nominated_at   TIMESTAMP NOT NULL,
    decided_by     BIGINT,
    decided_at     TIMESTAMP,
    decision_note  TEXT NOT NULL DEFAULT '',
    stage_event_id BIGINT
);
-- At most one nomination waiting per firm.
CREATE UNIQUE INDEX nominations_one_pending ON nominations (firm_id) WHERE status = 'pending';
CREATE INDEX nominations_status ON nominations (status, nominated_at);
