package ingest

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/htmlindex"

	"jlcredit/internal/credit"
)

// The XLSX reader walks the worksheet's XML with encoding/xml, row by row,
// straight out of the zip archive. It reads the first sheet that is visible
// and not empty: a hidden code table or an empty Sheet1 in front of the
// data is passed over. It does not use excelize's Rows iterator because
// that iterator cannot tell a cell's style, which is what marks a number as
// a date, and because with formatting on it rounds long numbers such as an
// 18-digit code to 15 digits in E notation. excelize is used to write
// sheets (write.go, template.go).
//
// Memory stays bounded whatever the XML holds: every part is read through
// an xmlGuard, so no tag or run of text may exceed Limits.recordLimit, nor
// may the text of one row or one shared string.

const (
	maxXLSXColumns = 16384   // XFD
	maxXLSXRows    = 1048576 // Excel's limit
	maxXMLDepth    = 64
)

// sizedReaderAt is a random-access input that knows its size, such as
// *bytes.Reader or *io.SectionReader.
type sizedReaderAt interface {
	io.ReaderAt
	Size() int64
}

// openXLSXStream opens the XLSX that r holds; br has buffered its first
// bytes. A regular file or a sized ReaderAt is read in place; any other
// reader is copied to a temporary file first.
func openXLSXStream(r io.Reader, br *bufio.Reader, lim Limits) (Reader, error) {
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			if fi.Size() > lim.MaxBytes {
				return nil, errTooLargeBytes(lim.MaxBytes)
			}
			return openXLSX(f, fi.Size(), lim, nil)
		}
	}
	if ra, ok := r.(sizedReaderAt); ok {
		if ra.Size() > lim.MaxBytes {
			return nil, errTooLargeBytes(lim.MaxBytes)
		}
		return openXLSX(ra, ra.Size(), lim, nil)
	}
	tmp, err := os.CreateTemp("", "jlcredit-ingest-*.xlsx")
	if err != nil {
		return nil, fmt.Errorf("ingest: spool xlsx: %w", err)
	}
	size, err := io.Copy(tmp, br) // br reads through the size limit
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, readError(err)
	}
	x, err := openXLSX(tmp, size, lim, tmp)
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	return x, nil
}

func errCorruptXLSX(detail string) error {
	if detail == "" {
		return credit.Errorf(credit.EINVALID, "XLSX文件损坏或不是有效的Excel文件")
	}
	return credit.Errorf(credit.EINVALID, "XLSX文件损坏或不是有效的Excel文件（%s）", detail)
}

// xlsxReader reads the rows of a worksheet.
type xlsxReader struct {
	tmp       *os.File // spooled copy, closed and removed by Close
	zr        *zip.Reader
	sheet     io.ReadCloser
	dec       *xml.Decoder
	sst       *sharedStrings
	kinds     []numKind // by cellXfs index
	date1904  bool
	b         rowBuilder
	isField   func(string) bool // Limits.IsField
	runLimit  int               // Limits.recordLimit: the longest run of XML, and the most text of one row
	rowLeft   int               // text the row being read may still hold
	cells     []string
	notes     []xlsxNote // of the row just read
	ahead     []xlsxRow  // rows read while looking for the header
	aheadErr  error      // the error that ended that search
	merged    mergeFill
	lastRow   int
	headerRow int
	maxRows   int
	rows      int
	done      bool
	err       error // sticky
}

// xlsxNote is a cell that makes a problem of its row: a formula saved
// without its result, as some programs (excelize, openpyxl) write them
// (formula_no_value), or a number too long for Excel to have kept all its
// digits (number_precision_lost).
type xlsxNote struct {
	col  int    // 0-based
	code string // the problem code; "" for none
	text string // the formula (empty for a shared formula's other cells), or the number as in the file
}

// xlsxRow is a row kept while looking for the header.
type xlsxRow struct {
	num   int
	cells []string
	notes []xlsxNote
}

