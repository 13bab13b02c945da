-- Registry imports as stored runs (issue 15, part 6): the uploaded file, who ran it in which
-- mode, where it is (status, phase, done of total, a heartbeat the running process renews)
-- and, when done, its report. Any `peiyu serve` process shows a run; the process that took
-- the upload runs it. The file is removed by the daily sweep after some days; the row stays.
-- Keep in step with ../../postgres/<same folder>.
CREATE TABLE import_runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- No foreign key: like the audit trail, the record outlives the users it names.
    user_id       BIGINT NOT NULL,
    -- The uploader's role and county when the run was asked for: the scope it runs in.
    role          TEXT NOT NULL,
    county_code   TEXT,
    -- The name as uploaded, cleaned; the size in bytes.
    file_name     TEXT NOT NULL,
    size          BIGINT NOT NULL,
    -- The file itself, NULL once the sweep removed it.
    file          BLOB,
    dry_run       BOOLEAN NOT NULL,
    skip_bad_rows BOOLEAN NOT NULL,
    -- The dry run a commit was started from.
    source_run_id BIGINT,
    status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed',
                      'interrupted')),
    phase         TEXT CHECK (phase IN ('checking', 'writing')),
    done          BIGINT NOT NULL DEFAULT 0,
    total         BIGINT NOT NULL DEFAULT 0,
    -- The report (JSON) when done; why it failed (JSON, both languages) when failed.
    report        TEXT,
    failure       TEXT,
    -- The process running it (host, pid, a random part).
    holder        TEXT,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    heartbeat_at  TIMESTAMP NOT NULL
);
CREATE INDEX import_runs_recent ON import_runs (created_at, id);
CREATE INDEX import_runs_user ON import_runs (user_id, id);
