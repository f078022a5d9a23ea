package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/web"
)

// body reads res's body (closed by the client's cleanup).
func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestVerifyUnreadableForm: a 信用核查 form whose body cannot be read
// (over the upload limit, or cut off before its closing boundary) is told
// so, although its token is in the body and not in a header; a readable
// form without a valid token is still refused.
func TestVerifyUnreadableForm(t *testing.T) {
	mustFixture(t)
	b := login(t, "opb")
	form := func(token string, file []byte, closeIt bool) (string, *bytes.Buffer) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		if token != "" {
			mw.WriteField("csrf_token", token)
		}
		mw.WriteField("scenario", "政府采购")
		mw.WriteField("purpose", "某某采购项目供应商资格审查")
		mw.WriteField("subjects", "")
		fw, _ := mw.CreateFormFile("file", "名单.csv")
		fw.Write(file)
		if closeIt {
			mw.Close()
		}
		return mw.FormDataContentType(), &buf
	}
	big := bytes.Repeat([]byte("91220101MA0L100000,长春某某有限公司\n"), (9<<20)/40+1)
	for _, test := range []struct {
		name    string
		token   string
		file    []byte
		closeIt bool
		status  int
		want    string
	}{
		{"too large", b.csrf, big, true, http.StatusRequestEntityTooLarge, "上传文件超过8 MB上限"},
		{"cut off", b.csrf, []byte("91220101MA0L100000\n"), false, http.StatusBadRequest, "表单不完整"},
		{"no token", "", []byte("91220101MA0L100000\n"), true, http.StatusForbidden, "安全令牌"},
		{"wrong token", "x" + b.csrf, []byte("91220101MA0L100000\n"), true, http.StatusForbidden, "安全令牌"},
	} {
		ctype, buf := form(test.token, test.file, test.closeIt)
		req, _ := http.NewRequest(http.MethodPost, b.base+"/console/verify", buf)
		req.Header.Set("Content-Type", ctype)
		res := b.do(req)
		page := body(t, res)
		if res.StatusCode != test.status || !strings.Contains(page, test.want) {
			t.Errorf("%s: %d, want %d with %q\n%s", test.name, res.StatusCode, test.status, test.want, trimBody([]byte(page)))
		}
	}
}

// TestFormNotUTF8: a form value (or a query parameter) that is not UTF-8
// text is refused with 400 naming its field, not stored as U+FFFD.
func TestFormNotUTF8(t *testing.T) {
	f := mustFixture(t)
	admin := login(t, "admin")
	dep, err := f.db.FindDepartmentByCode(credit.NewContextWithActor(context.Background(), credit.System), f.depB.Code)
	if err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		name string
		res  func() *http.Response
		want string
	}{
		{"department name", func() *http.Response {
			return admin.postCSRF("/console/departments", url.Values{"code": {dep.Code}, "name": {"\xff\xfe"}, "region": {dep.RegionCode}})
		}, "“部门名称”含有无法识别的字符（须为UTF-8文本）"},
		{"user display name", func() *http.Response {
			return admin.postCSRF("/console/users", url.Values{"username": {"utf8test"}, "display_name": {"\xff"}, "role": {"auditor"}})
		}, "“姓名”含有无法识别的字符"},
		{"token in the header", func() *http.Response {
			req, _ := http.NewRequest(http.MethodPost, admin.base+"/console/users", strings.NewReader("username=utf8test&display_name=%ff&role=auditor"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-CSRF-Token", admin.csrf)
			return admin.do(req)
		}, "“姓名”含有无法识别的字符"},
		{"login", func() *http.Response {
			return newClient(t).post("/login", url.Values{"username": {"ad\xffmin"}, "password": {testPassword}})
		}, "“用户名”含有无法识别的字符"},
		{"portal query", func() *http.Response { return newClient(t).get("/search?q=%ff%fe") }, "含有无法识别的字符"},
		{"console query", func() *http.Response { return admin.get("/console/users?q=%ff") }, "含有无法识别的字符"},
	} {
		res := test.res()
		page := body(t, res)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, test.want) {
			t.Errorf("%s: %d, want 400 with %q\n%s", test.name, res.StatusCode, test.want, trimBody([]byte(page)))
		}
	}
	if d, err := f.db.FindDepartmentByCode(credit.NewContextWithActor(context.Background(), credit.System), dep.Code); err != nil || d.Name != dep.Name {
		t.Errorf("department renamed to %q (%v)", d.Name, err)
	}
}

