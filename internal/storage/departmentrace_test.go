package storage_test

import (
	"sync"
	"testing"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
)

func TestDepartmentUpsertSQLite(t *testing.T)   { testDepartmentUpsert(t, openSQLite) }
func TestDepartmentUpsertPostgres(t *testing.T) { testDepartmentUpsert(t, openPostgres) }

// A region administrator registers and changes departments of the region
// only: not one registered elsewhere, even by moving it into the region;
// and one department registered by several at once is one department.
func testDepartmentUpsert(t *testing.T, open opener) {
	db := open(t)
	code := uscc(t, "11220200MB000033")
	jilin := &access.Department{Code: code, Name: "吉林市市场监督管理局", RegionCode: "220200", Kind: "market"}
	if err := db.UpsertDepartment(sys(), jilin); err != nil {
		t.Fatal(err)
	}
	changchun := credit.NewContextWithActor(t.Context(), credit.Actor{Role: credit.RoleRegion, RegionCode: "220100", Name: "长春市管理员"})
	moved := &access.Department{Code: code, Name: "长春市某局", RegionCode: "220102", Kind: "market"}
	if err := db.UpsertDepartment(changchun, moved); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Errorf("长春 administrator moves 吉林市's department into 长春: %v; want forbidden", err)
	}
	if d, err := db.FindDepartmentByCode(sys(), code); err != nil || d.RegionCode != "220200" || d.Name != jilin.Name {
		t.Errorf("department after the refused move = %+v, %v; want unchanged", d, err)
	}
	own := &access.Department{Code: uscc(t, "11220102MB000044"), Name: "长春市南关区市场监督管理局", RegionCode: "220102", Kind: "market"}
	if err := db.UpsertDepartment(changchun, own); err != nil {
		t.Errorf("长春 administrator registers a department of 长春: %v", err)
	}
	own.Name = "长春市南关区市场监督管理局（更名）"
	if err := db.UpsertDepartment(changchun, own); err != nil {
		t.Errorf("长春 administrator renames it: %v", err)
	}

	// Eight registrations of one new code at once: no error (on
	// PostgreSQL the losers hit the unique constraint), one department.
	fresh := uscc(t, "11220000MB000055")
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.UpsertDepartment(sys(), &access.Department{Code: fresh, Name: "吉林省统计局", RegionCode: "220000"})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("concurrent registration: %v", err)
		}
	}
	var n int
	if err := db.SQL().QueryRow(db.Rebind(`SELECT COUNT(*) FROM departments WHERE code = $1`), fresh).Scan(&n); err != nil || n != 1 {
		t.Errorf("departments with the code = %d, %v; want 1", n, err)
	}
	if _, err := db.VerifyLedger(sys()); err != nil {
		t.Errorf("ledger verify after concurrent registrations: %v", err)
	}
}
