-- Daily jobs (`peiyu tick`): a lease so only one process runs a job at a time, and a record
-- of each day a job ran, so a second run on the same day does nothing.
-- Keep in step with ../../postgres/<same folder>/up.sql.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE TABLE job_runs (
    job         TEXT NOT NULL,
    day         DATE NOT NULL,
    holder      TEXT NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    summary     TEXT,
    PRIMARY KEY (job, day)
);
