-- Verification by name also ignores the case of Latin letters (长春abc电子
-- and 长春ABC电子 name one organisation: subject.NameKey); the index on
-- the name's compared form follows, as the lookups write it (nameKeySQL).
-- SQLite's upper() folds only ASCII letters, as NameKey does.
DROP INDEX IF EXISTS subjects_name_key;
CREATE INDEX subjects_name_key ON subjects(upper(replace(name, ' ', '')));
