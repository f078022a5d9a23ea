package storage_test

import (
	"bytes"
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
)

func TestBatchSummarySQLite(t *testing.T)   { testBatchSummary(t, openSQLite) }
func TestBatchSummaryPostgres(t *testing.T) { testBatchSummary(t, openPostgres) }

// The 工作台's figures: the 及时率 rates only rows that have a reporting
// deadline (行政许可, 行政处罚), not registrations or list entries; the
// versions the platform writes in a department's name (a removal) are not
// its submissions; a file that could not be processed is counted.
func testBatchSummary(t *testing.T, open opener) {
	f := newFixture(t, open)
	f.submit(t, "penalty", "p.csv", csvBytes(t, penaltyHeader,
		f.penaltyRow("长市监罚〔2026〕201号", "警告", "", "2026-11-16"),  // in time
		f.penaltyRow("长市监罚〔2026〕202号", "警告", "", "2026-10-09"))) // late
	reg := []string{"DJ_MC", "DJ_TYSHXYDM", "DJ_LX", "DJ_FDDBR", "DJ_CLRQ", "DJ_DJJG", "DJ_DJJGDM", "DJ_ZT", "DJ_SJLYDM"}
	if rc := f.submit(t, "registration", "r.csv", csvBytes(t, reg,
		[]string{"长春北辰汽车零部件有限公司", f.company, "有限责任公司", "王建国", "2015-03-02", f.dept.Name, f.dept.Code, "存续", f.dept.Code})); rc.Accepted != 1 {
		errs, _, _ := f.db.FindBatchErrors(sys(), rc.Batch, 0, 5)
		t.Fatalf("registration: %+v %+v", rc, errs)
	}
	// A file without the required columns: failed whole, no rows.
	if _, err := f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: "bad.csv",
		Body: bytes.NewReader(csvBytes(t, []string{"CF_WSH"}, []string{"长市监罚〔2026〕203号"}))}); credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("file without required columns: %v; want invalid", err)
	}
	sum, _, err := f.db.SummarizeBatches(sys(), record.BatchFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Batches != 3 || sum.Failed != 1 || sum.Accepted != 3 || sum.Late != 1 || sum.Rated() != 2 || sum.TimelinessRate() != 50 {
		t.Errorf("summary %+v, rated %d, 及时率 %.1f%%; want 3 batches (1 failed), 3 accepted, 2 rated, 1 late: 50%%",
			*sum, sum.Rated(), sum.TimelinessRate())
	}

	// A list entry removed early: the platform's removal batch is not
	// the department's submission.
	lf := newListFixture(t, open)
	if rc := lf.submitAs(t, lf.lister, lf.blackRow("吉人社失〔2026〕41号")); rc.Accepted != 1 {
		t.Fatalf("listing: %+v", rc)
	}
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(lf.lister))
	if _, err := lf.db.RemoveListEntry(ctx, lf.onlyEntry(t).RecordID, lists.Removal{Kind: lists.RemovedEarly, Reason: "经复核提前移出"}); err != nil {
		t.Fatal(err)
	}
	ls, _, err := lf.db.SummarizeBatches(ctx, record.BatchFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if ls.Batches != 1 || ls.Accepted != 1 || ls.Rated() != 0 {
		t.Errorf("lister's summary %+v; want its one listing batch, not the removal, and nothing rated for 及时率", *ls)
	}
}
