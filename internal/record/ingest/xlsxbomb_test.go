package ingest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"jlcredit/internal/credit"
)

// streamedXLSX builds an XLSX whose worksheet, and shared strings when sst
// is not nil, sheet and sst write straight into the zip entries, so that
// a part of hundreds of megabytes costs the test only its compressed size.
func streamedXLSX(t testing.TB, sheet, sst func(w io.Writer)) []byte {
	t.Helper()
	base := rawXLSX(t, "", []string{"-"}, nil)
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	must(t, err)
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	for _, f := range zr.File {
		if f.Name != "xl/worksheets/sheet1.xml" {
			must(t, zw.Copy(f))
		}
	}
	parts := []struct {
		name  string
		write func(io.Writer)
	}{{"xl/worksheets/sheet1.xml", sheet}, {"xl/sharedStrings.xml", sst}}
	for _, p := range parts {
		if p.write == nil {
			continue
		}
		w, err := zw.Create(p.name)
		must(t, err)
		p.write(w)
	}
	must(t, zw.Close())
	return b.Bytes()
}

// repeat writes n bytes of s repeated (s must divide the chunk evenly).
func repeat(w io.Writer, s string, n int) {
	chunk := []byte(strings.Repeat(s, (64<<10)/len(s)))
	for n > 0 {
		k := min(n, len(chunk))
		w.Write(chunk[:k])
		n -= k
	}
}

func ws(s string) func(io.Writer) {
	return func(w io.Writer) { io.WriteString(w, s) }
}

