package web_test

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
	"jlcredit/internal/web"
)

// A subject page names each list entry's list, styled by its kind as the
// list pages are, with the list pages' 认定日期 and 认定部门; the section's
// count is red only for adverse information in effect. Search results tag
// the lists the same way.
func TestSubjectPageLists(t *testing.T) {
	s := seedLists(t)
	c := newClient(t)
	for _, test := range []struct {
		name, code, subjectName, list, tag string
		adverse                            bool
	}{
		{"RedList", s.red, s.redName, "纳税信用A级纳税人", "tag-ok", false},
		{"BlackList", s.company, s.companyName, "严重失信主体名单", "tag-late", true},
	} {
		t.Run(test.name, func(t *testing.T) {
			doc := c.doc("/subjects/"+test.code, http.StatusOK)
			sec := doc.Find("#sec-list_entry").Closest("section")
			if sec.Length() == 0 {
				t.Fatal("no 信用名单 section")
			}
			entry := sec.Find(".entry").First()
			tag := entry.Find("h3 .tag").First()
			if got := text(tag); got != test.list {
				t.Errorf("list tag = %q, want %q", got, test.list)
			}
			if !tag.HasClass(test.tag) {
				t.Errorf("list tag classes %q, want %s", tag.AttrOr("class", ""), test.tag)
			}
			if href := entry.Find(`h3 a`).AttrOr("href", ""); !strings.HasPrefix(href, "/lists/entry/") {
				t.Errorf("entry link %q, want the list entry page", href)
			}
			meta := text(entry.Find(".meta"))
			for _, want := range []string{"认定日期：", "认定部门：", "有效期："} {
				if !strings.Contains(meta, want) {
					t.Errorf("meta %q lacks %q", meta, want)
				}
			}
			if strings.Contains(meta, "决定日期") || strings.Contains(meta, "决定机关") {
				t.Errorf("meta %q names the list entry's dates as a decision's", meta)
			}
			if got := sec.Find(".section-title .count").HasClass("adverse"); got != test.adverse {
				t.Errorf("count badge adverse = %v, want %v", got, test.adverse)
			}

			doc = c.doc("/search?q="+url.QueryEscape(test.subjectName), http.StatusOK)
			var found bool
			doc.Find("main table tbody tr").Each(func(_ int, tr *goquery.Selection) {
				if !strings.Contains(tr.Text(), test.code) {
					return
				}
				tr.Find(".tag").Each(func(_ int, tag *goquery.Selection) {
					if strings.HasPrefix(text(tag), "信用名单") {
						t.Errorf("search result tag %q does not name the list", text(tag))
					}
					if text(tag) == test.list+" 1" {
						found = true
						if !tag.HasClass(test.tag) {
							t.Errorf("search result tag classes %q, want %s", tag.AttrOr("class", ""), test.tag)
						}
					}
				})
			})
			if !found {
				t.Errorf("search for %s: no tag %q", test.subjectName, test.list+" 1")
			}
		})
	}
	// One page of results with both: each row has its own list's tag
	// (the entries of a page are read in one query and shared out).
	doc := c.doc("/search?q="+url.QueryEscape("名单测试"), http.StatusOK)
	tags := map[string]string{}
	doc.Find("main table tbody tr").Each(func(_ int, tr *goquery.Selection) {
		for _, code := range []string{s.red, s.company} {
			if strings.Contains(tr.Text(), code) {
				tr.Find(".tag").Each(func(_ int, tag *goquery.Selection) { tags[code] += text(tag) + ";" })
			}
		}
	})
	if tags[s.red] != "纳税信用A级纳税人 1;" || tags[s.company] != "严重失信主体名单 1;" {
		t.Errorf("search 名单测试: tags %q; want each row with its own list's tag", tags)
	}
	// A licence is no adverse information: its count is not red.
	f := mustFixture(t)
	doc = c.doc("/subjects/"+f.subjectCode, http.StatusOK)
	if doc.Find("#sec-license .count.adverse").Length() != 0 {
		t.Error("the 行政许可 count is shown as adverse")
	}
	if doc.Find("#sec-penalty .count.adverse").Length() != 1 {
		t.Error("the 行政处罚 count is not shown as adverse")
	}
}

