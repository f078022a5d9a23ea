package storage

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
)

// verifyListIndex checks list_entries and list_persons, which verification
// (信用核查) and 关联失信 read instead of the records, against the current
// list_entry records they are derived from (listRows, the derivation
// syncListEntries writes): every current entry must have exactly its rows,
// and no row may be without one. The records themselves were checked
// against the ledger before.
//
// The derived rows depend on the record only, never on the day: an entry
// that expires stays as it is until ExpireListEntries writes its removal as
// a new version, whose rows replace the old ones in the same transaction.
//
// Both tables and the records are read with one statement, sorted by key
// (one snapshot, one connection; memory for one key at a time): each key's
// record, index row and person rows come together, in any order. Each
// branch can be read in key order from an index (records_current and the
// tables' primary keys), so that SQLite merges them without sorting.
func (db *DB) verifyListIndex(ctx context.Context) error {
	data, err := lists.Default()
	if err != nil {
		return err
	}
	const (
		sideRecord = iota
		sideEntry
		sidePerson
	)
	// The branches of the union, column by column: key, side; ids;
	// version; fields, list type or role; kind, validity, removal; ID
	// hash. The NULLs are typed for PostgreSQL, which resolves the types
	// of a union pairwise.
	const (
		nullInt  = `CAST(NULL AS BIGINT)`
		nullText = `CAST(NULL AS TEXT)`
		nullHash = `CAST(NULL AS BYTEA)` // SQLite: NULL whatever the type name
	)
	q := `SELECT key, 0, id, subject_id, department_id, version, fields, ` + nullText + `, ` + nullText + `, ` + nullText + `, ` + nullText + `, ` + nullHash + `
		FROM records WHERE class = $1 AND is_current
		UNION ALL
		SELECT key, 1, record_id, subject_id, department_id, ` + nullInt + `, list_type, kind, valid_from, valid_until, removed_on, ` + nullHash + `
		FROM list_entries
		UNION ALL
		SELECT key, 2, ` + nullInt + `, ` + nullInt + `, ` + nullInt + `, ` + nullInt + `, role, ` + nullText + `, ` + nullText + `, ` + nullText + `, ` + nullText + `, id_hash
		FROM list_persons
		ORDER BY 1`
	var (
		g       listGroup
		started bool
		bad     error
	)
	flush := func() {
		if started && bad == nil {
			bad = db.checkListGroup(data, &g)
		}
	}
	err = scanAll(db.rows(ctx, q, lists.ClassCode), func(rows *sql.Rows) error {
		var (
			key                string
			side               int
			n1, n2, n3, n4     sql.NullString
			t1, t2, t3, t4, t5 sql.NullString
			hash               []byte
		)
		if err := rows.Scan(&key, &side, &n1, &n2, &n3, &n4, &t1, &t2, &t3, &t4, &t5, &hash); err != nil {
			return err
		}
		if !started || key != g.key {
			flush()
			if bad != nil {
				return errStopScan
			}
			g = listGroup{key: key}
			started = true
		}
		switch side {
		case sideRecord:
			g.records = append(g.records, storedListRecord{id: n1.String, subjectID: n2.String, departmentID: n3.String, version: n4.String, fields: t1.String})
		case sideEntry:
			g.entries = append(g.entries, storedListEntry{recordID: n1, subjectID: n2, departmentID: n3, listType: t1, kind: t2, validFrom: t3, validUntil: t4, removedOn: t5})
		case sidePerson:
			g.persons = append(g.persons, listPerson{idHash: hash, role: t1.String})
		}
		return nil
	})
	if errors.Is(err, errStopScan) {
		return bad
	}
	if err != nil {
		return fmt.Errorf("storage: list index: %w", err)
	}
	flush()
	return bad
}

// errStopScan stops a scan whose caller already has its answer.
var errStopScan = errors.New("storage: scan stopped")

// listGroup is what the database holds for one business key of a list
// entry: its current record (if any), its list_entries row and its
// list_persons rows, as stored (values are compared as text, so that a
// value of the wrong type is reported rather than failing the scan).
type listGroup struct {
	key     string
	records []storedListRecord
	entries []storedListEntry
	persons []listPerson
}

type storedListRecord struct {
	id, subjectID, departmentID, version, fields string
}

type storedListEntry struct {
	recordID, subjectID, departmentID                sql.NullString
	listType, kind, validFrom, validUntil, removedOn sql.NullString
}

