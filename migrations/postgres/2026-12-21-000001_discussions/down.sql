DROP TABLE discussion_notices;
DROP TABLE discussion_attendance;
DROP TABLE discussion_attestations;
DROP TABLE discussion_cases;
DROP TABLE discussion_orgs;
DROP TABLE discussions;
