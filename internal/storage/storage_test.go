package storage_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/simplifiedchinese"

	"jlcredit/internal/access"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/pgtest"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
	"jlcredit/internal/subject"
	"jlcredit/internal/subject/subjecttest"
)

func TestMain(m *testing.M) {
	if path := os.Getenv("CREDIT_TEST_SQLITE_PEEK"); path != "" {
		os.Exit(peekSQLite(path))
	}
	pgtest.Main(m)
}

// peekSQLite is another process that opens a database, reads it and closes
// it, as the sqlite3 shell or a second `credit` command would
// (TestSyncKeepsLocks runs the test binary again for it).
func peekSQLite(path string) int {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM scratch`).Scan(&n); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := db.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// opener opens a fresh, migrated database for one test.
type opener func(tb testing.TB) *storage.DB

func openSQLite(tb testing.TB) *storage.DB {
	tb.Helper()
	return mustOpen(tb, "sqlite:"+tb.TempDir()+"/credit.db")
}

func openPostgres(tb testing.TB) *storage.DB {
	tb.Helper()
	return mustOpen(tb, pgtest.DSN(tb))
}

func mustOpen(tb testing.TB, dsn string) *storage.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, dsn, storage.Options{EphemeralKeys: true})
	if err != nil {
		tb.Fatalf("Open(%s): %v", dsn, err)
	}
	tb.Cleanup(func() { db.Close() })
	// A fixed "now" so that decision dates and lateness are deterministic.
	db.Now = func() time.Time { return time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC) }
	if err := db.Migrate(ctx); err != nil {
		tb.Fatalf("Migrate: %v", err)
	}
	return db
}

func TestSQLite(t *testing.T)   { runConformance(t, openSQLite) }
func TestPostgres(t *testing.T) { runConformance(t, openPostgres) }

// uscc completes a 16-character prefix with both check characters.
func uscc(tb testing.TB, prefix16 string) string { return subjecttest.USCC(tb, prefix16) }

func citizenID(tb testing.TB, first17 string) string { return subjecttest.CitizenID(tb, first17) }

type fixture struct {
	db      *storage.DB
	dept    *access.Department
	other   *access.Department
	company string
	person  string
}

func newFixture(t *testing.T, open opener) *fixture {
	t.Helper()
	db := open(t)
	ctx := sys()
	f := &fixture{db: db,
		dept:    &access.Department{Code: uscc(t, "11220100MB000001"), Name: "长春市市场监督管理局", RegionCode: "220100", Kind: "market"},
		other:   &access.Department{Code: uscc(t, "11220200MB000002"), Name: "吉林市生态环境局", RegionCode: "220200", Kind: "environment"},
		company: uscc(t, "91220101MA0Y1234"),
		person:  citizenID(t, "22010219800101123"),
	}
	for _, d := range []*access.Department{f.dept, f.other} {
		if err := db.UpsertDepartment(ctx, d); err != nil {
			t.Fatalf("UpsertDepartment(%s): %v", d.Name, err)
		}
	}
	return f
}

func sys() context.Context { return credit.NewContextWithActor(context.Background(), credit.System) }

var penaltyHeader = []string{"CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_FRDB", "CF_XDR_ZJLX", "CF_XDR_ZJHM", "CF_WSH", "CF_WFXW", "CF_SY", "CF_YJ",
	"CF_CFLB", "CF_NR", "CF_NR_FK", "CF_JDRQ", "CF_YXQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM"}

// penaltyRow returns a valid penalty row of the fixture's company.
func (f *fixture) penaltyRow(wsh, cats, fine, date string) []string {
	return []string{"长春北辰汽车零部件有限公司", "法人及非法人组织", f.company, "王建国", "", "", wsh, "未按规定公示年度报告", "该公司未按规定期限公示年度报告。",
		"《企业信息公示暂行条例》第十八条", cats, "罚款五千元", fine, date, "2099-12-31", f.dept.Name, f.dept.Code, f.dept.Name, f.dept.Code}
}

func (f *fixture) personRow(wsh string) []string {
	return []string{"李某某", "自然人", "", "", "身份证", f.person, wsh, "无证经营", "当事人无证经营。", "《无证无照经营查处办法》第十三条",
		"罚款", "罚款两千元", "0.2", "2026-11-16", "2099-12-31", f.dept.Name, f.dept.Code, f.dept.Name, f.dept.Code}
}

func csvBytes(tb testing.TB, header []string, rows ...[]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(header)
	for _, r := range rows {
		w.Write(r)
	}
	w.Flush()
	return b.Bytes()
}

func (f *fixture) submit(t *testing.T, class, name string, body []byte) *record.Receipt {
	t.Helper()
	r, err := f.db.Submit(sys(), record.Submission{Class: class, DepartmentCode: f.dept.Code, Filename: name, Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("Submit(%s): %v", name, err)
	}
	return r
}

func runConformance(t *testing.T, open opener) {
	t.Run("Departments", func(t *testing.T) { testDepartments(t, open) })
	t.Run("Ingest", func(t *testing.T) { testIngest(t, open) })
	t.Run("GB18030ChineseHeaders", func(t *testing.T) { testGB18030(t, open) })
	t.Run("Archive", func(t *testing.T) { testArchive(t, open) })
	t.Run("PublicIdentityNumbers", func(t *testing.T) { testPublicIdentity(t, open) })
	t.Run("PersonWithPassport", func(t *testing.T) { testPassportPerson(t, open) })
	t.Run("Search", func(t *testing.T) { testSearch(t, open) })
	t.Run("Ledger", func(t *testing.T) { testLedger(t, open) })
	t.Run("CrossDepartment", func(t *testing.T) { testCrossDepartment(t, open) })
	t.Run("LedgerDeletedRecord", func(t *testing.T) { testLedgerDeleted(t, open) })
	t.Run("LedgerHiddenRecord", func(t *testing.T) { testLedgerHidden(t, open) })
	t.Run("OutsideInput", func(t *testing.T) { testOutsideInput(t, open) })
	t.Run("VerifiedByRegistration", func(t *testing.T) { testVerifiedByRegistration(t, open) })
	t.Run("RegisteredName", func(t *testing.T) { testRegisteredName(t, open) })
	t.Run("UpgradeFollowsRegistrations", func(t *testing.T) { testUpgradeFollowsRegistrations(t, open) })
	t.Run("FormerNames", func(t *testing.T) { testFormerNames(t, open) })
}

// testRegisteredName: a new record naming, by its USCC, a subject whose
// registration authority knows it by another name is refused
// (name_mismatch, naming the registered name), as is a second version of
// such a key in the same file and a correction under a name never given;
// the registered name written with other spacing or width, a former name
// after a rename, and a correction under the name its record was accepted
// with are accepted; a subject without a registration is not checked, nor
// a 自然人 named with the code of his individual business.
func testRegisteredName(t *testing.T, open opener) {
	f := newFixture(t, open)
	row := func(wsh, name string) []string {
		r := f.penaltyRow(wsh, "警告", "", "2026-11-16")
		r[0] = name
		return r
	}
	if rc := f.submit(t, "penalty", "before.csv", csvBytes(t, penaltyHeader, row("长市监罚〔2026〕401号", "长春北辰汽车零部件有限公司"))); rc.Accepted != 1 {
		t.Fatalf("penalty before the registration: %+v", rc)
	}
	reg := []string{"DJ_MC", "DJ_TYSHXYDM", "DJ_LX", "DJ_FDDBR", "DJ_CLRQ", "DJ_DJJG", "DJ_DJJGDM", "DJ_ZT", "DJ_SJLYDM"}
	register := func(name string) {
		t.Helper()
		if rc := f.submit(t, "registration", "r.csv", csvBytes(t, reg,
			[]string{name, f.company, "有限责任公司", "王建国", "2015-03-02", f.dept.Name, f.dept.Code, "存续", f.dept.Code})); rc.Accepted != 1 {
			t.Fatalf("registration as %s: %+v", name, rc)
		}
	}
	register("长春北辰汽车零部件有限公司")
	problems := func(rc *record.Receipt) []credit.Problem {
		t.Helper()
		errs, _, err := f.db.FindBatchErrors(sys(), rc.Batch, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var ps []credit.Problem
		for _, e := range errs {
			ps = append(ps, e.Problems...)
		}
		return ps
	}
	second := row("长市监罚〔2026〕402号", "长春南关食品有限公司")
	second[12] = "0.5" // the same new key again, another version: refused too (QA: it was stored)
	second[10], second[11] = "罚款", "罚款五千元"
	fix := row("长市监罚〔2026〕401号", "长春北辰汽车零部件有限公司")
	fix[7] = "未按规定公示年度报告（更正）"
	rc := f.submit(t, "penalty", "wrong.csv", csvBytes(t, penaltyHeader,
		row("长市监罚〔2026〕402号", "长春南关食品有限公司"),
		second,
		row("长市监罚〔2026〕403号", "长春北辰汽车零部件 有限公司"),
		row("长市监罚〔2026〕401号", "长春南关食品有限公司"), // a correction under a name never given: refused (QA)
		fix)) // a correction under the name it was accepted with
	ps := problems(rc)
	if rc.Accepted != 2 || rc.Rejected != 3 || len(ps) != 3 || ps[0].Code != storage.ProblemNameMismatch || ps[0].Field != "CF_XDR_MC" || ps[0].Row != 2 ||
		!strings.Contains(ps[0].Message, "登记机关报送的名称为“长春北辰汽车零部件有限公司”，与本行“行政相对人名称”“长春南关食品有限公司”不一致") ||
		ps[1].Row != 3 || ps[1].Code != storage.ProblemNameMismatch || ps[2].Row != 5 || ps[2].Code != storage.ProblemNameMismatch {
		t.Fatalf("receipt %+v, problems %+v; want rows 2, 3 and 5 refused as %s naming the registered name", rc, ps, storage.ProblemNameMismatch)
	}
	// A rename: the former name and the new one both name it.
	register("长春北辰汽车科技有限公司")
	// The subject follows its registration authority: archives, search
	// and verification by name know it by the registered name (QA: a
	// verification under the new name answered 未找到); the change is
	// audited, and ledger verify accepts the row (the registration implies
	// it).
	s, err := f.db.FindSubjectByCode(sys(), f.company)
	if err != nil || s.Name != "长春北辰汽车科技有限公司" {
		t.Errorf("subject after the rename: %+v, %v; want named 长春北辰汽车科技有限公司", s, err)
	}
	found := func(q string) bool {
		t.Helper()
		ss, _, err := f.db.FindSubjects(sys(), subject.Filter{Query: q, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(ss, func(o *subject.Subject) bool { return o.USCC == f.company })
	}
	if !found("北辰汽车科技") || !found("科技") || found("零部件") {
		t.Errorf("search after the rename: 北辰汽车科技 %v, 科技 %v, 零部件 %v; want the new name found, the old one not",
			found("北辰汽车科技"), found("科技"), found("零部件"))
	}
	v, err := f.db.Verify(credit.NewContextWithActor(t.Context(), deptCtx(f.other)), lists.VerificationRequest{Scenario: "政府采购", Purpose: "更名后核查",
		Subjects: []lists.Query{{Name: "长春北辰汽车科技有限公司"}}})
	if err != nil || len(v.Results) != 1 || !v.Results[0].Found || v.Results[0].USCC != f.company {
		t.Errorf("verification by the new name: %+v, %v; want the company found", v, err)
	}
	// The archive names it as registered, with its former name (public).
	if a, err := f.db.FindArchive(context.Background(), f.company, ""); err != nil || a.Subject.Name != "长春北辰汽车科技有限公司" ||
		!slices.Equal(a.FormerNames, []string{"长春北辰汽车零部件有限公司"}) {
		t.Errorf("public archive after the rename: %+v, %v; want the new name and the former one", a, err)
	}
	// The former name (曾用名) still finds it, alone, in a batch and beside
	// its code, and the answer says so (a listed company must not be
	// answered 未找到 under the name on an old contract).
	for _, qs := range [][]lists.Query{
		{{Name: "长春北辰汽车零部件有限公司"}},
		{{Name: "长春北辰汽车零部件 有限公司"}, {Name: "长春南关食品有限公司"}},
		{{Code: f.company, Name: "长春北辰汽车零部件有限公司"}},
	} {
		v, err := f.db.Verify(credit.NewContextWithActor(t.Context(), deptCtx(f.other)), lists.VerificationRequest{Scenario: "政府采购", Purpose: "按曾用名核查", Subjects: qs})
		if err != nil || !v.Results[0].Found || v.Results[0].USCC != f.company || v.Results[0].Verdict == lists.Undetermined ||
			!strings.Contains(v.Results[0].Explanation, "是该主体的曾用名，其现名称为“长春北辰汽车科技有限公司”") {
			t.Errorf("verification by the former name (%+v): %+v, %v; want the company found, saying 曾用名", qs, v, err)
		}
	}
	var audits int
	if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'subject.rename' AND object_id = '` + f.company + `'`).Scan(&audits); err != nil || audits != 1 {
		t.Errorf("audit entries of the rename: %d, %v; want 1", audits, err)
	}
	// A new legal representative is followed too.
	if rc := f.submit(t, "registration", "r.csv", csvBytes(t, reg,
		[]string{"长春北辰汽车科技有限公司", f.company, "有限责任公司", "刘洋", "2015-03-02", f.dept.Name, f.dept.Code, "存续", f.dept.Code})); rc.Accepted != 1 {
		t.Fatalf("registration with a new legal representative: %+v", rc)
	}
	if s, err := f.db.FindSubjectByCode(sys(), f.company); err != nil || s.LegalRep != "刘洋" || s.Name != "长春北辰汽车科技有限公司" {
		t.Errorf("subject after a new legal representative: %+v, %v; want 刘洋", s, err)
	}
	rc = f.submit(t, "penalty", "renamed.csv", csvBytes(t, penaltyHeader,
		row("长市监罚〔2026〕404号", "长春北辰汽车零部件有限公司"),
		row("长市监罚〔2026〕405号", "长春北辰汽车科技有限公司"),
		row("长市监罚〔2026〕406号", "长春北辰汽车有限公司")))
	ps = problems(rc)
	if rc.Accepted != 2 || len(ps) != 1 || ps[0].Row != 4 || !strings.Contains(ps[0].Message, "“长春北辰汽车科技有限公司”（曾用名“长春北辰汽车零部件有限公司”）") {
		t.Errorf("after a rename: receipt %+v, problems %+v; want only row 4 refused, naming the current and the former name", rc, ps)
	}
	// A 自然人 with the code of his individual business (registered under
	// the shop's name) is named by his own name.
	shop := uscc(t, "92220101MA0Y2388")
	if rc := f.submit(t, "registration", "r.csv", csvBytes(t, reg,
		[]string{"长春市朝阳区张三小吃店", shop, "个体工商户", "张三", "2015-03-02", f.dept.Name, f.dept.Code, "存续", f.dept.Code})); rc.Accepted != 1 {
		t.Fatalf("registration of the shop: %+v", rc)
	}
	own := f.personRow("长市监罚〔2026〕408号")
	own[0], own[2] = "张三", shop
	if rc := f.submit(t, "penalty", "person.csv", csvBytes(t, penaltyHeader, own)); rc.Accepted != 1 {
		t.Errorf("penalty of a 自然人 with his shop's code: %+v, %+v", rc, problems(rc))
	}
	// But not under any name (QA: a company's name was published beside
	// the shop's code).
	stranger := f.personRow("长市监罚〔2026〕409号")
	stranger[0], stranger[2] = "长春南关食品有限公司", shop
	rc = f.submit(t, "penalty", "stranger.csv", csvBytes(t, penaltyHeader, stranger))
	if ps := problems(rc); rc.Rejected != 1 || len(ps) != 1 || ps[0].Code != storage.ProblemNameMismatch || !strings.Contains(ps[0].Message, "经营者为“张三”") {
		t.Errorf("a 自然人 row under another name with the shop's code: %+v, %+v; want refused naming the operator", rc, ps)
	}
	// A subject nobody registered is not checked.
	other := f.penaltyRow("长市监罚〔2026〕407号", "警告", "", "2026-11-16")
	other[0], other[2], other[3] = "长春南湖机械有限公司", uscc(t, "91220101MA0Y2399"), "李明"
	if rc := f.submit(t, "penalty", "unregistered.csv", csvBytes(t, penaltyHeader, other)); rc.Accepted != 1 {
		t.Errorf("penalty of an unregistered company: %+v, %+v", rc, problems(rc))
	}
	if _, err := f.db.VerifyLedger(sys()); err != nil {
		t.Errorf("VerifyLedger: %v", err)
	}
}

