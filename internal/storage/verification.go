package storage

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/subject"
)

// The verification path (信用核查) answers a department within a couple of
// milliseconds: its SQL statements are prepared once per connection, the
// catalog of measures and the verifying department are cached for a few
// seconds, a batch resolves its subjects and reads their entries with a few
// IN queries, and the writes of concurrent verifications are committed
// together (group commit) in one transaction.

// verifyState is the per-database state of the verification path. It lives
// beside the DB (see stateOf) so that it goes away with it.
type verifyState struct {
	read  stmtCache // on db.lookups (PostgreSQL) or db.sql
	write stmtCache // on db.write
	data  atomic.Pointer[cachedData]
	// dataMu is held while the catalog is read again.
	dataMu sync.Mutex
	deps   sync.Map // credit.DepartmentID -> *cachedDepartment
	group  groupWriter
	// entries caches parsed list entries by record id (int64 ->
	// *cachedEntry); cached counts them.
	entries sync.Map
	cached  atomic.Int64
	keys    sync.Map // API key hash -> *cachedKey (Authenticate)
}

// catalogTTL is how long a process uses the measures it read: edits in this
// process apply at once, edits by another process within catalogTTL.
const catalogTTL = 5 * time.Second

type cachedData struct {
	d     *lists.Data
	until time.Time
}

type cachedDepartment struct {
	kind, name string
	until      time.Time
}

// stateOf returns db's verification state, creating it on first use.
func stateOf(db *DB) *verifyState {
	db.verifyOnce.Do(func() {
		st := &verifyState{}
		st.read.db, st.write.db = db.sql, db.write
		if db.lookups != nil {
			st.read.db = db.lookups
		}
		st.read.rebind, st.write.rebind = db.rebind, db.rebind
		db.verify = st
	})
	return db.verify
}

// stmtCache prepares each query once on a pool; database/sql then prepares
// it on each connection the first time it runs there.
type stmtCache struct {
	db     *sql.DB
	rebind func(string) string
	m      sync.Map // query -> *sql.Stmt
}

func (c *stmtCache) get(q string) (*sql.Stmt, error) {
	if s, ok := c.m.Load(q); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := c.db.PrepareContext(context.Background(), c.rebind(q))
	if err != nil {
		return nil, err
	}
	if prev, loaded := c.m.LoadOrStore(q, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// prepared runs a prepared read query.
func (db *DB) prepared(ctx context.Context, q string, args ...any) result {
	s, err := stateOf(db).read.get(q)
	if err != nil {
		return result{nil, err}
	}
	rows, err := s.QueryContext(ctx, db.textArgs(args)...)
	return result{rows, err}
}

func (db *DB) preparedRow(ctx context.Context, q string, args ...any) rowResult {
	s, err := stateOf(db).read.get(q)
	if err != nil {
		return rowResult{err: err}
	}
	return rowResult{row: s.QueryRowContext(ctx, db.textArgs(args)...)}
}

// rowResult is a *sql.Row or the error of preparing it.
type rowResult struct {
	row *sql.Row
	err error
}

func (r rowResult) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.row.Scan(dest...)
}

// preparedExec runs a write statement in tx, prepared when prepareWrites
// prepared it beforehand. (Preparing on the write pool inside a transaction
// would wait forever for SQLite's single write connection.)
func (tx *Tx) preparedExec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s, ok := stateOf(tx.db).write.m.Load(q); ok {
		return tx.Tx.StmtContext(ctx, s.(*sql.Stmt)).ExecContext(ctx, args...)
	}
	return tx.exec(ctx, q, args...)
}

func (tx *Tx) preparedRow(ctx context.Context, q string, args ...any) rowResult {
	if s, ok := stateOf(tx.db).write.m.Load(q); ok {
		return rowResult{row: tx.Tx.StmtContext(ctx, s.(*sql.Stmt)).QueryRowContext(ctx, args...)}
	}
	return rowResult{row: tx.queryRow(ctx, q, args...)}
}

// prepareWrites prepares write statements on the write pool, outside any
// transaction.
func (db *DB) prepareWrites(qs ...string) error {
	st := stateOf(db)
	for _, q := range qs {
		if _, err := st.write.get(q); err != nil {
			return err
		}
	}
	return nil
}

// verifyData returns the list catalog in force, cached for catalogTTL.
func (db *DB) verifyData(ctx context.Context) (*lists.Data, error) {
	st := stateOf(db)
	now := time.Now()
	c := st.data.Load()
	if c != nil && c.d != nil && now.Before(c.until) {
		return c.d, nil
	}
	// One request reads the catalog again; the others meanwhile use the
	// one they have instead of all reading it at once.
	if !st.dataMu.TryLock() {
		if c != nil && c.d != nil {
			return c.d, nil
		}
		st.dataMu.Lock()
	}
	defer st.dataMu.Unlock()
	c = st.data.Load()
	if c != nil && c.d != nil && time.Now().Before(c.until) {
		return c.d, nil
	}
	d, err := db.ListData(ctx)
	if err != nil {
		return nil, err
	}
	if verifyDataRead != nil {
		verifyDataRead(db)
	}
	// Kept only if no save forgot the cache meanwhile (forgetData stores a
	// new empty entry): what was read may predate that save, and would
	// otherwise be used for catalogTTL after it.
	st.data.CompareAndSwap(c, &cachedData{d: d, until: now.Add(catalogTTL)})
	return d, nil
}

// verifyDataRead, when set, is called after verifyData has read the
// measures and before it caches them (tests).
var verifyDataRead func(db *DB)

// forgetData makes the next verification read the measures again. It
// stores a new empty entry rather than nil, so that a read that began
// before it cannot put its data back (verifyData's CompareAndSwap).
func (db *DB) forgetData() { stateOf(db).data.Store(&cachedData{}) }

// verifyingDepartment returns the kind and name of a department, cached for
// a minute (they change rarely; the kind decides must/may).
func (db *DB) verifyingDepartment(ctx context.Context, id credit.DepartmentID) (kind, name string, err error) {
	st := stateOf(db)
	now := time.Now()
	if v, ok := st.deps.Load(id); ok {
		if c := v.(*cachedDepartment); now.Before(c.until) {
			return c.kind, c.name, nil
		}
	}
	err = db.preparedRow(ctx, `SELECT kind, name FROM departments WHERE id = $1`, int64(id)).Scan(&kind, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", credit.Errorf(credit.ENOTFOUND, "部门不存在")
	}
	if err != nil {
		return "", "", err
	}
	st.deps.Store(id, &cachedDepartment{kind: kind, name: name, until: now.Add(time.Minute)})
	return kind, name, nil
}

// match is what a verification query resolved to.
type match struct {
	s *subject.Subject
	n int // candidates: 0 none, 1 found, >1 an ambiguous name
	// entries are the record ids of the subject's list entries, when the
	// lookup read them too (withEntries).
	entries     []int64
	withEntries bool
	// version is the ledger size read by the first statement of the lookup
	// (subjectByCode), so that a single verification needs no query of its
	// own for it.
	version    int64
	hasVersion bool
	// former is true when a name query found the subject by a name its
	// registration authority registered it under before (曾用名).
	former bool
}

// verifySubjectColumns are the columns of a subject a verification needs.
const verifySubjectColumns = `id, type, name, display_name, uscc`

func scanVerifySubject(rows *sql.Rows, extra ...any) (*subject.Subject, error) {
	s := &subject.Subject{}
	var id int64
	var uscc sql.NullString
	var display string
	if err := rows.Scan(append([]any{&id, &s.Type, &s.Name, &display, &uscc}, extra...)...); err != nil {
		return nil, err
	}
	s.ID, s.USCC, s.Name = credit.SubjectID(id), uscc.String, shownName(s.Name, display)
	return s, nil
}

