package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
)

// entryValues is a valid black-list entry about the organisation code,
// decided by department A, as the console form posts it.
func entryValues(t *testing.T, code, name, docNo string) url.Values {
	t.Helper()
	f := mustFixture(t)
	day := func(d time.Time) string { return d.Format(credit.DateLayout) }
	now := time.Now()
	from := day(now.AddDate(0, 0, -10))
	return url.Values{
		"MD_LX": {"严重失信主体名单"}, "MD_ZTMC": {name}, "MD_ZTLB": {"法人及非法人组织"}, "MD_TYSHXYDM": {code},
		"MD_FDDBR": {"赵录入"}, "MD_ZRR": {"钱责任"},
		"MD_RDWH": {docNo}, "MD_RDRQ": {from}, "MD_RDBM": {f.depA.Name}, "MD_RDBMDM": {f.depA.Code},
		"MD_SY": {"拒不履行行政处罚决定，情节严重"}, "MD_YJ": {"《吉林省社会信用条例》第三十条"},
		"MD_CSTS": {"限制参加政府采购、招标投标"}, "MD_YCTJ": {"满1年且已纠正失信行为的，可申请提前移出"},
		"MD_JJCS": {"可依法申请行政复议或者提起行政诉讼"},
		"MD_YXQQ": {from}, "MD_YXQZ": {day(now.AddDate(2, 0, -10))},
		"MD_SJLYDM": {f.depA.Code},
	}
}