// testFormerNames: the former names (曾用名) of a subject are the names
// its registration authority's registrations gave it — every one, also a
// version superseded in the same file — never the name another
// department's row gave it before its registration came (QA); a name
// that is the current or former name of two organisations is ambiguous,
// not 无 (QA: a listed company's former name, now another's).
func testFormerNames(t *testing.T, open opener) {
	f := newFixture(t, open)
	reg := []string{"DJ_MC", "DJ_TYSHXYDM", "DJ_LX", "DJ_FDDBR", "DJ_CLRQ", "DJ_DJJG", "DJ_DJJGDM", "DJ_ZT", "DJ_SJLYDM"}
	regRow := func(name, code string) []string {
		return []string{name, code, "有限责任公司", "王建国", "2015-03-02", f.dept.Name, f.dept.Code, "存续", f.dept.Code}
	}
	// A row names it first, misspelt (before any registration: unchecked).
	p := f.penaltyRow("长市监罚〔2026〕601号", "警告", "", "2026-11-16")
	p[0] = "长春错写名称有限公司"
	f.submit(t, "penalty", "p.csv", csvBytes(t, penaltyHeader, p))
	// Its registration, renamed twice in one file.
	f.submit(t, "registration", "r.csv", csvBytes(t, reg, regRow("长春甲名称有限公司", f.company), regRow("长春乙名称有限公司", f.company), regRow("长春丙名称有限公司", f.company)))
	formers := func(code string) []string {
		t.Helper()
		a, err := f.db.FindArchive(context.Background(), code, "")
		if err != nil {
			t.Fatal(err)
		}
		return a.FormerNames
	}
	if got := formers(f.company); !slices.Equal(got, []string{"长春乙名称有限公司", "长春甲名称有限公司"}) {
		t.Errorf("former names after two renames in one file = %q; want 乙 and 甲 (not the misspelt name of another row)", got)
	}
	verify := func(name string) lists.SubjectResult {
		t.Helper()
		v, err := f.db.Verify(credit.NewContextWithActor(t.Context(), deptCtx(f.other)), lists.VerificationRequest{Scenario: "政府采购", Purpose: "曾用名核查",
			Subjects: []lists.Query{{Name: name}, {Code: uscc(t, "91220101MA0Y9999")}}})
		if err != nil {
			t.Fatal(err)
		}
		return v.Results[0]
	}
	if r := verify("长春乙名称有限公司"); !r.Found || r.USCC != f.company {
		t.Errorf("verification by the middle name: %+v; want found", r)
	}
	if r := verify("长春错写名称有限公司"); r.Found {
		t.Errorf("verification by another department's misspelling: %+v; want not found (no 曾用名)", r)
	}
	// Another company registered under the first one's former name: the
	// name names two.
	other := uscc(t, "91220101MA0Y3456")
	f.submit(t, "registration", "r2.csv", csvBytes(t, reg, regRow("长春甲名称有限公司", other)))
	for _, single := range []bool{true, false} {
		qs := []lists.Query{{Name: "长春甲名称有限公司"}}
		if !single {
			qs = append(qs, lists.Query{Code: f.company})
		}
		v, err := f.db.Verify(credit.NewContextWithActor(t.Context(), deptCtx(f.other)), lists.VerificationRequest{Scenario: "政府采购", Purpose: "重名核查", Subjects: qs})
		if err != nil {
			t.Fatal(err)
		}
		if r := v.Results[0]; r.Found || r.Ambiguous != 2 || r.Verdict != lists.Undetermined {
			t.Errorf("verification (single %v) by a name one company bears and another bore: %+v; want ambiguous between 2, 无法核查", single, r)
		}
	}
	if _, err := f.db.VerifyLedger(sys()); err != nil {
		t.Errorf("VerifyLedger: %v", err)
	}
	// Former names planted or deleted in the database are reported (QA: a
	// planted one made a listed company's name ambiguous).
	storage.Tamper(t, f.db, `INSERT INTO subject_former_names (name_key, subject_id, name) SELECT 'X某某', id, 'x某某' FROM subjects WHERE uscc = '`+other+`'`)
	if _, err := f.db.VerifyLedger(sys()); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "subject_former_names") {
		t.Errorf("VerifyLedger with a planted former name: %v; want it reported", err)
	}
	storage.Tamper(t, f.db, `DELETE FROM subject_former_names WHERE name_key = 'X某某'`)
	storage.Tamper(t, f.db, `DELETE FROM subject_former_names WHERE name = '长春甲名称有限公司'`)
	if _, err := f.db.VerifyLedger(sys()); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "长春甲名称有限公司") {
		t.Errorf("VerifyLedger with a former name deleted: %v; want it reported", err)
	}
	storage.Tamper(t, f.db, `INSERT INTO subject_former_names (name_key, subject_id, name) SELECT '长春甲名称有限公司', id, '长春甲名称有限公司' FROM subjects WHERE uscc = '`+f.company+`'`)
	if _, err := f.db.VerifyLedger(sys()); err != nil {
		t.Errorf("VerifyLedger with the former name restored: %v", err)
	}
	// A legal representative changed behind the platform's back is
	// reported as such, not as the name its first record differs in (QA).
	storage.Tamper(t, f.db, `UPDATE subjects SET legal_rep = '张三' WHERE uscc = '`+f.company+`'`)
	if _, err := f.db.VerifyLedger(sys()); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "subjects.legal_rep") {
		t.Errorf("VerifyLedger with the legal representative changed: %v; want subjects.legal_rep named", err)
	}
	storage.Tamper(t, f.db, `UPDATE subjects SET legal_rep = '王建国' WHERE uscc = '`+f.company+`'`)
	// A rename undone behind the platform's back is reported, although an
	// older record (the first registration) implies the old name (QA).
	storage.Tamper(t, f.db, `UPDATE subjects SET name = '长春甲名称有限公司' WHERE uscc = '`+f.company+`'`)
	if _, err := f.db.VerifyLedger(sys()); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "subjects.name") ||
		!strings.Contains(credit.ErrorMessage(err), "“长春丙名称有限公司”") {
		t.Errorf("VerifyLedger after a rename undone in the database: %v; want the name reported against the current registration", err)
	}
}