// subjectByCode finds a subject by USCC or citizen-ID hash together with the
// record ids of its list entries, in one prepared query, which also reads
// the ledger size, found or not: the verification's base (see Verify).
func (db *DB) subjectByCode(ctx context.Context, code string) (match, error) {
	var m match
	scan := func(rows *sql.Rows) error {
		var size int64
		var id, rec sql.NullInt64
		var typ, name, display, uscc sql.NullString
		if err := rows.Scan(&size, &id, &typ, &name, &display, &uscc, &rec); err != nil {
			return err
		}
		if !m.hasVersion { // the first statement's: every later read sees as much
			m.version, m.hasVersion = size, true
		}
		if !id.Valid {
			return nil // the ledger_state row alone: no such subject
		}
		if m.s == nil {
			m.s = &subject.Subject{ID: credit.SubjectID(id.Int64), Type: subject.Type(typ.String), Name: name.String, USCC: uscc.String}
			if display.String != "" { // as written (subjectColumns)
				m.s.Name = display.String
			}
			m.n, m.withEntries = 1, true
		}
		if rec.Valid {
			m.entries = append(m.entries, rec.Int64)
		}
		return nil
	}
	const q = `SELECT l.size, s.id, s.type, s.name, s.display_name, s.uscc, e.record_id
		FROM ledger_state l LEFT JOIN subjects s ON s.`
	const tail = ` LEFT JOIN list_entries e ON e.subject_id = s.id WHERE l.id = 1 ORDER BY e.record_id`
	if err := scanAll(db.prepared(ctx, q+`uscc = $1`+tail, code), scan); err != nil || m.s != nil || !looksLikeCitizenID(code) {
		return m, err
	}
	err := scanAll(db.prepared(ctx, q+`cid_hash = $1`+tail, db.Secrets.HashCitizenID(code)), scan)
	return m, err
}

