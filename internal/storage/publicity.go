package storage

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
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
//
// Disclosure is a record's, not only its class's (catalog.DisclosureOf): a
// class's disclosure_by gives some values of one of its fields their own
// disclosure (list_entry: 重点关注名单 is shared), and publicDisclosure turns
// those values into conditions.
func (db *DB) publicRecords(w *clause, classes []*catalog.Class, today credit.Date) {
	codes := make([]any, 0, len(classes))
	for _, c := range classes {
		if mayBePublic(c) {
			codes = append(codes, c.Code)
		}
	}
	if len(codes) == 0 {
		w.add("1 = 0")
		return
	}
	w.add("r.class IN ("+marks(len(codes))+")", codes...)
	w.add("r.is_current")
	w.add("s.type <> $?", string(subject.Person))
	w.add("r.status NOT IN ($?, $?)", string(record.Withdrawn), string(record.Repaired))
	d := today.Format(credit.DateLayout)
	w.add("(r.public_from IS NULL OR r.public_from <= $?)", d)
	w.add("(r.public_until IS NULL OR r.public_until > $?)", d)
	for _, c := range classes {
		if mayBePublic(c) {
			db.publicDisclosure(w, c)
		}
	}
	for _, c := range classes {
		if !mayBePublic(c) || c.Roles.Status == "" {
			continue
		}
		cls := w.next(c.Code)
		path := w.next(db.jsonPath(c.Roles.Status))
		w.conds = append(w.conds, fmt.Sprintf("NOT (r.class = %s AND COALESCE(%s, '') = %s)", cls, db.jsonText("r.fields", path), w.next("无效")))
	}
}

// mayBePublic reports whether some records of c are 主动公开: the class is,
// or one value of its disclosure_by field makes a record so.
func mayBePublic(c *catalog.Class) bool {
	if c.Disclosure == catalog.Public {
		return true
	}
	if c.DisclosureBy != nil {
		for _, d := range c.DisclosureBy.Values {
			if d == catalog.Public {
				return true
			}
		}
	}
	return false
}

