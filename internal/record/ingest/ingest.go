// Package ingest reads the batch files departments submit (CSV, XLSX and
// JSON) one row at a time in bounded memory, maps their headers to catalog
// field codes, and writes the sheets that go back to departments: rejected
// rows with their error messages, and empty import templates.
//
// The package is pure: it touches no database and no network, only the
// reader it is given and, for XLSX, a temporary file. Its input comes from
// outside, so every reader is fuzzed.
package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"jlcredit/internal/credit"
)

// Formats accepted by Open.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
	FormatJSON = "json"
)

// Row is one data row of a file: its 1-based row number as a person counts
// it in the file (for CSV and XLSX the header is usually row 1, so the first
// data row is 2, but title rows above the header count too; for JSON the
// first object is 1), and the values by header as written in the file.
type Row struct {
	Num int
	// Values maps each header (as in the file, trimmed) to the cell text
	// (trimmed). CSV and XLSX rows carry every non-empty header of the file,
	// with "" for an empty cell; JSON rows carry the keys of their object.
	Values map[string]string
	// Problems lists what was wrong with the row while reading it, with
	// codes cell_too_large, column_count, no_header, bad_encoding (CSV and
	// XLSX), bad_quote (CSV: a cell opened a quote it never closed; the row
	// is read as written and reading goes on at the next line),
	// formula_no_value (XLSX: a formula saved without its result),
	// number_precision_lost (XLSX: a number cell of 1e15 or more, which
	// Excel holds to 15 significant digits, so an 18-digit code typed into
	// it has lost digits) and nested_value, duplicate_key, not_object,
	// cell_too_large (JSON). The value of a cell_too_large cell is cut to
	// its first MaxCellBytes bytes, followed by a note (clipCell). FieldName holds the header; Field is empty, as the reader knows
	// no field codes. The row is still returned so that the batch goes on;
	// the caller rejects it.
	Problems []credit.Problem
}

// Reader yields the rows of a file one at a time.
type Reader interface {
	// Headers returns the headers as in the file. For JSON it is the union of
	// the keys seen so far, in order of first appearance; after Open it holds
	// the keys of the first object.
	Headers() []string
	// Next returns the next data row, skipping blank rows, or io.EOF at the
	// end. Other errors are *credit.Error: EINVALID when the file turns out to
	// be malformed, ETOOLARGE when it exceeds a limit. Rows returned before
	// such an error are valid.
	Next() (Row, error)
	// Close releases the reader's resources (temporary files). It does not
	// close the io.Reader given to Open.
	Close() error
}

// Limits bounds what a reader accepts. A zero field means the default of
// DefaultLimits.
type Limits struct {
	MaxBytes            int64 // size of the file as uploaded
	MaxRows             int   // data rows, not counting the header and blank rows
	MaxCellBytes        int   // a longer cell is flagged with a Problem and kept cut short (clipCell)
	MaxXLSXUncompressed int64 // total uncompressed size of an XLSX's zip entries

	// IsField, when set, reports whether a header names a field of the
	// class being read (as Mapper's match does). CSV and XLSX readers then
	// take as the header the row, among the first HeaderSearchRows
	// non-blank rows, in which the most cells name a field (the first such
	// row on a tie), and skip the rows above it: the title rows
	// departments put above a table, such as “行政处罚信息” or
	// “填报单位：…”. Rows keep their numbers in the file. When no row
	// names a field, the first non-blank row is the header, as without
	// IsField. IsField also limits the XLSX formula_no_value problem to
	// columns that are fields. JSON ignores it.
	IsField func(header string) bool
}

// HeaderSearchRows is how many non-blank rows a reader with Limits.IsField
// looks through for the header row.
const HeaderSearchRows = 10

// DefaultLimits returns the limits for department uploads: 2 GiB, 1 100 000
// rows, 32 KiB per cell and 4 GiB uncompressed XLSX content.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:            2 << 30,
		MaxRows:             1_100_000,
		MaxCellBytes:        32 << 10,
		MaxXLSXUncompressed: 4 << 30,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxRows <= 0 {
		l.MaxRows = d.MaxRows
	}
	if l.MaxCellBytes <= 0 {
		l.MaxCellBytes = d.MaxCellBytes
	}
	if l.MaxXLSXUncompressed <= 0 {
		l.MaxXLSXUncompressed = d.MaxXLSXUncompressed
	}
	return l
}

