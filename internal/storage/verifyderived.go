package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/subject"
)

// verifyRace is how much older than the latest verification of a subject
// (or code) by a department the row verified_subjects (verified_codes)
// keeps may be. Two group writes on PostgreSQL can commit in the other
// order than they began (and took their time and ids): the last to commit
// wins the upsert although it is the older. They overlap, so the difference
// is at most a write transaction's length; shifting the start of a 90-day
// alert window by minutes changes nothing an attacker would want.
const verifyRace = 10 * time.Minute

// verifyVerificationDerived checks the tables derived from the stored
// verifications (verifications, verification_hits, verification_feedback,
// which are sealed) against them, recomputed with the rules of their
// writers (writeVerifications, CreateFeedback):
//
//   - verification_days (核查统计): per day in Asia/Shanghai, department (or
//     actor label of a non-department verifier) and scenario, the number of
//     verifications, of subjects queried (a subject named twice in one
//     request once: total - repeats) and of hits. Exact, for every day:
//     migration 0009 filled it with the same grouping.
//   - verification_hit_days: the hits by that key and the day of their
//     first feedback (empty without), rows of 0 hits (left by feedback moving
//     a hit) being no row. Exact, for every day: the first feedback sets
//     feedback_at and moves the hit to its day in one transaction, and 0009
//     filled it from feedback_at.
//   - verified_subjects (核查预警): for every subject found by a department's
//     verification within lists.AlertDays days, the department's row, not
//     older than its latest such verification (less verifyRace). Older
//     verifications never alert, and before migration 0004 the table was
//     filled from the query log without verification ids.
//   - verified_codes: as verified_subjects, for the codes a department's
//     verification within lists.AlertDays days queried and that named no
//     subject, when the code in the answer is a valid USCC ("U:" key).
//     Not checked: citizen ID numbers (the answer keeps them masked, their
//     key is a keyed hash of the number) and codes accepted only through
//     the legacy whitelist, which changes (a code once on it may no longer
//     be). Migration 0020 filled the keys of the 90 days before it.
//   - every row of verified_subjects and verified_codes that names a
//     verification names one that exists, of the same department, at the
//     same time. Rows without (0004's) cannot be checked.
//
// Each comparison is one statement, which reads both sides at one instant:
// a verification written meanwhile cannot make a difference.
//
// A difference may come from the verifications themselves having been
// changed: then the seals say which (checkSeals, run again here only when
// a difference is found), and that is the error.
func (db *DB) verifyVerificationDerived(ctx context.Context) error {
	err := db.compareVerificationDerived(ctx)
	if err == nil || credit.ErrorCode(err) != credit.EINVALID {
		return err
	}
	if _, serr := db.checkSeals(ctx); serr != nil {
		return serr
	}
	return err
}

func (db *DB) compareVerificationDerived(ctx context.Context) error {
	if err := db.checkVerificationDays(ctx); err != nil {
		return err
	}
	if err := db.checkVerificationHitDays(ctx); err != nil {
		return err
	}
	cutoff := db.Now().AddDate(0, 0, -lists.AlertDays).UTC().Truncate(time.Microsecond)
	if err := db.checkVerifiedSubjects(ctx, cutoff); err != nil {
		return err
	}
	if err := db.checkVerifiedCodes(ctx, cutoff); err != nil {
		return err
	}
	for _, t := range []struct{ table, key, what string }{
		{"verified_subjects", "subject_id", "主体ID"},
		{"verified_codes", "code_key", "代码"},
	} {
		if err := db.checkVerifiedRefs(ctx, t.table, t.key, t.what); err != nil {
			return err
		}
	}
	return nil
}

// dayOf is the SQL of the day (Asia/Shanghai, YYYY-MM-DD) of a timestamp,
// as migration 0009 computes it and credit.DateOf does.
func (db *DB) dayOf(col string) string {
	if db.dialect == Postgres {
		return "to_char(" + col + " AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')"
	}
	return "date(" + col + ", '+8 hours')"
}

// statsWho names the verifier of a statistics row.
func statsWho(department int64, actor string) string {
	if department != 0 {
		return fmt.Sprintf("部门%d", department)
	}
	return "核查方“" + actor + "”"
}

