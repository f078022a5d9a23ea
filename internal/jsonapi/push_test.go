package jsonapi_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/jsonapi"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
	"jlcredit/internal/storage/storagetest"
	"jlcredit/internal/subject"
	"jlcredit/internal/subject/subjecttest"
)

func citizenID(tb testing.TB, first17 string) string { return subjecttest.CitizenID(tb, first17) }

// rawGet returns the status, headers and body of a GET.
func rawGet(t *testing.T, url, key string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// TestPushAPI: department B subscribes and verifies a company; department A
// lists it; B gets an alert in its inbox and a signed webhook, acknowledges
// with feedback, and downloads the verification report.
func TestPushAPI(t *testing.T) {
	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	db := storagetest.SQLite(t, time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC))
	a := &access.Department{Code: uscc(t, "11220000MB000077"), Name: "吉林省人力资源和社会保障厅", RegionCode: "220000", Kind: "human_resources"}
	b := &access.Department{Code: uscc(t, "11220000MB000088"), Name: "吉林省政府采购中心", RegionCode: "220000", Kind: "procurement"}
	keys := map[*access.Department]string{}
	for _, d := range []*access.Department{a, b} {
		if err := db.UpsertDepartment(ctx, d); err != nil {
			t.Fatal(err)
		}
		k, _, err := db.CreateAPIKey(ctx, d.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		keys[d] = k
	}
	srv := httptest.NewServer((&jsonapi.Server{Backend: db}).Handler())
	defer srv.Close()
	c := apiClient{t, srv.URL}
	company := uscc(t, "91220101MA0Y8888")
	rep := citizenID(t, "22010219750303123")
	stranger := citizenID(t, "22010219900909456")
	if err := db.EnsureSubjects(ctx, []record.SubjectRef{{Name: "长春（宏远）劳务派遣有限公司", Type: string(subject.Enterprise), USCC: company}}); err != nil {
		t.Fatal(err)
	}

	// Webhook receiver.
	var mu sync.Mutex
	var hooks []*http.Request
	var bodies [][]byte
	rv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		hooks, bodies = append(hooks, r), append(bodies, body)
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer rv.Close()

	// Subscriptions: validated, created by a department key, secret once.
	if st := c.do("POST", "/api/v1/subscriptions", "", map[string]any{"url": rv.URL}, nil); st != http.StatusUnauthorized {
		t.Errorf("anonymous subscription = %d", st)
	}
	if st := c.do("POST", "/api/v1/subscriptions", keys[b], map[string]any{"url": "ftp://x.gov.cn/"}, nil); st != http.StatusBadRequest {
		t.Errorf("ftp subscription = %d", st)
	}
	// The receiver is on 127.0.0.1: refused until an operator allows the
	// network (CREDIT_WEBHOOK_NETWORKS), as for the 电子政务外网.
	t.Cleanup(lists.SetWebhookNetworks(&lists.WebhookPolicy{}))
	for _, u := range []string{rv.URL + "/hook", "http://169.254.169.254/latest/meta-data/", "https://[::1]/", "https://10.0.0.1/"} {
		var e credit.Error
		if st := c.do("POST", "/api/v1/subscriptions", keys[b], map[string]any{"url": u}, &e); st != http.StatusBadRequest || !strings.Contains(e.Message, "不允许推送到") ||
			len(e.Details) == 0 || e.Details[0].Field != "url" {
			t.Errorf("subscription to %s = %d %+v", u, st, e)
		}
	}
	t.Cleanup(lists.SetWebhookNetworks(&lists.WebhookPolicy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}))
	var sub lists.Subscription
	if st := c.do("POST", "/api/v1/subscriptions", keys[b], map[string]any{"url": rv.URL + "/hook", "list_types": []string{"black"}}, &sub); st != http.StatusCreated || sub.Secret == "" {
		t.Fatalf("subscription = %d %+v", st, sub)
	}
	var subs struct{ Subscriptions []lists.Subscription }
	if st := c.do("GET", "/api/v1/subscriptions", keys[b], nil, &subs); st != http.StatusOK || len(subs.Subscriptions) != 1 || subs.Subscriptions[0].Secret != "" {
		t.Errorf("subscriptions = %d %+v", st, subs)
	}

	// B verifies the company before it is listed: nothing found.
	req := lists.VerificationRequest{Scenario: "政府采购", Purpose: "2026年劳务外包服务采购", Subjects: []lists.Query{{Code: company}}}
	var v0 lists.Verification
	if st := c.do("POST", "/api/v1/verifications", keys[b], req, &v0); st != http.StatusCreated || v0.Results[0].Verdict != lists.NoVerdict || !v0.Results[0].Found {
		t.Fatalf("first verification = %d %+v", st, v0.Results)
	}

	// A lists the company (发起).
	row := map[string]string{
		"名单类型": "拖欠农民工工资失信联合惩戒对象", "主体名称": "长春（宏远）劳务派遣有限公司", "主体类别": "法人及非法人组织", "统一社会信用代码": company,
		"法定代表人": "赵宏远", "法定代表人证件类型": "身份证", "法定代表人证件号码": rep,
		"认定文书号": "吉人社失〔2026〕21号", "认定日期": "2026-11-02", "认定部门": a.Name, "认定部门统一社会信用代码": a.Code,
		"列入事由": "拒不支付农民工工资，情节严重", "列入依据": "《保障农民工工资支付条例》第四十八条",
		"失信惩戒措施提示": "限制参加政府采购", "移出条件和程序": "满1年且已清偿的可申请提前移出", "救济措施": "可依法申请行政复议或提起行政诉讼",
		"有效期起": "2026-11-02", "有效期止": "2029-11-01", "数据来源单位统一社会信用代码": a.Code,
	}
	var rc struct{ Accepted, Rejected int }
	if st := c.do("POST", "/api/v1/batches?class=list_entry", keys[a], []map[string]string{row}, &rc); st != http.StatusCreated || rc.Accepted != 1 {
		t.Fatalf("submit = %d %+v", st, rc)
	}

	// 响应: B's inbox has an alert (it verified the company 0 days ago).
	var inbox struct {
		Notifications []lists.Notification
		Total         int
		Unacked       int
	}
	if st := c.do("GET", "/api/v1/inbox", "", nil, nil); st != http.StatusUnauthorized {
		t.Errorf("anonymous inbox = %d", st)
	}
	if st := c.do("GET", "/api/v1/inbox?kind=bogus", keys[b], nil, nil); st != http.StatusBadRequest {
		t.Errorf("bad kind = %d", st)
	}
	if st := c.do("GET", "/api/v1/inbox?unacked=1", keys[b], nil, &inbox); st != http.StatusOK || inbox.Total != 1 || inbox.Unacked != 1 {
		t.Fatalf("inbox = %d %+v", st, inbox)
	}
	n := inbox.Notifications[0]
	if n.Kind != lists.NotifyAlert || n.Alert == nil || n.Alert.VerificationID != v0.ID || n.Entry.ListType != "wage_arrears" || n.Subject.Code != company {
		t.Errorf("notification = %+v", n)
	}
	c.do("GET", "/api/v1/inbox", keys[a], nil, &inbox)
	if inbox.Total != 0 {
		t.Errorf("lister's inbox = %d items", inbox.Total)
	}

	// The webhook: the worker sends it, signed with the secret.
	if _, err := (&storage.Pusher{DB: db}).DeliverDue(context.Background(), db.Now()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(hooks) != 1 {
		t.Fatalf("hooks = %d", len(hooks))
	}
	h := hooks[0].Header
	if err := lists.VerifyWebhook(sub.Secret, h.Get("X-Credit-Signature"), h.Get("X-Credit-Delivery"), h.Get("X-Credit-Timestamp"), bodies[0], db.Now(), 5*time.Minute); err != nil {
		t.Errorf("signature: %v", err)
	}
	if h.Get("X-Credit-Event") != "alert" || hooks[0].URL.Path != "/hook" || bytes.Contains(bodies[0], []byte(rep)) {
		t.Errorf("hook %v %s", h, bodies[0])
	}
	mu.Unlock()
	var dl struct {
		Deliveries []lists.Delivery
		Total      int
	}
	path := "/api/v1/subscriptions/" + strconv.FormatInt(sub.ID, 10) + "/deliveries"
	if st := c.do("GET", path, keys[b], nil, &dl); st != http.StatusOK || dl.Total != 1 || dl.Deliveries[0].Status != lists.DeliveryDelivered || len(dl.Deliveries[0].Log) != 1 {
		t.Errorf("deliveries = %d %+v", st, dl)
	}
	if st := c.do("GET", path, keys[a], nil, nil); st != http.StatusForbidden {
		t.Errorf("other department's deliveries = %d", st)
	}
	if st := c.do("POST", "/api/v1/deliveries/"+strconv.FormatInt(dl.Deliveries[0].ID, 10)+"/retry", keys[b], nil, nil); st != http.StatusConflict {
		t.Errorf("retry of a delivered webhook = %d", st)
	}

	// 反馈.
	ack := "/api/v1/inbox/" + strconv.FormatInt(n.ID, 10) + "/ack"
	if st := c.do("POST", ack, keys[a], map[string]string{"feedback": "x"}, nil); st != http.StatusForbidden {
		t.Errorf("ack by lister = %d", st)
	}
	var acked lists.Notification
	if st := c.do("POST", ack, keys[b], map[string]string{"feedback": "已终止其参与2026年劳务外包服务采购"}, &acked); st != http.StatusOK || acked.AckedAt == nil || acked.Feedback == "" {
		t.Errorf("ack = %d %+v", st, acked)
	}
	if st := c.do("POST", ack, keys[b], map[string]string{"feedback": "again"}, nil); st != http.StatusConflict {
		t.Errorf("second ack = %d", st)
	}

	// Verification report: the company (restricted), its legal
	// representative (linked), a stranger (unknown person), a name.
	req.Subjects = []lists.Query{{Code: company}, {Code: rep}, {Code: stranger}, {Name: "不存在的公司"}}
	var v lists.Verification
	if st := c.do("POST", "/api/v1/verifications", keys[b], req, &v); st != http.StatusCreated {
		t.Fatalf("verification = %d", st)
	}
	base := srv.URL + "/api/v1/verifications/" + strconv.FormatInt(v.ID, 10)
	for _, ext := range []string{"xlsx", "html"} {
		if st, _, _ := rawGet(t, base+"/report."+ext, ""); st != http.StatusUnauthorized {
			t.Errorf("anonymous report.%s = %d", ext, st)
		}
		if st, _, _ := rawGet(t, base+"/report."+ext, keys[a]); st != http.StatusForbidden {
			t.Errorf("other department's report.%s = %d", ext, st)
		}
	}
	st, hdr, body := rawGet(t, base+"/report.xlsx", keys[b])
	if st != http.StatusOK || !strings.Contains(hdr.Get("Content-Disposition"), "attachment") || !strings.Contains(hdr.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("report.xlsx = %d %v", st, hdr)
	}
	if bytes.Contains(body, []byte(rep)) || bytes.Contains(body, []byte(stranger)) {
		t.Error("report.xlsx contains a citizen ID in clear")
	}
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("核查结果")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || strings.Join(rows[0], ",") != strings.Join(lists.ReportHeader, ",") {
		t.Fatalf("xlsx rows = %q", rows)
	}
	cell := func(r int, name string) string {
		for i, h := range rows[0] {
			if h == name && i < len(rows[r]) {
				return rows[r][i]
			}
		}
		return ""
	}
	if cell(1, "统一社会信用代码/证件号码") != company || cell(1, "是否找到") != "是" || !strings.HasPrefix(cell(1, "核查结论"), "受限") ||
		cell(1, "名单类型") != "拖欠农民工工资失信联合惩戒对象" || cell(1, "认定文书号") != "吉人社失〔2026〕21号" || cell(1, "有效期") != "2026-11-02 至 2029-11-01" ||
		!strings.Contains(cell(1, "应采取措施"), "N1-01") || cell(1, "认定部门") != a.Name {
		t.Errorf("company row = %q", rows[1])
	}
	if cell(2, "统一社会信用代码/证件号码") != subject.MaskCitizenID(rep) || !strings.HasPrefix(cell(2, "核查结论"), "提示") ||
		!strings.Contains(cell(2, "关联失信提示"), "长春（宏远）劳务派遣有限公司") || !strings.Contains(cell(2, "关联失信提示"), "法定代表人") {
		t.Errorf("linked person row = %q", rows[2])
	}
	if cell(3, "统一社会信用代码/证件号码") != subject.MaskCitizenID(stranger) || cell(3, "是否找到") != "否" || !strings.HasPrefix(cell(3, "核查结论"), "无") {
		t.Errorf("stranger row = %q", rows[3])
	}
	if cell(4, "主体名称") != "不存在的公司" || cell(4, "是否找到") != "否" {
		t.Errorf("name row = %q", rows[4])
	}
	info, _ := x.GetRows("核查信息")
	if len(info) < 8 || info[1][1] != b.Name || info[3][1] != "政府采购" {
		t.Errorf("info sheet = %q", info)
	}

	st, hdr, body = rawGet(t, base+"/report.html", keys[b])
	if st != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("report.html = %d %v", st, hdr)
	}
	if bytes.Contains(body, []byte(rep)) || bytes.Contains(body, []byte(stranger)) {
		t.Error("report.html contains a citizen ID in clear")
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if lang, _ := doc.Find("html").Attr("lang"); lang != "zh-CN" || doc.Find("h1").Text() != "信用核查报告" {
		t.Errorf("page lang %q, h1 %q", lang, doc.Find("h1").Text())
	}
	if !strings.Contains(doc.Find("style").Text(), "@media print") || doc.Find("script").Length() != 0 {
		t.Error("report.html: want print CSS and no script")
	}
	if got := doc.Find("thead th").Length(); got != len(lists.ReportHeader) {
		t.Errorf("header cells = %d", got)
	}
	doc.Find("tbody tr").Each(func(i int, tr *goquery.Selection) {
		if got := tr.Find("td").Length(); got != len(lists.ReportHeader) {
			t.Errorf("row %d: %d cells under %d headings", i+1, got, len(lists.ReportHeader))
		}
	})
	if got := doc.Find("colgroup col").Length(); got != len(lists.ReportHeader) {
		t.Errorf("%d columns declared for %d headings", got, len(lists.ReportHeader))
	}
	tr := doc.Find("tbody tr")
	if tr.Length() != 4 || !tr.First().HasClass("restricted") || !strings.Contains(tr.First().Text(), company) {
		t.Errorf("rows = %d, first %q", tr.Length(), tr.First().Text())
	}
	if !strings.Contains(doc.Find("dl.info").Text(), b.Name) {
		t.Errorf("info = %q", doc.Find("dl.info").Text())
	}

	// Revoking.
	var revoked lists.Subscription
	if st := c.do("DELETE", "/api/v1/subscriptions/"+strconv.FormatInt(sub.ID, 10), keys[b], nil, &revoked); st != http.StatusOK || revoked.RevokedAt == nil {
		t.Errorf("revoke = %d %+v", st, revoked)
	}
}
