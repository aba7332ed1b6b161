-- Safe-table discussions. Every free text here (title, description, facilitator notes,
-- questions, takeaways) has been through the redaction pipeline before it is stored.
-- Times are UTC; the time zone is the session's own, for showing it and for calendars.
CREATE TABLE discussions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    time_zone TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    description TEXT NOT NULL,
    facilitator_notes TEXT NOT NULL,
    all_members BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    overall_takeaways TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The member organizations invited, when not all of them are.
CREATE TABLE discussion_orgs (
    discussion_id BIGINT NOT NULL REFERENCES discussions(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    PRIMARY KEY (discussion_id, org_id)
);

-- The published cases discussed, in order, each with its questions (a JSON array of
-- strings) and the facilitator's takeaways. A withdrawn case's row is deleted in the
-- withdrawal's own transaction, and a notice tells the facilitator.
CREATE TABLE discussion_cases (
    discussion_id BIGINT NOT NULL REFERENCES discussions(id) ON DELETE CASCADE,
    case_id TEXT NOT NULL REFERENCES cases(id),
    position INTEGER NOT NULL,
    questions TEXT NOT NULL,
    takeaways TEXT,
    PRIMARY KEY (discussion_id, case_id)
);
CREATE INDEX discussion_cases_case ON discussion_cases (case_id);

-- Who accepted the confidentiality statement, and when.
CREATE TABLE discussion_attestations (
    discussion_id BIGINT NOT NULL REFERENCES discussions(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    attested_at TIMESTAMP NOT NULL,
    PRIMARY KEY (discussion_id, user_id)
);

-- Who attended, as the facilitator recorded it.
CREATE TABLE discussion_attendance (
    discussion_id BIGINT NOT NULL REFERENCES discussions(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (discussion_id, user_id)
);

-- What happened to a discussion that its facilitator must be told (a case withdrawn).
CREATE TABLE discussion_notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    discussion_id BIGINT NOT NULL REFERENCES discussions(id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    position INTEGER NOT NULL
);