// allocated returns the bytes f allocates on the heap.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A worksheet that inflates to a huge cell, a huge run of white space
// between rows, or a cell or row assembled from many moderate pieces,
// fails with a message once a bound well above the cell limit is passed,
// having allocated a small part of what it inflates to. Without the bound
// encoding/xml gathers the whole run in memory (QA: 4–20 GB of RSS for a
// 1.5 MB upload).
func TestXLSXBombs(t *testing.T) {
	bomb := 64 << 20
	if raceEnabled {
		bomb = 16 << 20
	}
	most := uint64(min(24<<20, bomb*3/4)) // bytes reading may allocate
	lim := Limits{MaxCellBytes: 1 << 10}  // recordLimit: 1MB
	head := sheetHead + `<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c><c r="B1" t="inlineStr"><is><t>事实</t></is></c></row>` +
		`<row r="2"><c r="A2" t="inlineStr"><is><t>甲</t></is></c></row>`
	sheet := func(body func(io.Writer)) func(io.Writer) {
		return func(w io.Writer) {
			io.WriteString(w, head)
			body(w)
			io.WriteString(w, `<row r="9"><c r="A9" t="inlineStr"><is><t>乙</t></is></c></row>`+sheetTail)
		}
	}
	for _, test := range []struct {
		name       string
		sheet, sst func(io.Writer)
		openErr    bool
		msg        string
	}{
		{name: "OneCell", sheet: sheet(func(w io.Writer) {
			io.WriteString(w, `<row r="3"><c r="A3" t="inlineStr"><is><t>`)
			repeat(w, "A", bomb)
			io.WriteString(w, `</t></is></c></row>`)
		}), msg: "XLSX第3行附近内容超过1MB，文件可能已损坏或是异常压缩文件，请检查后重新上传"},
		{name: "OneValue", sheet: sheet(func(w io.Writer) {
			io.WriteString(w, `<row r="3"><c r="A3"><v>`)
			repeat(w, "1", bomb)
			io.WriteString(w, `</v></c></row>`)
		}), msg: "XLSX第3行附近内容超过1MB"},
		{name: "WhiteSpaceBetweenRows", sheet: sheet(func(w io.Writer) { repeat(w, " ", bomb) }),
			msg: "XLSX第2行附近内容超过1MB"},
		{name: "WhiteSpaceBeforeRows", sheet: func(w io.Writer) {
			io.WriteString(w, sheetHead)
			repeat(w, "\n", bomb)
		}, openErr: true, msg: "XLSX工作表第一行之前的内容超过1MB"},
		{name: "Attribute", sheet: sheet(func(w io.Writer) {
			io.WriteString(w, `<row r="3"><c r="A3" x="`)
			repeat(w, ">", bomb) // '>' may stand in an attribute value
			io.WriteString(w, `"><v>1</v></c></row>`)
		}), msg: "XLSX第3行附近内容超过1MB"},
		{name: "Comment", sheet: sheet(func(w io.Writer) {
			io.WriteString(w, `<!--`)
			repeat(w, "<a>", bomb/3*3)
			io.WriteString(w, `-->`)
		}), msg: "XLSX第2行附近内容超过1MB"},
		{name: "CDATA", sheet: sheet(func(w io.Writer) {
			io.WriteString(w, `<row r="3"><c r="A3" t="inlineStr"><is><t><![CDATA[`)
			repeat(w, "<a>", bomb/3*3)
			io.WriteString(w, `]]></t></is></c></row>`)
		}), msg: "XLSX第3行附近内容超过1MB"},
		{name: "ProcessingInstruction", sheet: sheet(func(w io.Writer) {
			io.WriteString(w, `<?pi `)
			repeat(w, "<a>", bomb/3*3)
			io.WriteString(w, `?>`)
		}), msg: "XLSX第2行附近内容超过1MB"},
		{name: "ManyRuns", sheet: sheet(func(w io.Writer) { // one cell of many rich-text runs
			io.WriteString(w, `<row r="3"><c r="A3" t="inlineStr"><is>`)
			for range bomb / (256 << 10) {
				io.WriteString(w, `<r><t>`)
				repeat(w, "A", 256<<10)
				io.WriteString(w, `</t></r>`)
			}
			io.WriteString(w, `</is></c></row>`)
		}), msg: "XLSX第3行内容超过1MB，文件可能已损坏或是异常压缩文件，请检查后重新上传"},
		{name: "ManyTextPieces", sheet: sheet(func(w io.Writer) { // one <v> of text between child elements
			io.WriteString(w, `<row r="3"><c r="A3"><v>`)
			for range bomb / (256 << 10) {
				repeat(w, "1", 256<<10)
				io.WriteString(w, `<x/>`)
			}
			io.WriteString(w, `</v></c></row>`)
		}), msg: "XLSX第3行内容超过1MB"},
		{name: "ManyCells", sheet: sheet(func(w io.Writer) {
			io.WriteString(w, `<row r="3">`)
			for range bomb / (256 << 10) {
				io.WriteString(w, `<c t="inlineStr"><is><t>`)
				repeat(w, "A", 256<<10)
				io.WriteString(w, `</t></is></c>`)
			}
			io.WriteString(w, `</row>`)
		}), msg: "XLSX第3行内容超过1MB"},
		{name: "ManyCellsOfOneSharedString", sheet: sheet(func(w io.Writer) {
			io.WriteString(w, `<row r="3">`)
			for range bomb / (256 << 10) {
				io.WriteString(w, `<c t="s"><v>0</v></c>`)
			}
			io.WriteString(w, `</row>`)
		}), sst: func(w io.Writer) {
			io.WriteString(w, `<sst><si><t>`)
			repeat(w, "A", 256<<10)
			io.WriteString(w, `</t></si></sst>`)
		}, msg: "XLSX第3行内容超过1MB"},
		{name: "SharedString", sheet: ws(head + sheetTail), sst: func(w io.Writer) {
			io.WriteString(w, `<sst><si><t>a</t></si><si><t>`)
			repeat(w, "A", bomb)
			io.WriteString(w, `</t></si></sst>`)
		}, openErr: true, msg: "XLSX共享字符串表第2项附近内容超过1MB"},
		{name: "SharedStringRuns", sheet: ws(head + sheetTail), sst: func(w io.Writer) {
			io.WriteString(w, `<sst><si>`)
			for range bomb / (256 << 10) {
				io.WriteString(w, `<r><t>`)
				repeat(w, "A", 256<<10)
				io.WriteString(w, `</t></r>`)
			}
			io.WriteString(w, `</si></sst>`)
		}, openErr: true, msg: "XLSX共享字符串表第1项内容超过1MB"},
		{name: "SharedStringWhiteSpace", sheet: ws(head + sheetTail), sst: func(w io.Writer) {
			io.WriteString(w, `<sst>`)
			repeat(w, " ", bomb)
			io.WriteString(w, `</sst>`)
		}, openErr: true, msg: "XLSX共享字符串表第1项附近内容超过1MB"},
	} {
		t.Run(test.name, func(t *testing.T) {
			data := streamedXLSX(t, test.sheet, test.sst)
			var rows []Row
			var err error
			n := allocated(func() {
				var r Reader
				r, err = Open(bytes.NewReader(data), "bomb.xlsx", "", lim)
				if err != nil {
					return
				}
				defer r.Close()
				_, rows, err = drain(r)
			})
			t.Logf("%d KB compressed, %d MB allocated", len(data)>>10, n>>20)
			if n > most {
				t.Errorf("reading allocated %d MB for %d MB of XML, want at most %d MB", n>>20, bomb>>20, most>>20)
			}
			wantCode(t, err, credit.EINVALID, test.msg)
			if !test.openErr && (len(rows) != 1 || rows[0].Num != 2) {
				t.Errorf("%d rows before the error, want row 2 only", len(rows))
			}
		})
	}
}

