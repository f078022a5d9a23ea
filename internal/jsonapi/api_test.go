package jsonapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/demo"
	"jlcredit/internal/jsonapi"
	"jlcredit/internal/ledger"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
)

type env struct {
	srv          *httptest.Server
	db           *storage.DB
	deptA, deptB demo.Department
	keyA, keyB   string
	gen          *demo.Generator
	asOf         time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	db, err := storage.Open(ctx, "sqlite:"+t.TempDir()+"/t.db", storage.Options{EphemeralKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, gen: demo.New(7, 200), asOf: db.Now()}
	var penal []demo.Department
	for _, d := range e.gen.Departments() {
		if d.Penalizes {
			penal = append(penal, d)
		}
	}
	e.deptA, e.deptB = penal[0], penal[1]
	for i, d := range []demo.Department{e.deptA, e.deptB} {
		dep := &access.Department{Code: d.Code, Name: d.Name, RegionCode: d.RegionCode, Kind: d.Kind}
		if err := db.UpsertDepartment(ctx, dep); err != nil {
			t.Fatal(err)
		}
		key, _, err := db.CreateAPIKey(ctx, dep.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			e.keyA = key
		} else {
			e.keyB = key
		}
	}
	api := &jsonapi.Server{Backend: db, MaxUpload: 1 << 20}
	e.srv = httptest.NewServer(api.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

// rows returns n valid penalty rows submitted by dept.
func (e *env) rows(t *testing.T, dept demo.Department, n int) []map[string]string {
	var out []map[string]string
	err := e.gen.Rows("penalty", n, e.asOf, func(i int, _ demo.Department, row map[string]string) error {
		c := make(map[string]string, len(row))
		for k, v := range row {
			c[k] = v
		}
		c["CF_SJLY"], c["CF_SJLYDM"] = dept.Name, dept.Code
		out = append(out, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (e *env) do(t *testing.T, method, path, key, ctype string, body io.Reader) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, body)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &m)
	return resp, m
}

func TestBatchJSON(t *testing.T) {
	e := newEnv(t)
	rows := e.rows(t, e.deptA, 3)
	bad := map[string]string{}
	for k, v := range rows[0] {
		bad[k] = v
	}
	bad["CF_WSH"] = ""
	body, _ := json.Marshal(append(rows, bad))
	resp, m := e.do(t, "POST", "/api/v1/batches?class=penalty", e.keyA, "application/json", bytes.NewReader(body))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status = %d, body %v", resp.StatusCode, m)
	}
	if m["total"] != 4.0 || m["accepted"] != 3.0 || m["rejected"] != 1.0 {
		t.Errorf("receipt = %v", m)
	}
	id := m["batch"].(string)
	resp, v := e.do(t, "GET", "/api/v1/batches/"+id, e.keyA, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("GET batch: %d %v", resp.StatusCode, v)
	}
	errs := v["errors"].([]any)
	p := errs[0].(map[string]any)["problems"].([]any)[0].(map[string]any)
	if p["field"] != "CF_WSH" || p["code"] != "required" || !strings.Contains(p["message"].(string), "第4个") && !strings.Contains(p["message"].(string), "第4行") {
		t.Errorf("problem = %v", p)
	}
	// Another department may not read it.
	if resp, _ := e.do(t, "GET", "/api/v1/batches/"+id, e.keyB, "", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("other department GET batch = %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.do(t, "GET", "/api/v1/batches/"+id, "", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous GET batch = %d, want 401", resp.StatusCode)
	}
}

func TestBatchMultipartCSV(t *testing.T) {
	e := newEnv(t)
	rows := e.rows(t, e.deptA, 2)
	var csv strings.Builder
	csv.WriteString("\ufeff")
	codes := []string{}
	for k := range rows[0] {
		codes = append(codes, k)
	}
	csv.WriteString(strings.Join(codes, ",") + "\n")
	for _, r := range rows {
		var vals []string
		for _, c := range codes {
			vals = append(vals, `"`+strings.ReplaceAll(r[c], `"`, `""`)+`"`)
		}
		csv.WriteString(strings.Join(vals, ",") + "\n")
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "处罚.csv")
	fw.Write([]byte(csv.String()))
	mw.Close()
	resp, m := e.do(t, "POST", "/api/v1/batches?class=penalty", e.keyA, mw.FormDataContentType(), &body)
	if resp.StatusCode != http.StatusCreated || m["accepted"] != 2.0 {
		t.Fatalf("multipart: %d %v", resp.StatusCode, m)
	}
}

func TestBatchErrors(t *testing.T) {
	e := newEnv(t)
	rows, _ := json.Marshal(e.rows(t, e.deptA, 1))
	// A multipart upload that broke off: the file's part without its
	// closing boundary.
	var open bytes.Buffer
	mw := multipart.NewWriter(&open)
	fw, _ := mw.CreateFormFile("file", "处罚.json")
	fw.Write(rows)
	for _, test := range []struct {
		name, path, key, ctype string
		body                   io.Reader
		status                 int
		code                   string
	}{
		{"NoKey", "/api/v1/batches?class=penalty", "", "application/json", bytes.NewReader(rows), 401, credit.EUNAUTHORIZED},
		{"BadKey", "/api/v1/batches?class=penalty", "jlc_nope", "application/json", bytes.NewReader(rows), 401, credit.EUNAUTHORIZED},
		{"UnknownClass", "/api/v1/batches?class=nope", e.keyA, "application/json", bytes.NewReader(rows), 404, credit.ENOTFOUND},
		{"NoClass", "/api/v1/batches", e.keyA, "application/json", bytes.NewReader(rows), 400, credit.EINVALID},
		{"OtherDepartment", "/api/v1/batches?class=penalty&department=" + e.deptA.Code, e.keyB, "application/json", bytes.NewReader(rows), 403, credit.EFORBIDDEN},
		{"BadContentType", "/api/v1/batches?class=penalty", e.keyA, "image/png", bytes.NewReader(rows), 400, credit.EINVALID},
		{"TooLarge", "/api/v1/batches?class=penalty", e.keyA, "text/csv", bytes.NewReader(bytes.Repeat([]byte("a,b\n"), 1<<19)), 413, credit.ETOOLARGE},
		{"Empty", "/api/v1/batches?class=penalty", e.keyA, "text/csv", strings.NewReader(""), 400, credit.EINVALID},
		{"BrokenJSON", "/api/v1/batches?class=penalty", e.keyA, "application/json", strings.NewReader(`[{"CF_WSH": 1}, {`), 400, credit.EINVALID},
		{"GarbageMultipart", "/api/v1/batches?class=penalty", e.keyA, "multipart/form-data; boundary=xx", strings.NewReader("garbage"), 400, credit.EINVALID},
		{"MultipartBrokenOff", "/api/v1/batches?class=penalty", e.keyA, mw.FormDataContentType(), &open, 400, credit.EINVALID},
	} {
		t.Run(test.name, func(t *testing.T) {
			resp, m := e.do(t, "POST", test.path, test.key, test.ctype, test.body)
			if resp.StatusCode != test.status || m["code"] != test.code {
				t.Errorf("got %d %v, want %d %s", resp.StatusCode, m, test.status, test.code)
			}
			if msg, _ := m["message"].(string); msg == "" || !hasHan(msg) {
				t.Errorf("message %q is not a Chinese sentence", msg)
			}
		})
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestArchiveSearchLedger(t *testing.T) {
	e := newEnv(t)
	rows := e.rows(t, e.deptA, 20)
	body, _ := json.Marshal(rows)
	if resp, m := e.do(t, "POST", "/api/v1/batches?class=penalty", e.keyA, "application/json", bytes.NewReader(body)); resp.StatusCode != 201 {
		t.Fatalf("submit: %v", m)
	}
	// Find an organisation with a record still inside its publicity window.
	var code string
	for _, r := range rows {
		if r["CF_XDR_LB"] == "法人及非法人组织" {
			_, a := e.do(t, "GET", "/api/v1/subjects/"+r["CF_XDR_SHXYM"]+"/archive", "", "", nil)
			if a["total"].(float64) > 0 {
				code = r["CF_XDR_SHXYM"]
				name := r["CF_XDR_MC"]
				_, s := e.do(t, "GET", "/api/v1/subjects?q="+urlq(string([]rune(name)[2:4])), "", "", nil)
				if s["total"].(float64) < 1 {
					t.Errorf("search %q found nothing", string([]rune(name)[2:4]))
				}
				break
			}
		}
	}
	if code == "" {
		t.Skip("no public organisation record in the generated rows")
	}
	// Persons: never public.
	for _, r := range rows {
		if r["CF_XDR_LB"] == "自然人" {
			if resp, _ := e.do(t, "GET", "/api/v1/subjects/"+r["CF_XDR_ZJHM"]+"/archive", "", "", nil); resp.StatusCode != 404 {
				t.Errorf("public archive of a person = %d, want 404", resp.StatusCode)
			}
			ctx := credit.NewContextWithActor(context.Background(), credit.System)
			dep, err := e.db.FindDepartmentByCode(ctx, e.deptB.Code)
			if err != nil {
				t.Fatal(err)
			}
			share, _, err := e.db.CreateAPIKey(ctx, dep.ID, []string{access.ScopeShare})
			if err != nil {
				t.Fatal(err)
			}
			if resp, a := e.do(t, "GET", "/api/v1/subjects/"+r["CF_XDR_ZJHM"]+"/archive?purpose=test", share, "", nil); resp.StatusCode != 200 || a["audience"] != "government" {
				t.Errorf("government archive of a person = %d %v", resp.StatusCode, a["audience"])
			}
			break
		}
	}
	resp, cp := e.do(t, "GET", "/api/v1/ledger/checkpoint", "", "", nil)
	if resp.StatusCode != 200 || cp["size"].(float64) != 20 || !strings.HasPrefix(cp["note"].(string), "jl.credit.gov.cn/ledger\n20\n") {
		t.Fatalf("checkpoint = %v", cp)
	}
	// The audit log's tree: its own origin, signed with the same key.
	resp, acp := e.do(t, "GET", "/api/v1/ledger/checkpoint?log=audit", "", "", nil)
	if resp.StatusCode != 200 || acp["size"].(float64) < 1 || !strings.HasPrefix(acp["note"].(string), "jl.credit.gov.cn/audit\n") {
		t.Errorf("audit checkpoint = %d %v", resp.StatusCode, acp)
	}
	if resp, m := e.do(t, "GET", "/api/v1/ledger/checkpoint?log=x", "", "", nil); resp.StatusCode != 400 || m["code"] != credit.EINVALID ||
		m["message"] != "参数log的值“x”无效，应为records（信用记录，默认）或audit（审计日志）" {
		t.Errorf("log=x: %d %v, want 400 invalid naming the parameter and its values", resp.StatusCode, m)
	}
	if resp, m := e.do(t, "GET", "/api/v1/ledger/checkpoint?format=x", "", "", nil); resp.StatusCode != 400 || m["code"] != credit.EINVALID ||
		!strings.Contains(m["message"].(string), "参数format的值“x”无效") {
		t.Errorf("format=x: %d %v, want 400 invalid naming the parameter", resp.StatusCode, m)
	}
	// Consistency: anonymous callers may ask; bad sizes are 400 in Chinese.
	for _, c := range []struct{ query, want string }{
		{"", "请用参数old给出您保存的旧检查点的大小"},
		{"?old=abc", "参数old的值“abc”无效"},
		{"?old=0", "旧检查点的大小0无效"},
		{"?old=99999999", "旧检查点的大小99999999无效"},
		{"?old=1&log=x", "参数log的值“x”无效"},
	} {
		if resp, m := e.do(t, "GET", "/api/v1/ledger/consistency"+c.query, "", "", nil); resp.StatusCode != 400 || m["code"] != credit.EINVALID ||
			!strings.Contains(m["message"].(string), c.want) {
			t.Errorf("consistency%s: %d %v, want 400 saying %q", c.query, resp.StatusCode, m, c.want)
		}
	}
	if resp, m := e.do(t, "GET", "/api/v1/ledger/consistency?old=1", "", "", nil); resp.StatusCode != 200 || m["proof"] == nil || m["checkpoint"] == nil {
		t.Errorf("consistency?old=1: %d %v", resp.StatusCode, m)
	}
	resp2, _ := http.Get(e.srv.URL + "/api/v1/records/1/proof")
	var p ledger.RecordProof
	json.NewDecoder(resp2.Body).Decode(&p)
	resp2.Body.Close()
	if resp2.StatusCode == 200 {
		if err := tlog.CheckRecord(p.Proof.Hashes, p.Proof.Size, p.Checkpoint.Root, p.Proof.Index, p.Proof.Leaf); err != nil {
			t.Errorf("proof does not verify with tlog: %v", err)
		}
		if p.Canonical != "" && tlog.RecordHash([]byte(p.Canonical)) != p.Proof.Leaf {
			t.Errorf("canonical bytes do not hash to the proof's leaf")
		}
	} else if resp2.StatusCode != 404 {
		t.Errorf("proof status %d", resp2.StatusCode)
	}
	if resp, _ := e.do(t, "GET", "/api/v1/records/abc/proof", "", "", nil); resp.StatusCode != 400 {
		t.Errorf("bad record id = %d, want 400", resp.StatusCode)
	}
	_ = record.Active
}

// shareKey issues department d a key with the share scope.
func (e *env) shareKey(t *testing.T, d demo.Department) string {
	t.Helper()
	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	dep, err := e.db.FindDepartmentByCode(ctx, d.Code)
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := e.db.CreateAPIKey(ctx, dep.ID, []string{access.ScopeShare})
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func (e *env) queryLogRows(t *testing.T) int {
	t.Helper()
	var n int
	if err := e.db.SQL().QueryRow(`SELECT COUNT(*) FROM query_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRecordReadsByAudience: GET /api/v1/records/{id} and its proof give
// the public the public view (no identity numbers; a proof without the
// canonical bytes, with a note, when the record has fields the public may
// not see), the submitting department its current versions in full, and
// another department its records only as the public sees them; superseded
// versions are not served to either.
func TestRecordReadsByAudience(t *testing.T) {
	e := newEnv(t)
	rows := e.rows(t, e.deptA, 30)
	body, _ := json.Marshal(rows)
	if resp, m := e.do(t, "POST", "/api/v1/batches?class=penalty", e.keyA, "application/json", bytes.NewReader(body)); resp.StatusCode != 201 {
		t.Fatalf("submit: %v", m)
	}
	shareA, shareB := e.shareKey(t, e.deptA), e.shareKey(t, e.deptB)
	sys := credit.NewContextWithActor(context.Background(), credit.System)
	// A public record with the legal representative's identity number.
	var id credit.RecordID
	var row map[string]string
	for n := credit.RecordID(1); n <= 30 && id == 0; n++ {
		r, err := e.db.FindRecordByID(sys, n)
		if err != nil {
			t.Fatal(err)
		}
		if resp, _ := e.do(t, "GET", "/api/v1/records/"+itoa(n), "", "", nil); resp.StatusCode == 200 && r.Fields["CF_FR_ZJHM"] != "" {
			id = n
			for _, x := range rows {
				if x["CF_WSH"] == r.Fields["CF_WSH"] {
					row = x
				}
			}
		}
	}
	if id == 0 || row == nil {
		t.Skip("no public record with CF_FR_ZJHM in the generated rows")
	}
	path := "/api/v1/records/" + itoa(id)
	proof := func(key string) (int, map[string]any, ledger.RecordProof) {
		t.Helper()
		resp, m := e.do(t, "GET", path+"/proof", key, "", nil)
		b, _ := json.Marshal(m)
		var p ledger.RecordProof
		json.Unmarshal(b, &p)
		if resp.StatusCode == 200 {
			if err := tlog.CheckRecord(p.Proof.Hashes, p.Proof.Size, p.Checkpoint.Root, p.Proof.Index, p.Proof.Leaf); err != nil {
				t.Errorf("proof does not verify: %v", err)
			}
		}
		return resp.StatusCode, m, p
	}
	for _, test := range []struct {
		name, key string
		full      bool
	}{{"Anonymous", "", false}, {"OtherDepartment", shareB, false}, {"OwnDepartment", shareA, true}} {
		t.Run(test.name, func(t *testing.T) {
			resp, rec := e.do(t, "GET", path, test.key, "", nil)
			fields, _ := rec["fields"].(map[string]any)
			if _, shown := fields["CF_FR_ZJHM"]; resp.StatusCode != 200 || shown != test.full {
				t.Errorf("GET %s = %d, CF_FR_ZJHM shown %v, want 200 and %v", path, resp.StatusCode, shown, test.full)
			}
			st, m, p := proof(test.key)
			_, hasCanonical := m["canonical"]
			note, _ := m["note"].(string)
			if st != 200 || hasCanonical != test.full || (note != "") == test.full {
				t.Errorf("proof = %d, canonical %v, note %q; want 200, canonical %v", st, hasCanonical, note, test.full)
			}
			if test.full && tlog.RecordHash([]byte(p.Canonical)) != p.Proof.Leaf {
				t.Errorf("canonical bytes do not hash to the leaf")
			}
			if !test.full && (!strings.Contains(note, "只提供给管理员和报送该记录的部门") || strings.Contains(fmt.Sprint(m), "enc:v1")) {
				t.Errorf("proof without canonical bytes: note %q, sealed numbers in the body: %v", note, strings.Contains(fmt.Sprint(m), "enc:v1"))
			}
		})
	}
	// A new version supersedes the record: the old one is for administrators only.
	changed := maps.Clone(row)
	changed["CF_SY"] += "（更正）"
	body, _ = json.Marshal([]map[string]string{changed})
	if resp, m := e.do(t, "POST", "/api/v1/batches?class=penalty", e.keyA, "application/json", bytes.NewReader(body)); resp.StatusCode != 201 || m["accepted"] != 1.0 {
		t.Fatalf("resubmit: %d %v", resp.StatusCode, m)
	}
	if old, err := e.db.FindRecordByID(sys, id); err != nil || old.Current {
		t.Fatalf("record %d after the new version: current %v, %v", id, old != nil && old.Current, err)
	}
	for _, key := range []string{"", shareA, shareB} {
		before := e.queryLogRows(t)
		if resp, _ := e.do(t, "GET", path, key, "", nil); resp.StatusCode != 404 {
			t.Errorf("superseded version: GET = %d, want 404", resp.StatusCode)
		}
		if st, _, _ := proof(key); st != 404 {
			t.Errorf("superseded version: proof = %d, want 404", st)
		}
		if n := e.queryLogRows(t) - before; n != 0 {
			t.Errorf("%d query-log rows for refused reads", n)
		}
	}
}

// TestSubjectSearchExcludesPersons: the API's subject search leaves persons
// out for every caller, as the console's does; a department finds a person
// through a verification or an archive read, which are logged.
func TestSubjectSearchExcludesPersons(t *testing.T) {
	e := newEnv(t)
	rows := e.rows(t, e.deptA, 30)
	body, _ := json.Marshal(rows)
	if resp, m := e.do(t, "POST", "/api/v1/batches?class=penalty", e.keyA, "application/json", bytes.NewReader(body)); resp.StatusCode != 201 {
		t.Fatalf("submit: %v", m)
	}
	var person map[string]string
	for _, r := range rows {
		if r["CF_XDR_LB"] == "自然人" {
			person = r
			break
		}
	}
	if person == nil {
		t.Skip("no person in the generated rows")
	}
	share := e.shareKey(t, e.deptB)
	for _, key := range []string{"", share} {
		before := e.queryLogRows(t)
		for _, q := range []string{person["CF_XDR_ZJHM"], person["CF_XDR_MC"]} {
			resp, m := e.do(t, "GET", "/api/v1/subjects?q="+urlq(q), key, "", nil)
			if resp.StatusCode != 200 || m["total"] != 0.0 {
				t.Errorf("search %q with key %v: %d %v, want 200 and no subject", q, key != "", resp.StatusCode, m)
			}
		}
		if n := e.queryLogRows(t) - before; n != 0 {
			t.Errorf("searches wrote %d query-log rows", n)
		}
	}
	// The archive, with a purpose, is how a department reads a person's record: logged.
	before := e.queryLogRows(t)
	if resp, a := e.do(t, "GET", "/api/v1/subjects/"+person["CF_XDR_ZJHM"]+"/archive?purpose="+urlq("行政许可审批"), share, "", nil); resp.StatusCode != 200 || a["audience"] != "government" {
		t.Errorf("government archive of the person = %d %v", resp.StatusCode, a["audience"])
	}
	if n := e.queryLogRows(t) - before; n != 1 {
		t.Errorf("archive read wrote %d query-log rows, want 1", n)
	}
}

// TestListEntryRecordPublic: an anonymous reader of a list entry's record
// gets the 法定代表人 (public registration data) but not the 直接责任人, a
// natural person, nor any identity number.
func TestListEntryRecordPublic(t *testing.T) {
	e := newEnv(t)
	company := uscc(t, "91220101MA0Y8888")
	from := e.asOf.AddDate(0, -1, 0).Format(credit.DateLayout)
	until := e.asOf.AddDate(2, 0, 0).Format(credit.DateLayout)
	row := map[string]string{
		"名单类型": "严重失信主体名单", "主体名称": "长春责任测试建筑有限公司", "主体类别": "法人及非法人组织", "统一社会信用代码": company,
		"法定代表人（主要负责人）": "张法代", "直接责任人": "李责任", "直接责任人证件类型": "身份证", "直接责任人证件号码": "220102199002021236",
		"认定文书号": "吉失〔2026〕77号", "认定日期": from, "认定部门": e.deptA.Name, "认定部门统一社会信用代码": e.deptA.Code,
		"列入事由": "拒不支付农民工工资，情节严重", "列入依据": "《保障农民工工资支付条例》第四十八条",
		"失信惩戒措施提示": "限制参加政府采购、招标投标", "移出条件和程序": "满1年且已清偿的，可申请提前移出", "救济措施": "可依法申请行政复议或者提起行政诉讼",
		"有效期起": from, "有效期止": until, "数据来源单位统一社会信用代码": e.deptA.Code,
	}
	body, _ := json.Marshal([]map[string]string{row})
	resp, m := e.do(t, "POST", "/api/v1/batches?class=list_entry", e.keyA, "application/json", bytes.NewReader(body))
	if resp.StatusCode != 201 || m["accepted"] != 1.0 {
		_, b := e.do(t, "GET", "/api/v1/batches/"+fmt.Sprint(m["batch"]), e.keyA, "", nil)
		t.Fatalf("submit: %d %v; %v", resp.StatusCode, m, b["errors"])
	}
	resp, a := e.do(t, "GET", "/api/v1/subjects/"+company+"/archive", "", "", nil)
	if resp.StatusCode != 200 || a["total"] != 1.0 {
		t.Fatalf("public archive: %d %v", resp.StatusCode, a)
	}
	entry := a["sections"].([]any)[0].(map[string]any)["entries"].([]any)[0].(map[string]any)
	id := credit.RecordID(entry["record"].(map[string]any)["id"].(float64))
	for _, fields := range []map[string]any{entry["fields"].(map[string]any), e.recordFields(t, id, "")} {
		for _, code := range []string{"MD_ZRR", "MD_ZRR_ZJLX", "MD_ZRR_ZJHM"} {
			if v, ok := fields[code]; ok {
				t.Errorf("the public reads %s = %v", code, v)
			}
		}
		if fields["MD_FDDBR"] != "张法代" {
			t.Errorf("the public reads MD_FDDBR = %v, want the legal representative", fields["MD_FDDBR"])
		}
	}
	if got := e.recordFields(t, id, e.shareKey(t, e.deptA))["MD_ZRR"]; got != "李责任" {
		t.Errorf("the listing department reads MD_ZRR = %v, want 李责任", got)
	}
}

func (e *env) recordFields(t *testing.T, id credit.RecordID, key string) map[string]any {
	t.Helper()
	resp, rec := e.do(t, "GET", "/api/v1/records/"+itoa(id), key, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("GET record %d: %d %v", id, resp.StatusCode, rec)
	}
	fields, _ := rec["fields"].(map[string]any)
	return fields
}

func itoa(id credit.RecordID) string { return strconv.FormatInt(int64(id), 10) }

func urlq(s string) string { return strings.NewReplacer(" ", "%20").Replace(s) }

// TestOpenAPICoversRoutes: every route the API registers is described in
// openapi.json with the scope it declares (x-credit-scope, "none" for
// public routes), operations that take a key document 403 and 429, and the
// document is valid JSON.
func TestOpenAPICoversRoutes(t *testing.T) {
	spec, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	type operation struct {
		Scope     string           `json:"x-credit-scope"`
		Security  []map[string]any `json:"security"`
		Responses map[string]any   `json:"responses"`
	}
	var doc struct {
		Paths map[string]map[string]operation `json:"paths"`
	}
	if err := json.Unmarshal(spec, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	routes := jsonapi.RouteScopes()
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		op, ok := doc.Paths[strings.TrimPrefix(path, "/api/v1")][strings.ToLower(method)]
		if !ok {
			t.Errorf("route %s is not in openapi.json", rt.Pattern)
			continue
		}
		want := rt.Scope
		if want == "" {
			want = "none"
		}
		if op.Scope != want {
			t.Errorf("route %s: x-credit-scope = %q, want %q", rt.Pattern, op.Scope, want)
		}
		if _, ok := op.Responses["429"]; !ok {
			t.Errorf("route %s: 429 not documented", rt.Pattern)
		}
		if _, ok := op.Responses["403"]; rt.Scope != "" && (!ok || len(op.Security) == 0) {
			t.Errorf("route %s: scoped route without security or 403", rt.Pattern)
		}
	}
	n := 0
	for _, ops := range doc.Paths {
		n += len(ops)
	}
	if n != len(routes) {
		t.Errorf("openapi.json describes %d operations, the API has %d routes", n, len(routes))
	}
	if n < 20 {
		t.Errorf("found only %d routes", n)
	}
}

// TestBatchRawBodyBrokenOff: a raw CSV body that ends before its
// Content-Length (the client's connection broke) is refused with 400, also
// when it breaks off before the first bytes the format is sniffed from.
func TestBatchRawBodyBrokenOff(t *testing.T) {
	e := newEnv(t)
	for _, sent := range []int{100, 3000} {
		conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		body := strings.Repeat("a", sent)
		fmt.Fprintf(conn, "POST /api/v1/batches?class=penalty&filename=x.csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: text/csv\r\nContent-Length: 5100\r\n\r\n%s", e.keyA, body)
		conn.(*net.TCPConn).CloseWrite()
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%d bytes sent: %v", sent, err)
		}
		b, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "上传中断") {
			t.Errorf("%d of 5100 bytes sent: %d %s", sent, resp.StatusCode, b)
		}
	}
}
