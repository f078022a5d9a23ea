package ingest

import (
	"bytes"
	"errors"
	"io"
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
	r, err := Open(bytes.NewReader(data), name, "", fuzzLimits)
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
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
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

func FuzzOpenJSON(f *testing.F) {
	for _, s := range []string{
		`[{"a":"1","b":2.50,"c":null,"d":true}]`, `[{"a":{"x":1}},[1],5,{"a":"2","a":"3"}]`, `[{"a":1},{"a":`,
		"\xEF\xBB\xBF[]", `{"a":1}`, `[{"名称":"长春","金额":1e3}] x`, `[{"":1," ":2}]`,
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
	f.Fuzz(func(t *testing.T, sheet, sst, styles string) {
		data := rawXLSX(t, `<workbookPr date1904="0"/>`, []string{sheetHead + sheet + sheetTail},
			map[string]string{"xl/sharedStrings.xml": sst, "xl/styles.xml": styles})
		checkReader(t, data, "f.xlsx")
	})
}