// The XML of any part is guarded, whatever its encoding.
func TestXLSXGuardParts(t *testing.T) {
	lim := Limits{MaxCellBytes: 1 << 10}
	big := strings.Repeat(" ", partRunLimit+1)
	for _, test := range []struct {
		name  string
		sheet string
		parts map[string]string
		msg   string
	}{
		{name: "Styles", parts: map[string]string{"xl/styles.xml": `<styleSheet>` + big + `</styleSheet>`},
			msg: "XLSX文件中xl/styles.xml的内容超过4MB"},
		{name: "Relationships", parts: map[string]string{"xl/_rels/workbook.xml.rels": `<Relationships>` + big + `</Relationships>`},
			msg: "XLSX文件中xl/_rels/workbook.xml.rels的内容超过4MB"},
		{name: "Doctype", sheet: `<!DOCTYPE x [<!ENTITY a "b">]>` + sheetHead + sheetTail,
			msg: "XLSX文件损坏或不是有效的Excel文件（含有不支持的文档类型声明（DOCTYPE））"},
		{name: "Charset", sheet: `<?xml version="1.0" encoding="UTF-16"?>` +
			string(utf16le(`<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>`+strings.Repeat("㰼", 1<<20)+`</t></is></c></row></sheetData></worksheet>`)),
			msg: "XLSX第1行附近内容超过1MB"},
	} {
		t.Run(test.name, func(t *testing.T) {
			sheet := test.sheet
			if sheet == "" {
				sheet = sheetHead + `<row><c t="inlineStr"><is><t>a</t></is></c></row>` + sheetTail
			}
			_, _, err := readAll(t, rawXLSX(t, "", []string{sheet}, test.parts), "a.xlsx", "", lim)
			wantCode(t, err, credit.EINVALID, test.msg)
		})
	}
}

