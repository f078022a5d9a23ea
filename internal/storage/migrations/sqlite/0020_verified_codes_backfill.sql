-- 核查预警 for codes verified before 0015: verified_codes was created empty,
-- so a department that verified a code naming no subject before the
-- upgrade was not alerted when the subject was listed later. Fill it from
-- the verifications of the last 90 days (lists.AlertDays; older rows never
-- alert), as Verify writes it: for each result that found no subject
-- ("found": false) of a department's verification, whose queried code
-- ("query"."code", normalised) is a valid code or on the legacy whitelist,
-- the key "U:" and the code, with the department's latest verification of
-- it. Rows Verify wrote since 0015 are kept.
--
-- What the answer cannot give back is left out: a citizen ID number is
-- stored masked (its key is a keyed hash of the number), so a code with a
-- "*" never matches, and neither does a code in the old 15 digits or
-- another shape. A USCC is valid when its 18 characters are of the USCC
-- charset and both check characters agree (GB 32100, and GB 11714 for the
-- 17th); the region table (positions 3-8) is not checked here, a code
-- failing only that names no subject ingestion accepts, and its row never
-- alerts.
INSERT INTO verified_codes (code_key, department_id, verification_id, at)
SELECT 'U:' || code, department_id, id, at FROM (
	SELECT q.code, q.department_id, q.id, q.at,
		row_number() OVER (PARTITION BY q.code, q.department_id ORDER BY q.at DESC, q.id DESC) AS latest
	FROM (
		SELECT v.id, v.department_id, v.at, json_extract(r.value, '$.query.code') AS code
		FROM verifications v, json_each(v.answer) r
		WHERE v.department_id IS NOT NULL AND v.found < v.total
			AND v.at >= datetime('now', '-90 days')
			AND json_extract(r.value, '$.found') = 0
	) q
	WHERE q.code IN (SELECT code FROM legacy_codes)
		OR (length(q.code) = 18 AND q.code NOT GLOB '*[^0123456789ABCDEFGHJKLMNPQRTUWXY]*'
			AND substr('0123456789ABCDEFGHJKLMNPQRTUWXY', (31 - (
				SELECT SUM((instr('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(q.code, w.key + 1, 1)) - 1) * w.value)
				FROM json_each('[1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28]') w) % 31) % 31 + 1, 1) = substr(q.code, 18, 1)
			AND substr('0123456789X0', 11 - (
				SELECT SUM((instr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', substr(q.code, w.key + 9, 1)) - 1) * w.value)
				FROM json_each('[3,7,9,10,5,8,4,2]') w) % 11 + 1, 1) = substr(q.code, 17, 1))
) WHERE latest = 1
ON CONFLICT (code_key, department_id) DO NOTHING;
