-- 发起—响应—反馈: a new version of a list entry is pushed to the
-- departments that subscribed to its list type (inbox + signed webhook),
-- and departments that verified the subject lately are alerted.

-- A department's inbox. One item per department and entry version, written
-- in the transaction that writes the version.
CREATE TABLE notifications (
	id              BIGSERIAL PRIMARY KEY,
	department_id   BIGINT NOT NULL REFERENCES departments(id),
	kind            TEXT NOT NULL,
	record_id       BIGINT NOT NULL,
	entry_key       TEXT NOT NULL,
	subject_id      BIGINT NOT NULL,
	list_type       TEXT NOT NULL,
	title           TEXT NOT NULL,
	body            TEXT NOT NULL,
	verification_id BIGINT,
	created_at      TIMESTAMPTZ NOT NULL,
	acked_at        TIMESTAMPTZ,
	acked_by        TEXT,
	feedback        TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX notifications_record ON notifications(department_id, record_id);
CREATE INDEX notifications_inbox ON notifications(department_id, id);
CREATE INDEX notifications_unacked ON notifications(department_id) WHERE acked_at IS NULL;

-- Webhook subscriptions. The signing secret is sealed with the ID key.
CREATE TABLE subscriptions (
	id            BIGSERIAL PRIMARY KEY,
	department_id BIGINT NOT NULL REFERENCES departments(id),
	url           TEXT NOT NULL,
	list_types    TEXT NOT NULL,
	secret        BYTEA NOT NULL,
	created_at    TIMESTAMPTZ NOT NULL,
	created_by    TEXT NOT NULL,
	revoked_at    TIMESTAMPTZ
);
CREATE INDEX subscriptions_department ON subscriptions(department_id);

-- One delivery per notification and subscription. The body is fixed when
-- the delivery is created; the retry schedule lives here so that a restart
-- resumes it.
CREATE TABLE deliveries (
	id              BIGSERIAL PRIMARY KEY,
	uid             TEXT NOT NULL UNIQUE,
	subscription_id BIGINT NOT NULL REFERENCES subscriptions(id),
	notification_id BIGINT NOT NULL REFERENCES notifications(id),
	event           TEXT NOT NULL,
	payload         TEXT NOT NULL,
	status          TEXT NOT NULL,
	attempts        BIGINT NOT NULL DEFAULT 0,
	next_attempt_at TIMESTAMPTZ,
	last_status     BIGINT,
	last_error      TEXT NOT NULL DEFAULT '',
	created_at      TIMESTAMPTZ NOT NULL,
	delivered_at    TIMESTAMPTZ
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_subscription ON deliveries(subscription_id, id);

CREATE TABLE delivery_attempts (
	delivery_id BIGINT NOT NULL REFERENCES deliveries(id),
	n           BIGINT NOT NULL,
	at          TIMESTAMPTZ NOT NULL,
	status_code BIGINT,
	error       TEXT NOT NULL DEFAULT '',
	duration_ms BIGINT NOT NULL,
	PRIMARY KEY (delivery_id, n)
);

-- The latest verification of each subject by each department, for alerts.
-- Filled from the query log of earlier verifications.
CREATE TABLE verified_subjects (
	subject_id      BIGINT NOT NULL,
	department_id   BIGINT NOT NULL,
	verification_id BIGINT,
	at              TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (subject_id, department_id)
);
INSERT INTO verified_subjects (subject_id, department_id, at)
	SELECT subject_id, department_id, MAX(at) FROM query_log
	WHERE what = 'verification' AND department_id IS NOT NULL
	GROUP BY subject_id, department_id;
