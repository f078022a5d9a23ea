package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
)

// entryLink returns the console link of the entry about name in the list
// of entries at path, or "".
func entryLink(doc *goquery.Document, name string) string {
	var href string
	doc.Find("main table.entry-list tbody tr").Each(func(_ int, tr *goquery.Selection) {
		if href == "" && strings.Contains(tr.Text(), name) {
			href, _ = tr.Find(`a[href^="/console/lists/entries/"]`).Attr("href")
		}
	})
	return href
}

func TestListEntryRemovalConsole(t *testing.T) {
	seedLists(t)
	code, name := testUSCC(t, "91220101MA0L1010"), "长春提前移出测试科技有限公司"
	listAsADoc(t, code, name, "吉名单〔2026〕120号")
	pub := newClient(t)
	if doc := pub.doc("/lists/black?q="+code, http.StatusOK); !strings.Contains(rowsText(doc), name) {
		t.Fatalf("the new entry is not on the public list")
	}

	// Department A finds its entry in the console and may remove it.
	a := login(t, "opa")
	doc := a.doc("/console/lists/entries", http.StatusOK)
	if doc.Find(`nav.side a[href="/console/lists/entries"][aria-current="page"]`).Length() != 1 {
		t.Error("the navigation does not mark 名单信息")
	}
	path := entryLink(doc, name)
	if path == "" {
		t.Fatalf("A's list of entries lacks %s:\n%s", name, text(doc.Find("main table")))
	}
	publicPath := "/lists/entry/" + strings.TrimPrefix(path, "/console/lists/entries/")
	if pub.get(publicPath).StatusCode != http.StatusOK {
		t.Fatalf("no public page %s", publicPath)
	}
	doc = a.doc(path, http.StatusOK)
	if got := text(doc.Find(".entry-state")); got != "有效" {
		t.Errorf("state = %q, want 有效", got)
	}
	for _, want := range []string{name, code, "吉名单〔2026〕120号", "拒不履行法定义务", "李核查"} {
		if !strings.Contains(doc.Find("main").Text(), want) {
			t.Errorf("entry page lacks %q", want)
		}
	}
	form := doc.Find("form.removal-form")
	if form.Length() != 1 {
		t.Fatal("the deciding department has no removal form")
	}
	action, _ := form.Attr("action")
	action = strings.SplitN(action, "#", 2)[0]
	day, _ := form.Find("input[name=date]").Attr("value") // today, by default
	if day == "" {
		t.Error("the removal date has no default")
	}
	if v, _ := form.Find("select[name=kind] option[selected]").Attr("value"); v != lists.RemovedEarly {
		t.Errorf("default kind = %q", v)
	}

	// Department B sees the entry but may not remove it.
	b := login(t, "opb")
	if doc := b.doc(path, http.StatusOK); doc.Find("form.removal-form").Length() != 0 {
		t.Error("another department is offered the removal form")
	}
	if res := b.postCSRF(action, url.Values{"kind": {lists.RemovedEarly}, "reason": {"乙部门试图移出"}, "date": {day}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("another department removes the entry: %d, want 403", res.StatusCode)
	}
	// Without the token, or without a reason: refused.
	if res := a.post(action, url.Values{"kind": {lists.RemovedEarly}, "reason": {"x"}, "date": {day}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("removal without CSRF: %d, want 403", res.StatusCode)
	}
	doc = parse(t, a.postCSRF(action, url.Values{"kind": {lists.RemovedEarly}, "reason": {" "}, "date": {day}}), http.StatusBadRequest)
	if msg := doc.Find("#removal-error").Text(); !strings.Contains(msg, "请填写移出原因") {
		t.Errorf("no reason: %q", msg)
	}
	if pub.get(publicPath).StatusCode != http.StatusOK {
		t.Fatal("a refused removal removed the entry")
	}

	// Removed by A: shown removed, gone from the public lists.
	const reason = "已纠正失信行为并履行相关义务，经申请准予信用修复"
	res := a.postCSRF(action, url.Values{"kind": {lists.RemovedRepaired}, "reason": {reason}, "date": {day}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("removal: %d, want 303", res.StatusCode)
	}
	doc = a.doc(res.Header.Get("Location"), http.StatusOK)
	if !strings.Contains(doc.Find(".alert-ok").Text(), "已移出") {
		t.Errorf("no confirmation: %q", doc.Find(".alert-ok").Text())
	}
	if got := text(doc.Find(".entry-state")); got != "已移出" {
		t.Errorf("state after removal = %q, want 已移出", got)
	}
	info := text(doc.Find(".removal-info"))
	for _, want := range []string{day, lists.RemovedRepaired, reason} {
		if !strings.Contains(info, want) {
			t.Errorf("removal info lacks %q: %s", want, info)
		}
	}
	if doc.Find("form.removal-form").Length() != 0 {
		t.Error("a removed entry still has the removal form")
	}
	// The old version's page says which version is current.
	if doc := a.doc(path, http.StatusOK); !strings.Contains(doc.Find(".alert-info").Text(), "旧版本") || !strings.Contains(doc.Find(".alert-info").Text(), "当前第2版") {
		t.Errorf("old version: %q", doc.Find(".alert-info").Text())
	}
	if doc := pub.doc("/lists/black?q="+code, http.StatusOK); strings.Contains(doc.Find("main").Text(), name) {
		t.Error("the removed entry is still on the public list")
	}
	if res := pub.get(publicPath); res.StatusCode != http.StatusNotFound {
		t.Errorf("public page of the removed entry: %d, want 404", res.StatusCode)
	}
	// Storage agrees: the entry is not active today.
	f := mustFixture(t)
	today := credit.DateOf(time.Now())
	es, _, err := f.db.FindListEntries(actorOf(t, "opa"), lists.Filter{ActiveOn: &today, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.SubjectName == name {
			t.Errorf("storage still has the entry active: %+v", e)
		}
	}
	// Removing again: a conflict, explained on the page.
	doc = parse(t, a.postCSRF(action, url.Values{"kind": {lists.RemovedEarly}, "reason": {"再次移出"}, "date": {day}}), http.StatusConflict)
	if msg := doc.Find("#removal-error").Text(); !strings.Contains(msg, "已于") {
		t.Errorf("second removal: %q", msg)
	}
}

// An entry past its validity whose removal is not recorded yet (the hourly
// expiry has not run) offers 有效期届满 and 撤销认定 in the console, never
// an early removal; 撤销认定 is recorded.
func TestExpiredEntryRevokedInConsole(t *testing.T) {
	seedLists(t)
	code, name := testUSCC(t, "91220101MA0L1011"), "长春到期撤销测试有限公司"
	now := time.Now()
	listRowAsA(t, name, code, "吉名单〔2024〕121号", now.AddDate(-2, 0, 0), now.AddDate(0, 0, -7), nil)
	a := login(t, "opa")
	path := entryLink(a.doc("/console/lists/entries?q="+url.QueryEscape(name), http.StatusOK), name)
	if path == "" {
		t.Fatal("the expired entry is not in A's list of entries")
	}
	doc := a.doc(path, http.StatusOK)
	var kinds []string
	doc.Find(`form.removal-form select[name=kind] option`).Each(func(_ int, o *goquery.Selection) { kinds = append(kinds, o.AttrOr("value", "")) })
	if strings.Join(kinds, ",") != lists.RemovedExpired+","+lists.RemovedRevoked || !strings.Contains(text(doc.Find("#removal h2")), "有效期已届满") {
		t.Fatalf("removal form of an expired entry: kinds %v, heading %q", kinds, text(doc.Find("#removal h2")))
	}
	res := a.postCSRF(path+"/removal", url.Values{"kind": {lists.RemovedRevoked}, "reason": {"认定依据的事实有误，依法撤销认定"}, "date": {now.Format(credit.DateLayout)}})
	if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusOK {
		t.Fatalf("revoking: %d %s", res.StatusCode, text(parse(t, res, res.StatusCode).Find("main")))
	}
	doc = a.doc(path, http.StatusOK)
	if !strings.Contains(text(doc.Find(".removal-info")), lists.RemovedRevoked) {
		t.Errorf("after revoking: %q", text(doc.Find("main")))
	}
}