func openXLSX(ra io.ReaderAt, size int64, lim Limits, tmp *os.File) (_ *xlsxReader, err error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, errCorruptXLSX("")
	}
	// Zip-bomb guard: the declared sizes are enforced by archive/zip when
	// the entries are read, so their sum bounds what can come out.
	var total uint64
	files := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > uint64(lim.MaxXLSXUncompressed) {
			return nil, credit.Errorf(credit.ETOOLARGE, "Excel文件解压后超过%s上限（可能是异常压缩文件），请拆分后上传", formatSize(lim.MaxXLSXUncompressed))
		}
		files[partKey(f.Name)] = f
	}
	x := &xlsxReader{
		tmp: tmp, zr: zr, maxRows: lim.MaxRows, isField: lim.IsField, runLimit: int(lim.recordLimit()),
		b: rowBuilder{maxCell: lim.MaxCellBytes, kind: "XLSX", colNames: true},
	}
	defer func() {
		if err != nil {
			x.closeParts()
		}
	}()

	wbPath := "xl/workbook.xml"
	if rels, err := readRels(files, "_rels/.rels", ""); err == nil {
		for _, r := range rels {
			if strings.HasSuffix(r.typ, "/officeDocument") {
				wbPath = r.target
				break
			}
		}
	}
	wb, err := readWorkbook(files, wbPath)
	if err != nil {
		return nil, err
	}
	x.date1904 = wb.date1904
	wbDir := path.Dir(wbPath)
	rels, err := readRels(files, path.Join(wbDir, "_rels", path.Base(wbPath)+".rels"), wbDir)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]rel, len(rels))
	sstPath, stylesPath := path.Join(wbDir, "sharedStrings.xml"), path.Join(wbDir, "styles.xml")
	for _, r := range rels {
		byID[r.id] = r
		switch {
		case strings.HasSuffix(r.typ, "/sharedStrings"):
			sstPath = r.target
		case strings.HasSuffix(r.typ, "/styles"):
			stylesPath = r.target
		}
	}
	var sheets []string // the parts of the visible worksheets in workbook order
	hidden := false
	for _, s := range wb.sheets {
		r, ok := byID[s.id]
		if !ok || !strings.HasSuffix(r.typ, "/worksheet") && r.typ != "" {
			continue
		}
		if s.hidden {
			hidden = true
			continue
		}
		sheets = append(sheets, r.target)
	}
	if len(sheets) == 0 {
		if hidden {
			return nil, credit.Errorf(credit.EINVALID, "XLSX文件中没有可见的工作表，请在Excel中取消隐藏数据所在的工作表后重新上传")
		}
		return nil, errCorruptXLSX("找不到工作表")
	}
	if f := files[partKey(stylesPath)]; f != nil {
		if x.kinds, err = readStyles(f); err != nil {
			return nil, err
		}
	}
	if f := files[partKey(sstPath)]; f != nil {
		if x.sst, err = readSharedStrings(f, lim); err != nil {
			return nil, err
		}
	}
	// The first visible sheet with a cell that is not blank; the last
	// one need not be looked at ahead.
	var sf *zip.File
	for i, name := range sheets {
		if sf = files[partKey(name)]; sf == nil {
			return nil, errCorruptXLSX("找不到工作表")
		}
		if i == len(sheets)-1 {
			break
		}
		found, err := x.hasCells(sf)
		if err != nil {
			return nil, err
		}
		if found {
			break
		}
	}
	if x.merged.ranges, err = readMerges(sf, int64(x.runLimit)); err != nil {
		return nil, err
	}
	if err := x.openSheet(sf); err != nil {
		return nil, err
	}

	if x.isField != nil {
		return x, x.searchHeader()
	}
	for {
		num, cells, err := x.nextRow()
		if err == io.EOF {
			return nil, errEmpty()
		}
		if err != nil {
			return nil, err
		}
		if blank(cells) {
			continue
		}
		if x.b.headers, err = headersOf(cells); err != nil {
			return nil, err
		}
		x.headerRow = num
		return x, nil
	}
}

// openSheet starts reading the worksheet f from its beginning.
func (x *xlsxReader) openSheet(f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return errCorruptXLSX("")
	}
	x.sheet = rc
	x.dec = newXMLDecoder(rc, int64(x.runLimit), x.errRunTooLong)
	x.done, x.lastRow = false, 0
	return nil
}

// hasCells reports whether the worksheet f has a row that is not blank.
func (x *xlsxReader) hasCells(f *zip.File) (bool, error) {
	if err := x.openSheet(f); err != nil {
		return false, err
	}
	defer func() {
		x.sheet.Close()
		x.sheet, x.dec = nil, nil
	}()
	for {
		_, cells, err := x.nextRow()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if !blank(cells) {
			return true, nil
		}
	}
}

// tooLongAdvice ends the messages about XML that exceeds a size limit.
const tooLongAdvice = "，文件可能已损坏或是异常压缩文件，请检查后重新上传"

