-- One-time links of accounts (issue 14): an invitation to set a first password, or a password
-- reset. Only the SHA-256 of the link's token is kept; the token travels once, in the mail.
-- `used_at` is set when the link is used, and also when a newer link of the same purpose or a
-- new password makes it void. Keep in step with ../../postgres/<same folder>/up.sql.
CREATE TABLE account_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX account_tokens_user_purpose ON account_tokens (user_id, purpose);
-- A temporary password set by an administrator must be replaced at the next sign-in.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
