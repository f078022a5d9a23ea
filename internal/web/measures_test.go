package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
)

// measureForm returns the inputs of the edit form of a measure as the
// browser would send them.
func measureForm(m lists.Measure) url.Values {
	v := url.Values{"code": {m.Code}, "name": {m.Name}, "class": {strconv.Itoa(m.Class)}, "effect": {string(m.Effect)},
		"list_types": m.ListTypes, "department_kinds": m.DepartmentKinds, "scenarios": m.Scenarios, "basis": {m.Basis}, "clause": {m.Clause}}
	if m.Mandatory {
		v.Set("mandatory", "1")
	}
	return v
}

// findMeasure returns the measure code of the catalog in force.
func findMeasure(t *testing.T, code string) lists.Measure {
	t.Helper()
	d, err := mustFixture(t).db.ListData(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(d.Measures, func(m lists.Measure) bool { return m.Code == code })
	if i < 0 {
		t.Fatalf("no measure %s", code)
	}
	return d.Measures[i]
}

func TestMeasuresConsole(t *testing.T) {
	f := mustFixture(t)
	// N3-01 (融资信贷, banks only) is edited: no other test verifies in
	// that scenario. It is put back afterwards.
	const code = "N3-01"
	orig := findMeasure(t, code)
	t.Cleanup(func() {
		m := orig
		if err := f.db.SaveMeasure(credit.NewContextWithActor(context.Background(), credit.System), &m, lists.MeasureSave{}); err != nil {
			t.Errorf("restore %s: %v", code, err)
		}
	})

	// A department operator reads the catalog and may not change it.
	op := login(t, "opa")
	doc := op.doc("/console/measures", http.StatusOK)
	if doc.Find(`nav.side a[href="/console/measures"][aria-current="page"]`).Length() != 1 {
		t.Error("the navigation does not mark 措施清单")
	}
	// Incentives are a group of their own, not under a punishment class.
	if doc.Find("#rewards #m-R-01").Length() != 1 || doc.Find("#class-1 #m-R-01").Length() != 0 || doc.Find("#class-1 #m-N1-01").Length() != 1 {
		t.Error("R-01 is not under 守信激励措施, or N1-01 not under class 1")
	}
	row := doc.Find("#m-N1-01")
	for _, want := range []string{"限制参加政府采购活动", "严重失信主体名单", "政府采购", "全国失信惩戒措施基础清单"} {
		if !strings.Contains(row.Text(), want) {
			t.Errorf("row N1-01 lacks %q: %s", want, text(row))
		}
	}
	if n := doc.Find(`main a[href^="/console/measures/"]`).Length(); n != 0 {
		t.Errorf("the operator is offered %d edit links", n)
	}
	if res := op.get("/console/measures/" + code); res.StatusCode != http.StatusForbidden {
		t.Errorf("operator opens the edit form: %d, want 403", res.StatusCode)
	}
	bad := measureForm(orig)
	bad.Set("name", "操作员改名")
	if res := op.postCSRF("/console/measures/"+code, bad); res.StatusCode != http.StatusForbidden {
		t.Errorf("operator saves a measure: %d, want 403", res.StatusCode)
	}

	// The province administrator edits.
	admin := login(t, "admin")
	doc = admin.doc("/console/measures", http.StatusOK)
	if doc.Find(`a[href="/console/measures/new"]`).Length() != 1 || doc.Find(`#m-`+code+` a[href="/console/measures/`+code+`"]`).Length() != 1 {
		t.Fatal("the administrator has no 新增措施 or edit link")
	}
	doc = admin.doc("/console/measures/"+code, http.StatusOK)
	if v, _ := doc.Find(`#f-name`).Attr("value"); v != orig.Name {
		t.Errorf("form name = %q, want %q", v, orig.Name)
	}
	if doc.Find(`input[name=scenarios][value="融资信贷"]:checked`).Length() != 1 || doc.Find(`input[name=department_kinds][value="bank"]:checked`).Length() != 1 {
		t.Error("the form does not tick the measure's scenario and department kind")
	}

	// Without legal basis: refused with storage's message, the form kept.
	noBasis := measureForm(orig)
	noBasis.Set("name", orig.Name+"（无依据）")
	noBasis.Set("basis", "  ")
	doc = parse(t, admin.postCSRF("/console/measures/"+code, noBasis), http.StatusBadRequest)
	if msg := doc.Find("#form-errors").Text(); !strings.Contains(msg, "缺少法律依据，不能保存") {
		t.Errorf("error = %q", msg)
	}
	if msg := text(doc.Find("#f-basis").Parent().Find(".field-error")); !strings.Contains(msg, "缺少法律依据") {
		t.Errorf("no message next to the basis: %q", msg)
	}
	if v, _ := doc.Find("#f-name").Attr("value"); v != orig.Name+"（无依据）" {
		t.Errorf("the form lost the name: %q", v)
	}
	if got := findMeasure(t, code); got.Name != orig.Name || got.Basis != orig.Basis {
		t.Errorf("the refused measure was saved: %+v", got)
	}
	// A new measure without basis, likewise; and one with a taken code.
	nm := lists.Measure{Code: "JL-T1", Name: "测试措施", Class: 2, Effect: lists.Supervise, ListTypes: []string{"watch"}, Scenarios: []string{"日常监管"}, Clause: "吉林省补充清单 测试项"}
	doc = parse(t, admin.postCSRF("/console/measures/new", measureForm(nm)), http.StatusBadRequest)
	if !strings.Contains(doc.Find("#form-errors").Text(), "缺少法律依据") {
		t.Errorf("new measure without basis: %q", doc.Find("#form-errors").Text())
	}
	taken := measureForm(orig)
	doc = parse(t, admin.postCSRF("/console/measures/new", taken), http.StatusBadRequest)
	if !strings.Contains(doc.Find("#form-errors").Text(), "已存在") {
		t.Errorf("taken code: %q", doc.Find("#form-errors").Text())
	}
	// The same code written otherwise (lower case, full width, a space) is
	// taken too: it must not replace the measure.
	for _, written := range []string{strings.ToLower(orig.Code), " " + strings.ToLower(orig.Code) + " ", "Ｎ" + orig.Code[1:]} {
		other := orig
		other.Code, other.Name = written, "不应覆盖原措施"
		doc = parse(t, admin.postCSRF("/console/measures/new", measureForm(other)), http.StatusBadRequest)
		if !strings.Contains(doc.Find("#form-errors").Text(), "已存在") || findMeasure(t, orig.Code).Name != orig.Name {
			t.Errorf("new measure %q over %s: %q, stored name %q", written, orig.Code, doc.Find("#form-errors").Text(), findMeasure(t, orig.Code).Name)
		}
	}
	if slices.ContainsFunc(mustListData(t).Measures, func(m lists.Measure) bool { return m.Code == nm.Code }) {
		t.Error("the new measure without basis was saved")
	}

	// A valid edit: saved and shown.
	edit := measureForm(orig)
	edit.Set("name", orig.Name+"（省级补充说明）")
	edit.Set("code", "ignored") // the code of an existing measure is the path's
	res := admin.postCSRF("/console/measures/"+code, edit)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d, want 303", res.StatusCode)
	}
	doc = admin.doc(res.Header.Get("Location"), http.StatusOK)
	if !strings.Contains(doc.Find(".alert-ok").Text(), "已保存") {
		t.Errorf("no confirmation: %q", doc.Find(".alert-ok").Text())
	}
	if got := text(doc.Find("#m-" + code + " .measure-name")); got != orig.Name+"（省级补充说明）" {
		t.Errorf("shown name = %q", got)
	}
	if got := findMeasure(t, code); got.Name != orig.Name+"（省级补充说明）" || got.Basis != orig.Basis || !slices.Equal(got.Scenarios, orig.Scenarios) {
		t.Errorf("stored measure = %+v", got)
	}
	if slices.ContainsFunc(mustListData(t).Measures, func(m lists.Measure) bool { return m.Code == "ignored" }) {
		t.Error("the code of the form created a measure")
	}

	// Two administrators open the form; the first saves; the second's
	// save would undo it: refused (409), what they typed kept, with a
	// link to the measure as it is now.
	doc = admin.doc("/console/measures/"+code, http.StatusOK)
	opened := doc.Find(`input[name=version]`).AttrOr("value", "")
	if opened == "" {
		t.Fatal("the edit form does not carry the measure's version")
	}
	first := measureForm(findMeasure(t, code))
	first.Set("version", opened)
	first.Set("name", orig.Name+"（甲修改）")
	if res := admin.postCSRF("/console/measures/"+code, first); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save: %d, want 303", res.StatusCode)
	}
	second := measureForm(findMeasure(t, code))
	second.Set("version", opened)
	second.Set("name", orig.Name+"（乙修改）")
	doc = parse(t, admin.postCSRF("/console/measures/"+code, second), http.StatusConflict)
	if msg := doc.Find("#form-errors").Text(); !strings.Contains(msg, "已被他人修改") {
		t.Errorf("conflict message = %q", msg)
	}
	if v := doc.Find("#f-name").AttrOr("value", ""); v != orig.Name+"（乙修改）" {
		t.Errorf("the form lost what was typed: %q", v)
	}
	if doc.Find(`#form-errors a[href="/console/measures/`+code+`"]`).Length() != 1 {
		t.Error("no link to reopen the measure")
	}
	if got := findMeasure(t, code); got.Name != orig.Name+"（甲修改）" {
		t.Errorf("stored name = %q; want the first save's", got.Name)
	}
}

func mustListData(t *testing.T) *lists.Data {
	t.Helper()
	d, err := mustFixture(t).db.ListData(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}
