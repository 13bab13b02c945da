-- Evidence documents of applications (issue 14): what was uploaded, checked by content; the
-- bytes live in the document storage under a random key. Keep in step with
-- ../../postgres/<same folder>.
CREATE TABLE documents (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    -- The applying firm, kept on the row so no query can hand one firm another's file.
    firm_id        BIGINT NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('business_licence', 'ip_certificates',
                       'rd_expense_audit', 'high_tech_revenue_audit', 'tech_staff_list',
                       'annual_financial_report')),
    -- The name as uploaded, cleaned (last path component, no control characters).
    file_name      TEXT NOT NULL,
    -- The type decided from the content, never the one the browser declared.
    content_type   TEXT NOT NULL,
    size           BIGINT NOT NULL CHECK (size > 0),
    sha256         TEXT NOT NULL,
    storage_key    TEXT NOT NULL UNIQUE,
    -- No foreign key: like the audit trail, the record outlives the users it names.
    uploaded_by    BIGINT,
    uploaded_at    TIMESTAMP NOT NULL
);
CREATE INDEX documents_application ON documents (application_id, kind, id);
