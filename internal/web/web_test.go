package web_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/demo"
	"jlcredit/internal/subject"
	"jlcredit/internal/subject/subjecttest"
	"jlcredit/internal/web"
)

func TestHome(t *testing.T) {
	c := newClient(t)
	doc := c.doc("/", http.StatusOK)
	if lang, _ := doc.Find("html").Attr("lang"); lang != "zh-CN" {
		t.Errorf(`lang=%q, want "zh-CN"`, lang)
	}
	if got := doc.Find("title").Text(); got != web.SiteName {
		t.Errorf("title=%q, want %q", got, web.SiteName)
	}
	values := doc.Find(".figure .value")
	if values.Length() != 4 {
		t.Fatalf("%d headline figures, want 4", values.Length())
	}
	values.Each(func(i int, s *goquery.Selection) {
		if strings.TrimSpace(s.Text()) == "0" && i != 2 {
			t.Errorf("headline figure %d is 0", i)
		}
	})
	if n := doc.Find(`section.card table tbody tr a[href^="/records/"]`).Length(); n < 6 {
		t.Errorf("latest 双公示: %d links, want at least 6", n)
	}
	if got := doc.Find("p.muted.small").Last().Text(); !strings.Contains(got, "数据统计截至") || !strings.Contains(got, "每15分钟更新") {
		t.Errorf("headline note = %q, want the time counted and 每15分钟更新", got)
	}
	if doc.Find(`form[action="/search"] input[name=q]`).Length() == 0 {
		t.Errorf("no search box")
	}
	// Every form control has a label.
	doc.Find("input, select, textarea").Each(func(_ int, s *goquery.Selection) {
		typ, _ := s.Attr("type")
		if typ == "hidden" || typ == "submit" {
			return
		}
		id, _ := s.Attr("id")
		if id == "" || doc.Find(`label[for="`+id+`"]`).Length() == 0 {
			t.Errorf("control %s without a label", goquery.NodeName(s))
		}
	})
}

func TestSearch(t *testing.T) {
	f := mustFixture(t)
	c := newClient(t)
	name := []rune(f.subjectName)
	q := string(name[len(name)-6:]) // the end of a name: many share it (…有限公司)
	doc := c.doc("/search?q="+url.QueryEscape(q), http.StatusOK)
	rows := doc.Find("table tbody tr")
	if rows.Length() == 0 {
		t.Fatalf("search %q: no results", q)
	}
	if !strings.Contains(doc.Find("title").Text(), "信用吉林 - 信用综合服务平台") {
		t.Errorf("title %q", doc.Find("title").Text())
	}
	// A page past the last says so and links to the last, rather than
	// claiming nothing matches.
	far := c.doc("/search?q="+url.QueryEscape(q)+"&page=400", http.StatusOK)
	if msg := text(far.Find("main")); !strings.Contains(msg, "第400页没有内容") || strings.Contains(msg, "未找到") {
		t.Errorf("page 400 of %q: %q", q, msg)
	}
	// Past the 500 pages a link may ask for, the message names the page asked.
	if msg := text(c.doc("/search?q="+url.QueryEscape(q)+"&page=999999", http.StatusOK).Find("main")); !strings.Contains(msg, "第999999页没有内容") {
		t.Errorf("page 999999 of %q: %q", q, msg)
	}
	if href, _ := far.Find(`a:contains("转到最后一页")`).Attr("href"); !strings.HasPrefix(href, "/search?") || strings.Contains(href, "page=400") {
		t.Errorf("no link to the last page: %q", href)
	}
	if rows.Length() == 20 {
		next := doc.Find(`nav.pager a[rel=next]`)
		href, ok := next.Attr("href")
		if !ok {
			t.Fatalf("20 results and no next page link")
		}
		doc2 := c.doc(href, http.StatusOK)
		if doc2.Find("table tbody tr").Length() == 0 {
			t.Errorf("page 2 is empty")
		}
		first, _ := doc.Find("table tbody tr a").First().Attr("href")
		first2, _ := doc2.Find("table tbody tr a").First().Attr("href")
		if first == first2 {
			t.Errorf("page 2 repeats page 1")
		}
	}
	// By code.
	doc = c.doc("/search?q="+f.subjectCode, http.StatusOK)
	if href, _ := doc.Find("table tbody tr a").First().Attr("href"); href != "/subjects/"+f.subjectCode {
		t.Errorf("search by code: first link %q, want /subjects/%s", href, f.subjectCode)
	}
	if !strings.Contains(text(doc.Find("table tbody tr").First()), "行政处罚") {
		t.Errorf("search result does not count the subject's penalties: %q", text(doc.Find("table tbody tr").First()))
	}
	// One character is refused with a message, not an error page.
	doc = c.doc("/search?q="+url.QueryEscape("长"), http.StatusBadRequest)
	if doc.Find(".alert-error").Length() == 0 {
		t.Errorf("one-character search: no message")
	}
}

func TestSubjectPage(t *testing.T) {
	f := mustFixture(t)
	c := newClient(t)
	doc := c.doc("/subjects/"+f.subjectCode, http.StatusOK)
	if got := text(doc.Find("h1")); got != f.subjectName {
		t.Errorf("h1=%q, want %q", got, f.subjectName)
	}
	if !strings.HasPrefix(doc.Find("title").Text(), f.subjectName+" - ") {
		t.Errorf("title=%q", doc.Find("title").Text())
	}
	if doc.Find(`section h2#sec-penalty`).Length() == 0 {
		t.Errorf("no 行政处罚 section")
	}
	entries := doc.Find(".entry")
	if entries.Length() == 0 {
		t.Fatal("no entries")
	}
	if !strings.Contains(text(entries.First()), "公示期") && !strings.Contains(text(doc.Find("#sec-license").Parent()), "决定日期") {
		t.Errorf("entry without dates: %q", text(entries.First()))
	}
	body := doc.Text()
	if regexp.MustCompile(`\d{17}[\dX]`).FindString(strings.ReplaceAll(body, f.subjectCode, "")) != "" {
		t.Errorf("the subject page shows an 18-character number other than the subject's code")
	}
	// Unknown code.
	parse(t, c.get("/subjects/91220101MA00000000"), http.StatusNotFound)
}

