-- Other names of a member organization (acronyms, former names, the names of its
-- hospitals and units): the redaction pipeline replaces them by [FACILITY] in its cases.
CREATE TABLE org_aliases (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    alias TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, alias)
);