// errRunTooLong is the error once a run of the worksheet's XML (a cell's
// text, white space between rows) exceeds runLimit.
func (x *xlsxReader) errRunTooLong() error {
	if x.lastRow == 0 {
		return credit.Errorf(credit.EINVALID, "XLSX工作表第一行之前的内容超过%s"+tooLongAdvice, formatSize(int64(x.runLimit)))
	}
	return credit.Errorf(credit.EINVALID, "XLSX第%d行附近内容超过%s"+tooLongAdvice, x.lastRow, formatSize(int64(x.runLimit)))
}

// errRowTooLong is the error once the text of row num exceeds runLimit.
func (x *xlsxReader) errRowTooLong(num int) error {
	return credit.Errorf(credit.EINVALID, "XLSX第%d行内容超过%s"+tooLongAdvice, num, formatSize(int64(x.runLimit)))
}

// searchHeader takes as the header the best of the first HeaderSearchRows
// non-blank rows (bestHeader), with the row of sub-labels that goes with it
// (headerRows), and keeps the rows after it for Next.
func (x *xlsxReader) searchHeader() error {
	var rows []xlsxRow
	for len(rows) < HeaderSearchRows {
		num, cells, err := x.nextRow()
		if err != nil {
			if len(rows) == 0 {
				if err == io.EOF {
					return errEmpty()
				}
				return err
			}
			if err != io.EOF {
				x.aheadErr = err // after the rows read before it
			}
			break
		}
		if blank(cells) {
			continue
		}
		rows = append(rows, xlsxRow{num, slices.Clone(cells), slices.Clone(x.notes)})
	}
	cells := make([][]string, len(rows))
	for i, r := range rows {
		cells[i] = r.cells
	}
	_, last, header := headerRows(cells, bestHeader(cells, x.isField), x.isField)
	var err error
	if x.b.headers, err = headersOf(header); err != nil {
		return err
	}
	x.headerRow = rows[last].num
	x.ahead = rows[last+1:]
	return nil
}

func (x *xlsxReader) Headers() []string { return x.b.headers }

func (x *xlsxReader) Next() (Row, error) {
	if x.err != nil {
		return Row{}, x.err
	}
	for {
		var r xlsxRow
		if len(x.ahead) > 0 {
			r, x.ahead = x.ahead[0], x.ahead[1:]
		} else {
			if x.aheadErr != nil {
				x.err = x.aheadErr
				return Row{}, x.err
			}
			num, cells, err := x.nextRow()
			if err != nil {
				x.err = err
				return Row{}, err
			}
			if blank(cells) {
				continue
			}
			r = xlsxRow{num, cells, x.notes}
		}
		if x.rows >= x.maxRows {
			x.err = errTooManyRows(x.maxRows)
			return Row{}, x.err
		}
		x.rows++
		if err := x.fillMerged(&r); err != nil {
			x.err = err
			return Row{}, err
		}
		row := x.b.build(r.num, r.cells)
		for _, n := range r.notes {
			if p, ok := x.noteProblem(r.num, n); ok {
				row.Problems = append(row.Problems, p)
			}
		}
		return row, nil
	}
}

// noteProblem is the problem a cell makes of its row, in a column with a
// header (with Limits.IsField, a field's).
func (x *xlsxReader) noteProblem(num int, n xlsxNote) (credit.Problem, bool) {
	if n.code == "" || n.col >= len(x.b.headers) || x.b.headers[n.col] == "" {
		return credit.Problem{}, false
	}
	h := x.b.headers[n.col]
	if x.isField != nil && !isFieldHeader(x.isField, h) {
		return credit.Problem{}, false
	}
	p := credit.Problem{Row: num, FieldName: h, Code: n.code}
	switch n.code {
	case "formula_no_value":
		what := "单元格是公式"
		if n.text != "" {
			what = fmt.Sprintf("单元格是公式（=%s）", credit.Clip(n.text, 100))
		}
		p.Message = fmt.Sprintf("第%d行“%s”（%s列）：%s，但文件中没有计算结果；请在Excel中打开并保存后重新导出，或填写数值",
			num, h, columnName(n.col+1), what)
	case "number_precision_lost":
		p.Message = fmt.Sprintf("第%d行“%s”（%s列）：单元格为数值格式（文件中为%s），Excel只保存15位有效数字，18位代码已失真；请将该列设置为文本格式后重新填写",
			num, h, columnName(n.col+1), credit.Clip(n.text, 40))
	}
	return p, true
}

