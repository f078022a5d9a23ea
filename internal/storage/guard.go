package storage

import (
	"context"
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
)

// storedRejections returns the rows of a chunk that what is stored refuses,
// as row errors, and the refused records: a changed version of a record
// whose current version another department submitted, and a list entry
// that was removed sent again without its removal. heads are the current
// versions of the chunk's keys, dep the submitting department. Rows equal
// to the current version are duplicates, never refused.
func (tx *Tx) storedRejections(ctx context.Context, class *catalog.Class, dep credit.DepartmentID, recs []*record.Record, heads map[string]head) ([]record.RowError, map[*record.Record]bool, error) {
	var errs []record.RowError
	refused := map[*record.Record]bool{}
	refuse := func(r *record.Record, p credit.Problem) {
		refused[r] = true
		errs = append(errs, record.RowError{Row: r.Row, Problems: []credit.Problem{p}, Raw: r.Raw})
	}
	var revived []*record.Record // list entries sent without a removal date
	for _, r := range recs {
		h, ok := heads[r.Key]
		if !ok || h.hash == r.ContentHash {
			continue
		}
		if h.department != int64(dep) {
			field := ""
			if len(class.BusinessKey) > 0 {
				field = class.BusinessKey[0]
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
