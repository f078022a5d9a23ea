package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"jlcredit/internal/access"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
)

// ProblemNotRegistrar: a registration record of a subject sent by a
// department that does not register such subjects.
const ProblemNotRegistrar = "not_registration_authority"

// registrarProblem returns the problem of a registration row that dep may
// not send: its subject is registered by departments of other kinds
// (主体核验 rests on the registration authority's own record, and the first
// department to send a key owns it). nil when dep may send it.
func registrarProblem(c *catalog.Class, dep *access.Department, r *record.Record) *credit.Problem {
	kinds, ok := c.Registrars(r.Subject.USCC)
	if !ok || slices.Contains(kinds, dep.Kind) {
		return nil
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i], _ = access.DepartmentKindName(k)
	}
	field := c.Roles.USCC
	mine := "未指定部门类别"
	if n, ok := access.DepartmentKindName(dep.Kind); ok {
		mine = "部门类别为“" + n + "”"
	}
	return &credit.Problem{Row: r.Row, Field: field, FieldName: fieldName(c, field), Code: ProblemNotRegistrar,
		Message: fmt.Sprintf("第%d行：统一社会信用代码%s以“%s”开头，该主体由%s部门登记，%s应由其登记机关报送；本部门（%s，%s）不能报送",
			r.Row, r.Subject.USCC, r.Subject.USCC[:1], strings.Join(names, "、"), c.Name, dep.Name, mine)}
}

// registrarTakesOver reports whether department dep, a registration
// authority of the row's subject, may write a new version of a
// registration record whose current version department owner sent
// although it does not register such subjects (sent before the platform
// checked who sends registrations): the authority's record replaces it.
func (tx *Tx) registrarTakesOver(ctx context.Context, c *catalog.Class, r *record.Record, dep, owner int64) (bool, error) {
	kinds, ok := c.Registrars(r.Subject.USCC)
	if !ok {
		return false, nil
	}
	kindOf := func(id int64) (string, error) {
		var k sql.NullString
		err := tx.queryRow(ctx, `SELECT kind FROM departments WHERE id = $1`, id).Scan(&k)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return k.String, err
	}
	mine, err := kindOf(dep)
	if err != nil || !slices.Contains(kinds, mine) {
		return false, err
	}
	theirs, err := kindOf(owner)
	return err == nil && !slices.Contains(kinds, theirs), err
}

