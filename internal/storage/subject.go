package storage

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"unicode"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
)

var _ subject.Service = (*DB)(nil)

// subjectColumns returns a subject's columns as scanSubject reads them, for
// the subjects row named alias ("subjects" or a query's alias). name is the
// normalised name every lookup matches on; display_name, when set, the name
// as written, which is what Subject.Name shows.
//
// Verified (主体核验) is derived, not stored: whether a current, unwithdrawn
// record of a registering class (catalog.Class.Registers: 登记注册基本信息)
// sent by the subject's registration authority (catalog.Class.RegisteredBy:
// a department of a kind that registers the 登记管理部门码 of its code)
// names the subject, one probe of records_subject and its department. The
// subjects row stays what the record that created it implied (ledger verify
// checks it, and that its verified column is never set), and a
// registration withdrawn later takes the mark away with it.
func (db *DB) subjectColumns(alias string) string {
	verified := "FALSE"
	if c, err := db.Catalog(context.Background()); err == nil {
		if cond := verifiedCondition(c, alias); cond != "" {
			verified = cond
		}
	}
	return prefixed(alias+".", `id, type, name, display_name, uscc, cid_masked, region_code, legal_rep`) + `, ` + verified + `, ` + prefixed(alias+".", `created_at, updated_at`)
}

// verifiedCondition is the SQL of Subject.Verified for the subjects row
// named alias, "" when the catalog has no registering class.
func verifiedCondition(c *catalog.Catalog, alias string) string {
	cond := registrationSQL(c, alias)
	if cond == "" {
		return ""
	}
	return `EXISTS (SELECT 1 FROM records vr WHERE vr.subject_id = ` + alias + `.id AND vr.is_current AND vr.status <> '` + string(record.Withdrawn) +
		`' AND ` + cond + `)`
}

