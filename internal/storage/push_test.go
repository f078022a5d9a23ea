package storage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/storage"
	"jlcredit/internal/subject"
)

func TestPushSQLite(t *testing.T)   { testPush(t, openSQLite) }
func TestPushPostgres(t *testing.T) { testPush(t, openPostgres) }

func testPush(t *testing.T, open opener) {
	// The receivers are httptest servers on 127.0.0.1, as a department's
	// system on an allowed network (电子政务外网) would be.
	allowNetworks(t, "127.0.0.1/32")
	t.Run("WebhookPolicy", func(t *testing.T) { testPushPolicy(t, open) })
	t.Run("AnswerBodyNotKeptRedirectRefused", func(t *testing.T) { testPushAnswers(t, open) })
	t.Run("AlertsOnlyAdverseAndFiltered", func(t *testing.T) { testPushAlertKinds(t, open) })
	t.Run("WebhookRetriesAndSignature", func(t *testing.T) { testPushWebhook(t, open) })
	t.Run("GiveUpAndRetry", func(t *testing.T) { testPushGiveUp(t, open) })
	t.Run("InboxAlertsAndAck", func(t *testing.T) { testPushInbox(t, open) })
	t.Run("AlertForSubjectUnknownWhenVerified", func(t *testing.T) { testPushAlertUnknown(t, open) })
	t.Run("Subscriptions", func(t *testing.T) { testPushSubscriptions(t, open) })
	t.Run("PersonsOnlyToTheirVerifiers", func(t *testing.T) { testPushPersons(t, open) })
	t.Run("RemovalToVerifiers", func(t *testing.T) { testPushRemovalToVerifiers(t, open) })
}

// receiver is a webhook endpoint that answers fail times with 500, then 200,
// and keeps every request.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	fail int
	got  []received
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, fail int) *receiver {
	rv := &receiver{fail: fail}
	rv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rv.mu.Lock()
		defer rv.mu.Unlock()
		rv.got = append(rv.got, received{r.Header.Clone(), body})
		if len(rv.got) <= rv.fail {
			http.Error(w, "下游系统维护中", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rv.Close)
	return rv
}

func (rv *receiver) requests() []received {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]received(nil), rv.got...)
}

func (f *listFixture) subscribe(t *testing.T, d *access.Department, url string, types ...string) *lists.Subscription {
	t.Helper()
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(d))
	s, err := f.db.CreateSubscription(ctx, &lists.Subscription{URL: url, ListTypes: types})
	if err != nil {
		t.Fatalf("CreateSubscription: %v", err)
	}
	return s
}

