-- credit:no-transaction
-- Verification by name also ignores the case of Latin letters (长春abc电子
-- and 长春ABC电子 name one organisation: subject.NameKey); the index on
-- the name's compared form follows, as the lookups write it (nameKeySQL).
-- translate folds only ASCII letters, as NameKey does (upper() would fold
-- others too, by the database's locale).
DROP INDEX CONCURRENTLY IF EXISTS subjects_name_key;
CREATE INDEX CONCURRENTLY subjects_name_key ON subjects ((translate(replace(name, ' ', ''), 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')));
