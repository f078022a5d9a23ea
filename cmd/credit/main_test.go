package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	_ "modernc.org/sqlite"

	"jlcredit/internal/credit"
	"jlcredit/internal/demo"
	"jlcredit/internal/ledger"
	"jlcredit/internal/lists"
	"jlcredit/internal/pgtest"
	"jlcredit/internal/storage"
	"jlcredit/internal/subject/subjecttest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// run runs the command line in-process and returns stdout, stderr and the exit status.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func validUSCC(t *testing.T, prefix16 string) string { return subjecttest.USCC(t, prefix16) }

type receipt struct {
	Batch                                       string
	Total, Accepted, Rejected, Duplicates, Late int
}

func TestImportAndLedgerSQLite(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))
	testImportAndLedger(t, "sqlite:"+filepath.Join(dir, "c.db"), func(q string) {
		db, err := sql.Open("sqlite", filepath.Join(dir, "c.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	})
}

func TestImportAndLedgerPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(t.TempDir(), "k.key"))
	testImportAndLedger(t, dsn, func(q string) {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	})
}

func testImportAndLedger(t *testing.T, dsn string, tamper func(q string)) {
	dept := validUSCC(t, "11220100MB000001")
	company := validUSCC(t, "91220101MA0Y1234")
	if strings.HasPrefix(dsn, "postgres") {
		// PostgreSQL's schema changes only by credit migrate.
		if _, e, code := run(t, "department", "add", "--db", dsn, "--code", dept, "--name", "长春市市场监督管理局", "--region", "220100", "--kind", "market"); code != 1 || !strings.Contains(e, "credit migrate") {
			t.Errorf("department add on a new PostgreSQL database: exit %d, %q; want 1 asking for credit migrate", code, e)
		}
		if _, e, code := run(t, "migrate", "--db", dsn); code != 0 {
			t.Fatalf("migrate: %d %s", code, e)
		}
	}
	if _, e, code := run(t, "department", "add", "--db", dsn, "--code", dept, "--name", "长春市市场监督管理局", "--region", "220100", "--kind", "hrss"); code == 0 || !strings.Contains(e, "部门类别“hrss”不存在") {
		t.Errorf("department add with an unknown kind: exit %d, %q", code, e)
	}
	if _, e, code := run(t, "department", "add", "--db", dsn, "--code", dept, "--name", "长春市市场监督管理局", "--region", "220100", "--kind", "market"); code != 0 {
		t.Fatalf("department add: %d %s", code, e)
	}
	key, _, code := run(t, "department", "key", "--db", dsn, "--code", dept)
	if code != 0 || !strings.HasPrefix(strings.TrimSpace(key), "jlc_") {
		t.Fatalf("department key: %d %q", code, key)
	}
	header := "行政相对人名称,行政相对人类别,统一社会信用代码,法定代表人,行政处罚决定书文号,违法行为类型,违法事实,处罚依据,处罚类别,处罚内容,罚款金额（万元）,处罚决定日期,处罚有效期,处罚机关,处罚机关统一社会信用代码,数据来源单位,数据来源单位统一社会信用代码\n"
	row := func(wsh, fine string) string {
		return "长春北辰汽车零部件有限公司,法人及非法人组织," + company + ",王建国," + wsh + ",虚假宣传,发布虚假广告。,《广告法》第五十五条,罚款,罚款," + fine + ",2026-11-16,2099-12-31,长春市市场监督管理局," + dept + ",长春市市场监督管理局," + dept + "\n"
	}
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String(header + row("长市监罚〔2026〕1号", "1.5") + row("长市监罚〔2026〕2号", ""))
	dir := t.TempDir()
	file := filepath.Join(dir, "处罚.csv")
	os.WriteFile(file, []byte(gb), 0o644)
	// An error file that cannot be created stops the import before
	// anything is stored, so no batch is left without its receipt.
	bad := filepath.Join(dir, "no-such-dir", "errors.xlsx")
	if out, e, code := run(t, "import", "--db", dsn, "--class", "penalty", "--department", dept, "--errors", bad, file); code != 1 || !strings.Contains(e, "无法创建错误文件") || !strings.Contains(e, "未导入任何数据") || out != "" {
		t.Errorf("import with an unwritable error file: exit %d, stdout %q, stderr %q", code, out, e)
	}
	errs := filepath.Join(dir, "errors.xlsx")
	out, e, code := run(t, "import", "--db", dsn, "--class", "penalty", "--department", dept, "--errors", errs, file)
	if code != 0 {
		t.Fatalf("import: %d %s", code, e)
	}
	var r receipt
	if err := json.Unmarshal([]byte(lastLine(out)), &r); err != nil || r.Total != 2 || r.Accepted != 1 || r.Rejected != 1 {
		t.Fatalf("receipt %q: %+v %v", lastLine(out), r, err)
	}
	// The batch is named as soon as it is stored, before processing: a
	// stopped import can still tell which batch will be resumed.
	if !strings.Contains(e, "文件已完整保存为批次"+r.Batch) {
		t.Errorf("import did not name the stored batch before processing: %q", e)
	}
	x, err := excelize.OpenFile(errs)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows(x.GetSheetList()[0])
	if len(rows) != 2 || !strings.Contains(strings.Join(rows[1], "|"), "罚款金额") {
		t.Errorf("error sheet rows = %q", rows)
	}
	// The same rows as XLSX with a date cell and Chinese headers: one new
	// version (changed fine), one still rejected.
	xf := excelize.NewFile()
	sheet := xf.GetSheetName(0)
	for i, h := range strings.Split(strings.TrimSpace(header), ",") {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		xf.SetCellValue(sheet, cell, h)
	}
	for r, line := range []string{row("长市监罚〔2026〕1号", "2.5"), row("长市监罚〔2026〕2号", "")} {
		for i, v := range strings.Split(strings.TrimSpace(line), ",") {
			cell, _ := excelize.CoordinatesToCellName(i+1, r+2)
			xf.SetCellValue(sheet, cell, v)
		}
		dateCell, _ := excelize.CoordinatesToCellName(12, r+2)
		xf.SetCellValue(sheet, dateCell, time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC))
		style, _ := xf.NewStyle(&excelize.Style{NumFmt: 14})
		xf.SetCellStyle(sheet, dateCell, dateCell, style)
	}
	xlsx := filepath.Join(dir, "处罚.xlsx")
	if err := xf.SaveAs(xlsx); err != nil {
		t.Fatal(err)
	}
	out, e, code = run(t, "import", "--db", dsn, "--class", "penalty", "--department", dept, xlsx)
	json.Unmarshal([]byte(lastLine(out)), &r)
	if code != 0 || r.Total != 2 || r.Accepted != 1 || r.Rejected != 1 {
		t.Fatalf("xlsx import: exit %d %s receipt %+v", code, e, r)
	}
	// Re-import: duplicates only.
	out, _, _ = run(t, "import", "--db", dsn, "--class", "penalty", "--department", dept, file)
	json.Unmarshal([]byte(lastLine(out)), &r)
	if r.Accepted != 1 || r.Duplicates != 0 {
		t.Errorf("re-import of the CSV after the XLSX changed the fine: receipt = %+v, want 1 new version", r)
	}
	out, _, _ = run(t, "import", "--db", dsn, "--class", "penalty", "--department", dept, file)
	json.Unmarshal([]byte(lastLine(out)), &r)
	if r.Accepted != 0 || r.Duplicates != 1 {
		t.Errorf("re-import receipt = %+v, want a duplicate", r)
	}
	for _, test := range []struct {
		name string
		args []string
		msg  string
	}{
		{"UnknownClass", []string{"import", "--db", dsn, "--class", "nope", "--department", dept, file}, "信息类“nope”不存在"},
		{"UnknownDepartment", []string{"import", "--db", dsn, "--class", "penalty", "--department", company, file}, "不存在"},
		{"MissingFile", []string{"import", "--db", dsn, "--class", "penalty", "--department", dept, filepath.Join(dir, "nope.csv")}, "不存在"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, e, code := run(t, test.args...)
			if code == 0 || !strings.Contains(e, test.msg) {
				t.Errorf("exit %d, stderr %q; want non-zero and %q", code, e, test.msg)
			}
		})
	}
	// The rules of this build wrote every version: nothing to apply again.
	if out, e, code := run(t, "records", "reapply-policy", "--db", dsn); code != 0 || lastLine(out) != `{"batches":0,"checked":1,"differ":0,"dry_run":false,"rejected":0,"written":0}` ||
		!strings.Contains(e, "已检查1条现行记录，其中0条与现行规则不一致") {
		t.Errorf("records reapply-policy: exit %d, stdout %q, stderr %q", code, out, e)
	}
	if _, e, code := run(t, "records", "reapply-policy", "--db", dsn, "--class", "nope"); code != 1 || !strings.Contains(e, "信息类别“nope”不存在") {
		t.Errorf("records reapply-policy --class nope: exit %d, %q", code, e)
	}
	if _, e, code := run(t, "ledger", "verify", "--db", dsn); code != 0 {
		t.Fatalf("ledger verify: %d %s", code, e)
	}
	// The key to publish verifies the newest checkpoint.
	vkey, e, code := run(t, "ledger", "key", "--db", dsn)
	if code != 0 || !strings.HasPrefix(vkey, "jl.credit.gov.cn/ledger+") {
		t.Fatalf("ledger key: %d %q %s", code, vkey, e)
	}
	func() {
		db, err := (&Env{Stderr: io.Discard}).openDB(systemContext(context.Background()), dsn, openExisting)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		cp, err := db.LatestCheckpoint(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ledger.OpenCheckpoint(cp.Note, strings.TrimSpace(vkey)); err != nil {
			t.Errorf("the published key does not verify the checkpoint: %v", err)
		}
	}()
	tamper(`UPDATE records SET fields = replace(fields, '虚假宣传', '无违法') WHERE id = 1`)
	if _, e, code := run(t, "ledger", "verify", "--db", dsn); code == 0 || !strings.Contains(e, "记录ID 1") {
		t.Errorf("ledger verify after tampering: exit %d, %q", code, e)
	}
}

