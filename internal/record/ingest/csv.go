package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"jlcredit/internal/credit"
)

// The CSV reader parses records itself rather than with encoding/csv, for
// one reason: a cell that starts with a bare quote, such as
//
//	"三无"产品由当事人销售,…
//
// opens a quoted field that, by the CSV rules, runs on over the following
// lines until some later quote happens to close it. encoding/csv (with
// LazyQuotes) silently joins those lines into the cell, and without
// LazyQuotes fails the whole file; neither can go back to the line where
// the quote was opened. This parser reads the same format encoding/csv
// with LazyQuotes reads (RFC 4180 plus bare quotes inside unquoted cells
// and inside a quoted cell on one line), keeps the lines a quoted cell
// spans, and when the quote is clearly unbalanced it reads the line where
// it opened on its own, flags that row bad_quote, and goes on at the next
// line.
//
// A quoted cell that goes on past its line is unbalanced when
//   - it holds a bare quote (one not doubled and not followed by the
//     delimiter or the end of the line), which a CSV writer never writes;
//   - the file ends inside it;
//   - it spans more than the record limit (bytes or lines);
//   - or, once the header is known, a line inside the cell holds as many
//     delimiters as a whole record, and the record's field count differs
//     from the header's or the table has minWideRecord columns or more.
//
// Each line is scanned as part of a quoted cell at most about twice, so the
// reader stays linear whatever the quotes.

// minWideRecord is the width from which a line inside a quoted cell that
// holds a whole record's delimiters is taken for a swallowed record even
// when the field count comes out right.
const minWideRecord = 6

// csvLine is one physical line of the text.
type csvLine struct {
	num  int    // 1-based, counted after a "sep=" line
	text string // without "\n" or "\r\n"
}

// csvRecord is one parsed record.
type csvRecord struct {
	fields      []string
	first, last int // physical lines
	badField    int // the field whose quote is unbalanced, or -1
}

// csvReader reads a CSV file record by record.
type csvReader struct {
	src      *bufio.Reader // decoded text
	comma    byte
	limit    int64 // most bytes one record may span
	maxLines int   // most lines one record may span
	line     int   // physical lines read from src
	srcErr   error // sticky error of src, io.EOF at the end; after back
	back     []csvLine
	lineBuf  []byte
	fields   []string // reused between records
	qbuf     []byte   // the quoted field being read

	// While looking for the header, the lines read are logged so that the
	// rows after the header can be read again knowing its width.
	logging  bool
	log      []csvLine
	logBytes int64

	b       rowBuilder
	width   int // fields of the header record
	maxRows int
	rows    int   // data rows returned
	lastRow int   // row number of the previous record, as a person counts
	endLine int   // last physical line of the previous record
	err     error // sticky
}

func newCSVReader(br *bufio.Reader, lim Limits) (Reader, error) {
	text := bufio.NewReaderSize(decodeText(br), 64<<10)
	comma, err := detectDelimiter(text)
	if err != nil {
		return nil, readError(err)
	}
	c := &csvReader{
		src: text, comma: byte(comma), limit: lim.recordLimit(), maxRows: lim.MaxRows,
		b: rowBuilder{maxCell: lim.MaxCellBytes, kind: "CSV"},
	}
	c.maxLines = int(max(1024, c.limit/64))
	if lim.IsField != nil {
		return c.searchHeader(lim.IsField)
	}
	for {
		rec, err := c.readRecord(0)
		if err == io.EOF {
			return nil, errEmpty()
		}
		if err != nil {
			return nil, err
		}
		c.advance(rec)
		if blank(rec.fields) {
			continue
		}
		return c, c.setHeader(rec.fields)
	}
}

func (c *csvReader) setHeader(fields []string) error {
	hs, err := headersOf(fields)
	if err != nil {
		return err
	}
	c.b.headers = hs
	c.width = len(fields)
	return nil
}

