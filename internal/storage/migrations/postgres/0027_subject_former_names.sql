-- Names a subject's registration authority registered it under before (曾用名),
-- kept when a registration renames the subject (followRegistrations), so that
-- a verification by a former name still finds it.
CREATE TABLE subject_former_names (
	name_key   TEXT NOT NULL, -- subject.NameKey of the normalised name
	subject_id BIGINT NOT NULL REFERENCES subjects(id),
	name       TEXT NOT NULL, -- as it was shown (display_name, else name)
	PRIMARY KEY (name_key, subject_id)
);

-- Work an upgrade leaves to Migrate's Go code, by name; a row is deleted in
-- the transaction that finishes its task. follow_registrations: subjects named
-- otherwise than their registration authority's current registration (which
-- builds before this one did not follow) take its name.
CREATE TABLE upgrade_tasks (
	name     TEXT PRIMARY KEY,
	added_at TIMESTAMPTZ NOT NULL
);
INSERT INTO upgrade_tasks (name, added_at) VALUES ('follow_registrations', CURRENT_TIMESTAMP);
