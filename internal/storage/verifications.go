package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/subject"
)

// FindVerifications returns the verifications the actor may see, newest
// first: a department its own, province administrators and auditors every
// one (or one department's, f.DepartmentID), made on the days f.From to
// f.To (Asia/Shanghai, both included). Each comes with its answer and the
// feedback progress of its hits, as FindVerificationByID gives it. The
// total is counted up to subject.TotalCap.
func (db *DB) FindVerifications(ctx context.Context, f lists.StatsFilter, offset, limit int) ([]*lists.Verification, int, error) {
	actor := credit.ActorFromContext(ctx)
	w := &clause{}
	switch {
	case actor.Role == credit.RolePublic:
		return nil, 0, credit.Errorf(credit.EUNAUTHORIZED, "需要提供API密钥或登录")
	case actor.Role == credit.RoleDepartment && actor.DepartmentID != 0:
		w.add(`v.department_id = $?`, int64(actor.DepartmentID)) // its own, whatever f says
	case access.Can(actor, access.ActionViewQueryLog, access.Target{}) && actor.Role != credit.RoleRegion:
		if f.DepartmentID != nil {
			w.add(`v.department_id = $?`, int64(*f.DepartmentID))
		}
	default:
		return nil, 0, credit.Errorf(credit.EFORBIDDEN, "无权查看核查记录")
	}
	if f.From != nil {
		w.add(`v.at >= $?`, credit.StartOfDay(*f.From).UTC())
	}
	if f.To != nil {
		w.add(`v.at < $?`, credit.StartOfDay(f.To.AddDate(0, 0, 1)).UTC())
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	from := ` FROM verifications v` + w.sql()
	// Newest first by time, then id: the order of the (department_id, at)
	// and (at) indexes (the id breaks ties; SQLite's indexes end with it).
	// Ordered by id alone, both databases sorted or filtered every
	// matching verification for one page: 16–24 s at 10 million.
	ids, err := db.ids(ctx, `SELECT v.id`+from+` ORDER BY v.at DESC, v.id DESC LIMIT `+itoa(int64(subject.TotalCap(offset))), w.args...)
	if err != nil {
		return nil, 0, err
	}
	total := len(ids)
	if offset >= total {
		return nil, total, nil
	}
	page := ids[max(offset, 0):min(max(offset, 0)+limit, total)]
	byID, err := db.readVerifications(ctx, page)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*lists.Verification, 0, len(page))
	for _, id := range page {
		if v := byID[id.(int64)]; v != nil {
			out = append(out, v)
		}
	}
	return out, total, nil
}

// readVerifications reads stored verifications by id, with their answers
// and the feedback progress of their hits; ids not found are absent. It
// decides nothing about who may see them.
func (db *DB) readVerifications(ctx context.Context, ids []any) (map[int64]*lists.Verification, error) {
	byID := map[int64]*lists.Verification{}
	err := scanAll(db.rows(ctx, `SELECT v.id, v.at, v.actor, v.department_id, d.code, d.name, d.kind, v.scenario, v.purpose, v.data_version, v.total, v.found, v.hits, v.feedback_due, v.answer, v.repeats
		FROM verifications v LEFT JOIN departments d ON d.id = v.department_id WHERE v.id IN (`+placeholders(1, len(ids))+`)`, ids...),
		func(rows *sql.Rows) error {
			v := &lists.Verification{}
			var dep sql.NullInt64
			var due, depCode, depName, depKind sql.NullString
			var answer string
			if err := rows.Scan(&v.ID, &v.At, &v.Actor, &dep, &depCode, &depName, &depKind, &v.Scenario, &v.Purpose, &v.DataVersion, &v.Total, &v.Found, &v.Hits, &due, &answer, &v.Repeats); err != nil {
				return err
			}
			v.At = v.At.UTC()
			v.DepartmentID, v.FeedbackDue, v.AsOf = credit.DepartmentID(dep.Int64), due.String, credit.DateOf(v.At).Format(credit.DateLayout)
			v.DepartmentCode, v.DepartmentName, v.DepartmentKind = depCode.String, depName.String, depKind.String
			if err := json.Unmarshal([]byte(answer), &v.Results); err != nil {
				return fmt.Errorf("verification %d: answer: %w", v.ID, err)
			}
			if v.FeedbackDue != "" {
				// The deadline by today's calendar, as the statistics count
				// it: a year's 放假安排 loaded after the verification (the
				// stored date then counted its holidays as working days)
				// moves it.
				v.FeedbackDue = db.Calendar().AddWorkingDays(credit.DateOf(v.At), lists.FeedbackDays).Format(credit.DateLayout)
				for i := range v.Results {
					if f := v.Results[i].Feedback; f != nil {
						f.Due = v.FeedbackDue
					}
				}
			}
			byID[v.ID] = v
			return nil
		})
	if err != nil || len(byID) == 0 {
		return byID, err
	}
	err = scanAll(db.rows(ctx, `SELECT verification_id, seq FROM verification_hits WHERE feedback_at IS NOT NULL AND verification_id IN (`+placeholders(1, len(ids))+`)`, ids...),
		func(rows *sql.Rows) error {
			var id int64
			var seq int
			if err := rows.Scan(&id, &seq); err != nil {
				return err
			}
			if v := byID[id]; v != nil && seq >= 1 && seq <= len(v.Results) && v.Results[seq-1].Feedback != nil {
				v.Results[seq-1].Feedback.Given = true
			}
			return nil
		})
	return byID, err
}
