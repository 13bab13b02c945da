-- The transactional outbox of emails (DESIGN §1 notify) and each user's choice per kind of
-- mail. Keep in step with ../../postgres/<same folder>/up.sql.
--
-- status: queued (waiting for a worker), sending (claimed: claimed_by holds the lease until
-- claimed_until; an expired lease is claimable again), sent (the server said 250), failed (gave
-- up after the attempts limit; last_error says why), digest (waits for the daily digest),
-- digested (taken into a digest mail), cancelled. message_id is made at insert and never
-- changes, so a mail resent after a crash keeps it.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    to_user         BIGINT NOT NULL REFERENCES users (id),
    to_address      TEXT NOT NULL,
    lang            TEXT NOT NULL,
    dedup_key       TEXT NOT NULL UNIQUE,
    template        TEXT NOT NULL,
    params          TEXT NOT NULL,
    link            TEXT NOT NULL,
    message_id      TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by      TEXT,
    claimed_until   TIMESTAMP,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
-- Claiming: due queued rows by time, and sending rows whose lease ran out.
CREATE INDEX outbox_status_next_attempt ON outbox (status, next_attempt_at, id);
CREATE INDEX outbox_status_claimed_until ON outbox (status, claimed_until);
-- The daily digest and a user's mail.
CREATE INDEX outbox_to_user_status ON outbox (to_user, status);

CREATE TABLE mail_prefs (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    mode    TEXT NOT NULL CHECK (mode IN ('immediate', 'digest', 'off')),
    PRIMARY KEY (user_id, kind)
);
