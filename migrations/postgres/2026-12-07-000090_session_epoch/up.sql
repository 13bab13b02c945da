-- Sessions end for every process: each session cookie carries the user's epoch, and signing
-- out, disabling the account or a new password moves it on, so a copied cookie is refused.
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
