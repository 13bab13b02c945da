-- Coaching (issue 5): advisor assignments with history, follow-ups, the firm's issue ledger,
-- and the firm's contact dates kept beside it. Keep in step with ../../postgres/<same folder>.

-- One row per pairing of an advisor with a firm; the open row (ended_on NULL) is the
-- current advisor, mirrored in firms.advisor_id in the same transaction.
CREATE TABLE assignments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    firm_id     BIGINT NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    advisor_id  BIGINT NOT NULL REFERENCES users (id),
    started_on  DATE NOT NULL,
    ended_on    DATE,
    -- No foreign key: like the audit trail, the history outlives the users it names.
    assigned_by BIGINT,
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (ended_on IS NULL OR ended_on >= started_on)
);
-- At most one open assignment per firm.
CREATE UNIQUE INDEX assignments_one_open ON assignments (firm_id) WHERE ended_on IS NULL;
CREATE INDEX assignments_firm ON assignments (firm_id, started_on);
CREATE INDEX assignments_advisor ON assignments (advisor_id, ended_on);

-- Follow-ups are evidence: editable for 24 hours by their author, afterwards corrected only
-- by appending a row whose corrects_id names the original.
CREATE TABLE followups (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    firm_id     BIGINT NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    advisor_id  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    happened_on DATE NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('visit', 'call', 'online', 'training')),
    attendees   TEXT NOT NULL DEFAULT '',
    summary     TEXT NOT NULL,
    next_action TEXT NOT NULL DEFAULT '',
    due_on      DATE,
    created_by  BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    corrects_id BIGINT REFERENCES followups (id),
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX followups_firm ON followups (firm_id, happened_on);
CREATE INDEX followups_advisor ON followups (advisor_id, happened_on);
CREATE INDEX followups_corrects ON followups (corrects_id);
CREATE INDEX followups_due ON followups (due_on);

-- Kept from the firm's follow-ups in the same transaction, so lists and the agenda read
-- them from the firm row: the due date of the latest follow-up, and its date.
ALTER TABLE firms ADD COLUMN next_contact_on DATE;
ALTER TABLE firms ADD COLUMN last_contact_on DATE;
CREATE INDEX firms_advisor_next_contact ON firms (advisor_id, next_contact_on);

-- 诉求台账: a firm's difficulties, with owner, status and resolution.
CREATE TABLE firm_issues (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    firm_id    BIGINT NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    category   TEXT NOT NULL
               CHECK (category IN ('finance', 'talent', 'ip', 'land', 'certification', 'other')),
    title      TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    owner_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    status     TEXT NOT NULL DEFAULT 'open'
               CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
    resolution TEXT,
    raised_by  BIGINT,
    raised_on  DATE NOT NULL,
    closed_on  DATE,
    version    BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX firm_issues_firm ON firm_issues (firm_id, status);
CREATE INDEX firm_issues_status ON firm_issues (status, raised_on);

-- Firms that already have an advisor get their open assignment.
INSERT INTO assignments (firm_id, advisor_id, started_on, assigned_by, reason, created_at)
SELECT id, advisor_id, DATE(created_at), NULL, 'migrated', CURRENT_TIMESTAMP
FROM firms WHERE advisor_id IS NOT NULL;
