-- A keyed digest (KEYID:HEX) of each case's validated content, so that a case submitted
-- again is told apart from a different case reusing its number. NULL for cases stored
-- before it existed and for withdrawn cases.
ALTER TABLE cases ADD COLUMN content_digest TEXT;
