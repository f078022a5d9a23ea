package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"jlcredit/internal/credit"
)

// csvReader reads a CSV file record by record with encoding/csv.
type csvReader struct {
	cr      *csv.Reader
	guard   *recordGuard
	b       rowBuilder
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
	g := &recordGuard{r: text, limit: lim.recordLimit(), what: "CSV"}
	cr := csv.NewReader(g)
	cr.Comma = comma
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	c := &csvReader{
		cr: cr, guard: g, maxRows: lim.MaxRows,
		b: rowBuilder{maxCell: lim.MaxCellBytes, kind: "CSV"},
	}
	for {
		rec, _, err := c.read()
		if err == io.EOF {
			return nil, errEmpty()
		}
		if err != nil {
			return nil, err
		}
		if blank(rec) {
			continue
		}
		hs, err := headersOf(rec)
		if err != nil {
			return nil, err
		}
		c.b.headers = hs
		return c, nil
	}
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
		// A printable ASCII character or a tab; anything else is no delimiter
		// encoding/csv accepts, and the line is taken as a header.
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

// read returns the next record, blank or not, with its row number. encoding/csv
// skips empty lines; they are rows to a person, so they are counted from the
// line numbers.
func (c *csvReader) read() ([]string, int, error) {
	if c.err != nil {
		return nil, 0, c.err
	}
	c.guard.mark(c.lastRow + 1)
	rec, err := c.cr.Read()
	if err != nil {
		if err != io.EOF {
			err = csvError(err, c.lastRow+1)
		}
		c.err = err
		return nil, 0, err
	}
	line, _ := c.cr.FieldPos(0)
	num := c.lastRow + line - c.endLine
	if num <= c.lastRow {
		num = c.lastRow + 1
	}
	newlines := 0
	for _, f := range rec {
		newlines += strings.Count(f, "\n")
	}
	c.lastRow, c.endLine = num, line+newlines
	return rec, num, nil
}

func csvError(err error, num int) error {
	var ce *credit.Error
	if errors.As(err, &ce) {
		return ce
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return credit.Errorf(credit.EINVALID, "CSV格式错误：第%d行附近无法解析", num)
	}
	return readError(err)
}

func (c *csvReader) Headers() []string { return c.b.headers }

func (c *csvReader) Next() (Row, error) {
	for {
		rec, num, err := c.read()
		if err != nil {
			return Row{}, err
		}
		if blank(rec) {
			continue
		}
		if c.rows >= c.maxRows {
			c.err = errTooManyRows(c.maxRows)
			return Row{}, c.err
		}
		c.rows++
		return c.b.build(num, rec), nil
	}
}

func (c *csvReader) Close() error { return nil }
