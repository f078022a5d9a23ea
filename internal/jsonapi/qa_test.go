package jsonapi_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"jlcredit/internal/credit"
)

// invisible are texts without a visible character: where a text is
// required, each is refused as missing (credit.Blank).
var invisible = []string{"\u200b", "\u2060", "\u200d", "\ufeff", "\u3164", "\u0007", "\x00", " \u00a0"}

// TestRequiredTextsBlank: a required reason or purpose of invisible or
// control characters only is refused with 400 naming the field, never
// stored (201) or answered with a batch row's message.
func TestRequiredTextsBlank(t *testing.T) {
	e := newZhEnv(t)
	removal := "/api/v1/lists/entries/" + strconv.FormatInt(e.entry, 10) + "/removal"
	feedback := "/api/v1/verifications/" + strconv.FormatInt(e.verification, 10) + "/feedback"
	for _, s := range invisible {
		st, body := e.call(t, "POST", removal, e.keyA, nil, map[string]string{"reason": s})
		wantZh(t, "removal reason "+strconv.QuoteToASCII(s), st, body, http.StatusBadRequest, credit.EINVALID,
			"请填写移出原因，如“已纠正失信行为并履行相关义务，经申请提前移出”", "reason", "required")
		item := map[string]any{"seq": 1, "measure_code": "N1-01", "applied": false, "reason": s}
		st, body = e.call(t, "POST", feedback, e.keyB, nil, map[string]any{"feedback": []any{item}})
		wantZh(t, "feedback reason "+strconv.QuoteToASCII(s), st, body, http.StatusBadRequest, credit.EINVALID,
			"第1条反馈：未实施措施的须说明原因", "feedback[0].reason", "required")
		req := map[string]any{"scenario": "政府采购", "purpose": s, "subjects": []map[string]string{{"name": "某公司"}}}
		st, body = e.call(t, "POST", "/api/v1/verifications", e.keyB, nil, req)
		wantZh(t, "purpose "+strconv.QuoteToASCII(s), st, body, http.StatusBadRequest, credit.EINVALID,
			"请说明核查事由，如采购项目名称或审批事项", "purpose", "required")
	}
	if st, body := e.call(t, "GET", feedback, e.keyB, nil, nil); st != http.StatusOK || len(body["feedback"].([]any)) != 0 {
		t.Errorf("refused feedback was stored: %d %v", st, body)
	}
}

// TestRemovalRowProblems: a removal the catalog's rules refuse once it
// is a row of the entry is told in terms of the request: its field
// (reason), no row of a batch the caller never sent.
func TestRemovalRowProblems(t *testing.T) {
	e := newZhEnv(t)
	removal := "/api/v1/lists/entries/" + strconv.FormatInt(e.entry, 10) + "/removal"
	for _, test := range []struct {
		reason, code, want string
	}{
		{"无", "required", "请填写移出原因，如“已纠正失信行为并履行相关义务，经申请提前移出”（“无”视为未填写）"},
		{"/", "required", "请填写移出原因，如“已纠正失信行为并履行相关义务，经申请提前移出”（“/”视为未填写）"},
		{`已履行\u0007`, "", "移出原因："},
	} {
		st, body := e.call(t, "POST", removal, e.keyA, nil, `{"reason":"`+test.reason+`"}`)
		p := problemOf(body)
		if st != http.StatusBadRequest || p.field != "reason" || test.code != "" && p.problem != test.code ||
			!strings.HasPrefix(p.message, test.want) || strings.Contains(p.message, "第1行") || strings.Contains(p.message, "MD_") {
			t.Errorf("reason %q: %d %q (%s/%s), want 400 %q… on reason", test.reason, st, p.message, p.field, p.problem, test.want)
		}
	}
}

// TestDatesBefore1900: a date before 1900 is refused for being before
// 1900, in the batch's words, not for its format.
func TestDatesBefore1900(t *testing.T) {
	e := newZhEnv(t)
	const rule = "早于1900年1月1日，平台不接收：应为1900年及以后的日期，请核对年份"
	st, body := e.call(t, "POST", "/api/v1/lists/entries/"+strconv.FormatInt(e.entry, 10)+"/removal", e.keyA, nil,
		map[string]string{"reason": "x", "date": "1899-12-31"})
	wantZh(t, "removal date", st, body, http.StatusBadRequest, credit.EINVALID, "移出日期“1899-12-31”"+rule, "date", "bad_date")
	item := map[string]any{"seq": 1, "measure_code": "N1-01", "applied": true, "applied_on": "1899-12-31"}
	st, body = e.call(t, "POST", "/api/v1/verifications/"+strconv.FormatInt(e.verification, 10)+"/feedback", e.keyB, nil,
		map[string]any{"feedback": []any{item}})
	wantZh(t, "applied_on", st, body, http.StatusBadRequest, credit.EINVALID, "第1条反馈：实施日期“1899-12-31”"+rule, "feedback[0].applied_on", "bad_date")
	for _, test := range []struct{ path, param string }{
		{"/api/v1/lists/entries?active=1899-12-31", "active"},
		{"/api/v1/verifications/stats?from=1899-12-31", "from"},
		{"/api/v1/verifications/stats?to=1899-12-31", "to"},
	} {
		st, body := e.call(t, "GET", test.path, e.keyB, nil, nil)
		wantZh(t, test.path, st, body, http.StatusBadRequest, credit.EINVALID, "参数"+test.param+"“1899-12-31”"+rule, test.param, "bad_date")
	}
	st, body = e.call(t, "GET", "/api/v1/lists/entries?active=2026-13-01", e.keyB, nil, nil)
	wantZh(t, "bad format", st, body, http.StatusBadRequest, credit.EINVALID, "参数active“2026-13-01”无效，应为“年-月-日”格式，如2026-11-27", "active", "bad_date")
}

