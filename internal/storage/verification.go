package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/subject"
)

// resolveQuery finds the subject a verification query names: by USCC or
// citizen ID, or by exact organisation name (persons are never resolved by
// name). It returns nil and the number of candidates when the name is
// ambiguous or nothing matches.
func (db *DB) resolveQuery(ctx context.Context, q lists.Query) (*subject.Subject, int, error) {
	if q.Code != "" {
		s, err := db.FindSubjectByCode(ctx, q.Code)
		if credit.ErrorCode(err) == credit.ENOTFOUND {
			return nil, 0, nil
		}
		return s, 1, err
	}
	var found []*subject.Subject
	err := scanAll(db.rows(ctx, `SELECT `+subjectColumns+` FROM subjects WHERE name = $1 AND type <> $2 ORDER BY id LIMIT 5`, q.Name, string(subject.Person)),
		func(rows *sql.Rows) error {
			s, err := scanSubject(rows)
			if err != nil {
				return err
			}
			found = append(found, s)
			return nil
		})
	if err != nil || len(found) != 1 {
		return nil, len(found), err
	}
	return found[0], 1, nil
}

// Verify answers a verification request (信用核查): per subject its active
// list entries, linkages, the measures the department must or may apply in
// the scenario, incentives and a verdict. The answer is stored with the data
// version (ledger size) and every subject read is written to the query log.
func (db *DB) Verify(ctx context.Context, req lists.VerificationRequest) (*lists.Verification, error) {
	actor := credit.ActorFromContext(ctx)
	if actor.Role == credit.RolePublic {
		return nil, credit.Errorf(credit.EUNAUTHORIZED, "信用核查需要提供API密钥或登录")
	}
	if !access.Can(actor, access.ActionVerify, access.Target{DepartmentID: actor.DepartmentID, RegionCode: actor.RegionCode}) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "无权进行信用核查")
	}
	data, err := db.ListData(ctx)
	if err != nil {
		return nil, err
	}
	if err := req.Validate(data); err != nil {
		return nil, err
	}
	v := &lists.Verification{Actor: actor.Label(), DepartmentID: actor.DepartmentID, DepartmentCode: actor.DepartmentCode,
		Scenario: req.Scenario, Purpose: req.Purpose, Total: len(req.Subjects)}
	if actor.DepartmentID != 0 {
		dep, err := db.FindDepartmentByID(ctx, actor.DepartmentID)
		if err != nil {
			return nil, err
		}
		v.DepartmentKind = dep.Kind
	}
	today := credit.DateOf(db.Now())
	v.AsOf = today.Format(credit.DateLayout)
	if err := db.queryRow(ctx, `SELECT size FROM ledger_state WHERE id = 1`).Scan(&v.DataVersion); err != nil {
		return nil, err
	}
	for i, raw := range req.Subjects {
		q := raw.Normalized()
		s, n, err := db.resolveQuery(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("storage.Verify: %w", err)
		}
		var entries []*lists.Entry
		var linked []lists.Linked
		if s != nil {
			if entries, err = db.subjectEntries(ctx, data, s.ID); err != nil {
				return nil, err
			}
		}
		// A person is linked through the hash of the ID number, whether or
		// not the platform holds records about the person.
		if q.Code != "" && (s == nil || s.Type == subject.Person) && subject.CheckCitizenID(q.Code, credit.Date{}) == nil {
			if linked, err = db.linkedByPerson(ctx, data, q.Code); err != nil {
				return nil, err
			}
		}
		if s != nil && s.Type != subject.Person {
			if linked, err = db.linkedPersonsOf(ctx, data, entries); err != nil {
				return nil, err
			}
		}
		res := lists.Decide(data, entries, linked, req.Scenario, v.DepartmentKind, today)
		res.Seq, res.Query = i+1, q
		if s != nil {
			res.Found, res.SubjectID, res.Name, res.USCC, res.Type = true, s.ID, s.Name, s.USCC, s.Type
			v.Found++
		} else if n > 1 {
			res.Ambiguous = n
			res.Explanation = fmt.Sprintf("名称“%s”对应%d个主体，请使用统一社会信用代码核查", q.Name, n)
		} else if !res.Hit {
			res.Explanation = "平台未收录该主体，未发现名单信息"
		}
		if res.Hit {
			v.Hits++
		}
		v.Results = append(v.Results, res)
	}
	if v.Hits > 0 {
		v.FeedbackDue = db.Calendar.AddWorkingDays(today, lists.FeedbackDays).Format(credit.DateLayout)
		for i := range v.Results {
			if v.Results[i].Hit {
				v.Results[i].Feedback = &lists.FeedbackProgress{Due: v.FeedbackDue}
			}
		}
	}
	err = db.transact(ctx, func(tx *Tx) error {
		v.At = tx.now
		answer, err := json.Marshal(v.Results)
		if err != nil {
			return err
		}
		var due any
		if v.FeedbackDue != "" {
			due = v.FeedbackDue
		}
		err = tx.queryRow(ctx, `INSERT INTO verifications (at, actor, role, department_id, scenario, purpose, data_version, total, found, hits, feedback_due, answer)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			tx.now, v.Actor, string(actor.Role), nullInt(int64(actor.DepartmentID)), v.Scenario, v.Purpose, v.DataVersion,
			v.Total, v.Found, v.Hits, due, string(answer)).Scan(&v.ID)
		if err != nil {
			return err
		}
		purpose := fmt.Sprintf("信用核查#%d（%s）：%s", v.ID, v.Scenario, v.Purpose)
		for _, r := range v.Results {
			if r.Hit {
				if _, err := tx.exec(ctx, `INSERT INTO verification_hits (verification_id, seq, subject_id, verdict) VALUES ($1, $2, $3, $4)`,
					v.ID, r.Seq, nullInt(int64(r.SubjectID)), string(r.Verdict)); err != nil {
					return err
				}
			}
			if r.Found {
				if _, err := tx.exec(ctx, `INSERT INTO query_log (at, actor, role, department_id, user_id, subject_id, purpose, channel, what)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
					tx.now, actor.Label(), string(actor.Role), nullInt(int64(actor.DepartmentID)), nullInt(int64(actor.UserID)),
					int64(r.SubjectID), purpose, actor.Channel, "verification"); err != nil {
					return err
				}
				if actor.DepartmentID != 0 {
					if _, err := tx.exec(ctx, `INSERT INTO verified_subjects (subject_id, department_id, verification_id, at) VALUES ($1, $2, $3, $4)
						ON CONFLICT (subject_id, department_id) DO UPDATE SET verification_id = excluded.verification_id, at = excluded.at`,
						int64(r.SubjectID), int64(actor.DepartmentID), v.ID, tx.now); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage.Verify: %w", err)
	}
	return v, nil
}

// linkedPersonsOf returns, for an organisation, the active black-list
// entries of the persons its own entries name as responsible.
func (db *DB) linkedPersonsOf(ctx context.Context, data *lists.Data, entries []*lists.Entry) ([]lists.Linked, error) {
	var out []lists.Linked
	seen := map[string]bool{}
	for _, e := range entries {
		for _, p := range e.Persons {
			if p.IDNumber == "" || seen[p.IDNumber] {
				continue
			}
			seen[p.IDNumber] = true
			var id int64
			err := db.queryRow(ctx, `SELECT id FROM subjects WHERE cid_hash = $1`, db.Secrets.HashCitizenID(p.IDNumber)).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return nil, err
			}
			pe, err := db.subjectEntries(ctx, data, credit.SubjectID(id))
			if err != nil {
				return nil, err
			}
			for _, x := range pe {
				out = append(out, lists.Linked{Entry: x, Role: p.Role + "：" + p.Name})
			}
		}
	}
	return out, nil
}