// recordLimit is the most bytes one CSV record or JSON element may span.
// Anything larger is almost always an unbalanced quote that swallowed the
// rest of the file, and holding it would break the memory bound.
func (l Limits) recordLimit() int64 {
	return max(1<<20, 128*int64(l.MaxCellBytes))
}

const sniffLen = 512

// Open reads a file of the given format. format is "csv", "xlsx" or "json";
// when empty the format comes from the extension of name (case-insensitive).
// The content is sniffed as well: a zip archive is read as XLSX whatever its
// name, and a file of unknown type that starts with "[" is read as JSON.
//
// Open reads the header (CSV, XLSX: the first non-blank row, or with
// limits.IsField the row below any title rows) or the first object (JSON).
// It returns a
// *credit.Error with a zh-CN message: EINVALID when the file is empty, of an
// unknown format, damaged or has a repeated header; ETOOLARGE when it exceeds
// limits.
//
// An XLSX file needs random access: when r is an *os.File or an
// io.ReaderAt with a Size method it is read in place, otherwise it is copied
// to a temporary file that Close removes.
func Open(r io.Reader, name, format string, limits Limits) (Reader, error) {
	limits = limits.withDefaults()
	format, err := normalizeFormat(format)
	if err != nil {
		return nil, err
	}
	lr := &limitedReader{r: r, max: limits.MaxBytes}
	br := bufio.NewReaderSize(lr, 64<<10)
	head, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF {
		return nil, readError(err)
	}
	if err == io.EOF && len(bytes.TrimSpace(bytes.TrimPrefix(head, utf8BOM))) == 0 {
		return nil, errEmpty()
	}
	switch {
	case bytes.HasPrefix(head, zipMagic):
		return openXLSXStream(r, br, limits)
	case bytes.HasPrefix(head, oleMagic):
		return nil, credit.Errorf(credit.EINVALID, "文件是旧版Excel（.xls）或加密的Excel文件，无法读取，请在Excel中另存为不加密的.xlsx文件后再上传")
	}
	if format == "" {
		format = formatOfName(name)
	}
	switch format {
	case FormatXLSX:
		return nil, errCorruptXLSX("")
	case FormatJSON:
		return newJSONReader(br, limits)
	case FormatCSV:
		if notText(head) {
			// A PDF, image or archive named .csv: its bytes read as
			// headers would make a message of mojibake.
			return nil, errNotText(name)
		}
		return newCSVReader(br, limits)
	}
	// Unknown type: decide by content.
	if looksJSON(head) {
		return newJSONReader(br, limits)
	}
	if looksBinary(head) || bytes.HasPrefix(bytes.TrimSpace(head), []byte("<")) {
		return nil, errUnknownFormat(name)
	}
	return newCSVReader(br, limits)
}

// OpenFile opens the file at path like Open; for XLSX it reads the file in
// place. Close closes the file.
func OpenFile(path, format string, limits Limits) (Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ingest.OpenFile(%q): %w", path, err)
	}
	r, err := Open(f, filepath.Base(path), format, limits)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &fileReader{Reader: r, f: f}, nil
}

// OpenXLSX opens the XLSX file at path without copying it. Close closes the
// file.
func OpenXLSX(path string, limits Limits) (Reader, error) {
	return OpenFile(path, FormatXLSX, limits)
}

// fileReader closes the file it was opened from.
type fileReader struct {
	Reader
	f *os.File
}

func (r *fileReader) Close() error {
	err := r.Reader.Close()
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	return err
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	utf8BOM  = []byte{0xEF, 0xBB, 0xBF}
)

func normalizeFormat(format string) (string, error) {
	f := strings.ToLower(strings.TrimSpace(format))
	f = strings.TrimPrefix(f, ".")
	switch f {
	case "", FormatCSV, FormatXLSX, FormatJSON:
		return f, nil
	case "xlsm":
		return FormatXLSX, nil
	case "tsv", "txt":
		return FormatCSV, nil
	}
	return "", credit.Errorf(credit.EINVALID, "无法识别的文件格式“%s”，请上传CSV、XLSX或JSON文件", format)
}

func formatOfName(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".tsv", ".txt":
		return FormatCSV
	case ".xlsx", ".xlsm":
		return FormatXLSX
	case ".json":
		return FormatJSON
	}
	return ""
}

