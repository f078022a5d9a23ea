-- credit:no-transaction
-- Most query-log rows come from API keys, which have no user: index only
-- the rows that have one. One index fewer to maintain per verification
-- (every page a commit touches is rewritten in SQLite's WAL); a lookup by
-- user (user_id = $n) implies user_id IS NOT NULL, so it still uses the index.
-- Built beside the old index without blocking writes, then swapped in; each
-- step may run again after a failure.
DROP INDEX CONCURRENTLY IF EXISTS query_log_user_partial;
CREATE INDEX CONCURRENTLY query_log_user_partial ON query_log(user_id, at) WHERE user_id IS NOT NULL;
DROP INDEX CONCURRENTLY IF EXISTS query_log_user;
ALTER INDEX query_log_user_partial RENAME TO query_log_user;
