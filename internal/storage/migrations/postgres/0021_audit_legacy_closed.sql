-- credit:no-transaction
-- The entry that closed the audit log's catch-up (action
-- audit.legacy_closed, one per database) is read by every Migrate and every
-- ledger verify: without an index that is a scan of the whole audit log.
-- The partial index holds that one row. Built concurrently: the audit log
-- of a busy platform is large, and writes go on.
DROP INDEX CONCURRENTLY IF EXISTS audit_log_legacy_closed;
CREATE INDEX CONCURRENTLY audit_log_legacy_closed ON audit_log(leaf) WHERE action = 'audit.legacy_closed';