// RegistrationsFromOthers counts the current registration records that do
// not verify their subject under the catalog's registered_by: others,
// sent by a department that does not register the subject (by its kind
// today); unserved, of subjects whose registration authority (登记管理部门码
// 2–4, 6–8, A…Y) has no department kind on the platform, so none verifies.
// Databases from before catalog 2024.9 hold both (any department's
// registration verified then); the upgrade reports them.
func (db *DB) RegistrationsFromOthers(ctx context.Context) (others, unserved int64, err error) {
	c, err := db.Catalog(ctx)
	if err != nil {
		return 0, 0, err
	}
	var wrong, mapped, classes []string
	codes := map[string][]string{} // class -> its quoted authority codes
	registeredBy(c, func(class, code, kinds string) {
		if _, seen := codes[class]; !seen {
			classes = append(classes, class)
		}
		codes[class] = append(codes[class], code)
		wrong = append(wrong, `(r.class = `+class+` AND substr(s.uscc, 1, 1) = `+code+` AND COALESCE(d.kind, '') NOT IN (`+kinds+`))`)
	})
	for _, class := range classes {
		mapped = append(mapped, `(r.class = `+class+` AND substr(s.uscc, 1, 1) NOT IN (`+strings.Join(codes[class], ", ")+`))`)
	}
	if len(wrong) == 0 {
		return 0, 0, nil
	}
	err = db.queryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN `+strings.Join(wrong, " OR ")+` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN `+strings.Join(mapped, " OR ")+` THEN 1 ELSE 0 END), 0)
		FROM records r JOIN subjects s ON s.id = r.subject_id JOIN departments d ON d.id = r.department_id
		WHERE r.class IN (`+strings.Join(classes, ", ")+`) AND r.is_current AND s.uscc IS NOT NULL`).Scan(&others, &unserved)
	return others, unserved, err
}

// registeredBy calls fn for each registering class and authority code of
// the catalog's registered_by, in a fixed order, with the class code, the
// authority code and the department kinds quoted as SQL literals (the
// kinds joined by ", "): the one reading of registered_by that the
// derived 主体核验 (verifiedCondition) and RegistrationsFromOthers share.
func registeredBy(c *catalog.Catalog, fn func(class, code, kinds string)) {
	for _, cl := range c.Classes {
		if !cl.Registers {
			continue
		}
		for _, code := range slices.Sorted(maps.Keys(cl.RegisteredBy)) {
			kinds := make([]string, len(cl.RegisteredBy[code]))
			for i, k := range cl.RegisteredBy[code] {
				kinds[i] = sqlQuote(k)
			}
			fn(sqlQuote(cl.Code), sqlQuote(code), strings.Join(kinds, ", "))
		}
	}
}

// sqlQuote quotes s as an SQL string literal (catalog data written into a
// statement: codes and kinds, validated, never user input).
func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ProblemNameMismatch: a row names, by its USCC, a subject whose
// registration authority knows it by another name.
const ProblemNameMismatch = "name_mismatch"

// registeredNames holds, for the subjects a batch has met, what their
// registration authorities registered: from every unwithdrawn version of
// a record of a registering class that verifies its subject, the names
// (the current one first, then former ones) and the 法定代表人/经营者;
// nil for a subject without one.
type registeredNames map[credit.SubjectID]*registration

// registration is what a subject's registration records say of it.
type registration struct {
	names, operators []string
}

// registrationSQL is the condition, on a records row aliased vr of the
// subject row aliased alias, that the record is registration information
// from the subject's registration authority (catalog.Class.Registers and
// RegisteredBy); "" when the catalog has no registering class.
func registrationSQL(c *catalog.Catalog, alias string) string {
	var any []string   // registering classes any department's records verify
	var conds []string // per class and authority code
	for _, cl := range c.Classes {
		if cl.Registers && len(cl.RegisteredBy) == 0 {
			any = append(any, sqlQuote(cl.Code))
		}
	}
	if len(any) > 0 {
		conds = append(conds, `vr.class IN (`+strings.Join(any, ", ")+`)`)
	}
	registeredBy(c, func(class, code, kinds string) {
		conds = append(conds, `(vr.class = `+class+` AND substr(`+alias+`.uscc, 1, 1) = `+code+
			` AND vr.department_id IN (SELECT vd.id FROM departments vd WHERE vd.kind IN (`+kinds+`)))`)
	})
	if len(conds) == 0 {
		return ""
	}
	return `(` + strings.Join(conds, " OR ") + `)`
}

// load reads the registered names of the subjects in ids not yet held.
func (rn registeredNames) load(ctx context.Context, tx *Tx, c *catalog.Catalog, ids []credit.SubjectID) error {
	if len(rn) > 500000 {
		clear(rn) // bounded memory in a batch of millions of subjects
	}
	var missing []any
	for _, id := range ids {
		if _, ok := rn[id]; !ok {
			rn[id] = nil
			missing = append(missing, int64(id))
		}
	}
	cond := registrationSQL(c, "s")
	if cond == "" || len(missing) == 0 {
		return nil
	}
	for i := 0; i < len(missing); i += 500 {
		part := missing[i:min(i+500, len(missing))]
		err := scanAll(tx.rows(ctx, `SELECT vr.subject_id, vr.class, vr.fields FROM records vr JOIN subjects s ON s.id = vr.subject_id
			WHERE vr.subject_id IN (`+placeholders(1, len(part))+`) AND vr.status <> '`+string(record.Withdrawn)+`' AND `+cond+`
			ORDER BY vr.is_current DESC, vr.id DESC`, part...),
			func(rows *sql.Rows) error {
				var id int64
				var class, fields string
				if err := rows.Scan(&id, &class, &fields); err != nil {
					return err
				}
				cl, ok := c.Class(class)
				if !ok || cl.Roles.SubjectName == "" {
					return nil
				}
				f, err := record.ParseFieldsJSON([]byte(fields))
				if err != nil {
					return fmt.Errorf("storage: registration of subject %d: %w", id, err)
				}
				reg := rn[credit.SubjectID(id)]
				if reg == nil {
					reg = &registration{}
					rn[credit.SubjectID(id)] = reg
				}
				if name := f[cl.Roles.SubjectName]; name != "" && !slices.Contains(reg.names, name) {
					reg.names = append(reg.names, name)
				}
				if cl.Roles.LegalRep != "" {
					if op := f[cl.Roles.LegalRep]; op != "" && !slices.Contains(reg.operators, op) {
						reg.operators = append(reg.operators, op)
					}
				}
				return nil
			})
		if err != nil {
			return err
		}
	}
	return nil
}

// namesChecked reports whether row r of class names a subject by its USCC,
// whose registered names it must match.
func namesChecked(class *catalog.Class, r *record.Record) bool {
	return r.Subject.USCC != "" && r.SubjectID != 0 && class.Roles.SubjectName != ""
}

// operatorRow reports whether row r of class is a 自然人's with the code of
// his individual business (a rule of the catalog allows it): it names the
// person, who may be the registered 经营者 rather than the shop.
func operatorRow(class *catalog.Class, r *record.Record) bool {
	return class.Roles.SubjectType != "" && r.Fields[class.Roles.SubjectType] == "自然人"
}

// subjectNameOf returns the subject name of stored record version id.
func (tx *Tx) subjectNameOf(ctx context.Context, class *catalog.Class, id int64) (string, error) {
	var fields string
	if err := tx.queryRow(ctx, `SELECT fields FROM records WHERE id = $1`, id).Scan(&fields); err != nil {
		return "", err
	}
	f, err := record.ParseFieldsJSON([]byte(fields))
	if err != nil {
		return "", fmt.Errorf("storage: record %d: %w", id, err)
	}
	return f[class.Roles.SubjectName], nil
}

// ProblemNotDecidingBody: a new record whose deciding body's code is not
// of a kind that may decide it (catalog.Class.AuthorityPrefixes).
const ProblemNotDecidingBody = "not_deciding_body"

// authorityProblem returns the problem of row r of class whose deciding
// body's code starts with none of the class's AuthorityPrefixes; nil when
// it does or the class has none.
func authorityProblem(class *catalog.Class, r *record.Record) *credit.Problem {
	if len(class.AuthorityPrefixes) == 0 {
		return nil
	}
	code := r.Fields[class.Roles.AuthorityCode]
	if code == "" || slices.ContainsFunc(class.AuthorityPrefixes, func(p string) bool { return strings.HasPrefix(code, p) }) {
		return nil
	}
	field := class.Roles.AuthorityCode
	return &credit.Problem{Row: r.Row, Field: field, FieldName: fieldName(class, field), Code: ProblemNotDecidingBody,
		Message: fmt.Sprintf("第%d行：“%s”为“%s”，该单位不能作出此项认定：认定部门应为国家机关或法律法规授权的组织，其统一社会信用代码以%s开头；企业、社会组织等不能作为认定部门",
			r.Row, fieldName(class, field), code, strings.Join(class.AuthorityPrefixes, "或"))}
}

// nameProblem returns the problem of row r, of class, whose subject its
// registration authority knows by the names of reg (the current one
// first), none of which is the row's; nil when the name is one of them, or
// none is held. A 自然人's row with his shop's code may bear the registered
// 经营者 instead.
func nameProblem(class *catalog.Class, r *record.Record, reg *registration) *credit.Problem {
	if reg == nil || len(reg.names) == 0 {
		return nil
	}
	names := reg.names
	key := nameKey(r.Subject.Name)
	allowed := names
	if operatorRow(class, r) {
		allowed = append(slices.Clone(names), reg.operators...)
	}
	for _, n := range allowed {
		if nameKey(n) == key {
			return nil
		}
	}
	field := class.Roles.SubjectName
	registered := "“" + names[0] + "”"
	if len(names) > 1 {
		registered += "（曾用名“" + strings.Join(names[1:], "”“") + "”）"
	}
	if operatorRow(class, r) && len(reg.operators) > 0 {
		registered += "、经营者为“" + strings.Join(reg.operators, "”“") + "”"
	}
	return &credit.Problem{Row: r.Row, Field: field, FieldName: fieldName(class, field), Code: ProblemNameMismatch,
		Message: fmt.Sprintf("第%d行：统一社会信用代码%s的主体，登记机关报送的名称为%s，与本行“%s”“%s”不一致，本行未写入；请核对代码和名称（主体已更名的，以登记机关报送的名称为准）",
			r.Row, r.Subject.USCC, registered, fieldName(class, field), r.Subject.Name)}
}

// nameKey is the form in which two names of a subject are the same name:
// normalised (widths, white space), without spaces, Latin letters upper
// case (subject.NameKey, as verification matches names).
func nameKey(name string) string { return subject.NameKey(subject.NormalizeText(name)) }

// followRegistrations makes each subject's name (and legal representative)
// what its registration authority last registered: a current registration
// version written by a department of a kind that registers the subject
// (catalog registered_by) names the subject from then on, a rename
// included. Records keep the names they were sent with (and a former name
// still names the subject in departments' rows, see registeredNames); the
// subjects row, its search bigrams and what archives, lists and
// verification answers show follow the registration. ledger verify accepts
// the row: it is what one of the subject's records (this registration)
// implies. A registration nobody on the platform is the authority for
// (律师事务所 3…, say) names nothing.
func (tx *Tx) followRegistrations(ctx context.Context, c *catalog.Class, recs []*record.Record) (renamed int, err error) {
	if !c.Registers || len(recs) == 0 {
		return 0, nil
	}
	kinds := map[credit.DepartmentID]string{}
	kindOf := func(id credit.DepartmentID) (string, error) {
		if k, ok := kinds[id]; ok {
			return k, nil
		}
		var k sql.NullString
		if err := tx.queryRow(ctx, `SELECT kind FROM departments WHERE id = $1`, int64(id)).Scan(&k); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
		kinds[id] = k.String
		return k.String, nil
	}
	for _, r := range recs {
		if !r.Current || r.Subject.USCC == "" || r.SubjectID == 0 {
			continue // superseded later in the same chunk
		}
		registrars, ok := c.Registrars(r.Subject.USCC)
		if !ok {
			continue
		}
		kind, err := kindOf(r.DepartmentID)
		if err != nil {
			return renamed, err
		}
		if !slices.Contains(registrars, kind) {
			continue
		}
		want := impliedSubject(c, func(code string) string { return r.Fields[code] }, r.Subject.USCC, "")
		var have subjectCols
		if err := tx.queryRow(ctx, `SELECT name, display_name, legal_rep FROM subjects WHERE id = $1`, int64(r.SubjectID)).Scan(&have.name, &have.display, &have.legalRep); err != nil {
			return renamed, err
		}
		if want.legalRep == "" { // the registration says nothing of it
			want.legalRep = have.legalRep
		}
		// The former names are what earlier registrations said (a new
		// version may follow several in one file), never the name another
		// department's row gave the subject before its registration came.
		if have.name != want.name || r.Version > 1 {
			if err := tx.syncFormerNames(ctx, r.SubjectID, want.name); err != nil {
				return renamed, err
			}
		}
		if have.name == want.name && have.display == want.display && have.legalRep == want.legalRep {
			continue
		}
		if _, err := tx.exec(ctx, `UPDATE subjects SET name = $1, display_name = $2, legal_rep = $3, updated_at = $4 WHERE id = $5`,
			want.name, want.display, want.legalRep, tx.now, int64(r.SubjectID)); err != nil {
			return renamed, err
		}
		if have.name != want.name {
			if _, err := tx.exec(ctx, `DELETE FROM subject_grams WHERE subject_id = $1`, int64(r.SubjectID)); err != nil {
				return renamed, err
			}
			grams := nameGrams(want.name)
			rows := make([][2]any, len(grams))
			for i, g := range grams {
				rows[i] = [2]any{g, int64(r.SubjectID)}
			}
			if err := tx.insertGrams(ctx, rows); err != nil {
				return renamed, err
			}
		}
		shown := func(s subjectCols) map[string]string {
			return map[string]string{"name": s.name, "display_name": s.display, "legal_rep": s.legalRep}
		}
		if err := tx.audit(ctx, "subject.rename", "subject", r.Subject.USCC,
			map[string]any{"record_id": int64(r.ID), "from": shown(have), "to": shown(want)}); err != nil {
			return renamed, err
		}
		renamed++
	}
	return renamed, nil
}

// syncFormerNames sets the former names (曾用名) of subject id, whose
// registered name is now current (normalised): every other name its
// registration authority's registrations gave it (registeredNames), as
// written, once per compared form (subject.NameKey).
func (tx *Tx) syncFormerNames(ctx context.Context, id credit.SubjectID, current string) error {
	cat, err := tx.db.Catalog(ctx)
	if err != nil {
		return err
	}
	rn := registeredNames{}
	if err := rn.load(ctx, tx, cat, []credit.SubjectID{id}); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `DELETE FROM subject_former_names WHERE subject_id = $1`, int64(id)); err != nil {
		return err
	}
	reg := rn[id]
	if reg == nil {
		return nil
	}
	seen := map[string]bool{subject.NameKey(current): true}
	for _, n := range reg.names {
		k := subject.NameKey(subject.NormalizeText(n))
		if seen[k] {
			continue
		}
		seen[k] = true
		if _, err := tx.exec(ctx, `INSERT INTO subject_former_names (name_key, subject_id, name) VALUES ($1, $2, $3)`, k, int64(id), n); err != nil {
			return err
		}
	}
	return nil
}

// upgradeFollowRegistrations is the upgrade task (upgrade_tasks) that makes
// the subjects of a database written by builds that did not follow
// registrations (before migration 0027) carry their registration
// authority's current name, as followRegistrations now keeps them, a
// thousand current registrations per transaction; the task's row goes in
// the last. Run again after an interruption, it changes only what is left.
func (db *DB) upgradeFollowRegistrations(ctx context.Context) error {
	cat, err := db.Catalog(ctx)
	if err != nil {
		return err
	}
	renamed := 0
	for _, c := range cat.Classes {
		if !c.Registers {
			continue
		}
		roles := []string{c.Roles.SubjectName, c.Roles.LegalRep, c.Roles.SubjectType}
		for after, more := int64(0), true; more; {
			err := db.transact(ctx, func(tx *Tx) error {
				var recs []*record.Record
				err := scanAll(tx.rows(ctx, `SELECT r.id, r.version, r.subject_id, r.department_id, r.fields, s.uscc FROM records r JOIN subjects s ON s.id = r.subject_id
					WHERE r.class = $1 AND r.is_current AND r.id > $2 AND s.uscc IS NOT NULL ORDER BY r.id LIMIT 1000`, c.Code, after), func(rows *sql.Rows) error {
					var id, sid, dep int64
					var version int
					var fields, uscc string
					if err := rows.Scan(&id, &version, &sid, &dep, &fields, &uscc); err != nil {
						return err
					}
					vals := make([]string, len(roles))
					if err := jsonFields(fields, roles, vals); err != nil {
						return fmt.Errorf("record %d: %w", id, err)
					}
					r := &record.Record{ID: credit.RecordID(id), Version: version, SubjectID: credit.SubjectID(sid), DepartmentID: credit.DepartmentID(dep),
						Current: true, Fields: map[string]string{}, Subject: record.SubjectRef{USCC: uscc}}
					for i, role := range roles {
						if role != "" {
							r.Fields[role] = vals[i]
						}
					}
					recs = append(recs, r)
					return nil
				})
				if err != nil {
					return err
				}
				if len(recs) > 0 {
					after = int64(recs[len(recs)-1].ID)
				}
				more = len(recs) == 1000
				n, err := tx.followRegistrations(ctx, c, recs)
				renamed += n
				return err
			})
			if err != nil {
				return fmt.Errorf("storage.Migrate: follow_registrations: %w", err)
			}
		}
	}
	if _, err = db.write.ExecContext(ctx, db.rebind(`DELETE FROM upgrade_tasks WHERE name = $1`), "follow_registrations"); err != nil {
		return err
	}
	db.logger.Info("升级：已按登记机关的现行登记注册信息更新主体名称", slog.Int("updated_subjects", renamed))
	return nil
}
