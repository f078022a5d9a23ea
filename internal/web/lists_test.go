package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
	"jlcredit/internal/subject/subjecttest"
)

// listSeed is what seedLists submits: entries of the black, red and watch
// lists, one of them removed, one about a person.
type listSeed struct {
	company, companyName string // on the black list
	sub, subName         string // on a national sub-list (拖欠农民工工资)
	removed, removedName string // on the black list, then removed early
	person, personName   string // a person on the black list
	red, redName         string // 纳税信用A级纳税人
	watched, watchName   string // on the watch list (not public)
	err                  error
}

var (
	listsOnce sync.Once
	seeded    listSeed
)

var listCols = []string{"MD_LX", "MD_ZTMC", "MD_ZTLB", "MD_TYSHXYDM", "MD_ZJLX", "MD_ZJHM", "MD_FDDBR",
	"MD_RDWH", "MD_RDRQ", "MD_RDBM", "MD_RDBMDM", "MD_SY", "MD_YJ", "MD_CSTS", "MD_YCTJ", "MD_JJCS", "MD_YXQQ", "MD_YXQZ",
	"MD_YCRQ", "MD_YCFS", "MD_YCYY", "MD_SJLYDM"}

func testUSCC(tb testing.TB, prefix16 string) string { return subjecttest.USCC(tb, prefix16) }

// seedLists submits the list entries once, as the fixture's department A.
func seedLists(t *testing.T) *listSeed {
	t.Helper()
	f := mustFixture(t)
	listsOnce.Do(func() {
		s := &seeded
		s.company, s.companyName = testUSCC(t, "91220101MA0L1001"), "长春北辰名单测试建筑有限公司"
		s.sub, s.subName = testUSCC(t, "91220101MA0L1002"), "长春拖欠名单测试劳务有限公司"
		s.removed, s.removedName = testUSCC(t, "91220101MA0L1003"), "长春已移出名单测试商贸有限公司"
		s.red, s.redName = testUSCC(t, "91220101MA0L1004"), "长春守信名单测试商贸有限公司"
		s.watched, s.watchName = testUSCC(t, "91220101MA0L1005"), "长春关注名单测试物流有限公司"
		c, err := subject.CitizenIDCheckChar("22010219800101123")
		if err != nil {
			s.err = err
			return
		}
		s.person, s.personName = "22010219800101123"+string(c), "名单测试张某"
		ctx := context.Background()
		dep, err := f.db.FindDepartmentByCode(ctx, f.depA.Code)
		if err != nil {
			s.err = err
			return
		}
		actor := credit.Actor{Role: credit.RoleDepartment, DepartmentID: dep.ID, DepartmentCode: dep.Code, Name: dep.Name, RegionCode: dep.RegionCode, Channel: "api"}
		day := func(d time.Time) string { return d.Format(credit.DateLayout) }
		now := time.Now()
		from, until := day(now.AddDate(0, 0, -30)), day(now.AddDate(3, 0, -31))
		row := func(typ, name, cat, code, idType, id, doc string) map[string]string {
			r := map[string]string{"MD_LX": typ, "MD_ZTMC": name, "MD_ZTLB": cat, "MD_TYSHXYDM": code, "MD_ZJLX": idType, "MD_ZJHM": id,
				"MD_RDWH": doc, "MD_RDRQ": from, "MD_RDBM": dep.Name, "MD_RDBMDM": dep.Code,
				"MD_SY": "拒不履行法定义务，情节严重", "MD_YJ": "《吉林省社会信用条例》第三十条", "MD_CSTS": "限制参加政府采购、招标投标，限制申请财政资金",
				"MD_YCTJ": "自列入之日起满1年且已纠正失信行为的，可申请提前移出", "MD_JJCS": "可依法申请行政复议或者提起行政诉讼",
				"MD_YXQQ": from, "MD_YXQZ": until, "MD_SJLYDM": dep.Code}
			if cat == "法人及非法人组织" {
				r["MD_FDDBR"] = "王建国"
			}
			return r
		}
		black := row("严重失信主体名单", s.companyName, "法人及非法人组织", s.company, "", "", "吉名单〔2026〕1号")
		sub := row("拖欠农民工工资失信联合惩戒对象", s.subName, "法人及非法人组织", s.sub, "", "", "吉名单〔2026〕2号")
		removed := row("严重失信主体名单", s.removedName, "法人及非法人组织", s.removed, "", "", "吉名单〔2026〕3号")
		person := row("严重失信主体名单", s.personName, "自然人", "", "身份证", s.person, "吉名单〔2026〕4号")
		red := row("纳税信用A级纳税人", s.redName, "法人及非法人组织", s.red, "", "", "吉税A〔2026〕1号")
		red["MD_SY"], red["MD_YJ"], red["MD_CSTS"], red["MD_YCTJ"], red["MD_JJCS"] = "2025年度纳税信用评价A级", "《纳税信用管理办法（试行）》", "", "", ""
		watch := row("重点关注名单", s.watchName, "法人及非法人组织", s.watched, "", "", "吉关注〔2026〕1号")
		watch["MD_CSTS"], watch["MD_YXQZ"] = "", day(now.AddDate(2, 0, -31))
		submit := func(rows ...map[string]string) error {
			var b bytes.Buffer
			w := csv.NewWriter(&b)
			w.Write(listCols)
			for _, r := range rows {
				rec := make([]string, len(listCols))
				for i, c := range listCols {
					rec[i] = r[c]
				}
				w.Write(rec)
			}
			w.Flush()
			rc, err := f.db.Submit(credit.NewContextWithActor(ctx, actor), record.Submission{Class: lists.ClassCode, Filename: "名单.csv", Body: &b})
			if err != nil {
				return err
			}
			if rc.Rejected > 0 {
				errs, _, _ := f.db.FindBatchErrors(credit.NewContextWithActor(ctx, actor), rc.Batch, 0, 20)
				return credit.Errorf(credit.EINVALID, "rejected rows: %+v", errs)
			}
			return nil
		}
		if s.err = submit(black, sub, removed, person, red, watch); s.err != nil {
			return
		}
		// The removal: a new version of the entry, removed yesterday.
		removed["MD_YCRQ"], removed["MD_YCFS"], removed["MD_YCYY"] = day(now.AddDate(0, 0, -1)), lists.RemovedEarly, "已纠正失信行为并履行相关义务"
		s.err = submit(removed)
	})
	if seeded.err != nil {
		t.Fatalf("seed lists: %v", seeded.err)
	}
	return &seeded
}

