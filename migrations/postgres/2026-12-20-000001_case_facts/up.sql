-- The structured fields of each contributed, non-withdrawn case that the CRP measures
-- count, one row per case: the measures read these instead of parsing every shared view.
-- Kept in the same transaction as the case (submission, replacement, re-redaction,
-- withdrawal); cases stored before this table existed are filled in when the store opens.
-- No free text and no calendar date of the event: only the year, day offsets and codes.
CREATE TABLE case_facts (
    case_id TEXT PRIMARY KEY NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    received_at TIMESTAMP NOT NULL,
    event_year INTEGER NOT NULL,
    category TEXT NOT NULL,
    harm TEXT NOT NULL,
    setting TEXT NOT NULL,
    first_contact_day BIGINT,
    apology TEXT,
    clinician_support BOOLEAN,
    loop_closed BOOLEAN,
    loop_closed_day BIGINT,
    standard_of_care TEXT,
    compensation TEXT,
    review_method TEXT,
    closed_day BIGINT NOT NULL,
    actions_stronger INTEGER NOT NULL,
    actions_intermediate INTEGER NOT NULL,
    actions_weaker INTEGER NOT NULL,
    actions_planned INTEGER NOT NULL,
    actions_in_progress INTEGER NOT NULL,
    actions_implemented INTEGER NOT NULL,
    actions_verified INTEGER NOT NULL
);
CREATE INDEX case_facts_received ON case_facts (received_at);
CREATE INDEX case_facts_org ON case_facts (org_id);
