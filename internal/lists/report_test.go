package lists

import (
	"bytes"
	"strings"
	"testing"
	"time"

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