func (x *xlsxReader) closeParts() error {
	var err error
	if x.sheet != nil {
		err = x.sheet.Close()
		x.sheet, x.dec = nil, nil
	}
	if x.sst != nil {
		if e := x.sst.close(); err == nil {
			err = e
		}
		x.sst = nil
	}
	return err
}

func (x *xlsxReader) Close() error {
	err := x.closeParts()
	if x.tmp != nil {
		if e := x.tmp.Close(); err == nil {
			err = e
		}
		if e := os.Remove(x.tmp.Name()); err == nil {
			err = e
		}
		x.tmp = nil
	}
	if x.err == nil {
		x.err = errors.New("ingest: reader closed")
	}
	return err
}

// nextRow returns the number and the cells of the next <row> element, or
// io.EOF after the last one.
func (x *xlsxReader) nextRow() (int, []string, error) {
	if x.done {
		return 0, nil, io.EOF
	}
	for {
		tok, err := x.dec.RawToken()
		if err == io.EOF {
			x.done = true
			return 0, nil, io.EOF
		}
		if err != nil {
			return 0, nil, xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "row" {
				return x.row(t)
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				x.done = true
				return 0, nil, io.EOF
			}
		}
	}
}

// xmlError turns a failure while reading a part into EINVALID: a syntax
// error, a damaged deflate stream or a size mismatch all mean a damaged file.
func xmlError(err error) error {
	var ce *credit.Error
	if errors.As(err, &ce) {
		return ce
	}
	return errCorruptXLSX("")
}

// row reads the cells of the <row> element start.
func (x *xlsxReader) row(start xml.StartElement) (int, []string, error) {
	num := x.lastRow + 1
	if v, ok := attr(start, "r"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > maxXLSXRows {
			return 0, nil, errCorruptXLSX(fmt.Sprintf("行号“%s”无效", credit.Clip(v, 20)))
		}
		num = n
	}
	x.lastRow = num
	x.rowLeft = x.runLimit
	cells := x.cells[:0]
	x.notes = x.notes[:0]
	col := 0
	for {
		tok, err := x.dec.RawToken()
		if err != nil {
			return 0, nil, xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "c" {
				if err := skipElement(x.dec); err != nil {
					return 0, nil, err
				}
				continue
			}
			col++
			if ref, ok := attr(t, "r"); ok {
				c, ok := refColumn(ref)
				if !ok {
					return 0, nil, errCorruptXLSX(fmt.Sprintf("单元格“%s”无效", credit.Clip(ref, 20)))
				}
				col = c
			}
			if col > maxXLSXColumns {
				return 0, nil, errCorruptXLSX("列数超过Excel上限")
			}
			v, note, err := x.cell(t)
			if errors.Is(err, errTextTooLong) {
				return 0, nil, x.errRowTooLong(num)
			}
			if err != nil {
				return 0, nil, err
			}
			if x.rowLeft -= len(v) + len(note.text); x.rowLeft < 0 {
				return 0, nil, x.errRowTooLong(num)
			}
			if note.code != "" {
				note.col = col - 1
				x.notes = append(x.notes, note)
			}
			for len(cells) < col {
				cells = append(cells, "")
			}
			cells[col-1] = v
		case xml.EndElement:
			x.cells = cells
			return num, cells, nil
		}
	}
}

// cell reads the <c> element start and returns its text, and the note of
// its problem, if it makes one (without the column): a formula <f> saved
// without its result <v>, with the formula's text, empty for a shared
// formula's other cells; or a number of 1e15 or more, which Excel cannot
// hold exactly.
func (x *xlsxReader) cell(start xml.StartElement) (text string, note xlsxNote, err error) {
	var typ string
	style := 0
	for _, a := range start.Attr {
		switch a.Name.Local {
		case "t":
			typ = a.Value
		case "s":
			if n, err := strconv.Atoi(a.Value); err == nil && n >= 0 {
				style = n
			}
		}
	}
	var v, is, formula string
	hasV, hasIS, hasF := false, false, false
	for {
		tok, err := x.dec.RawToken()
		if err != nil {
			return "", xlsxNote{}, xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "v":
				if v, err = readText(x.dec, x.rowLeft); err != nil {
					return "", xlsxNote{}, err
				}
				hasV = true
			case "is":
				if is, err = readRichText(x.dec, x.rowLeft); err != nil {
					return "", xlsxNote{}, err
				}
				hasIS = true
			case "f":
				if formula, err = readText(x.dec, x.rowLeft); err != nil {
					return "", xlsxNote{}, err
				}
				hasF = true
			default:
				if err := skipElement(x.dec); err != nil {
					return "", xlsxNote{}, err
				}
			}
		case xml.EndElement:
			text, err := x.value(typ, style, v, is, hasIS)
			switch {
			case hasF && !hasV && !hasIS:
				note = xlsxNote{code: "formula_no_value", text: strings.TrimSpace(formula)}
			case hasV && (typ == "" || typ == "n") && inexactNumber(strings.TrimSpace(v)):
				note = xlsxNote{code: "number_precision_lost", text: strings.TrimSpace(v)}
			}
			return text, note, err
		}
	}
}

