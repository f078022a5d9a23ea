package storage_test

import (
	"bytes"
	"slices"
	"strconv"
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
)

func TestListVersionRaceSQLite(t *testing.T)   { testListVersionRace(t, openSQLite) }
func TestListVersionRacePostgres(t *testing.T) { testListVersionRace(t, openPostgres) }

func testListVersionRace(t *testing.T, open opener) {
	t.Run("RemovalAfterCorrection", func(t *testing.T) { testRemovalAfterCorrection(t, open) })
	t.Run("TwoRemovals", func(t *testing.T) { testTwoRemovals(t, open) })
	t.Run("SameRemovalTwice", func(t *testing.T) { testSameRemovalTwice(t, open) })
	t.Run("ExpiryAfterCorrection", func(t *testing.T) { testExpiryAfterCorrection(t, open) })
	t.Run("BaseColumn", func(t *testing.T) { testBaseColumn(t, open) })
}

// onlyEntry returns the one list entry of f's database.
func (f *listFixture) onlyEntry(t *testing.T) *lists.Entry {
	t.Helper()
	es, _, err := f.db.FindListEntries(credit.NewContextWithActor(t.Context(), deptCtx(f.lister)), lists.Filter{})
	if err != nil || len(es) != 1 {
		t.Fatalf("FindListEntries = %v, %v; want one entry", es, err)
	}
	return es[0]
}

// currentFields returns the stored fields (JSON) of the current version of
// the one list entry.
func (f *listFixture) currentFields(t *testing.T) string {
	t.Helper()
	var fields string
	err := f.db.SQL().QueryRow(f.db.Rebind(`SELECT fields FROM records WHERE class = $1 AND is_current`), lists.ClassCode).Scan(&fields)
	if err != nil {
		t.Fatal(err)
	}
	return fields
}

// A correction of an entry that lands while an early removal of it is on
// its way (read, composed, not yet written) is kept: the removal is a new
// version of the corrected entry, not of the one it read.
func testRemovalAfterCorrection(t *testing.T, open opener) {
	f := newListFixture(t, open)
	row := f.blackRow("吉人社失〔2026〕31号")
	if rc := f.submitAs(t, f.lister, row); rc.Accepted != 1 {
		t.Fatalf("listing: %+v", rc)
	}
	e := f.onlyEntry(t)
	corrected := slices.Clone(row)
	corrected[13] = "拒不支付农民工工资，情节严重（更正：涉及42人）"
	once := false
	storage.SetBeforeListSubmit(t, func() {
		if !once {
			once = true
			if rc := f.submitAs(t, f.lister, corrected); rc.Accepted != 1 {
				t.Errorf("correction: %+v", rc)
			}
		}
	})
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
	got, err := f.db.RemoveListEntry(ctx, e.RecordID, lists.Removal{Kind: lists.RemovedEarly, Reason: "已清偿拖欠工资"})
	if err != nil {
		t.Fatalf("RemoveListEntry: %v", err)
	}
	if got.RemovedOn == nil || got.Version != 3 {
		t.Errorf("after the removal: version %d, removed %v; want version 3 (listing, correction, removal), removed", got.Version, got.RemovedOn)
	}
	if fields := f.currentFields(t); !bytes.Contains([]byte(fields), []byte("更正：涉及42人")) || !bytes.Contains([]byte(fields), []byte("已清偿拖欠工资")) {
		t.Errorf("current version's fields = %s; want the correction's 列入事由 with the removal", fields)
	}
}

// Two removals of one entry at once: the first is written, the second
// says the entry is already removed; there is one removal version.
func testTwoRemovals(t *testing.T, open opener) {
	f := newListFixture(t, open)
	if rc := f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕32号")); rc.Accepted != 1 {
		t.Fatalf("listing: %+v", rc)
	}
	e := f.onlyEntry(t)
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
	once := false
	storage.SetBeforeListSubmit(t, func() {
		if !once {
			once = true
			if _, err := f.db.RemoveListEntry(ctx, e.RecordID, lists.Removal{Kind: lists.RemovedRepaired, Reason: "信用修复完成"}); err != nil {
				t.Errorf("first removal: %v", err)
			}
		}
	})
	_, err := f.db.RemoveListEntry(ctx, e.RecordID, lists.Removal{Kind: lists.RemovedEarly, Reason: "经复核提前移出"})
	if credit.ErrorCode(err) != credit.ECONFLICT {
		t.Errorf("second removal: %v; want conflict (already removed)", err)
	}
	got := f.onlyEntry(t)
	if got.Version != 2 || got.RemovalKind != lists.RemovedRepaired {
		t.Errorf("entry: version %d, removal %q; want version 2 removed by 信用修复", got.Version, got.RemovalKind)
	}
}