// TestDepartmentKeyScopes: credit department key checks --scope before
// touching the database, names the valid scopes when one is unknown, and
// stores the scopes and rate limit it was given.
func TestDepartmentKeyScopes(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))
	dsn := "sqlite:" + filepath.Join(dir, "c.db")
	dept := validUSCC(t, "11220100MB000001")
	if _, e, code := run(t, "department", "add", "--db", dsn, "--code", dept, "--name", "长春市市场监督管理局", "--region", "220100"); code != 0 {
		t.Fatalf("department add: %d %s", code, e)
	}
	for _, test := range []struct {
		name string
		args []string
		code int
		want []string // in stderr
	}{
		{"UnknownScope", []string{"--scope", "ingest,admin"}, 1,
			[]string{"“admin”", "数据报送（ingest）", "信用核查（verify）", "数据共享（share）", "信易贷（finance）"}},
		{"NoScope", []string{"--scope", " , "}, 1, []string{"至少指定一项权限范围"}},
		{"NegativeRate", []string{"--rate", "-1"}, 1, []string{"每秒请求数"}},
		{"NoBurst", []string{"--rate", "5", "--burst", "0"}, 1, []string{"突发请求数至少为1"}},
		{"Default", nil, 0, []string{"数据报送（ingest）、信用核查（verify）", "每秒100次，突发200次"}},
		{"ScopesAndLimit", []string{"--scope", "share,verify", "--rate", "5", "--burst", "10"}, 0,
			[]string{"信用核查（verify）、数据共享（share）", "每秒5次，突发10次"}},
		{"OldFlag", []string{"--scopes", "finance", "--rate", "0"}, 0, []string{"信易贷（finance）", "不限速"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			args := append([]string{"department", "key", "--db", dsn, "--code", dept}, test.args...)
			out, e, code := run(t, args...)
			if code != test.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, test.code, e)
			}
			for _, w := range test.want {
				if !strings.Contains(e, w) {
					t.Errorf("stderr %q does not contain %q", e, w)
				}
			}
			if hasKey := strings.HasPrefix(strings.TrimSpace(out), "jlc_"); hasKey != (test.code == 0) {
				t.Errorf("stdout %q", out)
			}
		})
	}
}