// value renders a cell the way a person reads it in Excel, but in a form
// the validator understands: dates as yyyy-MM-dd, numbers plain.
func (x *xlsxReader) value(typ string, style int, v, is string, hasIS bool) (string, error) {
	switch typ {
	case "s":
		v = strings.TrimSpace(v)
		if v == "" {
			return "", nil
		}
		i, err := strconv.Atoi(v)
		if err != nil || x.sst == nil {
			return "", errCorruptXLSX("共享字符串索引无效")
		}
		s, ok, err := x.sst.get(i)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", errCorruptXLSX("共享字符串索引无效")
		}
		return s, nil
	case "inlineStr":
		if hasIS {
			return is, nil // readRichText decoded it
		}
		return unescapeXString(v), nil
	case "str":
		return unescapeXString(v), nil
	case "b":
		switch strings.TrimSpace(v) {
		case "1", "true":
			return "TRUE", nil
		case "0", "false":
			return "FALSE", nil
		}
		return v, nil
	case "e":
		return v, nil
	case "d":
		return isoDate(v, x.kind(style)), nil
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	switch k := x.kind(style); k {
	case kindDate, kindDateTime, kindTime:
		return serialDate(v, k, x.date1904), nil
	}
	return plainNumber(v), nil
}

func (x *xlsxReader) kind(style int) numKind {
	if style < len(x.kinds) {
		return x.kinds[style]
	}
	return kindGeneral
}

// refColumn returns the 1-based column of a cell reference such as "AB12".
func refColumn(ref string) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c < 'A' || c > 'Z' {
			break
		}
		col = col*26 + int(c-'A'+1)
		if col > maxXLSXColumns {
			return 0, false
		}
	}
	if i == 0 || strings.TrimLeft(ref[i:], "0123456789") != "" {
		return 0, false
	}
	return col, true
}

func attr(e xml.StartElement, local string) (string, bool) {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// newXMLDecoder returns a decoder of the XML part r whose runs of XML
// (tags, text between them) may be at most limit bytes long; a longer one
// fails with the error tooLong returns (see xmlGuard). A part in another
// encoding than UTF-8 is guarded before and after it is decoded.
func newXMLDecoder(r io.Reader, limit int64, tooLong func() error) *xml.Decoder {
	d := xml.NewDecoder(bufio.NewReaderSize(newXMLGuard(r, limit, tooLong), 64<<10))
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		e, err := htmlindex.Get(label)
		if err != nil {
			return nil, err
		}
		return newXMLGuard(e.NewDecoder().Reader(in), limit, tooLong), nil
	}
	return d
}

// errTextTooLong is returned by readText and readRichText when the text
// exceeds its limit.
var errTextTooLong = errors.New("ingest: xlsx: text too long")

