package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/subject"
)

// verifyAs runs a verification in the 政府采购 scenario from the console
// form and returns the path of its result page and its id.
func verifyAs(t *testing.T, c *client, purpose string, subjects ...string) (string, int64) {
	t.Helper()
	res := c.postCSRF("/console/verify", url.Values{"scenario": {"政府采购"}, "purpose": {purpose}, "subjects": {strings.Join(subjects, "\n")}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/verifications/") {
		t.Fatalf("verify: %d %s", res.StatusCode, loc)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/console/verifications/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return loc, id
}

// unlistedOrg returns an organisation of the demo data that no test lists
// (verifyOther's is listed by TestVerifyConsole).
func unlistedOrg(t *testing.T) string {
	t.Helper()
	f := mustFixture(t)
	listed, _ := verifyOther(t)
	for i := f.gen.Subjects() - 1; i >= 0; i-- {
		s := f.gen.Subject(i)
		if s.USCC != "" && s.Type != string(subject.Person) && s.USCC != f.subjectCode && s.USCC != listed {
			return s.USCC
		}
	}
	t.Fatal("no second organisation in the demo data")
	return ""
}

// actorOf returns the actor of a fixture user, for calling storage as that
// user.
func actorOf(t *testing.T, username string) context.Context {
	t.Helper()
	f := mustFixture(t)
	ctx := context.Background()
	users, _, err := f.db.FindUsers(credit.NewContextWithActor(ctx, credit.System), access.UserFilter{Query: username, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Username == username {
			return credit.NewContextWithActor(ctx, u.Actor())
		}
	}
	t.Fatalf("no user %s", username)
	return nil
}

func TestVerificationFeedback(t *testing.T) {
	s := seedLists(t)
	f := mustFixture(t)
	b := login(t, "opb")
	vpath, id := verifyAs(t, b, "执行反馈测试采购项目", s.company)
	fbPath := vpath + "/feedback"

	doc := b.doc(vpath, http.StatusOK)
	form := doc.Find("#s1 form.feedback-form")
	if form.Length() != 1 {
		t.Fatalf("no feedback form for the hit:\n%s", text(doc.Find("#s1")))
	}
	if action, _ := form.Attr("action"); !strings.HasPrefix(action, fbPath) {
		t.Errorf("form action = %q", action)
	}
	legend := text(form.Find("fieldset.feedback-row legend").First())
	if !strings.Contains(legend, "N1-01") || !strings.Contains(legend, "限制参加政府采购活动") {
		t.Errorf("first measure of the form = %q, want N1-01 限制参加政府采购活动", legend)
	}
	verified, _ := form.Find(`input[name="on.0"]`).Attr("min") // the day of the verification
	if verified == "" {
		t.Fatal("the date input has no min (the verification day)")
	}

	// Without the CSRF token: refused.
	if res := b.post(fbPath, url.Values{"seq": {"1"}, "status.0": {"applied"}, "on.0": {verified}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("feedback without CSRF: %d, want 403", res.StatusCode)
	}
	// Not applied without a reason: storage's message next to the row,
	// 400, the choice kept.
	doc = parse(t, b.postCSRF(fbPath, url.Values{"seq": {"1"}, "status.0": {"not_applied"}, "reason.0": {"  "}}), http.StatusBadRequest)
	row := doc.Find("#s1 fieldset.feedback-row").First()
	if msg := text(row.Find(".field-error")); msg != "未实施措施的须说明原因" {
		t.Errorf("row error = %q, want 未实施措施的须说明原因", msg)
	}
	if v, _ := row.Find(`input[name="status.0"]:checked`).Attr("value"); v != "not_applied" {
		t.Errorf("the form lost the choice: %q", v)
	}
	if !strings.Contains(doc.Find("#s1 .feedback-form .alert-error").Text(), "执行反馈未保存") {
		t.Errorf("no summary: %q", doc.Find("#s1 .feedback-form .alert-error").Text())
	}
	// A date in the future, and a form with nothing chosen.
	doc = parse(t, b.postCSRF(fbPath, url.Values{"seq": {"1"}, "status.0": {"applied"}, "on.0": {time.Now().AddDate(2, 0, 0).Format(credit.DateLayout)}}), http.StatusBadRequest)
	if msg := text(doc.Find("#s1 fieldset.feedback-row .field-error").First()); msg != "实施日期不得晚于今天" {
		t.Errorf("future date: %q", msg)
	}
	doc = parse(t, b.postCSRF(fbPath, url.Values{"seq": {"1"}}), http.StatusBadRequest)
	if !strings.Contains(doc.Find("#s1 .alert-error").Text(), "请至少填写一项措施的执行情况") {
		t.Errorf("empty form: %q", doc.Find("#s1 .alert-error").Text())
	}
	if fb, err := f.db.FindFeedback(actorOf(t, "opb"), id); err != nil || len(fb) != 0 {
		t.Fatalf("feedback after refused forms: %d, %v", len(fb), err)
	}

	// Another department may neither see nor answer; an administrator sees
	// but may not answer for the department.
	c := thirdOperator(t)
	if res := c.postCSRF(fbPath, url.Values{"seq": {"1"}, "status.0": {"applied"}, "on.0": {verified}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("department C records feedback: %d, want 403", res.StatusCode)
	}
	admin := login(t, "admin")
	if doc := admin.doc(vpath, http.StatusOK); doc.Find("form.feedback-form").Length() != 0 {
		t.Error("the administrator is offered the feedback form")
	}
	if res := admin.postCSRF(fbPath, url.Values{"seq": {"1"}, "status.0": {"applied"}, "on.0": {verified}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("administrator records feedback: %d, want 403", res.StatusCode)
	}

	// Applied on the day of the verification: recorded and shown.
	res := b.postCSRF(fbPath, url.Values{"seq": {"1"}, "status.0": {"applied"}, "on.0": {verified}, "reason.0": {"已取消其投标资格"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("feedback: %d, want 303", res.StatusCode)
	}
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, vpath+"?feedback=1") {
		t.Errorf("redirect to %q", loc)
	}
	doc = b.doc(loc, http.StatusOK)
	if !strings.Contains(doc.Find(".alert-ok").Text(), "已记录第1个核查对象的执行反馈") {
		t.Errorf("no confirmation: %q", doc.Find(".alert-ok").Text())
	}
	got := text(doc.Find("#s1 .feedback-list tbody"))
	for _, want := range []string{"限制参加政府采购活动", "N1-01", "已实施", verified, "已取消其投标资格"} {
		if !strings.Contains(got, want) {
			t.Errorf("recorded feedback lacks %q: %s", want, got)
		}
	}
	if !strings.Contains(doc.Find("#s1 .tag-ok").Text(), "已反馈") {
		t.Error("the hit is not marked 已反馈")
	}
	if doc.Find("#s1 details.feedback-more form.feedback-form").Length() != 1 {
		t.Error("no folded form for more feedback")
	}
	fb, err := f.db.FindFeedback(actorOf(t, "opb"), id)
	if err != nil || len(fb) != 1 {
		t.Fatalf("storage has %d feedback, %v; want 1", len(fb), err)
	}
	if g := fb[0]; g.Seq != 1 || g.MeasureCode != "N1-01" || !g.Applied || g.AppliedOn != verified || g.Reason != "已取消其投标资格" {
		t.Errorf("stored feedback = %+v", *g)
	}
	// The JSON API answers the same, for the session.
	req, _ := http.NewRequest(http.MethodGet, b.base+"/api/v1/verifications/"+strconv.FormatInt(id, 10)+"/feedback", nil)
	req.Header.Set("Accept", "application/json")
	if res := b.do(req); res.StatusCode != http.StatusOK {
		t.Errorf("API feedback: %d", res.StatusCode)
	}
}

func TestVerificationIndex(t *testing.T) {
	s := seedLists(t)
	otherCode := unlistedOrg(t)

	// B's verifications, newest first, with their feedback state.
	bi := login(t, "opb")
	_, hit := verifyAs(t, bi, "列表测试：命中", s.company)
	_, clean := verifyAs(t, bi, "列表测试：未命中", otherCode)
	doc := bi.doc("/console/verifications", http.StatusOK)
	if doc.Find(`nav.side a[href="/console/verifications"][aria-current="page"]`).Length() != 1 {
		t.Error("the navigation does not mark 核查记录")
	}
	rows := doc.Find("main table.verification-list tbody tr")
	if first, _ := rows.First().Attr("id"); first != "v"+strconv.FormatInt(clean, 10) {
		t.Errorf("first row = %q, want the newest verification v%d", first, clean)
	}
	row := doc.Find("#v" + strconv.FormatInt(hit, 10))
	for label, want := range map[string]string{"应用场景": "政府采购", "查询事由": "列表测试：命中", "核查对象": s.companyName, "命中": "1 / 1", "执行反馈": "待反馈"} {
		if got := text(row.Find(`td[data-label="` + label + `"]`)); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", label, got, want)
		}
	}
	if row.Find(`a[href="/console/verifications/`+strconv.FormatInt(hit, 10)+`"]`).Length() != 1 {
		t.Error("the row does not link the result page")
	}
	if got := text(doc.Find("#v" + strconv.FormatInt(clean, 10) + ` td[data-label="执行反馈"]`)); got != "无需反馈" {
		t.Errorf("verification without hits: %q", got)
	}
	if doc.Find(`th:contains("核查部门")`).Length() != 0 {
		t.Error("a department's list has a department column")
	}
	// Another department does not see them; an administrator sees every
	// department's, with the department.
	ci := login(t, "opa")
	if ci.doc("/console/verifications", http.StatusOK).Find("#v"+strconv.FormatInt(hit, 10)).Length() != 0 {
		t.Error("department A lists B's verification")
	}
	ai := login(t, "admin")
	doc = ai.doc("/console/verifications", http.StatusOK)
	if got := text(doc.Find("#v" + strconv.FormatInt(hit, 10) + ` td[data-label="核查部门"]`)); got != mustFixture(t).depB.Name {
		t.Errorf("department of the row = %q, want %q", got, mustFixture(t).depB.Name)
	}
	// A bad range is explained.
	doc = parse(t, bi.get("/console/verifications?from=2026-05-02&to=2026-05-01"), http.StatusBadRequest)
	if !strings.Contains(doc.Find(".alert-error").Text(), "晚于截止日期") {
		t.Errorf("bad range: %q", doc.Find(".alert-error").Text())
	}
}

// statsFigures reads the totals of the statistics page.
func statsFigures(doc *goquery.Document) map[string]string {
	out := map[string]string{}
	doc.Find(".stats-total [data-stat]").Each(func(_ int, s *goquery.Selection) {
		k, _ := s.Attr("data-stat")
		out[k] = text(s)
	})
	return out
}

func TestVerificationStats(t *testing.T) {
	s := seedLists(t)
	f := mustFixture(t)
	b := login(t, "opb")
	verifyAs(t, b, "统计测试", s.company)

	pct := func(x float64) string { return strconv.FormatFloat(x*100, 'f', 1, 64) + "%" }
	for _, user := range []string{"opb", "admin"} {
		t.Run(user, func(t *testing.T) {
			c := login(t, user)
			doc := c.doc("/console/verifications/stats", http.StatusOK)
			st, err := f.db.VerificationStats(actorOf(t, user), lists.StatsFilter{})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"verifications": strconv.Itoa(st.Total.Verifications), "subjects": strconv.Itoa(st.Total.Subjects),
				"hits": strconv.Itoa(st.Total.Hits), "with_feedback": strconv.Itoa(st.Total.WithFeedback), "overdue": strconv.Itoa(st.Total.Overdue),
				"hit_rate": pct(st.Total.HitRate), "feedback_rate": pct(st.Total.FeedbackRate),
			}
			got := statsFigures(doc)
			for k, w := range want {
				if g := strings.ReplaceAll(got[k], ",", ""); g != w {
					t.Errorf("%s = %q, want %q (storage)", k, g, w)
				}
			}
			if st.Total.Verifications == 0 || st.Total.Hits == 0 {
				t.Errorf("storage counts no verification or hit: %+v", st.Total)
			}
			// The scenario table sums storage's rows of 政府采购.
			var n int
			for _, r := range st.Rows {
				if r.Scenario == "政府采购" {
					n += r.Verifications
				}
			}
			var cell string
			doc.Find("table.stats-scenario tbody tr").Each(func(_ int, tr *goquery.Selection) {
				if text(tr.Find(`td[data-label="应用场景"]`)) == "政府采购" {
					cell = text(tr.Find(`td[data-label="核查次数"]`))
				}
			})
			if strings.ReplaceAll(cell, ",", "") != strconv.Itoa(n) {
				t.Errorf("政府采购 verifications = %q, want %d", cell, n)
			}
			depTable := doc.Find("table.stats-department")
			if user == "opb" && depTable.Length() != 0 {
				t.Error("a department is shown the table of departments")
			}
			if user == "admin" && !strings.Contains(depTable.Text(), f.depB.Name) {
				t.Errorf("the table of departments lacks %s", f.depB.Name)
			}
		})
	}

	// A range: the figures storage gives for it; a bad one explained.
	today := time.Now().In(credit.Shanghai).Format(credit.DateLayout)
	doc := b.doc("/console/verifications/stats?from=2000-01-01&to=2000-01-31", http.StatusOK)
	if got := statsFigures(doc)["verifications"]; got != "0" {
		t.Errorf("verifications in January 2000 = %q", got)
	}
	if v, _ := doc.Find(`input[name=from]`).Attr("value"); v != "2000-01-01" {
		t.Errorf("the form lost the range: %q", v)
	}
	doc = parse(t, b.get("/console/verifications/stats?from="+today+"&to=2000-01-01"), http.StatusBadRequest)
	if !strings.Contains(doc.Find(".alert-error").Text(), "晚于截止日期") {
		t.Errorf("bad range: %q", doc.Find(".alert-error").Text())
	}
	doc = parse(t, b.get("/console/verifications/stats?from=2026-13-45"), http.StatusBadRequest)
	if !strings.Contains(doc.Find(".alert-error").Text(), "不是有效日期") {
		t.Errorf("bad date: %q", doc.Find(".alert-error").Text())
	}

	// A region administrator may not see them (storage), and is not offered them.
	r := login(t, "region")
	if res := r.get("/console/verifications/stats"); res.StatusCode != http.StatusForbidden {
		t.Errorf("region administrator: %d, want 403", res.StatusCode)
	}
	if r.doc("/console/", http.StatusOK).Find(`nav.side a[href="/console/verifications/stats"]`).Length() != 0 {
		t.Error("the region administrator's navigation links the statistics")
	}
	if b.doc("/console/", http.StatusOK).Find(`nav.side a[href="/console/verifications/stats"]`).Length() != 1 {
		t.Error("the department's navigation lacks the statistics")
	}
}
