-- credit:no-transaction
-- Verification by name compares names without their spaces (a space
-- typed inside a Chinese name, in the stored name or in the query): an
-- index on that form, as the lookups write it.
DROP INDEX CONCURRENTLY IF EXISTS subjects_name_key;
CREATE INDEX CONCURRENTLY subjects_name_key ON subjects ((replace(name, ' ', '')));