// looksJSON reports whether head starts with "[" after a BOM and white space.
func looksJSON(head []byte) bool {
	head = bytes.TrimPrefix(head, utf8BOM)
	head = bytes.TrimLeft(head, " \t\r\n")
	return len(head) > 0 && head[0] == '['
}

// looksBinary reports whether head holds control bytes that text never has.
// UTF-16 text (with a BOM) is text.
func looksBinary(head []byte) bool {
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return false
	}
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			return true
		}
	}
	return false
}

func errEmpty() error {
	return credit.Errorf(credit.EINVALID, "文件为空")
}

// binaryMagic starts files that are no text: PDF, PNG, JPEG, GIF, gzip,
// bzip2, 7z, RAR.
var binaryMagic = [][]byte{
	[]byte("%PDF-"), []byte("\x89PNG"), {0xFF, 0xD8, 0xFF}, []byte("GIF8"), {0x1F, 0x8B}, []byte("BZh"),
	{'7', 'z', 0xBC, 0xAF}, []byte("Rar!"),
}

// notText reports whether head, the start of a file named .csv, is no text:
// a known binary format, or more than one byte in twenty a control
// character (a stray NUL in a cell, which ingestion removes, is not enough).
func notText(head []byte) bool {
	for _, m := range binaryMagic {
		if bytes.HasPrefix(head, m) {
			return true
		}
	}
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return false // UTF-16 with its BOM
	}
	n := 0
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			n++
		}
	}
	return n*20 > len(head)
}

func errNotText(name string) error {
	return credit.Errorf(credit.EINVALID, "文件“%s”不是文本格式的CSV（含有二进制内容，可能是压缩包、图片、PDF或其他文件），请上传CSV、XLSX或JSON文件", name)
}

func errUnknownFormat(name string) error {
	if name == "" {
		return credit.Errorf(credit.EINVALID, "无法识别的文件格式，请上传CSV、XLSX或JSON文件")
	}
	return credit.Errorf(credit.EINVALID, "无法识别的文件格式：%s，请上传CSV、XLSX或JSON文件", name)
}

// readError turns an error of the underlying reader into the error Next or
// Open returns: a *credit.Error passes unchanged (such as the size limit);
// anything else is an I/O failure, which is internal.
func readError(err error) error {
	var ce *credit.Error
	if errors.As(err, &ce) {
		return ce
	}
	return fmt.Errorf("ingest: read: %w", err)
}

// limitedReader fails with ETOOLARGE once more than max bytes were read.
type limitedReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n > l.max {
		return 0, errTooLargeBytes(l.max)
	}
	if room := l.max - l.n + 1; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return n - int(l.n-l.max), errTooLargeBytes(l.max)
	}
	return n, err
}

func errTooLargeBytes(max int64) error {
	return credit.Errorf(credit.ETOOLARGE, "文件大小超过%s上限", formatSize(max))
}

func errTooManyRows(max int) error {
	return credit.Errorf(credit.ETOOLARGE, "文件超过%d行上限", max)
}

// formatSize writes a byte count the way people write it: 2GB, 32KB.
func formatSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKB", n>>10)
	}
	return fmt.Sprintf("%d字节", n)
}

// recordGuard sits between the decoded text and the CSV or JSON parser and
// fails once one record has taken more than limit bytes. The parser's owner
// calls mark before reading each record.
type recordGuard struct {
	r     io.Reader
	n     int64 // bytes delivered
	start int64 // n when the current record started
	limit int64
	num   int // number of the record being read, for the message
	what  string
}

func (g *recordGuard) mark(num int) {
	g.start = g.n
	g.num = num
}

