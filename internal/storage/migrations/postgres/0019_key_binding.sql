-- The keys the database is bound to (storage.bindKey): the ledger's public
-- verifier key and a fingerprint of the key file's secret keys (a SHA-256,
-- never the keys). The first Migrate stores them; every later Open
-- compares, and refuses another key file before writing anything with it.
CREATE TABLE platform_keys (
	id          BIGINT PRIMARY KEY CHECK (id = 1),
	ledger_vkey TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	bound_at    TIMESTAMPTZ NOT NULL
);
