package lists

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

func TestMaskCode(t *testing.T) {
	for _, test := range []struct {
		name, code, want string
	}{
		{"Empty", "", ""},
		{"USCC", "91220101MA0Y56781J", "91220101MA0Y56781J"},
		// A valid citizen ID is always masked.
		{"CitizenID", "220102198001011234", "220102********1234"},
		// A mistyped all-digit USCC names no person: shown as typed.
		{"DigitUSCCTypo", "91220802873925803X", "91220802873925803X"},
		{"NoProvince", "990102198001011234", "990102198001011234"},
		{"LetterUSCCTypo", "91220101MA0Y56781X", "91220101MA0Y56781X"},
		{"Name", "某公司", "某公司"},
		// What may be a person's number, mistyped, cut short or old, stays
		// masked.
		{"IDCheck", "220102198001011231", "220102********1231"},
		{"IDBirth", "220102198013011234", "220102********1234"},
		{"ID17", "22010219800101123", "220102*******1123"},
		{"OldID", "220102800101123", "220102*****1123"},
		{"ShortDigits", "12345", "*****"},
		// A valid USCC of digits with a province prefix is a USCC.
		{"DigitUSCC", digitUSCC(t), digitUSCC(t)},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := MaskCode(test.code); got != test.want {
				t.Errorf("MaskCode(%q) = %q, want %q", test.code, got, test.want)
			}
		})
	}
}

// digitUSCC returns a valid USCC of digits only whose first two digits are
// a province code (12: 事业单位).
func digitUSCC(t *testing.T) string {
	t.Helper()
	for i := range 1000 {
		first16 := "1222010000000" + string(rune('0'+i/100)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
		org, err := subject.OrgCodeCheckChar(first16[8:16])
		if err != nil || org == 'X' {
			continue
		}
		first17 := first16 + string(org)
		c, err := subject.USCCCheckChar(first17)
		if err != nil || c < '0' || c > '9' {
			continue
		}
		code := first17 + string(c)
		if subject.CheckUSCC(code, nil) == nil && subject.CheckCitizenID(code, credit.Date{}) != nil {
			return code
		}
	}
	t.Fatal("no all-digit USCC")
	return ""
}

func TestReportCodeMasking(t *testing.T) {
	for _, test := range []struct {
		name string
		res  SubjectResult
		want string
	}{
		{"FoundOrganisation", SubjectResult{Query: Query{Name: "某公司"}, Found: true, USCC: "91220101MA0Y56781J", Type: subject.Enterprise}, "91220101MA0Y56781J"},
		{"FoundPerson", SubjectResult{Query: Query{Code: "220102198001011234"}, Found: true, Type: subject.Person}, "220102********1234"},
		{"UnknownPerson", SubjectResult{Query: Query{Code: "220102198001011234"}}, "220102********1234"},
		{"InvalidDigitUSCC", SubjectResult{Query: Query{Code: "91220802873925803X"}, Verdict: Undetermined}, "91220802873925803X"},
		{"InvalidIDShaped", SubjectResult{Query: Query{Code: "220102198001011231"}, Verdict: Undetermined}, "220102********1231"},
		{"NoCode", SubjectResult{Query: Query{Name: "某公司"}}, ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := reportCode(test.res); got != test.want {
				t.Errorf("reportCode = %q, want %q", got, test.want)
			}
			r := test.res
			r.MaskQuery() // what storage keeps
			if r.Query.Code != test.want {
				t.Errorf("MaskQuery: query code %q, want %q", r.Query.Code, test.want)
			}
		})
	}
}

// reportVerification is a verification with one listed organisation whose
// two entries have a reason and a basis (one over two lines).
func reportVerification() *Verification {
	return &Verification{ID: 7, At: time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC), Actor: "department:张三", DepartmentName: "吉林省财政厅",
		Scenario: "政府采购", Purpose: "某某采购项目", AsOf: "2026-11-20", Total: 2, Found: 1, Hits: 1,
		Results: []SubjectResult{
			{Seq: 1, Query: Query{Code: "91220101MA0Y56781J"}, Found: true, Name: "长春某某公司", USCC: "91220101MA0Y56781J", Type: subject.Enterprise, Verdict: Caution,
				Entries: []EntryView{
					{ListName: "严重失信主体名单", Department: "吉林省发展和改革委员会", DocNo: "吉发改〔2026〕1号", ValidFrom: "2026-01-01", ValidUntil: "2028-12-31",
						Reason: "拒不履行法定义务，情节严重", Basis: "《吉林省社会信用条例》第三十条"},
					{ListName: "经营异常名录", Department: "长春市市场监督管理局", DocNo: "长市监〔2026〕2号", ValidFrom: "2026-02-01",
						Reason: "未按期公示年度报告", Basis: "《企业信息公示暂行条例》\n第八条"},
				}},
			{Seq: 2, Query: Query{Code: "91220802873925803X"}, Verdict: Undetermined, Explanation: "代码无效"},
		}}
}