// entryRecords returns the list_entry records about the subject code.
func entryRecords(t *testing.T, code string) []*record.Record {
	t.Helper()
	f := mustFixture(t)
	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	sub, err := f.db.FindSubjectByCode(ctx, code)
	if err != nil {
		t.Fatalf("FindSubjectByCode(%s): %v", code, err)
	}
	recs, _, err := f.db.FindRecords(ctx, record.RecordFilter{Class: lists.ClassCode, SubjectID: &sub.ID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestListEntryForm(t *testing.T) {
	f := mustFixture(t)
	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	a := login(t, "opa")

	// The form: one input per field of the catalog class, code tables as
	// drop-downs, the list types grouped by list, the department's code
	// filled in.
	doc := a.doc("/console/lists/new", http.StatusOK)
	if doc.Find(`nav.side a[href="/console/lists/new"][aria-current="page"]`).Length() != 1 {
		t.Error("the console nav does not show 名单录入 as current")
	}
	cat, err := f.db.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cl, _ := cat.Class(lists.ClassCode)
	form := doc.Find(`form[action="/console/lists/new"]`)
	for _, fd := range cl.Fields {
		in := form.Find(`[name="` + fd.Code + `"]`)
		if in.Length() == 0 {
			t.Errorf("no input for %s (%s)", fd.Code, fd.Name)
			continue
		}
		if fd.Type == "code" && !fd.Multi && !in.Is("select") {
			t.Errorf("%s is a %s, want a select", fd.Code, goquery.NodeName(in))
		}
		if fd.Type == "date" && in.AttrOr("type", "") != "date" {
			t.Errorf("%s: type %q, want date", fd.Code, in.AttrOr("type", ""))
		}
		if fd.Type == "text" && !in.Is("textarea") {
			t.Errorf("%s is not a textarea", fd.Code)
		}
		if !strings.Contains(form.Find(`label[for="f-`+fd.Code+`"]`).Text(), fd.Name) {
			t.Errorf("%s has no label %q", fd.Code, fd.Name)
		}
	}
	if form.Find(`select[name=MD_LX] optgroup[label="严重失信主体名单"] option[value="失信被执行人"]`).Length() != 1 {
		t.Error("失信被执行人 is not under 严重失信主体名单")
	}
	if form.Find(`select[name=MD_ZTLB] option[value="个体工商户"]`).Length() != 1 {
		t.Error("主体类别 lacks 个体工商户")
	}
	if src := form.Find(`input[name=MD_SJLYDM]`); src.AttrOr("value", "") != f.depA.Code || src.AttrOr("readonly", "x") == "x" {
		t.Errorf("数据来源单位 = %q, want %s, read-only", src.AttrOr("value", ""), f.depA.Code)
	}
	if form.Find(`select[name=department]`).Length() != 0 {
		t.Error("a department user is offered other departments")
	}

	code := testUSCC(t, "91220101MA0L2001")
	name := "长春录入名单测试科技有限公司"
	good := entryValues(t, code, name, "吉录入〔2026〕1号")

	// Without the CSRF token: refused, nothing stored.
	if res := a.post("/console/lists/new", good); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST without CSRF: %d, want 403", res.StatusCode)
	}

	// An invalid entry: a wrong check character and a validity ending
	// before it starts. The form comes back with the values and each
	// message next to its field; the batch keeps the rejected row.
	bad := url.Values{}
	for k, v := range good {
		bad[k] = v
	}
	badCode := code[:17] + map[bool]string{true: "1", false: "2"}[code[17] != '1']
	bad.Set("MD_TYSHXYDM", badCode)
	bad.Set("MD_YXQZ", time.Now().AddDate(0, 0, -20).Format(credit.DateLayout))
	doc = parse(t, a.postCSRF("/console/lists/new", bad), http.StatusUnprocessableEntity)
	if msg := text(doc.Find("#e-MD_TYSHXYDM")); !strings.Contains(msg, "校验位") || strings.Contains(msg, "第1行") {
		t.Errorf("USCC message = %q", msg)
	}
	if msg := text(doc.Find("#e-MD_YXQZ")); !strings.Contains(msg, "早于") || !strings.Contains(msg, "有效期起") {
		t.Errorf("validity message = %q", msg)
	}
	if doc.Find("#f-MD_TYSHXYDM").AttrOr("aria-describedby", "") != "e-MD_TYSHXYDM" {
		t.Error("the USCC input does not refer to its message")
	}
	if n := doc.Find(".field-error").Length(); n != 2 {
		t.Errorf("%d field messages, want 2", n)
	}
	if v := doc.Find("#f-MD_ZTMC").AttrOr("value", ""); v != name {
		t.Errorf("name kept = %q", v)
	}
	if v := doc.Find("#f-MD_TYSHXYDM").AttrOr("value", ""); v != badCode {
		t.Errorf("code kept = %q", v)
	}
	if v := doc.Find("#f-MD_LX option[selected]").Text(); v != "严重失信主体名单" {
		t.Errorf("list type kept = %q", v)
	}
	if v := doc.Find("#f-MD_SY").Text(); v != good.Get("MD_SY") {
		t.Errorf("reason kept = %q", v)
	}
	if doc.Find(`#form-errors a[href="#f-MD_YXQZ"]`).Length() != 1 {
		t.Error("the summary does not link the field")
	}
	batchLink := doc.Find(`#form-errors a[href^="/console/batches/"]`).AttrOr("href", "")
	if batchLink == "" {
		t.Fatal("the rejected entry's batch is not named")
	}
	id := credit.BatchID(strings.TrimPrefix(batchLink, "/console/batches/"))
	b, err := f.db.FindBatchByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if b.Total != 1 || b.Rejected != 1 || b.Channel != "form" || b.Format != "json" || b.Class != lists.ClassCode {
		t.Errorf("rejected batch: %+v", b)
	}
	errs, _, err := f.db.FindBatchErrors(ctx, id, 0, 10)
	if err != nil || len(errs) != 1 {
		t.Fatalf("batch errors: %v %d", err, len(errs))
	}
	if errs[0].Raw["MD_ZTMC"] != name || errs[0].Raw["MD_TYSHXYDM"] != badCode {
		t.Errorf("the rejected row lost its values: %v", errs[0].Raw)
	}
	if doc := a.doc(batchLink, http.StatusOK); !strings.Contains(text(doc.Find("main")), "管理端录入") {
		t.Error("the batch page does not name the console form as its channel")
	}

	// A valid entry: the batch receipt, a first version in the ledger,
	// and the entry on the public black list.
	res := a.postCSRF("/console/lists/new", good)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/batches/") {
		t.Fatalf("valid entry: %d %s", res.StatusCode, loc)
	}
	doc = a.doc(loc, http.StatusOK)
	if got := text(doc.Find(".figures")); !strings.Contains(got, "1总行数") || !strings.Contains(got, "1接收") {
		t.Errorf("receipt figures %q", got)
	}
	if strings.Contains(text(doc.Find("main")), "有效期上限") {
		t.Errorf("a validity within the limit is reported as shortened")
	}
	recs := entryRecords(t, code)
	if len(recs) != 1 {
		t.Fatalf("%d records about %s, want 1", len(recs), code)
	}
	r := recs[0]
	id = credit.BatchID(strings.TrimSuffix(strings.TrimPrefix(loc, "/console/batches/"), "?new=1"))
	if r.Version != 1 || !r.Current || r.LedgerIndex <= 0 || r.BatchID != id || !strings.Contains(r.Fields["MD_SY"], "拒不履行行政处罚决定") {
		t.Errorf("record: version %d current %v ledger %d batch %s (want %s)", r.Version, r.Current, r.LedgerIndex, r.BatchID, id)
	}
	doc = newClient(t).doc("/lists/black?q="+code, http.StatusOK)
	if body := rowsText(doc); !strings.Contains(body, name) || !strings.Contains(body, "吉录入〔2026〕1号") {
		t.Errorf("the entry is not on the public black list: %s", body)
	}

	// Four years on the black list without a special basis: accepted, cut
	// to the three-year limit, and the receipt says so.
	long := entryValues(t, testUSCC(t, "91220101MA0L3003"), "长春有效期测试有限公司", "吉录入〔2026〕3号")
	long.Set("MD_YXQZ", time.Now().AddDate(4, 0, 0).Format(credit.DateLayout))
	res = a.postCSRF("/console/lists/new", long)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("long entry: %d", res.StatusCode)
	}
	if msg := text(a.doc(res.Header.Get("Location"), http.StatusOK).Find("main")); !strings.Contains(msg, "超过该名单类型的有效期上限，已按上限计算至") ||
		!strings.Contains(msg, long.Get("MD_YXQZ")) {
		t.Errorf("long entry's receipt: %q", msg)
	}

	// An administrator names the department; the source code follows it.
	// A changed entry is a new version of the same entry.
	adm := login(t, "admin")
	doc = adm.doc("/console/lists/new", http.StatusOK)
	if doc.Find(`select[name=department] option[value="`+f.depA.Code+`"]`).Length() != 1 {
		t.Error("the administrator cannot choose department A")
	}
	if _, ro := doc.Find(`input[name=MD_SJLYDM]`).Attr("readonly"); ro {
		t.Error("the source code is read-only for an administrator")
	}
	changed := url.Values{}
	for k, v := range good {
		changed[k] = v
	}
	changed.Set("MD_SY", "拒不履行行政处罚决定，经催告仍不履行")
	changed.Del("MD_SJLYDM")
	doc = parse(t, adm.postCSRF("/console/lists/new", changed), http.StatusBadRequest)
	if !strings.Contains(text(doc.Find("#e-department")), "请选择报送部门") {
		t.Errorf("no department message: %q", text(doc.Find(".alert-error")))
	}
	if v := doc.Find("#f-MD_SY").Text(); v != changed.Get("MD_SY") {
		t.Errorf("reason kept = %q", v)
	}
	changed.Set("department", f.depA.Code)
	res = adm.postCSRF("/console/lists/new", changed)
	if res.StatusCode != http.StatusSeeOther {
		doc := parse(t, res, http.StatusSeeOther)
		t.Fatalf("administrator's entry: %s", text(doc.Find(".alert-error")))
	}
	recs = entryRecords(t, code)
	if len(recs) != 1 || recs[0].Version != 2 || !recs[0].Current || !strings.Contains(recs[0].Fields["MD_SY"], "经催告仍不履行") ||
		recs[0].LedgerIndex <= r.LedgerIndex || recs[0].Key != r.Key {
		t.Errorf("after the change: %d current records, %+v", len(recs), recs)
	}
	// The first version stays, no longer current.
	old, err := f.db.FindRecordByID(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if old.Current || old.Version != 1 {
		t.Errorf("first version: current %v, version %d", old.Current, old.Version)
	}
}

func TestListEntryFormForbidden(t *testing.T) {
	// An auditor reads but does not submit: no link, 403.
	au := login(t, "auditor")
	doc := au.doc("/console/", http.StatusOK)
	if doc.Find(`nav.side a[href="/console/lists/new"]`).Length() != 0 {
		t.Error("the auditor's nav links 名单录入")
	}
	doc = parse(t, au.get("/console/lists/new"), http.StatusForbidden)
	if !strings.Contains(doc.Find("main h1").Text(), "无权访问") || !strings.Contains(doc.Find("main").Text(), "无权报送") {
		t.Errorf("403 page: %s", text(doc.Find("main")))
	}
	code := testUSCC(t, "91220101MA0L2002")
	res := au.postCSRF("/console/lists/new", entryValues(t, code, "长春审计员名单测试有限公司", "吉录入〔2026〕2号"))
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("auditor POST: %d, want 403", res.StatusCode)
	}
	// Department B cannot submit in A's name: the department and the
	// source code are its own, whatever the browser sends.
	f := mustFixture(t)
	b := login(t, "opb")
	// (A document number of its own: 吉录入〔2026〕3号 decided by A is
	// already A's entry, which B may not change.)
	v := entryValues(t, code, "长春乙部门名单测试有限公司", "吉录入〔2026〕51号")
	v.Set("department", f.depA.Code)
	res = b.postCSRF("/console/lists/new", v)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("B's entry: %d", res.StatusCode)
	}
	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	batch, err := f.db.FindBatchByID(ctx, credit.BatchID(strings.TrimSuffix(strings.TrimPrefix(loc, "/console/batches/"), "?new=1")))
	if err != nil {
		t.Fatal(err)
	}
	if batch.DepartmentCode != f.depB.Code {
		t.Errorf("B's entry was submitted as %s", batch.DepartmentCode)
	}
	if recs := entryRecords(t, code); len(recs) != 1 || recs[0].Fields["MD_SJLYDM"] != f.depB.Code || recs[0].DepartmentID != batch.DepartmentID {
		t.Errorf("B's entry: %+v", recs)
	}
	// A cannot read B's batch.
	if res := login(t, "opa").get(loc); res.StatusCode != http.StatusForbidden {
		t.Errorf("A reads B's batch: %d", res.StatusCode)
	}
}