// testUpgradeFollowsRegistrations: a database of a build that did not
// follow registrations (its subjects named as their first row said, here
// made so by hand) gets its registration authority's names when migrated
// (upgrade task follow_registrations, 0027), once; ledger verify passes.
func testUpgradeFollowsRegistrations(t *testing.T, open opener) {
	f := newFixture(t, open)
	reg := []string{"DJ_MC", "DJ_TYSHXYDM", "DJ_LX", "DJ_FDDBR", "DJ_CLRQ", "DJ_DJJG", "DJ_DJJGDM", "DJ_ZT", "DJ_SJLYDM"}
	f.submit(t, "penalty", "p.csv", csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕501号", "警告", "", "2026-11-16")))
	if rc := f.submit(t, "registration", "r.csv", csvBytes(t, reg,
		[]string{"长春北辰汽车科技有限公司", f.company, "有限责任公司", "刘洋", "2015-03-02", f.dept.Name, f.dept.Code, "存续", f.dept.Code})); rc.Accepted != 1 {
		t.Fatalf("registration: %+v", rc)
	}
	// As an older build left it.
	for _, q := range []string{
		`UPDATE subjects SET name = '长春北辰汽车零部件有限公司', legal_rep = '王建国' WHERE uscc = '` + f.company + `'`,
		`DELETE FROM subject_former_names`,
		`INSERT INTO upgrade_tasks (name, added_at) VALUES ('follow_registrations', CURRENT_TIMESTAMP)`,
	} {
		storage.Tamper(t, f.db, q)
	}
	for range 2 { // the second time, nothing is left to do
		if err := f.db.Migrate(sys()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	if s, err := f.db.FindSubjectByCode(sys(), f.company); err != nil || s.Name != "长春北辰汽车科技有限公司" || s.LegalRep != "刘洋" {
		t.Errorf("subject after the upgrade: %+v, %v; want the registered name and legal representative", s, err)
	}
	var tasks, former, audits int
	if err := f.db.SQL().QueryRow(`SELECT (SELECT COUNT(*) FROM upgrade_tasks), (SELECT COUNT(*) FROM subject_former_names),
		(SELECT COUNT(*) FROM audit_log WHERE action = 'subject.rename')`).Scan(&tasks, &former, &audits); err != nil || tasks != 0 || former != 0 || audits != 2 {
		// (The old name was a penalty row's, not registered: no 曾用名.)
		t.Errorf("after the upgrade: %d tasks left, %d former names, %d renames audited, %v; want 0, 0, 2 (at the registration, at the upgrade)", tasks, former, audits, err)
	}
	if _, err := f.db.VerifyLedger(sys()); err != nil {
		t.Errorf("VerifyLedger after the upgrade: %v", err)
	}
}

// 主体核验: a subject created from a penalty row is unverified until its
// registration record (登记注册基本信息) arrives; then every way of reading
// it says verified, and ledger verify still passes (the mark is derived
// from the record, the subjects row is unchanged). A person has no
// registration and stays unverified.
func testVerifiedByRegistration(t *testing.T, open opener) {
	f := newFixture(t, open)
	f.submit(t, "penalty", "p.csv", csvBytes(t, penaltyHeader,
		f.penaltyRow("长市监罚〔2026〕301号", "警告", "", "2026-11-16"),
		f.personRow("长市监罚〔2026〕302号")))
	verified := func(code string) (byCode, byID, bySearch bool) {
		t.Helper()
		s, err := f.db.FindSubjectByCode(sys(), code)
		if err != nil {
			t.Fatal(err)
		}
		again, err := f.db.FindSubjectByID(sys(), s.ID)
		if err != nil {
			t.Fatal(err)
		}
		found, _, err := f.db.FindSubjects(sys(), subject.Filter{Query: s.Name, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range found {
			if o.ID == s.ID {
				bySearch = o.Verified
			}
		}
		return s.Verified, again.Verified, bySearch
	}
	if a, b, c := verified(f.company); a || b || c {
		t.Errorf("company from a penalty row: verified %v/%v/%v, want false", a, b, c)
	}
	reg := []string{"DJ_MC", "DJ_TYSHXYDM", "DJ_LX", "DJ_FDDBR", "DJ_CLRQ", "DJ_DJJG", "DJ_DJJGDM", "DJ_ZT", "DJ_SJLYDM"}
	if rc := f.submit(t, "registration", "r.csv", csvBytes(t, reg,
		[]string{"长春北辰汽车零部件有限公司", f.company, "有限责任公司", "王建国", "2015-03-02", f.dept.Name, f.dept.Code, "存续", f.dept.Code})); rc.Accepted != 1 {
		errs, _, _ := f.db.FindBatchErrors(sys(), rc.Batch, 0, 5)
		t.Fatalf("registration: %+v %+v", rc, errs)
	}
	if a, b, c := verified(f.company); !a || !b || !c {
		t.Errorf("company with a registration record: verified by code %v, by id %v, in search %v; want true", a, b, c)
	}
	if p, err := f.db.FindSubjectByCode(sys(), f.person); err != nil || p.Verified {
		t.Errorf("person: %+v, %v; want unverified", p, err)
	}
	// Only the subject's registration authority sends and verifies it
	// (catalog registered_by, by position 1 of its code): 生态环境 does not
	// register companies, 市场监管 does not register a 社会团体 (51…), 民政
	// does; the others' rows are refused, naming who registers.
	civil := &access.Department{Code: uscc(t, "11220100MB000003"), Name: "长春市民政局", RegionCode: "220100", Kind: "civil_affairs"}
	if err := f.db.UpsertDepartment(sys(), civil); err != nil {
		t.Fatal(err)
	}
	company2, society := uscc(t, "91220101MA0Y2345"), uscc(t, "51220100MJ0Y3456")
	register := func(d *access.Department, name, code, kind string) *record.Receipt {
		t.Helper()
		rc, err := f.db.Submit(sys(), record.Submission{Class: "registration", DepartmentCode: d.Code, Filename: "r.csv",
			Body: bytes.NewReader(csvBytes(t, reg, []string{name, code, kind, "李明", "2016-05-10", d.Name, d.Code, "存续", d.Code}))})
		if err != nil {
			t.Fatalf("registration of %s by %s: %v", name, d.Name, err)
		}
		return rc
	}
	for _, c := range []struct {
		d                *access.Department
		name, code, kind string
		want             string
	}{
		{f.other, "长春南湖机械有限公司", company2, "有限责任公司", "该主体由市场监督管理部门登记"},
		{f.dept, "长春市南湖摄影家协会", society, "社会团体", "该主体由民政部门登记"},
	} {
		rc := register(c.d, c.name, c.code, c.kind)
		errs, _, err := f.db.FindBatchErrors(sys(), rc.Batch, 0, 5)
		if err != nil || rc.Rejected != 1 || len(errs) != 1 || errs[0].Problems[0].Code != storage.ProblemNotRegistrar || !strings.Contains(errs[0].Problems[0].Message, c.want) {
			t.Errorf("registration of %s by %s: %+v, %+v, %v; want refused as %s saying %q", c.name, c.d.Name, rc, errs, err, storage.ProblemNotRegistrar, c.want)
		}
		if s, err := f.db.FindSubjectByCode(sys(), c.code); credit.ErrorCode(err) != credit.ENOTFOUND {
			t.Errorf("%s after a refused registration by %s: %+v, %v; want no subject", c.name, c.d.Name, s, err)
		}
	}
	society2 := uscc(t, "51220100MJ0Y4567")
	if rc := register(civil, "长春市书法家协会", society2, "社会团体"); rc.Accepted != 1 {
		t.Fatalf("registration by 民政: %+v", rc)
	}
	if a, b, c := verified(society2); !a || !b || !c {
		t.Errorf("社会团体 registered by 民政: verified %v/%v/%v, want true", a, b, c)
	}
	// A registration an older build let a department of another kind send
	// (here: the department's kind changed since) does not verify, and the
	// registration authority's own record takes its key over.
	market2 := &access.Department{Code: uscc(t, "11220100MB000004"), Name: "长春市朝阳区市场监督管理局", RegionCode: "220104", Kind: "market"}
	if err := f.db.UpsertDepartment(sys(), market2); err != nil {
		t.Fatal(err)
	}
	company3 := uscc(t, "91220101MA0Y5678")
	if rc := register(market2, "长春朝阳印刷有限公司", company3, "有限责任公司"); rc.Accepted != 1 {
		t.Fatalf("registration by 市场监管: %+v", rc)
	}
	market2.Kind = "environment"
	if err := f.db.UpsertDepartment(sys(), market2); err != nil {
		t.Fatal(err)
	}
	if a, _, _ := verified(company3); a {
		t.Errorf("registered by a department now of kind environment: verified")
	}
	if n, m, err := f.db.RegistrationsFromOthers(sys()); err != nil || n != 1 || m != 0 {
		t.Errorf("RegistrationsFromOthers = %d, %d, %v; want 1, 0", n, m, err)
	}
	if rc := register(f.dept, "长春朝阳印刷有限公司", company3, "有限责任公司"); rc.Accepted != 1 {
		errs, _, _ := f.db.FindBatchErrors(sys(), rc.Batch, 0, 5)
		t.Fatalf("the registration authority's own record of a key another kind holds: %+v %+v", rc, errs)
	}
	if a, b, c := verified(company3); !a || !b || !c {
		t.Errorf("after the registration authority's record: verified %v/%v/%v, want true", a, b, c)
	}
	if n, m, err := f.db.RegistrationsFromOthers(sys()); err != nil || n != 0 || m != 0 {
		t.Errorf("RegistrationsFromOthers after the takeover = %d, %d, %v; want 0, 0", n, m, err)
	}
	// A registration of a 律师事务所 (3…): nobody on the platform registers
	// it, anyone may send it, and it verifies nothing.
	lawyers := uscc(t, "31220000MD012345")
	if rc := register(f.other, "吉林某某律师事务所", lawyers, "律师事务所"); rc.Accepted != 1 {
		t.Fatalf("registration of a 律师事务所: %+v", rc)
	}
	if a, _, _ := verified(lawyers); a {
		t.Error("律师事务所 verified")
	}
	// Nor does its registration rename it: nobody here is its authority.
	if rc := register(f.other, "吉林某某某律师事务所", lawyers, "律师事务所"); rc.Accepted != 1 {
		t.Fatalf("second registration of a 律师事务所: %+v", rc)
	}
	if s, err := f.db.FindSubjectByCode(sys(), lawyers); err != nil || s.Name != "吉林某某律师事务所" {
		t.Errorf("律师事务所 after another department's registration under a new name: %+v, %v; want its first name kept", s, err)
	}
	if n, m, err := f.db.RegistrationsFromOthers(sys()); err != nil || n != 0 || m != 1 {
		t.Errorf("RegistrationsFromOthers with a 律师事务所 = %d, %d, %v; want 0, 1", n, m, err)
	}
	if _, err := f.db.VerifyLedger(sys()); err != nil {
		t.Errorf("ledger verify after a registration: %v", err)
	}
}

// TestRegisteredByKinds: the department kinds the catalog names as
// registration authorities are kinds a department can have.
func TestRegisteredByKinds(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, cl := range c.Classes {
		for code, kinds := range cl.RegisteredBy {
			for _, k := range kinds {
				n++
				if _, ok := access.DepartmentKindName(k); !ok {
					t.Errorf("class %s registered_by %s: kind %q is not in access.DepartmentKinds", cl.Code, code, k)
				}
			}
		}
	}
	if n == 0 {
		t.Error("no class names a registration authority")
	}
}

// What a request can carry into a statement — bytes that are not UTF-8, a
// NUL, an offset near the largest int — is answered alike on both
// databases, never with a database error (PostgreSQL refused the first two
// and a negative LIMIT).
func testOutsideInput(t *testing.T, open opener) {
	f := newFixture(t, open)
	f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16")))
	for _, q := range []string{"长春\xff\xfe", "\xff", "北辰\x00", "长\xe9\x95"} {
		if _, _, err := f.db.FindSubjects(sys(), subject.Filter{Query: q, RegionPrefix: q, Limit: 20}); err != nil && credit.ErrorCode(err) != credit.EINVALID {
			t.Errorf("FindSubjects(%q): %v", q, err)
		}
		if _, _, err := f.db.FindSubjects(sys(), subject.Filter{Query: "长春", Offset: math.MaxInt, Limit: 20}); err != nil {
			t.Errorf("FindSubjects at the largest offset: %v", err)
		}
	}
	// A file name too long or with control characters is refused before
	// anything is stored; one of the longest allowed is not.
	body := csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕2号", "警告", "", "2026-11-16"))
	for _, c := range []struct{ name, want string }{
		{strings.Repeat("处", 252) + ".csv", "文件名过长（256个字符），最多255个字符"},
		{"a\nb.csv", "控制字符"},
		{"处罚\u202evsc.exe.csv", "文字方向控制符"},
	} {
		_, err := f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: c.name, Body: bytes.NewReader(body)})
		if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), c.want) {
			t.Errorf("Submit named %q: %v; want EINVALID saying %q", credit.Clip(c.name, 20), err, c.want)
		}
	}
	// A body over the server's limit (http.MaxBytesReader) says so, in
	// Chinese, as 413 (QA: "读取上传文件失败：http: request body too large").
	_, err := f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: "big.csv",
		Body: http.MaxBytesReader(nil, io.NopCloser(io.MultiReader(bytes.NewReader(body), strings.NewReader(strings.Repeat(" ", 2<<20)))), 1<<20)})
	if credit.ErrorCode(err) != credit.ETOOLARGE || !strings.Contains(credit.ErrorMessage(err), "超过1 MB上限") {
		t.Errorf("Submit over the body limit: %v; want too_large naming 1 MB", err)
	}
	if rc := f.submit(t, "penalty", strings.Repeat("处", 251)+".csv", body); rc.Accepted != 1 {
		t.Errorf("a 255-character file name: %+v", rc)
	}
	if _, err := f.db.FindBatchByID(sys(), credit.BatchID("B\xff\xfe")); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Errorf("FindBatch of a non-UTF-8 id: %v, want not found", err)
	}
	if _, _, err := f.db.FindBatches(sys(), record.BatchFilter{Class: "\xff", Offset: math.MaxInt, Limit: 20}); err != nil {
		t.Errorf("FindBatches at the largest offset: %v", err)
	}
	if _, _, err := f.db.FindBatches(sys(), record.BatchFilter{Offset: math.MaxInt - 5, Limit: 20}); err != nil {
		t.Errorf("FindBatches near the largest offset: %v", err)
	}
}