// TestServeRemovesExpiredEntries: credit serve removes list entries whose
// validity has ended without an operator running `credit lists expire`.
func TestServeRemovesExpiredEntries(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))
	dsn := "sqlite:" + filepath.Join(dir, "c.db")
	g := demo.New(3, 40)
	var dept demo.Department
	for _, d := range g.Departments() {
		if d.Kind == demo.KindMarket && d.RegionCode == "220000" {
			dept = d
			break
		}
	}
	if _, e, code := run(t, "department", "add", "--db", dsn, "--code", dept.Code, "--name", dept.Name, "--region", dept.RegionCode, "--kind", dept.Kind); code != 0 {
		t.Fatalf("department add: %d %s", code, e)
	}
	var s demo.SubjectSeed
	for i := 0; s.USCC == ""; i++ {
		s = g.Subject(i)
	}
	// Listed in 2020 for three years: expired today.
	row := demo.ListRow(demo.ListEntry{Subject: s, Type: "严重失信主体名单", By: dept, DocNo: "吉市监严〔2020〕1号",
		Reason: "提交虚假材料取得公司登记", Basis: "《市场监督管理严重违法失信名单管理办法》第九条", From: credit.MakeDate(2020, 3, 2)})
	body, _ := json.Marshal([]map[string]string{row})
	file := filepath.Join(dir, "entry.json")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, e, code := run(t, "import", "--db", dsn, "--class", "list_entry", "--department", dept.Code, file); code != 0 || !strings.Contains(lastLine(out), `"accepted":1`) {
		t.Fatalf("import: %d %s %s", code, out, e)
	}
	srv := &ServeCommand{Env: &Env{Stdout: io.Discard, Stderr: io.Discard}, DSN: dsn, Addr: "127.0.0.1:0"}
	if err := srv.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// The first round runs as the server starts; wait for it (no timing
	// is asserted: only that it happens).
	deadline := time.Now().Add(time.Minute)
	for {
		var removed int
		if err := srv.DB.SQL().QueryRow(`SELECT COUNT(*) FROM list_entries WHERE removed_on IS NOT NULL`).Scan(&removed); err != nil {
			t.Fatal(err)
		}
		if removed == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the expired entry was not removed by the server")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeSealsVerifications: serve seals the verifications written while
// it ran, the last ones as it stops, so ledger verify reports none unsealed
// and fails when a sealed one is edited.
func TestServeSealsVerifications(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))
	dsn := "sqlite:" + filepath.Join(dir, "c.db")
	g := demo.New(3, 40)
	dept := g.Departments()[0]
	if _, e, code := run(t, "department", "add", "--db", dsn, "--code", dept.Code, "--name", dept.Name, "--region", dept.RegionCode, "--kind", dept.Kind); code != 0 {
		t.Fatalf("department add: %d %s", code, e)
	}
	srv := &ServeCommand{Env: &Env{Stdout: io.Discard, Stderr: io.Discard}, DSN: dsn, Addr: "127.0.0.1:0"}
	if err := srv.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	d, err := srv.DB.FindDepartmentByCode(context.Background(), dept.Code)
	if err != nil {
		t.Fatal(err)
	}
	ctx := credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleDepartment, DepartmentID: d.ID, DepartmentCode: d.Code, Channel: "api"})
	for i := range 3 {
		s := g.Subject(i)
		code := s.USCC
		if code == "" {
			code = s.CitizenID
		}
		if _, err := srv.DB.Verify(ctx, lists.VerificationRequest{Scenario: "政府采购", Purpose: "封存测试", Subjects: []lists.Query{{Code: code}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	out, e, code := run(t, "ledger", "verify", "--db", dsn)
	if code != 0 || !strings.Contains(lastLine(out), `"unsealed_verifications":0`) || strings.Contains(e, "尚未封存") {
		t.Fatalf("ledger verify after serve stopped: %d %s %s", code, out, e)
	}
	db, err := storage.Open(context.Background(), dsn, storage.Options{KeyFile: filepath.Join(dir, "k.key")})
	if err != nil {
		t.Fatal(err)
	}
	var sealed int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM verifications`).Scan(&sealed); err != nil || sealed != 3 {
		t.Fatalf("%d verifications stored, %v; want 3", sealed, err)
	}
	db.Close()
	tamper, err := sql.Open("sqlite", filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tamper.Close()
	if _, err := tamper.Exec(`UPDATE verifications SET purpose = '改动' WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	if _, e, code := run(t, "ledger", "verify", "--db", dsn); code == 0 || !strings.Contains(e, "核查") {
		t.Errorf("ledger verify after a sealed verification was edited: exit %d, %s", code, e)
	}
}
