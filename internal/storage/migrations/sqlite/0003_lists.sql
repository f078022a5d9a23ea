-- Lists (红黑名单, 重点关注名单, 经营异常名录), measures and 信用核查.
-- List entries are records of class list_entry; list_entries and
-- list_persons are derived from their current versions in the same
-- transaction that writes them, for fast verification and expiry.
CREATE TABLE list_entries (
	key           TEXT PRIMARY KEY,
	record_id     INTEGER NOT NULL,
	subject_id    INTEGER NOT NULL REFERENCES subjects(id),
	department_id INTEGER NOT NULL,
	list_type     TEXT NOT NULL,
	kind          TEXT NOT NULL,
	valid_from    TEXT NOT NULL,
	valid_until   TEXT,
	removed_on    TEXT,
	updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX list_entries_subject ON list_entries(subject_id);
CREATE INDEX list_entries_type ON list_entries(list_type, valid_from);
CREATE INDEX list_entries_open ON list_entries(valid_until) WHERE removed_on IS NULL;

-- Responsible persons of listed organisations, by keyed hash of their ID
-- number (never in clear), for 关联失信.
CREATE TABLE list_persons (
	key     TEXT NOT NULL,
	id_hash BLOB NOT NULL,
	role    TEXT NOT NULL,
	PRIMARY KEY (key, id_hash, role)
);
CREATE INDEX list_persons_id ON list_persons(id_hash);

-- Exact-name lookup in verification.
CREATE INDEX subjects_name ON subjects(name);

-- The province's edits of the measures catalog (defaults ship in code).
CREATE TABLE measures (
	code       TEXT PRIMARY KEY,
	body       TEXT NOT NULL,
	updated_at TIMESTAMP NOT NULL,
	updated_by TEXT NOT NULL
);

CREATE TABLE verifications (
	id            INTEGER PRIMARY KEY,
	at            TIMESTAMP NOT NULL,
	actor         TEXT NOT NULL,
	role          TEXT NOT NULL,
	department_id INTEGER,
	scenario      TEXT NOT NULL,
	purpose       TEXT NOT NULL,
	data_version  INTEGER NOT NULL,
	total         INTEGER NOT NULL,
	found         INTEGER NOT NULL,
	hits          INTEGER NOT NULL,
	feedback_due  TEXT,
	answer        TEXT NOT NULL
);
CREATE INDEX verifications_department ON verifications(department_id, at);
CREATE INDEX verifications_at ON verifications(at);

-- One row per subject of a verification that hit a list.
CREATE TABLE verification_hits (
	verification_id INTEGER NOT NULL REFERENCES verifications(id),
	seq             INTEGER NOT NULL,
	subject_id      INTEGER,
	verdict         TEXT NOT NULL,
	feedback_at     TIMESTAMP,
	PRIMARY KEY (verification_id, seq)
);
CREATE INDEX verification_hits_subject ON verification_hits(subject_id);

CREATE TABLE verification_feedback (
	id              INTEGER PRIMARY KEY,
	verification_id INTEGER NOT NULL REFERENCES verifications(id),
	seq             INTEGER NOT NULL,
	measure_code    TEXT NOT NULL,
	applied         BOOLEAN NOT NULL,
	applied_on      TEXT,
	reason          TEXT NOT NULL,
	at              TIMESTAMP NOT NULL,
	actor           TEXT NOT NULL
);
CREATE INDEX verification_feedback_verification ON verification_feedback(verification_id);