// FindVerificationByID returns a stored verification with its feedback
// progress. Departments see only their own.
func (db *DB) FindVerificationByID(ctx context.Context, id int64) (*lists.Verification, error) {
	actor := credit.ActorFromContext(ctx)
	if actor.Role == credit.RolePublic {
		return nil, credit.Errorf(credit.EUNAUTHORIZED, "需要提供API密钥或登录")
	}
	v := &lists.Verification{ID: id}
	var dep sql.NullInt64
	var due sql.NullString
	var answer string
	err := db.queryRow(ctx, `SELECT at, actor, department_id, scenario, purpose, data_version, total, found, hits, feedback_due, answer FROM verifications WHERE id = $1`, id).
		Scan(&v.At, &v.Actor, &dep, &v.Scenario, &v.Purpose, &v.DataVersion, &v.Total, &v.Found, &v.Hits, &due, &answer)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credit.Errorf(credit.ENOTFOUND, "核查记录%d不存在", id)
	}
	if err != nil {
		return nil, err
	}
	v.At = v.At.UTC()
	v.DepartmentID, v.FeedbackDue, v.AsOf = credit.DepartmentID(dep.Int64), due.String, credit.DateOf(v.At).Format(credit.DateLayout)
	if !canSeeVerification(actor, v) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "只能查看本部门的核查记录")
	}
	if err := json.Unmarshal([]byte(answer), &v.Results); err != nil {
		return nil, err
	}
	err = scanAll(db.rows(ctx, `SELECT seq FROM verification_hits WHERE verification_id = $1 AND feedback_at IS NOT NULL`, id), func(rows *sql.Rows) error {
		var seq int
		if err := rows.Scan(&seq); err != nil {
			return err
		}
		if seq >= 1 && seq <= len(v.Results) && v.Results[seq-1].Feedback != nil {
			v.Results[seq-1].Feedback.Given = true
		}
		return nil
	})
	return v, err
}

