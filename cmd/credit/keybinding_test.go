package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/pgtest"
	"jlcredit/internal/storage"
)

// TestKeyBindingPostgres is QA's report: a second process started in
// another directory without CREDIT_KEY_FILE created
// ./data/credit-postgres.key and imported with it, and the ledger never
// verified again. Now it is refused, creates no key file and writes
// nothing; the database's own key file still verifies the ledger.
func TestKeyBindingPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	testKeyBinding(t, dsn, filepath.Join(t.TempDir(), "real.key"), "data/credit-postgres.key")
}

// TestKeyBindingSQLite: the key file next to a SQLite database, moved
// away, is not created again.
func TestKeyBindingSQLite(t *testing.T) {
	dir := t.TempDir()
	testKeyBinding(t, "sqlite:"+filepath.Join(dir, "c.db"), filepath.Join(dir, "credit.key"), "")
}

// testKeyBinding sets the database at dsn up with the key file real (moved
// there after the setup when the default is used), then runs commands
// from another directory with the default key file (defaultKey, relative
// to it; "" for SQLite, whose default is real) and with a foreign one.
func testKeyBinding(t *testing.T, dsn, real, defaultKey string) {
	if defaultKey != "" {
		t.Setenv("CREDIT_KEY_FILE", real)
	} else {
		t.Setenv("CREDIT_KEY_FILE", "") // the default: credit.key next to the database
	}
	dept := validUSCC(t, "11220100MB000001")
	company := validUSCC(t, "91220101MA0Y1234")
	if _, e, code := run(t, "migrate", "--db", dsn); code != 0 {
		t.Fatalf("migrate: %d %s", code, e)
	}
	if _, e, code := run(t, "department", "add", "--db", dsn, "--code", dept, "--name", "长春市市场监督管理局", "--region", "220100", "--kind", "market"); code != 0 {
		t.Fatalf("department add: %d %s", code, e)
	}
	csv := filepath.Join(t.TempDir(), "k.csv")
	header := "行政相对人名称,行政相对人类别,统一社会信用代码,法定代表人,行政处罚决定书文号,违法行为类型,违法事实,处罚依据,处罚类别,处罚内容,罚款金额（万元）,处罚决定日期,处罚有效期,处罚机关,处罚机关统一社会信用代码,数据来源单位,数据来源单位统一社会信用代码\n"
	row := "长春北辰汽车零部件有限公司,法人及非法人组织," + company + ",王建国,长市监罚〔2026〕1号,虚假宣传,发布虚假广告。,《广告法》第五十五条,罚款,罚款,1.5,2026-11-16,2099-12-31,长春市市场监督管理局," + dept + ",长春市市场监督管理局," + dept + "\n"
	if err := os.WriteFile(csv, []byte(header+row), 0o644); err != nil {
		t.Fatal(err)
	}
	importArgs := []string{"import", "--db", dsn, "--class", "penalty", "--department", dept, csv}
	if _, e, code := run(t, importArgs...); code != 0 {
		t.Fatalf("import: %d %s", code, e)
	}
	keyBytes, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	var keys storage.Secrets
	if err := json.Unmarshal(keyBytes, &keys); err != nil {
		t.Fatal(err)
	}

	// Another working directory, without the key file.
	elsewhere := t.TempDir()
	t.Chdir(elsewhere)
	missing := filepath.Join(elsewhere, defaultKey)
	if defaultKey == "" {
		// Moved away from the database's directory.
		moved := filepath.Join(elsewhere, "credit.key.bak")
		if err := os.Rename(real, moved); err != nil {
			t.Fatal(err)
		}
		missing, real = real, moved
	} else {
		t.Setenv("CREDIT_KEY_FILE", "")
	}
	out, e, code := run(t, importArgs...)
	if code != 1 || out != "" || !strings.Contains(e, "密钥文件“"+missing+"”不存在") ||
		!strings.Contains(e, "已绑定签名公钥 "+keys.LedgerVKey) || !strings.Contains(e, "CREDIT_KEY_FILE") {
		t.Errorf("import without the key file: exit %d, stdout %q, stderr %q", code, out, e)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a key file was created for a database with data: %v", err)
	}

	// A key file of another database.
	other, err := storage.NewSecrets()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(other)
	foreign := filepath.Join(elsewhere, "other.key")
	if err := os.WriteFile(foreign, b, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CREDIT_KEY_FILE", foreign)
	want := "密钥文件“" + foreign + "”与数据库不匹配：该数据库使用的签名公钥为 " + keys.LedgerVKey
	for _, args := range [][]string{importArgs, {"ledger", "verify", "--db", dsn}} {
		out, e, code := run(t, args...)
		if code != 1 || out != "" || !strings.Contains(e, "错误："+want) || !strings.Contains(e, "请使用创建该数据库时的密钥文件（CREDIT_KEY_FILE）") {
			t.Errorf("%s with another database's key file: exit %d, stdout %q, stderr %q; want %q", args[0], code, out, e, want)
		}
	}
	// A second server (Open: run would serve until stopped).
	srv := &ServeCommand{Env: &Env{Stdout: io.Discard, Stderr: io.Discard}, DSN: dsn, Addr: "127.0.0.1:0"}
	if err := srv.Open(context.Background()); err == nil || !strings.Contains(credit.ErrorMessage(err), want) {
		t.Errorf("serve with another database's key file: %v; want %q", err, want)
	}
	srv.Close()

	// The database's own key file: nothing was written by the refused
	// processes, and everything verifies.
	t.Setenv("CREDIT_KEY_FILE", real)
	out, e, code = run(t, "ledger", "verify", "--db", dsn)
	if code != 0 {
		t.Fatalf("ledger verify with the database's key file: %d %s", code, e)
	}
	var rep struct{ Records int }
	if err := json.Unmarshal([]byte(lastLine(out)), &rep); err != nil || rep.Records != 1 {
		t.Errorf("ledger verify: %q (%v); want 1 record", out, err)
	}
}

// TestListingMakesNoKeyFile: a listing on a mistyped SQLite path, or a
// server without --demo on a PostgreSQL database not yet migrated, does not
// create a key file (which a later migrate would then bind): QA found
// credit.key next to a typo and ./data/credit-postgres.key from serve.
func TestListingMakesNoKeyFile(t *testing.T) {
	t.Setenv("CREDIT_KEY_FILE", "")
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "typo", "x.db")
	if err := os.MkdirAll(filepath.Join(dir, "typo"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"user", "list", "--db", dsn},
		{"department", "list", "--db", dsn},
		{"ledger", "verify", "--db", dsn},
	} {
		if _, e, code := run(t, args...); code == 0 || !strings.Contains(e, "credit migrate") {
			t.Errorf("%s on a mistyped path: exit %d, %s; want refused, saying to migrate first", strings.Join(args[:2], " "), code, e)
		}
		if _, err := os.Stat(filepath.Join(dir, "typo", "credit.key")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s created a key file next to a mistyped path (%v)", strings.Join(args[:2], " "), err)
		}
	}
	pg := pgtest.DSN(t)
	t.Chdir(t.TempDir())
	srv := &ServeCommand{Env: &Env{Stdout: io.Discard, Stderr: io.Discard}, DSN: pg, Addr: "127.0.0.1:0"}
	if err := srv.Open(context.Background()); err == nil {
		srv.Close()
		t.Fatal("serve on a database never migrated started")
	}
	if _, err := os.Stat("data/credit-postgres.key"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("serve on an unmigrated database created data/credit-postgres.key (%v)", err)
	}
}
