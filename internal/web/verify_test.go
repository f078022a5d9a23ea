package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/lists/liststest"
	"jlcredit/internal/subject"
)

// postMultipart posts a multipart form (fields in order, then the file).
func (c *client) postMultipart(path string, fields [][2]string, filename string, file []byte) *http.Response {
	c.tb.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	if filename != "" {
		fw, _ := mw.CreateFormFile("file", filename)
		fw.Write(file)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// verifyOther returns an organisation of the demo data that no list names
// (but the one not to return).
func verifyOther(t *testing.T, but ...string) (code, name string) {
	f := mustFixture(t)
	for i := f.gen.Subjects() - 1; i >= 0; i-- {
		s := f.gen.Subject(i)
		if s.USCC != "" && s.Type != string(subject.Person) && s.USCC != f.subjectCode && !slices.Contains(but, s.USCC) {
			return s.USCC, s.Name
		}
	}
	t.Fatal("no organisation in the demo data")
	return "", ""
}

// listAsA puts an organisation on the black list as department A.
func listAsA(t *testing.T, code, name string) {
	t.Helper()
	listAsADoc(t, code, name, "吉名单〔2026〕99号")
}

// listAsADoc puts an organisation on the black list as department A with
// the decision document doc (with the list type and department, the key of
// the entry), decided yesterday, valid for three years.
func listAsADoc(t *testing.T, code, name, doc string) {
	t.Helper()
	now := time.Now()
	listRowAsA(t, name, code, doc, now.AddDate(0, 0, -1), now.AddDate(3, 0, -2), nil)
}

// thirdOperator returns a client signed in as an operator of a department
// other than A and B.
func thirdOperator(t *testing.T) *client {
	t.Helper()
	f := mustFixture(t)
	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	for _, d := range f.gen.Departments() {
		if d.Code == f.depA.Code || d.Code == f.depB.Code {
			continue
		}
		dep, err := f.db.FindDepartmentByCode(ctx, d.Code)
		if err != nil {
			t.Fatal(err)
		}
		// Several tests use the account: it is created once.
		users, _, err := f.db.FindUsers(ctx, access.UserFilter{Query: "opc", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(users, func(u *access.User) bool { return u.Username == "opc" }) {
			_, err = f.db.CreateUser(ctx, &access.User{Username: "opc", DisplayName: "丙部门操作员", Role: credit.RoleDepartment, DepartmentID: dep.ID}, testPassword)
			if err != nil {
				t.Fatal(err)
			}
		}
		return login(t, "opc")
	}
	t.Fatal("no third department")
	return nil
}

func verdictOf(doc *goquery.Document, name string) string {
	var v string
	doc.Find("main section.verify-subject").Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.Find("h2").Text(), name) {
			v = text(s.Find(".verdict"))
		}
	})
	return v
}

func TestVerifyConsole(t *testing.T) {
	s := seedLists(t)
	otherCode, otherName := verifyOther(t)
	thirdCode, thirdName := verifyOther(t, otherCode)
	b := login(t, "opb")

	doc := b.doc("/console/verify", http.StatusOK)
	if doc.Find(`nav.side a[href="/console/verify"]`).Length() != 1 || doc.Find(`nav.side a[href="/console/inbox"]`).Length() != 1 {
		t.Error("the console nav lacks 信用核查 or 推送收件箱")
	}
	if doc.Find(`select[name=scenario] option[value="政府采购"]`).Length() != 1 {
		t.Error("no 政府采购 scenario")
	}

	const unknownName = "吉林省从未登记过的测试有限公司"
	form := url.Values{"scenario": {"政府采购"}, "purpose": {"某某采购项目供应商资格审查"}, "subjects": {s.company + "\n\n" + otherCode + "\n" + unknownName}}
	// Without the CSRF token: refused, url-encoded or multipart.
	if res := b.post("/console/verify", form); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST without CSRF: %d", res.StatusCode)
	}
	if res := b.postMultipart("/console/verify", [][2]string{{"scenario", "政府采购"}, {"purpose", "x"}, {"subjects", s.company}}, "", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("multipart POST without CSRF: %d", res.StatusCode)
	}

	// Bad input: clear errors, the form kept.
	bad := url.Values{"scenario": {"政府采购"}, "subjects": {s.company}}
	doc = parse(t, b.postCSRF("/console/verify", bad), http.StatusBadRequest)
	if !strings.Contains(doc.Find(".alert-error").Text(), "查询事由") {
		t.Errorf("no purpose error: %q", doc.Find(".alert-error").Text())
	}
	bad = url.Values{"scenario": {"政府采购"}, "purpose": {"审查"}, "subjects": {"91220101MA0L10019X"}}
	doc = parse(t, b.postCSRF("/console/verify", bad), http.StatusBadRequest)
	if msg := doc.Find(".alert-error").Text(); !strings.Contains(msg, "第1行") || !strings.Contains(msg, "不是有效的") {
		t.Errorf("bad code error: %q", msg)
	}
	if v := doc.Find("textarea[name=subjects]").Text(); !strings.Contains(v, "91220101MA0L10019X") {
		t.Errorf("the form lost the subjects: %q", v)
	}

	// Pasted codes.
	res := b.postCSRF("/console/verify", form)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/console/verifications/") {
		t.Fatalf("verify: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	vpath := res.Header.Get("Location")
	doc = b.doc(vpath, http.StatusOK)
	if v := verdictOf(doc, s.companyName); v != string(lists.Restricted) {
		t.Errorf("verdict of the listed company = %q, want 受限\n%s", v, text(doc.Find("main")))
	}
	if v := verdictOf(doc, otherName); v != string(lists.NoVerdict) {
		t.Errorf("verdict of the other company = %q, want 无", v)
	}
	// A subject not found is not shown as cleared.
	if v := verdictOf(doc, unknownName); v != "未找到" {
		t.Errorf("verdict of an unknown name = %q, want 未找到", v)
	}
	if doc.Find(".verdict-restricted").Length() != 1 || !strings.Contains(doc.Find("main").Text(), "限制参加政府采购活动") {
		t.Error("the restriction is not shown with its measure")
	}
	for _, suffix := range []string{"/report.xlsx", "/report.html"} {
		if doc.Find(`a[href="`+vpath+suffix+`"]`).Length() != 1 {
			t.Errorf("no link to %s", suffix)
		}
	}
	if res := b.get(vpath + "/report.xlsx"); res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
		t.Errorf("report.xlsx: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// The printable report: the page the API serves too (lists.WriteReportHTML),
	// checked as TestListsAPI checks it.
	res = b.get(vpath + "/report.html")
	if csp := res.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, lists.ReportHTMLPolicy) || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("report.html: CSP %q, Cache-Control %q", csp, res.Header.Get("Cache-Control"))
	}
	rep := parse(t, res, http.StatusOK)
	const basis = "《吉林省社会信用条例》第三十条"
	liststest.CheckReportHTML(t, rep, s.companyName, "某某采购项目供应商资格审查", "拒不履行法定义务", basis)
	if href, _ := rep.Find(".hint a").Attr("href"); href != vpath {
		t.Errorf("printable report: link back %q, want %q", href, vpath)
	}
	// Each entry's reason and legal basis on the result page too.
	if td := doc.Find(`main section.verify-subject td[data-label="列入依据"]`); !strings.Contains(td.Text(), basis) {
		t.Errorf("the result page lacks the entry's 列入依据: %q", td.Text())
	}

	// An uploaded CSV, by the column 统一社会信用代码, or by 名称 in a row
	// without a code; a name that contradicts its row's code is not
	// answered with an all-clear (as the API answers it).
	res = b.postMultipart("/console/verify", [][2]string{{"csrf_token", b.csrf}, {"scenario", "政府采购"}, {"purpose", "上传核查"}, {"subjects", ""}},
		"对象.csv", []byte("名称,统一社会信用代码\n"+s.companyName+","+s.company+"\n"+unknownName+",\n与代码不符的名称有限公司,"+thirdCode+"\n"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload verify: %d", res.StatusCode)
	}
	up := b.doc(res.Header.Get("Location"), http.StatusOK)
	if v := verdictOf(up, s.companyName); v != string(lists.Restricted) {
		t.Errorf("uploaded: verdict %q", v)
	}
	if n := up.Find("main section.verify-subject").Length(); n != 3 || verdictOf(up, unknownName) == "" {
		t.Errorf("uploaded: %d subjects answered, want 3 (the row with a name and no code verified by its name)", n)
	}
	if v := verdictOf(up, thirdName); v != string(lists.Undetermined) || !strings.Contains(up.Text(), "与所填名称“与代码不符的名称有限公司”不一致") {
		t.Errorf("uploaded code with a contradicting name: verdict %q, want %q with the mismatch explained", v, lists.Undetermined)
	}
	// A file as departments write them: 供应商名称, and both code columns;
	// the person's row has only an ID number. Every row is verified.
	res = b.postMultipart("/console/verify", [][2]string{{"csrf_token", b.csrf}, {"scenario", "政府采购"}, {"purpose", "上传核查"}, {"subjects", ""}},
		"供应商.csv", []byte("序号,供应商名称,统一社会信用代码,证件号码\n1,"+s.companyName+","+s.company+",\n2,"+s.personName+",,"+s.person+"\n"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload with 供应商名称 and 证件号码: %d %s", res.StatusCode, text(parse(t, res, res.StatusCode).Find(".alert-error")))
	}
	up = b.doc(res.Header.Get("Location"), http.StatusOK)
	if n := up.Find("main section.verify-subject").Length(); n != 2 {
		t.Errorf("upload with 供应商名称 and 证件号码: %d subjects answered, want 2", n)
	}
	if v := verdictOf(up, s.personName); v == "" || v == string(lists.NoVerdict) || v == "未找到" {
		t.Errorf("the listed person verified by 证件号码: verdict %q", v)
	}
	if strings.Contains(up.Text(), s.person) {
		t.Error("the result page shows the person's ID number in clear")
	}
	// A row with content but no subject refuses the file, naming the row.
	res = b.postMultipart("/console/verify", [][2]string{{"csrf_token", b.csrf}, {"scenario", "政府采购"}, {"purpose", "上传核查"}, {"subjects", ""}},
		"供应商.csv", []byte("供应商名称,统一社会信用代码,备注\n"+s.companyName+","+s.company+",\n,,联合体成员待补充\n"))
	if doc := parse(t, res, http.StatusBadRequest); !strings.Contains(doc.Find(".alert-error").Text(), "第3行（文件）") {
		t.Errorf("a row without a subject: %q", doc.Find(".alert-error").Text())
	}
	// A purpose over the limit is refused, the limit named.
	long := url.Values{"scenario": {"政府采购"}, "purpose": {strings.Repeat("审", lists.MaxPurpose+1)}, "subjects": {s.company}}
	form2 := parse(t, b.postCSRF("/console/verify", long), http.StatusBadRequest)
	if msg := form2.Find(".alert-error").Text(); !strings.Contains(msg, "最多200字，实际201字") {
		t.Errorf("a purpose of %d characters: %q", lists.MaxPurpose+1, msg)
	}
	if v, _ := form2.Find("input[name=purpose]").Attr("maxlength"); v != "200" {
		t.Errorf("purpose maxlength = %q, want 200", v)
	}

	res = b.postMultipart("/console/verify", [][2]string{{"csrf_token", b.csrf}, {"scenario", "政府采购"}, {"purpose", "上传核查"}},
		"对象.txt", []byte("x"))
	if doc := parse(t, res, http.StatusBadRequest); !strings.Contains(doc.Find(".alert-error").Text(), "CSV或Excel") {
		t.Errorf("bad file type: %q", doc.Find(".alert-error").Text())
	}

	// Department C cannot open B's verification.
	c := thirdOperator(t)
	for _, p := range []string{vpath, vpath + "/report.xlsx", vpath + "/report.html"} {
		if res := c.get(p); res.StatusCode != http.StatusForbidden {
			t.Errorf("department C GET %s: %d", p, res.StatusCode)
		}
	}

	// A lists the other company B verified: B's inbox has an alert.
	listAsA(t, otherCode, otherName)
	doc = b.doc("/console/inbox", http.StatusOK)
	var item *goquery.Selection
	doc.Find("main article.inbox-item").Each(func(_ int, a *goquery.Selection) {
		if item == nil && strings.Contains(a.Text(), otherName) {
			item = a
		}
	})
	if item == nil {
		t.Fatalf("no notification about %s in B's inbox:\n%s", otherName, text(doc.Find("main")))
	}
	if !strings.Contains(item.Find(".tag").First().Text(), "核查预警") {
		t.Errorf("notification kind = %q", item.Find(".tag").First().Text())
	}
	if item.Find(`a[href="`+vpath+`"]`).Length() != 1 {
		t.Error("the alert does not link the verification")
	}
	action, _ := item.Find("form.ack-form").Attr("action")
	if action == "" {
		t.Fatal("no acknowledge form")
	}
	if res := b.post(action, url.Values{"feedback": {"x"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("ack without CSRF: %d", res.StatusCode)
	}
	if res := login(t, "opa").postCSRF(action, url.Values{"feedback": {"x"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("A acknowledges B's notification: %d", res.StatusCode)
	}
	res = b.postCSRF(action, url.Values{"feedback": {"已暂停其参与本部门采购项目"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("ack: %d", res.StatusCode)
	}
	doc = b.doc(res.Header.Get("Location"), http.StatusOK)
	id := strings.TrimSuffix(strings.TrimPrefix(action, "/console/inbox/"), "/ack")
	got := doc.Find("#n" + id)
	if !strings.Contains(got.Text(), "已确认") || !strings.Contains(got.Text(), "已暂停其参与本部门采购项目") || got.Find("form.ack-form").Length() != 0 {
		t.Errorf("after ack: %s", text(got))
	}
	if res := b.postCSRF(action, nil); res.StatusCode != http.StatusConflict {
		t.Errorf("second ack: %d", res.StatusCode)
	}
}
