package storage_test

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"testing"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
)

func TestListNamesSQLite(t *testing.T)   { testListNames(t, openSQLite) }
func TestListNamesPostgres(t *testing.T) { testListNames(t, openPostgres) }

// testListNames: after its registration authority renames a listed
// company, the public lists name it by its current name, as its archive
// does, and say under which name an entry was listed when that was
// another; the search finds what is shown: the current name (any part of
// it) and, as a whole, the name an entry was listed under (QA: the list
// showed the old name while ?q= matched only the new one).
func testListNames(t *testing.T, open opener) {
	f := newListFixture(t, open)
	market := &access.Department{Code: uscc(t, "11220100MB000001"), Name: "长春市市场监督管理局", RegionCode: "220100", Kind: "market"}
	if err := f.db.UpsertDepartment(sys(), market); err != nil {
		t.Fatal(err)
	}
	const (
		oldName = "长春市二道区瑞和燃气有限责任公司"
		newName = "吉林瑞和能源集团有限公司"
	)
	register := func(name string) {
		t.Helper()
		reg := []string{"DJ_MC", "DJ_TYSHXYDM", "DJ_LX", "DJ_FDDBR", "DJ_CLRQ", "DJ_DJJG", "DJ_DJJGDM", "DJ_ZT", "DJ_SJLYDM"}
		ctx := credit.NewContextWithActor(t.Context(), deptCtx(market))
		rc, err := f.db.Submit(ctx, record.Submission{Class: "registration", Filename: "r.csv", Body: bytes.NewReader(csvBytes(t, reg,
			[]string{name, f.company, "有限责任公司", "王建国", "2015-03-02", market.Name, market.Code, "存续", market.Code}))})
		if err != nil || rc.Accepted != 1 {
			t.Fatalf("registration as %s: %+v, %v", name, rc, err)
		}
	}
	register(oldName)
	before := f.blackRow("吉人社失〔2026〕21号")
	before[1] = oldName
	if rc := f.submitAs(t, f.lister, before); rc.Accepted != 1 {
		t.Fatalf("listing under the old name: %+v", rc)
	}
	register(newName)
	after := f.blackRow("吉人社失〔2026〕22号")
	after[1] = newName
	if rc := f.submitAs(t, f.lister, after); rc.Accepted != 1 {
		t.Fatalf("listing under the new name: %+v", rc)
	}

	data, err := lists.Default()
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, g := range data.PublicGroups() {
		types = append(types, g.Codes()...)
	}
	find := func(q string) map[string]*lists.Entry {
		t.Helper()
		es, total, err := f.db.FindPublicEntries(context.Background(), lists.PublicFilter{ListTypes: types, Text: q, Limit: 20})
		if err != nil {
			t.Fatalf("FindPublicEntries(%q): %v", q, err)
		}
		out := map[string]*lists.Entry{}
		for _, e := range es {
			out[e.DocNo] = e
		}
		if total != len(es) {
			t.Errorf("q=%q: total %d, %d entries", q, total, len(es))
		}
		return out
	}
	es := find("")
	old, cur := es["吉人社失〔2026〕21号"], es["吉人社失〔2026〕22号"]
	if old == nil || cur == nil {
		t.Fatalf("public entries = %v; want both entries", slices.Sorted(maps.Keys(es)))
	}
	if old.SubjectName != newName || old.ListedName != oldName {
		t.Errorf("entry listed under the old name: named %q, listed as %q; want %q, listed as %q", old.SubjectName, old.ListedName, newName, oldName)
	}
	if cur.SubjectName != newName || cur.ListedName != "" {
		t.Errorf("entry listed under the current name: named %q, listed as %q; want %q and no other name", cur.SubjectName, cur.ListedName, newName)
	}
	one, err := f.db.FindPublicEntry(context.Background(), old.RecordID)
	if err != nil || one.SubjectName != newName || one.ListedName != oldName {
		t.Errorf("FindPublicEntry of the entry listed under the old name: %+v, %v; want named %q, listed as %q", one, err, newName, oldName)
	}
	if one != nil && one.Persons != nil {
		t.Errorf("FindPublicEntry shows persons: %+v", one.Persons)
	}
	for _, q := range []string{newName, "瑞和能源", " 吉林瑞和能源集团 有限公司 ", oldName, f.company} {
		if got := find(q); len(got) != 2 {
			t.Errorf("q=%q finds %v; want both entries of the company", q, slices.Sorted(maps.Keys(got)))
		} else if got["吉人社失〔2026〕21号"].SubjectName != newName || got["吉人社失〔2026〕21号"].ListedName != oldName {
			t.Errorf("q=%q: the entry listed under the old name is shown as %q (listed as %q)", q, got["吉人社失〔2026〕21号"].SubjectName, got["吉人社失〔2026〕21号"].ListedName)
		}
	}
	if got := find("瑞和燃气有限"); len(got) != 0 {
		t.Errorf("q=瑞和燃气有限 (part of the former name only) finds %v; want none (a former name is matched whole)", slices.Sorted(maps.Keys(got)))
	}
	// The console's and the API's readers name it alike.
	gov := credit.NewContextWithActor(t.Context(), deptCtx(market))
	all, _, err := f.db.FindListEntries(gov, lists.Filter{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if e.DocNo == "吉人社失〔2026〕21号" && (e.SubjectName != newName || e.ListedName != oldName) {
			t.Errorf("FindListEntries: the entry listed under the old name is %q (listed as %q); want %q, listed as %q", e.SubjectName, e.ListedName, newName, oldName)
		}
	}
	if e, err := f.db.FindListEntry(gov, old.RecordID); err != nil || e.SubjectName != newName || e.ListedName != oldName {
		t.Errorf("FindListEntry: %+v, %v; want named %q, listed as %q", e, err, newName, oldName)
	}
}
