package storage

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/archive"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
)

var _ archive.Service = (*DB)(nil)

const recordColumns = `id, class, key, version, is_current, subject_id, department_id, batch_id, row_num, fields, content_hash,
	decision_date, severity, public_from, public_until, repairable_from, status, late, late_days, ledger_index, created_at`

func parseDate(s sql.NullString) *credit.Date {
	if !s.Valid || s.String == "" {
		return nil
	}
	t, err := time.Parse(credit.DateLayout, s.String)
	if err != nil {
		return nil
	}
	return &t
}

func scanRecord(s interface{ Scan(...any) error }, extra ...any) (*record.Record, error) {
	var r record.Record
	var id, subj, dep int64
	var batch, fields, severity, status string
	var dd, pf, pu, rf sql.NullString
	dest := append([]any{&id, &r.Class, &r.Key, &r.Version, &r.Current, &subj, &dep, &batch, &r.Row, &fields, &r.ContentHash,
		&dd, &severity, &pf, &pu, &rf, &status, &r.Late, &r.LateDays, &r.LedgerIndex, &r.CreatedAt}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	r.ID, r.SubjectID, r.DepartmentID, r.BatchID = credit.RecordID(id), credit.SubjectID(subj), credit.DepartmentID(dep), credit.BatchID(batch)
	r.CreatedAt = r.CreatedAt.UTC()
	var err error
	if r.Fields, err = record.ParseFieldsJSON([]byte(fields)); err != nil {
		return nil, err
	}
	r.DecisionDate, r.PublicFrom, r.PublicUntil, r.RepairableFrom = parseDate(dd), parseDate(pf), parseDate(pu), parseDate(rf)
	r.Severity = catalogSeverity(severity)
	r.Status = record.Status(status)
	return &r, nil
}

// FindRecordByID returns a record version as the actor may see it, through
// the one visibility policy (archive.Visible) for every audience but
// administrators: the public sees a published version's public fields; a
// department the current versions of its own records (access.Can,
// ActionViewRecord) and of any other department's only as the public does
// (it reads those in the subject's archive, which needs the subject's code:
// record ids are sequential and would let it walk the province);
// region users current versions. A non-public read is written to the query
// log, as an archive read is.
func (db *DB) FindRecordByID(ctx context.Context, id credit.RecordID) (*record.Record, error) {
	rd, err := db.readRecord(ctx, id)
	if err != nil {
		return nil, err
	}
	return rd.shown, nil
}

// recordRead is one record version as one reader may see it.
type recordRead struct {
	stored *record.Record   // as stored: every field, identity numbers sealed
	shown  *record.Record   // the fields the reader may see, identity numbers masked
	aud    archive.Audience // the audience the reader was served as
	class  *catalog.Class   // nil only for an administrator reading a class the catalog lost
}

// knowsAll reports whether the reader may have what derives from every
// field in clear (the content hash, the canonical bytes): an administrator,
// or the department that submitted the version (it sent those numbers).
func (rd *recordRead) knowsAll(ctx context.Context) bool {
	if rd.aud == archive.Admin {
		return true
	}
	a := credit.ActorFromContext(ctx)
	return rd.aud == archive.Government && a.DepartmentID != 0 && a.DepartmentID == rd.stored.DepartmentID
}

// readRecord reads record id for the actor in ctx (FindRecordByID) and
// writes a non-public read to the query log. It returns ENOTFOUND for a
// record that is missing or that the reader may not see.
func (db *DB) readRecord(ctx context.Context, id credit.RecordID) (*recordRead, error) {
	stored, err := scanRecord(db.queryRow(ctx, `SELECT `+recordColumns+` FROM records WHERE id = $1`, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credit.Errorf(credit.ENOTFOUND, "信用记录不存在或未公开")
	}
	if err != nil {
		return nil, err
	}
	actor := credit.ActorFromContext(ctx)
	aud := archive.AudienceOf(actor)
	if aud == archive.Government {
		// A record's non-public detail is for whom the matrix allows it
		// (a department: its own records); anyone else reads it as the
		// public does.
		t := access.Target{DepartmentID: stored.DepartmentID}
		if err := db.queryRow(ctx, `SELECT region_code FROM departments WHERE id = $1`, int64(stored.DepartmentID)).Scan(&t.RegionCode); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		if !access.Can(actor, access.ActionViewRecord, t) {
			aud = archive.Public
		}
	}
	rd := &recordRead{stored: stored, aud: aud}
	if aud == archive.Admin {
		rd.class, _ = db.classOf(ctx, stored.Class)
	} else {
		s, err := db.FindSubjectByID(ctx, stored.SubjectID)
		if err != nil {
			return nil, err
		}
		if rd.class, err = db.FindClass(ctx, stored.Class); err != nil {
			return nil, err
		}
		if archive.Visible(aud, rd.class, s, stored, credit.DateOf(db.Now())) != archive.Shown {
			return nil, credit.Errorf(credit.ENOTFOUND, "信用记录不存在或未公开")
		}
	}
	shown := *stored
	if rd.class != nil {
		shown.Fields = db.Secrets.maskFields(rd.class, archive.VisibleFields(aud, rd.class, stored))
	}
	if !rd.knowsAll(ctx) {
		// An unkeyed hash over every field, identity numbers in clear,
		// would give them away to a brute force.
		shown.ContentHash = ""
	}
	if aud == archive.Public {
		archive.HideInternal(&shown)
	}
	if aud != archive.Admin {
		// The key repeats the text of its fields (文书号), masked as they are.
		shown.Key = subject.MaskIDsInText(shown.Key)
	}
	rd.shown = &shown
	if aud != archive.Public {
		if err := db.logRead(ctx, stored.SubjectID, "", "record"); err != nil {
			return nil, err
		}
	}
	return rd, nil
}

// FindArchive returns a subject's archive as the actor may see it, logging
// every non-public read in the query log.
func (db *DB) FindArchive(ctx context.Context, code string, purpose string) (*archive.Archive, error) {
	actor := credit.ActorFromContext(ctx)
	aud := archive.AudienceOf(actor)
	s, err := db.FindSubjectByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	if aud == archive.Public && s.Type == subject.Person {
		return nil, subjectNotFound(subject.Normalize(code))
	}
	cat, err := db.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + recordColumns + ` FROM records WHERE subject_id = $1`
	if aud != archive.Admin {
		q += ` AND is_current`
	}
	q += ` ORDER BY decision_date DESC, id DESC`
	today := credit.DateOf(db.Now())
	bySection := map[string]*archive.Section{}
	a := &archive.Archive{Subject: s, Audience: aud, AsOf: today.Format(credit.DateLayout)}
	if aud == archive.Public {
		pub := *s
		a.Subject = &pub
	}
	if s.Type != subject.Person {
		err := scanAll(db.rows(ctx, `SELECT name FROM subject_former_names WHERE subject_id = $1 ORDER BY name`, int64(s.ID)), func(rows *sql.Rows) error {
			var n string
			err := rows.Scan(&n)
			a.FormerNames = append(a.FormerNames, n)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	err = scanAll(db.rows(ctx, q, int64(s.ID)), func(rows *sql.Rows) error {
		r, err := scanRecord(rows)
		if err != nil {
			return err
		}
		c, ok := cat.Class(r.Class)
		if !ok {
			return nil
		}
		if archive.Visible(aud, c, s, r, today) != archive.Shown {
			return nil
		}
		sec := bySection[r.Class]
		if sec == nil {
			sec = &archive.Section{Class: c.Code, Name: c.Name}
			bySection[r.Class] = sec
		}
		sec.Total++
		a.Total++
		if len(sec.Entries) < archive.MaxSectionEntries {
			r.Fields = db.Secrets.maskFields(c, r.Fields)
			sec.Entries = append(sec.Entries, archive.NewEntry(aud, c, r, today))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, c := range cat.Classes {
		if sec := bySection[c.Code]; sec != nil {
			a.Sections = append(a.Sections, *sec)
		}
	}
	if aud != archive.Public {
		if err := db.logRead(ctx, s.ID, purpose, "archive"); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// logRead writes a non-public read of a subject's data to the query log
// (查询登记): who, when, which subject, why ("未说明" when no purpose was
// given) and what was read ("archive", "record").
func (db *DB) logRead(ctx context.Context, id credit.SubjectID, purpose, what string) error {
	actor := credit.ActorFromContext(ctx)
	if credit.Blank(purpose) { // (an invisible character says no more)
		purpose = "未说明"
	}
	return db.transact(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO query_log (at, actor, role, department_id, user_id, subject_id, purpose, channel, what)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			tx.now, actor.Label(), string(actor.Role), nullInt(int64(actor.DepartmentID)), nullInt(int64(actor.UserID)),
			int64(id), purpose, actor.Channel, what)
		return err
	})
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func catalogSeverity(s string) catalog.Severity { return catalog.Severity(s) }

func (db *DB) classOf(ctx context.Context, code string) (*catalog.Class, bool) {
	c, err := db.Catalog(ctx)
	if err != nil {
		return nil, false
	}
	return c.Class(code)
}
