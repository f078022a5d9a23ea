package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"jlcredit/internal/access"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record/ingest"
	"jlcredit/internal/subject"
)

// Accessibility of the portal and console (GB/T 37668-2019, WCAG 2.1 AA):
// what the markup has to say for screen readers and keyboards.

// checkFormError checks a form shown again after a failed submit: the
// title says it is an error, the error box is focusable and links to the
// input, and the input (sel) is marked invalid and described by an element
// that holds the message (want).
func checkFormError(t *testing.T, doc *goquery.Document, sel, target, want string) {
	t.Helper()
	if title := doc.Find("title").Text(); !strings.HasPrefix(title, "错误：") {
		t.Errorf("title %q does not start with 错误：", title)
	}
	box := doc.Find("#form-errors")
	if box.Length() != 1 || box.AttrOr("role", "") != "alert" || box.AttrOr("tabindex", "") != "-1" {
		t.Fatalf("error box: %d #form-errors, role %q, tabindex %q", box.Length(), box.AttrOr("role", ""), box.AttrOr("tabindex", ""))
	}
	if !strings.Contains(text(box), want) {
		t.Errorf("error box %q does not say %q", text(box), want)
	}
	if box.Find(`a[href="#`+target+`"]`).Length() == 0 {
		t.Errorf("error box does not link to #%s: %s", target, text(box))
	}
	if doc.Find("#"+target).Length() != 1 {
		t.Errorf("no element #%s to link to", target)
	}
	in := doc.Find(sel)
	if in.Length() == 0 {
		t.Fatalf("no input %s", sel)
	}
	in.Each(func(_ int, in *goquery.Selection) {
		if v := in.AttrOr("aria-invalid", ""); v != "true" {
			t.Errorf("%s: aria-invalid %q, want true", sel, v)
		}
		found := false
		for _, id := range strings.Fields(in.AttrOr("aria-describedby", "")) {
			if msg := doc.Find("#" + id); msg.Length() == 1 && strings.Contains(text(msg), want) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: aria-describedby %q names no element saying %q", sel, in.AttrOr("aria-describedby", ""), want)
		}
	})
	// Inputs without an error are not marked.
	if n := doc.Find(`main [aria-invalid="true"]`).Not(sel).Length(); n > 0 && doc.Find("#form-errors li").Length() == 0 {
		t.Errorf("%d other inputs are marked invalid", n)
	}
}