// publicDisclosure adds, for a class with a disclosure_by rule, the
// condition that leaves out its records that are not 主动公开 by the value
// of the rule's field, as catalog.DisclosureOf decides: of a public class,
// those whose value is listed as not public; of another class, those whose
// value is not listed as public. A missing field reads as "", as in
// DisclosureOf.
func (db *DB) publicDisclosure(w *clause, c *catalog.Class) {
	rule := c.DisclosureBy
	if rule == nil || len(rule.Values) == 0 {
		return
	}
	var public, other []any
	for _, v := range slices.Sorted(maps.Keys(rule.Values)) {
		if rule.Values[v] == catalog.Public {
			public = append(public, v)
		} else {
			other = append(other, v)
		}
	}
	op, vs := "IN", other // a public class: leave out the values listed as not public
	if c.Disclosure != catalog.Public {
		op, vs = "NOT IN", public // another: keep only the values listed as public
	}
	if len(vs) == 0 {
		if c.Disclosure != catalog.Public {
			w.add("r.class <> $?", c.Code)
		}
		return
	}
	cls := w.next(c.Code)
	path := w.next(db.jsonPath(rule.Field))
	in := make([]string, len(vs))
	for i, v := range vs {
		in[i] = w.next(v)
	}
	w.conds = append(w.conds, fmt.Sprintf("NOT (r.class = %s AND COALESCE(%s, '') %s (%s))", cls, db.jsonText("r.fields", path), op, strings.Join(in, ", ")))
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
	if err := checkRegion(f.RegionPrefix); err != nil {
		return nil, 0, err
	}
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
		w.add("r.class IN ("+marks(len(codes))+")", codes...)
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
	driven, err := db.departmentRecords(ctx, w, f, classes)
	if err != nil {
		return nil, 0, err
	}
	if f.From != nil {
		w.add("r.decision_date >= $?", f.From.Format(credit.DateLayout))
	}
	if f.To != nil {
		w.add("r.decision_date <= $?", f.To.Format(credit.DateLayout))
	}
	if err := db.recordText(ctx, w, f.Text, classes, driven); err != nil {
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
			archive.HideInternal(r)
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
// the start of the business key (the 文书号) of a record of one of classes.
//
// The name and the key are first turned into candidates with index lookups
// (subjects whose name contains the text, starting from its two rarest
// bigrams; records whose key starts with it, a range of the current-key
// index), and the records are then selected by those ids. A text that
// matches more than maxCandidates subjects or keys keeps the old
// condition for that part: the newest-first scan then stops early because
// matches are everywhere. (The old condition alone, an OR the database
// cannot serve from an index, scanned every record for a rare name: 6.6 s
// at 1,000,000 records.) Key prefixes compare exactly, case included, on
// both databases.
//
// When the listing is already narrowed to candidate record ids (driven),
// the text's id lists are written so that no index can use them (+x): SQLite
// would otherwise probe the subject index with every pair of a subject and
// a record id (1 s for 12,000 records in the demo province).
func (db *DB) recordText(ctx context.Context, w *clause, text string, classes []*catalog.Class, driven bool) error {
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
	var terms []string
	var args []any
	plus := ""
	if driven {
		plus = "+"
	}
	// Subjects by name.
	subjects, ok, err := db.textSubjects(ctx, text, string(rs))
	if err != nil {
		return err
	}
	switch {
	case !ok:
		contains := `strpos(lower(s.name), $?) > 0`
		if db.dialect == SQLite {
			contains = `instr(lower(s.name), $?) > 0`
		}
		terms = append(terms, `(`+plus+`r.subject_id IN (SELECT subject_id FROM subject_grams WHERE gram = $?) AND `+contains+`)`)
		args = append(args, nameGrams(text)[0], string(rs))
	case len(subjects) > 0:
		terms = append(terms, plus+`r.subject_id IN (`+marks(len(subjects))+`)`)
		args = append(args, subjects...)
	}
	// Records by the start of their key.
	prefix := subject.NormalizeText(text)
	records, ok, err := db.keyPrefixRecords(ctx, prefix, classes)
	if err != nil {
		return err
	}
	switch {
	case !ok:
		// Too many to filter: the range of what may be matched as
		// stored (a wider one than asked for when the prefix reaches
		// into the masked digits of an identity number).
		safe, _ := idSafePrefix(prefix)
		terms = append(terms, `(r.key >= $? AND r.key < $?)`)
		args = append(args, safe, safe+keyPrefixEnd)
	case len(records) > 0:
		terms = append(terms, plus+`r.id IN (`+marks(len(records))+`)`)
		args = append(args, records...)
	}
	if len(terms) == 0 {
		w.add("1 = 0")
		return nil
	}
	w.add("("+strings.Join(terms, " OR ")+")", args...)
	return nil
}

// departmentRecords narrows a listing filtered by deciding department (one,
// or those of a region) to the ids of their current records, read from the
// records_department index, when there are at most maxCandidates of
// them (driven); with more, the newest-first scan finds its page early and
// the department conditions alone stay.
func (db *DB) departmentRecords(ctx context.Context, w *clause, f record.RecordFilter, classes []*catalog.Class) (driven bool, err error) {
	if f.DepartmentID == nil && f.RegionPrefix == "" {
		return false, nil
	}
	var deps []any
	if f.RegionPrefix != "" {
		q, args := `SELECT id FROM departments WHERE region_code LIKE $1`, []any{regionLike(f.RegionPrefix)}
		if f.DepartmentID != nil {
			q += ` AND id = $2`
			args = append(args, int64(*f.DepartmentID))
		}
		if deps, err = db.ids(ctx, q, args...); err != nil {
			return false, err
		}
	} else {
		deps = []any{int64(*f.DepartmentID)}
	}
	if len(deps) == 0 || len(classes) == 0 {
		w.add("1 = 0")
		return false, nil
	}
	args := append([]any{}, deps...)
	for _, c := range classes {
		args = append(args, c.Code)
	}
	ids, ok, err := db.candidates(ctx, `SELECT id FROM records WHERE department_id IN (`+placeholders(1, len(deps))+`) AND class IN (`+
		placeholders(len(deps)+1, len(classes))+`) AND is_current`, args...)
	switch {
	case err != nil || !ok:
		return false, err
	case len(ids) == 0:
		w.add("1 = 0")
		return false, nil
	}
	w.add(`r.id IN (`+marks(len(ids))+`)`, ids...)
	return true, nil
}

// marks returns n "$?" placeholders for clause.add, separated by commas.
func marks(n int) string { return strings.TrimSuffix(strings.Repeat("$?, ", n), ", ") }

// maxCandidates bounds the subjects or records a listing's text or
// department filter selects by id; beyond it, see recordText and
// departmentRecords.
var maxCandidates = 1000

// textSubjects returns the ids of the subjects (persons excluded) whose
// lower-cased name contains lower, found from the two rarest bigrams of
// text; ok is false when there are more than maxCandidates.
func (db *DB) textSubjects(ctx context.Context, text, lower string) (ids []any, ok bool, err error) {
	grams, err := db.rarestGrams(ctx, nameGrams(text))
	if err != nil || grams == nil {
		return nil, err == nil, err
	}
	fn := `strpos`
	if db.dialect == SQLite {
		fn = `instr`
	}
	q := `SELECT g.subject_id FROM subject_grams g JOIN subjects s ON s.id = g.subject_id WHERE g.gram = $1 AND ` + fn + `(lower(s.name), $2) > 0`
	args := []any{grams[0], lower}
	if len(grams) > 1 {
		q = `SELECT g.subject_id FROM subject_grams g JOIN subject_grams g2 ON g2.subject_id = g.subject_id JOIN subjects s ON s.id = g.subject_id
			WHERE g.gram = $1 AND g2.gram = $2 AND ` + fn + `(lower(s.name), $3) > 0`
		args = []any{grams[0], grams[1], lower}
	}
	return db.candidates(ctx, q+` AND s.type <> 'person'`, args...)
}

// candidates runs q, which selects ids, and returns at most maxCandidates
// of them; ok is false when there are more.
func (db *DB) candidates(ctx context.Context, q string, args ...any) (ids []any, ok bool, err error) {
	ids, err = db.ids(ctx, q+` LIMIT `+itoa(int64(maxCandidates+1)), args...)
	if err != nil || len(ids) > maxCandidates {
		return nil, false, err
	}
	return ids, true, nil
}

// ids runs q, which selects one integer column, and returns its values as
// arguments for another statement.
func (db *DB) ids(ctx context.Context, q string, args ...any) ([]any, error) {
	var ids []any
	err := scanAll(db.rows(ctx, q, args...), func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		ids = append(ids, id)
		return err
	})
	return ids, err
}

// countCapped counts the rows that from (a FROM … WHERE clause) selects,
// up to subject.TotalCap(offset): a listing's total, where an exact count
// would read every match for one page ("1,000+" beyond it).
func (db *DB) countCapped(ctx context.Context, from string, offset int, args ...any) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 `+from+` LIMIT `+itoa(int64(subject.TotalCap(offset)))+`) t`, args...).Scan(&n)
	return n, err
}

// keyPrefixEnd ends the range of keys that start with a prefix: every key
// starting with p sorts at or after p and before p + keyPrefixEnd (the
// highest code point) in byte order.
const keyPrefixEnd = "\U0010FFFF"

// keyPrefixRecords returns the ids of the current records of classes whose
// business key starts with prefix (a range of the current-key index); ok
// is false when there are more than maxCandidates.
//
// A key is matched as it is shown, with the digits of an identity number
// in it masked (subject.MaskIDsInText): a prefix that reaches into them
// finds nothing, whatever they are, so that trying one digit after
// another cannot recover a birth date from a 文书号 that contains an ID.
func (db *DB) keyPrefixRecords(ctx context.Context, prefix string, classes []*catalog.Class) (ids []any, ok bool, err error) {
	if prefix == "" || len(classes) == 0 {
		return nil, true, nil
	}
	safe, cut := idSafePrefix(prefix)
	args := []any{safe, safe + keyPrefixEnd}
	var in []string
	for _, c := range classes {
		args = append(args, c.Code)
		in = append(in, "$"+itoa(int64(len(args))))
	}
	// The range is the prefix in byte order (SQLite's BINARY collation; the
	// C.UTF-8 collation the PostgreSQL cluster is created with).
	q := `SELECT id FROM records WHERE key >= $1 AND key < $2 AND class IN (` + strings.Join(in, ", ") + `) AND is_current`
	if !cut {
		return db.candidates(ctx, q, args...)
	}
	q = strings.Replace(q, `SELECT id FROM`, `SELECT id, key FROM`, 1) + ` LIMIT ` + itoa(int64(maxCandidates+1))
	n := 0
	err = scanAll(db.rows(ctx, q, args...), func(rows *sql.Rows) error {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return err
		}
		n++
		if strings.HasPrefix(subject.MaskIDsInText(key), prefix) {
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil || n > maxCandidates {
		return nil, false, err
	}
	return ids, true, nil
}

// idSafePrefix returns prefix up to the seventh digit (or mask character)
// of its first run of seven or more, and whether it was cut there: an identity number
// written in a key shows its first six digits (the region) and hides the
// next eight, so matching stored keys beyond the sixth would tell whether
// the hidden ones are what the prefix says.
//
// Digits count across the separators an ID may be written with in groups
// (220102-19770303-0072, as subject.MaskIDsInText reads them).
func idSafePrefix(prefix string) (string, bool) {
	run := 0
	for i := 0; i < len(prefix); i++ {
		switch c := prefix[i]; {
		case c >= '0' && c <= '9', c == '*': // '*': pasted as shown
			if run++; run == 7 {
				return prefix[:i], true
			}
		case c == ' ' || c == '-' || c == '.' || c == '/':
		default:
			run = 0
		}
	}
	return prefix, false
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
	w.add("r.subject_id IN ("+marks(len(vs))+")", vs...)
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
// matches up to subject.TotalCap(offset), then calls each for the page's records
// (newest decision first) with their subject's type.
func (db *DB) pageRecords(ctx context.Context, from string, w *clause, limit, offset int, each func(*record.Record, subject.Type) error) (int, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	from += w.sql()
	total, err := db.countCapped(ctx, from, offset, w.args...)
	if err != nil {
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
