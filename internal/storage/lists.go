package storage

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
)

var _ lists.Service = (*DB)(nil)

// afterRecords keeps tables derived from records in step with new record
// versions, in the transaction that writes them. process.go calls it for
// every chunk.
// A batch of ReapplyPolicy (reapply) changes no entry's content, so it
// pushes nothing: departments would be told of a change that is none.
func (tx *Tx) afterRecords(ctx context.Context, class *catalog.Class, recs []*record.Record, reapply bool) error {
	if class.Registers {
		_, err := tx.followRegistrations(ctx, class, recs)
		return err
	}
	if class.Code != lists.ClassCode || len(recs) == 0 {
		return nil
	}
	return tx.syncListEntries(ctx, recs, !reapply)
}

// syncListEntries writes the derived rows of new list_entry versions:
// list_entries (type, validity, removal) and list_persons (hashes of the
// responsible persons' ID numbers, for 关联失信), then pushes them to the
// departments concerned (see pushListEntries) unless push is false.
func (tx *Tx) syncListEntries(ctx context.Context, recs []*record.Record, push bool) error {
	data, err := lists.Default()
	if err != nil {
		return err
	}
	var cur []*record.Record
	for _, r := range recs {
		if r.Current { // else superseded later in the same chunk
			cur = append(cur, r)
		}
	}
	prev, err := tx.listStates(ctx, cur)
	if err != nil {
		return err
	}
	today := credit.DateOf(tx.now)
	var events []listEvent
	for _, r := range cur {
		e, err := tx.db.listEntry(data, r)
		if err != nil {
			return err
		}
		if kind, ok := lists.PushEvent(prev[e.Key], e, today); ok && push {
			events = append(events, listEvent{kind: kind, entry: e, rec: r})
		}
		if _, err := tx.exec(ctx, `DELETE FROM list_entries WHERE key = $1`, e.Key); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM list_persons WHERE key = $1`, e.Key); err != nil {
			return err
		}
		row := tx.db.listRows(e)
		_, err = tx.exec(ctx, `INSERT INTO list_entries (key, record_id, subject_id, department_id, list_type, kind, valid_from, valid_until, removed_on, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			row.key, row.recordID, row.subjectID, row.departmentID, row.listType, row.kind,
			row.validFrom, row.validUntil, row.removedOn, tx.now)
		if err != nil {
			return err
		}
		for _, p := range row.persons {
			if _, err := tx.exec(ctx, `INSERT INTO list_persons (key, id_hash, role) VALUES ($1, $2, $3)`,
				row.key, p.idHash, p.role); err != nil {
				return err
			}
		}
	}
	return tx.pushListEntries(ctx, data, events)
}

// listRow is what list_entries holds for the current version of a list
// entry (all but updated_at, the time it was written), with its rows of
// list_persons. listRows is its one definition: syncListEntries writes it,
// verifyListIndex recomputes it from the records to check the tables.
type listRow struct {
	key                               string
	recordID, subjectID, departmentID int64
	listType, kind, validFrom         string
	validUntil, removedOn             sql.NullString // NULL: none
	persons                           []listPerson
}

// listPerson is a row of list_persons: a responsible person's keyed ID
// hash and role (with the person's name).
type listPerson struct {
	idHash []byte
	role   string
}

// listRows returns the derived rows of entry e (from listEntry). A person
// without an ID number is left out, and so is the same role and number
// named twice.
func (db *DB) listRows(e *lists.Entry) *listRow {
	date := func(d *credit.Date) sql.NullString {
		if d == nil {
			return sql.NullString{}
		}
		return sql.NullString{String: d.Format(credit.DateLayout), Valid: true}
	}
	row := &listRow{key: e.Key, recordID: int64(e.RecordID), subjectID: int64(e.SubjectID), departmentID: int64(e.DepartmentID),
		listType: e.ListType, kind: string(e.Kind), validFrom: e.ValidFrom.Format(credit.DateLayout),
		validUntil: date(e.ValidUntil), removedOn: date(e.RemovedOn)}
	seen := map[string]bool{}
	for _, p := range e.Persons {
		if p.IDNumber == "" || seen[p.Role+p.IDNumber] {
			continue
		}
		seen[p.Role+p.IDNumber] = true
		row.persons = append(row.persons, listPerson{idHash: db.Secrets.HashCitizenID(p.IDNumber), role: p.Role + "：" + p.Name})
	}
	return row
}

