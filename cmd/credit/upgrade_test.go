package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUpgradeNoticeRegistrations: a database that holds registrations the
// new catalog no longer lets verify (sent by a department that does not
// register the subject, or of a subject no platform department registers)
// says so, in Chinese, when the new catalog is loaded, and only then.
func TestUpgradeNoticeRegistrations(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))
	dsn := "sqlite:" + filepath.Join(dir, "c.db")
	market := validUSCC(t, "11220100MB000001")
	if _, e, code := run(t, "department", "add", "--db", dsn, "--code", market, "--name", "长春市市场监督管理局", "--region", "220100", "--kind", "market"); code != 0 {
		t.Fatalf("department add: %d %s", code, e)
	}
	company, lawyers := validUSCC(t, "91220101MA0Y1234"), validUSCC(t, "31220000MD012345")
	csv := "DJ_MC,DJ_TYSHXYDM,DJ_LX,DJ_FDDBR,DJ_CLRQ,DJ_DJJG,DJ_ZT,DJ_SJLYDM\n" +
		"长春北辰汽车零部件有限公司," + company + ",有限责任公司,王建国,2015-03-02,长春市市场监督管理局,存续," + market + "\n" +
		"吉林某某律师事务所," + lawyers + ",律师事务所,李明,2016-05-10,吉林省司法厅,存续," + market + "\n"
	file := filepath.Join(dir, "登记.csv")
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, e, code := run(t, "import", "--db", dsn, "--class", "registration", "--department", market, file); code != 0 || !strings.Contains(lastLine(out), `"accepted":2`) {
		t.Fatalf("import: %d %s %s", code, out, e)
	}
	// The department's kind changes, and the database meets a new catalog
	// (here: the catalog version row removed, as before an upgrade).
	if _, e, code := run(t, "department", "add", "--db", dsn, "--code", market, "--name", "长春市市场监督管理局", "--region", "220100", "--kind", "environment"); code != 0 {
		t.Fatalf("department add --kind environment: %d %s", code, e)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM catalog_versions`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, e, code := run(t, "ledger", "verify", "--db", dsn); code != 1 || !strings.Contains(e, "请先运行 credit migrate") {
		t.Errorf("ledger verify before migrate: exit %d, %q; want 1 asking for credit migrate", code, e)
	}
	_, e, code := run(t, "migrate", "--db", dsn)
	if code != 0 || !strings.Contains(e, "注意：1条现行登记注册信息不是由主体的登记机关报送") || !strings.Contains(e, "注意：1条现行登记注册信息的主体由平台尚未接入的登记机关登记") {
		t.Errorf("migrate after the upgrade: exit %d, stderr %q; want both notices", code, e)
	}
	if _, e, code := run(t, "migrate", "--db", dsn); code != 0 || strings.Contains(e, "注意") {
		t.Errorf("migrate again: exit %d, stderr %q; want no notice (the catalog is loaded)", code, e)
	}
}
