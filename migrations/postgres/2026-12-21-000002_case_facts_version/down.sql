DROP TABLE case_facts_version;