func TestFormErrorsTiedToFields(t *testing.T) {
	f := mustFixture(t)
	adm, opa, opb := login(t, "admin"), login(t, "opa"), login(t, "opb")
	pub := newClient(t)
	newMeasure := measureForm(findMeasure(t, "N1-01"))
	newMeasure.Set("code", "JL-98")
	newMeasure.Set("basis", "")
	for _, test := range []struct {
		name        string
		get         func() *goquery.Document
		sel, target string
		want        string
	}{
		{"Verify/NoScenario", func() *goquery.Document {
			return parse(t, opb.postCSRF("/console/verify", url.Values{"purpose": {"某采购项目"}, "subjects": {f.subjectCode}}), http.StatusBadRequest)
		}, "#scenario", "scenario", "请选择应用场景"},
		{"Verify/LongPurpose", func() *goquery.Document {
			return parse(t, opb.postCSRF("/console/verify", url.Values{"scenario": {"政府采购"}, "purpose": {strings.Repeat("审", lists.MaxPurpose+1)}, "subjects": {f.subjectCode}}), http.StatusBadRequest)
		}, "#purpose", "purpose", "最多200字"},
		{"Verify/BadSubject", func() *goquery.Document {
			return parse(t, opb.postCSRF("/console/verify", url.Values{"scenario": {"政府采购"}, "purpose": {"某采购项目"}, "subjects": {"91220101MA0L0000XX"}}), http.StatusBadRequest)
		}, "#subjects", "subjects", "第1行"},
		{"Upload/NoFile", func() *goquery.Document {
			return parse(t, opa.upload("penalty", "", "", nil), http.StatusBadRequest)
		}, "#file", "file", "请选择要上传的"},
		{"Users/BadUsername", func() *goquery.Document {
			return parse(t, adm.postCSRF("/console/users", url.Values{"username": {"x"}, "role": {"department"}, "department": {f.depA.Code}}), http.StatusBadRequest)
		}, "#u-name", "u-name", "用户名应为3至32个字符"},
		{"Users/NoDepartment", func() *goquery.Document {
			return parse(t, adm.postCSRF("/console/users", url.Values{"username": {"a11y-nodept"}, "role": {"department"}}), http.StatusBadRequest)
		}, "#u-dept", "u-dept", "请选择部门用户所属的部门"},
		{"Departments/NoName", func() *goquery.Document {
			return parse(t, adm.postCSRF("/console/departments", url.Values{"code": {testUSCC(t, "11220000MB1A1100")}, "name": {""}, "region": {"220100"}}), http.StatusBadRequest)
		}, "#d-name", "d-name", "部门名称不能为空"},
		{"Key/BadRate", func() *goquery.Document {
			return parse(t, adm.postCSRF("/console/departments/"+f.depB.Code+"/keys", url.Values{"scope": {"verify"}, "rate": {"快"}}), http.StatusBadRequest)
		}, "#k-rate", "k-rate", "每秒请求数应为数字"},
		{"Key/NoScope", func() *goquery.Document {
			return parse(t, adm.postCSRF("/console/departments/"+f.depB.Code+"/keys", url.Values{"rate": {"5"}, "burst": {"5"}}), http.StatusBadRequest)
		}, "input[name=scope]", "k-scope", "请至少选择一项密钥权限范围"},
		{"Subscription/BadURL", func() *goquery.Document {
			return parse(t, opa.postCSRF("/console/subscriptions", url.Values{"url": {"ftp://example.com/x"}}), http.StatusBadRequest)
		}, "#url", "url", "http"},
		{"Password/Mismatch", func() *goquery.Document {
			return parse(t, opb.postCSRF("/console/password", url.Values{"old_password": {testPassword}, "new_password": {"Another-2026x"}, "confirm_password": {"Another-2026y"}}), http.StatusBadRequest)
		}, "#confirm", "confirm", "两次输入的新密码不一致"},
		{"Password/WrongOld", func() *goquery.Document {
			return parse(t, opb.postCSRF("/console/password", url.Values{"old_password": {"not-the-password-1"}, "new_password": {"Another-2026x"}, "confirm_password": {"Another-2026x"}}), http.StatusBadRequest)
		}, "#old", "old", "原密码不正确"},
		{"Purpose/NoReason", func() *goquery.Document {
			return parse(t, opb.postCSRF("/console/subjects/archive", url.Values{"code": {f.subjectCode}}), http.StatusBadRequest)
		}, "#reason", "reason", "请选择查询事由"},
		{"Purpose/NoCode", func() *goquery.Document {
			return parse(t, opb.postCSRF("/console/subjects/archive", url.Values{"reason": {access.Purposes[0]}, "note": {"核对"}}), http.StatusBadRequest)
		}, "#code", "code", "请输入统一社会信用代码"},
		{"Measure/NoBasis", func() *goquery.Document {
			return parse(t, adm.postCSRF("/console/measures/new", newMeasure), http.StatusBadRequest)
		}, "#f-basis", "f-basis", "缺少法律依据"},
		{"Batches/BadSince", func() *goquery.Document {
			return opa.doc("/console/batches?since=2026-13-01", http.StatusBadRequest)
		}, "#f-since", "f-since", "起始日期应为“年-月-日”格式"},
		{"QueryLog/BadTo", func() *goquery.Document {
			return adm.doc("/console/querylog?to=2026-02-30", http.StatusBadRequest)
		}, "#f-to", "f-to", "结束日期应为“年-月-日”格式"},
		{"Publicity/BadFrom", func() *goquery.Document {
			return pub.doc("/publicity/penalty?from=2026-13-01", http.StatusBadRequest)
		}, "#f-from", "f-from", "开始日期应为“年-月-日”格式"},
		{"Publicity/Reversed", func() *goquery.Document {
			return pub.doc("/publicity/penalty?from=2026-03-01&to=2026-02-01", http.StatusBadRequest)
		}, "#f-from", "f-from", "晚于结束日期"},
	} {
		t.Run(test.name, func(t *testing.T) {
			checkFormError(t, test.get(), test.sel, test.target, test.want)
		})
	}
}

