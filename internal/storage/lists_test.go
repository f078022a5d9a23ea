package storage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
	"jlcredit/internal/subject"
)

func TestListsSQLite(t *testing.T)   { testLists(t, openSQLite) }
func TestListsPostgres(t *testing.T) { testLists(t, openPostgres) }

func testLists(t *testing.T, open opener) {
	t.Run("EndToEnd", func(t *testing.T) { testListsEndToEnd(t, open) })
	t.Run("ValidationAndExpiry", func(t *testing.T) { testListsValidationExpiry(t, open) })
	t.Run("Measures", func(t *testing.T) { testListsMeasures(t, open) })
	t.Run("BatchAndConcurrency", func(t *testing.T) { testListsBatchConcurrency(t, open) })
	t.Run("FindVerifications", func(t *testing.T) { testFindVerifications(t, open) })
	t.Run("RemovalRules", func(t *testing.T) { testListsRemovalRules(t, open) })
	t.Run("NameWithSpaces", func(t *testing.T) { testListsNameWithSpaces(t, open) })
	t.Run("LinkedPersonLogged", func(t *testing.T) { testListsLinkedPersonLogged(t, open) })
	t.Run("LinkedNonSubjectLogged", func(t *testing.T) { testListsLinkedNonSubjectLogged(t, open) })
	t.Run("DecidingDepartment", func(t *testing.T) { testListsDecidingDepartment(t, open) })
	t.Run("PersonRepeatedInBatch", func(t *testing.T) { testListsPersonRepeated(t, open) })
}

// testListsPersonRepeated: a batch that names the same person several
// times — one the platform holds (listed himself) or one known only as a
// listed company's responsible person — answers each alike, with each
// linked entry once, and counts one hit, owed feedback once.
func testListsPersonRepeated(t *testing.T, open opener) {
	f := newListFixture(t, open)
	person := []string{"失信被执行人", "王建国", "自然人", "", "身份证", f.rep, "", "", "",
		"（2026）吉01执12号", "2026-03-02", f.lister.Name, f.lister.Code, "有履行能力而拒不履行生效法律文书确定义务", "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
		"限制高消费", "履行完毕后移出", "可向执行法院申请纠正", "2026-03-02", "", f.lister.Code}
	// Only the company first: its legal representative is no subject yet.
	if rc := f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕9号")); rc.Accepted != 1 {
		t.Fatalf("listing: %+v", rc)
	}
	for _, step := range []string{"known only as the company's legal representative", "listed himself"} {
		v := f.verify(t, "政府采购", lists.Query{Code: f.rep}, lists.Query{Code: " " + strings.ToLower(f.rep)}, lists.Query{Code: f.rep})
		if v.Hits != 1 || v.Repeats != 2 {
			t.Errorf("%s, named three times: %d hits, %d repeats; want 1 and 2", step, v.Hits, v.Repeats)
		}
		if stored, err := f.db.FindVerificationByID(sys(), v.ID); err != nil || stored.Repeats != 2 {
			t.Errorf("%s: stored verification %+v, %v; want repeats 2", step, stored, err)
		}
		for i, r := range v.Results {
			seen := map[credit.RecordID]int{}
			for _, l := range r.Linked {
				seen[l.RecordID]++
			}
			for id, n := range seen {
				if n > 1 {
					t.Errorf("%s: answer %d links entry %d %d times", step, i+1, id, n)
				}
			}
			if len(r.Linked) == 0 {
				t.Errorf("%s: answer %d links nothing", step, i+1)
			}
			if i > 0 && (r.Hit || r.Feedback != nil || r.SameAs != 1 || !strings.Contains(r.Explanation, "与第1个核查对象为同一主体")) {
				t.Errorf("%s: answer %d: hit %v, feedback %+v, same as %d, %q; want no second hit, pointing at the first", step, i+1, r.Hit, r.Feedback, r.SameAs, r.Explanation)
			}
		}
		if step == "known only as the company's legal representative" {
			if rc := f.submitAs(t, f.lister, person); rc.Accepted != 1 {
				t.Fatalf("listing the person: %+v", rc)
			}
		}
	}
	// The statistics count him once per verification: a hit rate of 100 %.
	st, err := f.db.VerificationStats(sys(), lists.StatsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Total.Subjects != 2 || st.Total.Hits != 2 {
		t.Errorf("statistics: %d subjects, %d hits; want 2 and 2 (each verification asked about one person)", st.Total.Subjects, st.Total.Hits)
	}
	if _, err := f.db.SealVerifications(sys()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.VerifyLedger(sys()); err != nil {
		t.Errorf("VerifyLedger: %v", err)
	}
}

// testListsLinkedPersonLogged: verifying an organisation whose legal
// representative is on a black list himself shows his entry (关联失信),
// and that read of a person is in the query log like a verification of
// him: the person can see who looked.
func testListsLinkedPersonLogged(t *testing.T, open opener) {
	f := newListFixture(t, open)
	person := []string{"失信被执行人", "王建国", "自然人", "", "身份证", f.rep, "", "", "",
		"（2026）吉01执12号", "2026-03-02", f.lister.Name, f.lister.Code, "有履行能力而拒不履行生效法律文书确定义务", "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
		"限制高消费", "履行完毕后移出", "可向执行法院申请纠正", "2026-03-02", "", f.lister.Code}
	if rc := f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕9号"), person); rc.Accepted != 2 {
		t.Fatalf("listing: %+v", rc)
	}
	v := f.verify(t, "政府采购", lists.Query{Code: f.company})
	if len(v.Results[0].Linked) == 0 {
		t.Fatalf("the company's answer shows no linked person: %+v", v.Results[0])
	}
	rep, err := f.db.FindSubjectByCode(sys(), f.rep)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var purpose string
	if err := f.db.SQL().QueryRow(f.db.Rebind(`SELECT COUNT(*), MAX(purpose) FROM query_log WHERE subject_id = $1`), int64(rep.ID)).Scan(&n, &purpose); err != nil {
		t.Fatal(err)
	}
	if n != 1 || !strings.Contains(purpose, "责任人") {
		t.Errorf("query log of the linked person: %d rows (%q), want 1 naming the linkage", n, purpose)
	}
	if _, err := f.db.VerifyLedger(sys()); err != nil {
		t.Errorf("VerifyLedger: %v", err)
	}
}

// testListsLinkedNonSubjectLogged: verifying a person the platform holds
// no subject for, who is the legal representative of a black-listed
// company, shows the company's entry (关联失信); that read is in the query
// log against the company, with the person's masked code and the
// verification's purpose (QA: nothing was logged at all).
func testListsLinkedNonSubjectLogged(t *testing.T, open opener) {
	f := newListFixture(t, open)
	if rc := f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕9号")); rc.Accepted != 1 {
		t.Fatalf("listing: %+v", rc)
	}
	if _, err := f.db.FindSubjectByCode(sys(), f.rep); err == nil {
		t.Fatal("the legal representative is a subject; the test needs one who is not")
	}
	v := f.verify(t, "政府采购", lists.Query{Code: f.rep})
	if r := v.Results[0]; r.Found || len(r.Linked) != 1 {
		t.Fatalf("answer for the legal representative: found %v, linked %+v; want not found, the company's entry linked", r.Found, r.Linked)
	}
	company, err := f.db.FindSubjectByCode(sys(), f.company)
	if err != nil {
		t.Fatal(err)
	}
	var purposes []string
	err = scanRows(f.db, fmt.Sprintf(`SELECT purpose FROM query_log WHERE subject_id = %d AND what = 'verification'`, company.ID), func(s string) { purposes = append(purposes, s) })
	if err != nil {
		t.Fatal(err)
	}
	masked := subject.MaskCitizenID(f.rep)
	if len(purposes) != 1 || !strings.Contains(purposes[0], masked) || !strings.Contains(purposes[0], "关联人员") || strings.Contains(purposes[0], f.rep) {
		t.Errorf("query log of the company = %q, want one read naming the linked person as %s (never the whole code)", purposes, masked)
	}
}

