ALTER TABLE cases DROP COLUMN content_digest;
