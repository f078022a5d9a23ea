package storage_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
)

// catalogEdited returns a copy of the default catalog with edit applied,
// validated again (its lookup indexes rebuilt): the catalog of another
// build.
func catalogEdited(t *testing.T, edit func(*catalog.Catalog)) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // a copy, then the copy edited
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if c, err = catalog.Parse(b); err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(c)
			edit = nil
		}
	}
	return c
}

// catalogWith returns a copy of the default catalog with the penalty
// class's period for severity changed to p.
func catalogWith(t *testing.T, s catalog.Severity, p catalog.Period) *catalog.Catalog {
	return catalogEdited(t, func(c *catalog.Catalog) {
		cl, _ := c.Class("penalty")
		cl.Publicity.Periods[s] = p
	})
}

// todaysRules makes db use the catalog of another build (old) and returns
// the function that restores this build's.
func todaysRules(t *testing.T, db *storage.DB, old *catalog.Catalog) (restore func()) {
	t.Helper()
	def, err := db.Catalog(sys())
	if err != nil {
		t.Fatal(err)
	}
	storage.SetCatalog(db, old)
	return func() { storage.SetCatalog(db, def) }
}

// TestReapplyPolicy: versions written under other rules (here a catalog
// that published general penalties for two years, not one) keep their
// window until the rules are applied again. ReapplyPolicy counts them in a
// dry run without writing, then writes one new version of each, identical
// in content, with today's window, in a batch of the record's department
// (channel reapply) that the ledger covers; the old version stays in the
// history. A second run finds nothing, and versions the rules agree with
// are left alone.
func TestReapplyPolicy(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		ctx := sys()
		restore := todaysRules(t, f.db, catalogWith(t, catalog.General, catalog.Period{Min: 3, Max: 24}))
		rc := f.submit(t, "penalty", "old.csv", csvBytes(t, penaltyHeader,
			f.penaltyRow("长市监罚〔2025〕11号", "罚款", "0.5", "2025-11-03"), // general
			f.penaltyRow("长市监罚〔2025〕12号", "警告", "", "2025-11-04"),    // minor: 3 months either way
		))
		if rc.Accepted != 2 {
			t.Fatalf("receipt = %+v", rc)
		}
		current := func(wsh string) *record.Record {
			t.Helper()
			var id int64
			if err := f.db.SQL().QueryRow(f.db.Rebind(`SELECT id FROM records WHERE class = 'penalty' AND is_current AND key LIKE $1`), wsh+"%").Scan(&id); err != nil {
				t.Fatalf("current version of %s: %v", wsh, err)
			}
			r, err := f.db.FindRecordByID(ctx, credit.RecordID(id))
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		old := current("长市监罚〔2025〕11号")
		if got := old.PublicUntil.Format(credit.DateLayout); got != "2027-11-03" {
			t.Fatalf("under the two-year catalog public_until = %s, want 2027-11-03", got)
		}
		minor := current("长市监罚〔2025〕12号")

		restore()
		dry, err := f.db.ReapplyPolicy(ctx, "", true)
		if err != nil {
			t.Fatal(err)
		}
		if dry.Checked != 2 || dry.Differ != 1 || len(dry.Receipts) != 0 {
			t.Errorf("dry run = %+v, want 2 checked, 1 differing, no batch", dry)
		}
		if r := current("长市监罚〔2025〕11号"); r.ID != old.ID {
			t.Errorf("dry run wrote version %d", r.ID)
		}

		rep, err := f.db.ReapplyPolicy(ctx, "penalty", false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Checked != 2 || rep.Differ != 1 || len(rep.Receipts) != 1 || rep.Receipts[0].Accepted != 1 || rep.Receipts[0].Rejected != 0 {
			t.Fatalf("ReapplyPolicy = %+v (receipts %+v)", rep, rep.Receipts)
		}
		now := current("长市监罚〔2025〕11号")
		if now.ID == old.ID || now.Version != old.Version+1 || now.ContentHash != old.ContentHash || now.DepartmentID != old.DepartmentID {
			t.Errorf("new version = id %d v%d hash %s dep %d; want a new id, v%d, hash %s, dep %d", now.ID, now.Version, now.ContentHash, now.DepartmentID,
				old.Version+1, old.ContentHash, old.DepartmentID)
		}
		if got := now.PublicUntil.Format(credit.DateLayout); got != "2026-11-03" || now.Severity != catalog.General || now.Late != old.Late {
			t.Errorf("new version: public_until %s, severity %s, late %v; want 2026-11-03, general, %v", got, now.Severity, now.Late, old.Late)
		}
		b, err := f.db.FindBatchByID(ctx, rep.Receipts[0].Batch)
		if err != nil {
			t.Fatal(err)
		}
		if b.Channel != storage.ChannelReapply || b.DepartmentID != f.dept.ID {
			t.Errorf("batch channel %q department %d, want %q, %d", b.Channel, b.DepartmentID, storage.ChannelReapply, f.dept.ID)
		}
		if prev, err := f.db.FindRecordByID(ctx, old.ID); err != nil || prev.Current {
			t.Errorf("old version: %+v, %v; want kept, not current", prev, err)
		}
		if r := current("长市监罚〔2025〕12号"); r.ID != minor.ID {
			t.Errorf("the minor penalty got version %d, want left alone", r.ID)
		}
		if _, err := f.db.VerifyLedger(ctx); err != nil {
			t.Errorf("VerifyLedger after ReapplyPolicy: %v", err)
		}
		again, err := f.db.ReapplyPolicy(ctx, "", false)
		if err != nil || again.Differ != 0 || len(again.Receipts) != 0 {
			t.Errorf("second run = %+v, %v; want nothing to do", again, err)
		}
		// Only the platform and province administrators.
		dep := credit.NewContextWithActor(ctx, credit.Actor{Role: credit.RoleDepartment, DepartmentID: f.dept.ID, Name: "x"})
		if _, err := f.db.ReapplyPolicy(dep, "", true); credit.ErrorCode(err) != credit.EFORBIDDEN {
			t.Errorf("as a department: %v, want forbidden", err)
		}
		if _, err := f.db.ReapplyPolicy(ctx, "nonesuch", true); credit.ErrorCode(err) != credit.EINVALID {
			t.Errorf("unknown class: %v, want invalid", err)
		}
	})
}

