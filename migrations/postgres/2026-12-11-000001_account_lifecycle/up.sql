-- A user given a one-time password must choose their own at first sign-in; a disabled
-- user authenticates no more (the row stays, for the record).
ALTER TABLE users ADD COLUMN password_change_required BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMP;
-- A token is an API token (bearer, long-lived) or a browser session's (cookie, hours).
ALTER TABLE api_tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'api';
