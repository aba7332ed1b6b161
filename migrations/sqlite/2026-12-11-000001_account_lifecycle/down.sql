ALTER TABLE api_tokens DROP COLUMN kind;
ALTER TABLE users DROP COLUMN disabled_at;
ALTER TABLE users DROP COLUMN password_change_required;
