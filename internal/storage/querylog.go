package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

var _ access.QueryLogService = (*DB)(nil)

// regionReads returns the ids of the reads made by the departments of a
// region (region_code LIKE like) and by the users who belong to it, by
// their department or their own region — a superset of the region's reads,
// which the caller narrows by the exact rule. ok is false when there are
// more than maxCandidates.
func (db *DB) regionReads(ctx context.Context, like string) (ids []any, ok bool, err error) {
	deps, err := db.ids(ctx, `SELECT id FROM departments WHERE region_code LIKE $1`, like)
	if err != nil {
		return nil, false, err
	}
	users, err := db.ids(ctx, `SELECT u.id FROM users u LEFT JOIN departments ud ON ud.id = u.department_id
		WHERE COALESCE(ud.region_code, u.region_code) LIKE $1`, like)
	if err != nil {
		return nil, false, err
	}
	for _, in := range []struct {
		col string
		ids []any
	}{{"department_id", deps}, {"user_id", users}} {
		if len(in.ids) == 0 {
			continue
		}
		part, ok, err := db.candidates(ctx, `SELECT id FROM query_log WHERE `+in.col+` IN (`+placeholders(1, len(in.ids))+`)`, in.ids...)
		if err != nil || !ok {
			return nil, false, err
		}
		ids = append(ids, part...)
	}
	if len(ids) > maxCandidates {
		return nil, false, nil
	}
	return ids, true, nil
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
		// Few reads by the region's departments and users are selected
		// by id, from the department and user indexes; with many, the
		// newest-first scan finds its page early. (An OR of the two
		// indexes made SQLite collect every read of the province first:
		// 52 s at a few million reads.)
		ids, ok, err := db.regionReads(ctx, like)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			if len(ids) == 0 {
				return nil, 0, nil
			}
			where = append(where, `q.id IN (`+placeholders(len(args)+1, len(ids))+`)`)
			args = append(args, ids...)
		}
		add(`COALESCE(d.region_code, ud.region_code, u.region_code) LIKE $?`, like)
	default:
		return nil, 0, credit.Errorf(credit.EFORBIDDEN, "无权查看查询登记")
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
