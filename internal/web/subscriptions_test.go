package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/storage"
)

var subscriberOnce sync.Once

// subscriber returns a client signed in as an operator of a department
// other than A and B (and other than thirdOperator's, whose inbox
// TestVerifyConsole reads).
func subscriber(t *testing.T) *client {
	t.Helper()
	f := mustFixture(t)
	var err error
	subscriberOnce.Do(func() {
		ctx := credit.NewContextWithActor(context.Background(), credit.System)
		deps := f.gen.Departments()
		for i := len(deps) - 1; i >= 0; i-- {
			d := deps[i]
			if d.Code == f.depA.Code || d.Code == f.depB.Code {
				continue
			}
			var dep *access.Department
			if dep, err = f.db.FindDepartmentByCode(ctx, d.Code); err != nil {
				return
			}
			_, err = f.db.CreateUser(ctx, &access.User{Username: "opsub", DisplayName: "订阅部门操作员", Role: credit.RoleDepartment, DepartmentID: dep.ID}, testPassword)
			return
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return login(t, "opsub")
}

// subscriptionRow returns the row of the subscription to url on the
// subscriptions page.
func subscriptionRow(doc *goquery.Document, url string) *goquery.Selection {
	var row *goquery.Selection
	doc.Find("main tr.subscription").Each(func(_ int, tr *goquery.Selection) {
		if text(tr.Find("td.url")) == url {
			row = tr
		}
	})
	return row
}

// allowLoopback lets webhooks reach the test receivers on 127.0.0.1 (as
// CREDIT_WEBHOOK_NETWORKS would) until the end of the test.
func allowLoopback(t *testing.T) {
	t.Helper()
	t.Cleanup(lists.SetWebhookNetworks(&lists.WebhookPolicy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}))
}

func TestSubscriptionConsole(t *testing.T) {
	f := mustFixture(t)
	// A receiver that refuses every delivery.
	var hits atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "维护中", http.StatusInternalServerError)
	}))
	defer receiver.Close()
	hook := receiver.URL + "/credit/hook"

	c := subscriber(t)
	doc := c.doc("/console/subscriptions", http.StatusOK)
	if doc.Find(`nav.side a[href="/console/subscriptions"][aria-current="page"]`).Length() != 1 {
		t.Error("the console nav does not show 推送订阅 as current")
	}
	form := doc.Find(`form[action="/console/subscriptions"]`)
	if form.Find(`input[name=url]`).Length() != 1 || form.Find(`input[type=checkbox][name=list_types][value=black]`).Length() != 1 ||
		form.Find(`input[type=checkbox][name=list_types][value=watch]`).Length() != 1 {
		t.Fatal("the form lacks the URL or the list type checkboxes")
	}

	create := url.Values{"url": {hook}, "list_types": {"black", "watch"}}
	// Without the CSRF token: refused.
	if res := c.post("/console/subscriptions", create); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST without CSRF: %d, want 403", res.StatusCode)
	}
	// A bad URL: the form again with the message and the choices kept.
	doc = parse(t, c.postCSRF("/console/subscriptions", url.Values{"url": {"ftp://example.com/x"}, "list_types": {"watch"}}), http.StatusBadRequest)
	if msg := text(doc.Find(".alert-error")); !strings.Contains(msg, "http://") {
		t.Errorf("bad URL message = %q", msg)
	}
	if doc.Find(`input[name=url]`).AttrOr("value", "") != "ftp://example.com/x" || doc.Find(`input[value=watch][checked]`).Length() != 1 ||
		doc.Find(`input[value=black][checked]`).Length() != 0 {
		t.Error("the form lost its values")
	}
	// The receiver is on 127.0.0.1: refused, with the reason, until the
	// network is allowed.
	t.Cleanup(lists.SetWebhookNetworks(nil))
	for _, u := range []string{hook, "http://169.254.169.254/latest/meta-data/"} {
		doc = parse(t, c.postCSRF("/console/subscriptions", url.Values{"url": {u}, "list_types": {"black"}}), http.StatusBadRequest)
		if msg := text(doc.Find(".alert-error")); !strings.Contains(msg, "不允许推送到") {
			t.Errorf("subscription to %s: message %q", u, msg)
		}
	}
	allowLoopback(t)

	// Created: the secret is shown once, on its own page.
	doc = parse(t, c.postCSRF("/console/subscriptions", create), http.StatusOK)
	secret := text(doc.Find("#secret"))
	if !strings.HasPrefix(secret, lists.SecretPrefix) || !strings.Contains(doc.Find("main h1").Text(), "严重失信主体名单") {
		t.Fatalf("secret page: %q %q", secret, doc.Find("main h1").Text())
	}
	doc = c.doc("/console/subscriptions", http.StatusOK)
	if strings.Contains(doc.Text(), secret) {
		t.Error("the list shows the secret again")
	}
	row := subscriptionRow(doc, hook)
	if row == nil {
		t.Fatalf("no row for %s:\n%s", hook, text(doc.Find("main")))
	}
	if got := text(row.Find("td.types")); got != "严重失信主体名单、重点关注名单" {
		t.Errorf("list types = %q", got)
	}
	if got := text(row.Find("td.status")); got != "有效" {
		t.Errorf("status = %q", got)
	}
	view := row.Find(`a[href^="/console/subscriptions/"]`).First().AttrOr("href", "")
	revoke := row.Find(`form[action$="/revoke"]`).AttrOr("action", "")
	if view == "" || revoke == "" {
		t.Fatal("no link to the delivery log or no revoke form")
	}

	// A secret of the department's choosing: refused when short, never
	// shown, and the deliveries are signed with it.
	chosen := "部门自设的签名密钥-" + strings.Repeat("k", 24)
	var signedOK atomic.Int32
	verifier := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := lists.VerifyWebhook(chosen, r.Header.Get(lists.HeaderSignature), r.Header.Get(lists.HeaderDelivery),
			r.Header.Get(lists.HeaderTimestamp), body, time.Now(), 24*time.Hour*30); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		signedOK.Add(1)
	}))
	defer verifier.Close()
	own := verifier.URL + "/own-secret"
	doc = parse(t, c.postCSRF("/console/subscriptions", url.Values{"url": {own}, "list_types": {"black"}, "secret": {"太短"}}), http.StatusBadRequest)
	if msg := text(doc.Find(".alert-error")); !strings.Contains(msg, "至少32个字符") {
		t.Errorf("short secret message = %q", msg)
	}
	if strings.Contains(doc.Text(), "太短") {
		t.Error("the form echoes the secret")
	}
	res := c.postCSRF("/console/subscriptions", url.Values{"url": {own}, "list_types": {"black"}, "secret": {chosen}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/subscriptions?done=created" {
		t.Fatalf("create with a chosen secret: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	doc = c.doc("/console/subscriptions?done=created", http.StatusOK)
	if !strings.Contains(text(doc.Find(".alert")), "您设置的签名密钥") || strings.Contains(doc.Text(), chosen) {
		t.Errorf("after creation with a chosen secret: notice %q, secret shown %v", text(doc.Find(".alert")), strings.Contains(doc.Text(), chosen))
	}
	if subscriptionRow(doc, own) == nil {
		t.Errorf("no row for %s", own)
	}

	// A lists a company on the black list on the console form: C's
	// subscriptions get a delivery each: the first receiver refuses until
	// the schedule gives up, the second checks the chosen secret.
	code := testUSCC(t, "91220101MA0L2101")
	res = login(t, "opa").postCSRF("/console/lists/new", entryValues(t, code, "长春推送订阅测试建材有限公司", "吉录入〔2026〕21号"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("list entry: %d", res.StatusCode)
	}
	p := &storage.Pusher{DB: f.db}
	at := time.Now()
	for range len(lists.RetrySchedule) + 1 {
		if _, err := p.DeliverDue(context.Background(), at); err != nil {
			t.Fatal(err)
		}
		at = at.Add(7 * time.Hour)
	}
	if n := int(hits.Load()); n != len(lists.RetrySchedule)+1 {
		t.Errorf("receiver hit %d times, want %d", n, len(lists.RetrySchedule)+1)
	}
	if n := signedOK.Load(); n != 1 {
		t.Errorf("deliveries signed with the chosen secret: %d, want 1", n)
	}

	// The delivery log: failed after every attempt, with the last error
	// and a retry button.
	doc = c.doc(view, http.StatusOK)
	if !strings.Contains(text(doc.Find("main dl")), hook) {
		t.Error("the log page does not show the URL")
	}
	dl := doc.Find("main tr.delivery")
	if dl.Length() != 1 {
		t.Fatalf("%d deliveries, want 1:\n%s", dl.Length(), text(doc.Find("main")))
	}
	if got := text(dl.Find("td.status")); got != "推送失败" {
		t.Errorf("delivery status = %q", got)
	}
	if got := text(dl.Find("td.attempts")); got != "6" {
		t.Errorf("attempts = %q", got)
	}
	// Only the status of the answer is kept, never its body.
	if got := text(dl.Find("td.result")); !strings.Contains(got, "HTTP 500") || strings.Contains(got, "维护中") || !strings.Contains(got, "6次尝试") {
		t.Errorf("last result = %q", got)
	}
	if got := text(dl.Find("td.next")); got != "—" {
		t.Errorf("next attempt of a failed delivery = %q", got)
	}
	if doc.Find(`nav.list-tabs a[href="`+view+`?status=failed"]`).Length() != 1 {
		t.Error("no status filter")
	}
	if n := c.doc(view+"?status=delivered", http.StatusOK).Find("main tr.delivery").Length(); n != 0 {
		t.Errorf("%d delivered deliveries, want 0", n)
	}
	c.doc(view+"?status=nosuch", http.StatusBadRequest)
	retry := dl.Find(`form[action^="/console/deliveries/"]`).AttrOr("action", "")
	if retry == "" {
		t.Fatal("no retry form")
	}

	// Others: B and a region administrator get 403; the auditor reads
	// without buttons; the province sees every department's.
	if res := login(t, "opb").get(view); res.StatusCode != http.StatusForbidden {
		t.Errorf("department B reads C's log: %d", res.StatusCode)
	}
	if res := login(t, "opb").postCSRF(retry, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("department B retries C's delivery: %d", res.StatusCode)
	}
	doc = parse(t, login(t, "region").get("/console/subscriptions"), http.StatusForbidden)
	if !strings.Contains(doc.Find("main h1").Text(), "无权访问") || !strings.Contains(doc.Find("main").Text(), "名单推送") {
		t.Errorf("region 403 page: %s", text(doc.Find("main")))
	}
	if login(t, "region").doc("/console/", http.StatusOK).Find(`nav.side a[href="/console/subscriptions"]`).Length() != 0 {
		t.Error("the region administrator's nav links 推送订阅")
	}
	au := login(t, "auditor")
	doc = au.doc(view, http.StatusOK)
	if doc.Find(`form[action="`+retry+`"]`).Length() != 0 || doc.Find(`form[action$="/revoke"]`).Length() != 0 {
		t.Error("the auditor is offered retry or revoke")
	}
	if res := au.postCSRF(retry, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("auditor retry: %d", res.StatusCode)
	}
	doc = login(t, "admin").doc("/console/subscriptions", http.StatusOK)
	if row := subscriptionRow(doc, hook); row == nil || row.Find("td").Eq(1).Text() == "" {
		t.Error("the province does not see C's subscription with its department")
	}
	if doc.Find(`form[action="/console/subscriptions"]`).Length() != 0 {
		t.Error("the province is offered to create a subscription")
	}

	// Retry: pending again, due now.
	if res := c.post(retry, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("retry without CSRF: %d", res.StatusCode)
	}
	res = c.postCSRF(retry, nil)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), view) {
		t.Fatalf("retry: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	doc = c.doc(res.Header.Get("Location"), http.StatusOK)
	if !strings.Contains(text(doc.Find(".alert-ok")), "重新推送") {
		t.Error("no notice after retry")
	}
	dl = doc.Find("main tr.delivery")
	if got := text(dl.Find("td.status")); got != "待推送" || text(dl.Find("td.next")) == "—" {
		t.Errorf("after retry: status %q, next %q", got, text(dl.Find("td.next")))
	}
	if res := c.postCSRF(retry, nil); res.StatusCode != http.StatusConflict {
		t.Errorf("second retry: %d, want 409", res.StatusCode)
	}

	// Revoke: the subscription is marked, the pending delivery cancelled.
	if res := c.post(revoke, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("revoke without CSRF: %d", res.StatusCode)
	}
	res = c.postCSRF(revoke, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	doc = c.doc(res.Header.Get("Location"), http.StatusOK)
	if !strings.Contains(text(doc.Find(".alert-ok")), "已撤销") {
		t.Error("no notice after revoke")
	}
	row = subscriptionRow(doc, hook)
	if row == nil || !strings.HasPrefix(text(row.Find("td.status")), "已撤销") || row.Find(`form[action$="/revoke"]`).Length() != 0 {
		t.Error("the revoked subscription is not marked")
	}
	doc = c.doc(view, http.StatusOK)
	if got := text(doc.Find("main tr.delivery td.status")); got != "已取消" {
		t.Errorf("delivery after revoke = %q", got)
	}
	if doc.Find(`form[action^="/console/deliveries/"]`).Length() != 0 {
		t.Error("retry offered on a revoked subscription")
	}
	if res := c.postCSRF(revoke, nil); res.StatusCode != http.StatusConflict {
		t.Errorf("second revoke: %d, want 409", res.StatusCode)
	}
	c.doc("/console/subscriptions/999999", http.StatusNotFound)
	c.doc("/console/subscriptions/x", http.StatusNotFound)

	// Every link of the pages resolves.
	for _, cl := range []*client{c, login(t, "admin")} {
		cl.http.CheckRedirect = nil
		if n := crawl(t, cl, "/console/subscriptions", "/console/subscriptions", 100); n < 3 {
			t.Errorf("crawled only %d pages", n)
		}
	}
}

// seedDeliveries gives the subscriber's department two subscriptions with
// deliveries to show: one to a receiver that refuses everything (a
// delivery given up, another waiting for its retry), one to a receiver
// that accepts. It returns the paths of the subscriptions page and of the
// refused subscription's delivery log.
func seedDeliveries(t *testing.T) (index, log string) {
	t.Helper()
	f := mustFixture(t)
	allowLoopback(t)
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "服务暂不可用", http.StatusServiceUnavailable)
	}))
	t.Cleanup(refuse.Close)
	accept := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(accept.Close)
	c := subscriber(t)
	for _, v := range []url.Values{
		{"url": {refuse.URL + "/credit/webhook"}, "list_types": {"black", "watch"}},
		{"url": {accept.URL + "/notify"}},
	} {
		if res := c.postCSRF("/console/subscriptions", v); res.StatusCode != http.StatusOK {
			t.Fatalf("create subscription: %d", res.StatusCode)
		}
	}
	row := subscriptionRow(c.doc("/console/subscriptions", http.StatusOK), refuse.URL+"/credit/webhook")
	if row == nil {
		t.Fatal("no refused subscription")
	}
	log = row.Find(`a[href^="/console/subscriptions/"]`).First().AttrOr("href", "")
	a := login(t, "opa")
	p := &storage.Pusher{DB: f.db}
	for i, name := range []string{"长春订阅展示建筑工程有限公司", "长春订阅展示物流有限公司"} {
		code := testUSCC(t, "91220101MA0L22"+string(rune('0'+i))+"1")
		if res := a.postCSRF("/console/lists/new", entryValues(t, code, name, "吉录入〔2026〕3"+string(rune('0'+i))+"号")); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("list entry: %d", res.StatusCode)
		}
		if i == 1 {
			// One attempt now: the refused delivery waits for its retry.
			if _, err := p.DeliverDue(context.Background(), time.Now()); err != nil {
				t.Fatal(err)
			}
			break
		}
		// Every attempt refused, until the schedule gives up.
		at := time.Now()
		for range len(lists.RetrySchedule) + 1 {
			if _, err := p.DeliverDue(context.Background(), at); err != nil {
				t.Fatal(err)
			}
			at = at.Add(7 * time.Hour)
		}
	}
	return "/console/subscriptions", log
}