// inbox returns department d's notifications.
func (f *listFixture) inbox(t *testing.T, d *access.Department) []*lists.Notification {
	t.Helper()
	list, _, _, err := f.db.FindNotifications(credit.NewContextWithActor(t.Context(), deptCtx(d)), lists.NotificationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func (f *listFixture) deliveries(t *testing.T, d *access.Department, sub int64) []*lists.Delivery {
	t.Helper()
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(d))
	list, _, err := f.db.FindDeliveries(ctx, sub, lists.DeliveryFilter{})
	if err != nil {
		t.Fatalf("FindDeliveries: %v", err)
	}
	return list
}

// deliver runs one round of a fresh pusher at now, as a restarted process
// would: everything it needs is in the database.
func deliver(t *testing.T, db *storage.DB, now time.Time) int {
	t.Helper()
	n, err := (&storage.Pusher{DB: db}).DeliverDue(t.Context(), now)
	if err != nil {
		t.Fatalf("DeliverDue(%s): %v", now.Format(time.TimeOnly), err)
	}
	return n
}

func testPushWebhook(t *testing.T, open opener) {
	f := newListFixture(t, open)
	rv := newReceiver(t, 2)
	sub := f.subscribe(t, f.user, rv.URL+"/credit/hook?src=jl", "black")
	if !strings.HasPrefix(sub.Secret, lists.SecretPrefix) || sub.ID == 0 || sub.DepartmentID != f.user.ID {
		t.Fatalf("subscription = %+v", sub)
	}
	t0 := f.db.Now().UTC()
	f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕11号"))

	// 发起 → 响应: the inbox item and the delivery exist as soon as the
	// entry is written, before any worker runs.
	ds := f.deliveries(t, f.user, sub.ID)
	if len(ds) != 1 || ds[0].Status != lists.DeliveryPending || ds[0].Attempts != 0 || !ds[0].NextAttemptAt.Equal(t0) {
		t.Fatalf("deliveries after listing = %+v", ds)
	}
	uid := ds[0].UID

	// Attempt 1 at t0 fails; the retry is due 30 s later, not before.
	if n := deliver(t, f.db, t0); n != 1 {
		t.Fatalf("first round sent %d, want 1", n)
	}
	if n := deliver(t, f.db, t0.Add(29*time.Second)); n != 0 {
		t.Fatalf("round before the retry is due sent %d, want 0", n)
	}
	ds = f.deliveries(t, f.user, sub.ID)
	if d := ds[0]; d.Status != lists.DeliveryPending || d.Attempts != 1 || !d.NextAttemptAt.Equal(t0.Add(30*time.Second)) ||
		d.LastStatusCode != 500 || d.LastError != "接收方返回HTTP 500" {
		t.Fatalf("after attempt 1: %+v", d)
	}
	// Attempt 2 at t0+30s fails; next after 2 min.
	t1 := t0.Add(30 * time.Second)
	deliver(t, f.db, t1)
	ds = f.deliveries(t, f.user, sub.ID)
	if d := ds[0]; d.Attempts != 2 || !d.NextAttemptAt.Equal(t1.Add(2*time.Minute)) {
		t.Fatalf("after attempt 2: %+v", d)
	}
	// Attempt 3 succeeds.
	t2 := t1.Add(2 * time.Minute)
	deliver(t, f.db, t2)
	if n := deliver(t, f.db, t2.Add(24*time.Hour)); n != 0 {
		t.Errorf("delivered webhook sent again (%d)", n)
	}
	ds = f.deliveries(t, f.user, sub.ID)
	d := ds[0]
	if d.Status != lists.DeliveryDelivered || d.Attempts != 3 || d.NextAttemptAt != nil || d.DeliveredAt == nil || !d.DeliveredAt.Equal(t2) || d.LastStatusCode != 204 {
		t.Fatalf("after attempt 3: %+v", d)
	}
	if len(d.Log) != 3 {
		t.Fatalf("log = %+v", d.Log)
	}
	for i, want := range []struct {
		at   time.Time
		code int
		ok   bool
	}{{t0, 500, false}, {t1, 500, false}, {t2, 204, true}} {
		a := d.Log[i]
		if a.N != i+1 || !a.At.Equal(want.at) || a.StatusCode != want.code || (a.Error == "") != want.ok {
			t.Errorf("attempt %d = %+v, want at %s code %d", i+1, a, want.at, want.code)
		}
	}

	// The receiver saw three signed requests with the same delivery id and
	// body, each with the timestamp of its attempt.
	got := rv.requests()
	if len(got) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(got))
	}
	for i, at := range []time.Time{t0, t1, t2} {
		h, body := got[i].header, got[i].body
		if h.Get(lists.HeaderDelivery) != uid || h.Get(lists.HeaderEvent) != string(lists.NotifyListing) ||
			h.Get(lists.HeaderTimestamp) != itoa(at.Unix()) || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			t.Errorf("request %d headers = %v", i+1, h)
		}
		if err := lists.VerifyWebhook(sub.Secret, h.Get(lists.HeaderSignature), h.Get(lists.HeaderDelivery), h.Get(lists.HeaderTimestamp), body, at, 5*time.Minute); err != nil {
			t.Errorf("request %d: signature: %v", i+1, err)
		}
		if string(body) != string(got[0].body) {
			t.Errorf("request %d body differs from the first", i+1)
		}
		// Replays are refused: the same request checked an hour later, or
		// with another delivery id, or with a changed body.
		if lists.VerifyWebhook(sub.Secret, h.Get(lists.HeaderSignature), h.Get(lists.HeaderDelivery), h.Get(lists.HeaderTimestamp), body, at.Add(time.Hour), 5*time.Minute) == nil {
			t.Errorf("request %d: stale timestamp accepted", i+1)
		}
		if lists.VerifyWebhook(sub.Secret, h.Get(lists.HeaderSignature), "dlv_other", h.Get(lists.HeaderTimestamp), body, at, 5*time.Minute) == nil {
			t.Errorf("request %d: signature valid for another delivery id", i+1)
		}
		if lists.VerifyWebhook(sub.Secret, h.Get(lists.HeaderSignature), uid, h.Get(lists.HeaderTimestamp), append([]byte(" "), body...), at, 5*time.Minute) == nil {
			t.Errorf("request %d: signature valid for another body", i+1)
		}
	}
	// The HMAC is the documented one, computed independently.
	h := got[0].header
	if want := lists.SignWebhook(sub.Secret, uid, t0.Unix(), got[0].body); h.Get(lists.HeaderSignature) != want || !strings.HasPrefix(want, "sha256=") || len(want) != 7+64 {
		t.Errorf("signature = %q, want %q", h.Get(lists.HeaderSignature), want)
	}
	var p lists.WebhookPayload
	if err := json.Unmarshal(got[0].body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Delivery != uid || p.Event != lists.NotifyListing || p.Subject.Code != f.company || p.Entry.ListName != "严重失信主体名单" ||
		p.Entry.DocNo != "吉人社失〔2026〕11号" || p.DepartmentCode != f.user.Code || p.AckPath != lists.AckPath(p.NotificationID) {
		t.Errorf("payload = %+v", p)
	}
	if strings.Contains(string(got[0].body), f.rep) {
		t.Error("payload carries the legal representative's ID number in clear")
	}
}

func testPushGiveUp(t *testing.T, open opener) {
	f := newListFixture(t, open)
	rv := newReceiver(t, 1000)
	sub := f.subscribe(t, f.user, rv.URL)
	f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕12号"))
	at := f.db.Now().UTC()
	for i, wait := range append(lists.RetrySchedule, 0) {
		if n := deliver(t, f.db, at); n != 1 {
			t.Fatalf("attempt %d at %s sent %d", i+1, at, n)
		}
		d := f.deliveries(t, f.user, sub.ID)[0]
		if d.Attempts != i+1 {
			t.Fatalf("attempts = %d, want %d", d.Attempts, i+1)
		}
		if wait == 0 {
			if d.Status != lists.DeliveryFailed || d.NextAttemptAt != nil {
				t.Fatalf("after the last retry: %+v, want failed", d)
			}
			break
		}
		if d.Status != lists.DeliveryPending || !d.NextAttemptAt.Equal(at.Add(wait)) {
			t.Fatalf("after attempt %d: next %v, want %v", i+1, d.NextAttemptAt, at.Add(wait))
		}
		at = at.Add(wait)
	}
	if n := deliver(t, f.db, at.Add(48*time.Hour)); n != 0 {
		t.Errorf("failed delivery sent again (%d)", n)
	}
	// A manual retry makes one more attempt.
	d := f.deliveries(t, f.user, sub.ID)[0]
	other := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
	if _, err := f.db.RetryDelivery(other, d.ID); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Errorf("retry by another department: %v", err)
	}
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
	if _, err := f.db.RetryDelivery(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.RetryDelivery(ctx, d.ID); credit.ErrorCode(err) != credit.ECONFLICT {
		t.Errorf("retry of a pending delivery: %v", err)
	}
	if n := deliver(t, f.db, f.db.Now()); n != 1 {
		t.Fatalf("manual retry sent %d", n)
	}
	if d := f.deliveries(t, f.user, sub.ID)[0]; d.Status != lists.DeliveryFailed || d.Attempts != 7 || len(d.Log) != 7 {
		t.Errorf("after manual retry: %+v", d)
	}
	if len(rv.requests()) != 7 {
		t.Errorf("receiver got %d requests, want 7", len(rv.requests()))
	}
}

