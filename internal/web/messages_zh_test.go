package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"jlcredit/internal/lists"
)

// The console's messages are for civil servants: Chinese, naming the field
// and what is expected, without API field names, CLI commands or
// programmers' date patterns.

// 1: the measure form offers the effects by name; a bad one asks for a
// choice.
func TestMeasureEffectConsoleZh(t *testing.T) {
	adm := login(t, "admin")
	m := findMeasure(t, "N1-01")
	form := measureForm(m)
	form.Set("effect", "foo")
	doc := parse(t, adm.postCSRF("/console/measures/N1-01", form), http.StatusBadRequest)
	checkFormError(t, doc, "#f-effect", "f-effect", "请选择措施效果")
	if body := text(doc.Find("main")); strings.Contains(body, "restrict") || strings.Contains(body, "reward") {
		t.Errorf("the form names the API's codes: %s", body)
	}
	// 16: the name is at most 100 characters; the inputs say so too.
	form = measureForm(m)
	form.Set("name", strings.Repeat("限", 600))
	doc = parse(t, adm.postCSRF("/console/measures/N1-01", form), http.StatusBadRequest)
	checkFormError(t, doc, "#f-name", "f-name", "措施名称最多100个字，实际600个字")
	for sel, want := range map[string]string{"#f-name": "100", "#f-basis": "500", "#f-clause": "500"} {
		if got := doc.Find(sel).AttrOr("maxlength", ""); got != want {
			t.Errorf("%s maxlength %q, want %s", sel, got, want)
		}
	}
}

// 8: an unknown department is named without the CLI's advice.
func TestUnknownDepartmentZh(t *testing.T) {
	adm := login(t, "admin")
	for _, res := range []*http.Response{
		adm.get("/console/departments/NOSUCH"),
		adm.postCSRF("/console/departments/NOSUCH/keys", url.Values{"scopes": {"ingest"}}),
	} {
		doc := parse(t, res, http.StatusNotFound)
		msg := text(doc.Find("main"))
		if !strings.Contains(msg, "部门“NOSUCH”不存在") || strings.Contains(msg, "credit") || strings.Contains(msg, "department add") {
			t.Errorf("%s: %q", res.Request.URL.Path, msg)
		}
	}
	// 16: a department's name is at most 100 characters.
	doc := parse(t, adm.postCSRF("/console/departments", url.Values{"code": {testUSCC(t, "11220000MB0W0001")}, "name": {strings.Repeat("局", 3000)}, "region": {"220100"}}), http.StatusBadRequest)
	checkFormError(t, doc, "#d-name", "d-name", "部门名称最多100个字，实际3000个字")
}

// 9: the verification form does not name the API's field.
func TestVerifyPurposeZh(t *testing.T) {
	c := login(t, "opb")
	doc := parse(t, c.postCSRF("/console/verify", url.Values{"scenario": {"政府采购"}, "purpose": {strings.Repeat("查", 201)}, "subjects": {"某公司"}}), http.StatusBadRequest)
	msg := text(doc.Find("#form-errors"))
	if !strings.Contains(msg, "核查事由最多200字，实际201字") || strings.Contains(msg, "purpose") {
		t.Errorf("long purpose: %q", msg)
	}
}