// TestSubjectLabels checks the slot for 异议处理中 and 已修复: a record under
// objection shows its label on the subject page.
func TestSubjectLabels(t *testing.T) {
	f := mustFixture(t)
	c := newClient(t)
	doc := c.doc("/subjects/"+f.subjectCode, http.StatusOK)
	if doc.Find(".entry h3").Length() == 0 {
		t.Fatal("no entries")
	}
	// Labels render as span.tag inside the entry heading; the normal state has none.
	if n := doc.Find(".entry h3 .tag-warn").Length(); n != 0 {
		t.Errorf("%d entries labelled 异议处理中 before any objection", n)
	}
}

func TestPublicity(t *testing.T) {
	f := mustFixture(t)
	c := newClient(t)
	for _, class := range []string{"license", "penalty"} {
		doc := c.doc("/publicity/"+class, http.StatusOK)
		rows := doc.Find("table tbody tr")
		if rows.Length() != 20 {
			t.Errorf("%s: %d rows on page 1, want 20", class, rows.Length())
		}
		if strings.Contains(text(rows), ";") {
			t.Errorf("%s: a multi-valued code shows its stored separator: %q", class, text(rows))
		}
		for _, sel := range []string{"#f-q", "#f-region", "#f-dept", "#f-from", "#f-to"} {
			if doc.Find(sel).Length() == 0 {
				t.Errorf("%s: no filter %s", class, sel)
			}
		}
		href, _ := rows.First().Find(`a[href^="/records/"]`).Attr("href")
		rec := c.doc(href, http.StatusOK)
		if rec.Find("dl.kv dt").Length() < 8 {
			t.Errorf("%s record page: %d fields", class, rec.Find("dl.kv dt").Length())
		}
		if strings.Contains(rec.Text(), "证件号码") {
			t.Errorf("%s record page shows identity numbers", class)
		}
		if class == "penalty" {
			// 公示期 “至” names the last day shown: the day before the
			// stored (exclusive) end.
			id, _ := strconv.ParseInt(strings.TrimPrefix(href, "/records/"), 10, 64)
			r, err := f.db.FindRecordByID(context.Background(), credit.RecordID(id))
			if err != nil {
				t.Fatal(err)
			}
			if r.PublicUntil != nil {
				want := "至 " + r.PublicUntil.AddDate(0, 0, -1).Format(credit.DateLayout)
				if got := text(rec.Find("dl.kv")); !strings.Contains(got, want) {
					t.Errorf("record page 公示期: want %q in %q", want, got)
				}
			}
		}
	}
	// Filters.
	dep, err := f.db.FindDepartmentByCode(context.Background(), f.depA.Code)
	if err != nil {
		t.Fatal(err)
	}
	doc := c.doc("/publicity/penalty?department="+dep.Code, http.StatusOK)
	doc.Find("table tbody tr td:nth-child(5)").Each(func(_ int, s *goquery.Selection) {
		if strings.TrimSpace(s.Text()) == "" {
			t.Errorf("row without authority")
		}
	})
	if sel, _ := doc.Find("#f-dept option[selected]").Attr("value"); sel != dep.Code {
		t.Errorf("department filter not kept: %q", sel)
	}
	region := dep.RegionCode
	doc = c.doc("/publicity/penalty?region="+region+"&from=2000-01-01&to=2099-12-31", http.StatusOK)
	if doc.Find(".alert-error").Length() > 0 {
		t.Errorf("filter error: %s", text(doc.Find(".alert-error")))
	}
	if doc.Find("table tbody tr a").Length() == 0 {
		t.Errorf("region %s: no penalties", region)
	}
	// The region filter offers only regions with a deciding department in
	// them (not all 79 of the province).
	var offered []string
	doc.Find("#f-region option").Each(func(_ int, s *goquery.Selection) {
		if v, _ := s.Attr("value"); v != "" {
			offered = append(offered, v)
		}
	})
	if len(offered) == 0 || len(offered) > 30 {
		t.Errorf("region options %v", offered)
	}
	ds, _, err := f.db.FindDepartments(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range offered {
		found := false
		for _, d := range ds {
			found = found || subject.InRegion(d.RegionCode, code)
		}
		if !found {
			t.Errorf("region %s offered without a department in it", code)
		}
	}
	doc = c.doc("/publicity/penalty?q="+url.QueryEscape(f.subjectName), http.StatusOK)
	if !strings.Contains(doc.Find("table tbody").Text(), f.subjectName) {
		t.Errorf("text filter: %s not listed", f.subjectName)
	}
	doc = c.doc("/publicity/penalty?from=bad", http.StatusBadRequest)
	if doc.Find(".alert-error").Length() == 0 {
		t.Errorf("bad date accepted")
	}
	parse(t, c.get("/publicity/registration"), http.StatusNotFound)
	parse(t, c.get("/records/999999999"), http.StatusNotFound)
}

// consolePaths are console pages that need a session.
var consolePaths = []string{
	"/console/", "/console/upload", "/console/batches", "/console/subjects", "/console/subjects/view",
	"/console/querylog", "/console/catalog", "/console/catalog/penalty", "/console/departments",
	"/console/users", "/console/users/1", "/console/password", "/console/templates/penalty.xlsx",
	"/console/batches/B1/errors.xlsx", "/console/nonexistent",
}

// writePaths are state-changing endpoints.
var writePaths = []string{
	"/console/upload", "/console/subjects/archive", "/console/departments", "/console/departments/X/keys",
	"/console/keys/1/revoke", "/console/users", "/console/users/1/reset", "/console/users/1/status",
	"/console/password", "/logout",
}

func TestConsoleRequiresLogin(t *testing.T) {
	c := newClient(t)
	for _, p := range consolePaths {
		res := c.get(p)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
			t.Errorf("GET %s without session: %d %s, want 303 to /login", p, res.StatusCode, res.Header.Get("Location"))
		}
		req, _ := http.NewRequest(http.MethodGet, c.base+p, nil)
		req.Header.Set("Accept", "application/json")
		if res := c.do(req); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s (JSON) without session: %d, want 401", p, res.StatusCode)
		}
	}
	for _, p := range writePaths {
		if res := c.post(p, url.Values{"x": {"1"}}); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST %s without session: %d, want 401", p, res.StatusCode)
		}
	}
	// Any method on any console path, registered or not.
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodPost} {
		for _, p := range []string{"/console/batches", "/console/", "/console/users/1", "/console/nothing/here"} {
			req, _ := http.NewRequest(m, c.base+p, strings.NewReader("x=1"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if res := c.do(req); res.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s without session: %d, want 401", m, p, res.StatusCode)
			}
		}
	}
	// A forged cookie is no session.
	req, _ := http.NewRequest(http.MethodGet, c.base+"/console/", nil)
	req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: "forged"})
	if res := c.do(req); res.StatusCode != http.StatusSeeOther {
		t.Errorf("forged cookie: %d, want 303", res.StatusCode)
	}
	// The JSON API: no credentials, no batches.
	if res := c.get("/api/v1/batches"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("API without credentials: %d, want 401", res.StatusCode)
	}
}