// otherName reports whether name, written beside the code of s, names
// someone else: its compared form (subject.NameKey) differs from s's, or
// it differs from s's name only in the case of Latin letters while another
// organisation bears it in that form (长春XYZ科技 beside the code of
// 长春xyz科技, when 长春XYZ科技 is another, perhaps listed, company): never
// taken as the code's own name then.
//
// A former name of s (曾用名, registered by its registration authority
// before a rename) is its own: former reports it.
func (db *DB) otherName(ctx context.Context, s *subject.Subject, name string) (other, former bool, err error) {
	own := subject.NormalizeText(s.Name)
	if subject.NameKey(own) != subject.NameKey(name) {
		var n int
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM subject_former_names WHERE subject_id = $1 AND name_key = $2`,
			int64(s.ID), subject.NameKey(name)).Scan(&n); err != nil {
			return false, false, err
		}
		return n == 0, n > 0, nil
	}
	if strings.ReplaceAll(own, " ", "") == strings.ReplaceAll(name, " ", "") {
		return false, false, nil
	}
	var n int
	err = db.queryRow(ctx, `SELECT COUNT(*) FROM subjects WHERE `+db.nameKeySQL("name")+` = $1 AND type <> $2 AND id <> $3`,
		subject.NameKey(name), string(subject.Person), int64(s.ID)).Scan(&n)
	return n > 0, false, err
}

// nameKeySQL is the SQL of subject.NameKey applied to the stored,
// normalised name col, as the subjects_name_key index (0025) has it: the
// name without spaces, its ASCII letters in upper case (SQLite's upper()
// folds only those; PostgreSQL's would fold others by the locale).
func (db *DB) nameKeySQL(col string) string {
	if db.dialect == Postgres {
		return `translate(replace(` + col + `, ' ', ''), 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')`
	}
	return `upper(replace(` + col + `, ' ', ''))`
}

// looksLikeCitizenID reports whether a normalised code may be a citizen ID
// (as FindSubjectByCode decides).
func looksLikeCitizenID(code string) bool { return len(code) == 18 && isDigits(code[:17]) }

// resolveQueries finds the subjects the queries name: by USCC, then by the
// keyed hash of a citizen ID, or by exact organisation name (persons are
// never resolved by name; a name shared by several organisations is
// ambiguous). A single query uses prepared statements; a batch a few IN
// queries.
func (db *DB) resolveQueries(ctx context.Context, qs []lists.Query) ([]match, error) {
	out := make([]match, len(qs))
	if len(qs) == 1 {
		q := qs[0]
		if q.Code != "" {
			m, err := db.subjectByCode(ctx, q.Code)
			out[0] = m
			return out, err
		}
		// Names compared without their spaces and Latin case (subject.NameKey), on
		// both sides: a space typed inside the stored name or the query.
		// A name is the current or a former name (曾用名) of at most one
		// organisation to be found: a former name another organisation
		// bears now, or bore, names two, and is ambiguous.
		var cands []*subject.Subject
		fromFormer := false
		add := func(former bool) func(rows *sql.Rows) error {
			return func(rows *sql.Rows) error {
				s, err := scanVerifySubject(rows)
				if err != nil || slices.ContainsFunc(cands, func(c *subject.Subject) bool { return c.ID == s.ID }) {
					return err
				}
				cands = append(cands, s)
				fromFormer = fromFormer || former
				return nil
			}
		}
		key := subject.NameKey(q.Name)
		err := scanAll(db.prepared(ctx, `SELECT `+verifySubjectColumns+` FROM subjects WHERE `+db.nameKeySQL("name")+` = $1 AND type <> $2 ORDER BY id LIMIT 5`, key, string(subject.Person)), add(false))
		if err == nil {
			current := len(cands)
			err = scanAll(db.prepared(ctx, `SELECT `+verifySubjectColumns+` FROM subjects WHERE id IN (SELECT subject_id FROM subject_former_names WHERE name_key = $1) AND type <> $2 ORDER BY id LIMIT 5`,
				key, string(subject.Person)), add(true))
			fromFormer = fromFormer && current == 0
		}
		out[0] = matchOf(cands, fromFormer)
		return out, err
	}
	byUSCC, byName := map[string]*subject.Subject{}, map[string][]*subject.Subject{}
	var codes, names []any
	seen := map[string]bool{}
	for _, q := range qs {
		switch {
		case q.Code != "" && !seen["c"+q.Code]:
			seen["c"+q.Code] = true
			codes = append(codes, q.Code)
		case q.Code == "":
			if c := subject.NameKey(q.Name); !seen["n"+c] {
				seen["n"+c] = true
				names = append(names, c)
			}
		}
	}
	err := inChunks(codes, func(part []any) error {
		return scanAll(db.rows(ctx, `SELECT `+verifySubjectColumns+` FROM subjects WHERE uscc IN (`+placeholders(1, len(part))+`)`, part...), func(rows *sql.Rows) error {
			s, err := scanVerifySubject(rows)
			if err == nil {
				byUSCC[s.USCC] = s
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	byHash := map[string]*subject.Subject{}
	var hashes []any
	for _, c := range codes {
		if c := c.(string); byUSCC[c] == nil && looksLikeCitizenID(c) {
			hashes = append(hashes, db.Secrets.HashCitizenID(c))
		}
	}
	err = inChunks(hashes, func(part []any) error {
		return scanAll(db.rows(ctx, `SELECT `+verifySubjectColumns+`, cid_hash FROM subjects WHERE cid_hash IN (`+placeholders(1, len(part))+`)`, part...), func(rows *sql.Rows) error {
			var h []byte
			s, err := scanVerifySubject(rows, &h)
			if err == nil {
				byHash[string(h)] = s
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	err = inChunks(names, func(part []any) error {
		args := append([]any{string(subject.Person)}, part...)
		key := db.nameKeySQL("name")
		return scanAll(db.rows(ctx, `SELECT `+verifySubjectColumns+`, `+key+` FROM subjects WHERE type <> $1 AND `+key+` IN (`+placeholders(2, len(part))+`) ORDER BY id`, args...), func(rows *sql.Rows) error {
			var key string
			s, err := scanVerifySubject(rows, &key) // key: the name's compared form, as queries are matched (subject.NameKey)
			if err == nil {
				byName[key] = append(byName[key], s)
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	// Former names (曾用名): one that no subject bears now finds its
	// subject; one another organisation bears or bore is ambiguous.
	byFormer := map[string][]*subject.Subject{}
	err = inChunks(names, func(part []any) error {
		args := append([]any{string(subject.Person)}, part...)
		return scanAll(db.rows(ctx, `SELECT `+prefixed("s.", verifySubjectColumns)+`, f.name_key FROM subject_former_names f JOIN subjects s ON s.id = f.subject_id
			WHERE s.type <> $1 AND f.name_key IN (`+placeholders(2, len(part))+`) ORDER BY s.id`, args...), func(rows *sql.Rows) error {
			var key string
			s, err := scanVerifySubject(rows, &key)
			if err == nil {
				byFormer[key] = append(byFormer[key], s)
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	for i, q := range qs {
		switch {
		case q.Code != "":
			if s := byUSCC[q.Code]; s != nil {
				out[i] = match{s: s, n: 1}
			} else if looksLikeCitizenID(q.Code) {
				if s := byHash[string(db.Secrets.HashCitizenID(q.Code))]; s != nil {
					out[i] = match{s: s, n: 1}
				}
			}
		default:
			k := subject.NameKey(q.Name)
			c := slices.Clone(byName[k])
			for _, s := range byFormer[k] {
				if !slices.ContainsFunc(c, func(o *subject.Subject) bool { return o.ID == s.ID }) {
					c = append(c, s)
				}
			}
			out[i] = matchOf(c, len(byName[k]) == 0)
		}
	}
	return out, nil
}

// matchOf is what a name query resolved to from its candidates: none,
// one (former: by a former name), or an ambiguous name (at most 5
// counted).
func matchOf(cands []*subject.Subject, former bool) match {
	switch len(cands) {
	case 0:
		return match{}
	case 1:
		return match{s: cands[0], n: 1, former: former}
	}
	return match{n: min(len(cands), 5)}
}

// inChunks calls fn with consecutive parts of at most 500 args.
func inChunks(args []any, fn func(part []any) error) error {
	for i := 0; i < len(args); i += 500 {
		if err := fn(args[i:min(i+500, len(args))]); err != nil {
			return err
		}
	}
	return nil
}

// entryReader reads list entries for one verification and remembers the
// highest ledger index it saw.
type entryReader struct {
	db     *DB
	data   *lists.Data
	maxIdx int64
}

// cachedEntry is a parsed list entry version. A record version never
// changes (a change is a new version with a new id), so entries are cached
// by record id without invalidation.
type cachedEntry struct {
	e   *lists.Entry
	idx int64 // ledger index
}

// maxCachedEntries bounds the entry cache; it is emptied when full.
const maxCachedEntries = 50000

// byRecordID returns the entries with the given record ids (current
// versions, as list_entries names them), from the cache or the database.
func (er *entryReader) byRecordID(ctx context.Context, ids []int64) (map[int64]*lists.Entry, error) {
	st := stateOf(er.db)
	out := make(map[int64]*lists.Entry, len(ids))
	var missing []any
	for _, id := range ids {
		if v, ok := st.entries.Load(id); ok {
			c := v.(*cachedEntry)
			out[id] = c.e
			er.maxIdx = max(er.maxIdx, c.idx+1)
		} else if _, dup := out[id]; !dup {
			out[id] = nil
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	scan := func(rows *sql.Rows) error {
		r, err := scanRecord(rows)
		if err != nil {
			return err
		}
		e, err := er.db.listEntry(er.data, r)
		if err != nil {
			return err
		}
		out[int64(r.ID)] = e
		er.maxIdx = max(er.maxIdx, r.LedgerIndex+1)
		if st.cached.Add(1) > maxCachedEntries {
			st.entries.Clear()
			st.cached.Store(1)
		}
		st.entries.Store(int64(r.ID), &cachedEntry{e: e, idx: r.LedgerIndex})
		return nil
	}
	var err error
	if len(missing) == 1 {
		err = scanAll(er.db.prepared(ctx, `SELECT `+recordColumns+` FROM records WHERE id = $1`, missing[0]), scan)
	} else {
		err = inChunks(missing, func(part []any) error {
			return scanAll(er.db.rows(ctx, `SELECT `+recordColumns+` FROM records WHERE id IN (`+placeholders(1, len(part))+`)`, part...), scan)
		})
	}
	if err != nil {
		return nil, err
	}
	for id, e := range out {
		if e == nil {
			delete(out, id) // replaced meanwhile: list_entries was read before
		}
	}
	return out, nil
}

// bySubject returns the current list entries (in force or not: Decide picks
// by date) of the subjects, in record order.
func (er *entryReader) bySubject(ctx context.Context, subjects []credit.SubjectID) (map[credit.SubjectID][]*lists.Entry, error) {
	out := map[credit.SubjectID][]*lists.Entry{}
	var ids []int64
	scan := func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		ids = append(ids, id)
		return err
	}
	var err error
	if len(subjects) == 1 {
		err = scanAll(er.db.prepared(ctx, `SELECT record_id FROM list_entries WHERE subject_id = $1`, int64(subjects[0])), scan)
	} else {
		args := make([]any, 0, len(subjects))
		seen := map[credit.SubjectID]bool{}
		for _, id := range subjects {
			if !seen[id] {
				seen[id] = true
				args = append(args, int64(id))
			}
		}
		err = inChunks(args, func(part []any) error {
			return scanAll(er.db.rows(ctx, `SELECT record_id FROM list_entries WHERE subject_id IN (`+placeholders(1, len(part))+`)`, part...), scan)
		})
	}
	if err != nil || len(ids) == 0 {
		return out, err
	}
	slices.Sort(ids)
	entries, err := er.byRecordID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if e := entries[id]; e != nil {
			out[e.SubjectID] = append(out[e.SubjectID], e)
		}
	}
	return out, nil
}

// linkedByPersons returns, by ID number, the entries naming each person as
// a responsible person (关联失信 of a verified person).
func (er *entryReader) linkedByPersons(ctx context.Context, persons []string) (map[string][]lists.Linked, error) {
	type ref struct {
		id   int64
		role string
	}
	// A person named several times in one batch is looked up, and linked,
	// once: the callers index the answer by ID number.
	persons = slices.Compact(slices.Sorted(slices.Values(persons)))
	byHash := map[string][]ref{}
	var ids []int64
	scan := func(rows *sql.Rows) error {
		var h []byte
		var r ref
		if err := rows.Scan(&h, &r.id, &r.role); err != nil {
			return err
		}
		byHash[string(h)] = append(byHash[string(h)], r)
		ids = append(ids, r.id)
		return nil
	}
	const q = `SELECT p.id_hash, e.record_id, p.role FROM list_persons p JOIN list_entries e ON e.key = p.key WHERE p.id_hash `
	if len(persons) == 1 {
		if err := scanAll(er.db.prepared(ctx, q+`= $1`, er.db.Secrets.HashCitizenID(persons[0])), scan); err != nil {
			return nil, err
		}
	} else {
		args := make([]any, len(persons))
		for i, id := range persons {
			args[i] = er.db.Secrets.HashCitizenID(id)
		}
		err := inChunks(args, func(part []any) error {
			return scanAll(er.db.rows(ctx, q+`IN (`+placeholders(1, len(part))+`)`, part...), scan)
		})
		if err != nil {
			return nil, err
		}
	}
	out := map[string][]lists.Linked{}
	if len(ids) == 0 {
		return out, nil
	}
	entries, err := er.byRecordID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, p := range persons {
		seen := map[int64]bool{}
		for _, r := range byHash[string(er.db.Secrets.HashCitizenID(p))] {
			if e := entries[r.id]; e != nil && !seen[r.id] {
				seen[r.id] = true
				out[p] = append(out[p], lists.Linked{Entry: e, Role: r.role})
			}
		}
	}
	return out, nil
}

// linkedPersonsOf returns, for an organisation, the entries of the persons
// its own entries name as responsible (Decide keeps the active black ones).
func (er *entryReader) linkedPersonsOf(ctx context.Context, entries []*lists.Entry) ([]lists.Linked, error) {
	var out []lists.Linked
	seen := map[string]bool{}
	for _, e := range entries {
		for _, p := range e.Persons {
			if p.IDNumber == "" || seen[p.IDNumber] {
				continue
			}
			seen[p.IDNumber] = true
			var id int64
			err := er.db.preparedRow(ctx, `SELECT id FROM subjects WHERE cid_hash = $1`, er.db.Secrets.HashCitizenID(p.IDNumber)).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return nil, err
			}
			pe, err := er.bySubject(ctx, []credit.SubjectID{credit.SubjectID(id)})
			if err != nil {
				return nil, err
			}
			for _, x := range pe[credit.SubjectID(id)] {
				out = append(out, lists.Linked{Entry: x, Role: p.Role + "：" + p.Name})
			}
		}
	}
	return out, nil
}

// Verify answers a verification request (信用核查): per subject its active
// list entries, linkages, the measures the department must or may apply in
// the scenario, incentives and a verdict. The answer is stored with the data
// version (the ledger size covering every record it used) and every subject
// found is written to the query log, in one transaction shared with the
// verifications running at the same time.
func (db *DB) Verify(ctx context.Context, req lists.VerificationRequest) (*lists.Verification, error) {
	actor := credit.ActorFromContext(ctx)
	if actor.Role == credit.RolePublic {
		return nil, credit.Errorf(credit.EUNAUTHORIZED, "信用核查需要提供API密钥或登录")
	}
	if !access.Can(actor, access.ActionVerify, access.Target{DepartmentID: actor.DepartmentID, RegionCode: actor.RegionCode}) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "无权进行信用核查")
	}
	data, err := db.verifyData(ctx)
	if err != nil {
		return nil, err
	}
	if err := req.Validate(data); err != nil {
		return nil, err
	}
	v := &lists.Verification{Actor: actor.Label(), DepartmentID: actor.DepartmentID, DepartmentCode: actor.DepartmentCode,
		Scenario: req.Scenario, Purpose: req.Purpose, Total: len(req.Subjects)}
	if actor.DepartmentID != 0 {
		if v.DepartmentKind, v.DepartmentName, err = db.verifyingDepartment(ctx, actor.DepartmentID); err != nil {
			return nil, err
		}
	}
	today := credit.DateOf(db.Now())
	v.AsOf = today.Format(credit.DateLayout)
	qs := make([]lists.Query, len(req.Subjects))
	for i, raw := range req.Subjects {
		qs[i] = raw.Normalized()
	}
	// The base: the ledger size before the subjects and their entries are
	// read, so that the reads saw every list entry version below it; the
	// write looks for versions written since that alert the department
	// (alertMissed). A single query by code reads it with the subject (one
	// statement fewer per single verification).
	var base int64
	single := len(qs) == 1 && qs[0].Code != ""
	if !single {
		if err := db.preparedRow(ctx, sqlLedgerSize).Scan(&base); err != nil {
			return nil, fmt.Errorf("storage.Verify: %w", err)
		}
	}
	matches, err := db.resolveQueries(ctx, qs)
	if err != nil {
		return nil, fmt.Errorf("storage.Verify: %w", err)
	}
	if single {
		base = matches[0].version
	}
	v.DataVersion = base
	er := &entryReader{db: db, data: data}
	var found []credit.SubjectID
	var persons []string
	for i, m := range matches {
		if m.s != nil {
			found = append(found, m.s.ID)
		}
		// A person is linked through the hash of the ID number, whether or
		// not the platform holds records about the person.
		if q := qs[i]; q.Code != "" && (m.s == nil || m.s.Type == subject.Person) && subject.CheckCitizenID(q.Code, credit.Date{}) == nil {
			persons = append(persons, q.Code)
		}
	}
	var entries map[credit.SubjectID][]*lists.Entry
	if len(matches) == 1 && matches[0].withEntries {
		entries = map[credit.SubjectID][]*lists.Entry{}
		if ids := matches[0].entries; len(ids) > 0 {
			byID, err := er.byRecordID(ctx, ids)
			if err != nil {
				return nil, fmt.Errorf("storage.Verify: %w", err)
			}
			for _, id := range ids {
				if e := byID[id]; e != nil {
					entries[e.SubjectID] = append(entries[e.SubjectID], e)
				}
			}
		}
	} else if entries, err = er.bySubject(ctx, found); err != nil {
		return nil, fmt.Errorf("storage.Verify: %w", err)
	}
	linkedPersons := map[string][]lists.Linked{}
	if len(persons) > 0 {
		if linkedPersons, err = er.linkedByPersons(ctx, persons); err != nil {
			return nil, fmt.Errorf("storage.Verify: %w", err)
		}
	}
	// The names of queries that found no subject, looked up in one go: a
	// name that is a person's, or beside a code that names no one, is not
	// answered with an all-clear.
	var misses []string
	for i, q := range qs {
		if matches[i].s == nil && matches[i].n <= 1 && q.Name != "" {
			misses = append(misses, q.Name)
		}
	}
	named, err := db.namedSubjects(ctx, misses)
	if err != nil {
		return nil, fmt.Errorf("storage.Verify: %w", err)
	}
	v.Results = make([]lists.SubjectResult, len(qs))
	var linkedReads []linkedRead
	firstSeq := map[string]int{} // a subject's (or unknown valid code's) first position in the request
	var unknown []string         // code keys of valid codes that named no subject
	var legacy func(string) bool // the legacy whitelist, read at the first invalid code
	for i, q := range qs {
		s, n := matches[i].s, matches[i].n
		var es []*lists.Entry
		var linked []lists.Linked
		if s != nil {
			es = entries[s.ID]
		}
		if q.Code != "" && (s == nil || s.Type == subject.Person) {
			linked = linkedPersons[q.Code]
		}
		if s != nil && s.Type != subject.Person && len(es) > 0 {
			if linked, err = er.linkedPersonsOf(ctx, es); err != nil {
				return nil, fmt.Errorf("storage.Verify: %w", err)
			}
		}
		res := lists.Decide(data, es, linked, req.Scenario, v.DepartmentKind, today)
		res.Seq, res.Query = i+1, q
		if s != nil && s.Type != subject.Person {
			// The organisation's responsible persons whose own entries the
			// answer shows (as Decide keeps them): their reads are logged
			// like a verification of the person, who can see who looked.
			for _, l := range linked {
				if e := l.Entry; e.SubjectID != 0 && e.Kind == lists.Black && e.StateOn(today) == lists.Active &&
					!slices.ContainsFunc(linkedReads, func(r linkedRead) bool { return r.person == e.SubjectID && r.via == s.Name }) {
					linkedReads = append(linkedReads, linkedRead{person: e.SubjectID, via: s.Name})
				}
			}
		}
		if s == nil && len(linked) > 0 {
			// A person who is no subject, linked to organisations' entries
			// (those Decide shows): each read is logged against the
			// organisation, naming the person's masked code.
			masked := subject.MaskCitizenID(subject.Normalize(q.Code))
			for _, l := range linked {
				if e := l.Entry; e.SubjectID != 0 && e.Kind == lists.Black && e.StateOn(today) == lists.Active &&
					!slices.ContainsFunc(linkedReads, func(r linkedRead) bool { return r.person == e.SubjectID && r.code == masked }) {
					linkedReads = append(linkedReads, linkedRead{person: e.SubjectID, code: masked})
				}
			}
		}
		bad := ""
		if s == nil && q.Code != "" {
			// A code that names no subject: invalid, or kept for alerts
			// (a legacy code on the whitelist counts as valid).
			if bad = db.codeProblem(ctx, q.Code, today, &legacy); bad == "" && actor.DepartmentID != 0 {
				unknown = append(unknown, db.codeKey(q.Code))
			}
		}
		if s != nil {
			res.Found, res.SubjectID, res.Name, res.USCC, res.Type = true, s.ID, s.Name, s.USCC, s.Type
			v.Found++
			mismatched, former := false, matches[i].former
			if q.Code != "" && q.Name != "" {
				if mismatched, former, err = db.otherName(ctx, s, q.Name); err != nil {
					return nil, fmt.Errorf("storage.Verify: %w", err)
				}
			}
			if former {
				res.Explanation = fmt.Sprintf("“%s”是该主体的曾用名，其现名称为“%s”。", q.Name, s.Name) + res.Explanation
			}
			if mismatched {
				// The code wins, but a name that names someone else is
				// never answered with an all-clear.
				mismatch := fmt.Sprintf("代码对应的主体为“%s”，与所填名称“%s”不一致", s.Name, q.Name)
				if res.Verdict == lists.NoVerdict {
					res.Verdict = lists.Undetermined
					res.Explanation = mismatch + "，无法确定核查对象，请核对代码和名称后重新核查"
				} else {
					res.Explanation = "注意：" + mismatch + "，以上按代码核查。" + res.Explanation
				}
			}
		} else if n > 1 {
			res.Ambiguous = n
			res.Verdict = lists.Undetermined
			res.Explanation = fmt.Sprintf("名称“%s”对应%d个主体，无法确定核查对象，请使用统一社会信用代码核查", q.Name, n)
		} else if !res.Hit {
			switch {
			case bad != "":
				// Not an all-clear: the code names no subject at all.
				res.Verdict = lists.Undetermined
				res.Explanation = "代码无效：" + bad + "。无法核查，请核对代码后重新核查"
			default:
				// A name (alone, or beside a code the platform does not
				// hold) that names a subject is not an all-clear either.
				orgs, persons := named[q.Name].orgs, named[q.Name].persons
				switch {
				case q.Code != "" && orgs > 0:
					res.Verdict = lists.Undetermined
					res.Explanation = fmt.Sprintf("平台未收录该代码，但收录了名称为“%s”的主体，代码与名称不一致，无法确定核查对象，请核对后重新核查", q.Name)
				case q.Code != "":
					res.Explanation = "平台未收录该主体，未发现名单信息"
				case persons:
					res.Verdict = lists.Undetermined
					res.Explanation = fmt.Sprintf("名称“%s”是平台收录的自然人姓名：自然人不按姓名核查，请以身份证号码核查", q.Name)
				default:
					res.Explanation = fmt.Sprintf("平台未收录名称为“%s”的法人或非法人组织，未发现名单信息；自然人不按姓名核查，请以身份证号码核查", q.Name)
				}
			}
		}
		// The same subject again in one batch (its code twice, or its code
		// and its name; or a valid code the platform does not hold, such
		// as a person known only as a list entry's responsible person):
		// answered alike, but one hit, to be fed back once and counted once.
		same := ""
		switch {
		case s != nil:
			same = "s" + strconv.FormatInt(int64(s.ID), 10)
		case q.Code != "" && bad == "":
			same = "c" + q.Code
		}
		if same != "" {
			if first, ok := firstSeq[same]; ok {
				v.Repeats++
				res.Hit, res.SameAs = false, first
				res.Explanation = fmt.Sprintf("与第%d个核查对象为同一主体，命中和执行反馈见第%d个。", first, first) + res.Explanation
			} else {
				firstSeq[same] = i + 1
			}
		}
		res.MaskQuery()
		if res.Hit {
			v.Hits++
		}
		v.Results[i] = res
	}
	// The data version: the ledger size covering every record used.
	v.DataVersion = max(v.DataVersion, er.maxIdx)
	// Feedback (执行反馈) is the implementing department's: an
	// administrator who verifies is owed none, and has no deadline.
	if v.Hits > 0 && actor.DepartmentID != 0 {
		v.FeedbackDue = db.Calendar().AddWorkingDays(today, lists.FeedbackDays).Format(credit.DateLayout)
		for i := range v.Results {
			if v.Results[i].Hit {
				v.Results[i].Feedback = &lists.FeedbackProgress{Due: v.FeedbackDue}
			}
		}
	}
	answer, err := json.Marshal(v.Results)
	if err != nil {
		return nil, err
	}
	if verifyBeforeWrite != nil {
		verifyBeforeWrite(db, v)
	}
	p := &pendingVerification{v: v, actor: actor, answer: answer, unknown: unknown, linked: linkedReads, base: base, seen: entries}
	if err := stateOf(db).group.submit(ctx, db, p); err != nil {
		return nil, fmt.Errorf("storage.Verify: %w", err)
	}
	return v, nil
}

// nameUse is who bears a name: how many organisations, and whether a
// person does.
type nameUse struct {
	orgs    int
	persons bool
}

// namedSubjects says, for each of names, who among the subjects bears it
// exactly (normalised); names nobody bears are absent.
func (db *DB) namedSubjects(ctx context.Context, names []string) (map[string]nameUse, error) {
	out := map[string]nameUse{}
	args := make([]any, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			args = append(args, n)
		}
	}
	err := inChunks(args, func(part []any) error {
		return scanAll(db.rows(ctx, `SELECT name, type FROM subjects WHERE name IN (`+placeholders(1, len(part))+`)`, part...), func(rows *sql.Rows) error {
			var name, t string
			if err := rows.Scan(&name, &t); err != nil {
				return err
			}
			u := out[name]
			if subject.Type(t) == subject.Person {
				u.persons = true
			} else {
				u.orgs++
			}
			out[name] = u
			return nil
		})
	})
	return out, err
}

// codeProblem says why a code that found no subject is not a valid code
// (lists.CodeProblem), or returns "" for a valid one, an empty one and a
// legacy code on the administrators' whitelist. *legacy is the whitelist,
// read on the first call that needs it and kept for the others.
func (db *DB) codeProblem(ctx context.Context, code string, today credit.Date, legacy *func(string) bool) string {
	if code == "" {
		return ""
	}
	bad := lists.CodeProblem(code, today)
	if bad == "" {
		return ""
	}
	if *legacy == nil {
		l, err := db.legacyChecker(ctx)
		if err != nil {
			return bad // the code fails its checks; the whitelist could not be read
		}
		*legacy = l
	}
	if (*legacy)(code) {
		return ""
	}
	return bad
}

// codeKey is the key under which verified_codes keeps a code that named no
// subject, once the code is known to be acceptable (valid, or a legacy code
// on the whitelist): "C:" and the hex keyed hash of a citizen ID number,
// else "U:" and the code as a USCC.
func (db *DB) codeKey(code string) string {
	if subject.CheckCitizenID(code, credit.Date{}) == nil {
		return "C:" + hex.EncodeToString(db.Secrets.HashCitizenID(code))
	}
	return "U:" + code
}

// Test hooks, set by tests only (like flushFault): verifyBeforeWrite runs
// in Verify between reading the entries and writing the verification,
// verifyBeforeCommit in the group's write transaction just before it
// commits, feedbackBeforeWrite in CreateFeedback between the check for
// repeated feedback and its insert.
var (
	verifyBeforeWrite   func(db *DB, v *lists.Verification)
	verifyBeforeCommit  func(db *DB)
	feedbackBeforeWrite func(db *DB)
)

// pendingVerification is a verification waiting to be written.
type pendingVerification struct {
	v       *lists.Verification
	actor   credit.Actor
	answer  []byte
	unknown []string     // codeKey of each valid code that named no subject
	linked  []linkedRead // persons whose entries the answer shows as linked
	// base is the ledger size before the verification read anything: every
	// list entry version below it was visible to its reads. seen are the
	// current list entries it read of each subject it found (absent: none).
	// alertMissed compares them with what was written since.
	base int64
	seen map[credit.SubjectID][]*lists.Entry
	done chan groupResult
}

// linkedRead is a natural person whose own list entries a verification
// answer shows, as responsible person of the organisation named via.
//
// With code set, the verified code is that of a person the platform holds
// no subject for, named as responsible person in the entries of subject
// person (an organisation): the read of those entries is logged against
// the organisation, with the person's masked code, since there is no
// person to log it against.
type linkedRead struct {
	person credit.SubjectID
	via    string
	code   string
}

type groupResult struct {
	err  error
	lead bool // the receiver now writes the queue
}

// groupWriter commits the verifications of concurrent requests together:
// the first to arrive writes everything queued in one transaction, the
// others wait; then it hands the queue to the first of those still waiting.
// Nobody waits for more than their own write plus the one before it, and a
// burst of verifications costs one commit, not one each (SQLite has a single
// writer).
type groupWriter struct {
	mu      sync.Mutex
	queue   []*pendingVerification
	writing bool
}

// maxGroup limits the subjects written in one group transaction.
const maxGroup = 2000

func (g *groupWriter) submit(ctx context.Context, db *DB, p *pendingVerification) error {
	p.done = make(chan groupResult, 1)
	g.mu.Lock()
	g.queue = append(g.queue, p)
	lead := !g.writing
	g.writing = true
	g.mu.Unlock()
	if !lead {
		r := <-p.done
		if !r.lead {
			return r.err
		}
	}
	g.mu.Lock()
	n, subjects := 0, 0
	for n < len(g.queue) && (n == 0 || subjects+g.queue[n].v.Total <= maxGroup) {
		subjects += g.queue[n].v.Total
		n++
	}
	batch := g.queue[:n:n]
	g.queue = g.queue[n:]
	g.mu.Unlock()
	err := db.writeVerifications(context.WithoutCancel(ctx), batch)
	var own error
	for _, q := range batch {
		if q == p {
			own = err
			continue
		}
		q.done <- groupResult{err: err}
	}
	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].done <- groupResult{lead: true}
	} else {
		g.writing = false
	}
	g.mu.Unlock()
	return own
}

// writeVerifications stores verifications, their hits, the query log, the
// latest verification of each subject by each department and the day
// counts of the statistics, in one transaction for the whole group, and
// alerts the departments of the list entries written since they read
// (alertMissed).
func (db *DB) writeVerifications(ctx context.Context, batch []*pendingVerification) error {
	if db.dialect == SQLite { // the one-row statements of insertRows
		if err := db.prepareWrites(oneRow(sqlInsertVerifications, "", 14), oneRow(sqlInsertHits, "", 4), oneRow(sqlInsertQueryLog, "", 9),
			oneRow(sqlInsertVerified, sqlUpsertVerified, 4), oneRow(sqlInsertVerifiedCodes, sqlUpsertVerifiedCodes, 4),
			oneRow(sqlInsertDays, sqlUpsertDays, 7), oneRow(sqlInsertHitDays, sqlUpsertHitDays, 6),
			sqlLastVerification, sqlLatestListEntry); err != nil {
			return err
		}
	}
	return db.transact(ctx, func(tx *Tx) error {
		ids, err := tx.verificationIDs(ctx, len(batch))
		if err != nil {
			return err
		}
		var rows, hits, logs, verified, codes [][]any
		latest := map[[2]int64]int{}   // (subject, department) -> index in verified
		latestCode := map[string]int{} // code key and department -> index in codes
		days := map[statsKey]*[3]int{} // verifications, subjects, hits
		for i, p := range batch {
			v, actor := p.v, p.actor
			v.ID, v.At = ids[i], tx.now
			k := statsKeyOf(v)
			c := days[k]
			if c == nil {
				c = &[3]int{}
				days[k] = c
			}
			c[0], c[1], c[2] = c[0]+1, c[1]+v.Total-v.Repeats, c[2]+v.Hits
			var due any
			if v.FeedbackDue != "" {
				due = v.FeedbackDue
			}
			rows = append(rows, []any{v.ID, tx.now, v.Actor, string(actor.Role), nullInt(int64(actor.DepartmentID)), v.Scenario, v.Purpose, v.DataVersion,
				v.Total, v.Found, v.Hits, due, string(p.answer), v.Repeats})
			for _, key := range p.unknown {
				row := []any{key, int64(actor.DepartmentID), v.ID, tx.now}
				k := key + "\x00" + strconv.FormatInt(int64(actor.DepartmentID), 10)
				if j, ok := latestCode[k]; ok {
					codes[j] = row // one row per key, as for verified below
				} else {
					latestCode[k] = len(codes)
					codes = append(codes, row)
				}
			}
			purpose := fmt.Sprintf("信用核查#%d（%s）：%s", v.ID, v.Scenario, v.Purpose)
			for _, l := range p.linked {
				what := fmt.Sprintf("信用核查#%d（%s）：核查“%s”时显示其责任人的名单信息", v.ID, v.Scenario, l.via)
				if l.code != "" {
					what = fmt.Sprintf("信用核查#%d（%s）：%s；核查关联人员（证件号码%s）时显示本主体的名单信息", v.ID, v.Scenario, v.Purpose, l.code)
				}
				logs = append(logs, []any{tx.now, actor.Label(), string(actor.Role), nullInt(int64(actor.DepartmentID)), nullInt(int64(actor.UserID)),
					int64(l.person), what, actor.Channel, "verification"})
			}
			for _, r := range v.Results {
				if r.Hit {
					hits = append(hits, []any{v.ID, r.Seq, nullInt(int64(r.SubjectID)), string(r.Verdict)})
				}
				if !r.Found {
					continue
				}
				logs = append(logs, []any{tx.now, actor.Label(), string(actor.Role), nullInt(int64(actor.DepartmentID)), nullInt(int64(actor.UserID)),
					int64(r.SubjectID), purpose, actor.Channel, "verification"})
				if actor.DepartmentID != 0 {
					row := []any{int64(r.SubjectID), int64(actor.DepartmentID), v.ID, tx.now}
					k := [2]int64{int64(r.SubjectID), int64(actor.DepartmentID)}
					if j, ok := latest[k]; ok {
						verified[j] = row // one row per key: PostgreSQL refuses a key twice in one upsert
					} else {
						latest[k] = len(verified)
						verified = append(verified, row)
					}
				}
			}
		}
		var dayRows, hitDayRows [][]any
		for k, c := range days {
			dayRows = append(dayRows, []any{k.day, k.department, k.actor, k.scenario, c[0], c[1], c[2]})
			if c[2] > 0 {
				hitDayRows = append(hitDayRows, []any{k.day, k.department, k.actor, k.scenario, "", c[2]})
			}
		}
		// Upserts lock their rows in the order given: two servers writing
		// groups that share keys in different orders deadlock on
		// PostgreSQL (QA: 0.4 % of verifications answered 500). One order
		// for every writer: by key.
		byKey := func(n int) func(a, b []any) int {
			return func(a, b []any) int {
				for i := range n {
					if c := compareArg(a[i], b[i]); c != 0 {
						return c
					}
				}
				return 0
			}
		}
		slices.SortFunc(verified, byKey(2))
		slices.SortFunc(codes, byKey(2))
		slices.SortFunc(dayRows, byKey(4))
		slices.SortFunc(hitDayRows, byKey(5))
		// After the rows, the newest list entry version, read under the
		// alert lock (verificationIDs took it): one more statement in the
		// same round trip.
		var newest int64
		if err := tx.insertRows(ctx, sqlLatestListEntry, []any{&newest},
			inserts{sqlInsertVerifications, "", rows},
			inserts{sqlInsertHits, "", hits},
			inserts{sqlInsertQueryLog, "", logs},
			inserts{sqlInsertVerified, sqlUpsertVerified, verified},
			inserts{sqlInsertVerifiedCodes, sqlUpsertVerifiedCodes, codes},
			inserts{sqlInsertDays, sqlUpsertDays, dayRows},
			inserts{sqlInsertHitDays, sqlUpsertHitDays, hitDayRows}); err != nil {
			return err
		}
		if err := tx.alertMissed(ctx, newest, batch); err != nil {
			return err
		}
		if verifyBeforeCommit != nil {
			verifyBeforeCommit(tx.db)
		}
		return nil
	})
}

// compareArg orders two values of a row's key column (int64 or string).
func compareArg(a, b any) int {
	switch a := a.(type) {
	case int64:
		return cmp.Compare(a, b.(int64))
	case string:
		return cmp.Compare(a, b.(string))
	}
	panic(fmt.Sprintf("storage: compareArg(%T)", a))
}

// statsKey is a row of the verification statistics (verification_days,
// verification_hit_days): the day of the verification in Asia/Shanghai,
// the verifying department, or for another verifier its actor label, and
// the scenario.
type statsKey struct {
	day        string
	department int64
	actor      string
	scenario   string
}

func statsKeyOf(v *lists.Verification) statsKey {
	k := statsKey{day: credit.DateOf(v.At).Format(credit.DateLayout), department: int64(v.DepartmentID), scenario: v.Scenario}
	if k.department == 0 {
		k.actor = v.Actor
	}
	return k
}

// verificationIDs allocates n verification ids, in ascending order, inside
// the write transaction. On PostgreSQL the same statement takes the alert
// lock, shared, for the rest of the transaction (see alertLock).
func (tx *Tx) verificationIDs(ctx context.Context, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if tx.db.dialect == Postgres {
		err := scanAll(tx.rows(ctx, `SELECT nextval(pg_get_serial_sequence('verifications', 'id')) FROM pg_advisory_xact_lock_shared($1), generate_series(1, $2)`,
			alertLock, n), func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			ids = append(ids, id)
			return err
		})
		slices.Sort(ids)
		return ids, err
	}
	// SQLite: the transaction holds the database's only write lock.
	var last int64
	if err := tx.preparedRow(ctx, sqlLastVerification).Scan(&last); err != nil {
		return nil, err
	}
	for i := range n {
		ids = append(ids, last+1+int64(i))
	}
	return ids, nil
}

// Statements of writeVerifications (insertRows adds the VALUES lists).
const (
	sqlInsertVerifications = `INSERT INTO verifications (id, at, actor, role, department_id, scenario, purpose, data_version, total, found, hits, feedback_due, answer, repeats) VALUES `
	sqlInsertHits          = `INSERT INTO verification_hits (verification_id, seq, subject_id, verdict) VALUES `
	sqlInsertQueryLog      = `INSERT INTO query_log (at, actor, role, department_id, user_id, subject_id, purpose, channel, what) VALUES `
	sqlInsertVerified      = `INSERT INTO verified_subjects (subject_id, department_id, verification_id, at) VALUES `
	sqlUpsertVerified      = ` ON CONFLICT (subject_id, department_id) DO UPDATE SET verification_id = excluded.verification_id, at = excluded.at`
	sqlInsertVerifiedCodes = `INSERT INTO verified_codes (code_key, department_id, verification_id, at) VALUES `
	sqlUpsertVerifiedCodes = ` ON CONFLICT (code_key, department_id) DO UPDATE SET verification_id = excluded.verification_id, at = excluded.at`
	sqlInsertDays          = `INSERT INTO verification_days (day, department_id, actor, scenario, verifications, subjects, hits) VALUES `
	sqlUpsertDays          = ` ON CONFLICT (day, department_id, actor, scenario) DO UPDATE SET verifications = verification_days.verifications + excluded.verifications,
		subjects = verification_days.subjects + excluded.subjects, hits = verification_days.hits + excluded.hits`
	sqlInsertHitDays    = `INSERT INTO verification_hit_days (day, department_id, actor, scenario, feedback_day, hits) VALUES `
	sqlUpsertHitDays    = ` ON CONFLICT (day, department_id, actor, scenario, feedback_day) DO UPDATE SET hits = verification_hit_days.hits + excluded.hits`
	sqlLastVerification = `SELECT COALESCE(MAX(id), 0) FROM verifications`
	sqlLatestListEntry  = `SELECT COALESCE(MAX(record_id), 0) FROM list_entries`
	sqlLedgerSize       = `SELECT size FROM ledger_state WHERE id = 1`
)

// oneRow is the statement insertRows runs for a single row.
func oneRow(prefix, suffix string, cols int) string {
	return prefix + "(" + placeholders(1, cols) + ")" + suffix
}

// inserts are rows for one INSERT: prefix, the VALUES lists, suffix.
type inserts struct {
	prefix, suffix string
	rows           [][]any
}

// insertRows inserts rows, then reads the one row of query (without
// arguments) into dest. On SQLite, in process, each row goes through a
// prepared one-row statement, which costs less than parsing a multi-row
// statement for every group. On PostgreSQL the rows go in multi-row
// statements, all of them and the query sent in one round trip (a pgx
// batch).
func (tx *Tx) insertRows(ctx context.Context, query string, dest []any, all ...inserts) error {
	if tx.db.dialect == SQLite {
		for _, in := range all {
			if len(in.rows) == 0 {
				continue
			}
			q := oneRow(in.prefix, in.suffix, len(in.rows[0]))
			for _, r := range in.rows {
				if _, err := tx.preparedExec(ctx, q, r...); err != nil {
					return err
				}
			}
		}
		return tx.preparedRow(ctx, query).Scan(dest...)
	}
	b := &pgx.Batch{}
	for _, in := range all {
		if len(in.rows) == 0 {
			continue
		}
		cols := len(in.rows[0])
		per := min(500, 30000/cols)
		for i := 0; i < len(in.rows); i += per {
			part := in.rows[i:min(i+per, len(in.rows))]
			var q strings.Builder
			q.WriteString(in.prefix)
			args := make([]any, 0, len(part)*cols)
			for j, r := range part {
				if j > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(" + placeholders(j*cols+1, cols) + ")")
				args = append(args, r...)
			}
			q.WriteString(in.suffix)
			b.Queue(q.String(), tx.db.textArgs(args)...)
		}
	}
	n := b.Len()
	b.Queue(query)
	return tx.pgConn(func(c *pgx.Conn) error {
		br := c.SendBatch(ctx, b)
		for range n {
			if _, err := br.Exec(); err != nil {
				br.Close()
				return err
			}
		}
		if err := br.QueryRow().Scan(dest...); err != nil {
			br.Close()
			return err
		}
		return br.Close()
	})
}

// FindVerificationByID returns a stored verification with its feedback
// progress. Departments see only their own.
func (db *DB) FindVerificationByID(ctx context.Context, id int64) (*lists.Verification, error) {
	actor := credit.ActorFromContext(ctx)
	if actor.Role == credit.RolePublic {
		return nil, credit.Errorf(credit.EUNAUTHORIZED, "需要提供API密钥或登录")
	}
	vs, err := db.readVerifications(ctx, []any{id})
	if err != nil {
		return nil, err
	}
	v := vs[id]
	if v == nil {
		return nil, credit.Errorf(credit.ENOTFOUND, "核查记录%d不存在", id)
	}
	if !canSeeVerification(actor, v) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "只能查看本部门的核查记录")
	}
	return v, nil
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
	return scanFeedback(db.rows(ctx, sqlFeedback, id), id)
}

// sqlFeedback reads the feedback on a verification, oldest first.
const sqlFeedback = `SELECT id, seq, measure_code, applied, applied_on, reason, at, actor FROM verification_feedback WHERE verification_id = $1 ORDER BY id`

// scanFeedback reads the rows of sqlFeedback on verification id.
func scanFeedback(res result, id int64) ([]*lists.Feedback, error) {
	out := []*lists.Feedback{}
	err := scanAll(res,
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
		// The feedback given is read, and the repeat refused, after the
		// hits fed back are locked (PostgreSQL; SQLite's one writer
		// serialises): of the same feedback sent twice at once (a double
		// click), the second finds the first and is refused as
		// already_given. Read outside, both passed and both were stored.
		if tx.db.dialect == Postgres {
			seqs := make([]int, 0, len(fb))
			for _, f := range fb {
				seqs = append(seqs, f.Seq)
			}
			slices.Sort(seqs)
			args := []any{id}
			for _, seq := range slices.Compact(seqs) {
				args = append(args, seq)
			}
			// In the order of seq, as every feedback locks them.
			if err := scanAll(tx.rows(ctx, `SELECT seq FROM verification_hits WHERE verification_id = $1 AND seq IN (`+placeholders(2, len(args)-1)+`) ORDER BY seq FOR UPDATE`, args...),
				func(*sql.Rows) error { return nil }); err != nil {
				return err
			}
		}
		given, err := scanFeedback(tx.rows(ctx, sqlFeedback, id), id)
		if err != nil {
			return err
		}
		if err := lists.RepeatedFeedback(given, fb); err != nil {
			return err
		}
		if feedbackBeforeWrite != nil {
			feedbackBeforeWrite(tx.db)
		}
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
			res, err := tx.exec(ctx, `UPDATE verification_hits SET feedback_at = $1 WHERE verification_id = $2 AND seq = $3 AND feedback_at IS NULL`, tx.now, id, f.Seq)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				// The hit's first feedback: it moves in the statistics from
				// "none" to the day it was given.
				k := statsKeyOf(v)
				if _, err := tx.exec(ctx, `UPDATE verification_hit_days SET hits = hits - 1
					WHERE day = $1 AND department_id = $2 AND actor = $3 AND scenario = $4 AND feedback_day = ''`, k.day, k.department, k.actor, k.scenario); err != nil {
					return err
				}
				if _, err := tx.exec(ctx, sqlInsertHitDays+`($1, $2, $3, $4, $5, 1)`+sqlUpsertHitDays,
					k.day, k.department, k.actor, k.scenario, credit.DateOf(tx.now).Format(credit.DateLayout)); err != nil {
					return err
				}
			}
			out = append(out, &nf)
		}
		return tx.audit(ctx, "verification.feedback", "verification", itoa(id), out)
	})
	return out, err
}

// VerificationStats returns hit rate, feedback rate and overdue feedback by
// department (or, without one, the verifying administrator) and scenario.
// Feedback is expected for a department's hits only; such a hit is 逾期未反馈
// (Overdue) when the feedback period (working days after the verification
// day) is over without feedback, 逾期反馈 (LateFeedback) when its feedback
// came after it.
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
	// The figures come from verification_days and verification_hit_days,
	// kept with every verification and feedback (a count over the
	// verifications themselves took 23 s at six million).
	where, args := "1 = 1", []any{}
	if f.From != nil {
		args = append(args, f.From.Format(credit.DateLayout))
		where += fmt.Sprintf(" AND r.day >= $%d", len(args))
	}
	if f.To != nil {
		args = append(args, f.To.Format(credit.DateLayout))
		where += fmt.Sprintf(" AND r.day <= $%d", len(args))
	}
	if f.DepartmentID != nil {
		args = append(args, int64(*f.DepartmentID))
		where += fmt.Sprintf(" AND r.department_id = $%d", len(args))
	}
	type groupKey struct {
		dep      int64
		who      string // the administrator's name when dep is 0
		scenario string
	}
	rows := map[groupKey]*lists.StatsRow{}
	get := func(dep int64, scenario, name string) *lists.StatsRow {
		k := groupKey{dep: dep, scenario: scenario}
		if dep == 0 {
			k.who = name
		}
		r := rows[k]
		if r == nil {
			r = &lists.StatsRow{DepartmentID: credit.DepartmentID(dep), DepartmentName: name, Scenario: scenario}
			rows[k] = r
		}
		return r
	}
	err := scanAll(db.rows(ctx, `SELECT r.department_id, COALESCE(d.name, r.actor), r.scenario, SUM(r.verifications), SUM(r.subjects), SUM(r.hits)
		FROM verification_days r LEFT JOIN departments d ON d.id = r.department_id WHERE `+where+`
		GROUP BY r.department_id, COALESCE(d.name, r.actor), r.scenario`, args...),
		func(rs *sql.Rows) error {
			var dep int64
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
	// Hits by the day of their verification and of their first feedback:
	// the due date is computed once per group.
	err = scanAll(db.rows(ctx, `SELECT r.department_id, COALESCE(d.name, r.actor), r.scenario, r.day, r.feedback_day, SUM(r.hits)
		FROM verification_hit_days r LEFT JOIN departments d ON d.id = r.department_id WHERE `+where+`
		GROUP BY r.department_id, COALESCE(d.name, r.actor), r.scenario, r.day, r.feedback_day`, args...),
		func(rs *sql.Rows) error {
			var dep int64
			var name, scenario, day, fbDay string
			var n int
			if err := rs.Scan(&dep, &name, &scenario, &day, &fbDay, &n); err != nil {
				return err
			}
			if n == 0 || dep == 0 { // no feedback owed by an administrator
				return nil
			}
			verified, err := time.Parse(credit.DateLayout, day)
			if err != nil {
				return fmt.Errorf("verification day %q: %w", day, err)
			}
			r := get(dep, scenario, name)
			due := db.Calendar().AddWorkingDays(verified, days)
			r.FeedbackExpected += n
			switch {
			case fbDay != "":
				r.WithFeedback += n
				given, err := time.Parse(credit.DateLayout, fbDay)
				if err != nil {
					return fmt.Errorf("feedback day %q: %w", fbDay, err)
				}
				if given.After(due) {
					r.LateFeedback += n
				}
			case today.After(due):
				r.Overdue += n
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
		st.Total.FeedbackExpected += r.FeedbackExpected
		st.Total.WithFeedback += r.WithFeedback
		st.Total.Overdue += r.Overdue
		st.Total.LateFeedback += r.LateFeedback
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
