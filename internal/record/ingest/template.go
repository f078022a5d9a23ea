package ingest

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// TemplateColumn is one column of an import template: the field code, the
// header departments see (the field's Chinese name), its catalog type
// ("string", "text", "date", "decimal", "code", "uscc", "id_no"), a note for
// the instructions, whether it is required, and its allowed values.
type TemplateColumn struct {
	Code, Header, Type, Note string
	Required                 bool
	Options                  []string
}

// Sheet names of the import template.
const (
	TemplateDataSheet  = "数据"
	TemplateGuideSheet = "填写说明"
	TemplateCodeSheet  = "代码表"
)

// RequiredMark starts the header of a required column of an import
// template.
const RequiredMark = "*"

// templateRows is how many data rows get drop-downs and date checks.
const templateRows = 1000

// typeLabels are the 类型 shown in the instructions.
var typeLabels = map[string]string{
	"string":  "文本",
	"text":    "长文本",
	"date":    "日期（yyyy-mm-dd）",
	"decimal": "数字",
	"code":    "代码（从下拉列表选择）",
	"uscc":    "统一社会信用代码（18位）",
	"id_no":   "证件号码",
}

// WriteTemplateXLSX writes an empty import template titled title.
//
// Sheet "数据" holds the headers in row 1; required fields' headers start
// with "*" (RequiredMark) and are dark red and bold, so that they are told
// apart by more than colour. The Mapper and catalog.NormalizeHeader drop a
// leading "*" when the file comes back. Every header has a comment with the
// field code, whether it is required, its type and note. Columns with Options get a drop-down on
// rows 2–1001 (a short list inline, a long one from the hidden sheet
// "代码表"); date columns are formatted yyyy-mm-dd and checked to be dates;
// other text columns are formatted as text so that long codes keep their
// digits. Sheet "填写说明" lists each field's code, Chinese name, 是否必填,
// 类型, 说明 and 可选值.
func WriteTemplateXLSX(w io.Writer, title string, cols []TemplateColumn) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("ingest.WriteTemplateXLSX(%q): %w", title, err)
		}
	}()
	if len(cols) == 0 {
		return fmt.Errorf("no columns")
	}
	seen := map[string]bool{}
	for _, c := range cols {
		if c.Header == "" || seen[c.Header] {
			return fmt.Errorf("empty or repeated header %q", c.Header)
		}
		seen[c.Header] = true
	}

	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", TemplateDataSheet); err != nil {
		return err
	}
	// The guide is the second sheet; the code sheet, if any, comes after it.
	if _, err := f.NewSheet(TemplateGuideSheet); err != nil {
		return err
	}
	st, err := newTemplateStyles(f)
	if err != nil {
		return err
	}
	if err := writeTemplateData(f, st, cols); err != nil {
		return err
	}
	if err := writeTemplateGuide(f, st, title, cols); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	if err := SetWorkbookProps(f, title+"导入模板", time.Now()); err != nil {
		return err
	}
	return f.Write(w)
}

type templateStyles struct {
	required, optional, text, date, title, guideHead, wrap int
}

func newTemplateStyles(f *excelize.File) (templateStyles, error) {
	var st templateStyles
	dateFmt := "yyyy-mm-dd"
	border := []excelize.Border{
		{Type: "left", Color: "#BFBFBF", Style: 1}, {Type: "right", Color: "#BFBFBF", Style: 1},
		{Type: "top", Color: "#BFBFBF", Style: 1}, {Type: "bottom", Color: "#BFBFBF", Style: 1},
	}
	center := &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	for _, s := range []struct {
		id    *int
		style *excelize.Style
	}{
		{&st.required, &excelize.Style{
			Font:   &excelize.Font{Bold: true, Color: "#C00000"}, // 5.8:1 on the fill
			Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#FFF2CC"}},
			Border: border, Alignment: center, NumFmt: 49,
		}},
		{&st.optional, &excelize.Style{
			Font:   &excelize.Font{Bold: true},
			Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}},
			Border: border, Alignment: center, NumFmt: 49,
		}},
		{&st.text, &excelize.Style{NumFmt: 49}},
		{&st.date, &excelize.Style{CustomNumFmt: &dateFmt}},
		{&st.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&st.guideHead, &excelize.Style{
			Font:   &excelize.Font{Bold: true},
			Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#D9E1F2"}},
			Border: border, Alignment: center,
		}},
		{&st.wrap, &excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}, Border: border}},
	} {
		id, err := f.NewStyle(s.style)
		if err != nil {
			return st, err
		}
		*s.id = id
	}
	return st, nil
}

