-- Most query-log rows come from API keys, which have no user: index only
-- the rows that have one. One index fewer to maintain per verification
-- (every page a commit touches is rewritten in SQLite's WAL); a lookup by
-- user (user_id = $n) implies user_id IS NOT NULL, so it still uses the index.
DROP INDEX query_log_user;
CREATE INDEX query_log_user ON query_log(user_id, at) WHERE user_id IS NOT NULL;
