package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

// TestDepartmentFormKeepsKind: saving a department again from the console
// with 部门类别 未指定 keeps the kind it has (as `credit department add`
// without --kind does); choosing another kind changes it, 无 clears it.
func TestDepartmentFormKeepsKind(t *testing.T) {
	f := mustFixture(t)
	adm := login(t, "admin")
	code := testUSCC(t, "11220100MB0K0001")
	save := func(kind string) {
		t.Helper()
		res := adm.postCSRF("/console/departments", url.Values{"code": {code}, "name": {"长春市南关区民政局"}, "region": {"220102"}, "kind": {kind}})
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusOK {
			t.Fatalf("save with kind %q: status %d", kind, res.StatusCode)
		}
	}
	kindNow := func() string {
		t.Helper()
		d, err := f.db.FindDepartmentByCode(context.Background(), code)
		if err != nil {
			t.Fatal(err)
		}
		return d.Kind
	}
	save("civil_affairs")
	save("")
	if k := kindNow(); k != "civil_affairs" {
		t.Errorf("after saving with 未指定: kind %q, want civil_affairs kept", k)
	}
	save("market")
	if k := kindNow(); k != "market" {
		t.Errorf("after choosing 市场监督管理: kind %q", k)
	}
	save("none")
	if k := kindNow(); k != "" {
		t.Errorf("after choosing 无: kind %q, want none", k)
	}
}
