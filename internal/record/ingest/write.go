package ingest

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"jlcredit/internal/credit"
)

// Headers of the columns the error sheets add.
const (
	HeaderRow    = "行号"
	HeaderErrors = "错误信息"
)

// ErrorRow is one rejected row for an error sheet: its row number in the
// submitted file, its values by header and its messages.
type ErrorRow struct {
	Row      int
	Values   map[string]string
	Messages []string
}

// NewErrorRow is a rejected row for an error sheet from what was stored of
// it: its row number, raw values and problems.
func NewErrorRow(row int, values map[string]string, problems []credit.Problem) ErrorRow {
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.Message
	}
	return ErrorRow{Row: row, Values: values, Messages: msgs}
}

// SheetColumn is one column of an output sheet. Options are the allowed
// values (a code table) offered in a drop-down.
type SheetColumn struct {
	Header  string
	Note    string
	Options []string
}

// errorHeaders returns the original headers without the columns an earlier
// error sheet added, so that a corrected error sheet can be submitted and
// its errors written again.
func errorHeaders(headers []string) []string {
	out := make([]string, 0, len(headers))
	for _, h := range headers {
		if h != HeaderRow && h != HeaderErrors {
			out = append(out, h)
		}
	}
	return out
}

// WriteErrorsCSV writes rejected rows as CSV: the original headers, then
// 行号 and 错误信息 (the row's messages joined by "；"), one line per row. The
// file is UTF-8 with a byte order mark so that Chinese Excel opens it. Lines
// end in LF, which Excel reads; encoding/csv's CRLF mode would drop a lone
// CR inside a value.
func WriteErrorsCSV(w io.Writer, headers []string, rows func(yield func(ErrorRow) bool)) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.Write(utf8BOM); err != nil {
		return fmt.Errorf("ingest.WriteErrorsCSV: %w", err)
	}
	cw := csv.NewWriter(bw)
	hs := errorHeaders(headers)
	rec := append(append(make([]string, 0, len(hs)+2), hs...), HeaderRow, HeaderErrors)
	if err := cw.Write(rec); err != nil {
		return fmt.Errorf("ingest.WriteErrorsCSV: %w", err)
	}
	var err error
	for er := range rows {
		rec = rec[:0]
		for _, h := range hs {
			rec = append(rec, spreadsheetSafe(er.Values[h]))
		}
		rec = append(rec, strconv.Itoa(er.Row), strings.Join(er.Messages, "；"))
		if err = cw.Write(rec); err != nil {
			break
		}
	}
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("ingest.WriteErrorsCSV: %w", err)
	}
	return nil
}

// spreadsheetSafe returns a CSV value so that a spreadsheet opening the
// file shows it as text instead of evaluating it (CSV injection): a value
// starting with =, +, @, a tab or a carriage return, or with - when it is
// not a plain number or a run of dashes, gets a leading apostrophe. The
// readers of this package remove it again (see unquoteFormula), so a
// corrected error sheet submits the original value.
func spreadsheetSafe(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '+', '@', '\t', '\r':
		return "'" + v
	case '\'':
		if unquoteFormula(v) != v { // so that it reads back with its apostrophe
			return "'" + v
		}
	case '-':
		if strings.Trim(v, "-") == "" {
			return v
		}
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return v
		}
		return "'" + v
	}
	return v
}

// unquoteFormula undoes spreadsheetSafe: it drops a leading apostrophe
// that spreadsheetSafe would have added.
func unquoteFormula(v string) string {
	if len(v) >= 2 && v[0] == '\'' && spreadsheetSafe(v[1:]) == v {
		return v[1:]
	}
	return v
}