func (db *DB) checkVerificationDays(ctx context.Context) error {
	var diff error
	err := scanAll(db.rows(ctx, `SELECT day, dep, actor, scenario, SUM(dv), SUM(ds), SUM(dh), SUM(tv), SUM(ts), SUM(th) FROM (
		SELECT `+db.dayOf("at")+` AS day, COALESCE(department_id, 0) AS dep, CASE WHEN department_id IS NULL THEN actor ELSE '' END AS actor, scenario,
			1 AS dv, total - repeats AS ds, hits AS dh, 0 AS tv, 0 AS ts, 0 AS th
		FROM verifications
		UNION ALL
		SELECT day, department_id, actor, scenario, 0, 0, 0, verifications, subjects, hits FROM verification_days
	) u GROUP BY day, dep, actor, scenario
	HAVING SUM(dv) <> SUM(tv) OR SUM(ds) <> SUM(ts) OR SUM(dh) <> SUM(th)
	ORDER BY day, dep, actor, scenario LIMIT 1`), func(rows *sql.Rows) error {
		var day, actor, scenario string
		var dep, dv, ds, dh, tv, ts, th int64
		if err := rows.Scan(&day, &dep, &actor, &scenario, &dv, &ds, &dh, &tv, &ts, &th); err != nil {
			return err
		}
		what, unit, want, got := "核查", "次", dv, tv
		switch {
		case ds != ts:
			what, unit, want, got = "核查主体", "个", ds, ts
		case dh != th:
			what, unit, want, got = "命中", "个", dh, th
		}
		diff = credit.Errorf(credit.EINVALID, "核查统计（verification_days）与核查记录不符：%s %s 场景%s：记录%s%d%s，统计表为%d%s（数据库被直接修改）",
			day, statsWho(dep, actor), scenario, what, want, unit, got, unit)
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: check verification_days: %w", err)
	}
	return diff
}

func (db *DB) checkVerificationHitDays(ctx context.Context) error {
	var diff error
	err := scanAll(db.rows(ctx, `SELECT day, dep, actor, scenario, fday, SUM(d), SUM(t) FROM (
		SELECT `+db.dayOf("v.at")+` AS day, COALESCE(v.department_id, 0) AS dep, CASE WHEN v.department_id IS NULL THEN v.actor ELSE '' END AS actor, v.scenario AS scenario,
			COALESCE(`+db.dayOf("h.feedback_at")+`, '') AS fday, 1 AS d, 0 AS t
		FROM verification_hits h JOIN verifications v ON v.id = h.verification_id
		UNION ALL
		SELECT day, department_id, actor, scenario, feedback_day, 0, hits FROM verification_hit_days
	) u GROUP BY day, dep, actor, scenario, fday
	HAVING SUM(d) <> SUM(t)
	ORDER BY day, dep, actor, scenario, fday LIMIT 1`), func(rows *sql.Rows) error {
		var day, actor, scenario, fday string
		var dep, d, t int64
		if err := rows.Scan(&day, &dep, &actor, &scenario, &fday, &d, &t); err != nil {
			return err
		}
		fb := "未反馈"
		if fday != "" {
			fb = fday + "反馈"
		}
		diff = credit.Errorf(credit.EINVALID, "核查命中统计（verification_hit_days）与核查记录不符：%s %s 场景%s（%s）：记录命中%d个，统计表为%d个（数据库被直接修改）",
			day, statsWho(dep, actor), scenario, fb, d, t)
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: check verification_hit_days: %w", err)
	}
	return diff
}

// answerResults is the SQL that makes a row of each result in the answer
// of verification v (r.value), for FROM.
func (db *DB) answerResults() string {
	if db.dialect == Postgres {
		return "verifications v CROSS JOIN LATERAL jsonb_array_elements(v.answer::jsonb) AS r(value)"
	}
	return "verifications v, json_each(v.answer) r"
}

// answerField is the SQL of a field of a result, as text (path: JSON keys).
func (db *DB) answerField(path ...string) string {
	if db.dialect == Postgres {
		q := "r.value"
		for i, p := range path {
			if i == len(path)-1 {
				q += " ->> '" + p + "'"
			} else {
				q += " -> '" + p + "'"
			}
		}
		return q
	}
	q := "json_extract(r.value, '$"
	for _, p := range path {
		q += "." + p
	}
	return q + "')"
}

// answerFound is the SQL condition that a result found a subject (or not).
func (db *DB) answerFound(found bool) string {
	if db.dialect == Postgres {
		return fmt.Sprintf("r.value -> 'found' = '%t'::jsonb", found)
	}
	if found {
		return "json_extract(r.value, '$.found') = 1"
	}
	return "json_extract(r.value, '$.found') = 0"
}

func (db *DB) checkVerifiedSubjects(ctx context.Context, cutoff time.Time) error {
	sid := "CAST(" + db.answerField("subject_id") + " AS BIGINT)"
	if db.dialect == SQLite {
		sid = "CAST(" + db.answerField("subject_id") + " AS INTEGER)"
	}
	var diff error
	err := scanAll(db.rows(ctx, `SELECT d.sid, d.dep, lv.id, lv.at, t.verification_id, t.at FROM (
		SELECT `+sid+` AS sid, v.department_id AS dep, MAX(v.id) AS vid
		FROM `+db.answerResults()+`
		WHERE v.department_id IS NOT NULL AND v.found > 0 AND v.at >= $1 AND `+db.answerFound(true)+`
		GROUP BY 1, 2
	) d JOIN verifications lv ON lv.id = d.vid
	LEFT JOIN verified_subjects t ON t.subject_id = d.sid AND t.department_id = d.dep
	ORDER BY d.sid, d.dep`, cutoff), func(rows *sql.Rows) error {
		var s, dep, vid int64
		var at time.Time
		var tid sql.NullInt64
		var tat sql.NullTime
		if err := rows.Scan(&s, &dep, &vid, &at, &tid, &tat); err != nil {
			return err
		}
		if diff == nil {
			diff = verifiedDiff("verified_subjects", fmt.Sprintf("主体ID %d", s), dep, vid, at, tid, tat)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: check verified_subjects: %w", err)
	}
	return diff
}

func (db *DB) checkVerifiedCodes(ctx context.Context, cutoff time.Time) error {
	code := db.answerField("query", "code")
	var diff error
	err := scanAll(db.rows(ctx, `SELECT d.code, d.dep, lv.id, lv.at, t.verification_id, t.at FROM (
		SELECT `+code+` AS code, v.department_id AS dep, MAX(v.id) AS vid
		FROM `+db.answerResults()+`
		WHERE v.department_id IS NOT NULL AND v.found < v.total AND v.at >= $1 AND `+db.answerFound(false)+`
			AND COALESCE(`+code+`, '') <> ''
		GROUP BY 1, 2
	) d JOIN verifications lv ON lv.id = d.vid
	LEFT JOIN verified_codes t ON t.code_key = 'U:' || d.code AND t.department_id = d.dep
	ORDER BY d.code, d.dep`, cutoff), func(rows *sql.Rows) error {
		var c string
		var dep, vid int64
		var at time.Time
		var tid sql.NullInt64
		var tat sql.NullTime
		if err := rows.Scan(&c, &dep, &vid, &at, &tid, &tat); err != nil {
			return err
		}
		if diff != nil {
			return nil
		}
		// Only a valid USCC is certain to have been keyed "U:" + code: a
		// citizen ID number is masked here (never valid), a code that fails
		// the checks may have been on the legacy whitelist.
		if lists.CodeProblem(c, credit.DateOf(at)) != "" || subject.CheckCitizenID(c, credit.Date{}) == nil {
			return nil
		}
		diff = verifiedDiff("verified_codes", "代码"+c, dep, vid, at, tid, tat)
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: check verified_codes: %w", err)
	}
	return diff
}

// verifiedDiff compares the row of verified_subjects or verified_codes
// (tid, tat) with the latest verification (vid, at) that should have
// written it.
func verifiedDiff(table, what string, dep, vid int64, at time.Time, tid sql.NullInt64, tat sql.NullTime) error {
	day := at.In(credit.Shanghai).Format("2006-01-02 15:04:05")
	switch {
	case !tat.Valid:
		return credit.Errorf(credit.EINVALID, "核查预警记录（%s）与核查记录不符：部门%d于%s核查%s（核查记录%d），预警表中没有该记录（数据库被直接修改，该部门将收不到核查预警）",
			table, dep, day, what, vid)
	case tat.Time.Before(at.Add(-verifyRace)):
		ref := "无核查记录编号"
		if tid.Valid {
			ref = fmt.Sprintf("核查记录%d", tid.Int64)
		}
		return credit.Errorf(credit.EINVALID, "核查预警记录（%s）与核查记录不符：部门%d于%s核查%s（核查记录%d），预警表记为%s（%s）（数据库被直接修改）",
			table, dep, day, what, vid, tat.Time.In(credit.Shanghai).Format("2006-01-02 15:04:05"), ref)
	}
	return nil
}

// checkVerifiedRefs checks that each row of table (verified_subjects or
// verified_codes) naming a verification names one of its department, at
// its time.
func (db *DB) checkVerifiedRefs(ctx context.Context, table, key, what string) error {
	var diff error
	err := scanAll(db.rows(ctx, `SELECT t.`+key+`, t.department_id, t.verification_id, t.at, v.department_id, v.at
		FROM `+table+` t LEFT JOIN verifications v ON v.id = t.verification_id
		WHERE t.verification_id IS NOT NULL AND (v.id IS NULL OR v.department_id IS NULL OR v.department_id <> t.department_id OR v.at <> t.at)
		ORDER BY t.`+key+`, t.department_id`), func(rows *sql.Rows) error {
		var k string
		var dep, vid int64
		var at time.Time
		var vdep sql.NullInt64
		var vat sql.NullTime
		if err := rows.Scan(&k, &dep, &vid, &at, &vdep, &vat); err != nil {
			return err
		}
		if diff != nil || (vdep.Int64 == dep && vat.Valid && vat.Time.Equal(at)) {
			return nil // the same instant written differently
		}
		switch {
		case !vat.Valid:
			diff = credit.Errorf(credit.EINVALID, "核查预警记录（%s）与核查记录不符：部门%d的%s %s记为核查记录%d，该核查记录不存在（数据库被直接修改）", table, dep, what, k, vid)
		default:
			diff = credit.Errorf(credit.EINVALID, "核查预警记录（%s）与核查记录不符：部门%d的%s %s记为核查记录%d（%s），该核查记录为部门%d于%s所作（数据库被直接修改）", table, dep, what, k, vid,
				at.In(credit.Shanghai).Format("2006-01-02 15:04:05"), vdep.Int64, vat.Time.In(credit.Shanghai).Format("2006-01-02 15:04:05"))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: check %s: %w", table, err)
	}
	return diff
}