// 10: a form over its size limit is said to be too long, with the limit.
func TestOversizedFormsZh(t *testing.T) {
	f := mustFixture(t)
	// The login form: 64 KB.
	anon := newClient(t)
	big := url.Values{"username": {"admin"}, "password": {strings.Repeat("x", 20<<20)}}
	res := anon.post("/login", big)
	doc := parse(t, res, http.StatusRequestEntityTooLarge)
	if msg := text(doc.Find("main")); !strings.Contains(msg, "提交的内容过长（超过64 KB），请删减后重试") || strings.Contains(msg, "登录表单无效") {
		t.Errorf("20 MB login: %q", msg)
	}
	// A console form: 1 MB, checked with the token.
	adm := login(t, "admin")
	form := measureForm(findMeasure(t, "N1-01"))
	form.Set("basis", strings.Repeat("依", 5<<20/3))
	doc = parse(t, adm.postCSRF("/console/measures/N1-01", form), http.StatusRequestEntityTooLarge)
	if msg := text(doc.Find("main")); !strings.Contains(msg, "提交的内容过长（超过1 MB），请删减后重试") || strings.Contains(msg, "表单内容无效") {
		t.Errorf("5 MB field: %q", msg)
	}
	// A form that is no form at all is not said to be too long.
	req, _ := http.NewRequest(http.MethodPost, f.url+"/login", strings.NewReader("%zz"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	doc = parse(t, anon.do(req), http.StatusBadRequest)
	if msg := text(doc.Find("main")); !strings.Contains(msg, "登录表单无法读取") {
		t.Errorf("malformed login form: %q", msg)
	}
}

// 11: dates are explained as a civil servant reads them, not as
// yyyy-MM-dd.
func TestDateHintsZh(t *testing.T) {
	adm := login(t, "admin")
	for _, path := range []string{"/console/lists/new", "/console/catalog/list_entry", "/console/catalog/penalty"} {
		doc := adm.doc(path, http.StatusOK)
		body := text(doc.Find("main"))
		if strings.Contains(body, "yyyy") || !strings.Contains(body, "“年-月-日”格式，如2026-11-27") {
			t.Errorf("%s: dates as %q", path, body[:min(len(body), 300)])
		}
	}
	// The import template's field notes.
	res := adm.get("/console/templates/list_entry.xlsx")
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("template: %d", res.StatusCode)
	}
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	notes := 0
	for _, sheet := range x.GetSheetList() {
		rows, _ := x.GetRows(sheet)
		for _, row := range rows {
			for _, cell := range row {
				if strings.Contains(cell, "yyyy-MM-dd") {
					t.Errorf("template sheet %s: %q", sheet, cell)
				}
				if strings.Contains(cell, "“年-月-日”格式，如2026-11-27") {
					notes++
				}
			}
		}
	}
	if notes == 0 {
		t.Error("the template's notes do not explain dates")
	}
}

// 12: a binary file named .csv on the verification form names the formats
// that form takes.
func TestVerifyBinaryCSVZh(t *testing.T) {
	c := login(t, "opb")
	binary := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0, 1, 2, 3}, 200)...)
	res := c.postMultipart("/console/verify", [][2]string{{"csrf_token", c.csrf}, {"scenario", "政府采购"}, {"purpose", "资格审查"}}, "名单.csv", binary)
	doc := parse(t, res, http.StatusBadRequest)
	msg := text(doc.Find("#form-errors"))
	if !strings.Contains(msg, "请上传CSV或Excel（.xlsx）文件") || strings.Contains(msg, "JSON") {
		t.Errorf("binary CSV: %q", msg)
	}
}

// 13: an upload that is not a multipart form is told so, with or without
// the token (there is nothing to act on either way).
func TestUploadNotMultipartZh(t *testing.T) {
	f := mustFixture(t)
	c := login(t, "opa")
	const want = "上传请求格式错误，请从“数据上传”页面选择文件上传"
	check := func(what string, res *http.Response) {
		t.Helper()
		doc := parse(t, res, http.StatusBadRequest)
		if msg := text(doc.Find("main")); !strings.Contains(msg, want) || strings.Contains(msg, "CSRF") {
			t.Errorf("%s: %q", what, msg)
		}
	}
	check("url-encoded", c.post("/console/upload", url.Values{"class": {"penalty"}}))
	check("url-encoded with token", c.postCSRF("/console/upload", url.Values{"class": {"penalty"}}))
	req, _ := http.NewRequest(http.MethodPost, f.url+"/console/upload", strings.NewReader("a,b\n1,2\n"))
	req.Header.Set("Content-Type", "text/csv")
	check("CSV body", c.do(req))
	req, _ = http.NewRequest(http.MethodPost, f.url+"/console/upload", strings.NewReader("--x\r\n"))
	req.Header.Set("Content-Type", "multipart/form-data")
	check("multipart without boundary", c.do(req))
	// A multipart upload without the token is still refused as such.
	res := c.postMultipart("/console/upload", [][2]string{{"class", "penalty"}}, "a.csv", []byte("a,b\n"))
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("multipart without token: %d, want 403", res.StatusCode)
	}
}