// listStates returns the validity and removal of the current versions of
// the entries of recs before they are replaced, by key: enough to tell
// whether each was in force.
func (tx *Tx) listStates(ctx context.Context, recs []*record.Record) (map[string]*lists.Entry, error) {
	out := map[string]*lists.Entry{}
	for i := 0; i < len(recs); i += 500 {
		part := recs[i:min(i+500, len(recs))]
		args := make([]any, len(part))
		for j, r := range part {
			args[j] = r.Key
		}
		err := scanAll(tx.rows(ctx, `SELECT key, valid_from, valid_until, removed_on FROM list_entries WHERE key IN (`+placeholders(1, len(part))+`)`, args...),
			func(rows *sql.Rows) error {
				var key, from string
				var until, removed sql.NullString
				if err := rows.Scan(&key, &from, &until, &removed); err != nil {
					return err
				}
				e := &lists.Entry{Key: key}
				e.ValidFrom, _ = record.ParseDate(from)
				if d, ok := record.ParseDate(until.String); ok {
					e.ValidUntil = &d
				}
				if d, ok := record.ParseDate(removed.String); ok {
					e.RemovedOn = &d
				}
				out[key] = e
				return nil
			})
		if err != nil {
			return nil, fmt.Errorf("storage: list states: %w", err)
		}
	}
	return out, nil
}

// clearFields returns a copy of fields with identity numbers sealed at rest
// (see protectFields) opened again, for the rules of package lists and for
// resubmitting a new version. The clear values never leave storage.
func (db *DB) clearFields(fields map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		if strings.HasPrefix(v, sealedPrefix) {
			b, err := base64.StdEncoding.DecodeString(v[len(sealedPrefix):])
			if err != nil {
				return nil, fmt.Errorf("storage: sealed field %s: %w", k, err)
			}
			if v, err = db.Secrets.DecryptCitizenID(b); err != nil {
				return nil, fmt.Errorf("storage: sealed field %s: %w", k, err)
			}
		}
		out[k] = v
	}
	return out, nil
}

// listEntry reads a list_entry record as an entry, with clear identity
// numbers of responsible persons (for linkage only).
func (db *DB) listEntry(data *lists.Data, r *record.Record) (*lists.Entry, error) {
	clear, err := db.clearFields(r.Fields)
	if err != nil {
		return nil, err
	}
	c := *r
	c.Fields = clear
	return lists.EntryFromRecord(data, &c)
}

// ListData returns the list catalog with the province's measure edits.
func (db *DB) ListData(ctx context.Context) (*lists.Data, error) {
	def, err := lists.Default()
	if err != nil {
		return nil, err
	}
	var over []lists.Measure
	err = scanAll(db.rows(ctx, `SELECT body FROM measures ORDER BY code`), func(rows *sql.Rows) error {
		var body string
		if err := rows.Scan(&body); err != nil {
			return err
		}
		var m lists.Measure
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			return err
		}
		over = append(over, m)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage.ListData: %w", err)
	}
	if len(over) == 0 {
		return def, nil
	}
	return def.WithMeasures(over), nil
}