func TestReportRowsReasonAndBasis(t *testing.T) {
	rows := ReportRows(reportVerification())
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	got := rows[0].Cells()
	want := []string{"1", "长春某某公司", "91220101MA0Y56781J", "是", "提示", "严重失信主体名单\n经营异常名录", "吉林省发展和改革委员会\n长春市市场监督管理局",
		"吉发改〔2026〕1号\n长市监〔2026〕2号", "2026-01-01 至 2028-12-31\n2026-02-01 至 移出之日", "", "", "", "",
		"拒不履行法定义务，情节严重\n未按期公示年度报告", "《吉林省社会信用条例》第三十条\n《企业信息公示暂行条例》 第八条"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("row 1 cells (-want +got):\n%s", diff)
	}
	if h := ReportHeader[len(ReportHeader)-2:]; h[0] != "列入事由" || h[1] != "列入依据" {
		t.Errorf("last headers = %q, want 列入事由, 列入依据", h)
	}
	if len(got) != len(ReportHeader) || len(reportWidths) != len(ReportHeader) {
		t.Errorf("%d cells, %d widths, want %d (the headers)", len(got), len(reportWidths), len(ReportHeader))
	}
	if rows[1].Code != "91220802873925803X" {
		t.Errorf("row 2 code = %q, want the mistyped USCC as typed", rows[1].Code)
	}
}

func TestWriteReportXLSX(t *testing.T) {
	var b bytes.Buffer
	if err := WriteReportXLSX(&b, reportVerification()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("核查结果")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want the header and 2", len(rows))
	}
	if diff := cmp.Diff(ReportHeader, rows[0]); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	col := func(h string) int {
		for i, c := range rows[0] {
			if c == h {
				return i
			}
		}
		t.Fatalf("no column %s", h)
		return -1
	}
	if got := rows[1][col("列入依据")]; got != "《吉林省社会信用条例》第三十条\n《企业信息公示暂行条例》 第八条" {
		t.Errorf("列入依据 = %q", got)
	}
	if got := rows[1][col("列入事由")]; !strings.Contains(got, "拒不履行法定义务") || !strings.Contains(got, "未按期公示年度报告") {
		t.Errorf("列入事由 = %q", got)
	}
	if got := rows[2][col("统一社会信用代码/证件号码")]; got != "91220802873925803X" {
		t.Errorf("code of the mistyped USCC = %q, want it as typed", got)
	}
	info, err := f.GetRows("核查信息")
	if err != nil {
		t.Fatal(err)
	}
	if len(info) == 0 || info[0][0] != "核查编号" || info[0][1] != "7" {
		t.Errorf("核查信息 = %q", info)
	}
}