func writeTemplateData(f *excelize.File, st templateStyles, cols []TemplateColumn) error {
	const sheet = TemplateDataSheet
	codeCol := 0 // columns used in the code sheet
	for i, c := range cols {
		name, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		// Column style first: SetColStyle restyles cells already in the column.
		colStyle := st.text
		switch c.Type {
		case "date":
			colStyle = st.date
		case "decimal":
			colStyle = 0
		}
		if colStyle != 0 {
			if err := f.SetColStyle(sheet, name, colStyle); err != nil {
				return err
			}
		}
		header := c.Header
		if c.Required {
			header = RequiredMark + header
		}
		if err := f.SetColWidth(sheet, name, name, columnWidth(header)); err != nil {
			return err
		}
		cell := name + "1"
		if err := f.SetCellStr(sheet, cell, header); err != nil {
			return err
		}
		head := st.optional
		if c.Required {
			head = st.required
		}
		if err := f.SetCellStyle(sheet, cell, cell, head); err != nil {
			return err
		}
		if err := f.AddComment(sheet, excelize.Comment{
			Cell: cell, Author: "填写说明", Text: commentText(c),
			Width: 240, Height: 120,
		}); err != nil {
			return err
		}
		rng := fmt.Sprintf("%s2:%s%d", name, name, templateRows+1)
		switch {
		case len(c.Options) > 0:
			dv := excelize.NewDataValidation(true)
			dv.Sqref = rng
			if inlineList(c.Options) {
				if err := dv.SetDropList(c.Options); err != nil {
					return err
				}
			} else {
				codeCol++
				ref, err := writeCodeList(f, st, codeCol, c)
				if err != nil {
					return err
				}
				dv.SetSqrefDropList(ref)
			}
			dv.SetError(excelize.DataValidationErrorStyleWarning, c.Header, "请从下拉列表中选择；如需填写多个值，请用“；”分隔")
			if err := f.AddDataValidation(sheet, dv); err != nil {
				return err
			}
		case c.Type == "date":
			dv := excelize.NewDataValidation(true)
			dv.Sqref = rng
			if err := dv.SetRange(1, maxSerial, excelize.DataValidationTypeDate, excelize.DataValidationOperatorBetween); err != nil {
				return err
			}
			dv.SetError(excelize.DataValidationErrorStyleWarning, c.Header, "请填写日期，格式为yyyy-mm-dd，例如2024-01-31")
			if err := f.AddDataValidation(sheet, dv); err != nil {
				return err
			}
		}
	}
	if err := f.SetRowHeight(sheet, 1, 32); err != nil {
		return err
	}
	return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// inlineList reports whether options fit in a list validation formula:
// at most 255 characters with separators, and no commas or quotes inside.
func inlineList(options []string) bool {
	n := 0
	for _, o := range options {
		if strings.ContainsAny(o, `,"，`) {
			return false
		}
		n += len([]rune(o)) + 1
	}
	return n-1 <= 255
}

// writeCodeList writes c's options into column col of the hidden code sheet
// and returns the reference a list validation uses.
func writeCodeList(f *excelize.File, st templateStyles, col int, c TemplateColumn) (string, error) {
	const sheet = TemplateCodeSheet
	if idx, err := f.GetSheetIndex(sheet); err != nil {
		return "", err
	} else if idx < 0 {
		if _, err := f.NewSheet(sheet); err != nil {
			return "", err
		}
		if err := f.SetSheetVisible(sheet, false); err != nil {
			return "", err
		}
	}
	name, err := excelize.ColumnNumberToName(col)
	if err != nil {
		return "", err
	}
	if err := f.SetCellStr(sheet, name+"1", c.Header); err != nil {
		return "", err
	}
	if err := f.SetCellStyle(sheet, name+"1", name+"1", st.guideHead); err != nil {
		return "", err
	}
	for i, o := range c.Options {
		if err := f.SetCellStr(sheet, fmt.Sprintf("%s%d", name, i+2), o); err != nil {
			return "", err
		}
	}
	if err := f.SetColWidth(sheet, name, name, columnWidth(c.Header)); err != nil {
		return "", err
	}
	return fmt.Sprintf("'%s'!$%s$2:$%s$%d", sheet, name, name, len(c.Options)+1), nil
}

func typeLabel(t string) string {
	if l, ok := typeLabels[t]; ok {
		return l
	}
	if t == "" {
		return typeLabels["string"]
	}
	return t
}

func commentText(c TemplateColumn) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n字段代码：%s\n", c.Code)
	if c.Required {
		b.WriteString("必填\n")
	} else {
		b.WriteString("选填\n")
	}
	fmt.Fprintf(&b, "类型：%s", typeLabel(c.Type))
	if c.Note != "" {
		fmt.Fprintf(&b, "\n说明：%s", c.Note)
	}
	return b.String()
}

