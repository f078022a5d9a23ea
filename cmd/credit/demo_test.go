package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/demo"
	"jlcredit/internal/pgtest"
)

func TestDemoRegistrationsSQLite(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))
	testDemoRegistrations(t, "sqlite:"+filepath.Join(dir, "c.db"), func() (*sql.DB, error) {
		return sql.Open("sqlite", filepath.Join(dir, "c.db"))
	})
}

func TestDemoRegistrationsPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(t.TempDir(), "k.key"))
	testDemoRegistrations(t, dsn, func() (*sql.DB, error) { return sql.Open("pgx", dsn) })
}

// testDemoRegistrations: credit demo brings every organisation into being
// through its registration record (accepted, as history, not late) and
// persons through their records, so every subject row is implied by a
// ledgered record. A later record that names an organisation differently
// (another department's spelling) is no tampering: ledger verify passes.
func testDemoRegistrations(t *testing.T, dsn string, open func() (*sql.DB, error)) {
	const subjects, records = 400, 200
	out, e, code := run(t, "demo", "--db", dsn, "--subjects", "400", "--records", "200")
	if code != 0 {
		t.Fatalf("demo: exit %d: %s", code, e)
	}
	var sum map[string]int
	if err := json.Unmarshal([]byte(lastLine(out)), &sum); err != nil {
		t.Fatalf("demo summary %q: %v", out, err)
	}
	g := demo.New(1, subjects)
	orgs, persons := 0, 0
	for i := range subjects {
		if g.Subject(i).USCC != "" {
			orgs++
		} else {
			persons++
		}
	}
	if sum["registrations"] != orgs || sum["registrations_rejected"] != 0 || sum["records"] != records || sum["rejected"] != 0 {
		t.Errorf("demo summary %v, want %d registrations and %d records, none rejected", sum, orgs, records)
	}
	if n := sum["subjects"]; n < orgs || n > orgs+persons {
		t.Errorf("demo summary: %d subjects, want the %d organisations and the persons with records (at most %d)", n, orgs, persons)
	}
	if !strings.Contains(e, "拒绝0") {
		t.Errorf("demo stderr %q", e)
	}

	db, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string) int {
		t.Helper()
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if n := count(`SELECT COUNT(*) FROM subjects`); n != sum["subjects"] {
		t.Errorf("%d subjects in the database, summary says %d", n, sum["subjects"])
	}
	for q, what := range map[string]string{
		`SELECT COUNT(*) FROM subjects s WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.subject_id = s.id)`:                                                     "subjects without a record",
		`SELECT COUNT(*) FROM subjects s WHERE s.uscc IS NOT NULL AND NOT EXISTS (SELECT 1 FROM records r WHERE r.subject_id = s.id AND r.class = 'registration')`: "organisations without a registration record",
		`SELECT COUNT(*) FROM records WHERE class = 'registration' AND late`:                                                                                       "late registration records",
		`SELECT COUNT(*) FROM batches WHERE class = 'registration' AND NOT backfill`:                                                                               "registration batches not marked as backfill",
	} {
		if n := count(q); n != 0 {
			t.Errorf("%d %s", n, what)
		}
	}

	// An enterprise the demo records nothing else about, penalised by the
	// provincial 厅: under another name the new record is refused
	// (name_mismatch: its registration authority knows it as name), and so
	// is a correction of it under that name; under its registered name it
	// is accepted, and ledger verify passes.
	var uscc, name string
	err = db.QueryRow(`SELECT s.uscc, s.name FROM subjects s WHERE s.uscc LIKE '91%' AND NOT EXISTS
		(SELECT 1 FROM records r WHERE r.subject_id = s.id AND r.class <> 'registration') ORDER BY s.id LIMIT 1`).Scan(&uscc, &name)
	if err != nil {
		t.Fatal(err)
	}
	var dept demo.Department
	for _, d := range g.Departments() {
		if d.Kind == demo.KindMarket && d.RegionCode == "220000" {
			dept = d
			break
		}
	}
	other := "吉林省另名测试贸易有限公司"
	if other == name {
		t.Fatal("the test's other name is the subject's")
	}
	day := credit.DateOf(time.Now()).AddDate(0, 0, -1)
	penalty := func(as string) receipt {
		t.Helper()
		csv := "CF_XDR_MC,CF_XDR_LB,CF_XDR_SHXYM,CF_FRDB,CF_WSH,CF_WFXW,CF_SY,CF_YJ,CF_CFLB,CF_NR,CF_NR_FK,CF_JDRQ,CF_YXQ,CF_CFJG,CF_CFJGDM,CF_SJLY,CF_SJLYDM\n" +
			strings.Join([]string{as, "法人及非法人组织", uscc, "张三", "吉市监处罚〔2026〕9001号", "虚假宣传", "经查，当事人发布虚假广告。",
				"依据《中华人民共和国广告法》第五十五条的规定", "罚款", "罚款人民币5000元", "0.5", day.Format(credit.DateLayout),
				day.AddDate(3, 0, 0).Format(credit.DateLayout), dept.Name, dept.Code, dept.Name, dept.Code}, ",") + "\n"
		file := filepath.Join(t.TempDir(), "penalty.csv")
		if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
			t.Fatal(err)
		}
		out, e, code := run(t, "import", "--db", dsn, "--class", "penalty", "--department", dept.Code, file)
		var r receipt
		if code != 0 || json.Unmarshal([]byte(lastLine(out)), &r) != nil {
			t.Fatalf("import: exit %d, %q, %s", code, out, e)
		}
		return r
	}
	if r := penalty(other); r.Rejected != 1 {
		t.Errorf("a new penalty naming %s (%s) as %s: %+v, want refused", uscc, name, other, r)
	}
	if r := penalty(name); r.Accepted != 1 {
		t.Fatalf("a penalty naming %s as registered (%s): %+v", uscc, name, r)
	}
	if r := penalty(other); r.Rejected != 1 {
		t.Errorf("its correction naming %s as %s: %+v, want refused", uscc, other, r)
	}
	if _, e, code := run(t, "ledger", "verify", "--db", dsn); code != 0 {
		t.Errorf("ledger verify after a penalty naming %s (%s) as %s: exit %d: %s", uscc, name, other, code, e)
	}
}