// The same removal sent twice at once (a double click, a retried
// request) is written once and both answer with the removed entry.
func testSameRemovalTwice(t *testing.T, open opener) {
	f := newListFixture(t, open)
	if rc := f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕35号")); rc.Accepted != 1 {
		t.Fatalf("listing: %+v", rc)
	}
	e := f.onlyEntry(t)
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
	rm := lists.Removal{Kind: lists.RemovedEarly, Reason: "经复核提前移出"}
	once := false
	storage.SetBeforeListSubmit(t, func() {
		if !once {
			once = true
			if _, err := f.db.RemoveListEntry(ctx, e.RecordID, rm); err != nil {
				t.Errorf("first removal: %v", err)
			}
		}
	})
	got, err := f.db.RemoveListEntry(ctx, e.RecordID, rm)
	if err != nil || got.RemovedOn == nil || got.Version != 2 {
		t.Errorf("second, identical removal = %+v, %v; want the entry removed once (version 2)", got, err)
	}
}

// An expiry run that composed its removal before a correction landed
// keeps the correction too.
func testExpiryAfterCorrection(t *testing.T, open opener) {
	f := newListFixture(t, open)
	row := f.blackRow("吉人社失〔2026〕33号")
	row[19] = "2026-06-30"
	if rc := f.submitAs(t, f.lister, row); rc.Accepted != 1 {
		t.Fatalf("listing: %+v", rc)
	}
	corrected := slices.Clone(row)
	corrected[14] = "《保障农民工工资支付条例》第四十八条第一款"
	once := false
	storage.SetBeforeListSubmit(t, func() {
		if !once {
			once = true
			if rc := f.submitAs(t, f.lister, corrected); rc.Accepted != 1 {
				t.Errorf("correction: %+v", rc)
			}
		}
	})
	n, err := f.db.ExpireListEntries(sys(), credit.DateOf(f.db.Now()))
	if err != nil || n != 1 {
		t.Fatalf("ExpireListEntries = %d, %v; want 1", n, err)
	}
	got := f.onlyEntry(t)
	if got.Version != 3 || got.RemovalKind != lists.RemovedExpired {
		t.Errorf("entry: version %d, removal %q; want version 3 removed as 有效期届满", got.Version, got.RemovalKind)
	}
	if fields := f.currentFields(t); !bytes.Contains([]byte(fields), []byte("第四十八条第一款")) {
		t.Errorf("current version's fields = %s; want the correction's 列入依据", fields)
	}
}

// Any department's file may say which version a row amends (column
// 基于记录ID): a row whose base is no longer current is refused, with the
// version that is; a row naming the current version is written.
func testBaseColumn(t *testing.T, open opener) {
	f := newListFixture(t, open)
	row := f.blackRow("吉人社失〔2026〕34号")
	if rc := f.submitAs(t, f.lister, row); rc.Accepted != 1 {
		t.Fatalf("listing: %+v", rc)
	}
	first := f.onlyEntry(t)
	a := slices.Clone(row)
	a[13] = "更正一"
	if rc := f.submitAs(t, f.lister, a); rc.Accepted != 1 {
		t.Fatalf("correction: %+v", rc)
	}
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
	header := append(slices.Clone(listHeader), record.BaseColumn)
	b := append(slices.Clone(row), strconv.FormatInt(int64(first.RecordID), 10))
	b[13] = "更正二"
	rc, err := f.db.Submit(ctx, record.Submission{Class: lists.ClassCode, Filename: "b.csv", Body: bytes.NewReader(csvBytes(t, header, b))})
	if err != nil || rc.Rejected != 1 || rc.Accepted != 0 {
		t.Fatalf("stale base: %+v, %v; want rejected", rc, err)
	}
	errs, _, _ := f.db.FindBatchErrors(sys(), rc.Batch, 0, 10)
	if len(errs) != 1 || errs[0].Problems[0].Code != storage.ProblemStaleVersion || errs[0].Problems[0].Field != record.BaseColumn || errs[0].Problems[0].FieldName != record.BaseColumn ||
		!bytes.Contains([]byte(errs[0].Problems[0].Message), []byte("第2行")) || !bytes.Contains([]byte(errs[0].Problems[0].Message), []byte("第2版")) {
		t.Errorf("row errors = %+v; want %s naming row 2 and the current version 2", errs, storage.ProblemStaleVersion)
	}
	cur := f.onlyEntry(t)
	b[len(b)-1] = strconv.FormatInt(int64(cur.RecordID), 10)
	rc, err = f.db.Submit(ctx, record.Submission{Class: lists.ClassCode, Filename: "c.csv", Body: bytes.NewReader(csvBytes(t, header, b))})
	if err != nil || rc.Accepted != 1 {
		t.Fatalf("current base: %+v, %v; want accepted", rc, err)
	}
	// Not a number: a row error for the column, not a failed file.
	b[len(b)-1] = "第三版"
	b[13] = "更正三"
	rc, err = f.db.Submit(ctx, record.Submission{Class: lists.ClassCode, Filename: "d.csv", Body: bytes.NewReader(csvBytes(t, header, b))})
	if err != nil || rc.Rejected != 1 {
		t.Fatalf("bad base: %+v, %v; want rejected", rc, err)
	}
	errs, _, _ = f.db.FindBatchErrors(sys(), rc.Batch, 0, 10)
	if len(errs) != 1 || errs[0].Problems[0].Field != record.BaseColumn || errs[0].Problems[0].Code != "invalid_base" {
		t.Errorf("row errors = %+v; want invalid_base", errs)
	}
}