// Two filters in error: the box says so, and lists both, each linked.
func TestFilterErrorsListed(t *testing.T) {
	doc := newClient(t).doc("/publicity/license?from=x&to=y", http.StatusBadRequest)
	box := doc.Find("#form-errors")
	for _, id := range []string{"f-from", "f-to"} {
		if box.Find(`li a[href="#`+id+`"]`).Length() != 1 {
			t.Errorf("the box does not list #%s: %s", id, text(box))
		}
		if v := doc.Find("#"+id).AttrOr("aria-describedby", ""); v != "e-"+id || doc.Find("#e-"+id).Length() != 1 {
			t.Errorf("#%s: aria-describedby %q", id, v)
		}
	}
}

// A page without an error has neither the title prefix nor an input
// marked invalid.
func TestNoErrorNoMarks(t *testing.T) {
	a := login(t, "admin")
	for _, path := range []string{"/console/users", "/console/verify", "/console/upload", "/console/password", "/console/batches"} {
		doc := a.doc(path, http.StatusOK)
		if title := doc.Find("title").Text(); strings.HasPrefix(title, "错误") {
			t.Errorf("%s: title %q", path, title)
		}
		if n := doc.Find(`[aria-invalid], #form-errors`).Length(); n != 0 {
			t.Errorf("%s: %d error marks", path, n)
		}
	}
}

// Every page loads the script that focuses the error box.
func TestFocusScript(t *testing.T) {
	c := newClient(t)
	doc := c.doc("/", http.StatusOK)
	src := doc.Find(`head script[src^="/static/focus.js"]`).AttrOr("src", "")
	if src == "" || doc.Find(`head script[src^="/static/focus.js"][defer]`).Length() != 1 {
		t.Fatalf("no deferred focus.js in the head")
	}
	res := c.get(src)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", src, res.StatusCode)
	}
}

