// Package liststest holds test helpers shared by the packages that serve
// lists' pages: the console (web) and the JSON API.
package liststest

import (
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"jlcredit/internal/lists"
)

// CheckReportHTML checks a printable verification report the same way for
// the console and the JSON API: a zh-CN page with print CSS and no script,
// the verification's information, every column of lists.ReportHeader in
// every row, and the row of the listed subject name marked restricted with
// its entry's 列入事由 (reason) and 列入依据 (basis).
func CheckReportHTML(t testing.TB, doc *goquery.Document, name, purpose, reason, basis string) {
	t.Helper()
	if lang, _ := doc.Find("html").Attr("lang"); lang != "zh-CN" || doc.Find("h1").Text() != "信用核查报告" {
		t.Errorf("report: lang %q, h1 %q", lang, doc.Find("h1").Text())
	}
	if !strings.Contains(doc.Find("style").Text(), "@media print") || doc.Find("script").Length() != 0 {
		t.Error("report: want print CSS and no script")
	}
	info := map[string]string{}
	doc.Find("dl.info dt").Each(func(_ int, dt *goquery.Selection) { info[dt.Text()] = dt.Next().Text() })
	if info["核查事由"] != purpose || info["核查部门"] == "" || !strings.Contains(info["数据版本"], "存证账本共") {
		t.Errorf("report info = %q", info)
	}
	var head []string
	doc.Find("thead th").Each(func(_ int, th *goquery.Selection) { head = append(head, th.Text()) })
	if !slices.Equal(head, lists.ReportHeader) || doc.Find("colgroup col").Length() != len(lists.ReportHeader) {
		t.Errorf("report: headings %q, %d columns, want %q", head, doc.Find("colgroup col").Length(), lists.ReportHeader)
	}
	found := false
	doc.Find("tbody tr").Each(func(i int, tr *goquery.Selection) {
		tds := tr.Find("td")
		if tds.Length() != len(lists.ReportHeader) {
			t.Errorf("report row %d: %d cells under %d headings", i+1, tds.Length(), len(lists.ReportHeader))
			return
		}
		if tds.Eq(slices.Index(lists.ReportHeader, "主体名称")).Text() != name {
			return
		}
		found = true
		if !tr.HasClass("restricted") || !strings.HasPrefix(tds.Eq(slices.Index(lists.ReportHeader, "核查结论")).Text(), string(lists.Restricted)) {
			t.Errorf("report row of %s: class %q, not restricted", name, tr.AttrOr("class", ""))
		}
		for col, want := range map[string]string{"列入事由": reason, "列入依据": basis} {
			if got := tds.Eq(slices.Index(lists.ReportHeader, col)).Text(); !strings.Contains(got, want) {
				t.Errorf("report row of %s, column %s = %q, want %q", name, col, got, want)
			}
		}
	})
	if !found {
		t.Errorf("report: no row of %s", name)
	}
}
