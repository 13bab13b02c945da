-- Bearer tokens for integrations (DESIGN §5). Only the SHA-256 of a token is kept; the token
-- itself is shown once when created. Keep in step with ../../postgres/<same folder>/up.sql.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);