// Inputs the hints call 必填 are required; the source department's code is
// not when an administrator's form fills it in from the department chosen.
func TestRequiredInputs(t *testing.T) {
	adm, opa := login(t, "admin"), login(t, "opa")
	doc := adm.doc("/console/measures/new", http.StatusOK)
	for _, sel := range []string{"#f-basis", "#f-clause", "#f-name", "#f-code"} {
		if _, ok := doc.Find(sel).Attr("required"); !ok {
			t.Errorf("measure form: %s is not required", sel)
		}
	}
	doc = adm.doc("/console/lists/new", http.StatusOK)
	src := doc.Find("#f-MD_SJLYDM")
	if _, ok := src.Attr("required"); ok || !strings.Contains(text(doc.Find(`label[for="f-MD_SJLYDM"]`)), "留空则填写为所选报送部门的代码") {
		t.Errorf("admin's entry form: MD_SJLYDM required %v, label %q", ok, text(doc.Find(`label[for="f-MD_SJLYDM"]`)))
	}
	if _, ok := doc.Find("#department").Attr("required"); !ok {
		t.Error("admin's entry form: the department is not required")
	}
	if _, ok := doc.Find("#f-MD_ZTMC").Attr("required"); !ok {
		t.Error("admin's entry form: MD_ZTMC is not required")
	}
	doc = opa.doc("/console/lists/new", http.StatusOK)
	if _, ok := doc.Find("#f-MD_SJLYDM").Attr("readonly"); !ok {
		t.Error("department's entry form: MD_SJLYDM is not read-only")
	}

	// The early-removal form of an entry: 移出原因 is required.
	seedLists(t)
	code, name := testUSCC(t, "91220101MA0L1A11"), "长春无障碍检查测试科技有限公司"
	listAsADoc(t, code, name, "吉名单〔2026〕311号")
	path := entryLink(opa.doc("/console/lists/entries", http.StatusOK), name)
	if path == "" {
		t.Fatal("no entry to remove")
	}
	doc = opa.doc(path, http.StatusOK)
	if _, ok := doc.Find("form.removal-form #f-reason").Attr("required"); !ok {
		t.Error("removal form: #f-reason is not required")
	}
	// Refused without a reason (the browser's check left out): the
	// reason is the input in error.
	action := doc.Find("form.removal-form").AttrOr("action", "")
	doc = parse(t, opa.postCSRF(strings.TrimSuffix(action, "#removal"), url.Values{"kind": {lists.RemovedEarly}, "reason": {""}}), http.StatusBadRequest)
	box := doc.Find("#removal-error")
	if box.AttrOr("tabindex", "") != "-1" || box.Find(`a[href="#f-reason"]`).Length() != 1 {
		t.Errorf("removal error box: tabindex %q, %s", box.AttrOr("tabindex", ""), text(box))
	}
	if r := doc.Find("#f-reason"); r.AttrOr("aria-invalid", "") != "true" || r.AttrOr("aria-describedby", "") != "removal-error" {
		t.Errorf("#f-reason: aria-invalid %q, aria-describedby %q", r.AttrOr("aria-invalid", ""), r.AttrOr("aria-describedby", ""))
	}
	if doc.Find(`#f-date[aria-invalid], #f-kind[aria-invalid]`).Length() != 0 {
		t.Error("the date or kind is marked invalid too")
	}
	if !strings.HasPrefix(doc.Find("title").Text(), "错误：") {
		t.Errorf("title %q", doc.Find("title").Text())
	}
}

// Links and buttons repeated down a list say what they are about, to
// someone who hears them out of context.
func TestLinkContext(t *testing.T) {
	f := mustFixture(t)
	adm, opb := login(t, "admin"), login(t, "opb")

	doc := opb.doc("/console/subjects?q="+url.QueryEscape(f.subjectCode[:8]), http.StatusOK)
	links := doc.Find(`a[href^="/console/subjects/view?code="]`)
	if links.Length() == 0 {
		t.Fatal("lookup: no 查看档案 links")
	}
	links.Each(func(_ int, a *goquery.Selection) {
		row := a.Closest("tr").Find("td").First()
		if got := text(a); !strings.HasPrefix(got, "查看档案") || !strings.Contains(got, text(row)) {
			t.Errorf("lookup link %q does not name %q", got, text(row))
		}
	})

	doc = adm.doc("/console/measures", http.StatusOK)
	edit := doc.Find(`#m-N1-01 a[href="/console/measures/N1-01"]`)
	if got := text(edit); !strings.HasPrefix(got, "编辑") || !strings.Contains(got, "N1-01") || !strings.Contains(got, text(doc.Find("#m-N1-01 .measure-name"))) {
		t.Errorf("measure edit link %q", got)
	}

	doc = newClient(t).doc("/lists", http.StatusOK)
	doc.Find(".list-group").Each(func(_ int, g *goquery.Selection) {
		name := text(g.Find("h2 a"))
		if got := text(g.Find("a.button")); !strings.HasPrefix(got, "查看全部名单") || !strings.Contains(got, name) {
			t.Errorf("list button %q does not name %q", got, name)
		}
	})

	// A department of this test's own, with a key to revoke.
	code := testUSCC(t, "11220000MB1A1200")
	if err := f.db.UpsertDepartment(credit.NewContextWithActor(context.Background(), credit.System),
		&access.Department{Code: code, Name: "无障碍检查办公室", RegionCode: "220100"}); err != nil {
		t.Fatal(err)
	}
	if res := adm.postCSRF("/console/departments/"+code+"/keys", url.Values{"scope": {"verify"}, "rate": {"1"}, "burst": {"1"}}); res.StatusCode != http.StatusOK {
		t.Fatalf("new key: %d", res.StatusCode)
	}
	doc = adm.doc("/console/departments/"+code, http.StatusOK)
	revoke := doc.Find(`form[action^="/console/keys/"] button`)
	prefix := text(revoke.Closest("tr").Find("td.code"))
	if got := text(revoke); revoke.Length() != 1 || !strings.HasPrefix(got, "吊销") || !strings.Contains(got, prefix) {
		t.Errorf("revoke button %q does not name key %q", got, prefix)
	}

	// 打印版 says it opens a new window.
	_, id := verifyAs(t, opb, "无障碍检查", f.subjectCode)
	doc = opb.doc("/console/verifications/"+strconv.FormatInt(id, 10), http.StatusOK)
	if got := text(doc.Find(`a[target=_blank]`)); got != "打印版（新窗口）" {
		t.Errorf("print link %q", got)
	}
	if n := doc.Find("main th:not([scope])").Length(); n != 0 {
		t.Errorf("verification result: %d th without scope", n)
	}
}