// searchHeader takes as the header the best of the first HeaderSearchRows
// non-blank records (bestHeader), with the row of sub-labels that goes with
// it (headerRows), and rewinds to the line after it.
func (c *csvReader) searchHeader(isField func(string) bool) (Reader, error) {
	type candidate struct {
		fields           []string
		num, end, logLen int
	}
	var cands []candidate
	c.logging = true
	for len(cands) < HeaderSearchRows && c.logBytes <= c.limit {
		rec, err := c.readRecord(0)
		if err != nil {
			if len(cands) == 0 {
				if err == io.EOF {
					return nil, errEmpty()
				}
				return nil, err
			}
			break // the rows before the error are read again, then the error
		}
		num := c.advance(rec)
		if blank(rec.fields) {
			continue
		}
		cands = append(cands, candidate{slices.Clone(rec.fields), num, c.endLine, len(c.log)})
	}
	rows := make([][]string, len(cands))
	for i, cd := range cands {
		rows[i] = cd.fields
	}
	_, last, header := headerRows(rows, bestHeader(rows, isField), isField)
	h := cands[last]
	c.back = append(slices.Clone(c.log[h.logLen:]), c.back...)
	c.logging, c.log, c.logBytes = false, nil, 0
	c.lastRow, c.endLine = h.num, h.end
	return c, c.setHeader(header)
}

// detectDelimiter picks the delimiter from the first non-blank line: a
// comma, or else a tab, or else a semicolon. A first line "sep=;" (which
// Excel writes and hides) names the delimiter and is skipped.
func detectDelimiter(text *bufio.Reader) (rune, error) {
	buf, err := text.Peek(64 << 10)
	if err != nil && err != io.EOF {
		// bufio hands an error out once; keep it rather than lose it.
		return 0, err
	}
	first, _, _ := bytes.Cut(buf, []byte("\n"))
	if line := bytes.TrimRight(first, "\r"); len(line) == 5 && bytes.HasPrefix(bytes.ToLower(line), []byte("sep=")) {
		// A printable ASCII character or a tab; anything else is taken as
		// a header. (The delimiter must be one byte, and not a quote.)
		if sep := rune(line[4]); sep == '\t' || sep > ' ' && sep < 0x7F && sep != '"' {
			if len(first) < len(buf) {
				text.Discard(len(first) + 1)
			} else {
				text.Discard(len(first))
			}
			return sep, nil
		}
	}
	for rest := buf; len(rest) > 0; {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		switch {
		case bytes.IndexByte(line, ',') >= 0:
			return ',', nil
		case bytes.IndexByte(line, '\t') >= 0:
			return '\t', nil
		case bytes.IndexByte(line, ';') >= 0:
			return ';', nil
		}
		return ',', nil
	}
	return ',', nil
}

// nextLine returns the next physical line: lines put back first, then the
// text. Errors of the text stick, after the lines put back.
func (c *csvReader) nextLine() (csvLine, error) {
	var l csvLine
	if len(c.back) > 0 {
		l, c.back = c.back[0], c.back[1:]
		if len(c.back) == 0 {
			c.back = nil // let the array go
		}
	} else {
		if c.srcErr != nil {
			return csvLine{}, c.srcErr
		}
		text, err := c.readLine()
		if err != nil {
			c.srcErr = err
			return csvLine{}, err
		}
		c.line++
		l = csvLine{num: c.line, text: text}
	}
	if c.logging {
		c.log = append(c.log, l)
		c.logBytes += int64(len(l.text)) + 1
	}
	return l, nil
}