// TestQueryParamsRefused: a query parameter with a value it cannot have is
// refused with 400 naming it, not ignored (an empty page would read as
// "nothing there").
func TestQueryParamsRefused(t *testing.T) {
	e := newZhEnv(t)
	for _, test := range []struct {
		path        string
		status      int
		field, want string // field of the first problem, a part of the message
	}{
		{"/api/v1/lists/entries?subject_id=-1", 400, "subject_id", "参数subject_id应为正整数，实际为“-1”"},
		{"/api/v1/lists/entries?subject_id=0", 400, "subject_id", "参数subject_id应为正整数，实际为“0”"},
		{"/api/v1/lists/entries?subject_id=x", 400, "subject_id", "参数subject_id应为正整数，实际为“x”"},
		{"/api/v1/lists/entries?subject_id=1", 200, "", ""},
		{"/api/v1/inbox?department_id=-1", 400, "department_id", "参数department_id应为正整数，实际为“-1”"},
		{"/api/v1/batches?class=nope", 400, "class", "信息类“nope”不存在"},
		{"/api/v1/batches?class=%00", 400, "class", "信息类“\x00”不存在"},
		{"/api/v1/batches?class=" + strings.Repeat("x", 500), 400, "class", "…”不存在"},
		{"/api/v1/batches?class=penalty", 200, "", ""},
		{"/api/v1/batches?class=list_entry", 200, "", ""},
		{"/api/v1/inbox?unacked=1", 200, "", ""},
		{"/api/v1/inbox?unacked=true", 200, "", ""},
		{"/api/v1/inbox?unacked=0", 200, "", ""},
		{"/api/v1/inbox?unacked=false", 200, "", ""},
		{"/api/v1/inbox?unacked=yes", 400, "unacked", "参数unacked应为1或true（只列未确认的）、0或false（全部），实际为“yes”"},
	} {
		st, body := e.call(t, "GET", test.path, e.keyA, nil, nil)
		p := problemOf(body)
		if st != test.status || test.status != 200 && (p.code != credit.EINVALID || p.field != test.field || !strings.Contains(p.message, test.want)) {
			t.Errorf("GET %.80s: %d %s %q (%s), want %d %q (%s)", test.path, st, p.code, p.message, p.field, test.status, test.want, test.field)
		}
	}
}

// TestSubscriptionRefused: a null or empty list type is not "every list",
// and a secret must be of visible characters.
func TestSubscriptionRefused(t *testing.T) {
	e := newZhEnv(t)
	for _, test := range []struct {
		name, body, field, code string
	}{
		{"NullListType", `{"url":"https://example.com/x","list_types":[null]}`, "list_types[0]", "bad_list_type"},
		{"EmptyListType", `{"url":"https://example.com/x","list_types":["black",""]}`, "list_types[1]", "bad_list_type"},
		{"NULSecret", `{"url":"https://example.com/x","secret":"` + strings.Repeat(`\u0000`, 40) + `"}`, "secret", "bad_secret"},
		{"ShortSecret", `{"url":"https://example.com/x","secret":"` + strings.Repeat("密", 11) + `"}`, "secret", "short_secret"},
	} {
		st, body := e.call(t, "POST", "/api/v1/subscriptions", e.keyB, nil, test.body)
		if p := problemOf(body); st != http.StatusBadRequest || p.code != credit.EINVALID || p.field != test.field || p.problem != test.code || p.message == "" {
			t.Errorf("%s: %d %s %q (%s/%s), want 400 %s/%s", test.name, st, p.code, p.message, p.field, p.problem, test.field, test.code)
		}
	}
	st, body := e.call(t, "GET", "/api/v1/subscriptions", e.keyB, nil, nil)
	if subs, _ := body["subscriptions"].([]any); st != http.StatusOK || len(subs) != 0 {
		t.Errorf("refused subscriptions were stored: %d %v", st, body)
	}
}