func writeTemplateGuide(f *excelize.File, st templateStyles, title string, cols []TemplateColumn) error {
	const sheet = TemplateGuideSheet
	if err := f.SetCellStr(sheet, "A1", strings.TrimSpace(title+" 导入模板填写说明")); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A1", "A1", st.title); err != nil {
		return err
	}
	notes := []string{
		"1. 请在“数据”工作表中从第2行开始逐行填写，每行一条记录；不要修改、删除或移动第1行的表头。",
		"2. 以“*”开头（红色加粗）的表头为必填项，其余为选填项或按条件必填（见下表“说明”）；“*”不是字段名称的一部分，可保留也可删除。",
		"3. 日期请按yyyy-mm-dd格式填写，例如2024-01-31。",
		"4. 代码类字段请从下拉列表中选择；统一社会信用代码、证件号码等请按文本填写，不要写成科学计数法。",
	}
	for i, n := range notes {
		if err := f.SetCellStr(sheet, fmt.Sprintf("A%d", i+2), n); err != nil {
			return err
		}
	}
	headRow := len(notes) + 3
	heads := []string{"字段代码", "中文名称", "是否必填", "类型", "说明", "可选值"}
	widths := []float64{18, 28, 10, 24, 50, 40}
	for i, h := range heads {
		name, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetCellStr(sheet, fmt.Sprintf("%s%d", name, headRow), h); err != nil {
			return err
		}
		if err := f.SetColWidth(sheet, name, name, widths[i]); err != nil {
			return err
		}
	}
	last, _ := excelize.ColumnNumberToName(len(heads))
	if err := f.SetCellStyle(sheet, fmt.Sprintf("A%d", headRow), fmt.Sprintf("%s%d", last, headRow), st.guideHead); err != nil {
		return err
	}
	for i, c := range cols {
		r := headRow + 1 + i
		req := "否"
		if c.Required {
			req = "是"
		}
		vals := []string{c.Code, c.Header, req, typeLabel(c.Type), c.Note, strings.Join(c.Options, "、")}
		for j, v := range vals {
			name, _ := excelize.ColumnNumberToName(j + 1)
			if err := f.SetCellStr(sheet, fmt.Sprintf("%s%d", name, r), v); err != nil {
				return err
			}
		}
		if err := f.SetCellStyle(sheet, fmt.Sprintf("A%d", r), fmt.Sprintf("%s%d", last, r), st.wrap); err != nil {
			return err
		}
	}
	return nil
}