func TestLogin(t *testing.T) {
	c := newClient(t)
	doc := c.doc("/login", http.StatusOK)
	for _, name := range []string{"username", "password"} {
		if doc.Find(`form[action="/login"] input[name=`+name+`]`).Length() != 1 {
			t.Errorf("login form has no %s field", name)
		}
	}
	res := c.post("/login", url.Values{"username": {"opa"}, "password": {"wrong-password"}})
	doc = parse(t, res, http.StatusUnauthorized)
	if !strings.Contains(text(doc.Find(".alert-error")), "用户名或密码错误") {
		t.Errorf("wrong password: message %q", text(doc.Find(".alert-error")))
	}
	res = c.post("/login", url.Values{"username": {"opa"}, "password": {testPassword}, "next": {"/console/batches"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/batches" {
		t.Fatalf("login: %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	cookie := res.Header.Get("Set-Cookie")
	for _, want := range []string{web.SessionCookie + "=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("cookie over plain HTTP is Secure: %q", cookie)
	}
	// Open redirects are refused.
	res = newClient(t).post("/login", url.Values{"username": {"opa"}, "password": {testPassword}, "next": {"//evil.example/"}})
	if loc := res.Header.Get("Location"); loc != "/console/" {
		t.Errorf("next=//evil.example/: redirected to %q", loc)
	}
	// X-Forwarded-Proto from a peer that is not a trusted proxy is the
	// client's claim: ignored (TestSecureCookieBehindProxy has the proxy).
	req, _ := http.NewRequest(http.MethodPost, c.base+"/login", strings.NewReader(url.Values{"username": {"opa"}, "password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	res = newClient(t).do(req)
	if strings.Contains(res.Header.Get("Set-Cookie"), "Secure") {
		t.Errorf("cookie over plain HTTP claiming https: %q, want not Secure", res.Header.Get("Set-Cookie"))
	}
	// Logout ends the session.
	c.csrf = ""
	doc = c.doc("/console/", http.StatusOK)
	c.csrf, _ = doc.Find(`input[name=csrf_token]`).First().Attr("value")
	if res := c.postCSRF("/logout", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if res := c.get("/console/"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout: %d, want 303", res.StatusCode)
	}
}

func TestLockout(t *testing.T) {
	c := newClient(t)
	for i := 1; i <= access.MaxFailedLogins; i++ {
		res := c.post("/login", url.Values{"username": {"locked"}, "password": {"not-the-password"}})
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, res.StatusCode)
		}
	}
	res := c.post("/login", url.Values{"username": {"locked"}, "password": {testPassword}})
	doc := parse(t, res, http.StatusUnauthorized)
	if !strings.Contains(text(doc.Find(".alert-error")), "锁定") {
		t.Errorf("locked account: message %q", text(doc.Find(".alert-error")))
	}
}

func TestCSRF(t *testing.T) {
	c := login(t, "admin")
	form := url.Values{"code": {"12220000MB1234567X"}, "name": {"测试部门"}, "region": {"220100"}}
	// No token.
	if res := c.post("/console/departments", form); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST without CSRF token: %d, want 403", res.StatusCode)
	}
	// A wrong token.
	bad := url.Values{"csrf_token": {"wrong"}}
	for k, v := range form {
		bad[k] = v
	}
	if res := c.post("/console/departments", bad); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST with a wrong CSRF token: %d, want 403", res.StatusCode)
	}
	// Multipart upload without a token.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("class", "penalty")
	fw, _ := mw.CreateFormFile("file", "x.csv")
	fw.Write([]byte("a,b\n1,2\n"))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+"/console/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if res := c.do(req); res.StatusCode != http.StatusForbidden {
		t.Errorf("upload without CSRF token: %d, want 403", res.StatusCode)
	}
	// Cross-origin browser request, even with the token.
	good := url.Values{"csrf_token": {c.csrf}}
	for k, v := range form {
		good[k] = v
	}
	req, _ = http.NewRequest(http.MethodPost, c.base+"/console/departments", strings.NewReader(good.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res := c.do(req); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin POST: %d, want 403", res.StatusCode)
	}
	// Logout without a token is refused too.
	if res := c.post("/logout", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("logout without CSRF token: %d, want 403", res.StatusCode)
	}
	// The JSON API ignores a session cookie on writes without the token.
	req, _ = http.NewRequest(http.MethodPost, c.base+"/api/v1/batches?class=penalty&department="+mustFixture(t).depA.Code, strings.NewReader("a,b\n1,2\n"))
	req.Header.Set("Content-Type", "text/csv")
	if res := c.do(req); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("API POST with cookie and no token: %d, want 401", res.StatusCode)
	}
	// ...and accepts it on reads.
	req, _ = http.NewRequest(http.MethodGet, c.base+"/api/v1/batches", nil)
	if res := c.do(req); res.StatusCode != http.StatusOK {
		t.Errorf("API GET with session cookie: %d, want 200", res.StatusCode)
	}
}

// badCSV returns a penalty CSV of depA with good rows and rows that each
// break one rule.
func badCSV(t testing.TB, good int) ([]byte, int) {
	f := mustFixture(t)
	cat, err := f.db.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c, _ := cat.Class("penalty")
	var b bytes.Buffer
	writeRow(&b, c, nil)
	n := 0
	err = demo.New(99, 600).Rows("penalty", 400, f.asOf, func(i int, d demo.Department, row map[string]string) error {
		if n >= good {
			return nil
		}
		row["CF_SJLY"], row["CF_SJLYDM"] = f.depA.Name, f.depA.Code
		writeRow(&b, c, row)
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for _, kind := range []string{"missing_wsh", "bad_uscc_check", "future_date", "fine_missing"} {
		row := f.gen.BadRow(kind, f.depA, f.asOf)
		writeRow(&b, c, row)
		bad++
	}
	return b.Bytes(), bad
}

// upload posts a file to the console as c and returns the response.
func (c *client) upload(class, department, name string, data []byte) *http.Response {
	c.tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", c.csrf)
	mw.WriteField("class", class)
	if department != "" {
		mw.WriteField("department", department)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+"/console/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

func TestUploadReceiptAndErrors(t *testing.T) {
	f := mustFixture(t)
	a := login(t, "opa")
	doc := a.doc("/console/upload", http.StatusOK)
	if doc.Find(`#upload-form input[type=file][name=file]`).Length() != 1 || doc.Find("progress#upload-bar").Length() != 1 {
		t.Fatalf("upload form incomplete")
	}
	if doc.Find(`select[name=department]`).Length() != 0 {
		t.Errorf("a department user is offered other departments")
	}
	data, bad := badCSV(t, 5)
	res := a.upload("penalty", "", "处罚.csv", data)
	if res.StatusCode != http.StatusSeeOther {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("upload: %d\n%s", res.StatusCode, trimBody(body))
	}
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, "/console/batches/B") {
		t.Fatalf("upload redirected to %q", loc)
	}
	doc = a.doc(loc, http.StatusOK)
	figures := text(doc.Find(".figures"))
	if !strings.Contains(figures, "9总行数") || !strings.Contains(figures, "4拒绝") {
		t.Errorf("receipt figures %q; want 9 rows, %d rejected", figures, bad)
	}
	if strings.Contains(text(doc.Find("main")), "没有数据行") {
		t.Errorf("a file with rows is said to have none")
	}
	// Only a header: done, and the receipt says there was nothing to read
	// (no 0.0 % accuracy).
	header, _, _ := bytes.Cut(data, []byte("\n"))
	if res := a.upload("penalty", "", "空表.csv", append(header, '\n')); res.StatusCode == http.StatusSeeOther {
		empty := a.doc(res.Header.Get("Location"), http.StatusOK)
		if !strings.Contains(text(empty.Find("main")), "文件中没有数据行") || strings.Contains(text(empty.Find(".figures")), "0.0%") {
			t.Errorf("header-only receipt: %q", text(empty.Find("main")))
		}
	} else {
		t.Errorf("header-only upload: %d", res.StatusCode)
	}
	if doc.Find(".alert-ok").Length() == 0 {
		t.Errorf("no upload confirmation")
	}
	if n := doc.Find("table tbody tr").Length(); n < bad {
		t.Errorf("%d error rows listed, want at least %d", n, bad)
	}
	href, ok := doc.Find("#download-errors").Attr("href")
	if !ok {
		t.Fatal("no error sheet link")
	}
	res = a.get(href)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("error sheet: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	x, err := excelize.OpenReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != bad+1 {
		t.Errorf("error sheet: %d rows, want %d", len(rows), bad+1)
	}
	head := strings.Join(rows[0], ",")
	if !strings.Contains(head, "行政处罚决定书文号") || !strings.HasSuffix(head, "行号,错误信息") {
		t.Errorf("error sheet header %q", head)
	}
	for _, r := range rows[1:] {
		if r[len(r)-1] == "" {
			t.Errorf("error row without message: %v", r)
		}
	}
	// The raw file comes back as sent.
	res = a.get(strings.TrimSuffix(href, "/errors.xlsx") + "/raw")
	raw, _ := io.ReadAll(res.Body)
	if !bytes.Equal(raw, data) {
		t.Errorf("raw file differs from the upload (%d vs %d bytes)", len(raw), len(data))
	}
	// A stored file that cannot be read back (here its chunk altered in the
	// database) is an error page, not a 200 download cut short.
	batchID := path.Base(path.Dir(href))
	behind, err := sql.Open("sqlite", f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer behind.Close()
	var sealed []byte
	if err := behind.QueryRow(`SELECT data FROM batch_chunks WHERE batch_id = $1 AND seq = 0`, batchID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	broken := bytes.Clone(sealed)
	broken[len(broken)-1] ^= 1
	if _, err := behind.Exec(`UPDATE batch_chunks SET data = $1 WHERE batch_id = $2 AND seq = 0`, broken, batchID); err != nil {
		t.Fatal(err)
	}
	res = a.get(strings.TrimSuffix(href, "/errors.xlsx") + "/raw")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), "系统") {
		t.Errorf("unreadable raw file: %d, %d bytes; want 500 with an error page", res.StatusCode, len(body))
	}
	if _, err := behind.Exec(`UPDATE batch_chunks SET data = $1 WHERE batch_id = $2 AND seq = 0`, sealed, batchID); err != nil {
		t.Fatal(err)
	}
	// Batch history shows it.
	doc = a.doc("/console/batches?class=penalty", http.StatusOK)
	if !strings.Contains(doc.Find("table").Text(), strings.TrimPrefix(loc, "/console/batches/")[:10]) {
		t.Errorf("batch history does not list the new batch")
	}
	// The dashboard counts it.
	doc = a.doc("/console/", http.StatusOK)
	if v := text(doc.Find(".figure .value").First()); v == "0" {
		t.Errorf("dashboard: 今日批次 = %s", v)
	}
	// It warns while the working-day calendar lacks the coming year: a
	// department user that the administrators load it.
	if y, got := f.db.UncoveredYear(), text(doc.Find(".calendar-warning")); (y == 0) != (got == "") ||
		y != 0 && (!strings.Contains(got, fmt.Sprintf("%d年的放假安排", y)) || !strings.Contains(got, "由平台管理员录入")) {
		t.Errorf("dashboard calendar warning %q for uncovered year %d", got, y)
	}
	// An administrator is told what to do, in the words of the server's log.
	if got := text(login(t, "admin").doc("/console/", http.StatusOK).Find(".calendar-warning")); got != f.db.CalendarWarning() {
		t.Errorf("administrator's calendar warning %q, want %q", got, f.db.CalendarWarning())
	}

	// A second department's operator cannot see the batch (403).
	b := login(t, "opb")
	for _, p := range []string{loc, href, strings.TrimSuffix(href, "/errors.xlsx") + "/raw"} {
		res := b.get(p)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("other department GET %s: %d, want 403", p, res.StatusCode)
		}
	}
	doc = b.doc("/console/batches", http.StatusOK)
	if strings.Contains(doc.Find("table").Text(), f.depA.Name) {
		t.Errorf("other department's batch history lists %s", f.depA.Name)
	}
	// ...nor submit for it.
	res = b.upload("penalty", f.depA.Code, "x.csv", data)
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("upload for another department: %d, want 403", res.StatusCode)
	}

	// An admin uploads for a department it chooses.
	adm := login(t, "admin")
	doc = adm.doc("/console/upload", http.StatusOK)
	if doc.Find(`select[name=department] option[value="`+f.depA.Code+`"]`).Length() != 1 {
		t.Errorf("province admin is not offered %s", f.depA.Name)
	}
	res = adm.upload("penalty", f.depA.Code, "again.csv", data)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin upload: %d", res.StatusCode)
	}
	doc = adm.doc(res.Header.Get("Location"), http.StatusOK)
	if !strings.Contains(text(doc.Find(".figures")), "5重复") {
		t.Errorf("re-sent rows are not duplicates: %q", text(doc.Find(".figures")))
	}
	// Without a department the form explains.
	res = adm.upload("penalty", "", "x.csv", data)
	doc = parse(t, res, http.StatusBadRequest)
	if doc.Find(".alert-error").Length() == 0 {
		t.Errorf("admin upload without department: no message")
	}
	// Without a file too.
	res = a.upload("penalty", "", "", nil)
	parse(t, res, http.StatusBadRequest)
}

func TestTemplate(t *testing.T) {
	a := login(t, "opa")
	for _, class := range []string{"penalty", "license", "registration"} {
		res := a.get("/console/templates/" + class + ".xlsx")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s template: %d", class, res.StatusCode)
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''") {
			t.Errorf("Content-Disposition %q", cd)
		}
		x, err := excelize.OpenReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		if x.GetSheetName(0) != "数据" {
			t.Errorf("%s template: first sheet %q", class, x.GetSheetName(0))
		}
		rows, _ := x.GetRows("数据")
		if len(rows) == 0 || len(rows[0]) < 10 {
			t.Fatalf("%s template: header row %v", class, rows)
		}
		dvs, err := x.GetDataValidations("数据")
		if err != nil || len(dvs) == 0 {
			t.Errorf("%s template: no drop-downs (%v)", class, err)
		}
	}
	if res := a.get("/console/templates/judicial.xlsx"); res.StatusCode != http.StatusNotFound {
		t.Errorf("template of a class that cannot be imported: %d", res.StatusCode)
	}
	// The template round-trips: filled in with demo rows, it imports.
	f := mustFixture(t)
	res := a.get("/console/templates/penalty.xlsx")
	x, err := excelize.OpenReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	headers, _ := x.GetRows("数据")
	cat, _ := f.db.Catalog(context.Background())
	c, _ := cat.Class("penalty")
	n := 0
	demo.New(98, 600).Rows("penalty", 3, f.asOf, func(i int, d demo.Department, row map[string]string) error {
		row["CF_SJLY"], row["CF_SJLYDM"] = f.depA.Name, f.depA.Code
		n++
		for j, h := range headers[0] {
			fld, _ := c.FieldByHeader(h)
			cell, _ := excelize.CoordinatesToCellName(j+1, n+1)
			x.SetCellStr("数据", cell, row[fld.Code])
		}
		return nil
	})
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	res = a.upload("penalty", "", "模板.xlsx", buf.Bytes())
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("filled template: %d", res.StatusCode)
	}
	doc := a.doc(res.Header.Get("Location"), http.StatusOK)
	if got := text(doc.Find(".figures")); !strings.Contains(got, "3总行数") || !strings.Contains(got, "3接收") {
		t.Errorf("filled template rejected rows: %s", got)
	}
}

func TestGovernmentViewAndQueryLog(t *testing.T) {
	f := mustFixture(t)
	a := login(t, "opb")
	doc := a.doc("/console/subjects?q="+url.QueryEscape(f.subjectCode[:8]), http.StatusOK)
	if doc.Find(`a[href^="/console/subjects/view?code="]`).Length() == 0 {
		t.Errorf("lookup by code prefix: no results")
	}
	doc = a.doc("/console/subjects/view?code="+f.subjectCode, http.StatusOK)
	if !strings.Contains(doc.Text(), f.subjectName) || doc.Find(`select[name=reason]`).Length() != 1 {
		t.Fatalf("purpose form incomplete")
	}
	// No purpose: refused, nothing logged.
	res := a.postCSRF("/console/subjects/archive", url.Values{"code": {f.subjectCode}})
	parse(t, res, http.StatusBadRequest)
	res = a.postCSRF("/console/subjects/archive", url.Values{"code": {f.subjectCode}, "reason": {"其他"}})
	parse(t, res, http.StatusBadRequest)
	// With a purpose.
	res = a.postCSRF("/console/subjects/archive", url.Values{"code": {f.subjectCode}, "reason": {"行政许可审批"}, "note": {"审批事项2026-001"}})
	doc = parse(t, res, http.StatusOK)
	if !strings.Contains(text(doc.Find(".alert-info")), "行政许可审批：审批事项2026-001") {
		t.Errorf("archive page does not confirm the logged purpose")
	}
	if doc.Find(".entry details dl dt").Length() == 0 {
		t.Errorf("government view shows no fields")
	}
	// The department user cannot read the query log; the admin can.
	if res := a.get("/console/querylog"); res.StatusCode != http.StatusForbidden {
		t.Errorf("department user GET /console/querylog: %d, want 403", res.StatusCode)
	}
	adm := login(t, "admin")
	doc = adm.doc("/console/querylog?subject="+f.subjectCode+"&purpose="+url.QueryEscape("审批事项2026-001"), http.StatusOK)
	rows := doc.Find("table tbody tr")
	if rows.Length() != 1 || !strings.Contains(text(rows), "opb") || !strings.Contains(text(rows), f.depB.Name) {
		t.Errorf("query log: %q", text(rows))
	}
	// A read in the console is labelled as one, not as an upload.
	if row := text(rows); !strings.Contains(row, "管理端") || strings.Contains(row, "上传") {
		t.Errorf("query log channel: %q, want 管理端", row)
	}
	if row := text(rows); !strings.Contains(row, "信用档案") {
		t.Errorf("query log: %q, want what was read (信用档案)", row)
	}
	// The public page never logs.
	newClient(t).doc("/subjects/"+f.subjectCode, http.StatusOK)
	entries, total, err := f.db.FindQueryLog(credit.NewContextWithActor(context.Background(), credit.System), access.QueryLogFilter{Purpose: "审批事项2026-001"})
	if err != nil || total != 1 || entries[0].Channel != "web" {
		t.Errorf("query log entries %d (%v), want 1 from web", total, err)
	}
	// An auditor reads the log but uploads nothing.
	aud := login(t, "auditor")
	aud.doc("/console/querylog", http.StatusOK)
	if res := aud.get("/console/upload"); res.StatusCode != http.StatusForbidden {
		t.Errorf("auditor GET /console/upload: %d, want 403", res.StatusCode)
	}
}

func TestAdministration(t *testing.T) {
	f := mustFixture(t)
	adm := login(t, "admin")
	// A new department.
	code := fixUSCC(t, "11220100MB000000")
	res := adm.postCSRF("/console/departments", url.Values{"code": {code}, "name": {"长春市测试局"}, "region": {"220100"}, "kind": {"market"}})
	if res.StatusCode != http.StatusSeeOther {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("create department: %d %s", res.StatusCode, trimBody(body))
	}
	doc := adm.doc("/console/departments?q="+url.QueryEscape("测试局")+"&region=220100", http.StatusOK)
	if rows := doc.Find("table tbody tr"); rows.Length() != 1 || !strings.Contains(text(rows), "长春市测试局") {
		t.Errorf("filtered departments: %q, want the new one only", text(rows))
	}
	// Hundreds of departments come a page at a time.
	doc = adm.doc("/console/departments", http.StatusOK)
	_, n, err := f.db.FindDepartments(context.Background(), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if rows := doc.Find("table tbody tr").Length(); rows != min(n, 50) || (n > 50) != (doc.Find("nav.pager a[rel=next]").Length() == 1) {
		t.Errorf("departments page 1: %d rows of %d, next link %d", rows, n, doc.Find("nav.pager a[rel=next]").Length())
	}
	res = adm.postCSRF("/console/departments", url.Values{"code": {"bad"}, "name": {"x"}, "region": {"220100"}})
	parse(t, res, http.StatusBadRequest)
	// An API key.
	res = adm.postCSRF("/console/departments/"+code+"/keys", url.Values{"scope": {"ingest", "verify"}})
	doc = parse(t, res, http.StatusOK)
	secret := text(doc.Find("#secret"))
	if !strings.HasPrefix(secret, access.KeyPrefix) {
		t.Fatalf("API key page shows %q", secret)
	}
	req, _ := http.NewRequest(http.MethodGet, f.url+"/api/v1/batches", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	if res := adm.do(req); res.StatusCode != http.StatusOK {
		t.Errorf("new API key: %d", res.StatusCode)
	}
	doc = adm.doc("/console/departments/"+code, http.StatusOK)
	action, _ := doc.Find(`form[action^="/console/keys/"]`).Attr("action")
	if res := adm.postCSRF(action, url.Values{"department": {code}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if res := adm.do(req.Clone(context.Background())); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked API key: %d, want 401", res.StatusCode)
	}
	// A user for it, who can then sign in with the one-time password.
	res = adm.postCSRF("/console/users", url.Values{"username": {"newop"}, "display_name": {"新操作员"}, "role": {"department"}, "department": {code}})
	doc = parse(t, res, http.StatusOK)
	otp := text(doc.Find("#secret"))
	if len(otp) < 10 {
		t.Fatalf("one-time password %q", otp)
	}
	nc := newClient(t)
	if res := nc.post("/login", url.Values{"username": {"newop"}, "password": {otp}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with one-time password: %d", res.StatusCode)
	}
	// … and must change it first (TestOneTimePasswordMustChange).
	if res := nc.get("/console/"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/password" {
		t.Errorf("dashboard with a one-time password: %d → %q, want 303 → /console/password", res.StatusCode, res.Header.Get("Location"))
	}
	doc = nc.doc("/console/password", http.StatusOK)
	if !strings.Contains(doc.Find(".alert-info").Text(), "请先修改一次性密码") {
		t.Errorf("no reason to change the one-time password")
	}
	// A region admin cannot create a province admin, nor see users elsewhere.
	reg := login(t, "region")
	res = reg.postCSRF("/console/users", url.Values{"username": {"boss"}, "role": {"province"}})
	parse(t, res, http.StatusForbidden)
	doc = reg.doc("/console/users", http.StatusOK)
	if strings.Contains(doc.Find("table").Text(), "admin") {
		t.Errorf("region admin sees the province admin")
	}
	// Department users have no administration.
	op := login(t, "opa")
	for _, p := range []string{"/console/users", "/console/departments"} {
		if res := op.get(p); res.StatusCode != http.StatusForbidden {
			t.Errorf("department user GET %s: %d, want 403", p, res.StatusCode)
		}
	}
	res = op.postCSRF("/console/users", url.Values{"username": {"sneaky"}, "role": {"province"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("department user creating a user: %d, want 403", res.StatusCode)
	}
}

// fixUSCC completes a 16-character prefix with both check characters.
func fixUSCC(t *testing.T, prefix16 string) string { return subjecttest.USCC(t, prefix16) }

// TestOneTimePasswordMustChange: a user signed in with a one-time password
// (new account or reset) can do nothing but change it.
func TestOneTimePasswordMustChange(t *testing.T) {
	f := mustFixture(t)
	sys := credit.NewContextWithActor(context.Background(), credit.System)
	u := &access.User{Username: "newcomer", DisplayName: "新用户", Role: credit.RoleProvince}
	oneTime, err := f.db.CreateUser(sys, u, "")
	if err != nil || oneTime == "" {
		t.Fatalf("CreateUser: %q, %v", oneTime, err)
	}
	c := newClient(t)
	if res := c.post("/login", url.Values{"username": {"newcomer"}, "password": {oneTime}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	for _, path := range []string{"/console/", "/console/verify", "/console/users"} {
		res := c.get(path)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/password" {
			t.Errorf("GET %s with a one-time password: %d → %q, want 303 → /console/password", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	doc := c.doc("/console/password", http.StatusOK)
	c.csrf, _ = doc.Find(`input[name=csrf_token]`).First().Attr("value")
	if !strings.Contains(doc.Text(), "请先修改一次性密码") {
		t.Errorf("password page does not say why")
	}
	res := c.postCSRF("/console/departments", url.Values{"code": {"91220101MA0L230131"}, "name": {"某部门"}, "region": {"220100"}})
	if doc := parse(t, res, http.StatusForbidden); !strings.Contains(doc.Text(), "请先修改一次性密码") {
		t.Errorf("POST with a one-time password: no Chinese reason")
	}
	// The JSON API ignores the session until the password is changed.
	req, _ := http.NewRequest(http.MethodGet, f.url+"/api/v1/batches", nil)
	if res := c.do(req); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("API with the session of a one-time password: %d, want 401", res.StatusCode)
	}
	res = c.postCSRF("/console/password", url.Values{"old_password": {oneTime}, "new_password": {"Fresh-Start-2026x"}, "confirm_password": {"Fresh-Start-2026x"}})
	parse(t, res, http.StatusOK)
	c.doc("/console/", http.StatusOK)
	if res := c.do(req); res.StatusCode != http.StatusOK {
		t.Errorf("API after the change: %d, want 200", res.StatusCode)
	}
}

func TestPasswordChange(t *testing.T) {
	c := login(t, "changer")
	res := c.postCSRF("/console/password", url.Values{"old_password": {testPassword}, "new_password": {"short"}, "confirm_password": {"short"}})
	parse(t, res, http.StatusBadRequest)
	res = c.postCSRF("/console/password", url.Values{"old_password": {testPassword}, "new_password": {"Another-Passw0rd"}, "confirm_password": {"Another-Passw0rd-x"}})
	parse(t, res, http.StatusBadRequest)
	res = c.postCSRF("/console/password", url.Values{"old_password": {testPassword}, "new_password": {"Another-Passw0rd"}, "confirm_password": {"Another-Passw0rd"}})
	doc := parse(t, res, http.StatusOK)
	if doc.Find(".alert-ok").Length() == 0 {
		t.Errorf("no confirmation")
	}
	if res := newClient(t).post("/login", url.Values{"username": {"changer"}, "password": {testPassword}}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("old password still works: %d", res.StatusCode)
	}
	if res := newClient(t).post("/login", url.Values{"username": {"changer"}, "password": {"Another-Passw0rd"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("new password: %d", res.StatusCode)
	}
	// The session that changed it lives on.
	c.doc("/console/", http.StatusOK)
}

func TestNotFoundAndHeaders(t *testing.T) {
	c := newClient(t)
	res := c.get("/no/such/page")
	doc := parse(t, res, http.StatusNotFound)
	if !strings.Contains(doc.Find("title").Text(), "未找到") {
		t.Errorf("404 title %q", doc.Find("title").Text())
	}
	res = c.get("/")
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	res = c.get("/static/style.css")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Errorf("style.css: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// TestPortalIgnoresSession checks that a signed-in government user browsing
// the public portal reads as the public: nothing is logged.
func TestPortalIgnoresSession(t *testing.T) {
	f := mustFixture(t)
	a := login(t, "opa")
	sys := credit.NewContextWithActor(context.Background(), credit.System)
	sub, err := f.db.FindSubjectByCode(sys, f.subjectCode)
	if err != nil {
		t.Fatal(err)
	}
	_, before, _ := f.db.FindQueryLog(sys, access.QueryLogFilter{SubjectID: &sub.ID})
	a.doc("/subjects/"+f.subjectCode, http.StatusOK)
	_, after, _ := f.db.FindQueryLog(sys, access.QueryLogFilter{SubjectID: &sub.ID})
	if after != before {
		t.Errorf("the public subject page wrote the query log (%d → %d)", before, after)
	}
}

// TestPersonArchive checks the government view of a natural person: found
// by the full citizen ID typed into the form (never put in a URL), shown
// masked; the public never finds persons.
func TestPersonArchive(t *testing.T) {
	f := mustFixture(t)
	sys := credit.NewContextWithActor(context.Background(), credit.System)
	var id string
	for i := range f.gen.Subjects() {
		s := f.gen.Subject(i)
		if s.Type != string(subject.Person) {
			continue
		}
		if _, err := f.db.FindSubjectByCode(sys, s.CitizenID); err == nil {
			id = s.CitizenID
			break
		}
	}
	if id == "" {
		t.Skip("no person with records in the fixture")
	}
	a := login(t, "opa")
	doc := a.doc("/console/subjects/view", http.StatusOK)
	if doc.Find(`input[name=code]`).Length() != 1 {
		t.Fatal("no code field on the purpose form")
	}
	person, err := f.db.FindSubjectByCode(sys, id)
	if err != nil {
		t.Fatal(err)
	}
	// Before the read is logged with its purpose, nothing of the person is
	// shown: not by the ID in the address, nor on the form's error page.
	logged := func() int {
		var n int
		if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM query_log`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := logged()
	for _, res := range []*http.Response{
		a.get("/console/subjects/view?code=" + id),
		a.postCSRF("/console/subjects/archive", url.Values{"code": {id}, "reason": {""}}),
	} {
		page := text(parse(t, res, res.StatusCode).Find("main"))
		if strings.Contains(page, person.Name) || strings.Contains(page, id) {
			t.Errorf("%s %s shows the person (%s) before the purpose is given: %q", res.Request.Method, res.Request.URL.Path, person.Name, page)
		}
	}
	if n := logged(); n != before {
		t.Errorf("query log %d → %d rows without a read", before, n)
	}
	res := a.postCSRF("/console/subjects/archive", url.Values{"code": {id}, "reason": {"日常监管和执法检查"}})
	doc = parse(t, res, http.StatusOK)
	body := doc.Find("main").Text()
	if strings.Contains(body, id) {
		t.Errorf("the government view shows the full citizen ID")
	}
	if !strings.Contains(body, id[:6]) || !strings.Contains(body, "*") {
		t.Errorf("the government view does not show the masked citizen ID")
	}
	// The public: not found, by search or by page.
	c := newClient(t)
	parse(t, c.get("/subjects/"+id), http.StatusNotFound)
	doc = c.doc("/search?q="+id, http.StatusOK)
	if doc.Find("table tbody tr").Length() != 0 {
		t.Errorf("the public finds a person by citizen ID")
	}
}

// TestAPIKeyScopesAndLimit: the console creates a key with the chosen
// scopes and rate limit, lists them, and the API enforces both.
func TestAPIKeyScopesAndLimit(t *testing.T) {
	f := mustFixture(t)
	adm := login(t, "admin")
	code := f.depB.Code
	doc := adm.doc("/console/departments/"+code, http.StatusOK)
	var labels []string
	doc.Find(`input[name=scope]`).Each(func(_ int, s *goquery.Selection) {
		label := text(s.Parent())
		if _, checked := s.Attr("checked"); checked {
			label += " ✓"
		}
		labels = append(labels, label)
	})
	if got, want := strings.Join(labels, "|"), "数据报送 ingest ✓|信用核查 verify ✓|数据共享 share|信易贷 finance"; got != want {
		t.Errorf("scope checkboxes = %q, want %q", got, want)
	}
	if v, _ := doc.Find(`input[name=rate]`).Attr("value"); v != "100" {
		t.Errorf("default rate = %q, want 100", v)
	}
	if v, _ := doc.Find(`input[name=burst]`).Attr("value"); v != "200" {
		t.Errorf("default burst = %q, want 200", v)
	}

	// Bad input is refused with a Chinese message.
	for _, test := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"scope": {"ingest", "admin"}}, "未知的API密钥权限范围“admin”，可选：数据报送（ingest）、信用核查（verify）、数据共享（share）、信易贷（finance）"},
		{url.Values{"scope": {}}, "请至少选择一项密钥权限范围"},
		{url.Values{"scope": {"verify"}, "rate": {"快"}}, "每秒请求数应为数字"},
		{url.Values{"scope": {"verify"}, "rate": {"5"}, "burst": {"0"}}, "限速时突发请求数至少为1"},
	} {
		res := adm.postCSRF("/console/departments/"+code+"/keys", test.form)
		if page := text(parse(t, res, http.StatusBadRequest).Find("main")); !strings.Contains(page, test.want) {
			t.Errorf("%v: page %q does not say %q", test.form, page, test.want)
		}
	}

	// A verify-only key, 1 request/s with a burst of 2.
	res := adm.postCSRF("/console/departments/"+code+"/keys", url.Values{"scope": {"verify"}, "rate": {"1"}, "burst": {"2"}})
	doc = parse(t, res, http.StatusOK)
	secret := text(doc.Find("#secret"))
	if !strings.HasPrefix(secret, access.KeyPrefix) {
		t.Fatalf("API key page shows %q", secret)
	}
	if page := text(doc.Find("main")); !strings.Contains(page, "信用核查（verify）") || !strings.Contains(page, "每秒1次，突发2次") {
		t.Errorf("secret page does not state scopes and limit: %q", page)
	}
	doc = adm.doc("/console/departments/"+code, http.StatusOK)
	prefix := secret[:len(access.KeyPrefix)+6]
	var row *goquery.Selection
	doc.Find("tr").Each(func(_ int, s *goquery.Selection) {
		if strings.HasPrefix(text(s.Find("td.code")), prefix) {
			row = s
		}
	})
	if row == nil {
		t.Fatalf("key %s not listed", prefix)
	}
	if got := text(row.Find(".key-scopes")); got != "信用核查（verify）" {
		t.Errorf("listed scopes %q", got)
	}
	if got := text(row.Find(".key-limit")); got != "每秒1次，突发2次" {
		t.Errorf("listed limit %q", got)
	}
	api := func() (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, f.url+"/api/v1/batches", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		res := adm.do(req)
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}
	// No ingest scope: 403 naming it; then the burst is used up: 429.
	res, body := api()
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "数据报送（ingest）") {
		t.Errorf("verify key lists batches: %d %s, want 403 naming ingest", res.StatusCode, body)
	}
	// Burst 2 at 1/s: refused long before 50 requests (unless they took 48 s).
	for range 50 {
		res, body = api()
		if res.StatusCode == http.StatusTooManyRequests {
			break
		}
	}
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "请求过于频繁") {
		t.Errorf("over the limit: %d Retry-After %q %s, want 429", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
}

// TestUploadBrokenForm checks that a multipart body the console cannot
// read (garbage, or a file part without its closing boundary: an upload
// that broke off) is refused with a 400 and a Chinese message (storage's
// TestBatchUploadBrokenOff checks that nothing is kept).
func TestUploadBrokenForm(t *testing.T) {
	mustFixture(t)
	a := login(t, "opa")
	data, _ := badCSV(t, 1)
	var open bytes.Buffer
	mw := multipart.NewWriter(&open)
	mw.WriteField("csrf_token", a.csrf)
	mw.WriteField("class", "penalty")
	fw, _ := mw.CreateFormFile("file", "中断.csv")
	fw.Write(data)
	for name, body := range map[string]struct {
		ctype string
		body  io.Reader
	}{
		"garbage":    {"multipart/form-data; boundary=xx", strings.NewReader("garbage")},
		"broken off": {mw.FormDataContentType(), &open},
	} {
		req, _ := http.NewRequest(http.MethodPost, a.base+"/console/upload", body.body)
		req.Header.Set("Content-Type", body.ctype)
		req.Header.Set("X-CSRF-Token", a.csrf)
		res := a.do(req)
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(page), "文件未保存") {
			t.Errorf("%s: %d\n%s", name, res.StatusCode, trimBody(page))
		}
	}
}

// TestUploadFailedReceipt: a file stored but not processable (a required
// column missing) gets an error banner with the reason, not the green
// “处理完毕” and not “没有被拒绝的行”.
func TestUploadFailedReceipt(t *testing.T) {
	mustFixture(t)
	a := login(t, "opa")
	res := a.upload("penalty", "", "缺列.csv", []byte("行政相对人名称,行政处罚决定书文号\n长春某某有限公司,长市监罚〔2026〕1号\n"))
	if res.StatusCode != http.StatusSeeOther {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("upload: %d\n%s", res.StatusCode, trimBody(body))
	}
	doc := a.doc(res.Header.Get("Location"), http.StatusOK)
	if doc.Find(".alert-ok").Length() != 0 || !strings.Contains(text(doc.Find(".alert-error")), "未能处理") ||
		strings.Contains(text(doc.Find("main")), "本批次没有被拒绝的行") {
		t.Errorf("failed batch's receipt: ok %q, error %q", text(doc.Find(".alert-ok")), text(doc.Find(".alert-error")))
	}
}
