package jsonapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/jsonapi"
	"jlcredit/internal/lists"
	"jlcredit/internal/lists/liststest"
	"jlcredit/internal/storage/storagetest"
	"jlcredit/internal/subject/subjecttest"
)

func uscc(tb testing.TB, prefix16 string) string { return subjecttest.USCC(tb, prefix16) }

type apiClient struct {
	t   *testing.T
	url string
}

func (c apiClient) do(method, path, key string, body any, out any) int {
	c.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, c.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	json.NewDecoder(resp.Body).Decode(&raw)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	if resp.StatusCode >= 400 {
		c.t.Logf("%s %s -> %d %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode
}

// TestListsAPI lists a company as department A, verifies it in 政府采购 as
// department B, records feedback, removes the entry and verifies again.
func TestListsAPI(t *testing.T) {
	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	db := storagetest.SQLite(t, time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC))
	a := &access.Department{Code: uscc(t, "11220000MB000033"), Name: "吉林省税务局", RegionCode: "220000", Kind: "tax"}
	b := &access.Department{Code: uscc(t, "11220000MB000044"), Name: "吉林省政府采购中心", RegionCode: "220000", Kind: "procurement"}
	keys := map[*access.Department]string{}
	for _, d := range []*access.Department{a, b} {
		if err := db.UpsertDepartment(ctx, d); err != nil {
			t.Fatal(err)
		}
		k, _, err := db.CreateAPIKey(ctx, d.ID, []string{access.ScopeIngest, access.ScopeVerify})
		if err != nil {
			t.Fatal(err)
		}
		keys[d] = k
	}
	srv := httptest.NewServer((&jsonapi.Server{Backend: db}).Handler())
	defer srv.Close()
	c := apiClient{t, srv.URL}
	company := uscc(t, "91220101MA0Y7777")

	row := map[string]string{
		"名单类型": "重大税收违法失信主体", "主体名称": "长春鑫达贸易有限公司", "主体类别": "法人及非法人组织", "统一社会信用代码": company, "法定代表人（主要负责人）": "张鑫达",
		"认定文书号": "吉税稽公〔2026〕8号", "认定日期": "2026-05-06", "认定部门": a.Name, "认定部门统一社会信用代码": a.Code,
		"列入事由": "虚开增值税专用发票", "列入依据": "《重大税收违法失信主体信息公布管理办法》第六条",
		"失信惩戒措施提示": "阻止出境；限制享受税收优惠", "移出条件和程序": "公布届满3年或依法提前停止公布", "救济措施": "可依法申请行政复议或提起行政诉讼",
		"有效期起": "2026-05-06", "有效期止": "2029-05-05", "数据来源单位统一社会信用代码": a.Code,
	}
	var rc struct{ Accepted, Rejected int }
	if st := c.do("POST", "/api/v1/batches?class=list_entry", keys[a], []map[string]string{row}, &rc); st != http.StatusCreated || rc.Accepted != 1 {
		t.Fatalf("submit = %d %+v", st, rc)
	}

	req := lists.VerificationRequest{Scenario: "政府采购", Purpose: "2026年度信息化设备采购",
		Subjects: []lists.Query{{Code: " " + company[:9] + " " + company[9:]}, {Name: "不存在的公司"}}}
	if st := c.do("POST", "/api/v1/verifications", "", req, nil); st != http.StatusUnauthorized {
		t.Errorf("anonymous verification = %d, want 401", st)
	}
	bad := req
	bad.Scenario = "买菜"
	if st := c.do("POST", "/api/v1/verifications", keys[b], bad, nil); st != http.StatusBadRequest {
		t.Errorf("bad scenario = %d, want 400", st)
	}
	var v lists.Verification
	if st := c.do("POST", "/api/v1/verifications", keys[b], req, &v); st != http.StatusCreated {
		t.Fatalf("verify = %d", st)
	}
	r0 := v.Results[0]
	if !r0.Found || r0.Verdict != lists.Restricted || len(r0.Entries) != 1 || r0.Entries[0].ListName != "重大税收违法失信主体" {
		t.Fatalf("result = %+v", r0)
	}
	if len(r0.Measures) == 0 || r0.Measures[0].Code != "N1-01" || r0.Measures[0].Obligation != lists.Must || r0.Measures[0].Basis == "" {
		t.Errorf("measures = %+v", r0.Measures)
	}
	if v.Results[1].Found || v.Results[1].Verdict != lists.NoVerdict {
		t.Errorf("unknown subject = %+v", v.Results[1])
	}
	path := "/api/v1/verifications/" + strconv.FormatInt(v.ID, 10)
	if st := c.do("GET", path, keys[a], nil, nil); st != http.StatusForbidden {
		t.Errorf("other department GET = %d, want 403", st)
	}
	// The printable report: the page the console serves too
	// (lists.WriteReportHTML), checked as the console's test checks it.
	code, hdr, body := rawGet(t, srv.URL+path+"/report.html", keys[b])
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("report.html = %d %v", code, hdr)
	}
	if csp := hdr.Get("Content-Security-Policy"); !strings.HasPrefix(csp, lists.ReportHTMLPolicy) || hdr.Get("Cache-Control") != "no-store" {
		t.Errorf("report.html: CSP %q, Cache-Control %q", csp, hdr.Get("Cache-Control"))
	}
	rep, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	liststest.CheckReportHTML(t, rep, "长春鑫达贸易有限公司", req.Purpose, row["列入事由"], row["列入依据"])
	if info := rep.Find("dl.info").Text(); !strings.Contains(info, b.Name) {
		t.Errorf("report info = %q, want the verifying department %s", info, b.Name)
	}
	fb := map[string]any{"feedback": []map[string]any{{"seq": 1, "measure_code": "N1-01", "applied": true, "applied_on": "2026-11-20"}}}
	if st := c.do("POST", path+"/feedback", keys[b], fb, nil); st != http.StatusCreated {
		t.Fatalf("feedback = %d", st)
	}
	var fl struct{ Feedback []lists.Feedback }
	if st := c.do("GET", path+"/feedback", keys[b], nil, &fl); st != http.StatusOK || len(fl.Feedback) != 1 {
		t.Errorf("feedback list = %d %+v", st, fl)
	}
	var st lists.Stats
	if code := c.do("GET", "/api/v1/verifications/stats", keys[b], nil, &st); code != http.StatusOK || st.Total.Hits != 1 || st.Total.FeedbackRate != 1 {
		t.Errorf("stats = %d %+v", code, st.Total)
	}

	// Remove (only department A), then verify again.
	var el struct {
		Entries []lists.Entry
		Total   int
	}
	c.do("GET", "/api/v1/lists/entries?type=tax_major", keys[b], nil, &el)
	if el.Total != 1 {
		t.Fatalf("entries = %+v", el)
	}
	rm := "/api/v1/lists/entries/" + strconv.FormatInt(int64(el.Entries[0].RecordID), 10) + "/removal"
	if code := c.do("POST", rm, keys[b], map[string]string{"reason": "x"}, nil); code != http.StatusForbidden {
		t.Errorf("removal by B = %d, want 403", code)
	}
	var removed lists.Entry
	if code := c.do("POST", rm, keys[a], map[string]string{"reason": "经复议撤销认定决定", "kind": "撤销认定"}, &removed); code != http.StatusOK || removed.RemovedOn == nil {
		t.Fatalf("removal = %d %+v", code, removed)
	}
	var v2 lists.Verification
	c.do("POST", "/api/v1/verifications", keys[b], req, &v2)
	if v2.Results[0].Verdict != lists.NoVerdict || v2.DataVersion <= v.DataVersion {
		t.Errorf("after removal verdict %s, data version %d -> %d", v2.Results[0].Verdict, v.DataVersion, v2.DataVersion)
	}

	// Measures: read by anyone with a key, edited only by the province.
	var ms struct{ Measures []lists.Measure }
	if code := c.do("GET", "/api/v1/measures", keys[b], nil, &ms); code != http.StatusOK || len(ms.Measures) < 14 {
		t.Errorf("measures = %d, %d", code, len(ms.Measures))
	}
	m := ms.Measures[0]
	if code := c.do("PUT", "/api/v1/measures/"+m.Code, keys[b], m, nil); code != http.StatusForbidden {
		t.Errorf("department edits measure = %d, want 403", code)
	}
	if !strings.HasPrefix(m.Code, "N") {
		t.Errorf("first measure %s", m.Code)
	}
}