// readLine reads one line of the text without its line ending.
func (c *csvReader) readLine() (string, error) {
	buf := c.lineBuf[:0]
	for {
		frag, err := c.src.ReadSlice('\n')
		if err == nil && len(buf) == 0 {
			buf = frag // the common case: no copy
		} else {
			buf = append(buf, frag...)
			c.lineBuf = buf[:0]
		}
		if int64(len(buf)) > c.limit {
			c.lineBuf = nil
			return "", credit.Errorf(credit.EINVALID, "CSV第%d行附近内容超过%s，文件可能已损坏（例如没有换行或引号不配对），请检查后重新上传",
				c.lastRow+1, formatSize(c.limit))
		}
		switch err {
		case nil:
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			if len(buf) == 0 {
				return "", io.EOF
			}
			c.srcErr = io.EOF // the next read
		default:
			return "", readError(err)
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		if cap(c.lineBuf) > 64<<10 {
			c.lineBuf = nil
		}
		return string(buf), nil
	}
}

// unread puts lines back to be read again, before any put back earlier.
func (c *csvReader) unread(lines []csvLine) {
	if len(lines) == 0 {
		return
	}
	c.back = append(slices.Clone(lines), c.back...)
	if c.logging {
		c.log = c.log[:len(c.log)-len(lines)]
		for _, l := range lines {
			c.logBytes -= int64(len(l.text)) + 1
		}
	}
}

// readRecord reads the next record, skipping empty lines. width is the
// number of fields of the header record, 0 while it is not known.
func (c *csvReader) readRecord(width int) (csvRecord, error) {
	var l csvLine
	for {
		var err error
		if l, err = c.nextLine(); err != nil {
			return csvRecord{}, err
		}
		if l.text != "" {
			break
		}
	}
	rec := csvRecord{first: l.num, last: l.num, badField: -1}
	fields := c.fields[:0]
	var cont []csvLine // lines after the first
	size := int64(len(l.text))
	text, i := l.text, 0
	inQuote := false
	stray := false   // the open quoted field holds a bare quote
	spans := false   // the open quoted field went past a line
	spanned := false // some quoted field went past a line
	recordLike := false
	bad := false
parse:
	for {
		if !inQuote {
			if i < len(text) && text[i] == '"' {
				inQuote, stray, spans = true, false, false
				c.qbuf = c.qbuf[:0]
				i++
			} else {
				j := strings.IndexByte(text[i:], c.comma)
				if j < 0 {
					fields = append(fields, text[i:])
					break parse
				}
				fields = append(fields, text[i:i+j])
				i += j + 1
				continue
			}
		}
		j := strings.IndexByte(text[i:], '"')
		if j < 0 {
			// The quoted field goes on past the end of the line.
			if stray {
				bad = true
				break parse
			}
			c.qbuf = append(c.qbuf, text[i:]...)
			next, err := c.nextLine()
			if err == io.EOF {
				bad = true
				break parse
			}
			if err != nil {
				return csvRecord{}, err
			}
			cont = append(cont, next)
			size += int64(len(next.text)) + 1
			if size > c.limit || len(cont) > c.maxLines {
				bad = true
				break parse
			}
			if width > 1 && strings.Count(next.text, string(c.comma)) >= width-1 {
				recordLike = true
			}
			c.qbuf = append(c.qbuf, '\n')
			text, i = next.text, 0
			spans, spanned = true, true
			rec.last = next.num
			continue
		}
		c.qbuf = append(c.qbuf, text[i:i+j]...)
		i += j + 1
		switch {
		case i < len(text) && text[i] == '"': // ""
			c.qbuf = append(c.qbuf, '"')
			i++
		case i == len(text) || text[i] == c.comma: // the closing quote
			if spans && stray {
				bad = true
				break parse
			}
			fields = append(fields, string(c.qbuf))
			inQuote = false
			if i == len(text) {
				break parse
			}
			i++
		default: // a bare quote, kept
			c.qbuf = append(c.qbuf, '"')
			stray = true
		}
	}
	if spanned && width > 1 && recordLike && (len(fields) != width || width >= minWideRecord) {
		// A line inside the cell that holds as many delimiters as a whole
		// record is a record the quote swallowed: when the field count is
		// off, and in a wide table (a 双公示 file has 15 or more columns)
		// even when the fields after the closing quote happen to make up
		// the header's width (a bare quote opening one row's cell, another
		// closing a later row's). Text with that many commas on one line
		// is implausible in a cell of a wide table, not in a narrow one.
		bad = true
	}
	if !bad {
		c.fields = fields
		rec.fields = fields
		return rec, nil
	}
	// Read the first line on its own and the others again as records.
	c.unread(cont)
	rec.last = rec.first
	rec.fields, rec.badField = c.literal(l.text)
	return rec, nil
}

// literal parses one line on its own: a quoted field that does not close on
// the line is read as written, from its quote to the next delimiter. It
// returns the fields and the index of the first such field.
func (c *csvReader) literal(text string) ([]string, int) {
	fields := c.fields[:0]
	bad := -1
	i := 0
	for {
		if i < len(text) && text[i] == '"' {
			buf := c.qbuf[:0]
			k := i + 1
			closed := false
			for {
				j := strings.IndexByte(text[k:], '"')
				if j < 0 {
					break
				}
				buf = append(buf, text[k:k+j]...)
				k += j + 1
				if k < len(text) && text[k] == '"' {
					buf = append(buf, '"')
					k++
					continue
				}
				if k == len(text) || text[k] == c.comma {
					closed = true
					break
				}
				buf = append(buf, '"')
			}
			c.qbuf = buf
			if closed {
				fields = append(fields, string(buf))
				if k == len(text) {
					break
				}
				i = k + 1
				continue
			}
			if bad < 0 {
				bad = len(fields)
			}
			// Read as an unquoted field, quote included.
		}
		j := strings.IndexByte(text[i:], c.comma)
		if j < 0 {
			fields = append(fields, text[i:])
			break
		}
		fields = append(fields, text[i:i+j])
		i += j + 1
	}
	c.fields = fields
	return fields, bad
}

// advance returns the row number of rec, as a person counts rows: one per
// record, and one per empty line (which are skipped).
func (c *csvReader) advance(rec csvRecord) int {
	num := c.lastRow + rec.first - c.endLine
	if num <= c.lastRow {
		num = c.lastRow + 1
	}
	c.lastRow, c.endLine = num, rec.last
	return num
}

func (c *csvReader) Headers() []string { return c.b.headers }

func (c *csvReader) Next() (Row, error) {
	if c.err != nil {
		return Row{}, c.err
	}
	for {
		rec, err := c.readRecord(c.width)
		if err != nil {
			c.err = err
			return Row{}, err
		}
		num := c.advance(rec)
		if blank(rec.fields) {
			continue
		}
		if c.rows >= c.maxRows {
			c.err = errTooManyRows(c.maxRows)
			return Row{}, c.err
		}
		c.rows++
		row := c.b.build(num, rec.fields)
		if rec.badField >= 0 {
			row.Problems = append(row.Problems, c.badQuote(num, rec.badField))
		}
		return row, nil
	}
}

// badQuote is the problem of a row whose field i opened a quote it never
// closed.
func (c *csvReader) badQuote(num, i int) credit.Problem {
	p := credit.Problem{Row: num, Code: "bad_quote"}
	where := c.b.col(i)
	if i < len(c.b.headers) && c.b.headers[i] != "" {
		p.FieldName = c.b.headers[i]
		where = fmt.Sprintf("“%s”（%s）", p.FieldName, where)
	}
	p.Message = fmt.Sprintf("第%d行%s：引号不配对。该单元格以英文双引号（\"）开头，却没有与之配对的结束引号，按CSV的规则后面的行会被并入这个单元格；"+
		"本行已按原样读取，后面的行照常读取。请把单元格中的每个英文双引号写成两个（\"\"），或删去引号（也可改用中文引号“”），再重新报送本行", num, where)
	return p
}

func (c *csvReader) Close() error { return nil }