func testDepartments(t *testing.T, open opener) {
	f := newFixture(t, open)
	ctx := sys()
	again := &access.Department{Code: " " + strings.ToLower(f.dept.Code) + " ", Name: "长春市市场监督管理局", RegionCode: "220100"}
	if err := f.db.UpsertDepartment(ctx, again); err != nil {
		t.Fatal(err)
	}
	if again.ID != f.dept.ID {
		t.Errorf("upsert id = %d, want %d (idempotent)", again.ID, f.dept.ID)
	}
	// The update's audit entry carries the department's creation time,
	// not a zero time (QA).
	var detail string
	if err := f.db.SQL().QueryRow(`SELECT detail FROM audit_log WHERE action = 'department.update' ORDER BY id DESC LIMIT 1`).Scan(&detail); err != nil ||
		strings.Contains(detail, "0001-01-01") || !strings.Contains(detail, `"created_at"`) || again.CreatedAt.IsZero() {
		t.Errorf("audit detail of the update: %s, %v; department %+v; want its creation time", detail, err, again)
	}
	bad := &access.Department{Code: f.dept.Code[:17] + "0", Name: "错误部门", RegionCode: "220100"}
	if bad.Code == f.dept.Code {
		bad.Code = f.dept.Code[:17] + "1"
	}
	err := f.db.UpsertDepartment(ctx, bad)
	if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "应为“"+f.dept.Code[17:]+"”") {
		t.Errorf("bad check char: err = %v, want EINVALID naming %q", err, f.dept.Code[17:])
	}
	secret, _, err := f.db.CreateAPIKey(ctx, f.dept.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.db.Authenticate(ctx, secret)
	if err != nil || a.DepartmentID != f.dept.ID || a.Role != credit.RoleDepartment {
		t.Errorf("Authenticate = %+v, %v", a, err)
	}
	if _, err := f.db.Authenticate(ctx, secret+"x"); credit.ErrorCode(err) != credit.EUNAUTHORIZED {
		t.Errorf("bad key: err = %v, want unauthorized", err)
	}
}