// TestReapplyPolicyListEntry: a list entry whose publicity another build
// computed otherwise (here one that ended every list entry's publicity
// after a month) gets a new version ending the day after its validity, and
// its subscribers are not told of a change: the entry itself is the same.
func TestReapplyPolicyListEntry(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newListFixture(t, open)
		ctx := sys()
		old := catalogWith(t, catalog.General, catalog.Period{Min: 3, Max: 12})
		cl, _ := old.Class("list_entry")
		cl.Publicity.Default = catalog.Period{Max: 1}
		restore := todaysRules(t, f.db, old)
		f.subscribe(t, f.user, "https://czt.jl.gov.cn/credit/hook", "black")
		if rc := f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕21号")); rc.Accepted != 1 {
			t.Fatalf("listing: %+v", rc)
		}
		before := len(f.inbox(t, f.user))
		if before != 1 {
			t.Fatalf("inbox after the listing has %d notifications, want 1", before)
		}
		e := f.onlyEntry(t)
		r0, err := f.db.FindRecordByID(ctx, e.RecordID)
		if err != nil {
			t.Fatal(err)
		}
		if got := r0.PublicUntil.Format(credit.DateLayout); got != "2026-04-02" {
			t.Fatalf("under the old catalog public_until = %s, want 2026-04-02", got)
		}
		restore()
		rep, err := f.db.ReapplyPolicy(ctx, "list_entry", false)
		if err != nil || rep.Differ != 1 || len(rep.Receipts) != 1 || rep.Receipts[0].Accepted != 1 {
			t.Fatalf("ReapplyPolicy = %+v, %v", rep, err)
		}
		e2 := f.onlyEntry(t)
		r1, err := f.db.FindRecordByID(ctx, e2.RecordID)
		if err != nil {
			t.Fatal(err)
		}
		if r1.ID == r0.ID || r1.PublicUntil.Format(credit.DateLayout) != "2029-03-02" || r1.ContentHash != r0.ContentHash {
			t.Errorf("after ReapplyPolicy: record %d public_until %v hash %s; want a new version ending 2029-03-02 with hash %s", r1.ID, r1.PublicUntil, r1.ContentHash, r0.ContentHash)
		}
		if got := len(f.inbox(t, f.user)); got != before {
			t.Errorf("inbox has %d notifications after ReapplyPolicy, want %d (no change to tell)", got, before)
		}
		if _, err := f.db.VerifyLedger(ctx); err != nil {
			t.Errorf("VerifyLedger: %v", err)
		}
	})
}

