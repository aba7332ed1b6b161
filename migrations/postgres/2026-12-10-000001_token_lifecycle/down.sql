DROP INDEX api_tokens_user;
ALTER TABLE api_tokens DROP COLUMN revoked_by;
ALTER TABLE api_tokens DROP COLUMN revoked_at;
ALTER TABLE api_tokens DROP COLUMN last_used_at;
ALTER TABLE api_tokens DROP COLUMN expires_at;
