-- Verification by name compares names without their spaces (a space
-- typed inside a Chinese name, in the stored name or in the query): an
-- index on that form, as the lookups write it.
CREATE INDEX subjects_name_key ON subjects(replace(name, ' ', ''));
