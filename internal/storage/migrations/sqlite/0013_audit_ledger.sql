-- The audit log as a second RFC 6962 tree with signed checkpoints (origin
-- jl.credit.gov.cn/audit): every change that is not a record version (users,
-- departments, keys, measures, subscriptions, feedback, batches) is then
-- tamper-evident like the records. As in records, an entry's row carries the
-- tree hashes its append stored; leaf is its index in the tree. Entries
-- written before this migration are appended, in id order, when the
-- migration finishes (storage.Migrate); stop servers of the previous
-- version first, or what they write afterwards is reported as foreign.
ALTER TABLE audit_log ADD COLUMN leaf INTEGER;
ALTER TABLE audit_log ADD COLUMN ledger_hashes BLOB;
CREATE UNIQUE INDEX audit_log_leaf ON audit_log(leaf);

-- legacy_max_id bounds the entries written before: only those are taken
-- into the tree afterwards; any other entry without a leaf is foreign.
CREATE TABLE audit_ledger_state (
	id            INTEGER PRIMARY KEY CHECK (id = 1),
	size          INTEGER NOT NULL,
	legacy_max_id INTEGER NOT NULL
);
INSERT INTO audit_ledger_state (id, size, legacy_max_id) SELECT 1, 0, COALESCE(MAX(id), 0) FROM audit_log;

CREATE TABLE audit_checkpoints (
	size       INTEGER PRIMARY KEY,
	root       BLOB NOT NULL,
	note       TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);
