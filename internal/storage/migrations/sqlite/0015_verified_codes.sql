-- Codes a department verified that named no subject of the platform at the
-- time (a valid USCC or citizen ID number not yet recorded): the latest
-- verification of each code by each department, as verified_subjects keeps
-- for subjects, so that listing the subject later still alerts the
-- department (核查预警, within 90 days). code_key is "U:" and the USCC, or
-- "C:" and the hex keyed hash of the citizen ID number (never the number).
CREATE TABLE verified_codes (
	code_key        TEXT NOT NULL,
	department_id   INTEGER NOT NULL,
	verification_id INTEGER,
	at              TIMESTAMP NOT NULL,
	PRIMARY KEY (code_key, department_id)
);