// A citizen ID number typed into the public search is never repeated in
// clear: the page shows it masked and says persons are not searchable.
func TestSearchCitizenID(t *testing.T) {
	c := newClient(t)
	ch, err := subject.CitizenIDCheckChar("22010219900101123")
	if err != nil {
		t.Fatal(err)
	}
	valid := "22010219900101123" + string(ch)
	for _, id := range []string{valid, "220102199001011234", strings.ToLower(valid[:17]) + "x"} {
		doc := c.doc("/search?q="+url.QueryEscape(id), http.StatusOK)
		html, _ := doc.Html()
		if strings.Contains(html, id[:17]) || strings.Contains(html, "199001011") {
			t.Errorf("search %s: the page repeats the number", id)
		}
		if got := doc.Find("title").Text(); got != "信用查询 - "+web.SiteName {
			t.Errorf("search %s: title %q", id, got)
		}
		main := text(doc.Find("main"))
		if !strings.Contains(main, "220102********") || !strings.Contains(main, "自然人信息不提供公开查询") {
			t.Errorf("search %s: %q", id, main)
		}
	}
	// A USCC is no ID number: searched and repeated as typed.
	f := mustFixture(t)
	doc := c.doc("/search?q="+f.subjectCode, http.StatusOK)
	if !strings.Contains(doc.Find("title").Text(), f.subjectCode) || doc.Find("main table tbody tr").Length() == 0 {
		t.Errorf("search by USCC: title %q", doc.Find("title").Text())
	}
}

// Only an accepted query names the page; a refused one says first that
// it was an error.
func TestSearchTitle(t *testing.T) {
	c := newClient(t)
	for _, q := range []string{"长", strings.Repeat("一二三四五六七八九十", 6)} {
		doc := c.doc("/search?q="+url.QueryEscape(q), http.StatusBadRequest)
		if got := doc.Find("title").Text(); got != "错误：信用查询 - "+web.SiteName {
			t.Errorf("search %q: title %q", q, got)
		}
		if doc.Find("main .alert-error").Length() != 1 {
			t.Errorf("search %q: no message", q)
		}
	}
	doc := c.doc("/search?q="+url.QueryEscape("有限公司"), http.StatusOK)
	if got := doc.Find("title").Text(); got != "“有限公司”的查询结果 - "+web.SiteName {
		t.Errorf("title %q", got)
	}
}

// Beyond the last page, 上一页 leads to the last page, which has rows.
func TestPagerBeyondLast(t *testing.T) {
	c := newClient(t)
	for _, path := range []string{"/publicity/penalty?page=9999", "/search?q=" + url.QueryEscape("有限公司") + "&page=501"} {
		doc := c.doc(path, http.StatusOK)
		last := doc.Find(`a:contains("转到最后一页")`).AttrOr("href", "")
		prev := doc.Find(`nav.pager a[rel=prev]`).AttrOr("href", "")
		if last == "" || prev != last {
			t.Errorf("%s: 上一页 %q, want the last page %q", path, prev, last)
			continue
		}
		if n := c.doc(prev, http.StatusOK).Find("main table tbody tr td a").Length(); n == 0 {
			t.Errorf("%s: 上一页 %s is empty", path, prev)
		}
	}
}

// A capped total reads the same on every page.
func TestPagerCappedTotal(t *testing.T) {
	c := newClient(t)
	q := "/search?q=" + url.QueryEscape("有限公司")
	total := func(path string) string { return text(c.doc(path, http.StatusOK).Find("nav.pager .total")) }
	first := total(q)
	if !strings.HasSuffix(first, "+ 条") {
		t.Skipf("%s is not capped: %q", q, first)
	}
	if first != "共 1,000+ 条" {
		t.Errorf("page 1: %q, want 共 1,000+ 条", first)
	}
	if got := total(q + "&page=2"); got != first {
		t.Errorf("page 2: %q, want %q", got, first)
	}
}