// TestWriteReportHTML renders the printable report of a verification with
// a listed organisation (two entries with 列入事由 and 列入依据, measures),
// an unverifiable code and a person linked to a listed company, and checks
// that every column of ReportHeader is there with the cells of ReportRows.
func TestWriteReportHTML(t *testing.T) {
	const citizenID = "220102198001011234"
	v := reportVerification()
	v.DataVersion, v.FeedbackDue = 1234, "2026-11-27"
	r := &v.Results[0]
	r.Verdict, r.Explanation = Restricted, "依清单应采取限制措施"
	r.Measures = []AppliedMeasure{{Measure: Measure{Code: "N1-01", Name: "限制参加政府采购活动", Basis: "《政府采购法》第二十二条"}, Obligation: Must},
		{Measure: Measure{Code: "N2-03", Name: "从严审核"}, Obligation: May}}
	v.Results = append(v.Results, SubjectResult{Seq: 3, Query: Query{Code: citizenID}, Found: true, Name: "张<b>三</b>", Type: subject.Person, Verdict: Caution,
		Linked: []EntryView{{SubjectName: "长春某某劳务有限公司", ListName: "拖欠农民工工资失信联合惩戒对象", DocNo: "吉人社失〔2026〕21号", LinkedAs: "法定代表人"}}})
	v.Total, v.Found = 3, 2
	at := time.Date(2026, 11, 20, 4, 5, 0, 0, time.UTC)

	var b bytes.Buffer
	if err := WriteReportHTML(&b, v, ReportHTMLOptions{Back: "/console/verifications/7", Feedback: "请填写执行反馈。", Generated: at}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b.Bytes(), []byte(citizenID)) || bytes.Contains(b.Bytes(), []byte("<b>")) {
		t.Error("the report holds a citizen ID in clear or an unescaped name")
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if lang, _ := doc.Find("html").Attr("lang"); lang != "zh-CN" || doc.Find("h1").Text() != "信用核查报告" || doc.Find("title").Text() != "信用核查报告-7" {
		t.Errorf("lang %q, h1 %q, title %q", lang, doc.Find("h1").Text(), doc.Find("title").Text())
	}
	style := doc.Find("style")
	if style.Length() != 1 || !strings.Contains(style.Text(), "@media print") || doc.Find("script, link").Length() != 0 {
		t.Error("want one inline style with print CSS, no script and nothing loaded")
	}
	sum := sha256.Sum256([]byte(style.Text()))
	if hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(ReportHTMLPolicy, "style-src "+hash) {
		t.Errorf("ReportHTMLPolicy %q does not allow the page's style (%s)", ReportHTMLPolicy, hash)
	}

	info := map[string]string{}
	doc.Find("dl.info dt").Each(func(_ int, dt *goquery.Selection) { info[dt.Text()] = dt.Next().Text() })
	for k, want := range map[string]string{"核查编号": "7", "核查部门": "吉林省财政厅", "应用场景": "政府采购", "核查事由": "某某采购项目",
		"核查时间": "2026-11-20 10:00:00", "数据版本": "1234", "反馈期限": "2026-11-27", "核查结果": "共核查3个主体"} {
		if !strings.Contains(info[k], want) {
			t.Errorf("info %s = %q, want %q in it", k, info[k], want)
		}
	}

	var head []string
	doc.Find("thead th").Each(func(_ int, th *goquery.Selection) { head = append(head, th.Text()) })
	if diff := cmp.Diff(ReportHeader, head); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if n := doc.Find("colgroup col").Length(); n != len(ReportHeader) {
		t.Errorf("%d columns declared for %d headings", n, len(ReportHeader))
	}
	rows := ReportRows(v)
	trs := doc.Find("tbody tr")
	if trs.Length() != len(rows) {
		t.Fatalf("%d rows, want %d", trs.Length(), len(rows))
	}
	trs.Each(func(i int, tr *goquery.Selection) {
		var got []string
		tr.Find("td").Each(func(_ int, td *goquery.Selection) { got = append(got, td.Text()) })
		if diff := cmp.Diff(rows[i].Cells(), got); diff != "" {
			t.Errorf("row %d cells (-want +got):\n%s", i+1, diff)
		}
	})
	cell := func(row int, h string) string { return trs.Eq(row).Find("td").Eq(slices.Index(ReportHeader, h)).Text() }
	for _, c := range []struct {
		row       int
		col, want string
	}{
		{0, "列入事由", "拒不履行法定义务，情节严重\n未按期公示年度报告"},
		{0, "列入依据", "《吉林省社会信用条例》第三十条\n《企业信息公示暂行条例》 第八条"},
		{0, "核查结论", "受限：依清单应采取限制措施"},
		{0, "应采取措施", "N1-01 限制参加政府采购活动（依据：《政府采购法》第二十二条）"},
		{0, "可采取措施", "N2-03 从严审核"},
		{1, "统一社会信用代码/证件号码", "91220802873925803X"},
		{2, "统一社会信用代码/证件号码", "220102********1234"},
		{2, "主体名称", "张<b>三</b>"},
		{2, "关联失信提示", "长春某某劳务有限公司列入拖欠农民工工资失信联合惩戒对象（吉人社失〔2026〕21号）；关联身份：法定代表人"},
	} {
		if got := cell(c.row, c.col); got != c.want {
			t.Errorf("row %d, %s = %q, want %q", c.row+1, c.col, got, c.want)
		}
	}
	for i, class := range []string{"restricted", "undetermined", "caution"} {
		if !trs.Eq(i).HasClass(class) {
			t.Errorf("row %d: want class %s", i+1, class)
		}
	}
	if href, _ := doc.Find(".hint a").Attr("href"); href != "/console/verifications/7" {
		t.Errorf("link back = %q", href)
	}
	if note := doc.Find(".note").Text(); !strings.Contains(note, "自然人证件号码已脱敏") || !strings.Contains(note, "请填写执行反馈。") ||
		!strings.Contains(note, "生成时间：2026-11-20 12:05") {
		t.Errorf("note = %q", note)
	}

	// Without a link back, no link.
	b.Reset()
	if err := WriteReportHTML(&b, v, ReportHTMLOptions{Generated: at}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b.Bytes(), []byte("<a ")) {
		t.Error("a link back without Back")
	}
}
