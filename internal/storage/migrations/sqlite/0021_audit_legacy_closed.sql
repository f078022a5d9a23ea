-- The entry that closed the audit log's catch-up (action
-- audit.legacy_closed, one per database) is read by every Migrate and every
-- ledger verify: without an index that is a scan of the whole audit log.
-- The partial index holds that one row.
CREATE INDEX audit_log_legacy_closed ON audit_log(leaf) WHERE action = 'audit.legacy_closed';