// SaveMeasure creates or replaces a measure of the catalog (province
// administrators). A measure without legal basis is rejected.
func (db *DB) SaveMeasure(ctx context.Context, m *lists.Measure, how lists.MeasureSave) error {
	actor := credit.ActorFromContext(ctx)
	if !access.Can(actor, access.ActionManageCatalog, access.Target{}) {
		return credit.Errorf(credit.EFORBIDDEN, "只有省级管理员可以维护措施清单")
	}
	data, err := lists.Default()
	if err != nil {
		return err
	}
	m.Code = lists.NormalizeMeasureCode(m.Code)
	m.Version = "" // not stored: how.Base says which version this edits
	if err := m.Validate(data); err != nil {
		return err
	}
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	duplicate := credit.Invalid("措施代码“"+m.Code+"”已存在：请编辑该措施，或使用其他代码",
		credit.Problem{Field: "code", Code: "duplicate", Message: "措施代码“" + m.Code + "”已存在"})
	changed := credit.Errorf(credit.ECONFLICT, "措施“%s”在您编辑期间已被他人修改，本次修改未保存；请重新打开该措施，核对后再修改", m.Code)
	defer db.forgetData()
	return db.transact(ctx, func(tx *Tx) error {
		// The measure as it is now: the province's edit, else the default.
		q := `SELECT body FROM measures WHERE code = $1`
		if db.dialect == Postgres {
			q += ` FOR UPDATE`
		}
		var cur *lists.Measure
		var stored string
		switch err := tx.queryRow(ctx, q, m.Code).Scan(&stored); {
		case errors.Is(err, sql.ErrNoRows):
			if i := slices.IndexFunc(data.Measures, func(x lists.Measure) bool { return x.Code == m.Code }); i >= 0 {
				cur = &data.Measures[i]
			}
		case err != nil:
			return err
		default:
			cur = new(lists.Measure)
			if err := json.Unmarshal([]byte(stored), cur); err != nil {
				return err
			}
		}
		if how.Create && cur != nil {
			return duplicate
		}
		if how.Base != "" && (cur == nil || lists.MeasureVersion(*cur) != how.Base) {
			return changed
		}
		if stored != "" {
			if _, err := tx.exec(ctx, `UPDATE measures SET body = $1, updated_at = $2, updated_by = $3 WHERE code = $4`, string(body), tx.now, actor.Label(), m.Code); err != nil {
				return err
			}
		} else {
			res, err := tx.exec(ctx, `INSERT INTO measures (code, body, updated_at, updated_by) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING`, m.Code, string(body), tx.now, actor.Label())
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 { // saved at the same moment by someone else
				if how.Create {
					return duplicate
				}
				return changed
			}
		}
		return tx.audit(ctx, "measure.save", "measure", m.Code, m)
	})
}