// testPushAlertUnknown checks 核查预警 for a company a department verified
// by its code before the platform knew it: listing it later alerts the
// department all the same, linking that verification; a code verified more
// than 90 days ago, or an invalid one, does not.
func testPushAlertUnknown(t *testing.T, open opener) {
	f := newListFixture(t, open)
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
	v, err := f.db.Verify(ctx, lists.VerificationRequest{Scenario: "政府采购", Purpose: "采购项目供应商审查",
		Subjects: []lists.Query{{Code: f.company}, {Code: f.company[:17] + "1"}, {Code: f.rep}}})
	if err != nil {
		t.Fatal(err)
	}
	if v.Found != 0 {
		t.Fatalf("found %d subjects; this test needs codes the platform does not know yet", v.Found)
	}
	f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕21号"))
	list, total, _, err := f.db.FindNotifications(ctx, lists.NotificationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if total != 1 || list[0].Kind != lists.NotifyAlert || list[0].Alert == nil || list[0].Alert.VerificationID != v.ID || list[0].Subject.Code != f.company {
		t.Fatalf("inbox after listing a company verified while unknown = %d %+v; want one alert linking verification %d", total, list, v.ID)
	}

	// A pilot-era code on the whitelist, verified while unknown, then
	// listed: alerted too.
	h := newListFixture(t, open)
	legacy := badCheck(uscc(t, "91220105MA0Y7777"))
	if err := h.db.AddLegacyCode(sys(), legacy, "试点期间赋码"); err != nil {
		t.Fatal(err)
	}
	hctx := credit.NewContextWithActor(t.Context(), deptCtx(h.user))
	lv, err := h.db.Verify(hctx, lists.VerificationRequest{Scenario: "政府采购", Purpose: "采购项目", Subjects: []lists.Query{{Code: legacy}}})
	if err != nil || lv.Results[0].Verdict != lists.NoVerdict {
		t.Fatalf("verifying a whitelisted code: %v, %+v", err, lv)
	}
	row := h.blackRow("吉人社失〔2026〕23号")
	row[3] = legacy
	if rc := h.submitAs(t, h.lister, row); rc.Accepted != 1 {
		t.Fatalf("listing the whitelisted code: %+v", rc)
	}
	if list, n, _, err := h.db.FindNotifications(hctx, lists.NotificationFilter{}); err != nil || n != 1 || list[0].Alert == nil || list[0].Alert.VerificationID != lv.ID {
		t.Errorf("inbox after listing a whitelisted code verified while unknown = %d, %v; want one alert for verification %d", n, err, lv.ID)
	}

	// Verified 100 days ago: no alert.
	g := newListFixture(t, open)
	now := g.db.Now
	g.db.Now = func() time.Time { return now().AddDate(0, 0, -100) }
	if _, err := g.db.Verify(credit.NewContextWithActor(t.Context(), deptCtx(g.user)), lists.VerificationRequest{Scenario: "政府采购", Purpose: "采购项目",
		Subjects: []lists.Query{{Code: g.company}}}); err != nil {
		t.Fatal(err)
	}
	g.db.Now = now
	g.submitAs(t, g.lister, g.blackRow("吉人社失〔2026〕22号"))
	if _, n, _, err := g.db.FindNotifications(credit.NewContextWithActor(t.Context(), deptCtx(g.user)), lists.NotificationFilter{}); err != nil || n != 0 {
		t.Errorf("inbox after listing a company verified 100 days ago = %d, %v; want none", n, err)
	}
}

func testPushInbox(t *testing.T, open opener) {
	f := newListFixture(t, open)
	third := &access.Department{Code: uscc(t, "11220000MB000055"), Name: "吉林省住房和城乡建设厅", RegionCode: "220000", Kind: "housing"}
	old := &access.Department{Code: uscc(t, "11220000MB000066"), Name: "吉林省交通运输厅", RegionCode: "220000", Kind: "transport"}
	for _, d := range []*access.Department{third, old} {
		if err := f.db.UpsertDepartment(sys(), d); err != nil {
			t.Fatal(err)
		}
	}
	// The company exists (a red entry) and is verified by the user 10 days
	// ago and by another department 100 days ago; the third department
	// subscribes to the watch list only.
	redRow := []string{"纳税信用A级纳税人", "长春（北辰）建筑工程有限公司", "法人及非法人组织", f.company, "", "", "", "", "",
		"吉税A〔2026〕9号", "2026-04-01", f.lister.Name, f.lister.Code, "2025年度纳税信用评价A级", "《纳税信用管理办法（试行）》", "", "", "", "2026-04-01", "2027-03-31", f.lister.Code}
	f.submitAs(t, f.lister, redRow)
	now := f.db.Now
	verifyAt := func(d *access.Department, days int) {
		f.db.Now = func() time.Time { return now().AddDate(0, 0, -days) }
		defer func() { f.db.Now = now }()
		ctx := credit.NewContextWithActor(t.Context(), deptCtx(d))
		if _, err := f.db.Verify(ctx, lists.VerificationRequest{Scenario: "政府采购", Purpose: "采购项目", Subjects: []lists.Query{{Code: f.company}}}); err != nil {
			t.Fatal(err)
		}
	}
	verifyAt(f.user, 10)
	verifyAt(old, 100)
	f.subscribe(t, third, "https://zjt.jl.gov.cn/credit/hook", "watch")

	f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕13号"))
	inbox := func(d *access.Department, unacked bool) ([]*lists.Notification, int, int) {
		t.Helper()
		ctx := credit.NewContextWithActor(t.Context(), deptCtx(d))
		list, total, open, err := f.db.FindNotifications(ctx, lists.NotificationFilter{Unacked: unacked})
		if err != nil {
			t.Fatal(err)
		}
		return list, total, open
	}
	list, total, unacked := inbox(f.user, false)
	if total != 1 || unacked != 1 || list[0].Kind != lists.NotifyAlert || list[0].Alert == nil || list[0].Alert.VerificationID == 0 ||
		!strings.Contains(list[0].Title, "核查预警") || list[0].Subject.Code != f.company || list[0].Entry.DocNo != "吉人社失〔2026〕13号" {
		t.Fatalf("user inbox = %d %+v", total, list)
	}
	if !list[0].Alert.VerifiedAt.Equal(now().AddDate(0, 0, -10).UTC()) {
		t.Errorf("alert verified at %v", list[0].Alert.VerifiedAt)
	}
	for _, d := range []*access.Department{old, third, f.lister} {
		if _, n, _ := inbox(d, false); n != 0 {
			t.Errorf("%s inbox has %d items, want 0", d.Name, n)
		}
	}

	// 反馈: only the receiving department acknowledges, once.
	id := list[0].ID
	ctxUser := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
	ctxThird := credit.NewContextWithActor(t.Context(), deptCtx(third))
	if _, err := f.db.AckNotification(ctxThird, id, "x"); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Errorf("ack by another department: %v", err)
	}
	if _, err := f.db.AckNotification(ctxUser, id, strings.Repeat("长", lists.MaxFeedback+1)); credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("ack with long feedback: %v", err)
	}
	n, err := f.db.AckNotification(ctxUser, id, "  已暂停该公司参与本部门2026年采购项目  ")
	if err != nil {
		t.Fatal(err)
	}
	if n.AckedAt == nil || n.Feedback != "已暂停该公司参与本部门2026年采购项目" || !strings.Contains(n.AckedBy, f.user.Name) {
		t.Errorf("acked = %+v", n)
	}
	if _, err := f.db.AckNotification(ctxUser, id, "again"); credit.ErrorCode(err) != credit.ECONFLICT {
		t.Errorf("second ack: %v", err)
	}
	if _, _, unacked := inbox(f.user, true); unacked != 0 {
		t.Errorf("unacked after ack = %d", unacked)
	}
	var audited int
	f.db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'notification.ack'`).Scan(&audited)
	if audited != 1 {
		t.Errorf("audit rows = %d", audited)
	}

	// A watch entry reaches the third department (subscribed), and so does
	// its removal; a historical entry that already ended reaches nobody.
	watchRow := []string{"重点关注名单", "长春观察物流有限公司", "法人及非法人组织", f.watched, "", "", "", "", "",
		"吉人社关〔2026〕5号", "2026-06-01", f.lister.Name, f.lister.Code, "拖欠工资经责令限期改正", "《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》第十三条",
		"", "期满自动移出", "可依法申请行政复议", "2026-06-01", "2027-05-31", f.lister.Code}
	histRow := slicesReplace(watchRow, map[int]string{9: "吉人社关〔2022〕1号", 10: "2022-01-04", 18: "2022-01-04", 19: "2023-01-03"})
	if rc := f.submitAs(t, f.lister, watchRow, histRow); rc.Accepted != 2 {
		t.Fatalf("watch rows: %+v", rc)
	}
	list, total, _ = inbox(third, false)
	if total != 1 || list[0].Kind != lists.NotifyListing || list[0].Entry.ListType != "watch" {
		t.Fatalf("third inbox = %d %+v", total, list)
	}
	ctxLister := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
	removedOn := credit.DateOf(f.db.Now()).AddDate(0, 0, -1)
	if _, err := f.db.RemoveListEntry(ctxLister, list[0].RecordID, lists.Removal{Date: &removedOn, Kind: lists.RemovedRepaired, Reason: "已整改到位"}); err != nil {
		t.Fatal(err)
	}
	list, total, unacked = inbox(third, false)
	if total != 2 || unacked != 2 || list[0].Kind != lists.NotifyRemoval || !strings.Contains(list[0].Title, "移出") || list[0].RecordID == list[1].RecordID {
		t.Fatalf("third inbox after removal = %d %+v", total, list)
	}
	// The removal says when, how and why; the listing says nothing of it.
	if e := list[0].Entry; e.RemovedOn != removedOn.Format(credit.DateLayout) || e.RemovalKind != lists.RemovedRepaired || e.RemovalReason != "已整改到位" {
		t.Errorf("removal notice entry = %+v", e)
	}
	if e := list[1].Entry; e.RemovedOn != "" || e.RemovalKind != "" || e.RemovalReason != "" {
		t.Errorf("listing notice entry = %+v", e)
	}
	subs, _ := f.db.FindSubscriptions(ctxThird)
	ds := f.deliveries(t, third, subs[0].ID)
	if len(ds) != 2 || ds[0].Event != lists.NotifyRemoval || ds[1].Event != lists.NotifyListing {
		t.Fatalf("third deliveries = %+v", ds)
	}
	var payload string
	if err := f.db.SQL().QueryRow(`SELECT payload FROM deliveries WHERE id = ` + itoa(ds[0].ID)).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	var body struct {
		Entry map[string]any `json:"entry"`
	}
	if err := json.Unmarshal([]byte(payload), &body); err != nil {
		t.Fatal(err)
	}
	if body.Entry["removed_on"] != removedOn.Format(credit.DateLayout) || body.Entry["removal_kind"] != lists.RemovedRepaired ||
		body.Entry["removal_reason"] != "已整改到位" || body.Entry["doc_no"] != "吉人社关〔2026〕5号" {
		t.Errorf("removal webhook entry = %v", body.Entry)
	}
	// Administrators see every inbox; the public sees none.
	if _, n, _, err := f.db.FindNotifications(sys(), lists.NotificationFilter{}); err != nil || n != 3 {
		t.Errorf("admin inbox = %d, %v", n, err)
	}
	if _, _, _, err := f.db.FindNotifications(context.Background(), lists.NotificationFilter{}); credit.ErrorCode(err) != credit.EUNAUTHORIZED {
		t.Errorf("public inbox: %v", err)
	}
}

func slicesReplace(s []string, at map[int]string) []string {
	out := append([]string(nil), s...)
	for i, v := range at {
		out[i] = v
	}
	return out
}

func testPushSubscriptions(t *testing.T, open opener) {
	f := newListFixture(t, open)
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
	for _, test := range []struct {
		name string
		sub  lists.Subscription
	}{
		{"ErrScheme", lists.Subscription{URL: "ftp://example.gov.cn/hook"}},
		{"ErrNoHost", lists.Subscription{URL: "https:///hook"}},
		{"ErrRelative", lists.Subscription{URL: "/hook"}},
		{"ErrUserInfo", lists.Subscription{URL: "https://user:pass@example.gov.cn/hook"}},
		{"ErrListType", lists.Subscription{URL: "https://example.gov.cn/hook", ListTypes: []string{"purple"}}},
		{"ErrShortSecret", lists.Subscription{URL: "https://example.gov.cn/hook", Secret: "short"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			if _, err := f.db.CreateSubscription(ctx, &test.sub); credit.ErrorCode(err) != credit.EINVALID {
				t.Errorf("CreateSubscription = %v, want invalid", err)
			}
		})
	}
	if _, err := f.db.CreateSubscription(sys(), &lists.Subscription{URL: "https://example.gov.cn/hook"}); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Errorf("subscription without department: %v", err)
	}
	// http is for allowed networks only: without any, a name that does not
	// resolve now cannot be let through to be checked when delivering.
	t.Run("ErrHTTPUnresolvedWithoutNetworks", func(t *testing.T) {
		t.Cleanup(lists.SetWebhookNetworks(&lists.WebhookPolicy{}))
		_, err := f.db.CreateSubscription(ctx, &lists.Subscription{URL: "http://hook.example.invalid/credit"})
		if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "CREDIT_WEBHOOK_NETWORKS") {
			t.Errorf("CreateSubscription = %v, want invalid naming CREDIT_WEBHOOK_NETWORKS", err)
		}
	})
	own := strings.Repeat("k", lists.MinSecret)
	s, err := f.db.CreateSubscription(ctx, &lists.Subscription{URL: "HTTPS://Example.GOV.cn:8443/hook", ListTypes: []string{"严重失信主体名单", "watch", "watch"}, Secret: own})
	if err != nil {
		t.Fatal(err)
	}
	if s.Secret != own || s.URL != "https://example.gov.cn:8443/hook" || strings.Join(s.ListTypes, ",") != "black,watch" {
		t.Errorf("subscription = %+v", s)
	}
	// The secret is never listed again, nor stored in clear.
	list, err := f.db.FindSubscriptions(ctx)
	if err != nil || len(list) != 1 || list[0].Secret != "" {
		t.Fatalf("FindSubscriptions = %+v, %v", list, err)
	}
	var stored []byte
	f.db.SQL().QueryRow(`SELECT secret FROM subscriptions WHERE id = ` + itoa(s.ID)).Scan(&stored)
	if len(stored) == 0 || strings.Contains(string(stored), own) {
		t.Error("secret stored in clear")
	}
	// A sub-list matches through its parent.
	d, _ := lists.Default()
	if !s.Matches(d, "wage_arrears") || s.Matches(d, "tax_a") {
		t.Error("Matches by parent list")
	}
	// Another department can neither see nor revoke it.
	ctxA := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
	if _, err := f.db.RevokeSubscription(ctxA, s.ID); credit.ErrorCode(err) != credit.EFORBIDDEN {
		t.Errorf("revoke by another department: %v", err)
	}
	if l, _ := f.db.FindSubscriptions(ctxA); len(l) != 0 {
		t.Errorf("other department lists %d subscriptions", len(l))
	}
	// Revoking cancels pending deliveries; later entries are not delivered.
	f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕14号"))
	if ds := f.deliveries(t, f.user, s.ID); len(ds) != 1 || ds[0].Status != lists.DeliveryPending {
		t.Fatalf("deliveries = %+v", ds)
	}
	r, err := f.db.RevokeSubscription(ctx, s.ID)
	if err != nil || r.RevokedAt == nil {
		t.Fatalf("RevokeSubscription = %+v, %v", r, err)
	}
	if _, err := f.db.RevokeSubscription(ctx, s.ID); credit.ErrorCode(err) != credit.ECONFLICT {
		t.Errorf("second revoke: %v", err)
	}
	if ds := f.deliveries(t, f.user, s.ID); ds[0].Status != lists.DeliveryCancelled {
		t.Errorf("after revoke: %+v", ds[0])
	}
	if n := deliver(t, f.db, f.db.Now()); n != 0 {
		t.Errorf("sent %d after revoke", n)
	}
	// At most MaxSubscriptions active ones.
	for i := 0; i < lists.MaxSubscriptions; i++ {
		if _, err := f.db.CreateSubscription(ctx, &lists.Subscription{URL: "https://example.gov.cn/h" + itoa(int64(i))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.db.CreateSubscription(ctx, &lists.Subscription{URL: "https://example.gov.cn/more"}); credit.ErrorCode(err) != credit.ECONFLICT {
		t.Errorf("subscription over the limit: %v", err)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// allowNetworks lets webhooks reach the networks cidrs (as
// CREDIT_WEBHOOK_NETWORKS does) until the end of the test.
func allowNetworks(t *testing.T, cidrs string) {
	t.Helper()
	p, err := lists.ParseWebhookNetworks(cidrs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lists.SetWebhookNetworks(p))
}

// testPushPolicy checks the address policy: internal addresses are refused
// when the department subscribes, by address or by a name resolving to
// one, and again when the webhook is sent, so that a name that resolves to
// an internal address only later (DNS rebinding) reaches nothing.
func testPushPolicy(t *testing.T, open opener) {
	f := newListFixture(t, open)
	rv := newReceiver(t, 0)
	port := rv.Listener.Addr().(*net.TCPAddr).Port
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
	localhost := fmt.Sprintf("http://localhost:%d/hook", port)

	allowNetworks(t, "")
	for _, test := range []struct{ url, want string }{
		{rv.URL + "/hook", "不允许推送到内网或本机地址127.0.0.1"},
		{fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", port), "不允许推送到内网或本机地址127.0.0.1"},
		{"https://[::1]/hook", "不允许推送到内网或本机地址::1"},
		{"https://10.0.0.1/hook", "CREDIT_WEBHOOK_NETWORKS"},
		{"http://169.254.169.254/latest/meta-data/", "链路本地地址169.254.169.254"},
		{localhost, "URL主机“localhost”解析为"},
		{"http://8.8.8.8/hook", "须使用https://"},
	} {
		_, err := f.db.CreateSubscription(ctx, &lists.Subscription{URL: test.url})
		if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), test.want) {
			t.Errorf("subscription to %s: %v, want invalid with %q", test.url, err, test.want)
		}
	}
	if list, _ := f.db.FindSubscriptions(ctx); len(list) != 0 {
		t.Fatalf("refused subscriptions were saved: %+v", list)
	}

	// Allowed, the name passes; withdrawn before the delivery, the
	// connection is refused when it is made and nothing reaches the
	// receiver.
	allowNetworks(t, "127.0.0.0/8,::1/128")
	sub := f.subscribe(t, f.user, localhost, "black")
	allowNetworks(t, "")
	f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕31号"))
	at := f.db.Now().UTC()
	if n := deliver(t, f.db, at); n != 1 {
		t.Fatalf("sent %d, want 1", n)
	}
	d := f.deliveries(t, f.user, sub.ID)[0]
	if d.Status != lists.DeliveryPending || d.Attempts != 1 || d.LastStatusCode != 0 ||
		!strings.Contains(d.LastError, "不允许推送到内网或本机地址") || !strings.Contains(d.LastError, "CREDIT_WEBHOOK_NETWORKS") {
		t.Fatalf("delivery to a name resolving to 127.0.0.1, not allowed = %+v", d)
	}
	if n := len(rv.requests()); n != 0 {
		t.Fatalf("the receiver on 127.0.0.1 got %d requests", n)
	}
	// Allowed again: the retry is delivered.
	allowNetworks(t, "127.0.0.0/8,::1/128")
	deliver(t, f.db, at.Add(lists.RetrySchedule[0]))
	if d := f.deliveries(t, f.user, sub.ID)[0]; d.Status != lists.DeliveryDelivered || len(rv.requests()) != 1 {
		t.Errorf("delivery once allowed = %+v, %d requests", d, len(rv.requests()))
	}

	// A bad CREDIT_WEBHOOK_NETWORKS stops the sending, retries unspent.
	t.Setenv(lists.WebhookNetworksEnv, "10.0.0.0/8,政务外网")
	t.Cleanup(lists.ResetWebhookNetworks())
	if _, err := (&storage.Pusher{DB: f.db}).DeliverDue(t.Context(), at.Add(time.Hour)); err == nil || !strings.Contains(credit.ErrorMessage(err), "“政务外网”") {
		t.Errorf("DeliverDue with a bad CREDIT_WEBHOOK_NETWORKS: %v", err)
	}
	if _, err := f.db.CreateSubscription(ctx, &lists.Subscription{URL: "https://example.gov.cn/hook"}); err == nil || !strings.Contains(credit.ErrorMessage(err), lists.WebhookNetworksEnv) {
		t.Errorf("subscription with a bad CREDIT_WEBHOOK_NETWORKS: %v", err)
	}
}

// testPushAnswers checks what the delivery log keeps of an answer: its
// status, never its body, and that a redirect is not followed.
func testPushAnswers(t *testing.T, open opener) {
	f := newListFixture(t, open)
	const secret = "内网管理系统：root口令Secret123"
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, secret, http.StatusForbidden)
	}))
	t.Cleanup(refuse.Close)
	target := newReceiver(t, 0)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/internal", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirect.Close)
	subRefuse := f.subscribe(t, f.user, refuse.URL+"/hook", "black")
	subRedirect := f.subscribe(t, f.user, redirect.URL+"/hook", "black")
	f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕32号"))
	if n := deliver(t, f.db, f.db.Now().UTC()); n != 2 {
		t.Fatalf("sent %d, want 2", n)
	}
	d := f.deliveries(t, f.user, subRefuse.ID)[0]
	if d.LastStatusCode != 403 || d.LastError != "接收方返回HTTP 403" || len(d.Log) != 1 || d.Log[0].Error != "接收方返回HTTP 403" {
		t.Errorf("delivery answered 403 = %+v (log %+v)", d, d.Log)
	}
	d = f.deliveries(t, f.user, subRedirect.ID)[0]
	if d.Status != lists.DeliveryPending || d.LastStatusCode != http.StatusTemporaryRedirect || !strings.Contains(d.LastError, "不跟随重定向") {
		t.Errorf("delivery answered with a redirect = %+v", d)
	}
	if n := len(target.requests()); n != 0 {
		t.Errorf("the redirect was followed: its target got %d requests", n)
	}
	var n int
	if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM delivery_attempts WHERE error LIKE '%Secret123%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("attempts keeping the answer's body: %d, %v", n, err)
	}
	if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM deliveries WHERE last_error LIKE '%Secret123%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("deliveries keeping the answer's body: %d, %v", n, err)
	}
}

// testPushAlertKinds checks that 核查预警 is raised for adverse lists only,
// never for a red list, and that its webhook respects the subscription's
// list types while the inbox alert does not depend on them.
func testPushAlertKinds(t *testing.T, open opener) {
	f := newListFixture(t, open)
	housing := &access.Department{Code: uscc(t, "11220000MB000055"), Name: "吉林省住房和城乡建设厅", RegionCode: "220000", Kind: "housing"}
	if err := f.db.UpsertDepartment(sys(), housing); err != nil {
		t.Fatal(err)
	}
	// Both departments verified the three companies lately. The user's
	// webhook takes the black list only; housing's the red lists.
	for _, d := range []*access.Department{f.user, housing} {
		ctx := credit.NewContextWithActor(t.Context(), deptCtx(d))
		if _, err := f.db.Verify(ctx, lists.VerificationRequest{Scenario: "政府采购", Purpose: "采购项目供应商审查",
			Subjects: []lists.Query{{Code: f.company}, {Code: f.red}, {Code: f.watched}}}); err != nil {
			t.Fatal(err)
		}
	}
	rv := newReceiver(t, 0)
	sub := f.subscribe(t, f.user, rv.URL+"/hook", "black")
	subRed := f.subscribe(t, housing, rv.URL+"/red", "red")

	redRow := []string{"纳税信用A级纳税人", "长春守信商贸有限公司", "法人及非法人组织", f.red, "", "", "", "", "",
		"吉税A〔2026〕19号", "2026-04-01", f.lister.Name, f.lister.Code, "2025年度纳税信用评价A级", "《纳税信用管理办法（试行）》", "", "", "", "2026-04-01", "2027-03-31", f.lister.Code}
	watchRow := []string{"重点关注名单", "长春观察物流有限公司", "法人及非法人组织", f.watched, "", "", "", "", "",
		"吉人社关〔2026〕15号", "2026-06-01", f.lister.Name, f.lister.Code, "拖欠工资经责令限期改正", "《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》第十三条",
		"", "期满自动移出", "可依法申请行政复议", "2026-06-01", "2027-05-31", f.lister.Code}
	if rc := f.submitAs(t, f.lister, redRow, watchRow, f.blackRow("吉人社失〔2026〕33号")); rc.Accepted != 3 {
		t.Fatalf("rows: %+v", rc)
	}
	inbox := func(d *access.Department) []*lists.Notification { return f.inbox(t, d) }
	kinds := func(list []*lists.Notification) string {
		var s []string
		for _, n := range list {
			s = append(s, n.Entry.ListType+":"+string(n.Kind))
		}
		slices.Sort(s)
		return strings.Join(s, " ")
	}
	// The user: alerts for the black and the watch list in the inbox,
	// whatever it subscribed to; nothing for the red list.
	if got, want := kinds(inbox(f.user)), "black:alert watch:alert"; got != want {
		t.Errorf("user inbox = %s, want %s", got, want)
	}
	// Housing: alerts too, and the red listing as a subscriber, not as an
	// alert.
	if got, want := kinds(inbox(housing)), "black:alert tax_a:listing watch:alert"; got != want {
		t.Errorf("housing inbox = %s, want %s", got, want)
	}
	// Webhooks only for the subscribed list types.
	if ds := f.deliveries(t, f.user, sub.ID); len(ds) != 1 || ds[0].Event != lists.NotifyAlert {
		t.Errorf("user deliveries = %+v, want the black-list alert only", ds)
	}
	if ds := f.deliveries(t, housing, subRed.ID); len(ds) != 1 || ds[0].Event != lists.NotifyListing {
		t.Errorf("housing deliveries = %+v, want the red listing only", ds)
	}
	deliver(t, f.db, f.db.Now().UTC())
	for _, r := range rv.requests() {
		var p lists.WebhookPayload
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		if p.Event == lists.NotifyAlert && p.Entry.Kind != lists.Black {
			t.Errorf("alert webhook for %s (%s)", p.Entry.ListName, p.Entry.Kind)
		}
	}
	if n := len(rv.requests()); n != 2 {
		t.Errorf("receiver got %d requests, want 2", n)
	}
}

// A natural person's listing is not pushed to every department subscribed
// to the list: other departments learn of a person by verifying the ID
// (query-logged), so only those that verified the person lately are
// alerted, in the inbox and by webhook.
func testPushPersons(t *testing.T, open opener) {
	f := newListFixture(t, open)
	housing := &access.Department{Code: uscc(t, "11220000MB000055"), Name: "吉林省住房和城乡建设厅", RegionCode: "220000", Kind: "housing"}
	if err := f.db.UpsertDepartment(sys(), housing); err != nil {
		t.Fatal(err)
	}
	debtor := citizenID(t, "22010219850505223")
	// The user verified the person (not yet listed); housing did not.
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
	if _, err := f.db.Verify(ctx, lists.VerificationRequest{Scenario: "政府采购", Purpose: "采购项目供应商审查",
		Subjects: []lists.Query{{Code: debtor}}}); err != nil {
		t.Fatal(err)
	}
	rv := newReceiver(t, 0)
	subUser := f.subscribe(t, f.user, rv.URL+"/user", "black")
	subHousing := f.subscribe(t, housing, rv.URL+"/housing", "black")
	if rc := f.submitAs(t, f.lister, []string{"失信被执行人", "赵失信", "自然人", "", "身份证", debtor, "", "", "",
		"（2026）吉01执12号", "2026-03-02", f.lister.Name, f.lister.Code, "有履行能力而拒不履行生效法律文书确定义务", "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
		"限制高消费", "履行完毕后移出", "可向执行法院申请纠正", "2026-03-02", "", f.lister.Code}, f.blackRow("吉人社失〔2026〕34号")); rc.Accepted != 2 {
		t.Fatalf("rows: %+v", rc)
	}
	inbox := func(d *access.Department) []*lists.Notification { return f.inbox(t, d) }
	for _, n := range inbox(housing) {
		if n.Subject.Type == string(subject.Person) {
			t.Errorf("housing, a subscriber that never verified the person, got %s about %s", n.Kind, n.Subject.Name)
		}
	}
	if got := len(inbox(housing)); got != 1 {
		t.Errorf("housing inbox has %d notifications, want the company's listing only", got)
	}
	persons := 0
	for _, n := range inbox(f.user) {
		if n.Subject.Type == string(subject.Person) {
			persons++
			if n.Kind != lists.NotifyAlert {
				t.Errorf("the user's notice of the person is %s, want an alert", n.Kind)
			}
		}
	}
	if persons != 1 {
		t.Errorf("the user, who verified the person, got %d notices of them, want 1 alert", persons)
	}
	if ds := f.deliveries(t, housing, subHousing.ID); len(ds) != 1 {
		t.Errorf("housing deliveries = %d, want the company's only", len(ds))
	}
	if ds := f.deliveries(t, f.user, subUser.ID); len(ds) != 2 {
		t.Errorf("user deliveries = %d, want the person's alert and the company's listing", len(ds))
	}
}

// A department that verified a subject lately, and so may be applying
// measures for its entry, is told when the entry ends (同步解除惩戒措施),
// subscribed or not; a department that never verified it is not.
func testPushRemovalToVerifiers(t *testing.T, open opener) {
	f := newListFixture(t, open)
	housing := &access.Department{Code: uscc(t, "11220000MB000055"), Name: "吉林省住房和城乡建设厅", RegionCode: "220000", Kind: "housing"}
	if err := f.db.UpsertDepartment(sys(), housing); err != nil {
		t.Fatal(err)
	}
	if rc := f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕35号")); rc.Accepted != 1 {
		t.Fatalf("listing: %+v", rc)
	}
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
	if _, err := f.db.Verify(ctx, lists.VerificationRequest{Scenario: "政府采购", Purpose: "采购项目供应商审查", Subjects: []lists.Query{{Code: f.company}}}); err != nil {
		t.Fatal(err)
	}
	ctxLister := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
	es, _, err := f.db.FindListEntries(ctxLister, lists.Filter{})
	if err != nil || len(es) != 1 {
		t.Fatalf("entries: %d, %v", len(es), err)
	}
	if _, err := f.db.RemoveListEntry(ctxLister, es[0].RecordID, lists.Removal{Reason: "已履行法定义务，信用修复"}); err != nil {
		t.Fatal(err)
	}
	inbox := func(d *access.Department) []*lists.Notification { return f.inbox(t, d) }
	var removals int
	for _, n := range inbox(f.user) {
		if n.Kind == lists.NotifyRemoval {
			removals++
			if n.Alert == nil || n.Alert.VerificationID == 0 {
				t.Errorf("the removal notice does not name the department's verification: %+v", n)
			}
		}
	}
	if removals != 1 {
		t.Errorf("the verifying department got %d removal notices, want 1", removals)
	}
	if n := len(inbox(housing)); n != 0 {
		t.Errorf("a department that never verified the subject got %d notices", n)
	}
}