// fillEntry sets the inputs of the console form to v in the browser.
func fillEntry(v url.Values) []chromedp.Action[chromedp.Void] {
	var as []chromedp.Action[chromedp.Void]
	for k := range v {
		if k != "MD_SJLYDM" { // read-only, filled in by the page
			as = append(as, chromedp.SetValue(chromedp.ID("f-"+k), v.Get(k)))
		}
	}
	return as
}

// badEntry is an entry with a wrong check character and a validity that
// ends before it starts.
func badEntry(t *testing.T) url.Values {
	t.Helper()
	code := testUSCC(t, "91220101MA0L2301")
	v := entryValues(t, code[:17]+map[bool]string{true: "1", false: "2"}[code[17] != '1'], "长春浏览器名单测试商贸有限公司", "吉录入〔2026〕41号")
	v.Set("MD_YXQZ", time.Now().AddDate(0, 0, -20).Format(credit.DateLayout))
	return v
}

// TestListEntryBrowser enters a list entry in headless Chromium: the form
// comes back with the messages next to the fields, and once corrected the
// entry lands and the receipt is shown.
func TestListEntryBrowser(t *testing.T) {
	f := mustFixture(t)
	ctx := newBrowser(t, 1280, 900)
	browserLogin(t, ctx, f.url, "e2ea")
	bad := badEntry(t)
	steps := append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(f.url + "/console/lists/new"), chromedp.WaitVisible(chromedp.ID("f-MD_LX"))}, fillEntry(bad)...)
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form.entry-form button[type=submit]`)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusUnprocessableEntity {
		t.Errorf("invalid entry: %d", res.Status)
	}
	msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("e-MD_TYSHXYDM")))
	if !strings.Contains(msg, "校验位") {
		t.Errorf("USCC message = %q", msg)
	}
	kept, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-MD_YXQZ")))
	if kept != bad.Get("MD_YXQZ") {
		t.Errorf("validity end kept = %q, want %s", kept, bad.Get("MD_YXQZ"))
	}
	good := entryValues(t, testUSCC(t, "91220101MA0L2301"), bad.Get("MD_ZTMC"), bad.Get("MD_RDWH"))
	err = chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("f-MD_TYSHXYDM"), good.Get("MD_TYSHXYDM")), chromedp.SetValue(chromedp.ID("f-MD_YXQZ"), good.Get("MD_YXQZ")))
	if err != nil {
		t.Fatal(err)
	}
	res, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form.entry-form button[type=submit]`)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusOK || !strings.Contains(res.URL, "/console/batches/") {
		t.Fatalf("after correcting: %d %s", res.Status, res.URL)
	}
	figures, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".figures")))
	if figures = strings.Join(strings.Fields(figures), ""); !strings.Contains(figures, "1接收") {
		t.Errorf("receipt figures %q", figures)
	}
}
