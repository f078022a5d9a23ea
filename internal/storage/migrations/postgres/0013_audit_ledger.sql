-- credit:no-transaction
-- The audit log as a second RFC 6962 tree with signed checkpoints (origin
-- jl.credit.gov.cn/audit): every change that is not a record version (users,
-- departments, keys, measures, subscriptions, feedback, batches) is then
-- tamper-evident like the records. As in records, an entry's row carries the
-- tree hashes its append stored; leaf is its index in the tree. Entries
-- written before this migration are appended, in id order, when the
-- migration finishes (storage.Migrate); stop servers of the previous
-- version first, or what they write afterwards is reported as foreign.
-- Statement by statement, each safe to run again after a failed attempt;
-- the index is built without blocking writes (see 0008).
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS leaf BIGINT;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS ledger_hashes BYTEA;
DROP INDEX CONCURRENTLY IF EXISTS audit_log_leaf;
CREATE UNIQUE INDEX CONCURRENTLY audit_log_leaf ON audit_log(leaf);
-- legacy_max_id bounds the entries written before: only those are taken
-- into the tree afterwards; any other entry without a leaf is foreign.
CREATE TABLE IF NOT EXISTS audit_ledger_state (
	id            BIGINT PRIMARY KEY CHECK (id = 1),
	size          BIGINT NOT NULL,
	legacy_max_id BIGINT NOT NULL
);
INSERT INTO audit_ledger_state (id, size, legacy_max_id) SELECT 1, 0, COALESCE(MAX(id), 0) FROM audit_log ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS audit_checkpoints (
	size       BIGINT PRIMARY KEY,
	root       BYTEA NOT NULL,
	note       TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