// Labels that mean nothing alone (“至”) say what they are the end of; the
// logo's name contains its visible text.
func TestLabels(t *testing.T) {
	pub := newClient(t)
	doc := pub.doc("/publicity/penalty", http.StatusOK)
	if got := text(doc.Find(`label[for="f-to"]`)); got != "决定日期至" {
		t.Errorf("publicity: label of f-to %q", got)
	}
	brand := doc.Find("a.brand")
	if _, ok := brand.Attr("aria-label"); ok || !strings.HasPrefix(text(brand), "信用吉林") || !strings.Contains(text(brand), "（首页）") {
		t.Errorf("logo link: aria-label %q, text %q", brand.AttrOr("aria-label", ""), text(brand))
	}
	adm := login(t, "admin")
	for path, want := range map[string]string{"/console/verifications": "核查日期至", "/console/verifications/stats": "核查日期至", "/console/querylog": "日期至"} {
		if got := text(adm.doc(path, http.StatusOK).Find(`label[for="f-to"]`)); got != want {
			t.Errorf("%s: label of f-to %q, want %q", path, got, want)
		}
	}
	if hint := text(adm.doc("/console/password", http.StatusOK).Find(`label[for="new"] .hint`)); !strings.Contains(hint, "不能包含用户名") {
		t.Errorf("password hint %q", hint)
	}
}