// testListsDecidingDepartment: the 认定部门 of a list entry is a body that
// may decide one (catalog 2024.10: its code starts with 1), never a
// company; an entry one department sends in another's name is the
// sender's to remove, and the refusal says so (QA: it called the sender
// the 认定部门 while the entry showed the other).
func testListsDecidingDepartment(t *testing.T, open opener) {
	f := newListFixture(t, open)
	byCompany := f.blackRow("吉人社失〔2026〕21号")
	byCompany[11], byCompany[12] = "长春市测试四有限公司", uscc(t, "91220100MA0Y5721")
	rc := f.submitAs(t, f.lister, byCompany)
	if rc.Rejected != 1 {
		t.Fatalf("entry decided by a company: %+v, want refused", rc)
	}
	errs, _, err := f.db.FindBatchErrors(sys(), rc.Batch, 0, 5)
	if err != nil || len(errs) != 1 || errs[0].Problems[0].Field != "MD_RDBMDM" || errs[0].Problems[0].Code != storage.ProblemNotDecidingBody ||
		!strings.Contains(errs[0].Problems[0].Message, "认定部门应为国家机关或法律法规授权的组织") {
		t.Fatalf("errors = %+v, %v; want MD_RDBMDM refused as %s", errs, err, storage.ProblemNotDecidingBody)
	}
	// An entry accepted before the rule (a catalog without it) is still
	// corrected, removed and expired (QA: every removal was refused).
	restore := todaysRules(t, f.db, catalogEdited(t, func(c *catalog.Catalog) {
		cl, _ := c.Class(lists.ClassCode)
		cl.AuthorityPrefixes = nil
	}))
	old := f.blackRow("吉人社失〔2025〕21号")
	old[11], old[12] = "长春市测试四有限公司", uscc(t, "91220100MA0Y5721")
	if rc := f.submitAs(t, f.lister, old); rc.Accepted != 1 {
		t.Fatalf("entry decided by a company under the old rules: %+v", rc)
	}
	restore()
	old[13] = old[13] + "（更正）"
	if rc := f.submitAs(t, f.lister, old); rc.Accepted != 1 {
		t.Errorf("correction of an entry accepted before the rule: %+v", rc)
	}
	var oldID int64
	if err := f.db.SQL().QueryRow(f.db.Rebind(`SELECT id FROM records WHERE is_current AND class = $1 AND key LIKE $2`), lists.ClassCode, "%吉人社失〔2025〕21号%").Scan(&oldID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.RemoveListEntry(credit.NewContextWithActor(t.Context(), deptCtx(f.lister)), credit.RecordID(oldID), lists.Removal{Kind: lists.RemovedEarly, Reason: "认定错误，撤销"}); err != nil {
		t.Errorf("removal of an entry accepted before the rule: %v", err)
	}
	relayed := f.blackRow("吉人社失〔2026〕22号")
	relayed[11], relayed[12] = f.user.Name, f.user.Code
	if rc := f.submitAs(t, f.lister, relayed); rc.Accepted != 1 {
		t.Fatalf("relayed entry: %+v", rc)
	}
	var id int64
	if err := f.db.SQL().QueryRow(f.db.Rebind(`SELECT id FROM records WHERE is_current AND class = $1 AND key LIKE $2`), lists.ClassCode, "%吉人社失〔2026〕22号%").Scan(&id); err != nil {
		t.Fatal(err)
	}
	_, err = f.db.RemoveListEntry(credit.NewContextWithActor(t.Context(), deptCtx(f.user)), credit.RecordID(id), lists.Removal{Kind: lists.RemovedEarly, Reason: "经复核提前移出"})
	if credit.ErrorCode(err) != credit.EFORBIDDEN || !strings.Contains(credit.ErrorMessage(err), "该名单信息由“"+f.lister.Name+"”报送（认定部门为“"+f.user.Name+"”），只有报送部门可以移出") {
		t.Errorf("removal by the named deciding department = %v, want EFORBIDDEN naming the sender", err)
	}
	if _, err := f.db.RemoveListEntry(credit.NewContextWithActor(t.Context(), deptCtx(f.lister)), credit.RecordID(id), lists.Removal{Kind: lists.RemovedEarly, Reason: "经复核提前移出"}); err != nil {
		t.Errorf("removal by the sender: %v", err)
	}
}

// testListsNameWithSpaces: a space typed inside a Chinese name finds the
// organisation, alone and in a batch, and beside its code it is no
// contradiction (it answered 未收录 for a black-listed organisation).
func testListsNameWithSpaces(t *testing.T, open opener) {
	f := newListFixture(t, open)
	if rc := f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕8号")); rc.Accepted != 1 {
		t.Fatalf("listing: %+v", rc)
	}
	for _, qs := range [][]lists.Query{
		{{Name: "长春（北辰） 建筑工程 有限公司"}},
		{{Name: "长春（北辰） 建筑工程 有限公司"}, {Code: f.red}},
		{{Code: f.company, Name: "长春 （北辰）建筑工程有限公司"}},
	} {
		r := f.verify(t, "政府采购", qs...).Results[0]
		if !r.Found || r.Verdict != lists.Restricted {
			t.Errorf("%+v: found=%v verdict=%s (%s), want the listed company", qs[0], r.Found, r.Verdict, r.Explanation)
		}
	}
	// And the other way round: the name stored with a space, verified
	// without it.
	spaced := f.blackRow("吉人社失〔2026〕10号")
	spaced[1], spaced[3] = "长春南关 商贸有限公司", uscc(t, "91220102MA0Y4321")
	if rc := f.submitAs(t, f.lister, spaced); rc.Accepted != 1 {
		t.Fatalf("listing: %+v", rc)
	}
	for _, qs := range [][]lists.Query{
		{{Name: "长春南关商贸有限公司"}},
		{{Name: "长春南关商贸有限公司"}, {Code: f.red}},
		{{Name: "长春南关 商贸有限公司"}},
	} {
		r := f.verify(t, "政府采购", qs...).Results[0]
		if !r.Found || r.Verdict != lists.Restricted {
			t.Errorf("%+v: found=%v verdict=%s (%s), want the listed company stored with a space", qs[0], r.Found, r.Verdict, r.Explanation)
		}
	}
	// Latin letters in another case name the same organisation: never 无
	// for a listed company written in lower case (or full-width), alone,
	// in a batch, or beside its code (no contradiction).
	latin := f.blackRow("吉人社失〔2026〕11号")
	latin[1], latin[3] = "长春ABC电子有限公司", uscc(t, "91220102MA0Y4322")
	if rc := f.submitAs(t, f.lister, latin); rc.Accepted != 1 {
		t.Fatalf("listing: %+v", rc)
	}
	for _, qs := range [][]lists.Query{
		{{Name: "长春abc电子有限公司"}},
		{{Name: "长春Abc 电子有限公司"}, {Code: f.red}},
		{{Name: "长春ａｂｃ电子有限公司"}},
		{{Code: latin[3], Name: "长春abc电子有限公司"}},
	} {
		r := f.verify(t, "政府采购", qs...).Results[0]
		if !r.Found || r.Verdict != lists.Restricted || strings.Contains(r.Explanation, "不一致") {
			t.Errorf("%+v: found=%v verdict=%s (%s), want the listed company named in upper case", qs[0], r.Found, r.Verdict, r.Explanation)
		}
	}
	// But when another organisation bears the name in lower case, the
	// listed company's exact name beside that one's code names someone
	// else: 无法核查, never 无; and the name alone is ambiguous.
	other := uscc(t, "91220102MA0Y4323")
	reg := []string{"DJ_MC", "DJ_TYSHXYDM", "DJ_LX", "DJ_FDDBR", "DJ_CLRQ", "DJ_DJJG", "DJ_ZT", "DJ_SJLYDM"}
	// Registered by its registration authority (a 市场监管 department).
	market := &access.Department{Code: uscc(t, "11220100MB000055"), Name: "长春市市场监督管理局", RegionCode: "220100", Kind: "market"}
	if err := f.db.UpsertDepartment(sys(), market); err != nil {
		t.Fatal(err)
	}
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(market))
	rc, err := f.db.Submit(ctx, record.Submission{Class: "registration", Filename: "reg.csv",
		Body: bytes.NewReader(csvBytes(t, reg, []string{"长春abc电子有限公司", other, "有限责任公司", "李四", "2018-05-02", market.Name, "存续", market.Code}))})
	if err != nil || rc.Accepted != 1 {
		t.Fatalf("registration of the lower-case namesake: %+v, %v", rc, err)
	}
	if r := f.verify(t, "政府采购", lists.Query{Code: other, Name: "长春ABC电子有限公司"}).Results[0]; r.Verdict != lists.Undetermined || !strings.Contains(r.Explanation, "不一致") {
		t.Errorf("the namesake's code beside the listed company's name: verdict %s (%s), want 无法核查", r.Verdict, r.Explanation)
	}
	if r := f.verify(t, "政府采购", lists.Query{Code: other, Name: "长春abc电子有限公司"}).Results[0]; r.Verdict != lists.NoVerdict || strings.Contains(r.Explanation, "不一致") {
		t.Errorf("the namesake's code beside its own name: verdict %s (%s), want 无", r.Verdict, r.Explanation)
	}
	if r := f.verify(t, "政府采购", lists.Query{Name: "长春abc电子有限公司"}).Results[0]; r.Verdict != lists.Undetermined || r.Ambiguous != 2 {
		t.Errorf("a name two organisations bear up to case: verdict %s, ambiguous %d (%s), want 无法核查 naming 2", r.Verdict, r.Ambiguous, r.Explanation)
	}
}

