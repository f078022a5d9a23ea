package ingest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"jlcredit/internal/credit"
)

// readAll opens data and reads every row. It returns the rows read before
// any error.
func readAll(t testing.TB, data []byte, name, format string, lim Limits) ([]string, []Row, error) {
	t.Helper()
	r, err := Open(bytes.NewReader(data), name, format, lim)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	return drain(r)
}

func drain(r Reader) ([]string, []Row, error) {
	var rows []Row
	for {
		row, err := r.Next()
		if err == io.EOF {
			return r.Headers(), rows, nil
		}
		if err != nil {
			return r.Headers(), rows, err
		}
		rows = append(rows, row)
	}
}

// csvBytes writes records with encoding/csv and encodes the text with enc
// (nil for UTF-8).
func csvBytes(t testing.TB, enc encoding.Encoding, records ...[]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(records); err != nil {
		t.Fatal(err)
	}
	if enc == nil {
		return b.Bytes()
	}
	out, err := enc.NewEncoder().Bytes(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// vals builds a Values map from header/value pairs.
func vals(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// wantCode checks that err is a *credit.Error with code and a message that
// contains msg.
func wantCode(t testing.TB, err error, code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %s %q", code, msg)
	}
	var ce *credit.Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v (%T), want *credit.Error", err, err)
	}
	if ce.Code != code || !strings.Contains(ce.Message, msg) {
		t.Fatalf("err = %s %q, want %s containing %q", ce.Code, ce.Message, code, msg)
	}
}

func problemCodes(r Row) []string {
	var cs []string
	for _, p := range r.Problems {
		cs = append(cs, p.Code)
	}
	return cs
}

func TestCSV(t *testing.T) {
	utf16 := func(s string) []byte {
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cn := [][]string{
		{"行政相对人名称", "统一社会信用代码", "处罚决定日期"},
		{"长春市某某商贸有限公司", "91220101MA0000000X", "2024-01-31"},
	}
	cnRow := Row{Num: 2, Values: vals("行政相对人名称", "长春市某某商贸有限公司", "统一社会信用代码", "91220101MA0000000X", "处罚决定日期", "2024-01-31")}
	for _, test := range []struct {
		name    string
		data    []byte
		headers []string
		rows    []Row
	}{
		{
			name:    "UTF8",
			data:    csvBytes(t, nil, cn...),
			headers: cn[0], rows: []Row{cnRow},
		},
		{
			name:    "UTF8BOM",
			data:    append([]byte("\xEF\xBB\xBF"), csvBytes(t, nil, cn...)...),
			headers: cn[0], rows: []Row{cnRow},
		},
		{
			name:    "GB18030",
			data:    csvBytes(t, simplifiedchinese.GB18030, cn...),
			headers: cn[0], rows: []Row{cnRow},
		},
		{
			name:    "GBK",
			data:    csvBytes(t, simplifiedchinese.GBK, cn...),
			headers: cn[0], rows: []Row{cnRow},
		},
		{
			name:    "UTF16Tabs",
			data:    utf16("行政相对人名称\t统一社会信用代码\t处罚决定日期\r\n长春市某某商贸有限公司\t91220101MA0000000X\t2024-01-31\r\n"),
			headers: cn[0], rows: []Row{cnRow},
		},
		{
			name:    "Semicolon",
			data:    []byte("a;b\n1;2\n"),
			headers: []string{"a", "b"},
			rows:    []Row{{Num: 2, Values: vals("a", "1", "b", "2")}},
		},
		{
			name:    "SepLine",
			data:    []byte("sep=|\na|b,c\n1|2,3\n"),
			headers: []string{"a", "b,c"},
			rows:    []Row{{Num: 2, Values: vals("a", "1", "b,c", "2,3")}},
		},
		{
			name:    "CommaWinsOverSemicolon",
			data:    []byte("a;x,b\n1;y,2\n"),
			headers: []string{"a;x", "b"},
			rows:    []Row{{Num: 2, Values: vals("a;x", "1;y", "b", "2")}},
		},
		{
			name:    "Trimmed",
			data:    []byte(" a ,\u3000b\u3000\n  1 ,\t2\t\n"),
			headers: []string{"a", "b"},
			rows:    []Row{{Num: 2, Values: vals("a", "1", "b", "2")}},
		},
		{
			name:    "EmptyTrailingCells",
			data:    []byte("a,b,c\r\n1\r\n4,5\r\n6,7,8,,\r\n"),
			headers: []string{"a", "b", "c"},
			rows: []Row{
				{Num: 2, Values: vals("a", "1", "b", "", "c", "")},
				{Num: 3, Values: vals("a", "4", "b", "5", "c", "")},
				{Num: 4, Values: vals("a", "6", "b", "7", "c", "8")},
			},
		},
		{
			name:    "TrailingEmptyHeaders",
			data:    []byte("a,b,,\n1,2,,\n"),
			headers: []string{"a", "b"},
			rows:    []Row{{Num: 2, Values: vals("a", "1", "b", "2")}},
		},
		{
			name:    "BlankRowsKeepNumbers",
			data:    []byte("\n\na,b\n1,2\n\n,\n \t, \n3,4\n\n"),
			headers: []string{"a", "b"},
			rows: []Row{
				{Num: 4, Values: vals("a", "1", "b", "2")},
				{Num: 8, Values: vals("a", "3", "b", "4")},
			},
		},
		{
			name:    "MultilineCell",
			data:    []byte("a,b\n\"line1\nline2\r\nline3\",1\n\n2,3\n"),
			headers: []string{"a", "b"},
			rows: []Row{
				{Num: 2, Values: vals("a", "line1\nline2\nline3", "b", "1")},
				{Num: 4, Values: vals("a", "2", "b", "3")},
			},
		},
		{
			name:    "LazyQuotes",
			data:    []byte("a,b\n5\"寸,\"x\"y\"\n"),
			headers: []string{"a", "b"},
			rows:    []Row{{Num: 2, Values: vals("a", "5\"寸", "b", "x\"y")}},
		},
		{
			name:    "HeaderOnly",
			data:    []byte("a,b\n"),
			headers: []string{"a", "b"},
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			headers, rows, err := readAll(t, test.data, "data.csv", "", Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(test.headers, headers); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(test.rows, rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCSVProblems(t *testing.T) {
	for _, test := range []struct {
		name  string
		data  string
		lim   Limits
		codes [][]string // per row
		msg   string     // in the first problem
	}{
		{"ExtraCells", "a,b\n1,2,3\n4,5,,\n", Limits{}, [][]string{{"column_count"}, nil}, "CSV第2行列数与表头不一致"},
		{"NoHeader", "a,,c\n1,2,3\n", Limits{}, [][]string{{"no_header"}}, "第2行第2列没有表头"},
		{"CellTooLarge", "a,b\n" + strings.Repeat("x", 11) + ",1\n", Limits{MaxCellBytes: 10}, [][]string{{"cell_too_large"}}, "第2行第1列（a）内容超过10字节上限"},
		{"CellTooLarge32K", "a,b\n" + strings.Repeat("x", 33<<10) + ",1\n", Limits{}, [][]string{{"cell_too_large"}}, "内容超过32KB上限"},
		{"BadUTF8AfterASCII", "a,b\n1,2\n" + strings.Repeat("3,4\n", 20000) + "\xff\xfe,5\n", Limits{}, nil, ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, rows, err := readAll(t, []byte(test.data), "x.csv", "", test.lim)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range test.codes {
				if diff := cmp.Diff(want, problemCodes(rows[i])); diff != "" {
					t.Errorf("row %d problems (-want +got):\n%s", i, diff)
				}
			}
			if test.msg != "" && !strings.Contains(rows[0].Problems[0].Message, test.msg) {
				t.Errorf("message = %q, want it to contain %q", rows[0].Problems[0].Message, test.msg)
			}
		})
	}
}

// A file that is ASCII for more than the 64 KiB sniff and GBK after it is
// still decoded as GBK.
func TestCSVLateGBK(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("name,code\n")
	for b.Len() < 100<<10 {
		b.WriteString("abc,123\n")
	}
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("吉林省,456\n")
	b.WriteString(gbk)
	_, rows, err := readAll(t, b.Bytes(), "x.csv", "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	last := rows[len(rows)-1]
	if got, want := last.Values["name"], "吉林省"; got != want {
		t.Errorf("name = %q, want %q", got, want)
	}
	if got, want := last.Num, len(rows)+1; got != want {
		t.Errorf("Num = %d, want %d", got, want)
	}
}

func TestCSVErrors(t *testing.T) {
	for _, test := range []struct {
		name      string
		data      string
		lim       Limits
		openErr   bool
		code, msg string
		rows      int // read before the error
	}{
		{name: "Empty", data: "", openErr: true, code: credit.EINVALID, msg: "文件为空"},
		{name: "OnlyBOM", data: "\xEF\xBB\xBF", openErr: true, code: credit.EINVALID, msg: "文件为空"},
		{name: "OnlyBlankLines", data: "\n\r\n  \n", openErr: true, code: credit.EINVALID, msg: "文件为空"},
		{name: "OnlyCommas", data: ",,,\n,,\n", openErr: true, code: credit.EINVALID, msg: "文件为空"},
		{name: "DuplicateHeader", data: "名称,代码, 名称 \n1,2,3\n", openErr: true, code: credit.EINVALID, msg: "表头“名称”重复"},
		{name: "TooManyRows", data: "a\n1\n\n2\n3\n", lim: Limits{MaxRows: 2}, code: credit.ETOOLARGE, msg: "文件超过2行上限", rows: 2},
		{name: "TooManyBytesAtOpen", data: "a\n" + strings.Repeat("1\n", 1000), lim: Limits{MaxBytes: 1000}, openErr: true, code: credit.ETOOLARGE, msg: "文件大小超过1000字节上限"},
		{name: "TooManyBytes", data: "a\n" + strings.Repeat("1\n", 100000), lim: Limits{MaxBytes: 100 << 10}, code: credit.ETOOLARGE, msg: "文件大小超过100KB上限", rows: 51199},
		{name: "LineTooLong", data: "a,b\n1,2\n" + strings.Repeat("x", 1<<20+1) + "\n3,4\n", lim: Limits{MaxCellBytes: 1024}, code: credit.EINVALID, msg: "CSV第3行附近内容超过1MB", rows: 1},
	} {
		t.Run(test.name, func(t *testing.T) {
			r, err := Open(strings.NewReader(test.data), "x.csv", "", test.lim)
			if test.openErr {
				wantCode(t, err, test.code, test.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, rows, err := drain(r)
			wantCode(t, err, test.code, test.msg)
			if len(rows) != test.rows {
				t.Errorf("read %d rows before the error, want %d", len(rows), test.rows)
			}
			// The error sticks.
			if _, err2 := r.Next(); err2 != err {
				t.Errorf("second Next = %v, want %v", err2, err)
			}
		})
	}
}

func TestOpenFormat(t *testing.T) {
	for _, test := range []struct {
		name, file, format string
		data               []byte
		code, msg          string // error, if any
		headers            []string
	}{
		{name: "ExtensionUpper", file: "DATA.CSV", data: []byte("a,b\n"), headers: []string{"a", "b"}},
		{name: "FormatWins", file: "data.txt", format: "JSON", data: []byte(`[{"a":1}]`), headers: []string{"a"}},
		{name: "UnknownExtJSON", file: "data", data: []byte(" \n[{\"a\":1}]"), headers: []string{"a"}},
		{name: "UnknownExtText", file: "data.dat", data: []byte("a,b\n1,2\n"), headers: []string{"a", "b"}},
		{name: "UnknownExtBinary", file: "data.bin", data: []byte("\x00\x01\x02abc"), code: credit.EINVALID, msg: "无法识别的文件格式"},
		{name: "HTML", file: "data.xls", data: []byte("<html><table>"), code: credit.EINVALID, msg: "无法识别的文件格式"},
		{name: "BinaryNamedCSV", file: "a.csv", data: []byte("%PDF-1.7\n\x00\x01\xe2\xe3\xcf\xd3"), code: credit.EINVALID, msg: "文件“a.csv”不是文本格式的CSV"},
		{name: "GzipNamedCSV", file: "b.csv", data: []byte("\x1f\x8b\x08\x00\x00\x00"), code: credit.EINVALID, msg: "不是文本格式的CSV"},
		{name: "RandomNamedCSV", file: "c.csv", data: []byte("\x13\x02abc\x00\x05\x06de\x01\x7f\x03"), code: credit.EINVALID, msg: "不是文本格式的CSV"},
		{name: "StrayNUL", file: "d.csv", data: []byte("a,b\n1,该公司未按规定期限公示年度报告\x00，责令改正\n"), headers: []string{"a", "b"}},
		{name: "BadFormat", file: "a.csv", format: "pdf", data: []byte("a"), code: credit.EINVALID, msg: "无法识别的文件格式“pdf”"},
		{name: "OLE", file: "a.xls", data: append(oleMagic, make([]byte, 100)...), code: credit.EINVALID, msg: "旧版Excel（.xls）"},
		{name: "XLSXNotZip", file: "a.xlsx", data: []byte("a,b\n1,2\n"), code: credit.EINVALID, msg: "XLSX文件损坏或不是有效的Excel文件"},
		{name: "XLSXTruncated", file: "a.xlsx", data: []byte("PK\x03\x04garbage"), code: credit.EINVALID, msg: "XLSX文件损坏或不是有效的Excel文件"},
	} {
		t.Run(test.name, func(t *testing.T) {
			headers, _, err := readAll(t, test.data, test.file, test.format, Limits{})
			if test.code != "" {
				wantCode(t, err, test.code, test.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(test.headers, headers); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
		})
	}
}

// errAfter fails with err after returning data.
type errAfter struct {
	data []byte
	err  error
}

func (r *errAfter) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// An I/O error of the source is an internal error, never a short file.
func TestCSVReadError(t *testing.T) {
	boom := errors.New("boom")
	data := "a,b\n" + strings.Repeat("1,2\n", 50000)
	r, err := Open(&errAfter{data: []byte(data), err: boom}, "x.csv", "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	_, rows, err := drain(r)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v after %d rows, want boom", err, len(rows))
	}
	if credit.ErrorCode(err) != credit.EINTERNAL {
		t.Errorf("code = %s, want internal", credit.ErrorCode(err))
	}
}

// isPenaltyField is a Limits.IsField over penaltyMatch.
func isPenaltyField(h string) bool {
	_, ok := penaltyMatch(h)
	return ok
}

// Department exports put a title, and often a line naming who filled it
// in, above the header. With IsField the reader finds the header below
// them; rows keep the numbers they have in the file.
func TestCSVHeaderSearch(t *testing.T) {
	data := csvBytes(t, simplifiedchinese.GB18030,
		[]string{"行政处罚信息公示表", "", "", ""},
		[]string{"填报单位：长春市市场监督管理局", "", "填报日期：2026-11-25", ""},
		[]string{"", "", "", ""},
		[]string{"行政相对人名称", "统一社会信用代码*", "处罚决定日期", "备注"},
		[]string{"甲公司", "91220101MA0000000X", "2026-11-20", "统一社会信用代码"}, // a cell that names a field
		[]string{"乙公司", "91220101MA0000001X", "2026-11-21", "第一行\n第二行"},
		[]string{"丙公司", "", "2026-11-22", "", "多余"},
	)
	lim := Limits{IsField: isPenaltyField}
	headers, rows, err := readAll(t, data, "p.csv", "", lim)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"行政相对人名称", "统一社会信用代码*", "处罚决定日期", "备注"}, headers); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	want := []Row{
		{Num: 5, Values: vals("行政相对人名称", "甲公司", "统一社会信用代码*", "91220101MA0000000X", "处罚决定日期", "2026-11-20", "备注", "统一社会信用代码")},
		{Num: 6, Values: vals("行政相对人名称", "乙公司", "统一社会信用代码*", "91220101MA0000001X", "处罚决定日期", "2026-11-21", "备注", "第一行\n第二行")},
		{Num: 7, Values: vals("行政相对人名称", "丙公司", "统一社会信用代码*", "", "处罚决定日期", "2026-11-22", "备注", ""), Problems: []credit.Problem{
			{Row: 7, Code: "column_count", Message: "CSV第7行列数与表头不一致：表头有4列，该行第5列有内容，超出部分未导入"},
		}},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}

	t.Run("WithoutIsField", func(t *testing.T) {
		headers, rows, err := readAll(t, data, "p.csv", "", Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"行政处罚信息公示表"}, headers); diff != "" {
			t.Errorf("headers (-want +got):\n%s", diff)
		}
		if got, want := rows[0].Num, 2; got != want {
			t.Errorf("first row %d, want %d", got, want)
		}
	})
	for _, test := range []struct {
		name    string
		data    string
		headers []string
		nums    []int
	}{
		{"HeaderFirst", "行政相对人名称,处罚决定日期\n甲,2026-01-01\n", []string{"行政相对人名称", "处罚决定日期"}, []int{2}},
		{"NoFieldAnywhere", "标题\n名称,日期\n甲,2026-01-01\n", []string{"标题"}, []int{2, 3}},
		{"MostFieldsWins", "CF_XDR_MC\n行政相对人名称,统一社会信用代码,处罚决定日期\n甲,1,2\n", []string{"行政相对人名称", "统一社会信用代码", "处罚决定日期"}, []int{3}},
		{"TieFirstWins", "行政相对人名称,x\n处罚决定日期,y\n", []string{"行政相对人名称", "x"}, []int{2}},
		{"OnlyTitle", "行政处罚信息\n", []string{"行政处罚信息"}, nil},
		{"BeyondSearch", strings.Repeat("标题\n", HeaderSearchRows) + "行政相对人名称\n甲\n", []string{"标题"}, []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		{"SepLine", "sep=;\n标题;\n行政相对人名称;处罚决定日期\n甲;2026-01-01\n", []string{"行政相对人名称", "处罚决定日期"}, []int{3}},
		{"MultilineTitle", "\"行政处罚\n信息\"\n行政相对人名称,处罚决定日期\n甲,2026-01-01\n", []string{"行政相对人名称", "处罚决定日期"}, []int{3}},
	} {
		t.Run(test.name, func(t *testing.T) {
			headers, rows, err := readAll(t, []byte(test.data), "p.csv", "", lim)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(test.headers, headers); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			var nums []int
			for _, r := range rows {
				nums = append(nums, r.Num)
			}
			if diff := cmp.Diff(test.nums, nums); diff != "" {
				t.Errorf("row numbers (-want +got):\n%s", diff)
			}
		})
	}
}

// The rows read while looking for the header are read again knowing the
// header's width, and errors met during the search come after them.
func TestCSVHeaderSearchReread(t *testing.T) {
	data := "标题\n行政相对人名称,统一社会信用代码,处罚决定日期\n1,\"abc,2\n4,5,6\n7,x\",9,10\n"
	_, rows, err := readAll(t, []byte(data), "p.csv", "", Limits{IsField: isPenaltyField})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rows), 3; got != want {
		t.Fatalf("%d rows, want %d", got, want)
	}
	if diff := cmp.Diff([]string{"bad_quote"}, problemCodes(rows[0])); diff != "" || rows[0].Num != 3 {
		t.Errorf("row %d problems (-want +got):\n%s", rows[0].Num, diff)
	}
	if rows[1].Num != 4 || rows[2].Num != 5 {
		t.Errorf("rows %d, %d, want 4, 5", rows[1].Num, rows[2].Num)
	}

	r, err := Open(strings.NewReader("标题\n行政相对人名称\n甲\n乙\n"+strings.Repeat("x", 2<<20)+"\n"), "p.csv", "", Limits{IsField: isPenaltyField, MaxCellBytes: 1024})
	if err != nil {
		t.Fatal(err)
	}
	headers, rows, err := drain(r)
	wantCode(t, err, credit.EINVALID, "CSV第5行附近内容超过1MB")
	if len(rows) != 2 || headers[0] != "行政相对人名称" {
		t.Errorf("headers %q, %d rows before the error, want 2", headers, len(rows))
	}
}

// A cell that starts with a bare quote opens a quoted field that would
// swallow the following lines. The row is read as written and flagged,
// and the next lines are rows again.
func TestCSVBadQuote(t *testing.T) {
	const h = "名称,违法事实,处罚决定日期\r\n"
	for _, test := range []struct {
		name   string
		data   string
		lim    Limits
		rows   int              // rows read
		bad    int              // row number flagged bad_quote
		codes  map[int][]string // other problems by row number
		values [][]string       // of the first rows: 名称, 违法事实
	}{
		{
			name: "BareQuoteFirst", // the QA file
			data: h + "甲,当事人销售\"三无\"产品,2026-11-25\r\n乙,\"三无\"产品由当事人销售,2026-11-25\r\n丙,普通,2026-11-25\r\n丁,普通,2026-11-25\r\n戊,普通,2026-11-25\r\n",
			rows: 5, bad: 3,
			values: [][]string{{"甲", "当事人销售\"三无\"产品"}, {"乙", "\"三无\"产品由当事人销售"}, {"丙", "普通"}, {"丁", "普通"}, {"戊", "普通"}},
		},
		{
			name: "NeverClosed",
			data: h + "甲,\"三无产品,2026-11-25\r\n乙,普通,2026-11-25\r\n丙,普通,2026-11-25\r\n",
			rows: 3, bad: 2,
			values: [][]string{{"甲", "\"三无产品"}, {"乙", "普通"}, {"丙", "普通"}},
		},
		{
			name: "LastLine",
			data: h + "甲,普通,2026-11-25\r\n乙,\"三无\"产品,2026-11-25",
			rows: 2, bad: 3,
			values: [][]string{{"甲", "普通"}, {"乙", "\"三无\"产品"}},
		},
		{
			name: "ClosedByAnotherRowsQuote",
			data: h + "甲,\"三无产品,2026-11-25\r\n乙,普通,2026-11-25\r\n丙,\"a,b\",2026-11-25\r\n",
			rows: 3, bad: 2,
			values: [][]string{{"甲", "\"三无产品"}, {"乙", "普通"}, {"丙", "a,b"}},
		},
		{
			name: "ClosedByStrayQuoteFieldCount",
			data: h + "甲,\"三无产品,2026-11-25\r\n乙,普通,2026-11-25\r\n丙,x\",2026-11-25,多\r\n",
			rows: 3, bad: 2, codes: map[int][]string{4: {"column_count"}},
			values: [][]string{{"甲", "\"三无产品"}, {"乙", "普通"}, {"丙", "x\""}},
		},
		{
			name: "BareQuoteInMultilineCell",
			data: h + "甲,\"他说\"你好\"啊\n再见\",2026-11-25\r\n",
			rows: 2, bad: 2,
			values: [][]string{{"甲", "\"他说\"你好\"啊"}, {"再见\"", "2026-11-25"}},
		},
		{
			name: "TooLong",
			data: h + "甲,\"三无产品\n" + strings.Repeat("x\n", 20000),
			lim:  Limits{MaxCellBytes: 1024},
			rows: 20001, bad: 2,
			values: [][]string{{"甲", "\"三无产品"}, {"x", ""}},
		},
		{
			// A bare quote opens row 2's 违法事实 and another closes row
			// 4's, so the fields after it make up the header's width: the
			// whole records swallowed between give it away in a wide table.
			name: "QuoteClosedRowsLater",
			data: "名称,违法事实,c,d,e,f\n甲,\"三无产品,4,5,6,7\n乙,8,9,10,11,12\n丙,劣质\",15,16,17,18\n",
			rows: 3, bad: 2,
			values: [][]string{{"甲", "\"三无产品"}, {"乙", "8"}, {"丙", "劣质\""}},
		},
		{
			name:   "MultilineWithCommas",
			data:   h + "甲,\"第一行,有逗号\r\n第二行,也有,两个\",2026-11-25\r\n乙,\"\"\"三无\"\"产品\",2026-11-25\r\n",
			rows:   2,
			values: [][]string{{"甲", "第一行,有逗号\n第二行,也有,两个"}, {"乙", "\"三无\"产品"}},
		},
		{
			name:   "BareQuoteClosedOnItsLine", // LazyQuotes, as before
			data:   h + "甲,\"他说\"你好\"\n再见,2026-11-25\r\n",
			rows:   2,
			values: [][]string{{"甲", "他说\"你好"}, {"再见", "2026-11-25"}},
		},
		{
			name:   "QuotedOnOneLine", // LazyQuotes, as before
			data:   h + "甲,\"三无\"产品\",2026-11-25\r\n",
			rows:   1,
			values: [][]string{{"甲", "三无\"产品"}},
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, rows, err := readAll(t, []byte(test.data), "p.csv", "", test.lim)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != test.rows {
				t.Fatalf("%d rows, want %d", len(rows), test.rows)
			}
			for i, r := range rows {
				if want := i + 2; r.Num != want {
					t.Fatalf("row %d numbered %d", want, r.Num)
				}
				want := test.codes[r.Num]
				if r.Num == test.bad {
					want = []string{"bad_quote"}
				}
				if diff := cmp.Diff(want, problemCodes(r)); diff != "" {
					t.Errorf("row %d problems (-want +got):\n%s", r.Num, diff)
				}
				if i < len(test.values) {
					if got := []string{r.Values["名称"], r.Values["违法事实"]}; !cmp.Equal(test.values[i], got) {
						t.Errorf("row %d = %q, want %q", r.Num, got, test.values[i])
					}
				}
			}
		})
	}
	_, rows, err := readAll(t, []byte(h+"乙,\"三无\"产品由当事人销售,2026-11-25\r\n丙,普通,2026-11-25\r\n"), "p.csv", "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := credit.Problem{Row: 2, FieldName: "违法事实", Code: "bad_quote",
		Message: "第2行“违法事实”（第2列）：引号不配对。该单元格以英文双引号（\"）开头，却没有与之配对的结束引号，按CSV的规则后面的行会被并入这个单元格；" +
			"本行已按原样读取，后面的行照常读取。请把单元格中的每个英文双引号写成两个（\"\"），或删去引号（也可改用中文引号“”），再重新报送本行"}
	if diff := cmp.Diff([]credit.Problem{want}, rows[0].Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestSummaryRow(t *testing.T) {
	for _, test := range []struct {
		values map[string]string
		want   bool
	}{
		{map[string]string{"a": "合计：20条", "b": "", "c": ""}, true},
		{map[string]string{"a": "总计", "b": "20"}, true},
		{map[string]string{"a": "小计", "b": "3", "c": "5"}, false},               // three cells: could be data
		{map[string]string{"a": "合计违法所得", "b": "x", "c": "y", "d": "z"}, false}, // a record
		{map[string]string{"a": "长春某公司", "b": ""}, false},
		{map[string]string{"a": "", "b": ""}, false},
	} {
		if got := SummaryRow(Row{Num: 5, Values: test.values}); got != test.want {
			t.Errorf("SummaryRow(%v) = %v, want %v", test.values, got, test.want)
		}
	}
	if SummaryRow(Row{Num: 5, Values: map[string]string{"a": "合计"}, Problems: []credit.Problem{{Code: "cell_too_large"}}}) {
		t.Error("a row with reader problems was taken for a summary line")
	}
}
