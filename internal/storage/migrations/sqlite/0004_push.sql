-- 发起—响应—反馈: a new version of a list entry is pushed to the
-- departments that subscribed to its list type (inbox + signed webhook),
-- and departments that verified the subject lately are alerted.

-- A department's inbox. One item per department and entry version, written
-- in the transaction that writes the version.
CREATE TABLE notifications (
	id              INTEGER PRIMARY KEY,
	department_id   INTEGER NOT NULL REFERENCES departments(id),
	kind            TEXT NOT NULL,
	record_id       INTEGER NOT NULL,
	entry_key       TEXT NOT NULL,
	subject_id      INTEGER NOT NULL,
	list_type       TEXT NOT NULL,
	title           TEXT NOT NULL,
	body            TEXT NOT NULL,
	verification_id INTEGER,
	created_at      TIMESTAMP NOT NULL,
	acked_at        TIMESTAMP,
	acked_by        TEXT,
	feedback        TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX notifications_record ON notifications(department_id, record_id);
CREATE INDEX notifications_inbox ON notifications(department_id, id);
CREATE INDEX notifications_unacked ON notifications(department_id) WHERE acked_at IS NULL;

-- Webhook subscriptions. The signing secret is sealed with the ID key.
CREATE TABLE subscriptions (
	id            INTEGER PRIMARY KEY,
	department_id INTEGER NOT NULL REFERENCES departments(id),
	url           TEXT NOT NULL,
	list_types    TEXT NOT NULL,
	secret        BLOB NOT NULL,
	created_at    TIMESTAMP NOT NULL,
	created_by    TEXT NOT NULL,
	revoked_at    TIMESTAMP
);
CREATE INDEX subscriptions_department ON subscriptions(department_id);

-- One delivery per notification and subscription. The body is fixed when
-- the delivery is created; the retry schedule lives here so that a restart
-- resumes it.
CREATE TABLE deliveries (
	id              INTEGER PRIMARY KEY,
	uid             TEXT NOT NULL UNIQUE,
	subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
	notification_id INTEGER NOT NULL REFERENCES notifications(id),
	event           TEXT NOT NULL,
	payload         TEXT NOT NULL,
	status          TEXT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TIMESTAMP,
	last_status     INTEGER,
	last_error      TEXT NOT NULL DEFAULT '',
	created_at      TIMESTAMP NOT NULL,
	delivered_at    TIMESTAMP
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_subscription ON deliveries(subscription_id, id);

CREATE TABLE delivery_attempts (
	delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
	n           INTEGER NOT NULL,
	at          TIMESTAMP NOT NULL,
	status_code INTEGER,
	error       TEXT NOT NULL DEFAULT '',
	duration_ms INTEGER NOT NULL,
	PRIMARY KEY (delivery_id, n)
);

-- The latest verification of each subject by each department, for alerts.
-- Filled from the query log of earlier verifications.
CREATE TABLE verified_subjects (
	subject_id      INTEGER NOT NULL,
	department_id   INTEGER NOT NULL,
	verification_id INTEGER,
	at              TIMESTAMP NOT NULL,
	PRIMARY KEY (subject_id, department_id)
);
INSERT INTO verified_subjects (subject_id, department_id, at)
	SELECT subject_id, department_id, MAX(at) FROM query_log
	WHERE what = 'verification' AND department_id IS NOT NULL
	GROUP BY subject_id, department_id;