// testListsRemovalRules: a removed entry sent again as it was first listed
// (a department's full re-export) is refused, not listed again; a row
// removing an entry as 有效期届满 before its validity ends is refused; and
// an entry's publicity ends with its validity as the list type limits it,
// not with the end the row declares.
func testListsRemovalRules(t *testing.T, open opener) {
	f := newListFixture(t, open)
	row := f.blackRow("吉人社失〔2026〕7号")
	row[19] = "2031-03-01" // declared 5 years: limited to 3
	if rc := f.submitAs(t, f.lister, row); rc.Accepted != 1 {
		t.Fatalf("listing: %+v", rc)
	}
	var until string
	if err := f.db.SQL().QueryRow(f.db.Rebind(`SELECT public_until FROM records WHERE class = $1 AND version = 1`), lists.ClassCode).Scan(&until); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(until, "2029-03-02") {
		t.Errorf("public_until = %s, want 2029-03-02 (the day after the 3-year limit), not the declared 2031", until)
	}

	// 有效期届满 before the validity end, in a file: refused like the API's removal.
	header := append(slices.Clone(listHeader), "MD_YCRQ", "MD_YCFS", "MD_YCYY")
	early := append(slices.Clone(row), "2026-11-20", "有效期届满", "期满")
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
	rc, err := f.db.Submit(ctx, record.Submission{Class: lists.ClassCode, Filename: "rm.csv", Body: bytes.NewReader(csvBytes(t, header, early))})
	if err != nil || rc.Rejected != 1 {
		t.Fatalf("early expiry removal: %+v, %v; want rejected", rc, err)
	}
	errs, _, _ := f.db.FindBatchErrors(sys(), rc.Batch, 0, 10)
	if len(errs) != 1 || errs[0].Problems[0].Code != "removal_before_expiry" || !strings.Contains(errs[0].Problems[0].Message, "应晚于有效期止2029-03-01") {
		t.Errorf("row errors = %+v", errs)
	}

	// A removal dated in the future would leave the entry in force until
	// then, and could revive a removed one: refused.
	later := append(slices.Clone(row), "2029-01-01", "提前移出", "以后再移出")
	rc, err = f.db.Submit(ctx, record.Submission{Class: lists.ClassCode, Filename: "rm2.csv", Body: bytes.NewReader(csvBytes(t, header, later))})
	if err != nil || rc.Rejected != 1 {
		t.Fatalf("future removal: %+v, %v; want rejected", rc, err)
	}
	errs, _, _ = f.db.FindBatchErrors(sys(), rc.Batch, 0, 10)
	if len(errs) != 1 || errs[0].Problems[0].Field != "MD_YCRQ" || errs[0].Problems[0].Code != "future_date" {
		t.Errorf("row errors = %+v, want MD_YCRQ future_date", errs)
	}

	// Removed early, then the original row again: refused, still removed.
	list, _, err := f.db.FindListEntries(ctx, lists.Filter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("FindListEntries = %v, %v", list, err)
	}
	if _, err := f.db.RemoveListEntry(ctx, list[0].RecordID, lists.Removal{Kind: lists.RemovedEarly, Reason: "已清偿拖欠工资，经复核提前移出"}); err != nil {
		t.Fatal(err)
	}
	rc = f.submitAs(t, f.lister, row)
	if rc.Accepted != 0 || rc.Rejected != 1 {
		t.Fatalf("re-sent removed entry: %+v, want rejected", rc)
	}
	errs, _, _ = f.db.FindBatchErrors(sys(), rc.Batch, 0, 10)
	if len(errs) != 1 || errs[0].Problems[0].Code != storage.ProblemEntryRemoved || errs[0].Problems[0].FieldName != "移出日期" || !strings.Contains(errs[0].Problems[0].Message, "已于2026-11-20移出") ||
		errs[0].Raw["MD_RDWH"] != "吉人社失〔2026〕7号" {
		t.Errorf("row errors = %+v", errs)
	}
	list, _, _ = f.db.FindListEntries(ctx, lists.Filter{})
	if len(list) != 1 || list[0].RemovedOn == nil || list[0].Version != 2 {
		t.Errorf("after the re-send: %+v, want version 2, removed", list)
	}
	if v := f.verify(t, "政府采购", lists.Query{Code: f.company}); v.Results[0].Verdict == lists.Restricted {
		t.Errorf("verdict after the re-send = %s, want not 受限", v.Results[0].Verdict)
	}
	// Nor by a removal moved into the future.
	rc, err = f.db.Submit(ctx, record.Submission{Class: lists.ClassCode, Filename: "rm3.csv", Body: bytes.NewReader(csvBytes(t, header, later))})
	if err != nil || rc.Accepted != 0 {
		t.Errorf("removed entry re-sent with a future removal: %+v, %v; want rejected", rc, err)
	}
}

var listHeader = []string{"MD_LX", "MD_ZTMC", "MD_ZTLB", "MD_TYSHXYDM", "MD_ZJLX", "MD_ZJHM", "MD_FDDBR", "MD_FDDBR_ZJLX", "MD_FDDBR_ZJHM",
	"MD_RDWH", "MD_RDRQ", "MD_RDBM", "MD_RDBMDM", "MD_SY", "MD_YJ", "MD_CSTS", "MD_YCTJ", "MD_JJCS", "MD_YXQQ", "MD_YXQZ", "MD_SJLYDM"}

type listFixture struct {
	db           *storage.DB
	lister, user *access.Department
	company      string // black-listed, legal rep = rep
	rep          string // citizen ID of the legal representative
	red          string // red-listed company
	watched      string
}