// TestInboxRemoval checks that a removal notice in the inbox says when, how
// and why the entry left the list.
func TestInboxRemoval(t *testing.T) {
	f := mustFixture(t)
	allowLoopback(t)
	accept := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer accept.Close()
	c := subscriber(t)
	if res := c.postCSRF("/console/subscriptions", url.Values{"url": {accept.URL + "/removal"}, "list_types": {"black"}}); res.StatusCode != http.StatusOK {
		t.Fatalf("create subscription: %d", res.StatusCode)
	}
	code := testUSCC(t, "91220101MA0L2401")
	name := "长春移出通知测试商贸有限公司"
	a := login(t, "opa")
	if res := a.postCSRF("/console/lists/new", entryValues(t, code, name, "吉录入〔2026〕41号")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("list entry: %d", res.StatusCode)
	}
	recs := entryRecords(t, code)
	id := recs[len(recs)-1].ID
	removal := url.Values{"kind": {lists.RemovedEarly}, "reason": {"已履行行政处罚决定并完成信用修复"}}
	if res := a.postCSRF("/console/lists/entries/"+strconv.FormatInt(int64(id), 10)+"/removal", removal); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("removal: %d", res.StatusCode)
	}
	today := credit.DateOf(f.db.Now()).Format(credit.DateLayout)
	doc := c.doc("/console/inbox?kind=removal", http.StatusOK)
	var item *goquery.Selection
	doc.Find("main article.inbox-item").Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(text(s.Find("h2")), name) {
			item = s
		}
	})
	if item == nil {
		t.Fatalf("no removal notice about %s:\n%s", name, text(doc.Find("main")))
	}
	dl := text(item.Find("dl"))
	for _, want := range []string{"移出日期", "移出方式", "移出原因"} {
		if !strings.Contains(dl, want) {
			t.Errorf("the removal notice lacks %s: %q", want, dl)
		}
	}
	if got := text(item.Find("dd.removed-on")); got != today {
		t.Errorf("移出日期 = %q, want %s", got, today)
	}
	if got := text(item.Find("dd.removal-kind")); got != lists.RemovedEarly {
		t.Errorf("移出方式 = %q", got)
	}
	if got := text(item.Find("dd.removal-reason")); got != "已履行行政处罚决定并完成信用修复" {
		t.Errorf("移出原因 = %q", got)
	}
}