// checkListGroup returns EINVALID saying how g's rows differ from those its
// record derives, or nil.
func (db *DB) checkListGroup(data *lists.Data, g *listGroup) error {
	typeName := func(code string) string {
		if lt, ok := data.ListType(code); ok {
			return lt.Name
		}
		return code
	}
	if len(g.records) == 0 {
		if len(g.entries) > 0 {
			return credit.Errorf(credit.EINVALID, "名单索引与存证记录不符：名单索引（list_entries）中有业务主键为 %s 的名单（名单类型“%s”），存证记录中却没有该名单的当前版本（索引行多出）",
				g.key, typeName(g.entries[0].listType.String))
		}
		return credit.Errorf(credit.EINVALID, "名单索引与存证记录不符：名单关联责任人（list_persons）中有业务主键为 %s 的行“%s”，存证记录中却没有该名单（多出）",
			g.key, g.persons[0].role)
	}
	sr := g.records[len(g.records)-1]
	r := &record.Record{Class: lists.ClassCode, Key: g.key}
	id, err1 := strconv.ParseInt(sr.id, 10, 64)
	subj, err2 := strconv.ParseInt(sr.subjectID, 10, 64)
	dep, err3 := strconv.ParseInt(sr.departmentID, 10, 64)
	version, err4 := strconv.Atoi(sr.version)
	fields, err5 := record.ParseFieldsJSON([]byte(sr.fields))
	if err := firstErr(err1, err2, err3, err4, err5); err != nil {
		return credit.Errorf(credit.EINVALID, "名单索引与存证记录不符：名单记录（业务主键 %s）无法读取：%v", g.key, err)
	}
	r.ID, r.SubjectID, r.DepartmentID, r.Version, r.Fields = credit.RecordID(id), credit.SubjectID(subj), credit.DepartmentID(dep), version, fields
	e, err := db.listEntry(data, r)
	if err != nil {
		return credit.Errorf(credit.EINVALID, "名单索引与存证记录不符：记录ID %d（业务主键 %s）无法解读为名单：%s", id, g.key, credit.ErrorMessage(err))
	}
	want := db.listRows(e)
	bad := func(format string, args ...any) error {
		return credit.Errorf(credit.EINVALID, "名单索引与存证记录不符：名单类型“%s”，文书号“%s”（业务主键 %s，记录ID %d）：%s",
			e.ListName, e.DocNo, g.key, id, fmt.Sprintf(format, args...))
	}
	if len(g.entries) == 0 {
		return bad("名单索引（list_entries）中缺少该名单")
	}
	if len(g.entries) > 1 {
		return bad("名单索引（list_entries）中有%d行", len(g.entries))
	}
	got := g.entries[0]
	shown := func(v sql.NullString, none string) string {
		if !v.Valid {
			return none
		}
		return "“" + v.String + "”"
	}
	num := func(n int64) sql.NullString { return sql.NullString{String: strconv.FormatInt(n, 10), Valid: true} }
	text := func(s string) sql.NullString { return sql.NullString{String: s, Valid: true} }
	for _, c := range []struct {
		what      string
		got, want sql.NullString
		none      string
	}{
		{"记录ID", got.recordID, num(want.recordID), "空"},
		{"主体ID", got.subjectID, num(want.subjectID), "空"},
		{"认定部门ID", got.departmentID, num(want.departmentID), "空"},
		{"名单类型", got.listType, text(want.listType), "空"},
		{"名单性质", got.kind, text(want.kind), "空"},
		{"有效期起始日", got.validFrom, text(want.validFrom), "空"},
		{"有效期截止日", got.validUntil, want.validUntil, "无"},
		{"移出日期", got.removedOn, want.removedOn, "无（未移出）"},
	} {
		if c.got != c.want {
			return bad("名单索引（list_entries）中的%s为%s，存证记录为%s", c.what, shown(c.got, c.none), shown(c.want, c.none))
		}
	}
	cmpPerson := func(a, b listPerson) int {
		if c := bytes.Compare(a.idHash, b.idHash); c != 0 {
			return c
		}
		return strings.Compare(a.role, b.role)
	}
	gotP := slices.SortedFunc(slices.Values(g.persons), cmpPerson)
	wantP := slices.SortedFunc(slices.Values(want.persons), cmpPerson)
	for i := 0; i < len(gotP) || i < len(wantP); i++ {
		switch {
		case i >= len(gotP) || (i < len(wantP) && cmpPerson(wantP[i], gotP[i]) < 0):
			return bad("名单关联责任人（list_persons）中缺少“%s”", wantP[i].role)
		case i >= len(wantP) || cmpPerson(wantP[i], gotP[i]) > 0:
			return bad("名单关联责任人（list_persons）中多出“%s”（或其证件号码被改动）", gotP[i].role)
		}
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