func newListFixture(t *testing.T, open opener) *listFixture {
	t.Helper()
	f := &listFixture{db: open(t),
		lister:  &access.Department{Code: uscc(t, "11220000MB000011"), Name: "吉林省人力资源和社会保障厅", RegionCode: "220000", Kind: "human_resources"},
		user:    &access.Department{Code: uscc(t, "11220000MB000022"), Name: "吉林省财政厅", RegionCode: "220000", Kind: "finance"},
		company: uscc(t, "91220101MA0Y5678"),
		rep:     citizenID(t, "22010219800101123"),
		red:     uscc(t, "91220102MA0Y0001"),
		watched: uscc(t, "91220103MA0Y0002"),
	}
	for _, d := range []*access.Department{f.lister, f.user} {
		if err := f.db.UpsertDepartment(sys(), d); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func deptCtx(d *access.Department) credit.Actor {
	return credit.Actor{Role: credit.RoleDepartment, DepartmentID: d.ID, DepartmentCode: d.Code, Name: d.Name, Channel: "api"}
}

func (f *listFixture) blackRow(doc string) []string {
	return []string{"严重失信主体名单", "长春（北辰）建筑工程有限公司", "法人及非法人组织", f.company, "", "", "王建国", "身份证", f.rep,
		doc, "2026-03-02", f.lister.Name, f.lister.Code, "拒不支付农民工工资，情节严重", "《保障农民工工资支付条例》第四十八条",
		"限制参加政府采购、招标投标，限制申请财政资金", "自列入之日起满1年且已清偿拖欠工资的，可申请提前移出", "可依法申请行政复议或者提起行政诉讼",
		"2026-03-02", "2029-03-01", f.lister.Code}
}

func (f *listFixture) submitAs(t *testing.T, d *access.Department, rows ...[]string) *record.Receipt {
	t.Helper()
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(d))
	rc, err := f.db.Submit(ctx, record.Submission{Class: lists.ClassCode, Filename: "list.csv", Body: bytes.NewReader(csvBytes(t, listHeader, rows...))})
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return rc
}

func (f *listFixture) verify(t *testing.T, scenario string, qs ...lists.Query) *lists.Verification {
	t.Helper()
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
	v, err := f.db.Verify(ctx, lists.VerificationRequest{Scenario: scenario, Purpose: "2026年办公设备采购项目", Subjects: qs})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return v
}

func codes(ms []lists.AppliedMeasure) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Code+":"+string(m.Obligation))
	}
	return out
}