// TestFilterErrorsAre400: a page whose filter or search form was filled
// wrongly says so with 400, and keeps its form to correct the query.
func TestFilterErrorsAre400(t *testing.T) {
	mustFixture(t)
	pub := newClient(t)
	admin := login(t, "admin")
	for _, test := range []struct {
		c    *client
		path string
		want string
	}{
		{pub, "/search?q=a", ""},
		{pub, "/publicity/penalty?from=2026-02-30", "开始日期"},
		{pub, "/publicity/penalty?region=abc", "地区"},
		{pub, "/lists/black?q=%00", ""},
		{admin, "/console/subjects?q=a", ""},
		{admin, "/console/querylog?from=2026-02-30", "开始日期"},
		{admin, "/console/batches?since=2026-02-30", "起始日期"},
	} {
		doc := parse(t, test.c.get(test.path), http.StatusBadRequest)
		if doc.Find("main form").Length() == 0 || doc.Find("#form-errors, .alert-error").Length() == 0 {
			t.Errorf("%s: no form or no error on the page", test.path)
		}
		if msg := text(doc.Find("main")); !strings.Contains(msg, test.want) {
			t.Errorf("%s: %q lacks %q", test.path, msg, test.want)
		}
		if !strings.HasPrefix(text(doc.Find("title")), "错误：") {
			t.Errorf("%s: title %q", test.path, text(doc.Find("title")))
		}
	}
}

// TestInvalidParams: a parameter a page cannot use is refused with 400
// naming it and what it takes, not ignored.
func TestInvalidParams(t *testing.T) {
	seedLists(t)
	pub := newClient(t)
	admin := login(t, "admin")
	opa := login(t, "opa")
	for _, test := range []struct {
		c    *client
		path string
		want []string
	}{
		{admin, "/console/verifications/stats?feedback_days=-1", []string{"feedback_days", "0至60"}},
		{admin, "/console/verifications/stats?feedback_days=abc", []string{"feedback_days", "“abc”"}},
		{admin, "/console/verifications/stats?feedback_days=61", []string{"feedback_days", "0至60"}},
		{admin, "/console/lists/entries?subject_id=abc", []string{"subject_id", "正整数"}},
		{admin, "/console/lists/entries?subject_id=0", []string{"subject_id", "正整数"}},
		{opa, "/console/inbox?unacked=maybe", []string{"unacked", "“1”"}},
		{pub, "/lists/black?region=xyz", []string{"region", "地区"}},
		{admin, "/console/batches?class=nope", []string{"信息类“nope”不存在"}},
	} {
		res := test.c.get(test.path)
		page := body(t, res)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400\n%s", test.path, res.StatusCode, trimBody([]byte(page)))
			continue
		}
		for _, w := range test.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: no %q in\n%s", test.path, w, trimBody([]byte(page)))
			}
		}
	}
	// The values the pages take still work.
	for _, path := range []string{"/console/verifications/stats?feedback_days=15", "/console/verifications/stats?feedback_days=",
		"/console/lists/entries?subject_id=1", "/console/batches?class=penalty"} {
		admin.doc(path, http.StatusOK)
	}
	if doc := admin.doc("/console/verifications/stats?feedback_days=15", http.StatusOK); !strings.Contains(text(doc.Find("main")), "15个工作日") {
		t.Error("feedback_days=15 not used")
	}
	opa.doc("/console/inbox?unacked=1", http.StatusOK)
	opa.doc("/console/inbox?unacked=0", http.StatusOK)
	// A subject_id filter says so and is kept by the filter form.
	doc := admin.doc("/console/lists/entries?subject_id=1", http.StatusOK)
	if !strings.Contains(text(doc.Find("main")), "仅显示") || doc.Find(`form input[type=hidden][name=subject_id][value="1"]`).Length() != 1 {
		t.Errorf("subject_id filter: no notice or hidden input in\n%s", trimBody([]byte(text(doc.Find("main")))))
	}
}

