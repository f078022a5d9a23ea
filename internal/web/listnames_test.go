package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"jlcredit/internal/credit"
	"jlcredit/internal/demo"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
)

// TestListNamesAfterRename: a company listed under one name and renamed
// by its registration authority since is shown on the public list and its
// entry page by its current name, as its archive names it, with the name
// it was listed under beside it; the list's search finds it by what is
// shown (QA: /lists/tax_major showed the old name, and ?q= found the row
// only by the new name it did not show).
func TestListNamesAfterRename(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	const (
		oldName = "长春市二道区瑞和燃气有限责任公司"
		newName = "吉林瑞和更名测试能源有限公司"
		docNo   = "吉税违〔2026〕77号"
	)
	company := testUSCC(t, "91220105MA0R7701")
	var market *demo.Department
	for _, d := range f.gen.Departments() {
		if d.Kind == demo.KindMarket {
			market = &d
			break
		}
	}
	if market == nil {
		t.Fatal("the fixture has no market regulation department")
	}
	submit := func(code, class string, header []string, row []string) {
		t.Helper()
		dep, err := f.db.FindDepartmentByCode(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		actor := credit.Actor{Role: credit.RoleDepartment, DepartmentID: dep.ID, DepartmentCode: dep.Code, Name: dep.Name, RegionCode: dep.RegionCode, Channel: "api"}
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.Write(header)
		w.Write(row)
		w.Flush()
		rc, err := f.db.Submit(credit.NewContextWithActor(ctx, actor), record.Submission{Class: class, Filename: class + ".csv", Body: &b})
		if err != nil || rc.Accepted != 1 {
			var errs any
			if rc != nil {
				errs, _, _ = f.db.FindBatchErrors(credit.NewContextWithActor(ctx, actor), rc.Batch, 0, 5)
			}
			t.Fatalf("%s: %+v, %v, %+v", class, rc, err, errs)
		}
	}
	register := func(name string) {
		t.Helper()
		submit(market.Code, "registration", []string{"DJ_MC", "DJ_TYSHXYDM", "DJ_LX", "DJ_FDDBR", "DJ_CLRQ", "DJ_DJJG", "DJ_DJJGDM", "DJ_ZT", "DJ_SJLYDM"},
			[]string{name, company, "有限责任公司", "王建国", "2015-03-02", market.Name, market.Code, "存续", market.Code})
	}
	register(oldName)
	dep, err := f.db.FindDepartmentByCode(ctx, f.depA.Code)
	if err != nil {
		t.Fatal(err)
	}
	day := func(d time.Time) string { return d.Format(credit.DateLayout) }
	now := time.Now()
	entry := map[string]string{"MD_LX": "重大税收违法失信主体", "MD_ZTMC": oldName, "MD_ZTLB": "法人及非法人组织", "MD_TYSHXYDM": company, "MD_FDDBR": "王建国",
		"MD_RDWH": docNo, "MD_RDRQ": day(now.AddDate(0, 0, -20)), "MD_RDBM": dep.Name, "MD_RDBMDM": dep.Code,
		"MD_SY": "虚开增值税专用发票，情节严重", "MD_YJ": "《重大税收违法失信主体信息公布管理办法》第六条", "MD_CSTS": "限制参加政府采购、招标投标",
		"MD_YCTJ": "依法履行纳税义务后可申请提前停止公布", "MD_JJCS": "可依法申请行政复议或者提起行政诉讼",
		"MD_YXQQ": day(now.AddDate(0, 0, -20)), "MD_YXQZ": day(now.AddDate(2, 0, 0)), "MD_SJLYDM": dep.Code}
	row := make([]string, len(listCols))
	for i, c := range listCols {
		row[i] = entry[c]
	}
	submit(dep.Code, lists.ClassCode, listCols, row)
	register(newName)

	c := newClient(t)
	note := "（列入时名称：" + oldName + "）"
	for _, q := range []string{"", newName, "瑞和更名测试", oldName, company} {
		doc := c.doc("/lists/tax_major?"+url.Values{"q": {q}}.Encode(), http.StatusOK)
		var cell string
		doc.Find("main table tbody tr").Each(func(_ int, tr *goquery.Selection) {
			if strings.Contains(tr.Text(), company) {
				cell = text(tr.Find(`td[data-label="主体名称"]`))
			}
		})
		if !strings.Contains(cell, newName) || !strings.Contains(cell, note) {
			t.Errorf("/lists/tax_major?q=%s: the company's name cell = %q; want %s %s", q, cell, newName, note)
		}
	}
	// The name it was listed under is the entry's, not one to look for in
	// the rows of companies never renamed.
	doc := c.doc("/lists/tax_major", http.StatusOK)
	if n := strings.Count(rowsText(doc), "列入时名称"); n != 1 {
		t.Errorf("/lists/tax_major says 列入时名称 %d times; want once", n)
	}
	var link string
	doc.Find("main table tbody tr").Each(func(_ int, tr *goquery.Selection) {
		if strings.Contains(tr.Text(), company) {
			link, _ = tr.Find(`a[href^="/lists/entry/"]`).Attr("href")
		}
	})
	if link == "" {
		t.Fatal("no link to the entry")
	}
	page := c.doc(link, http.StatusOK)
	if h := text(page.Find("main h1")); h != newName {
		t.Errorf("entry page heading = %q; want %q", h, newName)
	}
	if kv := text(page.Find("main dl.kv").First()); !strings.Contains(kv, newName) || !strings.Contains(kv, note) {
		t.Errorf("entry page subject = %q; want %s %s", kv, newName, note)
	}
	if title := page.Find("title").Text(); !strings.Contains(title, newName) {
		t.Errorf("entry page title = %q; want the current name", title)
	}
	// The archive names it alike.
	if h := text(c.doc("/subjects/"+company, http.StatusOK).Find("main h1")); h != newName {
		t.Errorf("archive heading = %q; want %q", h, newName)
	}
}
