package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"jlcredit/internal/credit"
)

// fuzzLimits keep fuzz inputs cheap.
var fuzzLimits = Limits{MaxBytes: 4 << 20, MaxRows: 2000, MaxCellBytes: 1 << 10, MaxXLSXUncompressed: 16 << 20}

// checkReader reads everything and checks what must hold for any input:
// errors are *credit.Error, row numbers increase, text is valid UTF-8 and
// headers do not repeat.
func checkReader(t *testing.T, data []byte, name string) []Row {
	return checkReaderLimits(t, data, name, fuzzLimits)
}

// fuzzTitleLimits look for the header below title rows.
var fuzzTitleLimits = func() Limits {
	l := fuzzLimits
	l.IsField = func(h string) bool { return h == "名称" || h == "代码" || h == "日期" || h == "a" || h == "b" }
	return l
}()

func checkReaderLimits(t *testing.T, data []byte, name string, lim Limits) []Row {
	r, err := Open(bytes.NewReader(data), name, "", lim)
	if err != nil {
		checkErr(t, err)
		return nil
	}
	defer r.Close()
	var rows []Row
	prev := 0
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			checkErr(t, err)
			if _, err2 := r.Next(); err2 == io.EOF {
				t.Fatalf("Next after %v = EOF", err)
			}
			break
		}
		if row.Num <= prev {
			t.Fatalf("row number %d after %d", row.Num, prev)
		}
		prev = row.Num
		for k, v := range row.Values {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				t.Fatalf("row %d: invalid UTF-8 %q: %q", row.Num, k, v)
			}
			if k == "" {
				t.Fatalf("row %d: empty header", row.Num)
			}
		}
		rows = append(rows, row)
	}
	seen := map[string]bool{}
	for _, h := range r.Headers() {
		if h != "" && seen[h] {
			t.Fatalf("header %q repeats", h)
		}
		seen[h] = true
	}
	return rows
}

func checkErr(t *testing.T, err error) {
	t.Helper()
	var ce *credit.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *credit.Error", err, err)
	}
	if ce.Message == "" || !utf8.ValidString(ce.Message) {
		t.Fatalf("error message %q", ce.Message)
	}
}

func FuzzOpenCSV(f *testing.F) {
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String("名称,代码\n吉林,1\n")
	for _, s := range []string{
		"a,b\n1,2\n", "\xEF\xBB\xBF名称,代码\r\n长春,\"9122\"\"01\"\r\n\r\n,\n", gb, "a\tb\n1\t2\n", "sep=;\na;b\n1;2;3\n",
		"a,b\n\"x\ny\",1\n", "a,a\n", "", "\n\n", "a,,b\n1,2,3,4\n", "\xFF\xFEa\x00,\x00b\x00\n\x001\x00",
		// A bare quote opening a cell (bad_quote), and title rows above
		// the header (with fuzzIsField).
		"名称,事实,日期\r\n甲,\"三无\"产品由当事人销售,2026\r\n乙,普通,2026\r\n丙,\"a,b\",2026\r\n",
		"标题,,\r\n填报单位：x,,\r\n名称,代码,日期\r\n甲,\"1\r\n2\",3\r\n乙,\"x,4,5\r\n6,7\",8,9\r\n",
		// UTF-8 with a stray byte in one cell.
		"名称,代码\n长春\xE9市某某商贸有限公司,1\n吉林省某某测试单位,2\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReaderLimits(t, data, "f.csv", fuzzTitleLimits)
		r, err := Open(bytes.NewReader(data), "f.csv", "", fuzzLimits)
		if err != nil {
			checkErr(t, err)
			return
		}
		headers := r.Headers()
		r.Close()
		rows := checkReader(t, data, "f.csv")

		// Rows written to an error sheet read back the same.
		var b bytes.Buffer
		ers := func(yield func(ErrorRow) bool) {
			for _, row := range rows {
				if !yield(ErrorRow{Row: row.Num, Values: row.Values, Messages: []string{"错"}}) {
					return
				}
			}
		}
		if err := WriteErrorsCSV(&b, headers, ers); err != nil {
			t.Fatal(err)
		}
		back, err := Open(bytes.NewReader(b.Bytes()), "e.csv", "", Limits{MaxCellBytes: fuzzLimits.MaxCellBytes})
		if err != nil {
			t.Fatalf("reopen: %v\n%q", err, b.Bytes())
		}
		defer back.Close()
		for _, want := range rows {
			got, err := back.Next()
			if err != nil {
				t.Fatalf("reopen row %d: %v", want.Num, err)
			}
			for h, v := range want.Values {
				if h == HeaderRow || h == HeaderErrors {
					continue
				}
				if g := got.Values[h]; g != strings.ReplaceAll(v, "\r\n", "\n") {
					t.Fatalf("row %d %q: got %q, want %q", want.Num, h, g, v)
				}
			}
		}
	})
}

// FuzzCSVRecords checks the CSV parser against encoding/csv with
// LazyQuotes, the format it reads: they agree on every record up to the
// first one the parser flags bad_quote.
func FuzzCSVRecords(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "a,\"b\nc\"\r\n\n\"x\"\"y\",\n", "5\"寸,\"x\"y\"\n", "a,\"三无\"产品\nb,c\n", "\"a\r\"b\n", ",\n\r\n\r\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		c := &csvReader{src: bufio.NewReader(strings.NewReader(data)), comma: ',', limit: 1 << 20, maxLines: 1 << 20}
		cr := csv.NewReader(strings.NewReader(data))
		cr.LazyQuotes, cr.FieldsPerRecord = true, -1
		for {
			rec, err := c.readRecord(0)
			want, werr := cr.Read()
			if err == io.EOF || werr == io.EOF {
				if err != werr {
					t.Fatalf("end: got %v, want %v", err, werr)
				}
				return
			}
			if err != nil || werr != nil {
				t.Fatalf("got %v, want %v", err, werr)
			}
			if rec.badField >= 0 {
				return
			}
			if !slices.Equal(rec.fields, want) {
				t.Fatalf("got %q, want %q", rec.fields, want)
			}
			if line, _ := cr.FieldPos(0); line != rec.first {
				t.Fatalf("record %q starts on line %d, want %d", want, rec.first, line)
			}
		}
	})
}