// The 双公示 list and the search results are cards on a phone, each cell
// labelled.
func TestTablesStack(t *testing.T) {
	c := newClient(t)
	for _, path := range []string{"/publicity/penalty", "/publicity/license", "/search?q=" + url.QueryEscape("有限公司")} {
		doc := c.doc(path, http.StatusOK)
		if doc.Find("main .table-scroll.stack table").Length() != 1 {
			t.Errorf("%s: the table is not stacked on phones", path)
		}
		doc.Find("main .table-scroll.stack tbody td").Each(func(i int, td *goquery.Selection) {
			if _, ok := td.Attr("data-label"); !ok && !td.HasClass("empty") {
				t.Errorf("%s: cell %d without data-label", path, i)
			}
		})
	}
}

// The search page has one search box: the header's is not repeated.
func TestSearchPageOneBox(t *testing.T) {
	c := newClient(t)
	for path, want := range map[string]int{"/search": 0, "/search?q=" + url.QueryEscape("有限公司"): 0, "/publicity/penalty": 1, "/lists": 1,
		"/subjects/" + mustFixture(t).subjectCode: 1} {
		if got := c.doc(path, http.StatusOK).Find("header form.quick").Length(); got != want {
			t.Errorf("%s: %d header search boxes, want %d", path, got, want)
		}
	}
}

