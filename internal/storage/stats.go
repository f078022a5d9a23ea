package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
)

// Headline returns the portal's headline figures. Callers cache them: the
// counts scan the 双公示 classes.
func (db *DB) Headline(ctx context.Context) (*record.Headline, error) {
	h := &record.Headline{AsOf: db.Now().UTC()}
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM subjects`).Scan(&h.Subjects); err != nil {
		return nil, fmt.Errorf("storage.Headline: %w", err)
	}
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM records WHERE is_current`).Scan(&h.Records); err != nil {
		return nil, fmt.Errorf("storage.Headline: %w", err)
	}
	classes, err := db.dualClasses(ctx, "")
	if err != nil {
		return nil, err
	}
	today := credit.DateOf(db.Now())
	w := &clause{}
	month := w.next(credit.MakeDate(today.Year(), today.Month(), 1).Format(credit.DateLayout))
	db.publicRecords(w, classes, today)
	var inMonth sql.NullInt64
	err = db.queryRow(ctx, `SELECT COUNT(*), SUM(CASE WHEN r.decision_date >= `+month+` THEN 1 ELSE 0 END)
		FROM records r JOIN subjects s ON s.id = r.subject_id`+w.sql(), w.args...).Scan(&h.DualPublicity, &inMonth)
	if err != nil {
		return nil, fmt.Errorf("storage.Headline: %w", err)
	}
	h.DualPublicityMonth = int(inMonth.Int64)
	return h, nil
}

// batchScope adds the conditions that limit batches to those the actor may
// see (as FindBatches does) and those f selects. The query joins
// departments as d and batches as b.
func batchScope(ctx context.Context, w *clause, f record.BatchFilter) error {
	actor := credit.ActorFromContext(ctx)
	switch actor.Role {
	case credit.RoleProvince, credit.RoleSystem, credit.RoleAuditor:
	case credit.RoleRegion:
		if actor.RegionCode == "" {
			return credit.Errorf(credit.EFORBIDDEN, "无权查看报送批次")
		}
		w.add(`d.region_code LIKE $?`, regionLike(actor.RegionCode))
	case credit.RoleDepartment:
		w.add(`b.department_id = $?`, int64(actor.DepartmentID))
	default:
		return credit.Errorf(credit.EFORBIDDEN, "无权查看报送批次")
	}
	if f.DepartmentID != nil {
		w.add(`b.department_id = $?`, int64(*f.DepartmentID))
	}
	if f.Class != "" {
		w.add(`b.class = $?`, f.Class)
	}
	if f.Since != nil {
		w.add(`b.created_at >= $?`, f.Since.UTC())
	}
	return nil
}

// dayExpr is the SQL expression of the Asia/Shanghai date (yyyy-MM-dd) of
// a UTC timestamp column.
func (db *DB) dayExpr(col string) string {
	if db.dialect == Postgres {
		return `to_char(` + col + ` AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')`
	}
	return `date(` + col + `, '+8 hours')`
}

// SummarizeBatches sums the visible batches matching f, overall and per day
// (Asia/Shanghai) from f.Since to today; days without batches are zero.
func (db *DB) SummarizeBatches(ctx context.Context, f record.BatchFilter) (*record.BatchSummary, []record.DaySummary, error) {
	// The 及时率 rates rows of classes with a reporting deadline only.
	// (The placeholders of the select list come first: on SQLite they
	// are positional.)
	cat, err := db.Catalog(ctx)
	if err != nil {
		return nil, nil, err
	}
	w := &clause{}
	unrated := `b.backfill`
	var rated []string
	for _, c := range cat.Classes {
		if c.TimelinessDays > 0 {
			rated = append(rated, w.next(c.Code))
		}
	}
	if len(rated) > 0 {
		unrated += ` OR b.class NOT IN (` + strings.Join(rated, ", ") + `)`
	}
	if err := batchScope(ctx, w, f); err != nil {
		return nil, nil, err
	}
	// What departments reported: not the versions the platform writes
	// in their name (removals, expiries: channel system; policy applied
	// again: ChannelReapply).
	w.add(`b.channel NOT IN ($?, $?)`, ChannelSystem, ChannelReapply)
	day := db.dayExpr("b.created_at")
	byDay := map[string]record.BatchSummary{}
	var sum record.BatchSummary
	err = scanAll(db.rows(ctx, `SELECT `+day+`, COUNT(*), COALESCE(SUM(b.total), 0), COALESCE(SUM(b.accepted), 0), COALESCE(SUM(b.rejected), 0),
		COALESCE(SUM(b.duplicates), 0), COALESCE(SUM(b.late), 0), COALESCE(SUM(CASE WHEN `+unrated+` THEN b.accepted ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN b.status = 'failed' THEN 1 ELSE 0 END), 0)
		FROM batches b JOIN departments d ON d.id = b.department_id`+w.sql()+` GROUP BY `+day, w.args...),
		func(rows *sql.Rows) error {
			var d sql.NullString
			var s record.BatchSummary
			if err := rows.Scan(&d, &s.Batches, &s.Total, &s.Accepted, &s.Rejected, &s.Duplicates, &s.Late, &s.Unrated, &s.Failed); err != nil {
				return err
			}
			byDay[d.String] = s
			sum.Batches += s.Batches
			sum.Total += s.Total
			sum.Accepted += s.Accepted
			sum.Rejected += s.Rejected
			sum.Duplicates += s.Duplicates
			sum.Late += s.Late
			sum.Unrated += s.Unrated
			sum.Failed += s.Failed
			return nil
		})
	if err != nil {
		return nil, nil, fmt.Errorf("storage.SummarizeBatches: %w", err)
	}
	var days []record.DaySummary
	if f.Since != nil {
		today := credit.DateOf(db.Now())
		for d := credit.DateOf(*f.Since); !d.After(today) && len(days) < 400; d = d.AddDate(0, 0, 1) {
			days = append(days, record.DaySummary{Day: d, BatchSummary: byDay[d.Format(credit.DateLayout)]})
		}
	}
	return &sum, days, nil
}