// TestReapplyPolicyKeepsContent: a version that today's catalog reads with
// other content (here a field the old catalog had and today's has not) is
// refused in the reapply batch with its reason, not written as a
// correction that would drop the field; a correction a department based
// on a version before the run is still accepted (the versions in between
// changed no content); and a run spanning several chunks reads each
// current version once.
func TestReapplyPolicyKeepsContent(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		ctx := sys()
		old := catalogEdited(t, func(c *catalog.Catalog) {
			cl, _ := c.Class("penalty")
			cl.Publicity.Periods[catalog.General] = catalog.Period{Min: 3, Max: 24}
			cl.Fields = append(cl.Fields, catalog.Field{Code: "QA_BZ", Name: "旧版备注", Type: "string", Req: "optional", MaxLen: 100})
		})
		restore := todaysRules(t, f.db, old)
		header := append(append([]string{}, penaltyHeader...), "QA_BZ")
		var rows [][]string
		for i := range 5 {
			rows = append(rows, append(f.penaltyRow(fmt.Sprintf("长市监罚〔2025〕%d号", 40+i), "罚款", "0.5", "2025-11-03"), ""))
		}
		rows[0][len(rows[0])-1] = "旧版目录的备注"
		if rc := f.submit(t, "penalty", "old.csv", csvBytes(t, header, rows...)); rc.Accepted != 5 {
			t.Fatalf("receipt = %+v", rc)
		}
		var firstID int64
		if err := f.db.SQL().QueryRow(f.db.Rebind(`SELECT id FROM records WHERE is_current AND key LIKE $1`), "长市监罚〔2025〕41号%").Scan(&firstID); err != nil {
			t.Fatal(err)
		}
		restore()
		storage.SetReapplyChunk(t, 2)
		rep, err := f.db.ReapplyPolicy(ctx, "penalty", false)
		if err != nil {
			t.Fatal(err)
		}
		accepted, rejected := 0, 0
		for _, rc := range rep.Receipts {
			accepted += rc.Accepted
			rejected += rc.Rejected
		}
		if rep.Checked != 5 || rep.Differ != 5 || accepted != 4 || rejected != 1 {
			t.Fatalf("ReapplyPolicy = %+v; accepted %d, rejected %d; want 5 checked, 5 differing, 4 written, 1 refused", rep, accepted, rejected)
		}
		var problems []string
		for _, rc := range rep.Receipts {
			errs, _, err := f.db.FindBatchErrors(ctx, rc.Batch, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range errs {
				for _, p := range e.Problems {
					problems = append(problems, p.Code+" "+p.Message)
				}
			}
		}
		if len(problems) != 1 || !strings.HasPrefix(problems[0], storage.ProblemReapplyChanged+" ") || !strings.Contains(problems[0], "长市监罚〔2025〕40号") {
			t.Errorf("problems = %q, want one %s naming 长市监罚〔2025〕40号", problems, storage.ProblemReapplyChanged)
		}
		var fields string
		if err := f.db.SQL().QueryRow(f.db.Rebind(`SELECT fields FROM records WHERE is_current AND key LIKE $1`), "长市监罚〔2025〕40号%").Scan(&fields); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(fields, "旧版目录的备注") {
			t.Errorf("the refused record's current fields lost QA_BZ: %s", fields)
		}
		// A correction based on the version before the run.
		corr := map[string]string{}
		for i, h := range penaltyHeader {
			corr[h] = rows[1][i]
		}
		corr["CF_NR_FK"] = "0.8"
		corr[record.BaseColumn] = strconv.FormatInt(firstID, 10)
		body, _ := json.Marshal([]map[string]string{corr})
		rc, err := f.db.Submit(ctx, record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Format: "json", Filename: "更正.json", Body: bytes.NewReader(body)})
		if err != nil || rc.Accepted != 1 {
			errs, _, _ := f.db.FindBatchErrors(ctx, rc.Batch, 0, 5)
			t.Errorf("correction based on the version before the run: %+v, %v, %+v", rc, err, errs)
		}
		if _, err := f.db.VerifyLedger(ctx); err != nil {
			t.Errorf("VerifyLedger: %v", err)
		}
	})
}

// TestReapplyPolicyRegistrationOfAnotherKind: a registration an older
// build let a department send that no longer registers such subjects (its
// kind changed) still gets today's window: the reapply batch repeats what
// the department holds, it does not send a registration anew.
func TestReapplyPolicyRegistrationOfAnotherKind(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		ctx := sys()
		restore := todaysRules(t, f.db, catalogEdited(t, func(c *catalog.Catalog) {
			cl, _ := c.Class("registration")
			cl.Publicity.Default = catalog.Period{Max: 12}
		}))
		reg := []string{"DJ_MC", "DJ_TYSHXYDM", "DJ_LX", "DJ_FDDBR", "DJ_CLRQ", "DJ_DJJG", "DJ_DJJGDM", "DJ_ZT", "DJ_SJLYDM"}
		if rc := f.submit(t, "registration", "r.csv", csvBytes(t, reg,
			[]string{"长春北辰汽车零部件有限公司", f.company, "有限责任公司", "王建国", "2015-03-02", f.dept.Name, f.dept.Code, "存续", f.dept.Code})); rc.Accepted != 1 {
			t.Fatalf("registration: %+v", rc)
		}
		f.dept.Kind = "environment"
		if err := f.db.UpsertDepartment(ctx, f.dept); err != nil {
			t.Fatal(err)
		}
		restore()
		rep, err := f.db.ReapplyPolicy(ctx, "registration", false)
		if err != nil || rep.Differ != 1 || len(rep.Receipts) != 1 || rep.Receipts[0].Accepted != 1 {
			var errs any
			if err == nil && len(rep.Receipts) > 0 {
				errs, _, _ = f.db.FindBatchErrors(ctx, rep.Receipts[0].Batch, 0, 5)
			}
			t.Fatalf("ReapplyPolicy = %+v, %v (errors %+v); want the registration rewritten", rep, err, errs)
		}
	})
}
