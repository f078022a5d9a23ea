package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
)

// Problem codes of rows refused because of what is already stored (the
// writer's checks, beside the row's own in record.Validator).
const (
	// ProblemOtherDepartment: a new version of a record another department
	// submitted. A department corrects its own records only.
	ProblemOtherDepartment = "owned_by_other_department"
	// ProblemEntryRemoved: a list entry that was removed, sent again
	// without its removal (as a full re-export does): removal is final, a
	// new listing needs a new decision.
	ProblemEntryRemoved = "entry_removed"
	// ProblemStaleVersion: a row that names the version it amends
	// (record.BaseColumn) when another version has been written since.
	ProblemStaleVersion = "stale_version"
	// ProblemReapplyChanged: a row of a ReapplyPolicy batch whose content
	// is no longer its current version's.
	ProblemReapplyChanged = "reapply_content_changed"
)

// storedRejections returns the rows of a chunk that what is stored refuses,
// as row errors, and the refused records: a changed version of a record
// whose current version another department submitted, a list entry that
// was removed sent again without its removal, and a row based on a version
// (record.BaseColumn) that is no longer current. heads are the current
// versions of the chunk's keys, dep the submitting department. Rows equal
// to the current version are duplicates, never refused.
//
// A row of a ReapplyPolicy batch (reapply) must repeat its current version's
// content: it only carries new policy members, so any other row is refused
// (ProblemReapplyChanged) rather than written as a correction.
func (tx *Tx) storedRejections(ctx context.Context, class *catalog.Class, dep credit.DepartmentID, recs []*record.Record, heads map[string]head, reapply bool, names registeredNames) ([]record.RowError, map[*record.Record]bool, error) {
	var errs []record.RowError
	refused := map[*record.Record]bool{}
	refuse := func(r *record.Record, p credit.Problem) {
		// The field's Chinese name, as validation gives it (the console's
		// 字段 column and the API's field_name).
		if f, ok := class.Field(p.Field); ok {
			p.FieldName = f.Name
		} else if p.Field == record.BaseColumn {
			p.FieldName = record.BaseColumn
		}
		refused[r] = true
		errs = append(errs, record.RowError{Row: r.Row, Problems: []credit.Problem{p}, Raw: r.Raw})
	}
	// What a department sends is checked against what the platform knows
	// (names != nil): a record new to the platform is decided by a body
	// that may decide it (catalog.Class.AuthorityPrefixes), and a record
	// naming a registered organisation by its USCC names it as its
	// registration authority does (now or formerly) or as the version it
	// corrects did: a 严重失信 entry or a penalty published beside a real
	// code under another name is wrong data (QA).
	var c *catalog.Catalog
	lastName := map[string]string{} // key -> subject name of the chunk's last row of it that passed
	if names != nil {
		var err error
		if c, err = tx.db.Catalog(ctx); err != nil {
			return nil, nil, err
		}
		var ids []credit.SubjectID
		for _, r := range recs {
			if namesChecked(class, r) {
				ids = append(ids, r.SubjectID)
			}
		}
		if err := names.load(ctx, tx, c, ids); err != nil {
			return nil, nil, err
		}
	}
	var revived []*record.Record // list entries sent without a removal date
	// What the chunk's earlier rows make of each key: a new version (not
	// yet with an id, so no row can name it as its base) with this hash.
	type step struct {
		version int
		hash    string
	}
	written := map[string]step{}
	for _, r := range recs {
		h, ok := heads[r.Key]
		cur := step{h.version, h.hash}
		w, again := written[r.Key]
		if again {
			cur = w
		}
		if cur.hash == r.ContentHash && (ok || again) {
			continue // a duplicate, whatever its base
		}
		stale := r.Base != 0 && (again || !ok || h.id != int64(r.Base))
		if stale && !again && ok {
			// Versions written since the base that changed nothing of its
			// content (ReapplyPolicy's) leave the row's base as good as
			// current.
			same, err := tx.sameContent(ctx, int64(r.Base), class.Code, r.Key, h.hash)
			if err != nil {
				return nil, nil, err
			}
			stale = !same
		}
		if stale {
			msg := fmt.Sprintf("第%d行：本行修改的是记录ID为%d的版本，但%s的现行版本已是第%d版（期间已有更正或移出写入），本行未写入；请按现行版本重新修改后报送",
				r.Row, r.Base, describeKey(class, r), cur.version)
			if cur.version == 0 {
				msg = fmt.Sprintf("第%d行：本行修改的是记录ID为%d的版本，但%s尚无任何版本，本行未写入", r.Row, r.Base, describeKey(class, r))
			}
			refuse(r, credit.Problem{Row: r.Row, Field: record.BaseColumn, Code: ProblemStaleVersion, Message: msg})
			continue
		}
		if reapply {
			msg := fmt.Sprintf("第%d行：%s的现行版本（第%d版）按现行目录读出后内容有变化（如字段或代码表已调整），按现行规则重算公示期限不改变记录内容，本行未写入；如需更正请由报送部门报送",
				r.Row, describeKey(class, r), cur.version)
			if cur.version == 0 {
				msg = fmt.Sprintf("第%d行：%s尚无任何版本，按现行规则重算公示期限只针对已有记录，本行未写入", r.Row, describeKey(class, r))
			}
			refuse(r, credit.Problem{Row: r.Row, Field: record.BaseColumn, Code: ProblemReapplyChanged, Message: msg})
			continue
		}
		if names != nil {
			if p := authorityProblem(class, r); p != nil && !ok {
				refuse(r, *p)
				continue
			}
			if namesChecked(class, r) {
				if p := nameProblem(class, r, names[r.SubjectID]); p != nil {
					// Not a registered name: the version it corrects (the
					// chunk's last of the key, or the stored one) may have
					// been accepted under it before.
					prev, seen := lastName[r.Key]
					if !seen && ok {
						var err error
						if prev, err = tx.subjectNameOf(ctx, class, h.id); err != nil {
							return nil, nil, err
						}
					}
					if prev == "" || nameKey(prev) != nameKey(r.Subject.Name) {
						refuse(r, *p)
						continue
					}
				}
				lastName[r.Key] = r.Subject.Name
			}
		}
		written[r.Key] = step{cur.version + 1, r.ContentHash}
		if !ok || h.hash == r.ContentHash {
			continue
		}
		if h.department != int64(dep) {
			if ok, err := tx.registrarTakesOver(ctx, class, r, int64(dep), h.department); err != nil {
				return nil, nil, err
			} else if ok {
				continue
			}
			field := ""
			if len(class.BusinessKey) > 0 {
				field = class.BusinessKey[0]
			}
			written[r.Key] = w // as it was: this row is not written
			if !again {
				delete(written, r.Key)
			}
			refuse(r, credit.Problem{Row: r.Row, Field: field, Code: ProblemOtherDepartment,
				Message: fmt.Sprintf("第%d行：%s相同的记录已由其他部门报送，本部门不能修改该记录；如需更正，请由原报送部门报送", r.Row, describeKey(class, r))})
			continue
		}
		if class.Code == lists.ClassCode && r.Fields[lists.FieldRemovedOn] == "" {
			revived = append(revived, r)
		}
	}
	if len(revived) > 0 {
		states, err := tx.listStates(ctx, revived)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range revived {
			if e := states[r.Key]; e != nil && e.RemovedOn != nil {
				refuse(r, credit.Problem{Row: r.Row, Field: lists.FieldRemovedOn, Code: ProblemEntryRemoved,
					Message: fmt.Sprintf("第%d行：该名单信息（%s）已于%s移出，移出后不能恢复；如需重新列入，请以新的认定文书报送",
						r.Row, describeKey(class, r), e.RemovedOn.Format(credit.DateLayout))})
			}
		}
	}
	return errs, refused, nil
}

// describeKey names a record's business key in Chinese: 行政处罚决定书文号
// “…”、处罚机关统一社会信用代码“…”.
func describeKey(class *catalog.Class, r *record.Record) string {
	parts := make([]string, 0, len(class.BusinessKey))
	for _, code := range class.BusinessKey {
		name := code
		if f, ok := class.Field(code); ok {
			name = f.Name
		}
		parts = append(parts, name+"“"+r.Fields[code]+"”")
	}
	return strings.Join(parts, "、")
}

// sameContent reports whether record version id of (class, key) has the
// content hash hash.
func (tx *Tx) sameContent(ctx context.Context, id int64, class, key, hash string) (bool, error) {
	var h string
	err := tx.queryRow(ctx, `SELECT content_hash FROM records WHERE id = $1 AND class = $2 AND key = $3`, id, class, key).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return h == hash, err
}
