-- Accounts: console users, their sessions and sign-in attempts.
CREATE TABLE users (
	id                   BIGSERIAL PRIMARY KEY,
	username             TEXT NOT NULL UNIQUE,
	display_name         TEXT NOT NULL DEFAULT '',
	role                 TEXT NOT NULL,
	department_id        BIGINT REFERENCES departments(id),
	region_code          TEXT NOT NULL DEFAULT '',
	password_hash        TEXT NOT NULL,
	must_change_password BOOLEAN NOT NULL DEFAULT TRUE,
	failed_logins        BIGINT NOT NULL DEFAULT 0,
	locked_until         TIMESTAMPTZ,
	disabled_at          TIMESTAMPTZ,
	last_login_at        TIMESTAMPTZ,
	password_changed_at  TIMESTAMPTZ NOT NULL,
	created_at           TIMESTAMPTZ NOT NULL,
	updated_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_department ON users(department_id);
CREATE INDEX users_region ON users(region_code);

-- Only the SHA-256 of a session token is stored.
CREATE TABLE sessions (
	token_hash   BYTEA PRIMARY KEY,
	user_id      BIGINT NOT NULL REFERENCES users(id),
	csrf_token   TEXT NOT NULL,
	created_at   TIMESTAMPTZ NOT NULL,
	expires_at   TIMESTAMPTZ NOT NULL,
	ip           TEXT NOT NULL DEFAULT '',
	user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE login_attempts (
	id         BIGSERIAL PRIMARY KEY,
	at         TIMESTAMPTZ NOT NULL,
	username   TEXT NOT NULL,
	user_id    BIGINT,
	ok         BOOLEAN NOT NULL,
	reason     TEXT NOT NULL DEFAULT '',
	ip         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX login_attempts_username ON login_attempts(username, at);

CREATE INDEX query_log_department ON query_log(department_id, at);
CREATE INDEX query_log_user ON query_log(user_id, at);
CREATE INDEX api_keys_department ON api_keys(department_id);
