package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"jlcredit/internal/archive"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
)

var _ record.QueryService = (*DB)(nil)

// clause collects the conditions and arguments of a query, numbering the
// placeholders in the order they are added so that rebind stays safe.
type clause struct {
	conds []string
	args  []any
}

// add appends cond, in which each "$?" takes the next of vs.
func (w *clause) add(cond string, vs ...any) {
	for _, v := range vs {
		w.args = append(w.args, v)
		cond = strings.Replace(cond, "$?", fmt.Sprintf("$%d", len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

func (w *clause) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// next returns the placeholder of the next argument and adds v.
func (w *clause) next(v any) string {
	w.args = append(w.args, v)
	return fmt.Sprintf("$%d", len(w.args))
}

// jsonText returns the SQL expression of the text value of key in the JSON
// object column col; path is the placeholder holding "$.key" (SQLite) or
// "key" (PostgreSQL), as jsonPath returns.
func (db *DB) jsonText(col, path string) string {
	if db.dialect == Postgres {
		return "(" + col + "::jsonb ->> " + path + ")"
	}
	return "json_extract(" + col + ", " + path + ")"
}

func (db *DB) jsonPath(key string) string {
	if db.dialect == Postgres {
		return key
	}
	return "$." + key
}

// publicRecords adds the conditions under which archive.Visible shows a
// record of one of classes to the public on today: the SQL twin of the
// visibility policy, so that lists can page in the database. Rows are still
// checked with archive.Visible after reading. The query must join subjects
// as s; records are r.
func (db *DB) publicRecords(w *clause, classes []*catalog.Class, today credit.Date) {
	codes := make([]any, 0, len(classes))
	for _, c := range classes {
		if c.Disclosure == catalog.Public {
			codes = append(codes, c.Code)
		}
	}
	if len(codes) == 0 {
		w.add("1 = 0")
		return
	}
	w.add("r.class IN ("+strings.TrimSuffix(strings.Repeat("$?, ", len(codes)), ", ")+")", codes...)
	w.add("r.is_current")
	w.add("s.type <> $?", string(subject.Person))
	w.add("r.status NOT IN ($?, $?)", string(record.Withdrawn), string(record.Repaired))
	d := today.Format(credit.DateLayout)
	w.add("(r.public_from IS NULL OR r.public_from <= $?)", d)
	w.add("(r.public_until IS NULL OR r.public_until > $?)", d)
	for _, c := range classes {
		if c.Disclosure != catalog.Public || c.Roles.Status == "" {
			continue
		}
		cls := w.next(c.Code)
		path := w.next(db.jsonPath(c.Roles.Status))
		w.conds = append(w.conds, fmt.Sprintf("NOT (r.class = %s AND COALESCE(%s, '') = %s)", cls, db.jsonText("r.fields", path), w.next("无效")))
	}
}

// dualClasses returns the 双公示 classes of the catalog, or the one class
// named code.
func (db *DB) dualClasses(ctx context.Context, code string) ([]*catalog.Class, error) {
	cat, err := db.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	if code != "" {
		c, ok := cat.Class(code)
		if !ok {
			return nil, credit.Errorf(credit.ENOTFOUND, "信息类“%s”不存在", code)
		}
		return []*catalog.Class{c}, nil
	}
	var out []*catalog.Class
	for _, c := range cat.Classes {
		if c.DualPublicity {
			out = append(out, c)
		}
	}
	return out, nil
}

// FindRecords lists current records, newest decision first, as the actor
// may see them.
func (db *DB) FindRecords(ctx context.Context, f record.RecordFilter) ([]*record.Record, int, error) {
	aud := archive.AudienceOf(credit.ActorFromContext(ctx))
	classes, err := db.dualClasses(ctx, f.Class)
	if err != nil {
		return nil, 0, err
	}
	today := credit.DateOf(db.Now())
	w := &clause{}
	if aud == archive.Public {
		db.publicRecords(w, classes, today)
	} else {
		codes := make([]any, len(classes))
		for i, c := range classes {
			codes[i] = c.Code
		}
		w.add("r.class IN ("+strings.TrimSuffix(strings.Repeat("$?, ", len(codes)), ", ")+")", codes...)
		w.add("r.is_current")
	}
	if f.SubjectID != nil {
		w.add("r.subject_id = $?", int64(*f.SubjectID))
	}
	if f.DepartmentID != nil {
		w.add("r.department_id = $?", int64(*f.DepartmentID))
	}
	if f.RegionPrefix != "" {
		w.add("d.region_code LIKE $?", regionLike(f.RegionPrefix))
	}
	if f.From != nil {
		w.add("r.decision_date >= $?", f.From.Format(credit.DateLayout))
	}
	if f.To != nil {
		w.add("r.decision_date <= $?", f.To.Format(credit.DateLayout))
	}
	if err := db.recordText(w, f.Text); err != nil {
		return nil, 0, err
	}
	from := ` FROM records r JOIN subjects s ON s.id = r.subject_id JOIN departments d ON d.id = r.department_id`
	byCode := map[string]*catalog.Class{}
	for _, c := range classes {
		byCode[c.Code] = c
	}
	var out []*record.Record
	total, err := db.pageRecords(ctx, from, w, f.Limit, f.Offset, func(r *record.Record, typ subject.Type) error {
		if aud == archive.Public {
			c := byCode[r.Class]
			if c == nil || archive.Visible(aud, c, &subject.Subject{Type: typ}, r, today) != archive.Shown {
				return nil
			}
			r.Fields = archive.VisibleFields(aud, c, r)
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("storage.FindRecords: %w", err)
	}
	return out, total, nil
}

// recordText adds the condition of a free-text record search: a subject's
// full USCC, or a subject name (2+ characters, through the bigram index), or
// the start of the business key (the 文书号).
func (db *DB) recordText(w *clause, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	if code := subject.Normalize(text); len(code) == 18 && looksLikeCode(code) {
		w.add("s.uscc = $?", code)
		return nil
	}
	rs := searchRunes(text)
	if len(rs) < 2 {
		return credit.Errorf(credit.EINVALID, "请输入至少2个字的名称、统一社会信用代码或文书号")
	}
	if len(rs) > 50 {
		return credit.Errorf(credit.EINVALID, "查询内容过长，请输入不超过50个字")
	}
	contains := `strpos(lower(s.name), $?) > 0`
	if db.dialect == SQLite {
		contains = `instr(lower(s.name), $?) > 0`
	}
	w.add(`((r.subject_id IN (SELECT subject_id FROM subject_grams WHERE gram = $?) AND `+contains+`) OR r.key LIKE $? ESCAPE '\')`,
		nameGrams(text)[0], string(rs), likeEscape(subject.NormalizeText(text))+"%")
	return nil
}

// CountPublicRecords counts, per subject and class, the records the public
// sees today, in one query for a page of subjects.
func (db *DB) CountPublicRecords(ctx context.Context, ids []credit.SubjectID) (map[credit.SubjectID]map[string]int, error) {
	out := map[credit.SubjectID]map[string]int{}
	if len(ids) == 0 {
		return out, nil
	}
	cat, err := db.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	w := &clause{}
	db.publicRecords(w, cat.Classes, credit.DateOf(db.Now()))
	vs := make([]any, len(ids))
	for i, id := range ids {
		vs[i] = int64(id)
	}
	w.add("r.subject_id IN ("+strings.TrimSuffix(strings.Repeat("$?, ", len(vs)), ", ")+")", vs...)
	err = scanAll(db.rows(ctx, `SELECT r.subject_id, r.class, COUNT(*) FROM records r JOIN subjects s ON s.id = r.subject_id`+w.sql()+
		` GROUP BY r.subject_id, r.class`, w.args...), func(rows *sql.Rows) error {
		var id int64
		var class string
		var n int
		if err := rows.Scan(&id, &class, &n); err != nil {
			return err
		}
		m := out[credit.SubjectID(id)]
		if m == nil {
			m = map[string]int{}
			out[credit.SubjectID(id)] = m
		}
		m[class] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage.CountPublicRecords: %w", err)
	}
	return out, nil
}

// pageRecords runs one page of a record listing: from is the FROM clause
// (records r joined with subjects s, at least), w its conditions. It counts
// matches up to subject.MaxTotal, then calls each for the page's records
// (newest decision first) with their subject's type.
func (db *DB) pageRecords(ctx context.Context, from string, w *clause, limit, offset int, each func(*record.Record, subject.Type) error) (int, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	from += w.sql()
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1`+from+` LIMIT `+itoa(subject.MaxTotal)+`) t`, w.args...).Scan(&total); err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}
	if total == 0 {
		return 0, nil
	}
	n := len(w.args)
	args := append(w.args, limit, max(offset, 0))
	q := `SELECT ` + prefixed("r.", recordColumns) + `, s.type` + from +
		fmt.Sprintf(` ORDER BY r.decision_date DESC, r.id DESC LIMIT $%d OFFSET $%d`, n+1, n+2)
	return total, scanAll(db.rows(ctx, q, args...), func(rows *sql.Rows) error {
		var typ string
		r, err := scanRecord(rows, &typ)
		if err != nil {
			return err
		}
		return each(r, subject.Type(typ))
	})
}