// 4: a removal's reason over the catalog's limit is shown at the reason.
func TestRemovalReasonConsoleZh(t *testing.T) {
	seedLists(t)
	code, name := testUSCC(t, "91220101MA0L1W21"), "长春移出原因测试科技有限公司"
	listAsADoc(t, code, name, "吉名单〔2026〕321号")
	opa := login(t, "opa")
	path := entryLink(opa.doc("/console/lists/entries", http.StatusOK), name)
	if path == "" {
		t.Fatal("no entry to remove")
	}
	doc := opa.doc(path, http.StatusOK)
	if got := doc.Find("#f-reason").AttrOr("maxlength", ""); got != "2000" {
		t.Errorf("reason maxlength %q, want the catalog's 2000", got)
	}
	action := strings.TrimSuffix(doc.Find("form.removal-form").AttrOr("action", ""), "#removal")
	const want = "移出原因最多2000个字，实际5000个字"
	doc = parse(t, opa.postCSRF(action, url.Values{"kind": {lists.RemovedEarly}, "reason": {strings.Repeat("因", 5000)}}), http.StatusBadRequest)
	box := doc.Find("#removal-error")
	if text(box) != want || box.Find(`a[href="#f-reason"]`).Length() != 1 || box.AttrOr("tabindex", "") != "-1" {
		t.Errorf("summary %q (tabindex %q)", text(box), box.AttrOr("tabindex", ""))
	}
	r := doc.Find("#f-reason")
	if r.AttrOr("aria-invalid", "") != "true" || r.AttrOr("aria-describedby", "") != "removal-error" {
		t.Errorf("#f-reason: aria-invalid %q, aria-describedby %q", r.AttrOr("aria-invalid", ""), r.AttrOr("aria-describedby", ""))
	}
	if got := text(doc.Find("#e-f-reason")); got != want {
		t.Errorf("message at the reason: %q", got)
	}
	if doc.Find(`#f-date[aria-invalid], #f-kind[aria-invalid]`).Length() != 0 {
		t.Error("the date or kind is marked invalid")
	}
	// Two fields in error: each is marked, the first one is the summary's.
	doc = parse(t, opa.postCSRF(action, url.Values{"kind": {"作废"}, "reason": {strings.Repeat("因", 2001)}}), http.StatusBadRequest)
	if k := doc.Find("#f-kind"); k.AttrOr("aria-invalid", "") != "true" || !strings.Contains(text(doc.Find("#removal-error")), "移出方式“作废”无效") {
		t.Errorf("bad kind: %q", text(doc.Find("#removal-error")))
	}
	if r := doc.Find("#f-reason"); r.AttrOr("aria-invalid", "") != "true" || r.AttrOr("aria-describedby", "") != "e-f-reason" ||
		text(doc.Find("#e-f-reason")) != "移出原因最多2000个字，实际2001个字" {
		t.Errorf("long reason beside a bad kind: aria-describedby %q, %q", r.AttrOr("aria-describedby", ""), text(doc.Find("#e-f-reason")))
	}
}

// 6: the JSON API tells a console session that writes without its token
// what is missing.
func TestAPISessionCSRFZh(t *testing.T) {
	f := mustFixture(t)
	c := login(t, "opa")
	req, _ := http.NewRequest(http.MethodPost, f.url+"/api/v1/batches?class=penalty", strings.NewReader("a,b\n1,2\n"))
	req.Header.Set("Content-Type", "text/csv")
	res := c.do(req)
	var body struct {
		Code    string
		Message string
		Details []struct{ Field, Code string }
	}
	json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(body.Message, "管理端会话调用接口须带X-CSRF-Token请求头") ||
		len(body.Details) != 1 || body.Details[0].Code != "csrf_required" || body.Details[0].Field != "X-CSRF-Token" {
		t.Errorf("API POST with a session and no token: %d %+v", res.StatusCode, body)
	}
}