// skipElement consumes tokens up to the end of the element whose start was
// just read.
func skipElement(d *xml.Decoder) error {
	depth := 1
	for depth > 0 {
		tok, err := d.RawToken()
		if err != nil {
			return xmlError(err)
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxXMLDepth {
				return errCorruptXLSX("XML嵌套过深")
			}
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// readText returns the character data of the element whose start was just
// read, ignoring any child elements. More than max bytes of it fail with
// errTextTooLong.
func readText(d *xml.Decoder, max int) (string, error) {
	var b strings.Builder
	depth := 1
	for depth > 0 {
		tok, err := d.RawToken()
		if err != nil {
			return "", xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxXMLDepth {
				return "", errCorruptXLSX("XML嵌套过深")
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 1 {
				if b.Len()+len(t) > max {
					return "", errTextTooLong
				}
				b.Write(t)
			}
		}
	}
	return b.String(), nil
}

// readRichText returns the text of a string item (<si> or <is>) whose start
// was just read: its <t> elements, directly or in runs <r>, but not the
// phonetic guides <rPh>. Escapes such as _x000D_ are decoded. More than
// max bytes of text fail with errTextTooLong.
func readRichText(d *xml.Decoder, max int) (string, error) {
	var b strings.Builder
	var stack [maxXMLDepth]string
	depth := 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return "", xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == len(stack) {
				return "", errCorruptXLSX("XML嵌套过深")
			}
			stack[depth] = t.Name.Local
			depth++
		case xml.EndElement:
			if depth == 0 {
				return unescapeXString(b.String()), nil
			}
			depth--
		case xml.CharData:
			if depth > 0 && stack[depth-1] == "t" && !inPhonetic(stack[:depth]) {
				if b.Len()+len(t) > max {
					return "", errTextTooLong
				}
				b.Write(t)
			}
		}
	}
}

func inPhonetic(stack []string) bool {
	for _, s := range stack {
		if s == "rPh" {
			return true
		}
	}
	return false
}

// unescapeXString decodes the _xHHHH_ escapes of OOXML strings (ST_Xstring),
// which carry characters XML cannot hold; _x005F_ is a literal underscore.
func unescapeXString(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' {
			if n, err := strconv.ParseUint(s[i+2:i+6], 16, 32); err == nil {
				r := rune(n)
				if r == '_' {
					b.WriteByte('_')
				} else {
					b.WriteRune(r)
				}
				i += 7
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// mergeFill carries the value of a vertically merged range down its
// column. Excel keeps the value of a merged range in its top-left cell
// only; a department that merges 处罚机关 over four rows means it for all
// four.
type mergeFill struct {
	ranges []mergeRange // by top row
	next   int          // the first range whose top row is not yet read
	active []activeFill
	held   int // bytes of text held by active
}

// activeFill is the value of a merged range being carried down.
type activeFill struct {
	top, bottom int
	col         int
	v           string
	note        xlsxNote // the problem its top cell made, if any
}

// fillMerged fills r's empty cells that lie in a vertically merged range
// below its top row with the value of the top cell, in the range's first
// column only: a range merged across columns as well holds one value, not
// one per column. Only ranges whose top row is a data row count, in
// columns with a header.
func (x *xlsxReader) fillMerged(r *xlsxRow) error {
	m := &x.merged
	if len(m.ranges) == 0 {
		return nil
	}
	// Drop the ranges that ended above this row.
	kept := m.active[:0]
	for _, a := range m.active {
		if a.bottom >= r.num {
			kept = append(kept, a)
		} else {
			m.held -= len(a.v)
		}
	}
	clear(m.active[len(kept):])
	m.active = kept
	// Fill in the cells of the ranges carried down.
	for _, a := range m.active {
		if a.top >= r.num {
			continue
		}
		for len(r.cells) <= a.col {
			r.cells = append(r.cells, "")
		}
		if trimCell(r.cells[a.col]) != "" {
			continue
		}
		r.cells[a.col] = a.v
		if a.note.code != "" {
			r.notes = append(r.notes, a.note)
		}
	}
	// Start the ranges whose top row this is. A range whose top row
	// was blank or missing has nothing to carry.
	for ; m.next < len(m.ranges) && int(m.ranges[m.next].top) <= r.num; m.next++ {
		g := m.ranges[m.next]
		top, col := int(g.top), int(g.col)
		if top != r.num || top <= x.headerRow || col >= len(x.b.headers) || x.b.headers[col] == "" ||
			col >= len(r.cells) || trimCell(r.cells[col]) == "" {
			continue
		}
		a := activeFill{top: top, bottom: int(g.bottom), col: col, v: r.cells[col]}
		for _, n := range r.notes {
			if n.col == col {
				a.note = n
			}
		}
		// One range a column: overlapping ranges, which Excel does not
		// make, replace one another.
		m.active = slices.DeleteFunc(m.active, func(b activeFill) bool {
			if b.col == col {
				m.held -= len(b.v)
				return true
			}
			return false
		})
		m.active = append(m.active, a)
		if m.held += len(a.v); m.held > x.runLimit {
			return credit.Errorf(credit.EINVALID, "XLSX第%d行起的合并单元格内容合计超过%s，请取消合并单元格后重新上传", r.num, formatSize(int64(x.runLimit)))
		}
	}
	return nil
}
