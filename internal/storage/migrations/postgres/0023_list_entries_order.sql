-- credit:no-transaction
-- 名单信息 lists entries newest first (valid_from DESC, key), over every
-- entry or one list type: indexes in that order, so that a page stops at
-- its rows instead of sorting every entry.
DROP INDEX CONCURRENTLY IF EXISTS list_entries_from;
CREATE INDEX CONCURRENTLY list_entries_from ON list_entries(valid_from DESC, key);
DROP INDEX CONCURRENTLY IF EXISTS list_entries_type_from;
CREATE INDEX CONCURRENTLY list_entries_type_from ON list_entries(list_type, valid_from DESC, key);