// WriteErrorsXLSX writes rejected rows as an XLSX workbook with one sheet
// "错误数据": the original headers, then 行号 and 错误信息, one row per
// rejected row. Values are written as text so that codes keep their digits.
// Rows are streamed to a temporary file by excelize's StreamWriter. More
// rows than Excel holds (1 048 575) is ETOOLARGE.
func WriteErrorsXLSX(w io.Writer, headers []string, rows func(yield func(ErrorRow) bool)) (err error) {
	defer func() {
		var ce *credit.Error
		if err != nil && !errors.As(err, &ce) {
			err = fmt.Errorf("ingest.WriteErrorsXLSX: %w", err)
		}
	}()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "错误数据"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	if err := SetWorkbookProps(f, "错误数据", time.Now()); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#D9E1F2"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
		NumFmt:    49,
	})
	if err != nil {
		return err
	}
	errHead, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Color: "#C00000"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#FCE4D6"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
		NumFmt:    49,
	})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	errText, err := f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Color: "#C00000"}, NumFmt: 49,
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
	})
	if err != nil {
		return err
	}

	hs := errorHeaders(headers)
	n := len(hs) + 2
	if n > maxXLSXColumns {
		return credit.Errorf(credit.ETOOLARGE, "列数超过Excel上限")
	}
	for i, h := range hs {
		if err := sw.SetColWidth(i+1, i+1, columnWidth(h)); err != nil {
			return err
		}
	}
	if err := sw.SetColWidth(n-1, n-1, 8); err != nil {
		return err
	}
	if err := sw.SetColWidth(n, n, 60); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	cells := make([]any, n)
	for i, h := range hs {
		cells[i] = excelize.Cell{StyleID: head, Value: h}
	}
	cells[n-2] = excelize.Cell{StyleID: errHead, Value: HeaderRow}
	cells[n-1] = excelize.Cell{StyleID: errHead, Value: HeaderErrors}
	if err := sw.SetRow("A1", cells); err != nil {
		return err
	}
	r := 1
	for er := range rows {
		r++
		if r > maxErrorSheetRows+1 {
			return credit.Errorf(credit.ETOOLARGE, "错误数据超过Excel的%d行上限，请下载CSV格式", maxErrorSheetRows)
		}
		for i, h := range hs {
			cells[i] = excelize.Cell{StyleID: text, Value: er.Values[h]}
		}
		cells[n-2] = excelize.Cell{Value: er.Row}
		cells[n-1] = excelize.Cell{StyleID: errText, Value: strings.Join(er.Messages, "；")}
		ref, err := excelize.CoordinatesToCellName(1, r)
		if err != nil {
			return err
		}
		if err := sw.SetRow(ref, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// Workbook properties of the files the platform writes.
const (
	// WorkbookAuthor is the author (creator and last editor) of the
	// workbooks the platform writes.
	WorkbookAuthor = "吉林省公共信用信息平台"
	// WorkbookApplication is the application that wrote them.
	WorkbookApplication = "信用综合服务平台"
)

// SetWorkbookProps sets the document properties of a workbook the platform
// writes, in place of excelize's defaults (author “xuri”, created in 2006,
// application “Go Excelize”): the platform as author and application,
// title, language zh-CN, and created and modified at now, in UTC.
func SetWorkbookProps(f *excelize.File, title string, now time.Time) error {
	at := now.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{
		Creator: WorkbookAuthor, LastModifiedBy: WorkbookAuthor, Created: at, Modified: at,
		Title: title, Language: "zh-CN",
	}); err != nil {
		return err
	}
	return f.SetAppProps(&excelize.AppProperties{Application: WorkbookApplication})
}

// maxErrorSheetRows is how many rows fit under the header of a sheet; a
// variable for tests.
var maxErrorSheetRows = excelize.TotalRows - 1

// columnWidth returns a column width that fits header: CJK characters count
// double.
func columnWidth(header string) float64 {
	w := 0
	for _, r := range header {
		if r >= 0x1100 && utf8.RuneLen(r) > 1 {
			w += 2
		} else {
			w++
		}
	}
	return float64(min(max(w+4, 12), 50))
}
