package ingest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// isGroupedField knows the fields a two-row header names in these tests.
func isGroupedField(h string) bool {
	switch h {
	case "行政相对人名称", "统一社会信用代码", "组织机构代码", "法定代表人", "法定代表人姓名",
		"法定代表人证件类型", "法定代表人证件号码", "处罚决定日期":
		return true
	}
	return false
}

// A group label over sub-labels (two header rows, the group merged across
// its columns and the single columns merged down) is read as one header:
// the sub-labels are not a data row, and a sub-label names its field with
// the group's name when it does not alone.
func TestTwoRowHeader(t *testing.T) {
	wantHeaders := []string{"行政相对人名称", "统一社会信用代码", "组织机构代码", "法定代表人姓名", "法定代表人证件类型", "法定代表人证件号码", "处罚决定日期"}
	wantRows := []Row{
		{Num: 4, Values: vals("行政相对人名称", "甲公司", "统一社会信用代码", "91220101MA0000000X", "组织机构代码", "", "法定代表人姓名", "张三",
			"法定代表人证件类型", "身份证", "法定代表人证件号码", "220102199001011234", "处罚决定日期", "2026-11-20")},
	}
	check := func(t *testing.T, headers []string, rows []Row, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantHeaders, headers); diff != "" {
			t.Errorf("headers (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantRows, rows); diff != "" {
			t.Errorf("rows (-want +got):\n%s", diff)
		}
	}
	lim := Limits{IsField: isGroupedField}
	t.Run("CSV", func(t *testing.T) {
		data := csvBytes(t, nil,
			[]string{"行政处罚信息公示表", "", "", "", "", "", ""},
			[]string{"行政相对人名称", "行政相对人代码", "", "法定代表人", "", "", "处罚决定日期"},
			[]string{"", "统一社会信用代码", "组织机构代码", "姓名", "证件类型", "证件号码", ""},
			[]string{"甲公司", "91220101MA0000000X", "", "张三", "身份证", "220102199001011234", "2026-11-20"},
		)
		headers, rows, err := readAll(t, data, "p.csv", "", lim)
		check(t, headers, rows, err)
	})
	t.Run("XLSX", func(t *testing.T) {
		data := xlsxBytes(t, func(f *excelize.File) {
			must(t, f.SetCellStr("Sheet1", "A1", "行政处罚信息公示表"))
			must(t, f.MergeCell("Sheet1", "A1", "G1"))
			must(t, f.SetSheetRow("Sheet1", "A2", &[]any{"行政相对人名称", "行政相对人代码", "", "法定代表人", "", "", "处罚决定日期"}))
			must(t, f.MergeCell("Sheet1", "A2", "A3"))
			must(t, f.MergeCell("Sheet1", "B2", "C2"))
			must(t, f.MergeCell("Sheet1", "D2", "F2"))
			must(t, f.MergeCell("Sheet1", "G2", "G3"))
			must(t, f.SetSheetRow("Sheet1", "B3", &[]any{"统一社会信用代码", "组织机构代码", "姓名", "证件类型", "证件号码"}))
			must(t, f.SetSheetRow("Sheet1", "A4", &[]any{"甲公司", "91220101MA0000000X", "", "张三", "身份证", "220102199001011234", "2026-11-20"}))
		})
		headers, rows, err := readAll(t, data, "p.xlsx", "", lim)
		check(t, headers, rows, err)
	})
	// The sub-label row chosen as the best row takes its group row above.
	t.Run("GroupRowAbove", func(t *testing.T) {
		data := csvBytes(t, nil,
			[]string{"", "行政相对人代码", "", "法定代表人", "", "", ""},
			[]string{"行政相对人名称", "统一社会信用代码", "组织机构代码", "姓名", "证件类型", "证件号码", "处罚决定日期"},
			[]string{"甲公司", "91220101MA0000000X", "", "张三", "身份证", "220102199001011234", "2026-11-20"},
		)
		headers, rows, err := readAll(t, data, "p.csv", "", lim)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantHeaders, headers); diff != "" {
			t.Errorf("headers (-want +got):\n%s", diff)
		}
		if len(rows) != 1 || rows[0].Num != 3 {
			t.Errorf("rows %v, want the one data row 3", rows)
		}
	})
	// One header row: the data row under it is data, even when a cell of
	// it happens to name a field, and a title above it stays a title.
	t.Run("OneRow", func(t *testing.T) {
		data := csvBytes(t, nil,
			[]string{"法定代表人信息"},
			[]string{"行政相对人名称", "法定代表人", "处罚决定日期"},
			[]string{"甲公司", "组织机构代码", "2026-11-20"},
		)
		headers, rows, err := readAll(t, data, "p.csv", "", lim)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"行政相对人名称", "法定代表人", "处罚决定日期"}, headers); diff != "" {
			t.Errorf("headers (-want +got):\n%s", diff)
		}
		if len(rows) != 1 || rows[0].Num != 3 {
			t.Errorf("rows %v, want the one data row 3", rows)
		}
	})
}
