package lists

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/record/ingest"
)

// ReportInfo is the heading of a verification report, as label and value.
func ReportInfo(v *Verification) [][2]string {
	dep := v.DepartmentName
	role, _, _ := strings.Cut(v.Actor, ":")
	if dep == "" {
		dep = access.RoleLabel(credit.Role(role)) + "（无所属部门）"
	}
	actor := access.LabelName(v.Actor)
	info := [][2]string{
		{"核查编号", strconv.FormatInt(v.ID, 10)},
		{"核查部门", dep},
		{"核查人", actor},
		{"应用场景", v.Scenario},
		{"核查事由", v.Purpose},
		{"核查时间", v.At.In(credit.Shanghai).Format("2006-01-02 15:04:05")},
		{"数据版本", "存证账本共" + strconv.FormatInt(v.DataVersion, 10) + "条记录时的名单信息，按" + v.AsOf + "判断是否有效"},
		{"核查结果", fmt.Sprintf("共核查%d个主体，找到%d个，命中名单%d个", v.Total, v.Found, v.Hits)},
	}
	if v.FeedbackDue != "" {
		info = append(info, [2]string{"反馈期限", "请于" + v.FeedbackDue + "前反馈命中主体的措施执行情况（执行反馈）"})
	}
	return info
}

// reportWidths are the widths of the columns of ReportHeader in the sheet
// 核查结果.
var reportWidths = []float64{6, 30, 22, 8, 40, 22, 24, 24, 24, 40, 40, 30, 40, 40, 40}

// WriteReportXLSX writes the verification report as a workbook: sheet
// 核查结果 (one row per subject, Chinese headers, identity numbers of persons
// masked) and sheet 核查信息. The JSON API and the console both serve it.
func WriteReportXLSX(w io.Writer, v *Verification) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "核查结果"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	if err := ingest.SetWorkbookProps(f, "信用核查报告（核查编号"+strconv.FormatInt(v.ID, 10)+"）", time.Now()); err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	if err != nil {
		return err
	}
	body, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	header := make([]any, len(ReportHeader))
	for i, h := range ReportHeader {
		header[i] = h
	}
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		return err
	}
	rows := ReportRows(v)
	for i, row := range rows {
		cells := row.Cells()
		vals := make([]any, len(cells))
		vals[0] = row.Seq
		for j := 1; j < len(cells); j++ {
			vals[j] = cells[j]
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sheet, cell, &vals); err != nil {
			return err
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(ReportHeader), len(rows)+1)
	lastCol, _ := excelize.ColumnNumberToName(len(ReportHeader))
	if err := f.SetCellStyle(sheet, "A1", lastCol+"1", head); err != nil {
		return err
	}
	if len(rows) > 0 {
		if err := f.SetCellStyle(sheet, "A2", last, body); err != nil {
			return err
		}
	}
	for i, width := range reportWidths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, width); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := f.AutoFilter(sheet, "A1:"+last, nil); err != nil {
		return err
	}
	const infoSheet = "核查信息"
	if _, err := f.NewSheet(infoSheet); err != nil {
		return err
	}
	for i, kv := range ReportInfo(v) {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(infoSheet, cell, &[]any{kv[0], kv[1]}); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(infoSheet, "A", "A", 12); err != nil {
		return err
	}
	if err := f.SetColWidth(infoSheet, "B", "B", 80); err != nil {
		return err
	}
	return f.Write(w)
}