// currentListRecords returns the current list_entry records with the given
// business keys.
func (db *DB) currentListRecords(ctx context.Context, keys []string) (map[string]*record.Record, error) {
	out := map[string]*record.Record{}
	for i := 0; i < len(keys); i += 500 {
		part := keys[i:min(i+500, len(keys))]
		args := []any{lists.ClassCode}
		for _, k := range part {
			args = append(args, k)
		}
		err := scanAll(db.rows(ctx, `SELECT `+recordColumns+` FROM records WHERE class = $1 AND is_current AND key IN (`+placeholders(2, len(part))+`)`, args...),
			func(rows *sql.Rows) error {
				r, err := scanRecord(rows)
				if err != nil {
					return err
				}
				out[r.Key] = r
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// subjectEntries returns every current list entry of a subject (active or
// not: callers decide by date).
func (db *DB) subjectEntries(ctx context.Context, data *lists.Data, id credit.SubjectID) ([]*lists.Entry, error) {
	var out []*lists.Entry
	err := scanAll(db.rows(ctx, `SELECT `+recordColumns+` FROM records WHERE subject_id = $1 AND class = $2 AND is_current ORDER BY id`, int64(id), lists.ClassCode),
		func(rows *sql.Rows) error {
			r, err := scanRecord(rows)
			if err != nil {
				return err
			}
			e, err := db.listEntry(data, r)
			if err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	return out, err
}

// linkedByPerson returns the entries naming the person with ID number id as
// a responsible person.
func (db *DB) linkedByPerson(ctx context.Context, data *lists.Data, id string) ([]lists.Linked, error) {
	roles := map[string]string{}
	var keys []string
	err := scanAll(db.rows(ctx, `SELECT key, role FROM list_persons WHERE id_hash = $1`, db.Secrets.HashCitizenID(id)), func(rows *sql.Rows) error {
		var k, role string
		if err := rows.Scan(&k, &role); err != nil {
			return err
		}
		if _, ok := roles[k]; !ok {
			keys = append(keys, k)
			roles[k] = role
		}
		return nil
	})
	if err != nil || len(keys) == 0 {
		return nil, err
	}
	recs, err := db.currentListRecords(ctx, keys)
	if err != nil {
		return nil, err
	}
	var out []lists.Linked
	for _, k := range keys {
		r, ok := recs[k]
		if !ok {
			continue
		}
		e, err := db.listEntry(data, r)
		if err != nil {
			return nil, err
		}
		out = append(out, lists.Linked{Entry: e, Role: roles[k]})
	}
	return out, nil
}

// FindListEntries returns list entries for government users and
// administrators, newest first.
func (db *DB) FindListEntries(ctx context.Context, f lists.Filter) ([]*lists.Entry, int, error) {
	actor := credit.ActorFromContext(ctx)
	if actor.Role == credit.RolePublic {
		return nil, 0, credit.Errorf(credit.EUNAUTHORIZED, "需要提供API密钥或登录")
	}
	if !access.Can(actor, access.ActionViewArchive, access.Target{}) {
		return nil, 0, credit.Errorf(credit.EFORBIDDEN, "无权查询名单信息")
	}
	data, err := lists.Default()
	if err != nil {
		return nil, 0, err
	}
	where, args := []string{"1 = 1"}, []any{}
	arg := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.Replace(cond, "?", fmt.Sprintf("$%d", len(args)), 1))
	}
	if f.SubjectID != nil {
		arg("subject_id = ?", int64(*f.SubjectID))
	}
	if f.DepartmentID != nil {
		arg("department_id = ?", int64(*f.DepartmentID))
	}
	if !access.Can(actor, access.ActionViewRecord, access.Target{}) {
		// A reader who may not read other departments' records by id (a
		// department) lists persons' entries of its own decisions only.
		// A subject's type looked up per entry walked, by its key: not
		// NOT IN (PostgreSQL rescans a million persons' ids per entry
		// when they do not fit work_mem) nor NOT EXISTS inside the OR
		// (hashed: every subject scanned for each page).
		// A region administrator: those of the region's departments.
		if actor.Role == credit.RoleRegion {
			arg("((SELECT d.region_code FROM departments d WHERE d.id = list_entries.department_id) LIKE ? OR (SELECT s.type FROM subjects s WHERE s.id = list_entries.subject_id) <> '"+string(subject.Person)+"')", regionLike(actor.RegionCode))
		} else {
			arg("(department_id = ? OR (SELECT s.type FROM subjects s WHERE s.id = list_entries.subject_id) <> '"+string(subject.Person)+"')", int64(actor.DepartmentID))
		}
	}
	if f.ListType != "" {
		arg("list_type = ?", f.ListType)
	}
	if f.Kind != "" {
		arg("kind = ?", string(f.Kind))
	}
	if f.ActiveOn != nil {
		d := f.ActiveOn.Format(credit.DateLayout)
		arg("valid_from <= ?", d)
		arg("(valid_until IS NULL OR valid_until >= ?)", d)
		arg("(removed_on IS NULL OR removed_on > ?)", d)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	// The page walks list_entries_from or list_entries_type_from (0023)
	// newest first and stops at the page; the total is counted up to
	// subject.TotalCap (a window count sorted every entry for a page).
	cond := strings.Join(where, " AND ")
	q := `SELECT key FROM list_entries WHERE ` + cond +
		fmt.Sprintf(` ORDER BY valid_from DESC, key LIMIT %d OFFSET %d`, limit, max(f.Offset, 0))
	var keys []string
	err = scanAll(db.rows(ctx, q, args...), func(rows *sql.Rows) error {
		var k string
		if err := rows.Scan(&k); err != nil {
			return err
		}
		keys = append(keys, k)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("storage.FindListEntries: %w", err)
	}
	total, err := db.countCapped(ctx, `FROM list_entries WHERE `+cond, f.Offset, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("storage.FindListEntries: %w", err)
	}
	recs, err := db.currentListRecords(ctx, keys)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*lists.Entry, 0, len(keys))
	for _, k := range keys {
		if r, ok := recs[k]; ok {
			e, err := db.listEntry(data, r)
			if err != nil {
				return nil, 0, err
			}
			out = append(out, e)
		}
	}
	if err := db.showCurrentNames(ctx, organisations(out)); err != nil {
		return nil, 0, fmt.Errorf("storage.FindListEntries: %w", err)
	}
	return out, total, nil
}

// organisations returns the entries of es whose subject is an
// organisation (named by its registration authority; a person keeps the
// name the entry gives, also a 自然人 named with the code of his
// individual business: his name is no name of the business, QA).
func organisations(es []*lists.Entry) []*lists.Entry {
	var out []*lists.Entry
	for _, e := range es {
		if e.SubjectUSCC != "" && e.SubjectCategory != "自然人" {
			out = append(out, e)
		}
	}
	return out
}

// FindListEntry returns the current version of the list entry that record
// id belongs to (id may name an older version), for the government and
// administrators, as FindListEntries does.
func (db *DB) FindListEntry(ctx context.Context, id credit.RecordID) (*lists.Entry, error) {
	actor := credit.ActorFromContext(ctx)
	if actor.Role == credit.RolePublic {
		return nil, credit.Errorf(credit.EUNAUTHORIZED, "需要提供API密钥或登录")
	}
	if !access.Can(actor, access.ActionViewArchive, access.Target{}) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "无权查询名单信息")
	}
	e, _, err := db.findListEntry(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := db.hideOthersPerson(ctx, actor, e); err != nil {
		return nil, err
	}
	if err := db.showCurrentNames(ctx, organisations([]*lists.Entry{e})); err != nil {
		return nil, err
	}
	return e, nil
}

// hideOthersPerson returns ENOTFOUND, as for an id that names nothing, when
// actor may not know of e: a person's entry, read by its id, that the actor
// may not read as a record by id (access.ActionViewRecord: a department
// reads its own decisions' only; others find a person on a list by
// verifying the ID, which is query-logged).
func (db *DB) hideOthersPerson(ctx context.Context, actor credit.Actor, e *lists.Entry) error {
	t := access.Target{DepartmentID: e.DepartmentID}
	if actor.Role == credit.RoleRegion {
		if err := db.queryRow(ctx, `SELECT region_code FROM departments WHERE id = $1`, int64(e.DepartmentID)).Scan(&t.RegionCode); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	if access.Can(actor, access.ActionViewRecord, t) {
		return nil
	}
	var typ string
	if err := db.queryRow(ctx, `SELECT type FROM subjects WHERE id = $1`, int64(e.SubjectID)).Scan(&typ); err != nil {
		return err
	}
	if subject.Type(typ) == subject.Person {
		return credit.Errorf(credit.ENOTFOUND, "名单信息不存在")
	}
	return nil
}

// findListEntry returns the current version of the entry whose some version
// has record id id, with its record.
func (db *DB) findListEntry(ctx context.Context, id credit.RecordID) (*lists.Entry, *record.Record, error) {
	var key string
	err := db.queryRow(ctx, `SELECT key FROM records WHERE id = $1 AND class = $2`, int64(id), lists.ClassCode).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, credit.Errorf(credit.ENOTFOUND, "名单信息不存在")
	}
	if err != nil {
		return nil, nil, err
	}
	recs, err := db.currentListRecords(ctx, []string{key})
	if err != nil {
		return nil, nil, err
	}
	r, ok := recs[key]
	if !ok {
		return nil, nil, credit.Errorf(credit.ENOTFOUND, "名单信息不存在")
	}
	data, err := lists.Default()
	if err != nil {
		return nil, nil, err
	}
	e, err := db.listEntry(data, r)
	return e, r, err
}

// RemoveListEntry removes an entry early: a new version of its record with
// 移出日期, 移出方式 and 移出原因, submitted through the ordinary ingestion
// path in the name of the department that listed it, so that it is
// validated, versioned, audited and in the ledger.
//
// The removal is composed from the current version and names it as its
// base (record.BaseColumn): when a correction or another removal is
// written in between, the writer refuses it, and it is composed again from
// what was written, so that a removal never undoes a correction, and a
// second removal finds the entry removed (ECONFLICT).
func (db *DB) RemoveListEntry(ctx context.Context, id credit.RecordID, rm lists.Removal) (*lists.Entry, error) {
	actor := credit.ActorFromContext(ctx)
	if actor.Role == credit.RolePublic {
		return nil, credit.Errorf(credit.EUNAUTHORIZED, "需要提供API密钥或登录")
	}
	for attempt := 1; ; attempt++ {
		e, r, err := db.findListEntry(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := db.hideOthersPerson(ctx, actor, e); err != nil {
			return nil, err
		}
		dep, err := db.FindDepartmentByID(ctx, r.DepartmentID)
		if err != nil {
			return nil, err
		}
		if !access.Can(actor, access.ActionSubmit, access.Target{DepartmentID: dep.ID, RegionCode: dep.RegionCode}) {
			if e.DepartmentCode != "" && e.DepartmentCode != dep.Code {
				// Sent by one department in the name of another (a relayed
				// decision): the entry is the sender's to remove.
				return nil, credit.Errorf(credit.EFORBIDDEN, "该名单信息由“%s”报送（认定部门为“%s”），只有报送部门可以移出", dep.Name, e.Department)
			}
			return nil, credit.Errorf(credit.EFORBIDDEN, "只有认定部门“%s”可以移出该名单信息", dep.Name)
		}
		// The removal's own fields are checked before a row is composed
		// from them, so that their problems name the request's fields
		// (reason, kind, date), not a row of the batch it becomes.
		today := credit.DateOf(db.Now())
		maxReason, err := db.removalReasonMax(ctx)
		if err != nil {
			return nil, err
		}
		if err := rm.Validate(today, maxReason); err != nil {
			return nil, err
		}
		day := today
		if rm.Date != nil {
			day = *rm.Date
		}
		fields, err := db.removalRow(e, r, day, rm.Kind, rm.Reason)
		if err != nil {
			return nil, err
		}
		if beforeListSubmit != nil {
			beforeListSubmit()
		}
		err = db.submitListVersions(ctx, dep, []map[string]string{fields})
		if isStale(err) {
			if attempt < maxListAttempts {
				continue
			}
			return nil, credit.Errorf(credit.ECONFLICT, "该名单信息正在被其他操作更新，请稍后重试")
		}
		if err != nil {
			return nil, lists.RemovalError(err) // a refused row told as the request's fields
		}
		e, _, err = db.findListEntry(ctx, id)
		if err == nil { // named as FindListEntry names it
			err = db.showCurrentNames(ctx, organisations([]*lists.Entry{e}))
		}
		return e, err
	}
}

// removalReasonMax returns the longest 移出原因 the catalog allows (the
// max_len of MD_YCYY in class list_entry), 0 for none.
func (db *DB) removalReasonMax(ctx context.Context) (int, error) {
	cat, err := db.Catalog(ctx)
	if err != nil {
		return 0, err
	}
	cl, ok := cat.Class(lists.ClassCode)
	if !ok {
		return 0, nil
	}
	f, ok := cl.Field(lists.FieldRemovalReason)
	if !ok {
		return 0, nil
	}
	return f.MaxLen, nil
}

// maxListAttempts is how often a removal is composed again when another
// version of its entry was written in between.
const maxListAttempts = 5

// beforeListSubmit, set by tests only, runs between composing removals and
// submitting them.
var beforeListSubmit func()

// removalRow returns the row of a new version of e's record r (its current
// version) that removes e on day: its fields in clear with the removal's,
// based on r (record.BaseColumn).
func (db *DB) removalRow(e *lists.Entry, r *record.Record, day credit.Date, kind, reason string) (map[string]string, error) {
	clear, err := db.clearFields(r.Fields)
	if err != nil {
		return nil, err
	}
	fields, err := lists.RemovalFields(e, clear, day, kind, reason)
	if err != nil {
		return nil, err
	}
	fields[record.BaseColumn] = strconv.FormatInt(int64(r.ID), 10)
	return fields, nil
}

// isStale reports whether err is submitListVersions' refusal of rows
// whose base is no longer current, and nothing else.
func isStale(err error) bool {
	var e *credit.Error
	if !errors.As(err, &e) || len(e.Details) == 0 {
		return false
	}
	for _, p := range e.Details {
		if p.Code != ProblemStaleVersion {
			return false
		}
	}
	return true
}

// submitListVersions submits new versions of list entries as one JSON batch
// of department dep and fails unless every row was accepted (EINVALID with
// the rows' problems).
func (db *DB) submitListVersions(ctx context.Context, dep *access.Department, rows []map[string]string) error {
	_, err := db.submitListBatch(ctx, dep, rows)
	return err
}

// submitListBatch is submitListVersions returning the receipt too.
func (db *DB) submitListBatch(ctx context.Context, dep *access.Department, rows []map[string]string) (*record.Receipt, error) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(rows); err != nil {
		return nil, err
	}
	rc, err := db.Submit(ctx, record.Submission{Class: lists.ClassCode, DepartmentCode: dep.Code, Format: "json", Filename: "名单移出.json", Channel: ChannelSystem, Body: &buf})
	if err != nil {
		return nil, err
	}
	if rc.Rejected > 0 {
		errs, _, err := db.FindBatchErrors(ctx, rc.Batch, 0, 1000)
		if err != nil {
			return rc, err
		}
		var ps []credit.Problem
		for _, e := range errs {
			ps = append(ps, e.Problems...)
		}
		msg := "移出信息未通过校验"
		if len(ps) > 0 {
			msg += "：" + ps[0].Message
		}
		return rc, credit.Invalid(msg, ps...)
	}
	return rc, nil
}

// expiryTurn makes the ExpireListEntries calls of this process take turns;
// on PostgreSQL, expiryLock makes those of every process take turns too.
var expiryTurn = make(chan struct{}, 1)

// expiryLock is the PostgreSQL advisory lock that serialises
// ExpireListEntries across processes ("jlex").
const expiryLock = 0x6a6c6578

// ExpireListEntries removes, as of day, every entry whose validity ended
// before day (移出方式 有效期届满; the removal date is the day after the
// last valid day). Each department's removals are one batch. It returns
// the number of entries it removed.
//
// Runs take turns (two servers each run it daily, and an operator may run
// `credit lists expire` meanwhile), and each reads which entries still need
// a removal only once its turn has come: a run after another finds the
// other's removals written, and creates no batch of duplicates. Across
// processes on SQLite no lock is taken: two runs at once may still both
// submit a removal, and the second's batch then holds duplicates, which
// it does not count. A removal composed before a correction of its entry
// was written is refused by its base (record.BaseColumn) and composed
// again from the correction.
func (db *DB) ExpireListEntries(ctx context.Context, day credit.Date) (int, error) {
	actor := credit.ActorFromContext(ctx)
	if actor.Role != credit.RoleSystem && actor.Role != credit.RoleProvince {
		return 0, credit.Errorf(credit.EFORBIDDEN, "只有平台或省级管理员可以执行到期移出")
	}
	select {
	case expiryTurn <- struct{}{}:
	case <-ctx.Done():
		return 0, fmt.Errorf("storage.ExpireListEntries: %w", ctx.Err())
	}
	defer func() { <-expiryTurn }()
	if db.dialect == Postgres {
		// A session lock, held on a connection of its own while the
		// removals are submitted through the others. Polled, as Migrate's:
		// a waiting run holds no connection.
		conn, err := db.write.Conn(ctx)
		if err != nil {
			return 0, fmt.Errorf("storage.ExpireListEntries: %w", err)
		}
		defer conn.Close()
		for {
			var locked bool
			if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, expiryLock).Scan(&locked); err != nil {
				return 0, fmt.Errorf("storage.ExpireListEntries: %w", err)
			}
			if locked {
				break
			}
			select {
			case <-ctx.Done():
				return 0, fmt.Errorf("storage.ExpireListEntries: %w", ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, expiryLock)
	}
	// Each removal names the version it was composed from: one refused
	// because a correction was written meanwhile is composed again from
	// the correction in the next round (which may have moved its end).
	n := 0
	for round := 1; ; round++ {
		written, stale, err := db.expireRound(ctx, day)
		n += written
		if err != nil || stale == 0 {
			return n, err
		}
		if round == maxListAttempts {
			return n, credit.Errorf(credit.ECONFLICT, "%d条名单信息在到期移出期间被反复更新，未能移出，请稍后重新执行", stale)
		}
	}
}

// expireRound is one round of ExpireListEntries: it submits the removals
// due as of day and returns how many were written and how many were
// refused because another version was written since they were composed.
func (db *DB) expireRound(ctx context.Context, day credit.Date) (written, stale int, err error) {
	var keys []string
	err = scanAll(db.rows(ctx, `SELECT key FROM list_entries WHERE removed_on IS NULL AND valid_until < $1 ORDER BY key`, day.Format(credit.DateLayout)),
		func(rows *sql.Rows) error {
			var k string
			if err := rows.Scan(&k); err != nil {
				return err
			}
			keys = append(keys, k)
			return nil
		})
	if err != nil {
		return 0, 0, fmt.Errorf("storage.ExpireListEntries: %w", err)
	}
	recs, err := db.currentListRecords(ctx, keys)
	if err != nil {
		return 0, 0, err
	}
	data, err := lists.Default()
	if err != nil {
		return 0, 0, err
	}
	byDep := map[credit.DepartmentID][]map[string]string{}
	for _, k := range keys {
		r, ok := recs[k]
		if !ok {
			continue
		}
		e, err := db.listEntry(data, r)
		if err != nil {
			return 0, 0, err
		}
		if e.ValidUntil == nil {
			continue
		}
		end := e.ValidUntil.AddDate(0, 0, 1)
		reason := "有效期至" + e.ValidUntil.Format(credit.DateLayout) + "届满，自动移出"
		if e.Capped {
			reason += "（有效期按名单类型上限计算）"
		}
		fields, err := db.removalRow(e, r, end, lists.RemovedExpired, reason)
		if err != nil {
			continue // removed meanwhile
		}
		byDep[r.DepartmentID] = append(byDep[r.DepartmentID], fields)
	}
	deps := make([]credit.DepartmentID, 0, len(byDep))
	for d := range byDep {
		deps = append(deps, d)
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i] < deps[j] })
	if beforeListSubmit != nil && len(deps) > 0 {
		beforeListSubmit()
	}
	for _, id := range deps {
		dep, err := db.FindDepartmentByID(ctx, id)
		if err != nil {
			return written, stale, err
		}
		// Counting the removals written: a row equal to the entry's
		// current version (a removal written meanwhile) is a duplicate,
		// not a removal.
		rc, err := db.submitListBatch(ctx, dep, byDep[id])
		if rc != nil {
			written += rc.Accepted
		}
		if isStale(err) {
			stale += rc.Rejected
			continue
		}
		if err != nil {
			return written, stale, err
		}
	}
	return written, stale, nil
}