// TestUserStatusValues: only the values the form sends (1 to disable, 0
// to enable) are taken; anything else, or none, is refused and changes
// nothing.
func TestUserStatusValues(t *testing.T) {
	f := mustFixture(t)
	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	u := &access.User{Username: "statusqa", Role: credit.RoleAuditor}
	if _, err := f.db.CreateUser(ctx, u, testPassword); err != nil {
		t.Fatal(err)
	}
	admin := login(t, "admin")
	path := "/console/users/" + strconv.FormatInt(int64(u.ID), 10) + "/status"
	if res := admin.postCSRF(path, url.Values{"disabled": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.StatusCode)
	}
	for _, v := range []url.Values{{"disabled": {"yes"}}, {}, {"disabled": {""}}, {"disabled": {"0", "1"}}} {
		res := admin.postCSRF(path, v)
		page := body(t, res)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "disabled") {
			t.Errorf("%v: %d, want 400 naming disabled\n%s", v, res.StatusCode, trimBody([]byte(page)))
		}
	}
	got, err := f.db.FindUserByID(ctx, u.ID)
	if err != nil || got.DisabledAt == nil {
		t.Errorf("user re-enabled by a bad value (%v)", err)
	}
	if res := admin.postCSRF(path, url.Values{"disabled": {"0"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("enable: %d", res.StatusCode)
	}
}

// TestMethodNotAllowed: a portal or console path called with a method
// none of its routes take answers 405 with Allow and a Chinese message
// naming the method and the allowed ones; a GET does not sign out.
func TestMethodNotAllowed(t *testing.T) {
	mustFixture(t)
	admin := login(t, "admin")
	for _, test := range []struct {
		c      *client
		method string
		path   string
		allow  string
	}{
		{newClient(t), http.MethodPut, "/login", "GET, HEAD, POST"},
		{newClient(t), http.MethodPost, "/search", "GET, HEAD"},
		{newClient(t), http.MethodPost, "/", "GET, HEAD"},
		{newClient(t), http.MethodDelete, "/subjects/91220101MA0L100000", "GET, HEAD"},
		{admin, http.MethodGet, "/logout", "POST"},
		{admin, http.MethodPut, "/console/users", "GET, HEAD, POST"},
	} {
		req, _ := http.NewRequest(test.method, test.c.base+test.path, strings.NewReader("csrf_token="+url.QueryEscape(test.c.csrf)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "text/html")
		req.Header.Set("X-CSRF-Token", test.c.csrf)
		res := test.c.do(req)
		page := body(t, res)
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != test.allow ||
			!strings.Contains(page, test.method) || !strings.Contains(page, "不支持") {
			t.Errorf("%s %s: %d Allow %q, want 405 Allow %q\n%s", test.method, test.path, res.StatusCode, res.Header.Get("Allow"), test.allow, trimBody([]byte(page)))
		}
	}
	// Still signed in after GET /logout.
	admin.doc("/console/", http.StatusOK)
	// A path that does not exist is still 404.
	req, _ := http.NewRequest(http.MethodPost, admin.base+"/no-such-page", nil)
	if res := admin.do(req); res.StatusCode != http.StatusNotFound {
		t.Errorf("POST /no-such-page: %d", res.StatusCode)
	}
}

// TestRedirectBodiesZh: redirects carry a Chinese body with the escaped
// target, not Go's “See Other”.
func TestRedirectBodiesZh(t *testing.T) {
	mustFixture(t)
	pub := newClient(t)
	admin := login(t, "admin")
	for _, test := range []struct {
		c      *client
		path   string
		status int
	}{
		{pub, "/console/users?q=<x>", http.StatusSeeOther},
		{pub, "/publicity", http.StatusFound},
		{pub, "/favicon.ico", http.StatusMovedPermanently},
		{admin, "/console", 0}, // ServeMux's redirects: 301 or 307
	} {
		res := test.c.get(test.path)
		page := body(t, res)
		if test.status == 0 && res.StatusCode/100 == 3 {
			test.status = res.StatusCode
		}
		if res.StatusCode != test.status || res.Header.Get("Location") == "" {
			t.Errorf("%s: %d Location %q, want %d", test.path, res.StatusCode, res.Header.Get("Location"), test.status)
		}
		for _, en := range []string{"See Other", "Found", "Moved Permanently", "Temporary Redirect"} {
			if strings.Contains(page, en) {
				t.Errorf("%s: English body %q", test.path, page)
			}
		}
		if !strings.Contains(page, "正在跳转") || strings.Contains(page, "<x>") {
			t.Errorf("%s: body %q", test.path, page)
		}
	}
	// The web server's own mux cleans paths too (behind the server
	// package's root mux, which does it first, in English: see the report).
	f := mustFixture(t)
	rec := httptest.NewRecorder()
	f.web.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/lists//black", nil))
	if rec.Code/100 != 3 || !strings.Contains(rec.Body.String(), "正在跳转") || strings.Contains(rec.Body.String(), "Redirect") {
		t.Errorf("/lists//black: %d %q", rec.Code, rec.Body.String())
	}
	res := admin.postCSRF("/logout", nil)
	if page := body(t, res); res.StatusCode != http.StatusSeeOther || strings.Contains(page, "See Other") {
		t.Errorf("logout: %d %q", res.StatusCode, page)
	}
}

// TestUserRoleFields: the region is refused for any role but 地区管理员,
// and the department for any but 部门用户, naming the field, instead of
// being dropped.
func TestUserRoleFields(t *testing.T) {
	f := mustFixture(t)
	admin := login(t, "admin")
	for _, test := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"username": {"roleqa1"}, "role": {"province"}, "region": {"220100"}}, "管辖地区"},
		{url.Values{"username": {"roleqa2"}, "role": {"auditor"}, "region": {"220100"}}, "地区管理员"},
		{url.Values{"username": {"roleqa3"}, "role": {"region"}, "region": {"220100"}, "department": {f.depA.Code}}, "所属部门"},
		{url.Values{"username": {"roleqa4"}, "role": {"department"}, "region": {"220100"}, "department": {f.depA.Code}}, "管辖地区"},
	} {
		doc := parse(t, admin.postCSRF("/console/users", test.form), http.StatusBadRequest)
		if msg := text(doc.Find("#form-errors")); !strings.Contains(msg, test.want) {
			t.Errorf("%v: %q lacks %q", test.form, msg, test.want)
		}
	}
	// The form as the browser sends it: the unused selects empty.
	if res := admin.postCSRF("/console/users", url.Values{"username": {"roleqa5"}, "role": {"auditor"}, "region": {""}, "department": {""}}); res.StatusCode != http.StatusOK {
		t.Errorf("auditor with empty selects: %d", res.StatusCode)
	}
}

// TestUploadTooLarge: a batch file over the upload limit is answered 413
// with the limit as configured, not 400 with Go's English error.
func TestUploadTooLarge(t *testing.T) {
	f := mustFixture(t)
	w, err := web.New(web.Options{Backend: f.db, MaxUpload: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w)
	defer srv.Close()
	c := login(t, "opa")
	c.base = srv.URL
	res := c.upload("penalty", "", "大文件.csv", bytes.Repeat([]byte("a,b,c\n"), 3<<20/6))
	page := body(t, res)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(page, "上传文件超过1 MB上限") || strings.Contains(page, "too large") {
		t.Errorf("%d\n%s", res.StatusCode, trimBody([]byte(page)))
	}
}