// The demo's recent reports are not all on time: of the licences and
// penalties that do not go in as 历史数据补录, a few percent are reports of
// decisions weeks old (超期报送), chosen deterministically; the rest is as
// before (history before ten days ago, on time after).
func TestDemoLateRouting(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2025, 6, 30, 15, 0, 0, 0, credit.Shanghai)
	backfillBefore := credit.DateOf(asOf).AddDate(0, 0, -10).Format(credit.DateLayout)
	g := demo.New(1, 2000)
	for _, class := range []string{demo.ClassLicense, demo.ClassPenalty} {
		cl, _ := cat.Class(class)
		b := &demoBatcher{class: cl, backfillBefore: backfillBefore}
		b.lateFrom, b.lateBefore = demoLateWindow(asOf)
		recent, late, again := 0, 0, 0
		err := g.Rows(class, 60_000, asOf, func(i int, d demo.Department, row map[string]string) error {
			key, _, isLate := b.route(d.Code, row)
			day := row[cl.Roles.DecisionDate]
			switch {
			case isLate:
				late++
				if key.backfill || day >= b.lateBefore || day < b.lateFrom {
					t.Errorf("%s row %d decided %s: late %v, backfill %v", class, i, day, isLate, key.backfill)
				}
				if _, _, l := b.route(d.Code, row); l {
					again++
				}
			case key.backfill != (day < backfillBefore):
				t.Errorf("%s row %d decided %s: backfill %v", class, i, day, key.backfill)
			case !key.backfill:
				recent++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		share := float64(late) / float64(late+recent)
		t.Logf("%s: %d recent rows on time, %d late (%.1f%%)", class, recent, late, 100*share)
		if share < 0.01 || share > 0.10 {
			t.Errorf("%s: %d late of %d non-backfill rows (%.1f%%), want a few percent", class, late, late+recent, 100*share)
		}
		if again != late {
			t.Errorf("%s: routing is not deterministic (%d of %d late again)", class, again, late)
		}
	}
}

// credit demo stores the late reports as late: more than 7 working days
// after the decision, in batches that are not history.
func TestDemoLateReportsSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a demo province")
	}
	dir := t.TempDir()
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))
	if _, e, code := run(t, "demo", "--db", "sqlite:"+filepath.Join(dir, "c.db"), "--subjects", "400", "--records", "12000"); code != 0 {
		t.Fatalf("demo: exit %d: %s", code, e)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var late, lateHistory, recent int
	q := `SELECT COALESCE(SUM(CASE WHEN r.late THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN r.late AND b.backfill THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN NOT b.backfill THEN 1 ELSE 0 END), 0)
		FROM records r JOIN batches b ON b.id = r.batch_id WHERE r.class IN ('penalty', 'license')`
	if err := db.QueryRow(q).Scan(&late, &lateHistory, &recent); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d late of %d non-backfill records", late, recent)
	if late == 0 || lateHistory != 0 || late*4 > recent {
		t.Errorf("%d late records (%d in history batches) of %d non-backfill ones, want a few late, none history", late, lateHistory, recent)
	}
}
