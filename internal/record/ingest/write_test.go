package ingest

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"jlcredit/internal/credit"
)

var errorRows = []ErrorRow{
	{Row: 2, Values: vals("名称", "长春市某某公司", "代码", "0220102199001011234", "事实", "第一行\n第二行"), Messages: []string{"统一社会信用代码校验位错误", "处罚决定日期不能晚于今天"}},
	{Row: 7, Values: vals("名称", `带"引号",逗号`, "代码", "", "事实", "=1+1"), Messages: []string{"缺少统一社会信用代码"}},
	{Row: 9, Values: vals("名称", "_x0041_下划线", "代码", "2.5", "事实", "")},
}

// The error sheet reopens as the rows it was written from plus 行号 and
// 错误信息; a header 行号 or 错误信息 already in the file is replaced.
func TestWriteErrorsRoundTrip(t *testing.T) {
	headers := []string{"名称", "代码", "事实", "行号", "错误信息"}
	for _, test := range []struct {
		name, file string
		write      func(b *bytes.Buffer) error
	}{
		{"CSV", "errors.csv", func(b *bytes.Buffer) error { return WriteErrorsCSV(b, headers, slices.Values(errorRows)) }},
		{"XLSX", "errors.xlsx", func(b *bytes.Buffer) error { return WriteErrorsXLSX(b, headers, slices.Values(errorRows)) }},
	} {
		t.Run(test.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := test.write(&b); err != nil {
				t.Fatal(err)
			}
			if test.name == "CSV" && !bytes.HasPrefix(b.Bytes(), utf8BOM) {
				t.Error("CSV has no byte order mark")
			}
			gotHeaders, rows, err := readAll(t, b.Bytes(), test.file, "", Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"名称", "代码", "事实", "行号", "错误信息"}, gotHeaders); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			var want []Row
			for i, er := range errorRows {
				v := map[string]string{}
				for k, x := range er.Values {
					v[k] = x
				}
				v["行号"] = strconv.Itoa(er.Row)
				v["错误信息"] = strings.Join(er.Messages, "；")
				want = append(want, Row{Num: i + 2, Values: v})
			}
			if diff := cmp.Diff(want, rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteErrorsXLSXLayout(t *testing.T) {
	var b bytes.Buffer
	if err := WriteErrorsXLSX(&b, []string{"代码"}, slices.Values(errorRows[:1])); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if diff := cmp.Diff([]string{"错误数据"}, f.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
	// The code is text, so Excel keeps its leading zero and all digits.
	id, err := f.GetCellStyle("错误数据", "A2")
	must(t, err)
	st, err := f.GetStyle(id)
	must(t, err)
	if st.NumFmt != 49 {
		t.Errorf("code cell NumFmt = %d, want 49 (text)", st.NumFmt)
	}
}

// More error rows than Excel holds is ETOOLARGE, not a broken file.
func TestWriteErrorsXLSXTooMany(t *testing.T) {
	defer func(n int) { maxErrorSheetRows = n }(maxErrorSheetRows)
	maxErrorSheetRows = 2
	var b bytes.Buffer
	err := WriteErrorsXLSX(&b, []string{"名称"}, slices.Values(errorRows))
	wantCode(t, err, credit.ETOOLARGE, "错误数据超过Excel的2行上限，请下载CSV格式")
	b.Reset()
	if err := WriteErrorsXLSX(&b, []string{"名称"}, slices.Values(errorRows[:2])); err != nil {
		t.Errorf("2 rows: %v", err)
	}
}

func TestWriteTemplateXLSX(t *testing.T) {
	long := make([]string, 60)
	for i := range long {
		long[i] = "类别" + strconv.Itoa(i)
	}
	cols := []TemplateColumn{
		{Code: "CF_XDR_MC", Header: "行政相对人名称", Type: "string", Required: true},
		{Code: "CF_XDR_LB", Header: "行政相对人类别", Type: "code", Required: true, Options: []string{"法人及非法人组织", "自然人", "个体工商户"}},
		{Code: "CF_XDR_SHXYM", Header: "统一社会信用代码", Type: "uscc", Note: "法人及非法人组织必填"},
		{Code: "CF_CFLB", Header: "处罚类别", Type: "code", Required: true, Options: long, Note: "可多选"},
		{Code: "CF_NR_FK", Header: "罚款金额（万元）", Type: "decimal"},
		{Code: "CF_JDRQ", Header: "处罚决定日期", Type: "date", Required: true},
	}
	var b bytes.Buffer
	if err := WriteTemplateXLSX(&b, "行政处罚", cols); err != nil {
		t.Fatal(err)
	}

	// It reopens with the headers, required ones marked with a leading
	// "*", which all map, and no rows.
	headers, rows, err := readAll(t, b.Bytes(), "template.xlsx", "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	codes := map[string]string{}
	for _, c := range cols {
		h := c.Header
		if c.Required {
			h = RequiredMark + h
		}
		want = append(want, h)
		codes[c.Header] = c.Code
	}
	if diff := cmp.Diff(want, headers); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	if len(rows) != 0 {
		t.Errorf("template has %d rows", len(rows))
	}
	_, unknown, err := NewMapper(headers, func(h string) (string, bool) { c, ok := codes[h]; return c, ok })
	if err != nil || len(unknown) != 0 {
		t.Errorf("NewMapper: unknown %v, err %v", unknown, err)
	}

	// Layout.
	f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if diff := cmp.Diff([]string{"数据", "填写说明", "代码表"}, f.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
	if visible, _ := f.GetSheetVisible("代码表"); visible {
		t.Error("代码表 is visible")
	}
	font := func(cell string) *excelize.Font {
		id, err := f.GetCellStyle("数据", cell)
		must(t, err)
		st, err := f.GetStyle(id)
		must(t, err)
		if st.Font == nil {
			return &excelize.Font{}
		}
		return st.Font
	}
	if ft := font("A1"); !ft.Bold || !strings.HasSuffix(strings.ToUpper(ft.Color), "C00000") {
		t.Errorf("required header font = %+v, want bold dark red", ft)
	}
	if ft := font("C1"); ft.Color != "" {
		t.Errorf("optional header font color = %q, want none", ft.Color)
	}
	dvs, err := f.GetDataValidations("数据")
	must(t, err)
	bySqref := map[string]*excelize.DataValidation{}
	for _, dv := range dvs {
		bySqref[dv.Sqref] = dv
	}
	if dv := bySqref["B2:B1001"]; dv == nil || !strings.Contains(dv.Formula1, "自然人") {
		t.Errorf("类别 validation = %+v, want an inline list", dv)
	}
	if dv := bySqref["D2:D1001"]; dv == nil || !strings.Contains(dv.Formula1, "代码表") {
		t.Errorf("处罚类别 validation = %+v, want a reference to 代码表", dv)
	}
	if dv := bySqref["F2:F1001"]; dv == nil || dv.Type != "date" {
		t.Errorf("date validation = %+v", dv)
	}
	if v, _ := f.GetCellValue("代码表", "A61"); v != "类别59" {
		t.Errorf("代码表!A61 = %q, want 类别59", v)
	}
	comments, err := f.GetComments("数据")
	must(t, err)
	if len(comments) != len(cols) || !strings.Contains(comments[0].Text+commentRuns(comments[0]), "CF_XDR_MC") {
		t.Errorf("comments = %+v", comments)
	}
	guide, err := f.GetRows("填写说明")
	must(t, err)
	var found bool
	for _, r := range guide {
		if len(r) >= 5 && r[0] == "CF_XDR_SHXYM" {
			found = true
			if diff := cmp.Diff([]string{"CF_XDR_SHXYM", "统一社会信用代码", "否", "统一社会信用代码（18位）", "法人及非法人组织必填"}, r[:5]); diff != "" {
				t.Errorf("guide row (-want +got):\n%s", diff)
			}
		}
	}
	if !found {
		t.Errorf("guide has no row for CF_XDR_SHXYM: %q", guide)
	}
	// Date column is formatted yyyy-mm-dd, code columns as text.
	for cell, want := range map[string]string{"F2": "yyyy-mm-dd", "C2": "@"} {
		id, err := f.GetCellStyle("数据", cell)
		must(t, err)
		st, err := f.GetStyle(id)
		must(t, err)
		got := ""
		if st.CustomNumFmt != nil {
			got = *st.CustomNumFmt
		} else if st.NumFmt == 49 {
			got = "@"
		}
		if got != want {
			t.Errorf("%s number format = %q (%d), want %q", cell, got, st.NumFmt, want)
		}
	}
}

func commentRuns(c excelize.Comment) string {
	var b strings.Builder
	for _, r := range c.Paragraph {
		b.WriteString(r.Text)
	}
	return b.String()
}

// Values a spreadsheet would evaluate get an apostrophe in CSV error
// sheets, and the readers drop it again.
func TestSpreadsheetSafe(t *testing.T) {
	for _, test := range []struct{ in, out string }{
		{"", ""},
		{"长春市某某公司", "长春市某某公司"},
		{"=HYPERLINK(\"http://x\",\"点击\")", "'=HYPERLINK(\"http://x\",\"点击\")"},
		{"+86 431", "'+86 431"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"-1+2", "'-1+2"},
		{"-A1", "'-A1"},
		{"-5", "-5"},
		{"-0.25", "-0.25"},
		{"-", "-"},
		{"--", "--"},
		{"\tx", "'\tx"},
		{"'=1", "''=1"},
		{"'abc", "'abc"},
		{"a=b", "a=b"},
	} {
		if got := spreadsheetSafe(test.in); got != test.out {
			t.Errorf("spreadsheetSafe(%q) = %q, want %q", test.in, got, test.out)
		}
		if back := unquoteFormula(spreadsheetSafe(test.in)); back != test.in {
			t.Errorf("unquoteFormula(spreadsheetSafe(%q)) = %q", test.in, back)
		}
	}
	var b bytes.Buffer
	if err := WriteErrorsCSV(&b, []string{"事实"}, slices.Values([]ErrorRow{{Row: 2, Values: vals("事实", "=1+1")}})); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\n'=1+1,2,") {
		t.Errorf("CSV error sheet does not neutralise a formula:\n%s", b.String())
	}
}
