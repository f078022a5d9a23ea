package storage_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
	"jlcredit/internal/subject"
)

// TestOtherDepartmentsRecord: a department cannot change a record another
// department submitted by sending a row with the same business key (the
// source department check passes: it names itself as the source). The row
// is refused with a message naming the key; an identical row is a
// duplicate; the owner still corrects its own record.
func TestOtherDepartmentsRecord(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		mine := f.penaltyRow("长市监罚〔2026〕31号", "罚款", "0.5", "2026-11-16")
		f.submit(t, "penalty", "own.csv", csvBytes(t, penaltyHeader, mine))

		theirs := func(row []string) []byte {
			row = append([]string(nil), row...)
			row[17], row[18] = f.other.Name, f.other.Code // 数据来源单位: the submitter itself
			return csvBytes(t, penaltyHeader, row)
		}
		changed := append([]string(nil), mine...)
		changed[11], changed[12] = "被其他部门改写", "0.01"
		rc, err := f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.other.Code, Filename: "hijack.csv", Body: bytes.NewReader(theirs(changed))})
		if err != nil || rc.Accepted != 0 || rc.Rejected != 1 {
			t.Fatalf("other department's change: %+v, %v; want rejected", rc, err)
		}
		errs, _, err := f.db.FindBatchErrors(sys(), rc.Batch, 0, 10)
		if err != nil || len(errs) != 1 || errs[0].Row != 2 || errs[0].Problems[0].Code != storage.ProblemOtherDepartment || errs[0].Problems[0].FieldName != "行政处罚决定书文号" ||
			!strings.Contains(errs[0].Problems[0].Message, "行政处罚决定书文号“长市监罚〔2026〕31号”") || errs[0].Raw["CF_NR"] != "被其他部门改写" {
			t.Errorf("row errors = %+v, %v", errs, err)
		}
		var versions int
		var content string
		if err := f.db.SQL().QueryRow(`SELECT COUNT(*), MAX(fields) FROM records`).Scan(&versions, &content); err != nil {
			t.Fatal(err)
		}
		if versions != 1 || strings.Contains(content, "被其他部门改写") {
			t.Errorf("%d versions, fields %s: the record was changed", versions, content)
		}

		// The same decision with the other department as its source is
		// still another department's copy: refused too.
		rc, err = f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.other.Code, Filename: "same.csv", Body: bytes.NewReader(theirs(mine))})
		if err != nil || rc.Rejected != 1 {
			t.Errorf("other department's copy of the row: %+v, %v; want rejected", rc, err)
		}

		// The owner's correction is a new version.
		if rc := f.submit(t, "penalty", "fix.csv", csvBytes(t, penaltyHeader, changed)); rc.Accepted != 1 {
			t.Errorf("owner's correction: %+v, want accepted", rc)
		}
	})
}

// TestSubjectNameAsWritten: a subject's name is shown as the department
// wrote it (full-width brackets), and found by either width.
func TestSubjectNameAsWritten(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		row := f.penaltyRow("长市监罚〔2026〕71号", "警告", "", "2026-11-16")
		row[0] = "长春北辰（集团）汽车零部件有限公司"
		f.submit(t, "penalty", "name.csv", csvBytes(t, penaltyHeader, row))
		s, err := f.db.FindSubjectByCode(sys(), f.company)
		if err != nil || s.Name != row[0] {
			t.Fatalf("subject = %+v, %v; want the name as written %q", s, err, row[0])
		}
		for _, q := range []string{"北辰（集团）", "北辰(集团)"} {
			list, _, err := f.db.FindSubjects(sys(), subject.Filter{Query: q, Limit: 5})
			if err != nil || len(list) != 1 || list[0].Name != row[0] {
				t.Errorf("FindSubjects(%q) = %+v, %v", q, list, err)
			}
		}
		dep := credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleDepartment, DepartmentID: f.other.ID, DepartmentCode: f.other.Code, Channel: "api"})
		for _, name := range []string{row[0], "长春北辰(集团)汽车零部件有限公司"} {
			v, err := f.db.Verify(dep, lists.VerificationRequest{Scenario: "政府采购", Purpose: "名称核查", Subjects: []lists.Query{{Name: name}}})
			if err != nil || len(v.Results) != 1 || !v.Results[0].Found || v.Results[0].Name != row[0] {
				t.Errorf("Verify by name %q: %+v, %v", name, v, err)
			}
		}
	})
}

// TestNULInInput: a NUL in what a reader types (a search, a code) finds
// nothing on either database rather than failing on PostgreSQL, which
// refuses NUL in text; a NUL in a file's cell is removed at ingestion.
func TestNULInInput(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		row := f.penaltyRow("长市监罚〔2026〕81号", "警告", "", "2026-11-16")
		row[8] = "未按规定\x00公示年度报告"
		if rc := f.submit(t, "penalty", "nul.csv", csvBytes(t, penaltyHeader, row)); rc.Accepted != 1 {
			t.Fatalf("row with a NUL: %+v", rc)
		}
		recs, _, err := f.db.FindRecords(sys(), record.RecordFilter{Class: "penalty", Text: "长市监罚〔2026〕81号", Limit: 5})
		if err != nil || len(recs) != 1 || recs[0].Fields["CF_SY"] != "未按规定公示年度报告" {
			t.Errorf("stored: %+v, %v; want the text without its NUL", recs, err)
		}
		// A search is normalised (the NUL dropped) as the text it searches.
		if list, _, err := f.db.FindSubjects(sys(), subject.Filter{Query: "长\x00春北辰", Limit: 5}); err != nil || len(list) != 1 {
			t.Errorf("FindSubjects with a NUL = %v, %v; want the subject", list, err)
		}
		if _, err := f.db.FindSubjectByCode(sys(), f.company[:10]+"\x00"); credit.ErrorCode(err) != credit.ENOTFOUND {
			t.Errorf("FindSubjectByCode with a NUL: %v, want not found", err)
		}
		if _, _, err := f.db.FindRecords(context.Background(), record.RecordFilter{Class: "penalty", Text: "\x00\x00", Limit: 5}); credit.ErrorCode(err) != credit.EINVALID {
			t.Errorf("FindRecords with only NULs: %v, want invalid (nothing to search)", err)
		}
		// What reaches SQL as typed (a user search, a batch id) finds nothing.
		if list, _, err := f.db.FindUsers(sys(), access.UserFilter{Query: "\x00"}); err != nil || len(list) != 0 {
			t.Errorf("FindUsers with a NUL = %v, %v", list, err)
		}
		if _, err := f.db.FindBatchByID(sys(), "B\x00"); credit.ErrorCode(err) != credit.ENOTFOUND {
			t.Errorf("FindBatchByID with a NUL: %v, want not found", err)
		}
	})
}
