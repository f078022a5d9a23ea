package jsonapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/jsonapi"
	"jlcredit/internal/lists"
	"jlcredit/internal/storage/storagetest"
)

// zhEnv is a platform with a list entry of department a and a verification
// of it by department b, behind an API that also takes a console session of
// a province administrator (cookie session=province), with the CSRF rule of
// the console: writes need X-CSRF-Token "tok".
type zhEnv struct {
	url          string
	keyA, keyB   string
	entry        int64 // the list entry's record
	verification int64 // b's verification that hit it
}

func newZhEnv(t *testing.T) *zhEnv {
	t.Helper()
	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	db := storagetest.SQLite(t, time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC))
	a := &access.Department{Code: uscc(t, "11220000MB000055"), Name: "吉林省税务局", RegionCode: "220000", Kind: "tax"}
	b := &access.Department{Code: uscc(t, "11220000MB000066"), Name: "吉林省政府采购中心", RegionCode: "220000", Kind: "procurement"}
	e := &zhEnv{}
	for _, d := range []*access.Department{a, b} {
		if err := db.UpsertDepartment(ctx, d); err != nil {
			t.Fatal(err)
		}
		k, _, err := db.CreateAPIKey(ctx, d.ID, []string{access.ScopeIngest, access.ScopeVerify, access.ScopeShare})
		if err != nil {
			t.Fatal(err)
		}
		if d == a {
			e.keyA = k
		} else {
			e.keyB = k
		}
	}
	// As web.Server.SessionActor: the cookie counts on reads, and on
	// writes only with the session's token.
	session := func(r *http.Request) (credit.Actor, bool) {
		c, err := r.Cookie("session")
		if err != nil || c.Value != "province" {
			return credit.Public, false
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get("X-CSRF-Token") != "tok" {
			return credit.Public, false
		}
		return credit.Actor{Role: credit.RoleProvince, Name: "省级管理员", Channel: "api"}, true
	}
	srv := httptest.NewServer((&jsonapi.Server{Backend: db, SessionActor: session}).Handler())
	t.Cleanup(srv.Close)
	e.url = srv.URL

	company := uscc(t, "91220101MA0Y7788")
	row := map[string]string{
		"名单类型": "重大税收违法失信主体", "主体名称": "长春鑫源贸易有限公司", "主体类别": "法人及非法人组织", "统一社会信用代码": company, "法定代表人（主要负责人）": "张鑫源",
		"认定文书号": "吉税稽公〔2026〕9号", "认定日期": "2026-05-06", "认定部门": a.Name, "认定部门统一社会信用代码": a.Code,
		"列入事由": "虚开增值税专用发票", "列入依据": "《重大税收违法失信主体信息公布管理办法》第六条",
		"失信惩戒措施提示": "阻止出境", "移出条件和程序": "公布届满3年", "救济措施": "可依法申请行政复议",
		"有效期起": "2026-05-06", "有效期止": "2029-05-05", "数据来源单位统一社会信用代码": a.Code,
	}
	var rc struct{ Accepted int }
	if st, m := e.call(t, "POST", "/api/v1/batches?class=list_entry", e.keyA, nil, []map[string]string{row}); st != http.StatusCreated {
		t.Fatalf("submit = %d %v", st, m)
	} else if b, _ := json.Marshal(m); json.Unmarshal(b, &rc) != nil || rc.Accepted != 1 {
		t.Fatalf("submit = %v", m)
	}
	st, m := e.call(t, "GET", "/api/v1/lists/entries", e.keyA, nil, nil)
	entries, _ := m["entries"].([]any)
	if st != http.StatusOK || len(entries) != 1 {
		t.Fatalf("entries = %d %v", st, m)
	}
	e.entry = int64(entries[0].(map[string]any)["record_id"].(float64))
	st, m = e.call(t, "POST", "/api/v1/verifications", e.keyB, nil, lists.VerificationRequest{Scenario: "政府采购", Purpose: "2026年度设备采购",
		Subjects: []lists.Query{{Code: company}}})
	if st != http.StatusCreated {
		t.Fatalf("verify = %d %v", st, m)
	}
	e.verification = int64(m["id"].(float64))
	return e
}