// FuzzDecimalText checks that a JSON number in exponent form becomes the
// same number in plain decimal notation.
func FuzzDecimalText(f *testing.F) {
	for _, s := range []string{"1e-06", "1.5E3", "-0.0e+0", "12345678901234567890", "0.1", "1e400", "9.999e-400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) || s == "" || s[0] != '-' && (s[0] < '0' || s[0] > '9') || strings.ContainsAny(s, " \t\r\n") {
			return
		}
		got := decimalText(s)
		if !strings.ContainsAny(s, "eE") {
			if got != s {
				t.Fatalf("decimalText(%q) = %q, want it as written", s, got)
			}
			return
		}
		if got == s {
			return // exponent too large
		}
		if strings.ContainsAny(got, "eE+") || strings.HasPrefix(got, ".") || strings.HasSuffix(got, ".") {
			t.Fatalf("decimalText(%q) = %q", s, got)
		}
		a, ok1 := new(big.Rat).SetString(s)
		b, ok2 := new(big.Rat).SetString(got)
		if !ok1 || !ok2 || a.Cmp(b) != 0 {
			t.Fatalf("decimalText(%q) = %q, a different number", s, got)
		}
	})
}

func FuzzOpenJSON(f *testing.F) {
	for _, s := range []string{
		`[{"a":"1","b":2.50,"c":null,"d":true}]`, `[{"a":{"x":1}},[1],5,{"a":"2","a":"3"}]`, `[{"a":1},{"a":`,
		"\xEF\xBB\xBF[]", `{"a":1}`, `[{"名称":"长春","金额":1e3}] x`, `[{"":1," ":2}]`,
		`[{"CF_NR_FK": 1e-06, "b": -1.5E+3, "c": 1e999}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReader(t, data, "f.json")
	})
}

func fuzzSeedXLSX(f testing.TB) [][]byte {
	var seeds [][]byte
	ex := excelize.NewFile()
	ex.SetSheetRow("Sheet1", "A1", &[]any{"名称", "日期", "金额"})
	ex.SetSheetRow("Sheet1", "A2", &[]any{"长春", 45322, 1.5})
	id, _ := ex.NewStyle(&excelize.Style{NumFmt: 14})
	ex.SetCellStyle("Sheet1", "B2", "B2", id)
	var b bytes.Buffer
	if err := ex.Write(&b); err != nil {
		f.Fatal(err)
	}
	ex.Close()
	seeds = append(seeds, b.Bytes())
	seeds = append(seeds, rawXLSX(f, "", []string{sheetHead +
		`<row><c t="inlineStr"><is><t>a</t></is></c><c t="s"><v>0</v></c></row><row r="3"><c r="B3" s="1"><v>60</v></c></row>` + sheetTail},
		map[string]string{
			"xl/sharedStrings.xml": `<sst><si><t>b_x000D_</t><rPh><t>x</t></rPh></si></sst>`,
			"xl/styles.xml":        `<styleSheet><numFmts><numFmt numFmtId="170" formatCode="yyyy/m/d"/></numFmts><cellXfs><xf/><xf numFmtId="170"/></cellXfs></styleSheet>`,
		}))
	return seeds
}

func FuzzOpenXLSX(f *testing.F) {
	for _, s := range fuzzSeedXLSX(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReader(t, data, "f.xlsx")
	})
}

// FuzzXLSXParts fuzzes the XML inside a well-formed archive, which the
// byte-level fuzzer seldom reaches past the zip checksums.
func FuzzXLSXParts(f *testing.F) {
	f.Add(`<row><c t="inlineStr"><is><t>a</t></is></c><c t="s"><v>0</v></c></row><row r="3"><c r="B3" s="1"><v>60</v></c></row>`,
		`<sst><si><t>b</t></si></sst>`,
		`<styleSheet><numFmts><numFmt numFmtId="170" formatCode="yyyy/m/d"/></numFmts><cellXfs><xf/><xf numFmtId="170"/></cellXfs></styleSheet>`)
	f.Add(`<row r="1"><c r="A1" t="str"><v>x</v></c><c r="C1" t="b"><v>1</v></c></row><row><c t="d"><v>2024-01-31</v></c><c t="e"><v>#REF!</v></c></row>`,
		`<sst/>`, `<styleSheet/>`)
	// A merged range, which follows the cells, and a code Excel cut to 15 digits.
	f.Add(`<row r="1"><c t="s"><v>0</v></c><c t="inlineStr"><is><t>b</t></is></c></row><row r="2"><c t="inlineStr"><is><t>x</t></is></c><c><v>2.20102198501029E+17</v></c></row>`+
		`<row r="3"><c r="B3"><v>1</v></c></row></sheetData><mergeCells><mergeCell ref="A2:A4"/><mergeCell ref="B2:B3"/></mergeCells><sheetData>`,
		`<sst><si><t>a</t></si></sst>`, `<styleSheet/>`)
	f.Fuzz(func(t *testing.T, sheet, sst, styles string) {
		data := rawXLSX(t, `<workbookPr date1904="0"/>`, []string{sheetHead + sheet + sheetTail},
			map[string]string{"xl/sharedStrings.xml": sst, "xl/styles.xml": styles})
		checkReader(t, data, "f.xlsx")
	})
}