func scanSubject(s interface{ Scan(...any) error }, extra ...any) (*subject.Subject, error) {
	var v subject.Subject
	var id int64
	var uscc sql.NullString
	var display string
	dest := append([]any{&id, &v.Type, &v.Name, &display, &uscc, &v.CitizenIDMasked, &v.RegionCode, &v.LegalRep, &v.Verified, &v.CreatedAt, &v.UpdatedAt}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	v.ID = credit.SubjectID(id)
	v.USCC, v.Name = uscc.String, shownName(v.Name, display)
	return &v, nil
}

// FindSubjectByCode finds a subject by USCC or, for persons, citizen ID.
func (db *DB) FindSubjectByCode(ctx context.Context, code string) (*subject.Subject, error) {
	code = subject.Normalize(code)
	s, err := scanSubject(db.queryRow(ctx, `SELECT `+db.subjectColumns("subjects")+` FROM subjects WHERE uscc = $1`, code))
	if errors.Is(err, sql.ErrNoRows) && len(code) == 18 && isDigits(code[:17]) {
		s, err = scanSubject(db.queryRow(ctx, `SELECT `+db.subjectColumns("subjects")+` FROM subjects WHERE cid_hash = $1`, db.Secrets.HashCitizenID(code)))
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, subjectNotFound(code)
	}
	return s, err
}

// subjectNotFound is the error for a code that names no subject the reader
// may see. The code is echoed masked when it may be a citizen ID (the
// message reaches pages and logs), clipped, and an empty one is named so.
func subjectNotFound(code string) error {
	if code == "" {
		return credit.Errorf(credit.ENOTFOUND, "未提供统一社会信用代码")
	}
	return credit.Errorf(credit.ENOTFOUND, "未找到代码为“%s”的信用主体", lists.MaskCode(credit.Clip(code, 32)))
}

// FindSubjectByID returns ENOTFOUND when missing.
func (db *DB) FindSubjectByID(ctx context.Context, id credit.SubjectID) (*subject.Subject, error) {
	s, err := scanSubject(db.queryRow(ctx, `SELECT `+db.subjectColumns("subjects")+` FROM subjects WHERE id = $1`, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credit.Errorf(credit.ENOTFOUND, "信用主体不存在")
	}
	return s, err
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// nameGrams returns the distinct character bigrams of a name as searched:
// full-width folded to half-width, ASCII lower-cased, spaces removed.
func nameGrams(name string) []string {
	rs := searchRunes(name)
	if len(rs) < 2 {
		return nil
	}
	seen := make(map[string]bool, len(rs))
	out := make([]string, 0, len(rs)-1)
	for i := 0; i+1 < len(rs); i++ {
		g := string(rs[i : i+2])
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

func searchRunes(s string) []rune {
	s = subject.NormalizeText(s)
	rs := make([]rune, 0, len(s))
	for _, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		rs = append(rs, unicode.ToLower(r))
	}
	return rs
}

// looksLikeCode reports whether q is (a prefix of) a USCC or citizen ID.
func looksLikeCode(q string) bool {
	if len(q) < 6 {
		return false
	}
	for _, r := range q {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// FindSubjects searches subjects by name (2+ characters, through the bigram
// index) or by code prefix. Persons are found only by their full citizen ID
// and only when IncludePersons is set (government audiences).
func (db *DB) FindSubjects(ctx context.Context, f subject.Filter) ([]*subject.Subject, int, error) {
	if err := checkRegion(f.RegionPrefix); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 20
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	q := strings.TrimSpace(f.Query)
	if code := subject.Normalize(q); looksLikeCode(code) {
		if len(code) == 18 && f.IncludePersons {
			if s, err := db.FindSubjectByCode(ctx, code); err == nil && (s.Type == subject.Person) {
				return []*subject.Subject{s}, 1, nil
			}
		}
		if end := codePrefixEnd(code); end != "" {
			return db.findSubjectsWhere(ctx, f, `s.uscc >= $1 AND s.uscc < $2`, code, end)
		}
		return db.findSubjectsWhere(ctx, f, `s.uscc >= $1`, code)
	}
	if code := subject.Normalize(q); code != "" && len(code) < 6 && strings.Trim(code, "0123456789") == "" {
		// Digits only: the start of a code, too short to search by.
		return nil, 0, credit.Errorf(credit.EINVALID, "按统一社会信用代码查询时，请至少输入代码的前6位")
	}
	rs := searchRunes(q)
	if len(rs) < 2 {
		return nil, 0, credit.Errorf(credit.EINVALID, "请输入至少2个字的名称或统一社会信用代码")
	}
	if len(rs) > 50 {
		return nil, 0, credit.Errorf(credit.EINVALID, "查询内容过长，请输入不超过50个字")
	}
	grams, contains := queryGrams(q)
	if len(grams) == 1 {
		return db.findSubjectsByGram(ctx, f, grams[0], "", contains)
	}
	// Start from the two rarest bigrams: their intersection (index-only
	// lookups) is small, and only then are names read and checked whole.
	rare, err := db.rarestGrams(ctx, grams)
	if err != nil || rare == nil {
		return nil, 0, err
	}
	return db.findSubjectsByGram(ctx, f, rare[0], rare[1], contains)
}

// queryGrams returns the bigrams a name query is looked up by and the
// texts a name must contain. Words separated by spaces are each looked
// for (“长春 博成” finds 长春市博成…): bigrams within words, not across the
// space; a query of one word is looked for whole. Words of one character
// alone make no bigram, and then the query is taken as one word.
func queryGrams(q string) (grams, contains []string) {
	if words := strings.Fields(subject.NormalizeText(q)); len(words) > 1 {
		seen := map[string]bool{}
		for _, w := range words {
			for _, g := range nameGrams(w) {
				if !seen[g] {
					seen[g] = true
					grams = append(grams, g)
				}
			}
			contains = append(contains, string(searchRunes(w)))
		}
		if len(grams) > 0 {
			return grams, contains
		}
	}
	grams = nameGrams(q)
	if rs := searchRunes(q); len(rs) > 2 {
		contains = []string{string(rs)}
	}
	return grams, contains
}

// rarestGrams returns grams ordered from the rarest (posting lists counted
// up to 5,001 entries, and those that reach it again up to 20,001 when the
// two rarest both do), or nil when one of them occurs in no name. Without
// the second count every gram of a long query of common words ties, and the
// search walked the first two (吉林, 林市: 120,000 postings) past a third of
// 6,000 (市有).
func (db *DB) rarestGrams(ctx context.Context, grams []string) ([]string, error) {
	type gramCount struct {
		gram string
		n    int
	}
	count := func(g string, limit int) (int, error) {
		var n int
		err := db.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM subject_grams WHERE gram = $1 LIMIT `+itoa(int64(limit))+`) t`, g).Scan(&n)
		return n, err
	}
	const first, second = 5001, 20001
	counts := make([]gramCount, 0, len(grams))
	for _, g := range grams {
		n, err := count(g, first)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, nil
		}
		counts = append(counts, gramCount{g, n})
	}
	slices.SortStableFunc(counts, func(a, b gramCount) int { return a.n - b.n })
	if len(counts) > 2 && counts[1].n == first {
		for i := range counts {
			if counts[i].n == first {
				n, err := count(counts[i].gram, second)
				if err != nil {
					return nil, err
				}
				counts[i].n = n
			}
		}
		slices.SortStableFunc(counts, func(a, b gramCount) int { return a.n - b.n })
	}
	out := make([]string, len(counts))
	for i, c := range counts {
		out[i] = c.gram
	}
	return out, nil
}

// findSubjectsByGram walks the posting list of one bigram in subject order,
// joining subjects and keeping names that contain every text of contains
// (the query's words): the first page costs one short index range.
func (db *DB) findSubjectsByGram(ctx context.Context, f subject.Filter, gram, also string, contains []string) ([]*subject.Subject, int, error) {
	where := `g.gram = $1`
	args := []any{gram}
	join := ``
	if also != "" {
		// $n must appear in ascending order (SQLite rebinding), so the
		// second bigram is compared in WHERE, after the first.
		join = ` JOIN subject_grams g2 ON g2.subject_id = g.subject_id`
		where += ` AND g2.gram = $2`
		args = append(args, also)
	}
	for _, c := range contains {
		fn := `strpos`
		if db.dialect == SQLite {
			fn = `instr`
		}
		args = append(args, c)
		// The query's runes are without spaces (searchRunes), and so is
		// the name they are looked for in.
		where += ` AND ` + fn + `(replace(lower(s.name), ' ', ''), $` + itoa(int64(len(args))) + `) > 0`
	}
	n := len(args)
	if f.Type != nil {
		n++
		where += ` AND s.type = $` + itoa(int64(n))
		args = append(args, string(*f.Type))
	}
	if f.RegionPrefix != "" {
		n++
		where += ` AND s.region_code LIKE $` + itoa(int64(n))
		args = append(args, regionLike(f.RegionPrefix))
	}
	return db.pageSubjects(ctx, `FROM subject_grams g`+join+` JOIN subjects s ON s.id = g.subject_id WHERE `+where, `g.subject_id`, args, f)
}

func (db *DB) findSubjectsWhere(ctx context.Context, f subject.Filter, where string, args ...any) ([]*subject.Subject, int, error) {
	n := len(args)
	extra := ""
	if !f.IncludePersons {
		extra += ` AND s.type <> 'person'`
	}
	if f.Type != nil {
		n++
		extra += ` AND s.type = $` + itoa(int64(n))
		args = append(args, string(*f.Type))
	}
	if f.RegionPrefix != "" {
		n++
		extra += ` AND s.region_code LIKE $` + itoa(int64(n))
		args = append(args, regionLike(f.RegionPrefix))
	}
	// In code order: the range is on the uscc index, which then gives the
	// page without reading and sorting every match (by id, SQLite sorted
	// 99,000 subjects for a six-character prefix: 0.2 s a search).
	return db.pageSubjects(ctx, `FROM subjects s WHERE `+where+extra, `s.uscc`, args, f)
}

// pageSubjects reads one page of the subjects that from (a FROM … WHERE
// clause over subjects s, with placeholders $1…$len(args)) selects, ordered
// by orderBy, with their total counted up to subject.TotalCap(f.Offset).
func (db *DB) pageSubjects(ctx context.Context, from, orderBy string, args []any, f subject.Filter) ([]*subject.Subject, int, error) {
	total, err := db.countCapped(ctx, from, f.Offset, args...)
	if err != nil {
		return nil, 0, err
	}
	n := int64(len(args))
	var out []*subject.Subject
	err = scanAll(db.rows(ctx, `SELECT `+db.subjectColumns("s")+` `+from+` ORDER BY `+orderBy+` LIMIT $`+itoa(n+1)+` OFFSET $`+itoa(n+2), append(args, f.Limit, f.Offset)...),
		func(rows *sql.Rows) error {
			s, err := scanSubject(rows)
			if err != nil {
				return err
			}
			out = append(out, s)
			return nil
		})
	return out, total, err
}

// checkRegion refuses, as EINVALID with a problem on field region, a region
// filter that is not a 6-digit code of the region table (an empty one is no
// filter): a code such as “abc” matched nothing and answered an empty page
// as if the region had no subject, and regionLike needs the six digits.
func checkRegion(code string) error {
	if code == "" {
		return nil
	}
	if len(code) == 6 && strings.Trim(code, "0123456789") == "" {
		if _, ok := subject.LookupRegion(code); ok {
			return nil
		}
	}
	msg := "行政区划代码“" + credit.Clip(code, 20) + "”无效，应为行政区划表中的6位代码，如220000（吉林省）、220100（长春市）、220102（南关区）"
	return credit.Invalid(msg, credit.Problem{Field: "region", FieldName: "行政区划代码", Code: "bad_region", Message: msg})
}

// regionLike turns a region code into a LIKE pattern for it and below:
// 220000 → 22%, 220100 → 2201%, 220102 → 220102.
func regionLike(code string) string {
	switch {
	case strings.HasSuffix(code, "0000"):
		return code[:2] + "%"
	case strings.HasSuffix(code, "00"):
		return code[:4] + "%"
	}
	return code
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}

// codeAlphabet is the characters of codes, in the order every collation
// sorts them: digits, then capital letters.
const codeAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// codePrefixEnd returns the least string after every code that starts with
// prefix: the prefix with its last character advanced in codeAlphabet
// (carrying over a trailing Z), or "" when there is none. Unlike prefix+"~"
// it bounds the range in any collation: under a Chinese ICU collation “~”
// sorts before the digits, and a code-prefix search found nothing.
func codePrefixEnd(prefix string) string {
	for i := len(prefix) - 1; i >= 0; i-- {
		if j := strings.IndexByte(codeAlphabet, prefix[i]); j >= 0 && j < len(codeAlphabet)-1 {
			return prefix[:i] + string(codeAlphabet[j+1])
		}
	}
	return ""
}

// EnsureSubjects creates the subjects in refs that do not exist yet
// (unverified), as ingestion would; it is used to seed demo provinces.
func (db *DB) EnsureSubjects(ctx context.Context, refs []record.SubjectRef) error {
	recs := make([]*record.Record, 0, len(refs))
	for i := range refs {
		r := &record.Record{Subject: refs[i]}
		// Names as ingestion stores them (record.Validator): normalised,
		// with the spelling as written beside when it differs.
		n, d := subject.NormalizeAndTidy(r.Subject.Name)
		r.Subject.Name = n
		if d != n && r.Subject.DisplayName == "" {
			r.Subject.DisplayName = d
		}
		r.Subject.LegalRep = subject.NormalizeText(r.Subject.LegalRep)
		if subjectKey(r) == "" {
			return credit.Errorf(credit.EINVALID, "主体“%s”缺少统一社会信用代码或证件号码", refs[i].Name)
		}
		recs = append(recs, r)
	}
	return db.transact(ctx, func(tx *Tx) error {
		_, err := tx.resolveSubjects(ctx, recs, nil)
		return err
	})
}

// CountSubjects returns the number of subjects, for headline figures.
func (db *DB) CountSubjects(ctx context.Context) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM subjects`).Scan(&n)
	return n, err
}

// CountRecords returns the number of record versions.
func (db *DB) CountRecords(ctx context.Context) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM records`).Scan(&n)
	return n, err
}