func testListsEndToEnd(t *testing.T, open opener) {
	f := newListFixture(t, open)
	redRow := []string{"纳税信用A级纳税人", "长春守信商贸有限公司", "法人及非法人组织", f.red, "", "", "", "", "",
		"吉税A〔2026〕1号", "2026-04-01", f.lister.Name, f.lister.Code, "2025年度纳税信用评价A级", "《纳税信用管理办法（试行）》", "", "", "", "2026-04-01", "2027-03-31", f.lister.Code}
	rc := f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕1号"), redRow)
	if rc.Accepted != 2 || rc.Rejected != 0 {
		errs, _, _ := f.db.FindBatchErrors(sys(), rc.Batch, 0, 10)
		t.Fatalf("receipt = %+v, errors %+v", rc, errs)
	}
	// The public entries of given subjects, as a page of search results
	// reads them in one query.
	if sub, err := f.db.FindSubjectByCode(sys(), f.red); err != nil {
		t.Fatal(err)
	} else {
		data, _ := lists.Default()
		var types []string
		for _, g := range data.PublicGroups() {
			types = append(types, g.Codes()...)
		}
		es, _, err := f.db.FindPublicEntries(context.Background(), lists.PublicFilter{ListTypes: types, SubjectIDs: []credit.SubjectID{sub.ID}, Limit: 50})
		if err != nil || len(es) != 1 || es[0].SubjectID != sub.ID || es[0].ListName != "纳税信用A级纳税人" {
			t.Errorf("public entries of the red-listed company = %d, %v; want its one entry", len(es), err)
		}
		_, _, err = f.db.FindPublicEntries(context.Background(), lists.PublicFilter{ListTypes: types, SubjectIDs: make([]credit.SubjectID, 101), Limit: 50})
		if credit.ErrorCode(err) != credit.EINVALID {
			t.Errorf("101 subjects: %v; want invalid", err)
		}
	}

	// Department B verifies in 政府采购: the code with spaces and full-width
	// digits, a name with full-width brackets, the legal representative,
	// an unknown subject and the red-listed company.
	spaced := " " + f.company[:6] + " " + strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r - '0' + '０'
		}
		return r
	}, f.company[6:]) + " "
	v := f.verify(t, "政府采购",
		lists.Query{Code: spaced},
		lists.Query{Name: "长春（北辰）建筑工程有限公司"},
		lists.Query{Code: f.rep},
		lists.Query{Code: uscc(t, "91220104MA0Y9999")},
		lists.Query{Code: f.red},
	)
	// The company twice (by its code, then by its name): found twice, one
	// hit, the second answer pointing at the first.
	if v.ID == 0 || v.Total != 5 || v.Found != 3 || v.Hits != 3 || v.Repeats != 1 {
		t.Fatalf("verification id=%d total=%d found=%d hits=%d repeats=%d, want 5/3/3/1", v.ID, v.Total, v.Found, v.Hits, v.Repeats)
	}
	if r := v.Results[1]; r.Hit || !strings.Contains(r.Explanation, "与第1个核查对象为同一主体") {
		t.Errorf("the company's second answer: hit %v, %q; want no second hit, pointing at the first", r.Hit, r.Explanation)
	}
	var size int64
	if err := f.db.SQL().QueryRow(`SELECT size FROM ledger_state`).Scan(&size); err != nil || v.DataVersion != size {
		t.Errorf("data version = %d, want ledger size %d (%v)", v.DataVersion, size, err)
	}
	for i, want := range []struct {
		found    bool
		verdict  lists.Verdict
		measures []string
		incent   []string
		linked   int
	}{
		{true, lists.Restricted, []string{"N1-01:must"}, nil, 0},
		{true, lists.Restricted, []string{"N1-01:must"}, nil, 0},
		{false, lists.Caution, nil, nil, 1},
		{false, lists.NoVerdict, nil, nil, 0},
		{true, lists.Incentive, nil, []string{"R-02:may"}, 0},
	} {
		r := v.Results[i]
		if r.Found != want.found || r.Verdict != want.verdict || !slices.Equal(codes(r.Measures), want.measures) ||
			!slices.Equal(codes(r.Incentives), want.incent) || len(r.Linked) != want.linked {
			t.Errorf("result %d: found=%v verdict=%s measures=%v incentives=%v linked=%d; want %+v",
				i+1, r.Found, r.Verdict, codes(r.Measures), codes(r.Incentives), len(r.Linked), want)
		}
	}
	if e := v.Results[0].Entries; len(e) != 1 || e[0].ListName != "严重失信主体名单" || e[0].ValidUntil != "2029-03-01" || e[0].Basis == "" {
		t.Errorf("entries = %+v", e)
	}
	if l := v.Results[2].Linked; len(l) == 1 && !strings.Contains(l[0].LinkedAs, "法定代表人") {
		t.Errorf("linked as %q", l[0].LinkedAs)
	}
	var logged int
	// The three subjects found, and the company's entry shown for its legal
	// representative (no subject of his own: logged against the company).
	if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM query_log WHERE what = 'verification'`).Scan(&logged); err != nil || logged != 4 {
		t.Errorf("query_log rows = %d (%v), want 4", logged, err)
	}

	// Stored, and only B may read it and give feedback.
	ctxB := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
	ctxA := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
	got, err := f.db.FindVerificationByID(ctxB, v.ID)
	if err != nil || len(got.Results) != 5 || got.Results[0].Verdict != lists.Restricted || got.Scenario != "政府采购" {
		t.Fatalf("FindVerificationByID = %+v, %v", got, err)
	}
	if _, err := f.db.FindVerificationByID(ctxA, v.ID); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Errorf("other department reads verification: %v, want forbidden", err)
	}
	fb := []lists.Feedback{{Seq: 1, MeasureCode: "N1-01", Applied: true, AppliedOn: "2026-11-20"}}
	if _, err := f.db.CreateFeedback(ctxA, v.ID, fb); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Errorf("feedback by other department: %v, want forbidden", err)
	}
	if _, err := f.db.CreateFeedback(ctxB, v.ID, []lists.Feedback{{Seq: 4, MeasureCode: "N1-01", Reason: "x"}}); credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("feedback on a miss: %v, want invalid", err)
	}
	if _, err := f.db.CreateFeedback(ctxB, v.ID, fb); err != nil {
		t.Fatalf("CreateFeedback: %v", err)
	}
	// The same feedback again only doubles the record: refused, placed on
	// its item.
	if _, err := f.db.CreateFeedback(ctxB, v.ID, fb); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "第1条反馈：该措施已于") {
		t.Errorf("the same feedback twice: %v, want it refused as given already", err)
	}
	list, err := f.db.FindFeedback(ctxB, v.ID)
	if err != nil || len(list) != 1 || !list[0].Applied || list[0].AppliedOn != "2026-11-20" {
		t.Errorf("FindFeedback = %+v, %v", list, err)
	}
	// The audit entry says what was stored: ids, when, by whom (not the
	// request, whose ids and time are zero).
	var detail string
	if err := f.db.SQL().QueryRow(f.db.Rebind(`SELECT detail FROM audit_log WHERE action = 'verification.feedback' ORDER BY id DESC`)).Scan(&detail); err != nil {
		t.Fatal(err)
	}
	var audited []lists.Feedback
	if err := json.Unmarshal([]byte(detail), &audited); err != nil || len(audited) != 1 {
		t.Fatalf("feedback audit detail %s: %v", detail, err)
	}
	if l := audited[0]; l.ID != list[0].ID || l.VerificationID != v.ID || l.At.IsZero() || l.Actor == "" {
		t.Errorf("feedback audit detail %s; want the stored feedback %+v", detail, list[0])
	}
	got, _ = f.db.FindVerificationByID(ctxB, v.ID)
	if p := got.Results[0].Feedback; p == nil || !p.Given {
		t.Errorf("feedback progress = %+v, want given", p)
	}
	st, err := f.db.VerificationStats(sys(), lists.StatsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// The company named twice is one subject: 4 subjects, 3 hits.
	if st.Total.Verifications != 1 || st.Total.Subjects != 4 || st.Total.Hits != 3 || st.Total.WithFeedback != 1 || st.Total.Overdue != 0 {
		t.Errorf("stats total = %+v", st.Total)
	}
	if len(st.Rows) != 1 || st.Rows[0].DepartmentName != f.user.Name || st.Rows[0].HitRate != 0.75 || st.Rows[0].FeedbackRate != 1.0/3 {
		t.Errorf("stats rows = %+v", st.Rows)
	}
	// Overdue: 10 working days later, two hits still lack feedback.
	now := f.db.Now
	f.db.Now = func() time.Time { return now().AddDate(0, 0, 30) }
	st, _ = f.db.VerificationStats(sys(), lists.StatsFilter{})
	if st.Total.Overdue != 2 {
		t.Errorf("overdue after 30 days = %d, want 2", st.Total.Overdue)
	}
	// Feedback given after the period counts as given, and as overdue.
	var late []lists.Feedback
	for _, r := range v.Results {
		ms := append(slices.Clone(r.Measures), r.Incentives...)
		if r.Hit && r.Seq != 1 && len(ms) > 0 {
			late = append(late, lists.Feedback{Seq: r.Seq, MeasureCode: ms[0].Code, Applied: true,
				AppliedOn: credit.DateOf(f.db.Now()).Format(credit.DateLayout)})
			break
		}
	}
	if len(late) == 0 {
		t.Fatal("no second hit with a measure to give late feedback on")
	}
	if _, err := f.db.CreateFeedback(ctxB, v.ID, late); err != nil {
		t.Fatalf("late CreateFeedback: %v", err)
	}
	st, _ = f.db.VerificationStats(sys(), lists.StatsFilter{})
	f.db.Now = now
	// One hit still without feedback (逾期未反馈), one fed back late
	// (逾期反馈): two figures, as the page labels them.
	if st.Total.WithFeedback != 2 || st.Total.Overdue != 1 || st.Total.LateFeedback != 1 || st.Total.FeedbackExpected != 3 {
		t.Errorf("after late feedback: with feedback %d, overdue %d, late feedback %d, expected %d; want 2, 1, 1, 3",
			st.Total.WithFeedback, st.Total.Overdue, st.Total.LateFeedback, st.Total.FeedbackExpected)
	}
	// The statistics kept with each verification and feedback agree with
	// a recount from the verifications and hits.
	if drift := storage.VerificationDaysDrift(t, f.db); len(drift) > 0 {
		t.Errorf("statistics drift from a recount:\n%s", strings.Join(drift, "\n"))
	}

	// Removal: only the listing department, with a reason; it becomes a new
	// version in the ledger, and the next verification finds nothing.
	entries, _, err := f.db.FindListEntries(ctxB, lists.Filter{SubjectID: &v.Results[0].SubjectID})
	if err != nil || len(entries) != 1 {
		t.Fatalf("FindListEntries = %d, %v", len(entries), err)
	}
	id := entries[0].RecordID
	if _, err := f.db.RemoveListEntry(ctxB, id, lists.Removal{Reason: "x"}); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Errorf("removal by other department: %v, want forbidden", err)
	}
	if _, err := f.db.RemoveListEntry(ctxA, id, lists.Removal{}); credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("removal without reason: %v, want invalid", err)
	}
	e, err := f.db.RemoveListEntry(ctxA, id, lists.Removal{Kind: lists.RemovedRepaired, Reason: "已清偿全部拖欠工资并作出信用承诺"})
	if err != nil {
		t.Fatalf("RemoveListEntry: %v", err)
	}
	if e.Version != 2 || e.RemovedOn == nil || e.RemovalKind != lists.RemovedRepaired || e.RemovalReason == "" {
		t.Errorf("removed entry = %+v", e)
	}
	// Removed today, out of public view today: the public archive and the
	// public list pages no longer show it, as verification no longer finds it.
	pub, err := f.db.FindArchive(context.Background(), f.company, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range pub.Sections {
		if sec.Class == lists.ClassCode && len(sec.Entries) > 0 {
			t.Errorf("the public archive still shows %d list entries on the day of the removal", len(sec.Entries))
		}
	}
	if shown, n, err := f.db.FindPublicEntries(context.Background(), lists.PublicFilter{ListTypes: []string{e.ListType}, Limit: 50}); err != nil || slices.ContainsFunc(shown, func(x *lists.Entry) bool { return x.Key == e.Key }) {
		t.Errorf("public %s entries on the day of the removal: %d, %v; want the removed entry gone", e.ListType, n, err)
	}
	if _, err := f.db.RemoveListEntry(ctxA, id, lists.Removal{Reason: "again"}); credit.ErrorCode(err) != credit.ECONFLICT {
		t.Errorf("second removal: %v, want conflict", err)
	}
	var versions int
	f.db.SQL().QueryRow(`SELECT COUNT(*) FROM records WHERE class = 'list_entry' AND key = '` + e.Key + `'`).Scan(&versions)
	if versions != 2 {
		t.Errorf("versions = %d, want 2 (history kept)", versions)
	}
	var size2 int64
	f.db.SQL().QueryRow(`SELECT size FROM ledger_state`).Scan(&size2)
	if size2 != size+1 {
		t.Errorf("ledger size %d, want %d", size2, size+1)
	}
	v2 := f.verify(t, "政府采购", lists.Query{Code: f.company}, lists.Query{Code: f.rep})
	if v2.Results[0].Verdict != lists.NoVerdict || v2.Results[1].Verdict != lists.NoVerdict || v2.Hits != 0 || v2.DataVersion != size2 {
		t.Errorf("after removal: %s, %s, hits %d, version %d", v2.Results[0].Verdict, v2.Results[1].Verdict, v2.Hits, v2.DataVersion)
	}
	active := credit.DateOf(f.db.Now())
	if list, n, _ := f.db.FindListEntries(ctxB, lists.Filter{ActiveOn: &active}); n != 1 || list[0].ListType != "tax_a" {
		t.Errorf("active entries = %d, want only the red entry", n)
	}
	// One subject: the data version is read with the subject, or on its own
	// when the code is unknown.
	var ledgerSize int64
	if err := f.db.SQL().QueryRow(`SELECT size FROM ledger_state`).Scan(&ledgerSize); err != nil {
		t.Fatal(err)
	}
	for _, q := range []lists.Query{{Code: f.red}, {Code: uscc(t, "91220104MA0Y9999")}} {
		if one := f.verify(t, "政府采购", q); one.DataVersion != ledgerSize {
			t.Errorf("verifying %s alone: data version = %d, want ledger size %d", q.Code, one.DataVersion, ledgerSize)
		}
	}
}

func testListsValidationExpiry(t *testing.T, open opener) {
	f := newListFixture(t, open)
	noRemedy := f.blackRow("吉人社失〔2026〕2号")
	noRemedy[17] = "" // 救济措施
	watchOld := []string{"重点关注名单", "长春观察物流有限公司", "法人及非法人组织", f.watched, "", "", "", "", "",
		"吉人社关〔2023〕5号", "2023-06-01", f.lister.Name, f.lister.Code, "拖欠工资经责令限期改正", "《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》第十三条",
		"", "期满自动移出", "可依法申请行政复议", "2023-06-01", "2027-06-01", f.lister.Code} // 4 years declared: capped to 2
	rc := f.submitAs(t, f.lister, noRemedy, watchOld)
	if rc.Accepted != 1 || rc.Rejected != 1 {
		t.Fatalf("receipt = %+v, want 1 accepted, 1 rejected", rc)
	}
	errs, _, _ := f.db.FindBatchErrors(sys(), rc.Batch, 0, 10)
	if len(errs) != 1 || errs[0].Problems[0].Field != "MD_JJCS" {
		t.Errorf("row errors = %+v, want MD_JJCS required", errs)
	}
	ctxB := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
	list, _, err := f.db.FindListEntries(ctxB, lists.Filter{ListType: "watch"})
	if err != nil || len(list) != 1 {
		t.Fatalf("FindListEntries = %v, %v", list, err)
	}
	if e := list[0]; !e.Capped || e.ValidUntil.Format(credit.DateLayout) != "2025-05-31" {
		t.Errorf("watch entry validity = %v capped=%v, want 2025-05-31 capped", e.ValidUntil, e.Capped)
	}
	if _, err := f.db.ExpireListEntries(ctxB, credit.DateOf(f.db.Now())); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Errorf("expire by department: %v, want forbidden", err)
	}
	n, err := f.db.ExpireListEntries(sys(), credit.DateOf(f.db.Now()))
	if err != nil || n != 1 {
		t.Fatalf("ExpireListEntries = %d, %v; want 1", n, err)
	}
	if n, err := f.db.ExpireListEntries(sys(), credit.DateOf(f.db.Now())); err != nil || n != 0 {
		t.Errorf("second ExpireListEntries = %d, %v; want 0", n, err)
	}
	list, _, _ = f.db.FindListEntries(ctxB, lists.Filter{ListType: "watch"})
	e := list[0]
	if e.Version != 2 || e.RemovalKind != lists.RemovedExpired || e.RemovedOn.Format(credit.DateLayout) != "2025-06-01" {
		t.Errorf("expired entry = v%d %s %v", e.Version, e.RemovalKind, e.RemovedOn)
	}
}

func testListsMeasures(t *testing.T, open opener) {
	f := newListFixture(t, open)
	ctxB := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
	m := lists.Measure{Code: "JL-09", Name: "限制参加省级示范企业评选", Class: 2, Effect: lists.Restrict, Mandatory: true,
		ListTypes: []string{"black"}, Scenarios: []string{"评优评先"}, Basis: "《吉林省社会信用条例》", Clause: "吉林省失信惩戒措施补充清单 第9项"}
	if err := f.db.SaveMeasure(ctxB, &m, lists.MeasureSave{}); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Errorf("department saves measure: %v, want forbidden", err)
	}
	noBasis := m
	noBasis.Basis = ""
	if err := f.db.SaveMeasure(sys(), &noBasis, lists.MeasureSave{}); credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("measure without basis: %v, want invalid", err)
	}
	if err := f.db.SaveMeasure(sys(), &m, lists.MeasureSave{}); err != nil {
		t.Fatal(err)
	}
	m.Name = "限制参加省级示范企业和示范项目评选"
	if err := f.db.SaveMeasure(sys(), &m, lists.MeasureSave{}); err != nil {
		t.Fatal(err)
	}
	d, err := f.db.ListData(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(d.Measures, func(x lists.Measure) bool { return x.Code == "JL-09" })
	if i < 0 || d.Measures[i].Name != m.Name || len(d.Measures) != 21 {
		t.Errorf("measures = %d, JL-09 at %d", len(d.Measures), i)
	}
	f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕3号"))
	v := f.verify(t, "评优评先", lists.Query{Code: f.company})
	if got := codes(v.Results[0].Measures); !slices.Contains(got, "JL-09:must") {
		t.Errorf("measures = %v, want the province's JL-09", got)
	}
}

// badCheck returns code with a wrong last check character.
func badCheck(code string) string {
	last := byte('1')
	if code[17] == '1' {
		last = '2'
	}
	return code[:17] + string(last)
}

// testListsBatchConcurrency checks that a batch (IN queries) answers as the
// same subjects verified one by one, that concurrent verifications written
// together (group commit) each get their own id and rows, and that stored
// answers hold no citizen ID in clear.
func testListsBatchConcurrency(t *testing.T, open opener) {
	f := newListFixture(t, open)
	f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕31号"))
	twin := func(code string) []string {
		return []string{"纳税信用A级纳税人", "长春同名商贸有限公司", "法人及非法人组织", code, "", "", "", "", "",
			"吉税A〔2026〕" + code[10:16] + "号", "2026-04-01", f.lister.Name, f.lister.Code, "2025年度纳税信用评价A级", "《纳税信用管理办法（试行）》", "", "", "", "2026-04-01", "2027-03-31", f.lister.Code}
	}
	f.submitAs(t, f.lister, twin(f.red), twin(f.watched)) // two organisations with one name
	// The second twin's entry removed: a subject with nothing active.
	ctxLister := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
	watchedID, err := f.db.FindSubjectByCode(sys(), f.watched)
	if err != nil {
		t.Fatal(err)
	}
	sid := watchedID.ID
	if es, _, err := f.db.FindListEntries(ctxLister, lists.Filter{SubjectID: &sid}); err != nil || len(es) != 1 {
		t.Fatalf("entries of %s: %d, %v", f.watched, len(es), err)
	} else if _, err := f.db.RemoveListEntry(ctxLister, es[0].RecordID, lists.Removal{Reason: "评价结果调整"}); err != nil {
		t.Fatal(err)
	}
	// A person on the black list, asked for by name.
	debtor := citizenID(t, "22010219850505223")
	f.submitAs(t, f.lister, []string{"失信被执行人", "赵失信", "自然人", "", "身份证", debtor, "", "", "",
		"（2026）吉01执12号", "2026-03-02", f.lister.Name, f.lister.Code, "有履行能力而拒不履行生效法律文书确定义务", "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
		"限制高消费", "履行完毕后移出", "可向执行法院申请纠正", "2026-03-02", "", f.lister.Code})
	// Another department finds the person by verifying the ID (query-logged),
	// not by listing or opening entries by id; the lister and administrators do.
	debtorSubject, err := f.db.FindSubjectByCode(sys(), debtor)
	if err != nil {
		t.Fatal(err)
	}
	dsid := debtorSubject.ID
	es, _, err := f.db.FindListEntries(ctxLister, lists.Filter{SubjectID: &dsid})
	if err != nil || len(es) != 1 {
		t.Fatalf("the lister's entries of the person: %d, %v", len(es), err)
	}
	ctxOther := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
	if got, _, err := f.db.FindListEntries(ctxOther, lists.Filter{SubjectID: &dsid}); err != nil || len(got) != 0 {
		t.Errorf("another department lists %d entries of a person (%v), want none", len(got), err)
	}
	if all, _, err := f.db.FindListEntries(ctxOther, lists.Filter{Limit: 1000}); err != nil || len(all) == 0 {
		t.Errorf("another department lists %d entries (%v), want the organisations'", len(all), err)
	} else {
		for _, e := range all {
			if e.SubjectID == dsid {
				t.Errorf("another department's listing holds the person's entry %d", e.RecordID)
			}
		}
	}
	if _, err := f.db.FindListEntry(ctxOther, es[0].RecordID); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Errorf("another department opens a person's entry by id: %v, want not found", err)
	}
	if _, err := f.db.RemoveListEntry(ctxOther, es[0].RecordID, lists.Removal{Reason: "试探"}); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Errorf("another department removing a person's entry: %v, want not found (not “only the lister may”)", err)
	}
	for _, ctx := range []context.Context{ctxLister, sys()} {
		if _, err := f.db.FindListEntry(ctx, es[0].RecordID); err != nil {
			t.Errorf("FindListEntry as %s: %v", credit.ActorFromContext(ctx).Label(), err)
		}
	}
	// A region administrator: persons' entries of its region's departments
	// only (the lister is a province department).
	ctxRegion := credit.NewContextWithActor(t.Context(), credit.Actor{Role: credit.RoleRegion, RegionCode: "220100", UserID: 7, Name: "cc", Channel: "web"})
	if got, _, err := f.db.FindListEntries(ctxRegion, lists.Filter{SubjectID: &dsid}); err != nil || len(got) != 0 {
		t.Errorf("a region administrator lists %d entries of a person decided outside its region (%v), want none", len(got), err)
	}
	if all, _, err := f.db.FindListEntries(ctxRegion, lists.Filter{Limit: 1000}); err != nil || len(all) == 0 {
		t.Errorf("a region administrator lists %d entries (%v), want the organisations'", len(all), err)
	}
	if _, err := f.db.FindListEntry(ctxRegion, es[0].RecordID); credit.ErrorCode(err) != credit.ENOTFOUND {
		t.Errorf("a region administrator opens a person's entry decided outside its region: %v, want not found", err)
	}
	// A pilot-era code that fails its check but is on the whitelist.
	legacyCode := badCheck(uscc(t, "91220105MA0Y7777"))
	if err := f.db.AddLegacyCode(sys(), legacyCode, "试点期间赋码"); err != nil {
		t.Fatal(err)
	}
	qs := []lists.Query{
		{Code: f.company}, {Code: f.rep}, {Name: "长春同名商贸有限公司"}, {Code: f.red}, {Name: "长春（北辰）建筑工程有限公司"},
		{Code: uscc(t, "91220104MA0Y9999")}, {Name: "王建国"}, {Code: f.company},
		{Code: badCheck(f.company)}, {Code: badCheck(f.rep)}, {Code: legacyCode},
		{Name: "赵失信"}, {Code: f.company, Name: "长春另一家有限公司"}, {Code: f.watched, Name: "长春另一家有限公司"},
		{Code: uscc(t, "91220104MA0Y8888"), Name: "长春同名商贸有限公司"},
	}
	batch := f.verify(t, "政府采购", qs...)
	for i, q := range qs {
		one := f.verify(t, "政府采购", q).Results[0]
		got := batch.Results[i]
		if got.Found != one.Found || got.SubjectID != one.SubjectID || got.Verdict != one.Verdict || got.Ambiguous != one.Ambiguous ||
			len(got.Entries) != len(one.Entries) || len(got.Linked) != len(one.Linked) || !slices.Equal(codes(got.Measures), codes(one.Measures)) {
			t.Errorf("subject %d %+v: batch %+v, alone %+v", i+1, q, got, one)
		}
	}
	if r := batch.Results[2]; r.Found || r.Ambiguous != 2 {
		t.Errorf("ambiguous name: %+v", r)
	}
	if r := batch.Results[6]; r.Found {
		t.Errorf("a person resolved by name: %+v", r)
	}
	// No false all-clear: what names no one subject for certain is
	// 无法核查, and a name that finds no organisation says persons are
	// verified by ID number only.
	for i, want := range []struct {
		verdict lists.Verdict
		says    string
	}{
		2:  {lists.Undetermined, "对应2个主体"},
		5:  {lists.NoVerdict, "平台未收录该主体"},
		6:  {lists.NoVerdict, "请以身份证号码核查"},
		8:  {lists.Undetermined, "校验位"},
		9:  {lists.Undetermined, "代码无效"},
		10: {lists.NoVerdict, "平台未收录该主体"},
		11: {lists.Undetermined, "请以身份证号码核查"},                       // a listed person by name
		12: {lists.Restricted, "与所填名称“长春另一家有限公司”不一致"},               // the code's verdict stands, with a warning
		13: {lists.Undetermined, "与所填名称“长春另一家有限公司”不一致"},             // no all-clear for a name that is someone else's
		14: {lists.Undetermined, "平台未收录该代码，但收录了名称为“长春同名商贸有限公司”的主体"}, // an unknown code beside a known name
	} {
		if want.says == "" {
			continue
		}
		if r := batch.Results[i]; r.Verdict != want.verdict || !strings.Contains(r.Explanation, want.says) || strings.Contains(r.Explanation, qs[i].Code[min(6, len(qs[i].Code)):]) && qs[i].Code != "" {
			t.Errorf("subject %d %+v: %s %q, want %s saying %q (and not repeating the code)", i+1, qs[i], r.Verdict, r.Explanation, want.verdict, want.says)
		}
	}
	if r := batch.Results[1]; r.Query.Code != subject.MaskCitizenID(f.rep) || len(r.Linked) != 1 {
		t.Errorf("person result: query %q, linked %d", r.Query.Code, len(r.Linked))
	}

	// 40 concurrent verifications by two departments.
	var wg sync.WaitGroup
	ids := make([]int64, 40)
	errs := make([]error, 40)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := f.user
			if i%2 == 1 {
				d = f.lister
			}
			ctx := credit.NewContextWithActor(t.Context(), deptCtx(d))
			v, err := f.db.Verify(ctx, lists.VerificationRequest{Scenario: "政府采购", Purpose: fmt.Sprintf("并发核查%d", i), Subjects: []lists.Query{{Code: f.company}, {Code: f.rep}}})
			if err == nil {
				ids[i] = v.ID
				if v.Results[0].Verdict != lists.Restricted || v.Hits != 2 {
					err = fmt.Errorf("verification %d: %s, hits %d", i, v.Results[0].Verdict, v.Hits)
				}
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	seen := map[int64]bool{}
	for i, id := range ids {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if id == 0 || seen[id] {
			t.Fatalf("verification %d got id %d (duplicate or zero)", i, id)
		}
		seen[id] = true
		got, err := f.db.FindVerificationByID(sys(), id)
		if err != nil || got.Purpose != fmt.Sprintf("并发核查%d", i) {
			t.Fatalf("FindVerificationByID(%d) = %+v, %v", id, got, err)
		}
	}
	var hits, logged, verified int
	f.db.SQL().QueryRow(`SELECT COUNT(*) FROM verification_hits WHERE verification_id IN (` + joinIDs(ids) + `)`).Scan(&hits)
	f.db.SQL().QueryRow(`SELECT COUNT(*) FROM query_log WHERE what = 'verification' AND purpose LIKE '%并发核查%'`).Scan(&logged)
	f.db.SQL().QueryRow(`SELECT COUNT(*) FROM verified_subjects`).Scan(&verified)
	// query_log: per verification the company, and the company's entry
	// shown for its legal representative (no subject of his own).
	// verified_subjects: the company, the red and the watched company (found
	// by the batch above, by f.user), and the company by f.lister.
	if hits != 80 || logged != 80 || verified != 4 {
		t.Errorf("hits %d, query log %d, verified subjects %d; want 80, 80, 4", hits, logged, verified)
	}
	// Concurrent groups keep the statistics exact.
	if drift := storage.VerificationDaysDrift(t, f.db); len(drift) > 0 {
		t.Errorf("statistics drift from a recount:\n%s", strings.Join(drift, "\n"))
	}
	// No stored answer holds an identity number in clear.
	var leaks int
	f.db.SQL().QueryRow(`SELECT COUNT(*) FROM verifications WHERE answer LIKE '%` + f.rep + `%'`).Scan(&leaks)
	if leaks != 0 {
		t.Errorf("%d stored answers hold the citizen ID in clear", leaks)
	}
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ",")
}

// TestVerifyStateReleased checks that a database dropped after use is
// collected: the verification caches do not keep it alive.
func TestVerifyStateReleased(t *testing.T) {
	var collected atomic.Bool
	func() {
		db, err := storage.Open(t.Context(), "sqlite:"+t.TempDir()+"/credit.db", storage.Options{EphemeralKeys: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		f := &listFixture{db: db, user: &access.Department{Code: uscc(t, "11220000MB000022"), Name: "吉林省财政厅", RegionCode: "220000", Kind: "finance"}}
		if err := db.UpsertDepartment(sys(), f.user); err != nil {
			t.Fatal(err)
		}
		f.verify(t, "政府采购", lists.Query{Code: uscc(t, "91220101MA0Y5678")})
		runtime.AddCleanup(db, func(b *atomic.Bool) { b.Store(true) }, &collected)
	}()
	for range 50 {
		runtime.GC()
		if collected.Load() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("a dropped database was never collected: something still refers to it")
}

// testFindVerifications checks the list of verifications: a department
// sees its own, newest first and paged, with the feedback progress of its
// hits; an administrator sees every department's or one; days are
// Asia/Shanghai days; the public and region administrators may not list.
func testFindVerifications(t *testing.T, open opener) {
	f := newListFixture(t, open)
	f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕51号"))
	ctxUser := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
	ctxLister := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
	verify := func(ctx context.Context, purpose string, code string) *lists.Verification {
		t.Helper()
		v, err := f.db.Verify(ctx, lists.VerificationRequest{Scenario: "政府采购", Purpose: purpose, Subjects: []lists.Query{{Code: code}}})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	hit := verify(ctxUser, "第一次", f.company)
	clean := verify(ctxUser, "第二次", f.red)
	other := verify(ctxLister, "另一部门", f.company)
	if _, err := f.db.CreateFeedback(ctxUser, hit.ID, []lists.Feedback{{Seq: 1, MeasureCode: hit.Results[0].Measures[0].Code, Applied: true, AppliedOn: credit.DateOf(f.db.Now()).Format(credit.DateLayout)}}); err != nil {
		t.Fatal(err)
	}
	ids := func(vs []*lists.Verification) []int64 {
		var out []int64
		for _, v := range vs {
			out = append(out, v.ID)
		}
		return out
	}
	vs, total, err := f.db.FindVerifications(ctxUser, lists.StatsFilter{}, 0, 10)
	if err != nil || total != 2 || !slices.Equal(ids(vs), []int64{clean.ID, hit.ID}) {
		t.Fatalf("department's list = %v (total %d), %v; want [%d %d]", ids(vs), total, err, clean.ID, hit.ID)
	}
	if r := vs[1].Results[0]; vs[1].Purpose != "第一次" || !r.Hit || r.Feedback == nil || !r.Feedback.Given {
		t.Errorf("the verification with feedback: %+v, result %+v", vs[1], r)
	}
	if vs, total, _ := f.db.FindVerifications(ctxUser, lists.StatsFilter{}, 1, 1); total != 2 || !slices.Equal(ids(vs), []int64{hit.ID}) {
		t.Errorf("second page of one = %v (total %d)", ids(vs), total)
	}
	// Another department's filter is ignored for a department.
	lister := f.lister.ID
	if vs, _, _ := f.db.FindVerifications(ctxUser, lists.StatsFilter{DepartmentID: &lister}, 0, 10); slices.Contains(ids(vs), other.ID) {
		t.Error("a department lists another department's verification")
	}
	admin := credit.NewContextWithActor(t.Context(), credit.Actor{Role: credit.RoleProvince, Name: "省信用中心", Channel: "web"})
	if vs, total, _ := f.db.FindVerifications(admin, lists.StatsFilter{}, 0, 10); total != 3 || vs[0].ID != other.ID || vs[0].DepartmentName != f.lister.Name {
		t.Errorf("administrator's list = %v (total %d)", ids(vs), total)
	}
	if vs, _, _ := f.db.FindVerifications(admin, lists.StatsFilter{DepartmentID: &lister}, 0, 10); !slices.Equal(ids(vs), []int64{other.ID}) {
		t.Errorf("administrator's list of one department = %v", ids(vs))
	}
	// A page of list entries past the last still tells the total.
	if es, total, err := f.db.FindListEntries(admin, lists.Filter{Offset: 50, Limit: 10}); err != nil || len(es) != 0 || total != 1 {
		t.Errorf("list entries past the last page = %d, total %d, %v; want none of 1", len(es), total, err)
	}
	today := credit.DateOf(f.db.Now())
	yesterday := today.AddDate(0, 0, -1)
	if _, total, _ := f.db.FindVerifications(admin, lists.StatsFilter{From: &today, To: &today}, 0, 10); total != 3 {
		t.Errorf("today's verifications = %d, want 3", total)
	}
	if _, total, _ := f.db.FindVerifications(admin, lists.StatsFilter{To: &yesterday}, 0, 10); total != 0 {
		t.Errorf("verifications up to yesterday = %d, want 0", total)
	}
	for _, a := range []credit.Actor{credit.Public, {Role: credit.RoleRegion, RegionCode: "220100", Name: "长春市", Channel: "web"}} {
		if _, _, err := f.db.FindVerifications(credit.NewContextWithActor(t.Context(), a), lists.StatsFilter{}, 0, 10); err == nil {
			t.Errorf("%s lists verifications", a.Role)
		}
	}
}
