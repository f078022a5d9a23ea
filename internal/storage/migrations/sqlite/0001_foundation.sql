-- Foundation: departments, subjects, catalog, batches, records, ledger.
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE departments (
	id          INTEGER PRIMARY KEY,
	code        TEXT NOT NULL UNIQUE,
	name        TEXT NOT NULL,
	region_code TEXT NOT NULL,
	kind        TEXT NOT NULL DEFAULT '',
	created_at  TIMESTAMP NOT NULL,
	updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE api_keys (
	id            INTEGER PRIMARY KEY,
	department_id INTEGER NOT NULL REFERENCES departments(id),
	prefix        TEXT NOT NULL,
	hash          BLOB NOT NULL UNIQUE,
	scopes        TEXT NOT NULL,
	created_at    TIMESTAMP NOT NULL,
	revoked_at    TIMESTAMP
);

CREATE TABLE legacy_codes (
	code       TEXT PRIMARY KEY,
	note       TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);

CREATE TABLE subjects (
	id          INTEGER PRIMARY KEY,
	type        TEXT NOT NULL,
	name        TEXT NOT NULL,
	uscc        TEXT UNIQUE,
	cid_hash    BLOB UNIQUE,
	cid_cipher  BLOB,
	cid_masked  TEXT NOT NULL DEFAULT '',
	region_code TEXT NOT NULL DEFAULT '',
	legal_rep   TEXT NOT NULL DEFAULT '',
	verified    BOOLEAN NOT NULL DEFAULT FALSE,
	created_at  TIMESTAMP NOT NULL,
	updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX subjects_region ON subjects(region_code);

-- Bigram index of organisation names for 2+ character Chinese search.
CREATE TABLE subject_grams (
	gram       TEXT NOT NULL,
	subject_id INTEGER NOT NULL,
	PRIMARY KEY (gram, subject_id)
) WITHOUT ROWID;

CREATE TABLE catalog_versions (
	version   TEXT PRIMARY KEY,
	body      TEXT NOT NULL,
	loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE batches (
	id            TEXT PRIMARY KEY,
	class         TEXT NOT NULL,
	department_id INTEGER NOT NULL REFERENCES departments(id),
	submitted_by  TEXT NOT NULL,
	channel       TEXT NOT NULL,
	filename      TEXT NOT NULL DEFAULT '',
	format        TEXT NOT NULL,
	size          INTEGER NOT NULL DEFAULT 0,
	sha256        TEXT NOT NULL DEFAULT '',
	status        TEXT NOT NULL,
	error         TEXT NOT NULL DEFAULT '',
	processed_rows INTEGER NOT NULL DEFAULT 0,
	total         INTEGER NOT NULL DEFAULT 0,
	accepted      INTEGER NOT NULL DEFAULT 0,
	rejected      INTEGER NOT NULL DEFAULT 0,
	duplicates    INTEGER NOT NULL DEFAULT 0,
	late          INTEGER NOT NULL DEFAULT 0,
	created_at    TIMESTAMP NOT NULL,
	finished_at   TIMESTAMP
);
CREATE INDEX batches_department ON batches(department_id, created_at);

CREATE TABLE batch_chunks (
	batch_id TEXT NOT NULL REFERENCES batches(id),
	seq      INTEGER NOT NULL,
	data     BLOB NOT NULL,
	PRIMARY KEY (batch_id, seq)
);

CREATE TABLE batch_errors (
	batch_id TEXT NOT NULL REFERENCES batches(id),
	row_num  INTEGER NOT NULL,
	problems TEXT NOT NULL,
	raw      TEXT NOT NULL,
	PRIMARY KEY (batch_id, row_num)
);

-- Record versions. Indexes are few on purpose (ingestion writes every row):
-- one current version per business key, a subject's archive, and class by
-- date for the 双公示 lists. Versions are numbered under the ledger lock, and
-- ledger_index = id - 1 (both allocated in step), so the ledger is read in
-- primary-key order.
CREATE TABLE records (
	id              INTEGER PRIMARY KEY,
	class           TEXT NOT NULL,
	key             TEXT NOT NULL,
	version         INTEGER NOT NULL,
	is_current      BOOLEAN NOT NULL,
	subject_id      INTEGER NOT NULL, -- subjects(id): resolved in the same transaction (no FK: it would cost a lookup per row)
	department_id   INTEGER NOT NULL, -- departments(id), likewise
	batch_id        TEXT NOT NULL,
	row_num         INTEGER NOT NULL,
	fields          TEXT NOT NULL,
	content_hash    TEXT NOT NULL,
	decision_date   TEXT,
	severity        TEXT NOT NULL DEFAULT '',
	public_from     TEXT,
	public_until    TEXT,
	repairable_from TEXT,
	status          TEXT NOT NULL,
	late            BOOLEAN NOT NULL DEFAULT FALSE,
	late_days       INTEGER NOT NULL DEFAULT 0,
	ledger_index    INTEGER NOT NULL,
	-- the RFC 6962 tree hashes stored by appending this version's leaf
	-- (tlog.StoredHashes, consecutive storage indexes from StoredHashIndex(0, ledger_index))
	ledger_hashes   BLOB NOT NULL,
	created_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX records_current ON records(class, key) WHERE is_current;
CREATE INDEX records_subject ON records(subject_id, class);
CREATE INDEX records_class_date ON records(class, decision_date);

-- The state row that serialises ledger appends (tree size, next record id).
CREATE TABLE ledger_state (
	id             INTEGER PRIMARY KEY CHECK (id = 1),
	size           INTEGER NOT NULL,
	next_record_id INTEGER NOT NULL
);
INSERT INTO ledger_state (id, size, next_record_id) VALUES (1, 0, 1);

CREATE TABLE ledger_checkpoints (
	size       INTEGER PRIMARY KEY,
	root       BLOB NOT NULL,
	note       TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);

CREATE TABLE audit_log (
	id          INTEGER PRIMARY KEY,
	at          TIMESTAMP NOT NULL,
	actor       TEXT NOT NULL,
	action      TEXT NOT NULL,
	object_type TEXT NOT NULL,
	object_id   TEXT NOT NULL,
	detail      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);

-- Every non-public read of a subject's archive: who, which subject, why,
-- when. Shaped so that a subject can later see who looked at it.
CREATE TABLE query_log (
	id            INTEGER PRIMARY KEY,
	at            TIMESTAMP NOT NULL,
	actor         TEXT NOT NULL,
	role          TEXT NOT NULL,
	department_id INTEGER,
	user_id       INTEGER,
	subject_id    INTEGER NOT NULL REFERENCES subjects(id),
	purpose       TEXT NOT NULL,
	channel       TEXT NOT NULL,
	what          TEXT NOT NULL DEFAULT 'archive'
);
CREATE INDEX query_log_subject ON query_log(subject_id, at);
CREATE INDEX query_log_at ON query_log(at);