// call sends a request with a JSON body (a string is sent as is) and
// returns the status and the decoded answer.
func (e *zhEnv) call(t *testing.T, method, path, key string, header map[string]string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader = http.NoBody
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.url+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// zhProblem is the answer of a refused request: its code, message and
// first problem.
type zhProblem struct {
	code, message, field, problem, detail string
}

func problemOf(m map[string]any) zhProblem {
	p := zhProblem{}
	p.code, _ = m["code"].(string)
	p.message, _ = m["message"].(string)
	if ds, _ := m["details"].([]any); len(ds) > 0 {
		d := ds[0].(map[string]any)
		p.field, _ = d["field"].(string)
		p.problem, _ = d["code"].(string)
		p.detail, _ = d["message"].(string)
	}
	return p
}

// wantZh checks a refusal: its status, code and Chinese message, and when
// field is not empty its first problem's field and code.
func wantZh(t *testing.T, what string, st int, m map[string]any, status int, code, message, field, problem string) {
	t.Helper()
	p := problemOf(m)
	if st != status || p.code != code || p.message != message {
		t.Errorf("%s: %d %s %q, want %d %s %q", what, st, p.code, p.message, status, code, message)
	}
	if field != "" && (p.field != field || p.problem != problem) {
		t.Errorf("%s: problem %s/%s, want %s/%s", what, p.field, p.problem, field, problem)
	}
}

var province = map[string]string{"Cookie": "session=province", "X-CSRF-Token": "tok"}

func TestMessagesZh(t *testing.T) {
	e := newZhEnv(t)
	measure := lists.Measure{Code: "JL-90", Name: "限制参加政府采购活动", Class: 1, Effect: lists.Restrict, ListTypes: []string{"black"},
		Scenarios: []string{"政府采购"}, Basis: "《政府采购法》第二十二条", Clause: "吉林省补充清单第1项"}

	// 1: the effect names each code with its meaning.
	t.Run("MeasureEffect", func(t *testing.T) {
		for _, effect := range []string{"foo", ""} {
			m := measure
			m.Effect = lists.Effect(effect)
			st, body := e.call(t, "PUT", "/api/v1/measures/JL-90", "", province, m)
			wantZh(t, "effect "+strconv.Quote(effect), st, body, http.StatusBadRequest, credit.EINVALID,
				"措施效果应为restrict（限制）、supervise（管理措施）、reference（供其他组织参考实施）或reward（守信激励）", "effect", "bad_effect")
		}
	})
	// 16: a measure's name, basis and clause have limits.
	t.Run("MeasureLengths", func(t *testing.T) {
		for _, test := range []struct {
			set         func(*lists.Measure)
			field, want string
		}{
			{func(m *lists.Measure) { m.Name = strings.Repeat("限", 600) }, "name", "措施名称最多100个字，实际600个字"},
			{func(m *lists.Measure) { m.Basis = strings.Repeat("依", 3000) }, "basis", "法律依据最多500个字，实际3000个字"},
			{func(m *lists.Measure) { m.Clause = strings.Repeat("条", 501) }, "clause", "清单条款最多500个字，实际501个字"},
		} {
			m := measure
			test.set(&m)
			st, body := e.call(t, "PUT", "/api/v1/measures/JL-90", "", province, m)
			wantZh(t, test.field, st, body, http.StatusBadRequest, credit.EINVALID, test.want, test.field, "too_long")
		}
		m := measure
		m.Name = strings.Repeat("限", 100)
		if st, body := e.call(t, "PUT", "/api/v1/measures/JL-90", "", province, m); st != http.StatusOK {
			t.Errorf("a name of 100 characters: %d %v", st, body)
		}
	})

	// 2: the inbox kinds and delivery states, with their meanings.
	t.Run("PushEnums", func(t *testing.T) {
		st, body := e.call(t, "GET", "/api/v1/inbox?kind=foo", e.keyB, nil, nil)
		wantZh(t, "kind", st, body, http.StatusBadRequest, credit.EINVALID,
			"参数kind应为listing（列入名单）、update（名单信息变更）、removal（移出名单）或alert（核查预警），实际为“foo”", "", "")
		for _, k := range []lists.NotificationKind{lists.NotifyListing, lists.NotifyUpdate, lists.NotifyRemoval, lists.NotifyAlert} {
			if msg := problemOf(body).message; !strings.Contains(msg, string(k)+"（"+k.Label()+"）") {
				t.Errorf("kind message %q does not name %s as %s", msg, k, k.Label())
			}
		}
		st, body = e.call(t, "GET", "/api/v1/subscriptions/1/deliveries?status=foo", e.keyB, nil, nil)
		wantZh(t, "status", st, body, http.StatusBadRequest, credit.EINVALID,
			"参数status应为pending（待推送）、delivered（已送达）、failed（推送失败）或cancelled（已取消），实际为“foo”", "", "")
	})

	// 3: a multipart upload without its boundary.
	t.Run("MultipartBoundary", func(t *testing.T) {
		req, _ := http.NewRequest("POST", e.url+"/api/v1/batches?class=penalty", strings.NewReader("--x\r\n"))
		req.Header.Set("Authorization", "Bearer "+e.keyA)
		req.Header.Set("Content-Type", "multipart/form-data")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		p := problemOf(m)
		if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(p.message, "上传表单格式错误：Content-Type缺少boundary参数") {
			t.Errorf("no boundary: %d %q", resp.StatusCode, p.message)
		}
	})

	// 4: the removal's own fields, checked before a row is composed.
	t.Run("Removal", func(t *testing.T) {
		path := "/api/v1/lists/entries/" + strconv.FormatInt(e.entry, 10) + "/removal"
		for _, test := range []struct {
			name                 string
			body                 map[string]string
			field, problem, want string
		}{
			{"TooLong", map[string]string{"reason": strings.Repeat("因", 5000)}, "reason", "too_long", "移出原因最多2000个字，实际5000个字"},
			{"NoReason", map[string]string{"reason": "  "}, "reason", "required", "请填写移出原因，如“已纠正失信行为并履行相关义务，经申请提前移出”"},
			{"BadKind", map[string]string{"reason": "x", "kind": "作废"}, "kind", "bad_code", "移出方式“作废”无效，应为有效期届满、提前移出、信用修复或撤销认定"},
			{"Future", map[string]string{"reason": "x", "date": "2099-01-01"}, "date", "future_date", "移出日期2099-01-01晚于今天（2026-11-20），不得晚于今天"},
			{"BeforeDecision", map[string]string{"reason": "x", "date": "2026-01-01"}, "date", "date_order", "移出日期2026-01-01早于认定日期2026-05-06，不得早于认定日期"},
			{"BadDate", map[string]string{"reason": "x", "date": "2026-13-01"}, "date", "bad_date", "移出日期“2026-13-01”无效，应为“年-月-日”格式，如2026-11-27"},
		} {
			st, body := e.call(t, "POST", path, e.keyA, nil, test.body)
			wantZh(t, test.name, st, body, http.StatusBadRequest, credit.EINVALID, test.want, test.field, test.problem)
		}
	})

	// 5: an invalid date is not a missing one; fields the platform sets
	// are refused.
	t.Run("Feedback", func(t *testing.T) {
		path := "/api/v1/verifications/" + strconv.FormatInt(e.verification, 10) + "/feedback"
		item := map[string]any{"seq": 1, "measure_code": "N1-01", "applied": true, "applied_on": "2026-13-01"}
		st, body := e.call(t, "POST", path, e.keyB, nil, map[string]any{"feedback": []any{item}})
		wantZh(t, "bad date", st, body, http.StatusBadRequest, credit.EINVALID,
			"第1条反馈：实施日期“2026-13-01”无效，应为“年-月-日”格式，如2026-11-27", "feedback[0].applied_on", "bad_date")
		delete(item, "applied_on")
		st, body = e.call(t, "POST", path, e.keyB, nil, map[string]any{"feedback": []any{item}})
		wantZh(t, "no date", st, body, http.StatusBadRequest, credit.EINVALID,
			"第1条反馈：已实施的措施须填写实施日期，如2026-11-27", "feedback[0].applied_on", "required")
		for _, f := range []string{"id", "verification_id", "at", "actor"} {
			item := map[string]any{"seq": 1, "measure_code": "N1-01", "applied": true, "applied_on": "2026-11-20", f: 5}
			st, body := e.call(t, "POST", path, e.keyB, nil, map[string]any{"feedback": []any{item}})
			if p := problemOf(body); st != http.StatusBadRequest || !strings.HasPrefix(p.message, "字段“feedback[0]."+f+"”无法识别") {
				t.Errorf("feedback with %s: %d %q, want 400 refusing the field", f, st, p.message)
			}
		}
		if st, body := e.call(t, "GET", path, e.keyB, nil, nil); st != http.StatusOK || len(body["feedback"].([]any)) != 0 {
			t.Errorf("refused feedback was stored: %d %v", st, body)
		}
	})

	// 6: a console session writing without its token is told so.
	t.Run("SessionCSRF", func(t *testing.T) {
		req := lists.VerificationRequest{Scenario: "政府采购", Purpose: "采购", Subjects: []lists.Query{{Name: "某公司"}}}
		st, body := e.call(t, "POST", "/api/v1/verifications", "", map[string]string{"Cookie": "session=province"}, req)
		wantZh(t, "no token", st, body, http.StatusUnauthorized, credit.EUNAUTHORIZED,
			"管理端会话调用接口须带X-CSRF-Token请求头：修改数据的请求（POST、PUT、DELETE）须在该请求头中带上管理端页面中的安全令牌，或改用API密钥（Authorization: Bearer <密钥>）",
			"X-CSRF-Token", "csrf_required")
		st, body = e.call(t, "POST", "/api/v1/verifications", "", map[string]string{"Cookie": "session=province", "X-CSRF-Token": "old"}, req)
		wantZh(t, "wrong token", st, body, http.StatusUnauthorized, credit.EUNAUTHORIZED,
			"X-CSRF-Token请求头与当前管理端会话不符，或请求来自其他站点：请刷新管理端页面取得新的安全令牌后重试", "X-CSRF-Token", "csrf_required")
		// Without a session, the answer asks for credentials as before.
		st, body = e.call(t, "POST", "/api/v1/verifications", "", nil, req)
		if p := problemOf(body); st != http.StatusUnauthorized || strings.Contains(p.message, "CSRF") {
			t.Errorf("anonymous: %d %q", st, p.message)
		}
		if st, _ := e.call(t, "POST", "/api/v1/verifications", "", province, req); st != http.StatusCreated {
			t.Errorf("session with its token: %d", st)
		}
	})

	// 9: the purpose's messages do not name the API field.
	t.Run("Purpose", func(t *testing.T) {
		req := lists.VerificationRequest{Scenario: "政府采购", Subjects: []lists.Query{{Name: "某公司"}}}
		st, body := e.call(t, "POST", "/api/v1/verifications", e.keyB, nil, req)
		wantZh(t, "no purpose", st, body, http.StatusBadRequest, credit.EINVALID, "请说明核查事由，如采购项目名称或审批事项", "purpose", "required")
		req.Purpose = strings.Repeat("购", 201)
		st, body = e.call(t, "POST", "/api/v1/verifications", e.keyB, nil, req)
		wantZh(t, "long purpose", st, body, http.StatusBadRequest, credit.EINVALID, "核查事由最多200字，实际201字", "purpose", "too_long")
	})

	// 17: a region that is not a code of the region table.
	t.Run("Region", func(t *testing.T) {
		for _, region := range []string{"abc", "00", "110000", "2201000"} {
			st, body := e.call(t, "GET", "/api/v1/subjects?q=长春&region="+region, "", nil, nil)
			wantZh(t, "region "+region, st, body, http.StatusBadRequest, credit.EINVALID,
				"行政区划代码“"+region+"”无效，应为行政区划表中的6位代码，如220000（吉林省）、220100（长春市）、220102（南关区）", "region", "bad_region")
		}
		for _, region := range []string{"220000", "220100", "220102"} {
			if st, body := e.call(t, "GET", "/api/v1/subjects?q=长春&region="+region, "", nil, nil); st != http.StatusOK {
				t.Errorf("region %s: %d %v", region, st, body)
			}
		}
	})
}