func testIngest(t *testing.T, open opener) {
	f := newFixture(t, open)
	bad := f.penaltyRow("长市监罚〔2026〕2号", "罚款", "", "2026-11-17")  // 罚款 without amount
	bad2 := f.penaltyRow("长市监罚〔2026〕3号", "警告", "", "2027-01-03") // future date
	body := csvBytes(t, penaltyHeader,
		f.penaltyRow("长市监罚〔2026〕1号", "警告;罚款", "0.5", "2026-11-16"),
		bad, bad2,
		f.personRow("长市监罚〔2026〕4号"),
		f.penaltyRow("长市监罚〔2026〕1号", "警告;罚款", "0.5", "2026-11-16"), // same as row 2
		f.penaltyRow("长市监罚〔2025〕9号", "警告", "", "2025-01-06"),       // late
	)
	got := f.submit(t, "penalty", "a.csv", body)
	want := record.Receipt{Batch: got.Batch, Total: 6, Accepted: 3, Rejected: 2, Duplicates: 1, Late: 1}
	if *got != want {
		t.Fatalf("receipt = %+v, want %+v", *got, want)
	}
	errs, n, err := f.db.FindBatchErrors(sys(), got.Batch, 0, 0)
	if err != nil || n != 2 {
		t.Fatalf("FindBatchErrors = %d, %v", n, err)
	}
	if errs[0].Row != 3 || errs[0].Problems[0].Field != "CF_NR_FK" || !strings.Contains(errs[0].Problems[0].Message, "第3行") {
		t.Errorf("row error 0 = %+v", errs[0])
	}
	if errs[1].Row != 4 || errs[1].Problems[0].Code != "future_date" {
		t.Errorf("row error 1 = %+v", errs[1])
	}
	if errs[0].Raw["CF_WSH"] != "长市监罚〔2026〕2号" {
		t.Errorf("raw row not kept: %v", errs[0].Raw)
	}
	// A page past the last still says how many there are.
	if errs, n, err := f.db.FindBatchErrors(sys(), got.Batch, 5, 10); err != nil || len(errs) != 0 || n != 2 {
		t.Errorf("FindBatchErrors past the last page = %d errors, total %d, %v; want 0, 2", len(errs), n, err)
	}
	// The whole sequence, read a row per query (the chunk boundary falls
	// on every row, and the last chunk is full), gives the same rows; a
	// consumer may stop early.
	storage.SetBatchErrorChunk(t, 1)
	var rows []int
	for e, err := range f.db.BatchErrors(sys(), got.Batch) {
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < len(errs) {
			if diff := cmp.Diff(errs[len(rows)], e); diff != "" {
				t.Errorf("BatchErrors row %d differs from FindBatchErrors (-want +got):\n%s", len(rows), diff)
			}
		}
		rows = append(rows, e.Row)
	}
	if !slices.Equal(rows, []int{3, 4}) {
		t.Errorf("BatchErrors rows = %v, want [3 4]", rows)
	}
	for range f.db.BatchErrors(sys(), got.Batch) {
		break
	}
	var unknown []error
	for _, err := range f.db.BatchErrors(sys(), "nosuchbatch") {
		unknown = append(unknown, err)
	}
	if len(unknown) != 1 || credit.ErrorCode(unknown[0]) != credit.ENOTFOUND {
		t.Errorf("BatchErrors of an unknown batch yielded errors %v, want one ENOTFOUND", unknown)
	}
	// Re-import: nothing changes.
	again := f.submit(t, "penalty", "a.csv", body)
	if again.Accepted != 0 || again.Duplicates != 4 || again.Rejected != 2 {
		t.Errorf("re-import receipt = %+v, want 0 accepted, 4 duplicates, 2 rejected", *again)
	}
	// Same key, new content: a new version.
	changed := f.submit(t, "penalty", "b.csv", csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕1号", "警告;罚款", "0.8", "2026-11-16")))
	if changed.Accepted != 1 {
		t.Fatalf("changed receipt = %+v", *changed)
	}
	a, err := f.db.FindArchive(sys(), f.company, "测试")
	if err != nil {
		t.Fatal(err)
	}
	var versions []int
	for _, s := range a.Sections {
		for _, e := range s.Entries {
			if e.Record.Key == "长市监罚〔2026〕1号|"+f.dept.Code {
				versions = append(versions, e.Record.Version)
			}
		}
	}
	if len(versions) != 2 {
		t.Errorf("admin archive versions of the changed record = %v, want 2 versions kept", versions)
	}
	var orphans int
	if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM records r LEFT JOIN subjects s ON s.id = r.subject_id
		LEFT JOIN departments d ON d.id = r.department_id WHERE s.id IS NULL OR d.id IS NULL`).Scan(&orphans); err != nil || orphans != 0 {
		t.Errorf("records without their subject or department = %d, %v", orphans, err)
	}
	b, err := f.db.FindBatchByID(sys(), got.Batch)
	if err != nil || b.Status != "done" || b.Size != int64(len(body)) {
		t.Errorf("batch = %+v, %v", b, err)
	}

	// A JSON object after the first (whose keys are the file's headers) may
	// name one field twice, by code and by Chinese name: that row is
	// rejected naming both keys, the other row still lands.
	obj := func(wsh string) map[string]string {
		m := map[string]string{}
		for i, v := range f.penaltyRow(wsh, "警告", "", "2026-11-16") {
			m[penaltyHeader[i]] = v
		}
		return m
	}
	twice := obj("长市监罚〔2026〕5号")
	twice["统一社会信用代码"] = f.company
	js, _ := json.Marshal([]map[string]string{obj("长市监罚〔2026〕6号"), twice})
	jr := f.submit(t, "penalty", "c.json", js)
	if jr.Accepted != 1 || jr.Rejected != 1 {
		t.Fatalf("JSON receipt = %+v, want 1 accepted, 1 rejected", *jr)
	}
	errs, _, err = f.db.FindBatchErrors(sys(), jr.Batch, 0, 0)
	if err != nil || len(errs) != 1 {
		t.Fatalf("FindBatchErrors = %+v, %v", errs, err)
	}
	p := errs[0].Problems[0]
	if want := "第2行：“CF_XDR_SHXYM”与“统一社会信用代码”对应同一字段CF_XDR_SHXYM"; p.Code != "duplicate_field" || p.Field != "CF_XDR_SHXYM" || p.Message != want {
		t.Errorf("duplicate field problem = %+v, want %q", p, want)
	}

	// A table of another class, or of nothing the catalog knows: one clear
	// error for the file (which is kept), not every required field of
	// every row.
	for _, c := range []struct {
		class string
		body  []byte
		want  string
	}{
		{"license", body, "文件的表头中没有“行政许可”信息类的任何字段（表头：CF_XDR_MC、CF_XDR_LB、"},
		{"penalty", []byte("a,b,c\n1,2,3\n"), "文件的表头中没有“行政处罚”信息类的任何字段（表头：a、b、c）"},
		// JSON penalties submitted as licences: the first object's keys tell.
		{"license", []byte(`[{"CF_WSH":"长市监罚〔2026〕9号","CF_XDR_MC":"长春北辰汽车零部件有限公司"},{"XK_WSH":"x"}]`), "JSON文件第一个对象的键中没有“行政许可”信息类的任何字段（键：CF_WSH、CF_XDR_MC）"},
		// A required column missing altogether: named, for the whole file.
		{"penalty", csvBytes(t, penaltyHeader[:6], f.penaltyRow("长市监罚〔2026〕8号", "警告", "", "2026-11-16")[:6]), "文件缺少必填列：“行政处罚决定书文号”（CF_WSH）、"},
	} {
		name := "wrong.csv"
		if c.body[0] == '[' {
			name = "wrong.json"
		}
		_, err := f.db.Submit(sys(), record.Submission{Class: c.class, DepartmentCode: f.dept.Code, Filename: name, Body: bytes.NewReader(c.body)})
		if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), c.want) {
			t.Errorf("%s submitted as %s: %v, want %q", c.body[:8], c.class, err, c.want)
		}
	}
	// Text is published as written, full-width punctuation kept; keys and
	// duplicates go by its normalised form.
	wide := f.penaltyRow("长市监罚（2026）11号", "警告", "", "2026-11-16")
	wide[8] = "经查，该公司未按规定期限（60日内）公示年度报告：违反《条例》。"
	wr := f.submit(t, "penalty", "wide.csv", csvBytes(t, penaltyHeader, wide))
	narrow := slices.Clone(wide)
	narrow[6], narrow[8] = "长市监罚(2026)11号", "经查,该公司未按规定期限(60日内)公示年度报告:违反《条例》。"
	nr := f.submit(t, "penalty", "narrow.csv", csvBytes(t, penaltyHeader, narrow))
	if wr.Accepted != 1 || nr.Duplicates != 1 {
		t.Errorf("receipts %+v and %+v: want the half-width resubmission to be a duplicate", *wr, *nr)
	}
	recs, _, err := f.db.FindRecords(sys(), record.RecordFilter{Class: "penalty", Text: "长市监罚(2026)11", Limit: 5})
	if err != nil || len(recs) != 1 {
		t.Fatalf("records by 文书号: %d, %v", len(recs), err)
	}
	if got := recs[0].Fields; got["CF_WSH"] != wide[6] || got["CF_SY"] != wide[8] || recs[0].Key != "长市监罚(2026)11号|"+f.dept.Code {
		t.Errorf("stored %q / %q, key %q: want the text as written and the key normalised", got["CF_WSH"], got["CF_SY"], recs[0].Key)
	}

	// 历史数据补录: an old decision is not late, and the timeliness rate
	// leaves it out; a department may not declare its own reports history.
	old := csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2025〕10号", "警告", "", "2025-01-06"))
	dept := credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleDepartment, DepartmentID: f.dept.ID, DepartmentCode: f.dept.Code, Channel: "api"})
	if _, err := f.db.Submit(dept, record.Submission{Class: "penalty", Filename: "old.csv", Backfill: true, Body: bytes.NewReader(old)}); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Errorf("a department's backfill: %v, want forbidden", err)
	}
	before, _, err := f.db.SummarizeBatches(sys(), record.BatchFilter{})
	if err != nil {
		t.Fatal(err)
	}
	hist, err := f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: "old.csv", Backfill: true, Body: bytes.NewReader(old)})
	if err != nil || hist.Accepted != 1 || hist.Late != 0 {
		t.Fatalf("backfill receipt %+v, %v; want 1 accepted, none late", hist, err)
	}
	if b, err := f.db.FindBatchByID(sys(), hist.Batch); err != nil || !b.Backfill {
		t.Errorf("backfill batch: %+v, %v", b, err)
	}
	after, _, err := f.db.SummarizeBatches(sys(), record.BatchFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if after.Unrated != before.Unrated+1 || after.Accepted != before.Accepted+1 || after.TimelinessRate() != before.TimelinessRate() {
		t.Errorf("summary before %+v (%.1f%%), after %+v (%.1f%%): the backfilled row must not count for timeliness",
			*before, before.TimelinessRate(), *after, after.TimelinessRate())
	}

	batches, _, err := f.db.FindBatches(sys(), record.BatchFilter{Class: "penalty"})
	failed := 0
	for _, b := range batches {
		if b.Filename == "wrong.csv" && b.Status == "failed" && (strings.Contains(b.Error, "没有“行政处罚”信息类的任何字段") || strings.Contains(b.Error, "文件缺少必填列")) {
			failed++
		}
	}
	if err != nil || failed != 2 {
		t.Errorf("failed batches of the wrong files: %d, %v", failed, err)
	}
}

func testGB18030(t *testing.T, open opener) {
	f := newFixture(t, open)
	header := []string{"行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据",
		"处罚类别", "处罚内容", "罚款金额（万元）", "处罚决定日期", "处罚有效期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码"}
	row := []string{"长春北辰汽车零部件有限公司", "法人及非法人组织", " " + strings.ToLower(f.company), "王建国", "长市监罚〔2026〕7号", "虚假宣传", "发布虚假广告。", "《广告法》第五十五条",
		"罚款、警告", "罚款一万元", "1", "2026/11/16", "2099-12-31", f.dept.Name, f.dept.Code, f.dept.Name, f.dept.Code}
	utf8 := csvBytes(t, header, row)
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(utf8)
	if err != nil {
		t.Fatal(err)
	}
	got := f.submit(t, "penalty", "gb.csv", gb)
	if got.Accepted != 1 || got.Rejected != 0 {
		errs, _, _ := f.db.FindBatchErrors(sys(), got.Batch, 0, 0)
		t.Fatalf("receipt = %+v, errors %+v", *got, errs)
	}
}

// testPublicIdentity checks that no identity number reaches the public,
// not even masked, in any part of an archive, and that a 自然人 row with a
// registration code (how departments write a sole trader) is about the
// individual business, whichever row comes first.
func testPublicIdentity(t *testing.T, open opener) {
	f := newFixture(t, open)
	sole := uscc(t, "92220102MA0Y5678")
	legalRep, operator := citizenID(t, "22010319700101002"), citizenID(t, "22010219750505551")
	header := append(slices.Clone(penaltyHeader), "CF_FR_ZJLX", "CF_FR_ZJHM")
	company := append(f.penaltyRow("长市监罚〔2026〕31号", "警告", "", "2026-11-16"), "身份证", legalRep)
	trader := []string{"王老五", "自然人", sole, "", "身份证", operator, "长市监罚〔2026〕32号", "占道经营", "当事人占道经营。", "《城市市容和环境卫生管理条例》第十七条",
		"警告", "警告", "", "2026-11-16", "2099-12-31", f.dept.Name, f.dept.Code, f.dept.Name, f.dept.Code, "", ""}
	if got := f.submit(t, "penalty", "ids.csv", csvBytes(t, header, trader, company)); got.Accepted != 2 {
		errs, _, _ := f.db.FindBatchErrors(sys(), got.Batch, 0, 0)
		t.Fatalf("receipt = %+v, errors %+v", *got, errs)
	}
	// The government sees the legal representative's number (masked), so
	// the field is there to leak.
	gov := credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleDepartment, DepartmentID: f.other.ID, DepartmentCode: f.other.Code, Channel: "api"})
	ga, err := f.db.FindArchive(gov, f.company, "行政处罚核查")
	if err != nil || ga.Total != 1 || ga.Sections[0].Entries[0].Record.Fields["CF_FR_ZJHM"] == "" {
		t.Fatalf("government archive: %v, %+v; want one record with CF_FR_ZJHM", err, ga)
	}
	masked := ga.Sections[0].Entries[0].Record.Fields["CF_FR_ZJHM"]

	s, err := f.db.FindSubjectByCode(sys(), sole)
	if err != nil || s.Type != subject.IndividualBusiness {
		t.Fatalf("subject of %s: %v, %+v; want an individual business", sole, err, s)
	}
	if _, err := f.db.FindSubjectByCode(sys(), operator); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Errorf("the operator's ID number finds a subject (%v): it must not identify the business", err)
	}
	for _, code := range []string{f.company, sole} {
		pub, err := f.db.FindArchive(context.Background(), code, "")
		if err != nil || pub.Total != 1 {
			t.Fatalf("public archive of %s: %v, %+v; want one record", code, err, pub)
		}
		b, err := json.Marshal(pub)
		if err != nil {
			t.Fatal(err)
		}
		for _, leak := range []string{"CF_FR_ZJHM", "CF_XDR_ZJHM", masked, operator[:6] + "*"} {
			if strings.Contains(string(b), leak) {
				t.Errorf("public archive of %s contains %q:\n%s", code, leak, b)
			}
		}
	}
}

// testPassportPerson checks the message for a person identified by a
// passport: the platform identifies persons by citizen ID only, and the row
// is rejected naming the ID type, not as a row without a number.
func testPassportPerson(t *testing.T, open opener) {
	f := newFixture(t, open)
	row := f.personRow("长市监罚〔2026〕41号")
	row[4], row[5] = "护照号", "E12345678"
	got := f.submit(t, "penalty", "passport.csv", csvBytes(t, penaltyHeader, row, f.penaltyRow("长市监罚〔2026〕42号", "警告", "", "2026-11-16")))
	if got.Accepted != 1 || got.Rejected != 1 {
		t.Fatalf("receipt = %+v, want the company's row accepted and the passport row rejected", *got)
	}
	errs, _, err := f.db.FindBatchErrors(sys(), got.Batch, 0, 0)
	if err != nil || len(errs) != 1 || len(errs[0].Problems) != 1 {
		t.Fatalf("errors = %+v, %v", errs, err)
	}
	if p := errs[0].Problems[0]; p.Code != "unsupported_id_type" || p.Field != "CF_XDR_ZJLX" || !strings.Contains(p.Message, "护照号") || !strings.Contains(p.Message, "第2行") {
		t.Errorf("problem = %+v, want unsupported_id_type on CF_XDR_ZJLX naming 护照号 and the row", p)
	}
}

func testArchive(t *testing.T, open opener) {
	f := newFixture(t, open)
	f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader,
		f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16"),
		f.penaltyRow("长市监罚〔2024〕1号", "警告", "", "2024-01-02"), // minor: 3 months, long expired
		f.personRow("长市监罚〔2026〕4号")))
	pub, err := f.db.FindArchive(context.Background(), f.company, "")
	if err != nil {
		t.Fatal(err)
	}
	if pub.Audience != "public" || pub.Total != 1 {
		t.Errorf("public archive: audience %s total %d, want public 1 (expired record hidden)", pub.Audience, pub.Total)
	}
	if pub.Total == 1 {
		fields := pub.Sections[0].Entries[0].Fields
		if _, ok := fields["CF_FR_ZJHM"]; ok {
			t.Errorf("public archive shows the legal representative's ID number")
		}
	}
	// Persons are never public, not even their existence.
	if _, err := f.db.FindArchive(context.Background(), f.person, ""); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Errorf("public archive of a person: err = %v, want not found", err)
	}
	gov := credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleDepartment, DepartmentID: f.other.ID, DepartmentCode: f.other.Code, Channel: "api"})
	ga, err := f.db.FindArchive(gov, f.person, "行政许可审查")
	if err != nil || ga.Total != 1 {
		t.Fatalf("government archive of person: %v, total %v", err, ga)
	}
	if ga.Subject.CitizenIDMasked == "" || strings.Contains(ga.Subject.CitizenIDMasked, f.person[6:14]) {
		t.Errorf("citizen ID not masked: %q", ga.Subject.CitizenIDMasked)
	}
	var logged int
	if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM query_log WHERE purpose = '行政许可审查'`).Scan(&logged); err != nil || logged != 1 {
		t.Errorf("query log rows = %d, %v; want 1", logged, err)
	}
	// A single record read by id is logged too, by whom and about which
	// subject; a public read of a published record is not. A department
	// reads another department's records only as the public does
	// (access.Can, ActionViewRecord: its own): a person's not at all.
	id := ga.Sections[0].Entries[0].Record.ID
	if _, err := f.db.FindRecordByID(gov, id); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Errorf("another department's read of a person's record: err = %v, want not found", err)
	}
	own := credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleDepartment, DepartmentID: f.dept.ID, DepartmentCode: f.dept.Code, Channel: "api"})
	if _, err := f.db.FindRecordByID(own, id); err != nil {
		t.Fatal(err)
	}
	var subj int64
	var actor, purpose string
	if err := f.db.SQL().QueryRow(`SELECT subject_id, actor, purpose FROM query_log WHERE what = 'record'`).Scan(&subj, &actor, &purpose); err != nil {
		t.Fatalf("record read not logged: %v", err)
	}
	if credit.SubjectID(subj) != ga.Subject.ID || purpose != "未说明" || actor == "" {
		t.Errorf("logged subject %d actor %q purpose %q; want %d, the department, 未说明", subj, actor, purpose, ga.Subject.ID)
	}
	pubID := pub.Sections[0].Entries[0].Record.ID
	if _, err := f.db.FindRecordByID(context.Background(), pubID); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM query_log WHERE what = 'record'`).Scan(&logged); err != nil || logged != 1 {
		t.Errorf("record reads logged = %d, %v; want only the government one", logged, err)
	}
}

func testSearch(t *testing.T, open opener) {
	f := newFixture(t, open)
	f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16"), f.personRow("长市监罚〔2026〕4号")))
	ctx := context.Background()
	for _, q := range []string{"北辰", "长春北辰", "汽车零部件", f.company, f.company[:10]} {
		list, total, err := f.db.FindSubjects(ctx, subject.Filter{Query: q})
		if err != nil || total != 1 || len(list) != 1 || list[0].USCC != f.company {
			t.Errorf("FindSubjects(%q) = %d %v, want the company", q, total, err)
		}
	}
	for _, q := range []string{"北京", "李某"} {
		if _, total, err := f.db.FindSubjects(ctx, subject.Filter{Query: q}); err != nil || total != 0 {
			t.Errorf("FindSubjects(%q) total = %d, %v, want 0 (persons are not searchable publicly)", q, total, err)
		}
	}
	if _, _, err := f.db.FindSubjects(ctx, subject.Filter{Query: "长"}); credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("1-character query: err = %v, want invalid", err)
	}
	// A code's first digits, too few to search by, get told how many.
	if _, _, err := f.db.FindSubjects(ctx, subject.Filter{Query: "９１２２"}); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "前6位") {
		t.Errorf("4-digit code prefix: err = %v, want invalid asking for 6", err)
	}
	if list, _, err := f.db.FindSubjects(ctx, subject.Filter{Query: f.company[:6]}); err != nil || len(list) == 0 {
		t.Errorf("6-character code prefix %s: %d found, %v", f.company[:6], len(list), err)
	}
}

func testLedger(t *testing.T, open opener) {
	f := newFixture(t, open)
	ctx := sys()
	f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16"), f.personRow("长市监罚〔2026〕4号")))
	f.submit(t, "penalty", "b.csv", csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕5号", "警告", "", "2026-11-17")))
	rep, err := f.db.VerifyLedger(ctx)
	if err != nil || rep.Records != 3 || rep.Size != 3 {
		t.Fatalf("VerifyLedger = %+v, %v", rep, err)
	}
	p, err := f.db.ProveRecord(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if p.Proof.Index != 1 || p.Checkpoint.Size != 3 {
		t.Errorf("proof = %+v", p.Proof)
	}
	// Move a company's records to another code, or a person's to another
	// number, by changing the subject behind the platform's back: the
	// records' own codes tell.
	other := uscc(t, "91220101MA0Y9999")
	storage.Tamper(t, f.db, `UPDATE subjects SET uscc = '`+other+`' WHERE uscc = '`+f.company+`'`)
	_, err = f.db.VerifyLedger(ctx)
	if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "记录ID 1") || !strings.Contains(credit.ErrorMessage(err), other) {
		t.Errorf("VerifyLedger after moving a subject's code: %v, want invalid naming 记录ID 1 and the new code", err)
	}
	storage.Tamper(t, f.db, `UPDATE subjects SET uscc = '`+f.company+`' WHERE uscc = '`+other+`'`)
	// A company made a person (its penalties leave the public's view), a
	// person made a company (theirs would be published), a region moved.
	for _, c := range []struct{ set, undo, want string }{
		{`type = 'person' WHERE uscc = '` + f.company + `'`, `type = 'enterprise' WHERE uscc = '` + f.company + `'`, "类型却为自然人"},
		{`type = 'enterprise' WHERE type = 'person'`, `type = 'person' WHERE uscc IS NULL`, "是自然人的记录"},
		{`region_code = '220200' WHERE uscc = '` + f.company + `'`, `region_code = '220101' WHERE uscc = '` + f.company + `'`, "行政区划"},
		{`display_name = '长春某某无关公司' WHERE uscc = '` + f.company + `'`, `display_name = '' WHERE uscc = '` + f.company + `'`, "显示名称（subjects.display_name）为“长春某某无关公司”，而其存证记录中的名称无需单独的显示名称"},
	} {
		storage.Tamper(t, f.db, `UPDATE subjects SET `+c.set)
		if _, err := f.db.VerifyLedger(ctx); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), c.want) {
			t.Errorf("VerifyLedger after SET %s: %v, want invalid saying %q", c.set, err, c.want)
		}
		storage.Tamper(t, f.db, `UPDATE subjects SET `+c.undo)
	}
	if _, err := f.db.VerifyLedger(ctx); err != nil {
		t.Fatalf("VerifyLedger after undoing: %v", err)
	}
	// The company's records re-serialised by another tool (spaces, the
	// same content: the same leaves) still tell its subject: renaming or
	// moving it is reported, and the re-serialisation alone is not.
	var fields map[string]string
	for id := 1; id <= 3; id++ {
		var stored string
		if err := f.db.SQL().QueryRow(`SELECT fields FROM records WHERE id = ` + strconv.Itoa(id)).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal([]byte(stored), &m); err != nil {
			t.Fatal(err)
		}
		if id == 1 {
			fields = m
		}
		spaced, _ := json.MarshalIndent(m, "", "  ")
		storage.Tamper(t, f.db, `UPDATE records SET fields = '`+strings.ReplaceAll(string(spaced), "'", "''")+`' WHERE id = `+strconv.Itoa(id))
	}
	if _, err := f.db.VerifyLedger(ctx); err != nil {
		t.Errorf("VerifyLedger after re-serialising every record's fields (same content): %v", err)
	}
	for _, c := range []struct{ set, undo, want string }{
		{`name = '某某无关公司', display_name = '' WHERE uscc = '` + f.company + `'`, `name = '` + subject.NormalizeText(fields["CF_XDR_MC"]) + `' WHERE uscc = '` + f.company + `'`, "某某无关公司"},
		{`uscc = '` + other + `' WHERE uscc = '` + f.company + `'`, `uscc = '` + f.company + `' WHERE uscc = '` + other + `'`, other},
	} {
		storage.Tamper(t, f.db, `UPDATE subjects SET `+c.set)
		if _, err := f.db.VerifyLedger(ctx); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), c.want) {
			t.Errorf("VerifyLedger after SET %s on re-serialised fields: %v, want invalid saying %q", c.set, err, c.want)
		}
		storage.Tamper(t, f.db, `UPDATE subjects SET `+c.undo)
	}
	if _, err := f.db.VerifyLedger(ctx); err != nil {
		t.Fatalf("VerifyLedger after undoing: %v", err)
	}
	storage.Tamper(t, f.db, `UPDATE subjects SET cid_hash = (SELECT cid_hash FROM subjects WHERE uscc = '`+f.company+`') WHERE type = 'person'`)
	_, err = f.db.VerifyLedger(ctx)
	if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "记录ID 2") {
		t.Errorf("VerifyLedger after changing a person's number: %v, want invalid naming 记录ID 2", err)
	}
	// Change a record behind the platform's back.
	storage.Tamper(t, f.db, `UPDATE records SET fields = replace(fields, '警告', '罚款') WHERE id = 3`)
	_, err = f.db.VerifyLedger(ctx)
	if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "记录ID 3") {
		t.Errorf("VerifyLedger after tampering: %v, want invalid naming 记录ID 3", err)
	}
}

