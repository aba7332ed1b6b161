-- A counter bumped in the same transaction as every write to case_facts, so that a server
-- may keep the decoded facts in memory and read them again only when they have changed
-- (by this server or another one).
CREATE TABLE case_facts_version (
    id INTEGER PRIMARY KEY NOT NULL,
    n BIGINT NOT NULL
);
INSERT INTO case_facts_version (id, n) VALUES (1, 0);