// A licence without an end date (有效期至 2099-12-31) reads 长期.
func TestLongTermLicence(t *testing.T) {
	f := mustFixture(t)
	ctx := credit.NewContextWithActor(context.Background(), credit.Public)
	recs, _, err := f.db.FindRecords(ctx, record.RecordFilter{Class: "license", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var id credit.RecordID
	for _, r := range recs {
		if r.Fields["XK_YXQZI"] == "2099-12-31" {
			id = r.ID
			break
		}
	}
	if id == 0 {
		t.Skip("no licence without an end date in the fixture")
	}
	doc := newClient(t).doc("/records/"+strconv.FormatInt(int64(id), 10), http.StatusOK)
	var got string
	doc.Find("dl.kv dt").Each(func(_ int, dt *goquery.Selection) {
		if text(dt) == "有效期至" {
			got = text(dt.Next())
		}
	})
	if got != "长期" {
		t.Errorf("有效期至 = %q, want 长期", got)
	}
}

// A reversed date range says so, as the other filter errors do.
func TestPublicityReversedDates(t *testing.T) {
	doc := newClient(t).doc("/publicity/license?from=2026-06-30&to=2026-01-01", http.StatusBadRequest)
	if msg := text(doc.Find("main .alert-error")); !strings.Contains(msg, "开始日期（2026-06-30）晚于结束日期（2026-01-01）") {
		t.Errorf("message %q", msg)
	}
	if doc.Find("main table").Length() != 0 {
		t.Error("an empty table is shown as the result")
	}
}

// An empty subject code and a missing static file get the portal's own
// Chinese 404 page.
func TestNotFoundPages(t *testing.T) {
	c := newClient(t)
	for path, want := range map[string]string{
		"/subjects/%20":    "信用主体代码为空",
		"/static/nope.css": "文件“/static/nope.css”不存在",
		"/static/":         "不存在",
	} {
		res := c.get(path)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		doc := parse(t, res, http.StatusNotFound)
		if msg := text(doc.Find("main .alert")); !strings.Contains(msg, want) {
			t.Errorf("%s: message %q, want %q", path, msg, want)
		}
		if strings.Contains(doc.Text(), "page not found") || strings.Contains(doc.Text(), "“”") {
			t.Errorf("%s: %q", path, text(doc.Find("main")))
		}
	}
}

// The home page's latest records label the category under the name.
func TestHomeCategoryLabel(t *testing.T) {
	doc := newClient(t).doc("/", http.StatusOK)
	for _, sec := range []struct{ id, label string }{{"latest-license", "许可类别："}, {"latest-penalty", "处罚类别："}} {
		subs := doc.Find("#" + sec.id).Closest("section").Find("td .sub")
		if subs.Length() == 0 {
			t.Errorf("%s: no category", sec.id)
		}
		subs.Each(func(_ int, s *goquery.Selection) {
			if !strings.HasPrefix(text(s), sec.label) {
				t.Errorf("%s: category %q, want %s…", sec.id, text(s), sec.label)
			}
		})
	}
}

// On a phone, the main navigation and the sub-list tabs show every entry:
// nothing is cut off in a strip that scrolls sideways.
func TestPhoneNavigation(t *testing.T) {
	f := mustFixture(t)
	ctx := newBrowser(t, 390, 900)
	for _, test := range []struct{ path, sel string }{{"/", "nav.main ul"}, {"/lists/black", "nav.list-tabs ul"}} {
		if err := chromedp.Do(ctx, chromedp.Navigate(f.url+test.path)); err != nil {
			t.Fatal(err)
		}
		overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const u = document.querySelector(`+strconv.Quote(test.sel)+`); return u.scrollWidth > u.clientWidth + 1; })()`))
		if err != nil {
			t.Fatal(err)
		}
		if overflow {
			t.Errorf("%s: %s overflows its width", test.path, test.sel)
		}
	}
}

var focusVar = regexp.MustCompile(`--focus:\s*(#[0-9a-fA-F]{6})`)

// The focus ring stands out at least 3:1 from the page's light
// backgrounds, and the dark bands use the gold one.
func TestFocusContrast(t *testing.T) {
	body, err := io.ReadAll(newClient(t).get("/static/style.css").Body)
	if err != nil {
		t.Fatal(err)
	}
	css := string(body)
	m := focusVar.FindStringSubmatch(css)
	if m == nil {
		t.Fatal("no --focus colour")
	}
	for _, bg := range []string{"#ffffff", "#f3f5f9", "#e8eef9", "#fdecec"} {
		if r := contrast(m[1], bg); r < 3 {
			t.Errorf("focus %s on %s: %.2f:1, want at least 3:1", m[1], bg, r)
		}
	}
	for _, bg := range []string{"#0b3d91", "#0d4aa8", "#072a66", "#1d2a3f"} { // masthead, top band, footer
		if r := contrast("#f5c242", bg); r < 3 {
			t.Errorf("gold focus on %s: %.2f:1", bg, r)
		}
	}
	for _, want := range []string{":focus-visible { outline: 3px solid var(--focus)", "input:focus, select:focus, textarea:focus { border-color: var(--blue); outline: 3px solid var(--focus)",
		".topbar, .masthead, footer.site { --focus: var(--gold); }"} {
		if !strings.Contains(css, want) {
			t.Errorf("style.css lacks %q", want)
		}
	}
}

// contrast returns the WCAG contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	lum := func(hex string) float64 {
		var out float64
		for i, w := range []float64{0.2126, 0.7152, 0.0722} {
			v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
			c := float64(v) / 255
			if c <= 0.04045 {
				c /= 12.92
			} else {
				c = math.Pow((c+0.055)/1.055, 2.4)
			}
			out += w * c
		}
		return out
	}
	la, lb := lum(a), lum(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// TestDemoNotice: only a server running the demo province says its data
// is generated; a production deployment does not.
func TestDemoNotice(t *testing.T) {
	f := mustFixture(t)
	for _, demo := range []bool{false, true} {
		w, err := web.New(web.Options{Backend: f.db, Demo: demo})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		w.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		if got := strings.Contains(rec.Body.String(), "本站为演示系统"); got != demo {
			t.Errorf("Demo %v: the page says it is a demo: %v", demo, got)
		}
	}
}
