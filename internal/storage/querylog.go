package storage

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

var _ access.QueryLogService = (*DB)(nil)

// regionReads returns the ids of the newest reads (at most limit, newest
// first) that match f and were made by a department of a region
// (region_code LIKE like) or by a user who belongs to it, by their
// department or their own region — a superset of the region's reads, which
// the caller narrows by the exact rule. Each department's and user's reads
// are read newest first from the (department_id, at) and (user_id, at)
// indexes and merged: the cost is bounded by the region's own reads. (A
// COALESCE of the regions scanned the province's log: 20 s at 9 million
// rows when the region's reads were few among them; an OR of the two
// indexes made SQLite collect every read of the province first.)
func (db *DB) regionReads(ctx context.Context, like string, f access.QueryLogFilter, limit int) ([]any, error) {
	deps, err := db.ids(ctx, `SELECT id FROM departments WHERE region_code LIKE $1`, like)
	if err != nil {
		return nil, err
	}
	users, err := db.ids(ctx, `SELECT u.id FROM users u LEFT JOIN departments ud ON ud.id = u.department_id
		WHERE COALESCE(ud.region_code, u.region_code) LIKE $1`, like)
	if err != nil {
		return nil, err
	}
	conds, vals := queryLogFilter(f, 2)
	type read struct {
		id int64
		at time.Time
	}
	var reads []read
	seen := map[int64]bool{}
	for _, in := range []struct {
		col string
		ids []any
	}{{"department_id", deps}, {"user_id", users}} {
		for _, who := range in.ids {
			err := scanAll(db.rows(ctx, `SELECT q.id, q.at FROM query_log q WHERE q.`+in.col+` = $1`+conds+
				` ORDER BY q.at DESC, q.id DESC LIMIT `+itoa(int64(limit)), append([]any{who}, vals...)...), func(rows *sql.Rows) error {
				var r read
				if err := rows.Scan(&r.id, &r.at); err != nil {
					return err
				}
				if !seen[r.id] {
					seen[r.id] = true
					reads = append(reads, r)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	slices.SortFunc(reads, func(a, b read) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
	ids := make([]any, 0, min(len(reads), limit))
	for _, r := range reads[:min(len(reads), limit)] {
		ids = append(ids, r.id)
	}
	return ids, nil
}

// queryLogFilter returns f's conditions on query_log q's own columns, as
// " AND …" with placeholders from $first, and their values.
func queryLogFilter(f access.QueryLogFilter, first int) (string, []any) {
	var b strings.Builder
	var vals []any
	add := func(cond string, v any) {
		vals = append(vals, v)
		b.WriteString(" AND " + strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", first+len(vals)-1)))
	}
	if f.SubjectID != nil {
		add(`q.subject_id = $?`, int64(*f.SubjectID))
	}
	if f.DepartmentID != nil {
		add(`q.department_id = $?`, int64(*f.DepartmentID))
	}
	if f.UserID != nil {
		add(`q.user_id = $?`, int64(*f.UserID))
	}
	if s := strings.TrimSpace(f.Actor); s != "" {
		add(`q.actor LIKE $? ESCAPE '\'`, "%"+likeEscape(s)+"%")
	}
	if s := strings.TrimSpace(f.Purpose); s != "" {
		add(`q.purpose LIKE $? ESCAPE '\'`, "%"+likeEscape(s)+"%")
	}
	if f.From != nil {
		add(`q.at >= $?`, f.From.UTC())
	}
	if f.To != nil {
		add(`q.at < $?`, f.To.UTC())
	}
	return b.String(), vals
}

// FindQueryLog returns query-log entries within the actor's scope, newest
// first. A region administrator sees the reads made by departments and
// users of its region.
func (db *DB) FindQueryLog(ctx context.Context, f access.QueryLogFilter) ([]*access.QueryLogEntry, int, error) {
	actor := credit.ActorFromContext(ctx)
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args))))
	}
	switch actor.Role {
	case credit.RoleSystem, credit.RoleProvince, credit.RoleAuditor:
	case credit.RoleRegion:
		if actor.RegionCode == "" || !access.Can(actor, access.ActionViewQueryLog, access.Target{RegionCode: actor.RegionCode}) {
			return nil, 0, credit.Errorf(credit.EFORBIDDEN, "无权查看查询登记")
		}
		like := regionLike(actor.RegionCode)
		// The region's newest reads that match, by id (regionReads), then
		// the exact rule.
		ids, err := db.regionReads(ctx, like, f, subject.TotalCap(f.Offset))
		if err != nil {
			return nil, 0, err
		}
		if len(ids) == 0 {
			return nil, 0, nil
		}
		where = append(where, `q.id IN (`+placeholders(len(args)+1, len(ids))+`)`)
		args = append(args, ids...)
		add(`COALESCE(d.region_code, ud.region_code, u.region_code) LIKE $?`, like)
	default:
		return nil, 0, credit.Errorf(credit.EFORBIDDEN, "无权查看查询登记")
	}
	if conds, vals := queryLogFilter(f, len(args)+1); conds != "" {
		where = append(where, strings.TrimPrefix(conds, " AND "))
		args = append(args, vals...)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	joins := `
		FROM query_log q
		JOIN subjects s ON s.id = q.subject_id
		LEFT JOIN departments d ON d.id = q.department_id
		LEFT JOIN users u ON u.id = q.user_id
		LEFT JOIN departments ud ON ud.id = u.department_id`
	from := joins
	if len(where) > 0 {
		from += ` WHERE ` + strings.Join(where, ` AND `)
	}
	// The total is counted up to subject.TotalCap: an exact count of
	// millions of reads (COUNT(*) OVER ()) took 39 s for the unfiltered
	// first page at a few million rows. Fewer matches than that are then
	// read by id, so that the page does not scan the whole log newest
	// first looking for them.
	ids, err := db.ids(ctx, `SELECT q.id`+from+` LIMIT `+itoa(int64(subject.TotalCap(f.Offset))), args...)
	if err != nil {
		return nil, 0, err
	}
	total := len(ids)
	if total == 0 {
		return nil, 0, nil
	}
	if total < subject.MaxTotal {
		from = joins + ` WHERE q.id IN (` + placeholders(1, len(ids)) + `)`
		args = ids
	}
	args = append(args, f.Limit, max(f.Offset, 0))
	q := `SELECT q.id, q.at, q.actor, q.role, COALESCE(q.department_id, 0), COALESCE(d.name, ud.name, ''), COALESCE(q.user_id, 0),
		q.subject_id, CASE WHEN s.display_name <> '' THEN s.display_name ELSE s.name END, COALESCE(s.uscc, s.cid_masked), q.purpose, q.channel, q.what` + from +
		fmt.Sprintf(` ORDER BY q.at DESC, q.id DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	var out []*access.QueryLogEntry
	err = scanAll(db.rows(ctx, q, args...), func(rows *sql.Rows) error {
		var e access.QueryLogEntry
		var dep, user, subj int64
		var role string
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &role, &dep, &e.DepartmentName, &user, &subj, &e.SubjectName, &e.SubjectCode,
			&e.Purpose, &e.Channel, &e.What); err != nil {
			return err
		}
		e.Role, e.DepartmentID, e.UserID, e.SubjectID = credit.Role(role), credit.DepartmentID(dep), credit.UserID(user), credit.SubjectID(subj)
		e.At = e.At.UTC()
		out = append(out, &e)
		return nil
	})
	return out, total, err
}