func testCrossDepartment(t *testing.T, open opener) {
	f := newFixture(t, open)
	other := credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleDepartment, DepartmentID: f.other.ID, DepartmentCode: f.other.Code})
	// The other department submits rows naming the first as source: rejected row by row.
	r, err := f.db.Submit(other, record.Submission{Class: "penalty", Filename: "x.csv", Body: bytes.NewReader(csvBytes(t, penaltyHeader, f.penaltyRow("X1", "警告", "", "2026-11-16")))})
	if err != nil || r.Rejected != 1 {
		t.Fatalf("submit in another's name: %+v, %v", r, err)
	}
	errs, _, _ := f.db.FindBatchErrors(other, r.Batch, 0, 0)
	if len(errs) != 1 || errs[0].Problems[0].Code != "source_department" {
		t.Errorf("errors = %+v, want source_department", errs)
	}
	// And cannot name the first department as the submitter.
	_, err = f.db.Submit(other, record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: "x.csv", Body: strings.NewReader("a")})
	if credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Errorf("submit for another department: err = %v, want forbidden", err)
	}
	// Nor see the first department's batches.
	mine := f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16")))
	if _, err := f.db.FindBatchByID(other, mine.Batch); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Errorf("FindBatchByID of another department's batch: err = %v, want forbidden", err)
	}
	if _, err := f.db.Submit(sys(), record.Submission{Class: "nope", DepartmentCode: f.dept.Code, Body: strings.NewReader("a")}); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Errorf("unknown class: err = %v, want not found", err)
	}
}

