-- Applications (issue 14): a firm applies to climb; the county reviews, the city decides.
-- Keep in step with ../../postgres/<same folder>.
CREATE TABLE applications (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    firm_id           BIGINT NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    target            TEXT NOT NULL CHECK (target IN ('tech_sme', 'reserve', 'high_tech', 'leader')),
    status            TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'county_review',
                          'city_review', 'approved', 'rejected', 'returned', 'withdrawn',
                          'certified', 'not_certified')),
    -- Started by the firm's advisor on its behalf.
    on_behalf         BOOLEAN NOT NULL DEFAULT 0,
    note              TEXT NOT NULL DEFAULT '',
    -- No foreign key: like the audit trail, the record outlives the users it names.
    created_by        BIGINT,
    created_at        TIMESTAMP NOT NULL,
    -- When it entered its current status (the queues' waiting time), and when that step is due.
    status_at         TIMESTAMP NOT NULL,
    due_on            DATE,
    -- The last submission: the profile and its evaluation as they were then (JSON).
    submitted_at      TIMESTAMP,
    ruleset           TEXT,
    frozen_profile    TEXT,
    frozen_evaluation TEXT,
    -- National targets: the recorded result (JSON) and the stage event it fired.
    outcome           TEXT,
    stage_event_id    BIGINT,
    version           BIGINT NOT NULL DEFAULT 1,
    updated_at        TIMESTAMP NOT NULL
);
-- At most one application in progress per firm and target.
CREATE UNIQUE INDEX applications_one_open ON applications (firm_id, target)
    WHERE status IN ('draft', 'submitted', 'county_review', 'city_review', 'returned');
CREATE INDEX applications_queue ON applications (status, status_at);
CREATE INDEX applications_firm ON applications (firm_id, created_at);

-- Every step of every application: who, when, what, the comment, and the evaluation then.
CREATE TABLE application_steps (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    action         TEXT NOT NULL,
    from_status    TEXT NOT NULL,
    to_status      TEXT NOT NULL,
    actor_id       BIGINT,
    actor_role     TEXT NOT NULL,
    comment        TEXT NOT NULL DEFAULT '',
    evaluation     TEXT,
    at             TIMESTAMP NOT NULL
);
CREATE INDEX application_steps_app ON application_steps (application_id, id);