func canSeeVerification(a credit.Actor, v *lists.Verification) bool {
	switch a.Role {
	case credit.RoleSystem, credit.RoleProvince, credit.RoleAuditor:
		return true
	case credit.RoleDepartment:
		return a.DepartmentID != 0 && a.DepartmentID == v.DepartmentID
	}
	return v.Actor == a.Label()
}

// FindFeedback returns the feedback on a verification, oldest first.
func (db *DB) FindFeedback(ctx context.Context, id int64) ([]*lists.Feedback, error) {
	if _, err := db.FindVerificationByID(ctx, id); err != nil {
		return nil, err
	}
	out := []*lists.Feedback{}
	err := scanAll(db.rows(ctx, `SELECT id, seq, measure_code, applied, applied_on, reason, at, actor FROM verification_feedback WHERE verification_id = $1 ORDER BY id`, id),
		func(rows *sql.Rows) error {
			f := &lists.Feedback{VerificationID: id}
			var on sql.NullString
			if err := rows.Scan(&f.ID, &f.Seq, &f.MeasureCode, &f.Applied, &on, &f.Reason, &f.At, &f.Actor); err != nil {
				return err
			}
			f.AppliedOn, f.At = on.String, f.At.UTC()
			out = append(out, f)
			return nil
		})
	return out, err
}