func (g *recordGuard) Read(p []byte) (int, error) {
	if g.n-g.start > g.limit {
		return 0, credit.Errorf(credit.EINVALID, "%s第%d%s附近内容超过%s，文件可能已损坏（例如引号不配对），请检查后重新上传",
			g.what, g.num, unitOf(g.what), formatSize(g.limit))
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

func unitOf(what string) string {
	if what == "JSON" {
		return "个对象"
	}
	return "行"
}

// trimCell trims white space, including the ideographic space, and stray
// byte order marks and zero-width spaces.
func trimCell(s string) string {
	if s == "" {
		return s
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if !trimmed(first) && !trimmed(last) {
		return s // the common case, without allocating a closure
	}
	return strings.TrimFunc(s, trimmed)
}

func trimmed(r rune) bool {
	return unicode.IsSpace(r) || r == '\uFEFF' || r == '\u200B'
}

// headersOf returns the header row: cells trimmed, trailing empty cells
// dropped. It returns EINVALID when a header repeats.
func headersOf(cells []string) ([]string, error) {
	hs := make([]string, len(cells))
	for i, c := range cells {
		hs[i] = trimCell(c)
		if !utf8.ValidString(hs[i]) {
			hs[i] = strings.ToValidUTF8(hs[i], "\uFFFD")
		}
	}
	for len(hs) > 0 && hs[len(hs)-1] == "" {
		hs = hs[:len(hs)-1]
	}
	seen := make(map[string]int, len(hs))
	for i, h := range hs {
		if h == "" {
			continue
		}
		if j, dup := seen[h]; dup {
			return nil, credit.Errorf(credit.EINVALID, "表头“%s”重复（第%d列和第%d列）", h, j+1, i+1)
		}
		seen[h] = i
	}
	return hs, nil
}

// headerScore counts the distinct cells of a row that name a field, tried
// as written and without a required-marker (as Mapper does).
func headerScore(cells []string, isField func(string) bool) int {
	n := 0
	for i, c := range cells {
		c = trimCell(c)
		if c == "" || !isFieldHeader(isField, c) {
			continue
		}
		dup := false
		for _, d := range cells[:i] {
			if trimCell(d) == c {
				dup = true
				break
			}
		}
		if !dup {
			n++
		}
	}
	return n
}

func isFieldHeader(isField func(string) bool, h string) bool {
	if isField(h) {
		return true
	}
	s := withoutRequiredMarker(h)
	return s != h && s != "" && isField(s)
}

// bestHeader returns the index of the row to take as the header: the one
// with the highest headerScore, the first on a tie, or 0 when no row names
// a field.
func bestHeader(rows [][]string, isField func(string) bool) int {
	best, bestScore := 0, 0
	for i, cells := range rows {
		if s := headerScore(cells, isField); s > bestScore {
			best, bestScore = i, s
		}
	}
	return best
}

// headerRows returns the rows [first, last] that make the header, h being
// the row bestHeader chose, and the header's cells. Departments'
// spreadsheets often head a group of columns with one label over
// sub-labels — 法定代表人 over 姓名 | 证件类型 | 证件号码, 行政相对人代码 over
// 统一社会信用代码 | 组织机构代码 — so the row below h (or above it) is taken
// with it when the two read as one header (twoRowCells) that names more
// fields than h alone; read as data, the sub-labels would be a rejected
// row and their columns would be missed.
func headerRows(rows [][]string, h int, isField func(string) bool) (first, last int, header []string) {
	first, last, header = h, h, rows[h]
	best := headerScore(rows[h], isField)
	for _, top := range []int{h, h - 1} {
		if top < 0 || top+1 >= len(rows) {
			continue
		}
		cells, ok := twoRowCells(rows[top], rows[top+1], isField)
		if !ok {
			continue
		}
		if s := headerScore(cells, isField); s > best {
			if _, err := headersOf(cells); err == nil {
				first, last, header, best = top, top+1, cells, s
			}
		}
	}
	return first, last, header
}

// twoRowCells combines a group row and the sub-label row under it into
// one header row. A group label spans the blank cells to its right that
// have a sub-label. A column is named by the first of group+sub-label,
// sub-label and group that names a field (法定代表人+证件号码 →
// 法定代表人证件号码), else by what is written. Under a label that names a
// field by itself the second row must be blank (the label merged down),
// repeat it, or complete it (法定代表人+姓名): anything else there is a
// value, and the rows are a header and its first record (ok false).
func twoRowCells(top, sub []string, isField func(string) bool) (cells []string, ok bool) {
	out := make([]string, max(len(top), len(sub)))
	group := ""
	for i := range out {
		var t, s string
		if i < len(top) {
			t = trimCell(top[i])
		}
		if i < len(sub) {
			s = trimCell(sub[i])
		}
		switch {
		case t != "":
			group = t
		case s == "":
			group = ""
		}
		g := t
		if g == "" {
			g = group
		}
		switch {
		case s == "" || s == t:
			out[i] = t
		case t != "" && isFieldHeader(isField, t):
			if !isFieldHeader(isField, t+s) {
				return nil, false
			}
			out[i] = t + s
		default:
			out[i] = g + s
			for _, c := range []string{g + s, s, g} {
				if c != "" && isFieldHeader(isField, c) {
					out[i] = c
					break
				}
			}
		}
	}
	return out, true
}

// rowBuilder turns the cells of a CSV or XLSX row into a Row.
type rowBuilder struct {
	headers  []string
	maxCell  int
	kind     string // "CSV" or "XLSX"
	colNames bool   // name columns by letter (XLSX) rather than number
}

func (b *rowBuilder) col(i int) string {
	if b.colNames {
		return columnName(i+1) + "列"
	}
	return fmt.Sprintf("第%d列", i+1)
}

// SummaryRow reports whether r is a table's summary line, not a record: at
// most two cells filled, one of them starting 合计, 总计, 小计 or 共计
// (“合计：20条” under the data, as departments' spreadsheets end). Such a
// row is skipped like a blank one rather than rejected as a record missing
// every required field, which would count against the department's 准确率;
// the stored file keeps it.
func SummaryRow(r Row) bool {
	if len(r.Problems) > 0 {
		return false
	}
	filled, summary := 0, false
	for _, v := range r.Values {
		if v == "" {
			continue
		}
		if filled++; filled > 2 {
			return false
		}
		for _, w := range []string{"合计", "总计", "小计", "共计"} {
			if strings.HasPrefix(v, w) {
				summary = true
			}
		}
	}
	return summary
}

// blank reports whether every cell is empty after trimming.
func blank(cells []string) bool {
	for _, c := range cells {
		if trimCell(c) != "" {
			return false
		}
	}
	return true
}

func (b *rowBuilder) build(num int, cells []string) Row {
	row := Row{Num: num, Values: make(map[string]string, len(b.headers))}
	for i, h := range b.headers {
		v := ""
		if i < len(cells) {
			v = trimCell(cells[i])
			if b.kind == "CSV" { // error sheets in CSV neutralise formulas
				v = unquoteFormula(v)
			}
		}
		if h == "" {
			if v != "" {
				row.Problems = append(row.Problems, credit.Problem{
					Row: num, Code: "no_header",
					Message: fmt.Sprintf("第%d行%s没有表头，该列内容未导入", num, b.col(i)),
				})
			}
			continue
		}
		if !utf8.ValidString(v) {
			v = strings.ToValidUTF8(v, "\uFFFD")
			row.Problems = append(row.Problems, credit.Problem{
				Row: num, FieldName: h, Code: "bad_encoding",
				Message: fmt.Sprintf("第%d行%s（%s）含有无法识别的字符，请检查文件编码", num, b.col(i), h),
			})
		}
		if len(v) > b.maxCell {
			row.Problems = append(row.Problems, credit.Problem{
				Row: num, FieldName: h, Code: "cell_too_large",
				Message: fmt.Sprintf("第%d行%s（%s）内容超过%s上限", num, b.col(i), h, formatSize(int64(b.maxCell))),
			})
			v = clipCell(v, b.maxCell)
		}
		row.Values[h] = v
	}
	for i := len(b.headers); i < len(cells); i++ {
		if trimCell(cells[i]) != "" {
			row.Problems = append(row.Problems, credit.Problem{
				Row: num, Code: "column_count",
				Message: fmt.Sprintf("%s第%d行列数与表头不一致：表头有%d列，该行%s有内容，超出部分未导入",
					b.kind, num, len(b.headers), b.col(i)),
			})
			break
		}
	}
	return row
}

// clipCell cuts the value of a cell longer than max bytes for keeping with
// its rejected row: its first max bytes (whole characters) and a note. What
// is kept stays over max, so the row is rejected again if it comes back
// from the error sheet unchanged.
func clipCell(v string, max int) string {
	if len(v) <= max {
		return v
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	note := fmt.Sprintf("…（内容共%d字节，超过%s上限，以下已省略）", len(v), formatSize(int64(max)))
	return v[:cut] + note // a new string: v's memory is not held
}

// columnName returns the spreadsheet name of 1-based column n: A, Z, AA.
func columnName(n int) string {
	var b []byte
	for n > 0 {
		n--
		b = append(b, byte('A'+n%26))
		n /= 26
	}
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}
