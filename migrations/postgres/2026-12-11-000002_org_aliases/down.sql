DROP TABLE org_aliases;