func rowsText(doc *goquery.Document) string { return doc.Find("main table tbody").Text() }

func TestListPages(t *testing.T) {
	s := seedLists(t)
	c := newClient(t)

	// The index: the public groups only, and it says so.
	doc := c.doc("/lists", http.StatusOK)
	if got := doc.Find(`nav.main a[aria-current="page"]`).Text(); got != "信用名单" {
		t.Errorf("nav current = %q", got)
	}
	var groups []string
	doc.Find("main .list-group h2 a").Each(func(_ int, a *goquery.Selection) { groups = append(groups, a.Text()) })
	if strings.Join(groups, ",") != "严重失信主体名单,守信激励对象,经营异常名录" {
		t.Errorf("groups = %v", groups)
	}
	main := doc.Find("main").Text()
	if !strings.Contains(main, "重点关注名单仅在政府部门间共享，不向社会公开") || !strings.Contains(main, "拖欠农民工工资失信联合惩戒对象") {
		t.Errorf("index does not explain the scope or name the sub-lists")
	}
	if doc.Find(`main a[href="/lists/watch"]`).Length() != 0 {
		t.Error("index links the watch list")
	}

	// The black list: the companies with basis and validity; not the
	// person, not the removed entry, not the watch list.
	doc = c.doc("/lists/black", http.StatusOK)
	body := rowsText(doc)
	for _, want := range []string{s.companyName, s.company, s.subName, "拖欠农民工工资失信联合惩戒对象", "吉名单〔2026〕1号", mustFixture(t).depA.Name} {
		if !strings.Contains(body, want) {
			t.Errorf("black list lacks %q", want)
		}
	}
	for _, not := range []string{s.personName, s.removedName, s.watchName, s.redName} {
		if strings.Contains(doc.Text(), not) {
			t.Errorf("black list shows %q", not)
		}
	}
	var entry string
	doc.Find("main table tbody tr").Each(func(_ int, tr *goquery.Selection) {
		if strings.Contains(tr.Text(), s.companyName) {
			entry, _ = tr.Find(`a[href^="/lists/entry/"]`).Attr("href")
			if v := tr.Find(`td[data-label="有效期"]`).Text(); !strings.Contains(v, " 至 20") {
				t.Errorf("validity = %q", v)
			}
		}
	})
	if entry == "" {
		t.Fatal("no link to the company's entry")
	}

	// A list entry's record page is its list entry page, which shows the
	// validity as capped by the list type.
	req, _ := http.NewRequest(http.MethodGet, c.base+"/records/"+strings.TrimPrefix(entry, "/lists/entry/"), nil)
	res := c.do(req)
	res.Body.Close()
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != entry {
		t.Errorf("the entry's record page: %d → %q, want 301 → %s", res.StatusCode, res.Header.Get("Location"), entry)
	}

	// The entry: reason, basis, measures, removal conditions, remedies.
	doc = c.doc(entry, http.StatusOK)
	text := doc.Find("main").Text()
	for _, want := range []string{"列入事由", "拒不履行法定义务", "列入依据", "《吉林省社会信用条例》第三十条", "失信惩戒措施提示",
		"移出条件和程序", "可申请提前移出", "救济措施", "行政复议", "有效期", s.company} {
		if !strings.Contains(text, want) {
			t.Errorf("entry page lacks %q\n%s", want, text)
		}
	}
	if strings.Contains(text, "王建国") {
		t.Error("entry page shows the legal representative")
	}

	// A sub-list shows only its own entries.
	doc = c.doc("/lists/wage_arrears", http.StatusOK)
	if body := rowsText(doc); !strings.Contains(body, s.subName) || strings.Contains(body, s.companyName) {
		t.Errorf("sub-list rows: %s", body)
	}
	if got := doc.Find(`nav.list-tabs a[aria-current="page"]`).Text(); got != "拖欠农民工工资失信联合惩戒对象" {
		t.Errorf("current tab = %q", got)
	}

	// Search by name and by code.
	doc = c.doc("/lists/black?q="+url.QueryEscape("北辰名单"), http.StatusOK)
	if body := rowsText(doc); !strings.Contains(body, s.companyName) || strings.Contains(body, s.subName) {
		t.Errorf("search by name: %s", body)
	}
	doc = c.doc("/lists/black?q="+s.sub, http.StatusOK)
	if n := doc.Find("main table tbody tr").Length(); n != 1 || !strings.Contains(rowsText(doc), s.subName) {
		t.Errorf("search by code: %d rows: %s", n, rowsText(doc))
	}
	doc = c.doc("/lists/black?q="+s.removed, http.StatusOK)
	if !strings.Contains(rowsText(doc), "未找到") {
		t.Errorf("search for the removed entry: %s", rowsText(doc))
	}
	doc = c.doc("/lists/black?q="+url.QueryEscape("长"), http.StatusBadRequest)
	if doc.Find("main .alert-error").Length() != 1 {
		t.Error("a one-character search gives no error")
	}

	// The red list.
	doc = c.doc("/lists/red", http.StatusOK)
	if body := rowsText(doc); !strings.Contains(body, s.redName) || !strings.Contains(body, "纳税信用A级纳税人") || strings.Contains(body, s.companyName) {
		t.Errorf("red list rows: %s", body)
	}

	// Not public: the watch list, an unknown list, and the entries of the
	// person, the removed company and the watched company.
	for _, p := range []string{"/lists/watch", "/lists/nosuch", "/lists/entry/0", "/lists/entry/x"} {
		c.doc(p, http.StatusNotFound)
	}
	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	for _, code := range []string{s.person, s.removed, s.watched} {
		sub, err := mustFixture(t).db.FindSubjectByCode(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		recs, _, err := mustFixture(t).db.FindRecords(ctx, record.RecordFilter{Class: lists.ClassCode, SubjectID: &sub.ID, Limit: 10})
		if err != nil || len(recs) == 0 {
			t.Fatalf("records of %s: %v %d", code, err, len(recs))
		}
		for _, r := range recs {
			id := strconv.FormatInt(int64(r.ID), 10)
			c.doc("/lists/entry/"+id, http.StatusNotFound)
			c.doc("/records/"+id, http.StatusNotFound)
		}
	}
}

func TestCrawlLists(t *testing.T) {
	seedLists(t)
	c := newClient(t)
	c.http.CheckRedirect = nil
	if n := crawl(t, c, "/lists", "/lists", 300); n < 10 {
		t.Errorf("crawled only %d pages", n)
	}
	// The portal's nav links the lists.
	if newClient(t).doc("/", http.StatusOK).Find(`nav.main a[href="/lists"]`).Length() != 1 {
		t.Error("no 信用名单 in the portal nav")
	}
}

// TestListScreenshots writes docs/screenshots/lists-{desktop,phone}.png
// with CREDIT_SCREENSHOTS=1.
func TestListScreenshots(t *testing.T) {
	if os.Getenv("CREDIT_SCREENSHOTS") != "1" {
		t.Skip("set CREDIT_SCREENSHOTS=1 to write docs/screenshots")
	}
	seedLists(t)
	f := mustFixture(t)
	out := filepath.Join("..", "..", "docs", "screenshots")
	for _, size := range []struct {
		label         string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 800, false}, {"phone", 375, 812, true}} {
		ctx := newBrowser(t, int(size.width), int(size.height))
		opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
		if size.mobile {
			opts = []chromedp.EmulateViewportOption{chromedp.EmulateScale(2), chromedp.EmulateMobile}
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.width, size.height, opts...), chromedp.Navigate(f.url+"/lists/black"),
			chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
			t.Fatal(err)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(out, "lists-"+size.label+".png")
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
