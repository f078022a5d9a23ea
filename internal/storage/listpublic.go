package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"jlcredit/internal/archive"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
)

var _ lists.PublicService = (*DB)(nil)

// FindPublicEntries lists the entries of public lists that the public sees
// today. Visibility is the one policy of the platform: publicRecords in SQL
// (persons, withdrawn and repaired records, and records past their
// publicity window — for an entry, from the day after its validity ends or
// the day it is removed — are left out), then archive.Visible on every row
// read. The list type comes from the derived table list_entries. Entries
// are named by their subject's current name, with the name they were
// listed under beside it when that is another (showCurrentNames); the
// search text matches what is shown (formerNameText).
func (db *DB) FindPublicEntries(ctx context.Context, f lists.PublicFilter) ([]*lists.Entry, int, error) {
	data, err := lists.Default()
	if err != nil {
		return nil, 0, err
	}
	if len(f.ListTypes) == 0 {
		return nil, 0, credit.Errorf(credit.EINVALID, "请选择名单类型")
	}
	types := make([]any, len(f.ListTypes))
	for i, code := range f.ListTypes {
		lt, ok := data.ListType(code)
		if !ok || !lt.Kind.Public() {
			return nil, 0, credit.Errorf(credit.EINVALID, "名单类型“%s”不存在或不公开", code)
		}
		types[i] = code
	}
	c, err := db.FindClass(ctx, lists.ClassCode)
	if err != nil {
		return nil, 0, err
	}
	today := credit.DateOf(db.Now())
	w := &clause{}
	db.publicRecords(w, []*catalog.Class{c}, today)
	w.add("le.list_type IN ("+marks(len(types))+")", types...)
	n := len(w.conds)
	if err := db.recordText(ctx, w, f.Text, []*catalog.Class{c}, false); err != nil {
		return nil, 0, err
	}
	if err := db.formerNameText(ctx, w, n, f.Text); err != nil {
		return nil, 0, fmt.Errorf("storage.FindPublicEntries: %w", err)
	}
	if len(f.SubjectIDs) > 100 {
		return nil, 0, credit.Errorf(credit.EINVALID, "一次最多查询100个主体的名单信息")
	}
	if len(f.SubjectIDs) > 0 {
		ids := make([]any, len(f.SubjectIDs))
		for i, id := range f.SubjectIDs {
			ids[i] = int64(id)
		}
		w.add("le.subject_id IN ("+marks(len(ids))+")", ids...)
	}
	var out []*lists.Entry
	total, err := db.pageRecords(ctx, ` FROM list_entries le JOIN records r ON r.id = le.record_id JOIN subjects s ON s.id = r.subject_id`, w, f.Limit, f.Offset,
		func(r *record.Record, typ subject.Type) error {
			e, err := publicEntry(data, c, &subject.Subject{Type: typ}, r, today)
			if err != nil || e == nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	if err == nil {
		err = db.showCurrentNames(ctx, organisations(out))
	}
	if err != nil {
		return nil, 0, fmt.Errorf("storage.FindPublicEntries: %w", err)
	}
	return out, total, nil
}

// formerNameText widens the name condition recordText added to w (its one
// condition after the first n) to the entries of the subjects that bore
// text, as a whole name, before their registration authority renamed them
// (曾用名, subject_former_names: a probe of its primary key by name key).
// Entries are shown by their subject's current name (showCurrentNames),
// which recordText matches (any part of it); an entry listed under a former
// name shows that name beside it, and is found by it too. Parts of former
// names are not searched: the table has no bigrams, and a scan of it on
// every search is what the bigrams avoid.
func (db *DB) formerNameText(ctx context.Context, w *clause, n int, text string) error {
	text = strings.TrimSpace(text)
	if text == "" || len(w.conds) != n+1 {
		return nil
	}
	if code := subject.Normalize(text); len(code) == 18 && looksLikeCode(code) {
		return nil // a code, not a name
	}
	ids, ok, err := db.candidates(ctx, `SELECT subject_id FROM subject_former_names WHERE name_key = $1`, subject.NameKey(subject.NormalizeText(text)))
	if err != nil || !ok || len(ids) == 0 {
		return err
	}
	cond := w.conds[n]
	w.conds = w.conds[:n]
	w.add("("+cond+" OR r.subject_id IN ("+marks(len(ids))+"))", ids...)
	return nil
}

// showCurrentNames names each of es by its subject's current name
// (lists.Entry.ShowCurrentName), read for the page's subjects in one
// query.
func (db *DB) showCurrentNames(ctx context.Context, es []*lists.Entry) error {
	if len(es) == 0 {
		return nil
	}
	seen := map[credit.SubjectID]bool{}
	var ids []any
	for _, e := range es {
		if !seen[e.SubjectID] {
			seen[e.SubjectID] = true
			ids = append(ids, int64(e.SubjectID))
		}
	}
	names := make(map[credit.SubjectID]string, len(ids))
	err := scanAll(db.rows(ctx, `SELECT id, name, display_name FROM subjects WHERE id IN (`+placeholders(1, len(ids))+`)`, ids...), func(rows *sql.Rows) error {
		var id int64
		var name, display string
		if err := rows.Scan(&id, &name, &display); err != nil {
			return err
		}
		names[credit.SubjectID(id)] = shownName(name, display)
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range es {
		e.ShowCurrentName(names[e.SubjectID])
	}
	return nil
}

// shownName is a subject's name as every reader shows it: display_name,
// the name as written, when set, else the normalised name (the query log's
// listing says the same in SQL).
func shownName(name, display string) string {
	if display != "" {
		return display
	}
	return name
}

// FindPublicEntry returns an entry of a public list as the public sees it
// today, whoever asks, named by its subject's current name as
// FindPublicEntries names it.
func (db *DB) FindPublicEntry(ctx context.Context, id credit.RecordID) (*lists.Entry, error) {
	data, err := lists.Default()
	if err != nil {
		return nil, err
	}
	c, err := db.FindClass(ctx, lists.ClassCode)
	if err != nil {
		return nil, err
	}
	notFound := credit.Errorf(credit.ENOTFOUND, "名单信息不存在或未公开")
	var typ, name, display string
	r, err := scanRecord(db.queryRow(ctx, `SELECT `+prefixed("r.", recordColumns)+`, s.type, s.name, s.display_name FROM records r JOIN subjects s ON s.id = r.subject_id
		WHERE r.id = $1 AND r.class = $2`, int64(id), lists.ClassCode), &typ, &name, &display)
	if err == sql.ErrNoRows {
		return nil, notFound
	}
	if err != nil {
		return nil, fmt.Errorf("storage.FindPublicEntry: %w", err)
	}
	e, err := publicEntry(data, c, &subject.Subject{Type: subject.Type(typ)}, r, credit.DateOf(db.Now()))
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, notFound
	}
	if len(organisations([]*lists.Entry{e})) > 0 {
		e.ShowCurrentName(shownName(name, display))
	}
	return e, nil
}

// publicEntry reads r as an entry of a public list, or returns nil when the
// public may not see it: the visibility policy hides it, or its list is not
// public. Only public fields are read, and responsible persons are left out.
func publicEntry(data *lists.Data, c *catalog.Class, s *subject.Subject, r *record.Record, today credit.Date) (*lists.Entry, error) {
	if archive.Visible(archive.Public, c, s, r, today) != archive.Shown {
		return nil, nil
	}
	pub := *r
	pub.Fields = archive.VisibleFields(archive.Public, c, r)
	e, err := lists.EntryFromRecord(data, &pub)
	if err != nil {
		return nil, err
	}
	if !e.Kind.Public() {
		return nil, nil
	}
	e.Persons = nil
	return e, nil
}