// A 401 page leads to the login with the page to come back to.
func TestLoginNext(t *testing.T) {
	c := newClient(t)
	req, _ := http.NewRequest(http.MethodPost, c.base+"/console/users", strings.NewReader("username=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", c.base+"/console/users?q=ab")
	doc := parse(t, c.do(req), http.StatusUnauthorized)
	if got := doc.Find("main a.button").First().AttrOr("href", ""); got != "/login?next=%2fconsole%2fusers%3fq%3dab" && got != "/login?next="+url.QueryEscape("/console/users?q=ab") {
		t.Errorf("login link %q", got)
	}
	// Without a page to come back to: the plain login.
	req, _ = http.NewRequest(http.MethodPost, c.base+"/console/users", strings.NewReader("username=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if got := parse(t, c.do(req), http.StatusUnauthorized).Find("main a.button").First().AttrOr("href", ""); got != "/login" {
		t.Errorf("login link without a referrer %q", got)
	}
}

var chartTitle = regexp.MustCompile(`^(\d\d-\d\d)：接收 (\d+) 行（含重复 (\d+) 行），拒绝 (\d+) 行$`)

// The dashboard's chart comes with its numbers as a table.
func TestDashboardChartTable(t *testing.T) {
	doc := login(t, "admin").doc("/console/", http.StatusOK)
	bars := doc.Find(".chart svg g title")
	if bars.Length() == 0 {
		t.Fatal("no bars")
	}
	table := doc.Find(".chart details table")
	heads := []string{}
	table.Find("thead th").Each(func(_ int, th *goquery.Selection) { heads = append(heads, text(th)) })
	if strings.Join(heads, "|") != "日期|接收|其中重复|拒绝" {
		t.Errorf("chart table headings %q", heads)
	}
	rows := table.Find("tbody tr")
	if rows.Length() != bars.Length() {
		t.Fatalf("chart table: %d rows for %d bars", rows.Length(), bars.Length())
	}
	bars.Each(func(i int, b *goquery.Selection) {
		m := chartTitle.FindStringSubmatch(b.Text())
		if m == nil {
			t.Fatalf("bar title %q", b.Text())
		}
		var cells []string
		rows.Eq(i).Find("th, td").Each(func(_ int, c *goquery.Selection) { cells = append(cells, strings.ReplaceAll(text(c), ",", "")) })
		if strings.Join(cells, "|") != strings.Join(m[1:], "|") {
			t.Errorf("row %d = %q, bar says %q", i, cells, m[1:])
		}
	})
	if v := doc.Find(".calendar-warning").AttrOr("role", "status"); v != "status" {
		t.Errorf("calendar warning role %q", v)
	}
}

// The import template marks required columns with a leading “*”, which
// reading the file back ignores.
func TestTemplateRequiredMark(t *testing.T) {
	f := mustFixture(t)
	a := login(t, "opa")
	cat, err := f.db.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, class := range []string{"penalty", "license"} {
		c, _ := cat.Class(class)
		res := a.get("/console/templates/" + class + ".xlsx")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s template: %d", class, res.StatusCode)
		}
		rd, err := ingest.Open(res.Body, class+".xlsx", "", ingest.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		headers := rd.Headers()
		rd.Close()
		if len(headers) != len(c.Fields) {
			t.Fatalf("%s: %d headers for %d fields", class, len(headers), len(c.Fields))
		}
		_, unknown, err := ingest.NewMapper(headers, func(h string) (string, bool) {
			fld, ok := c.FieldByHeader(h)
			if !ok {
				return "", false
			}
			return fld.Code, true
		})
		if err != nil || len(unknown) != 0 {
			t.Errorf("%s: headers that map to nothing %q (%v)", class, unknown, err)
		}
		for i, h := range headers {
			fld := c.Fields[i]
			if marked := strings.HasPrefix(h, ingest.RequiredMark); marked != (fld.Req == catalog.Required) {
				t.Errorf("%s: header %q of %s (%s): marked %v", class, h, fld.Code, fld.Req, marked)
			}
			if got, ok := c.FieldByHeader(h); !ok || got.Code != fld.Code {
				t.Errorf("%s: header %q reads back as %v", class, h, got)
			}
		}
	}
}

// An unacknowledged notification says so in words, and an alert's heading
// names its kind once.
func TestInboxUnacknowledged(t *testing.T) {
	f := mustFixture(t)
	c := thirdOperator(t)
	// An organisation from the start of the demo data: other tests take
	// theirs from the end (verifyOther, unlistedOrg).
	var code, name string
	for i := 0; i < f.gen.Subjects() && code == ""; i++ {
		if s := f.gen.Subject(i); s.USCC != "" && s.Type != string(subject.Person) && s.USCC != f.subjectCode {
			code, name = s.USCC, s.Name
		}
	}
	verifyAs(t, c, "无障碍检查：核查预警", code)
	listAsADoc(t, code, name, "吉名单〔2026〕312号")
	doc := c.doc("/console/inbox", http.StatusOK)
	var item *goquery.Selection
	doc.Find("main article.inbox-item").Each(func(_ int, a *goquery.Selection) {
		if item == nil && strings.Contains(a.Text(), name) {
			item = a
		}
	})
	if item == nil {
		t.Fatalf("no notification about %s:\n%s", name, text(doc.Find("main")))
	}
	h := text(item.Find("h2"))
	if strings.Count(h, "核查预警") != 1 || !strings.Contains(h, name) {
		t.Errorf("heading %q: want 核查预警 once and the subject", h)
	}
	if tag := item.Find("h2 .tag-warn"); text(tag) != "待确认" {
		t.Errorf("unacknowledged notification: tag %q, want 待确认", text(tag))
	}
}