func TestCitizenIDsNotStoredInClear(t *testing.T) {
	f := newFixture(t, openSQLite)
	f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader, f.personRow("长市监罚〔2026〕4号")))
	var n int
	if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM records WHERE fields LIKE '%' || ? || '%'`, f.person).Scan(&n); err != nil || n != 0 {
		t.Errorf("records holding the citizen ID in clear = %d, %v; want 0", n, err)
	}
	var chunks [][]byte
	rows, err := f.db.SQL().Query(`SELECT data FROM batch_chunks`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var b []byte
		rows.Scan(&b)
		chunks = append(chunks, b)
	}
	rows.Close()
	if len(chunks) == 0 {
		t.Fatal("no batch chunks stored")
	}
	for _, c := range chunks {
		if bytes.Contains(c, []byte(f.person)) || bytes.Contains(c, []byte("李某某")) {
			t.Errorf("a stored batch chunk holds the submitted file in clear")
		}
	}
	gov := credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleDepartment, DepartmentID: f.other.ID})
	a, err := f.db.FindArchive(gov, f.person, "测试")
	if err != nil {
		t.Fatal(err)
	}
	got := a.Sections[0].Entries[0].Fields["CF_XDR_ZJHM"]
	if want := subject.MaskCitizenID(f.person); got != want {
		t.Errorf("government view of CF_XDR_ZJHM = %q, want masked %q", got, want)
	}
	if _, err := f.db.VerifyLedger(sys()); err != nil {
		t.Errorf("VerifyLedger: %v", err)
	}
}

func testLedgerDeleted(t *testing.T, open opener) {
	f := newFixture(t, open)
	f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16"),
		f.penaltyRow("长市监罚〔2026〕2号", "警告", "", "2026-11-16"), f.penaltyRow("长市监罚〔2026〕3号", "警告", "", "2026-11-16")))
	storage.Tamper(t, f.db, `DELETE FROM records WHERE id = 2`)
	_, err := f.db.VerifyLedger(sys())
	if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "存证序号1") {
		t.Errorf("VerifyLedger after deleting record 2: %v, want invalid naming 存证序号1", err)
	}
}

// testLedgerHidden: flipping is_current (not in the canonical bytes) to hide
// a record from the archive is caught too.
func testLedgerHidden(t *testing.T, open opener) {
	f := newFixture(t, open)
	f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16")))
	if _, err := f.db.VerifyLedger(sys()); err != nil {
		t.Fatal(err)
	}
	storage.Tamper(t, f.db, `UPDATE records SET is_current = FALSE WHERE id = 1`)
	_, err := f.db.VerifyLedger(sys())
	if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "记录ID 1") {
		t.Errorf("VerifyLedger after hiding record 1: %v, want invalid naming 记录ID 1", err)
	}
}