// utf16le encodes s as UTF-16LE without a byte order mark.
func utf16le(s string) []byte {
	var b []byte
	for _, r := range s {
		if r > 0xFFFF {
			panic("outside the BMP")
		}
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}

// Comments, CDATA sections and processing instructions pass the guard, a
// '<' or '>' inside them included.
func TestXLSXGuardWellFormed(t *testing.T) {
	data := rawXLSX(t, "", []string{sheetHead + `<!-- a <b> - c -->` +
		`<row r="1"><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr" x="1>2"><is><t>b</t></is></c></row>` +
		`<?pi <x> ?><!----><row r="2"><c t="inlineStr"><is><t><![CDATA[<1> ]] ]>]]></t></is></c><c><v>2</v></c></row>` + sheetTail}, nil)
	headers, rows, err := readAll(t, data, "a.xlsx", "", Limits{MaxCellBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, headers); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Row{{Num: 2, Values: vals("a", "<1> ]] ]>", "b", "2")}}, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// The guard counts runs across reads of any size: a run of text or a tag
// from its '<' to the next, a comment, CDATA section or instruction from
// its '<' to its terminator.
func TestXMLGuardChunks(t *testing.T) {
	for _, test := range []struct {
		doc string
		run int64 // the longest run
	}{
		{`<a x="1>2">` + strings.Repeat("t", 30) + `</a>`, 41},
		{`<!-- <<>> - -> -->` + `<b/>`, 17},
		{`<![CDATA[ <x> ]] ]>]]>` + `<b/>`, 21},
		{`<?p <y> ? > ?>` + `<b/>`, 13},
		{`<?xml version="1.0"?>`, 20},
		{`<b/>` + strings.Repeat(" ", 30) + `<b/>`, 34},
	} {
		for _, limit := range []int64{test.run - 1, test.run} {
			for size := 1; size <= 8; size++ {
				g := newXMLGuard(&chunkReader{s: test.doc, n: size}, limit, func() error { return errTextTooLong })
				_, err := io.ReadAll(g)
				if limit < test.run && err != errTextTooLong || limit == test.run && err != nil {
					t.Errorf("%q: limit %d, reads of %d bytes: err = %v", test.doc, limit, size, err)
				}
			}
		}
	}
}

// chunkReader reads s n bytes at a time.
type chunkReader struct {
	s string
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.s)
	c.s = c.s[k:]
	return k, nil
}

// An oversize cell is flagged and kept cut to the limit with a note, so that
// a rejected row does not store it whole (QA: a 419 MB batch_errors.raw).
func TestCellTooLargeClipped(t *testing.T) {
	long := strings.Repeat("长", 40<<10) // 120KB
	check := func(t *testing.T, rows []Row, err error, key string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 {
			t.Fatalf("%d rows", len(rows))
		}
		if diff := cmp.Diff([]string{"cell_too_large"}, problemCodes(rows[0])); diff != "" {
			t.Errorf("problems (-want +got):\n%s", diff)
		}
		v := rows[0].Values[key]
		prefix, note, ok := strings.Cut(v, "…")
		if !ok || !strings.HasPrefix(long, prefix) || len(prefix) < 1024-3 || len(prefix) > 1024 {
			t.Errorf("value %d bytes, prefix %d bytes, want the first 1KB of the cell", len(v), len(prefix))
		}
		if want := fmt.Sprintf("（内容共%d字节，超过1KB上限，以下已省略）", len(long)); note != want {
			t.Errorf("note %q, want %q", note, want)
		}
		if !utf8.ValidString(v) || len(v) <= 1024 {
			t.Errorf("value of %d bytes: want valid text over the limit", len(v))
		}
	}
	lim := Limits{MaxCellBytes: 1 << 10}
	t.Run("XLSX", func(t *testing.T) {
		data := rawXLSX(t, "", []string{sheetHead + `<row><c t="inlineStr"><is><t>事实</t></is></c></row>` +
			`<row><c t="inlineStr"><is><t>` + long + `</t></is></c></row>` + sheetTail}, nil)
		_, rows, err := readAll(t, data, "a.xlsx", "", lim)
		check(t, rows, err, "事实")
	})
	t.Run("CSV", func(t *testing.T) {
		_, rows, err := readAll(t, []byte("事实\n"+long+"\n"), "a.csv", "", lim)
		check(t, rows, err, "事实")
	})
	t.Run("JSON", func(t *testing.T) {
		_, rows, err := readAll(t, []byte(`[{"事实":"`+long+`"}]`), "a.json", "", lim)
		check(t, rows, err, "事实")
	})
	t.Run("Cut", func(t *testing.T) {
		for _, test := range []struct {
			v    string
			max  int
			want string
		}{
			{"abc", 3, "abc"},
			{"abcd", 3, "abc…（内容共4字节，超过3字节上限，以下已省略）"},
			{"长长", 4, "长…（内容共6字节，超过4字节上限，以下已省略）"},
			{"长长", 2, "…（内容共6字节，超过2字节上限，以下已省略）"},
		} {
			if got := clipCell(test.v, test.max); got != test.want {
				t.Errorf("clipCell(%q, %d) = %q, want %q", test.v, test.max, got, test.want)
			}
		}
	})
}

// The shared string table holds at most maxSharedStrings strings.
func TestXLSXSharedStringsCount(t *testing.T) {
	old := maxSharedStrings
	maxSharedStrings = 3
	defer func() { maxSharedStrings = old }()
	sst := func(n int) string {
		return `<sst>` + strings.Repeat(`<si><t>a</t></si>`, n) + `</sst>`
	}
	sheet := sheetHead + `<row><c t="s"><v>0</v></c></row>` + sheetTail
	if _, _, err := readAll(t, rawXLSX(t, "", []string{sheet}, map[string]string{"xl/sharedStrings.xml": sst(3)}), "a.xlsx", "", Limits{}); err != nil {
		t.Fatal(err)
	}
	_, _, err := readAll(t, rawXLSX(t, "", []string{sheet}, map[string]string{"xl/sharedStrings.xml": sst(4)}), "a.xlsx", "", Limits{})
	wantCode(t, err, credit.EINVALID, "XLSX共享字符串表超过3项")
}

// seekMergeCells finds the element in reads of any size, past text that
// names it, and with a namespace prefix.
func TestSeekMergeCells(t *testing.T) {
	for _, test := range []struct{ doc, want string }{
		{`<sheetData><row><c t="inlineStr"><is><t>mergeCells</t></is></c></row></sheetData><mergeCells count="1"><mergeCell ref="A1:A2"/></mergeCells>`,
			`<mergeCells count="1"><mergeCell ref="A1:A2"/></mergeCells>`},
		{`<x:sheetData/><x:mergeCells><x:mergeCell ref="A1:A2"/></x:mergeCells></x:worksheet>`,
			`<x:mergeCells><x:mergeCell ref="A1:A2"/></x:mergeCells></x:worksheet>`},
		{`<sheetData/><dimension ref="A1"/>` + strings.Repeat(" ", 300) + `<mergeCells/>`, `<mergeCells/>`},
		{`<sheetData><c><v>mergeCells</v></c></sheetData>`, ""},
	} {
		for _, size := range []int{1, 2, 7, 64, 1 << 20} {
			r := seekMergeCells(&chunkReader{s: test.doc, n: size})
			got := ""
			if r != nil {
				b, err := io.ReadAll(r)
				must(t, err)
				got = string(b)
			}
			if got != test.want {
				t.Errorf("reads of %d bytes: %q, want %q", size, got, test.want)
			}
		}
	}
}