// CreateFeedback records 执行反馈 of the verifying department.
func (db *DB) CreateFeedback(ctx context.Context, id int64, fb []lists.Feedback) ([]*lists.Feedback, error) {
	actor := credit.ActorFromContext(ctx)
	v, err := db.FindVerificationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if actor.Role != credit.RoleSystem && !(actor.Role == credit.RoleDepartment && actor.DepartmentID == v.DepartmentID) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "只有发起核查的部门可以反馈执行情况")
	}
	if err := lists.ValidateFeedback(v, fb, credit.DateOf(db.Now())); err != nil {
		return nil, err
	}
	var out []*lists.Feedback
	err = db.transact(ctx, func(tx *Tx) error {
		for _, f := range fb {
			var on any
			if f.AppliedOn != "" {
				on = f.AppliedOn
			}
			nf := f
			nf.VerificationID, nf.At, nf.Actor = id, tx.now, actor.Label()
			if err := tx.queryRow(ctx, `INSERT INTO verification_feedback (verification_id, seq, measure_code, applied, applied_on, reason, at, actor)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, id, f.Seq, f.MeasureCode, f.Applied, on, f.Reason, tx.now, actor.Label()).Scan(&nf.ID); err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `UPDATE verification_hits SET feedback_at = $1 WHERE verification_id = $2 AND seq = $3 AND feedback_at IS NULL`, tx.now, id, f.Seq); err != nil {
				return err
			}
			out = append(out, &nf)
		}
		return tx.audit(ctx, "verification.feedback", "verification", itoa(id), fb)
	})
	return out, err
}

// VerificationStats returns hit rate, feedback rate and overdue feedback by
// department and scenario. A hit is overdue when it had no feedback within
// the feedback period (working days after the verification day) — either
// none yet and the period is over, or feedback given after it.
func (db *DB) VerificationStats(ctx context.Context, f lists.StatsFilter) (*lists.Stats, error) {
	actor := credit.ActorFromContext(ctx)
	if actor.Role == credit.RolePublic {
		return nil, credit.Errorf(credit.EUNAUTHORIZED, "需要提供API密钥或登录")
	}
	if actor.Role == credit.RoleDepartment {
		d := actor.DepartmentID
		f.DepartmentID = &d // a department sees its own figures
	} else if !access.Can(actor, access.ActionViewQueryLog, access.Target{}) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "无权查看核查统计")
	}
	days := f.FeedbackDays
	if days <= 0 {
		days = lists.FeedbackDays
	}
	today := credit.DateOf(db.Now())
	where, args := "1 = 1", []any{}
	if f.From != nil {
		args = append(args, f.From.UTC())
		where += fmt.Sprintf(" AND v.at >= $%d", len(args))
	}
	if f.To != nil {
		args = append(args, f.To.AddDate(0, 0, 1).UTC())
		where += fmt.Sprintf(" AND v.at < $%d", len(args))
	}
	if f.DepartmentID != nil {
		args = append(args, int64(*f.DepartmentID))
		where += fmt.Sprintf(" AND v.department_id = $%d", len(args))
	}
	type groupKey struct {
		dep      int64
		scenario string
	}
	rows := map[groupKey]*lists.StatsRow{}
	get := func(dep sql.NullInt64, scenario, name string) *lists.StatsRow {
		k := groupKey{dep.Int64, scenario}
		r := rows[k]
		if r == nil {
			r = &lists.StatsRow{DepartmentID: credit.DepartmentID(dep.Int64), DepartmentName: name, Scenario: scenario}
			rows[k] = r
		}
		return r
	}
	err := scanAll(db.rows(ctx, `SELECT v.department_id, COALESCE(d.name, v.actor), v.scenario, COUNT(*), SUM(v.total), SUM(v.hits)
		FROM verifications v LEFT JOIN departments d ON d.id = v.department_id WHERE `+where+` GROUP BY v.department_id, COALESCE(d.name, v.actor), v.scenario`, args...),
		func(rs *sql.Rows) error {
			var dep sql.NullInt64
			var name, scenario string
			var n, total, hits int
			if err := rs.Scan(&dep, &name, &scenario, &n, &total, &hits); err != nil {
				return err
			}
			r := get(dep, scenario, name)
			r.Verifications += n
			r.Subjects += total
			r.Hits += hits
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("storage.VerificationStats: %w", err)
	}
	err = scanAll(db.rows(ctx, `SELECT v.department_id, COALESCE(d.name, v.actor), v.scenario, v.at, h.feedback_at
		FROM verification_hits h JOIN verifications v ON v.id = h.verification_id LEFT JOIN departments d ON d.id = v.department_id WHERE `+where, args...),
		func(rs *sql.Rows) error {
			var dep sql.NullInt64
			var name, scenario string
			var at time.Time
			var fbAt sql.NullTime
			if err := rs.Scan(&dep, &name, &scenario, &at, &fbAt); err != nil {
				return err
			}
			r := get(dep, scenario, name)
			due := db.Calendar.AddWorkingDays(credit.DateOf(at), days)
			switch {
			case fbAt.Valid:
				r.WithFeedback++
				if credit.DateOf(fbAt.Time).After(due) {
					r.Overdue++
				}
			case today.After(due):
				r.Overdue++
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("storage.VerificationStats: %w", err)
	}
	st := &lists.Stats{AsOf: today.Format(credit.DateLayout), FeedbackDays: days, Rows: []lists.StatsRow{}}
	for _, r := range rows {
		r.Rates()
		st.Rows = append(st.Rows, *r)
		st.Total.Verifications += r.Verifications
		st.Total.Subjects += r.Subjects
		st.Total.Hits += r.Hits
		st.Total.WithFeedback += r.WithFeedback
		st.Total.Overdue += r.Overdue
	}
	st.Total.Scenario = "合计"
	st.Total.Rates()
	sort.Slice(st.Rows, func(i, j int) bool {
		a, b := st.Rows[i], st.Rows[j]
		if a.DepartmentID != b.DepartmentID {
			return a.DepartmentID < b.DepartmentID
		}
		return a.Scenario < b.Scenario
	})
	return st, nil
}
