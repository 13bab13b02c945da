-- Sign-in attempts, for throttling repeated failures per account and per address. Kept in the
-- database, not in a process, so the limit holds across several `peiyu serve` processes.
-- Keep in step with ../../postgres/<same folder>/up.sql.
CREATE TABLE login_attempts (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    username  TEXT NOT NULL,
    address   TEXT NOT NULL,
    succeeded BOOLEAN NOT NULL,
    at        TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_username_at ON login_attempts (username, at);
CREATE INDEX login_attempts_address_at ON login_attempts (address, at);
CREATE INDEX login_attempts_at ON login_attempts (at);
