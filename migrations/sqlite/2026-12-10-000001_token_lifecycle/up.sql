-- API tokens expire, remember when they last authenticated (written at most once a minute
-- per token) and can be revoked (the row stays, for the record).
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMP;
ALTER TABLE api_tokens ADD COLUMN last_used_at TIMESTAMP;
ALTER TABLE api_tokens ADD COLUMN revoked_at TIMESTAMP;
ALTER TABLE api_tokens ADD COLUMN revoked_by TEXT;
-- Tokens issued before expiry existed get the default lifetime (90 days) from now.
UPDATE api_tokens SET expires_at = strftime('%Y-%m-%d %H:%M:%f', 'now', '+90 days');
CREATE INDEX api_tokens_user ON api_tokens (user_id);
