package storage_test

import (
	"strings"
	"testing"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/credit/credittest"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
)

// 4: a removal's own fields are checked before its row is composed, with
// the problems on the request's fields, after the permission check.
func TestListsRemovalMessagesZh(t *testing.T) {
	f := newListFixture(t, openSQLite)
	if rc := f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕8号")); rc.Accepted != 1 {
		t.Fatalf("listing: %+v", rc)
	}
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
	list, _, err := f.db.FindListEntries(ctx, lists.Filter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("FindListEntries = %v, %v", list, err)
	}
	id := list[0].RecordID
	future := credit.DateOf(f.db.Now()).AddDate(0, 0, 1)
	for _, test := range []struct {
		name              string
		rm                lists.Removal
		field, code, want string
	}{
		{"ErrTooLong", lists.Removal{Reason: strings.Repeat("因", 5000)}, "reason", "too_long", "移出原因最多2000个字，实际5000个字"},
		{"ErrNoReason", lists.Removal{Reason: " "}, "reason", "required", "请填写移出原因，如“已纠正失信行为并履行相关义务，经申请提前移出”"},
		{"ErrBadKind", lists.Removal{Reason: "x", Kind: "作废"}, "kind", "bad_code", "移出方式“作废”无效，应为有效期届满、提前移出、信用修复或撤销认定"},
		{"ErrFuture", lists.Removal{Reason: "x", Date: &future}, "date", "future_date",
			"移出日期" + future.Format(credit.DateLayout) + "晚于今天（" + credit.DateOf(f.db.Now()).Format(credit.DateLayout) + "），不得晚于今天"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := f.db.RemoveListEntry(ctx, id, test.rm)
			code, msg, p := credittest.FirstProblem(t, err)
			if code != credit.EINVALID || msg != test.want || p.Field != test.field || p.Code != test.code {
				t.Errorf("RemoveListEntry = %s %q (%s/%s), want %q (%s/%s)", code, msg, p.Field, p.Code, test.want, test.field, test.code)
			}
		})
	}
	// Another department is refused for who it is, whatever it sent.
	other := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
	if _, err := f.db.RemoveListEntry(other, id, lists.Removal{Reason: strings.Repeat("因", 5000)}); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Errorf("another department: %v, want EFORBIDDEN", err)
	}
	// The entry is as it was.
	if e, err := f.db.FindListEntry(ctx, id); err != nil || e.RemovedOn != nil || e.Version != 1 {
		t.Errorf("after refused removals: %+v, %v", e, err)
	}
}

// 8 and 16: an unknown department is named without the CLI's advice; a
// department's name is at most 100 characters.
func TestDepartmentMessagesZh(t *testing.T) {
	db := openSQLite(t)
	_, err := db.FindDepartmentByCode(sys(), "nosuch")
	if code, msg, _ := credittest.FirstProblem(t, err); code != credit.ENOTFOUND || msg != "部门“NOSUCH”不存在" {
		t.Errorf("FindDepartmentByCode = %s %q", code, msg)
	}
	_, err = db.FindDepartmentByCode(sys(), strings.Repeat("9", 500))
	if _, msg, _ := credittest.FirstProblem(t, err); len([]rune(msg)) > 50 {
		t.Errorf("a long code is quoted in full: %q", msg)
	}
	d := &access.Department{Code: uscc(t, "11220000MB000099"), Name: strings.Repeat("局", 3000), RegionCode: "220000"}
	code, msg, p := credittest.FirstProblem(t, db.UpsertDepartment(sys(), d))
	if code != credit.EINVALID || msg != "部门名称最多100个字，实际3000个字" || p.Field != "name" || p.Code != "too_long" {
		t.Errorf("UpsertDepartment = %s %q (%s/%s)", code, msg, p.Field, p.Code)
	}
}

// 17: a region filter that is not a 6-digit code of the region table is
// refused, not answered with an empty page.
func TestRegionParameterZh(t *testing.T) {
	db := openSQLite(t)
	for _, region := range []string{"abc", "00", "0000", "110000", "22010", "2201000"} {
		want := "行政区划代码“" + region + "”无效，应为行政区划表中的6位代码，如220000（吉林省）、220100（长春市）、220102（南关区）"
		_, _, err := db.FindSubjects(sys(), subject.Filter{Query: "长春", RegionPrefix: region})
		if code, msg, p := credittest.FirstProblem(t, err); code != credit.EINVALID || msg != want || p.Field != "region" || p.Code != "bad_region" {
			t.Errorf("FindSubjects region %q: %s %q (%s/%s)", region, code, msg, p.Field, p.Code)
		}
		_, _, err = db.FindRecords(sys(), record.RecordFilter{Class: "penalty", RegionPrefix: region})
		if code, msg, _ := credittest.FirstProblem(t, err); code != credit.EINVALID || msg != want {
			t.Errorf("FindRecords region %q: %s %q", region, code, msg)
		}
	}
	for _, region := range []string{"", "220000", "220100", "220102", "229900"} {
		if _, _, err := db.FindSubjects(sys(), subject.Filter{Query: "长春", RegionPrefix: region}); err != nil {
			t.Errorf("FindSubjects region %q: %v", region, err)
		}
		if _, _, err := db.FindRecords(sys(), record.RecordFilter{Class: "penalty", RegionPrefix: region}); err != nil {
			t.Errorf("FindRecords region %q: %v", region, err)
		}
	}
}
