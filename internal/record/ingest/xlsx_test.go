package ingest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"jlcredit/internal/credit"
)

// xlsxBytes builds a workbook with excelize. build writes into "Sheet1".
func xlsxBytes(t testing.TB, build func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	build(f)
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func style(t testing.TB, f *excelize.File, numFmt int, custom string) int {
	t.Helper()
	s := &excelize.Style{NumFmt: numFmt}
	if custom != "" {
		s.CustomNumFmt = &custom
	}
	id, err := f.NewStyle(s)
	must(t, err)
	return id
}

func TestXLSXValues(t *testing.T) {
	day := time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)
	dayTime := time.Date(2024, 1, 31, 13, 45, 30, 0, time.UTC)
	cols := []struct {
		header string
		set    func(f *excelize.File, cell string)
		want   string
	}{
		{"名称", func(f *excelize.File, c string) { must(t, f.SetCellStr("Sheet1", c, " 长春市某某公司 ")) }, "长春市某某公司"},
		{"日期14", func(f *excelize.File, c string) {
			must(t, f.SetCellValue("Sheet1", c, day))
			must(t, f.SetCellStyle("Sheet1", c, c, style(t, f, 14, "")))
		}, "2024-01-31"},
		{"日期年月日", func(f *excelize.File, c string) {
			must(t, f.SetCellValue("Sheet1", c, day))
			must(t, f.SetCellStyle("Sheet1", c, c, style(t, f, 0, `yyyy"年"m"月"d"日";@`)))
		}, "2024-01-31"},
		{"日期31", func(f *excelize.File, c string) {
			must(t, f.SetCellValue("Sheet1", c, day))
			must(t, f.SetCellStyle("Sheet1", c, c, style(t, f, 31, "")))
		}, "2024-01-31"},
		{"日期斜杠", func(f *excelize.File, c string) {
			must(t, f.SetCellValue("Sheet1", c, day))
			must(t, f.SetCellStyle("Sheet1", c, c, style(t, f, 0, "yyyy/m/d;@")))
		}, "2024-01-31"},
		{"日期长", func(f *excelize.File, c string) {
			must(t, f.SetCellValue("Sheet1", c, day))
			must(t, f.SetCellStyle("Sheet1", c, c, style(t, f, 0, "[$-F800]dddd, mmmm dd, yyyy")))
		}, "2024-01-31"},
		{"日期时间", func(f *excelize.File, c string) {
			must(t, f.SetCellValue("Sheet1", c, dayTime))
			must(t, f.SetCellStyle("Sheet1", c, c, style(t, f, 22, "")))
		}, "2024-01-31 13:45:30"},
		{"日期时间零点", func(f *excelize.File, c string) {
			must(t, f.SetCellValue("Sheet1", c, day))
			must(t, f.SetCellStyle("Sheet1", c, c, style(t, f, 0, "yyyy-mm-dd hh:mm:ss")))
		}, "2024-01-31"},
		{"时间", func(f *excelize.File, c string) {
			must(t, f.SetCellFloat("Sheet1", c, 0.5, -1, 64))
			must(t, f.SetCellStyle("Sheet1", c, c, style(t, f, 20, "")))
		}, "12:00:00"},
		{"文本日期", func(f *excelize.File, c string) { must(t, f.SetCellStr("Sheet1", c, "2024/1/31")) }, "2024/1/31"},
		{"金额", func(f *excelize.File, c string) {
			must(t, f.SetCellFloat("Sheet1", c, 1234567.5, -1, 64))
			must(t, f.SetCellStyle("Sheet1", c, c, style(t, f, 4, ""))) // #,##0.00
		}, "1234567.5"},
		{"万元", func(f *excelize.File, c string) {
			must(t, f.SetCellFloat("Sheet1", c, 0.1+0.2, -1, 64))
			must(t, f.SetCellStyle("Sheet1", c, c, style(t, f, 0, `0.000000"万元"`)))
		}, "0.3"},
		{"身份证号码", func(f *excelize.File, c string) { must(t, f.SetCellInt("Sheet1", c, 220102199001011234)) }, "220102199001011234"},
		{"科学计数", func(f *excelize.File, c string) {
			must(t, f.SetCellFloat("Sheet1", c, 2.20102199001011e17, -1, 64))
			must(t, f.SetCellStyle("Sheet1", c, c, style(t, f, 11, ""))) // 0.00E+00
		}, "220102199001011000"},
		{"小数", func(f *excelize.File, c string) { must(t, f.SetCellFloat("Sheet1", c, 1e-7, -1, 64)) }, "0.0000001"},
		{"负数", func(f *excelize.File, c string) { must(t, f.SetCellInt("Sheet1", c, -42)) }, "-42"},
		{"百分比", func(f *excelize.File, c string) {
			must(t, f.SetCellFloat("Sheet1", c, 0.05, -1, 64))
			must(t, f.SetCellStyle("Sheet1", c, c, style(t, f, 9, "")))
		}, "0.05"},
		{"布尔", func(f *excelize.File, c string) { must(t, f.SetCellBool("Sheet1", c, true)) }, "TRUE"},
		{"公式", func(f *excelize.File, c string) {
			must(t, f.SetCellFormula("Sheet1", c, `"A"&"B"`))
		}, ""},
		{"空", func(f *excelize.File, c string) {}, ""},
	}
	data := xlsxBytes(t, func(f *excelize.File) {
		for i, c := range cols {
			name, _ := excelize.ColumnNumberToName(i + 1)
			must(t, f.SetCellStr("Sheet1", name+"1", c.header))
			c.set(f, name+"2")
		}
	})
	headers, rows, err := readAll(t, data, "a.xlsx", "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var wantHeaders []string
	want := map[string]string{}
	for _, c := range cols {
		wantHeaders = append(wantHeaders, c.header)
		want[c.header] = c.want
	}
	if diff := cmp.Diff(wantHeaders, headers); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	// A number of 1e15 or more with at most 15 significant digits is a
	// code Excel cut short. excelize writes a formula without its result.
	problems := []credit.Problem{{Row: 2, FieldName: "科学计数", Code: "number_precision_lost",
		Message: "第2行“科学计数”（N列）：单元格为数值格式（文件中为220102199001011000），Excel只保存15位有效数字，18位代码已失真；请将该列设置为文本格式后重新填写"},
		{Row: 2, FieldName: "公式", Code: "formula_no_value",
			Message: `第2行“公式”（S列）：单元格是公式（="A"&"B"），但文件中没有计算结果；请在Excel中打开并保存后重新导出，或填写数值`}}
	if diff := cmp.Diff([]Row{{Num: 2, Values: want, Problems: problems}}, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// Serial 60 is Excel's 1900-02-29, which never was.
func TestXLSXLeapBug(t *testing.T) {
	serials := []float64{1, 59, 60, 61, 45322}
	data := xlsxBytes(t, func(f *excelize.File) {
		s := style(t, f, 14, "")
		for i, v := range serials {
			name, _ := excelize.ColumnNumberToName(i + 1)
			must(t, f.SetCellStr("Sheet1", name+"1", fmt.Sprint(v)))
			must(t, f.SetCellFloat("Sheet1", name+"2", v, -1, 64))
			must(t, f.SetCellStyle("Sheet1", name+"2", name+"2", s))
		}
	})
	_, rows, err := readAll(t, data, "a.xlsx", "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := vals("1", "1900-01-01", "59", "1900-02-28", "60", "1900-02-29", "61", "1900-03-01", "45322", "2024-01-31")
	if diff := cmp.Diff(want, rows[0].Values); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
}

func TestXLSXRows(t *testing.T) {
	data := xlsxBytes(t, func(f *excelize.File) {
		must(t, f.SetSheetRow("Sheet1", "A3", &[]any{"名称", "代码", "金额"}))
		must(t, f.SetSheetRow("Sheet1", "A4", &[]any{"甲", "001"}))  // trailing empty cell
		must(t, f.SetSheetRow("Sheet1", "A5", &[]any{"  ", ""}))    // blank
		must(t, f.SetSheetRow("Sheet1", "A8", &[]any{"乙", "", 12})) // rows 6-7 missing
		must(t, f.SetSheetRow("Sheet1", "A9", &[]any{"丙", "1", 2, "多余"}))
		must(t, f.SetCellStr("Sheet1", "F10", "远处"))
	})
	headers, rows, err := readAll(t, data, "a.xlsx", "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"名称", "代码", "金额"}, headers); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	want := []Row{
		{Num: 4, Values: vals("名称", "甲", "代码", "001", "金额", "")},
		{Num: 8, Values: vals("名称", "乙", "代码", "", "金额", "12")},
		{Num: 9, Values: vals("名称", "丙", "代码", "1", "金额", "2"), Problems: []credit.Problem{
			{Row: 9, Code: "column_count", Message: "XLSX第9行列数与表头不一致：表头有3列，该行D列有内容，超出部分未导入"},
		}},
		{Num: 10, Values: vals("名称", "", "代码", "", "金额", ""), Problems: []credit.Problem{
			{Row: 10, Code: "column_count", Message: "XLSX第10行列数与表头不一致：表头有3列，该行F列有内容，超出部分未导入"},
		}},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// rawXLSX builds an XLSX from hand-written parts. sheets are the worksheet
// XML bodies in workbook order; parts adds or replaces other parts.
func rawXLSX(t testing.TB, workbookPr string, sheets []string, parts map[string]string) []byte {
	t.Helper()
	all := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
	}
	var wbSheets, rels strings.Builder
	for i, s := range sheets {
		// Sheet files are numbered backwards so that workbook order and
		// file names disagree.
		file := fmt.Sprintf("worksheets/sheet%d.xml", len(sheets)-i)
		fmt.Fprintf(&wbSheets, `<sheet name="S%d" sheetId="%d" r:id="rId%d"/>`, i+1, i+1, i+10)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="%s"/>`, i+10, file)
		all["xl/"+file] = s
	}
	rels.WriteString(`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`)
	rels.WriteString(`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="/xl/styles.xml"/>`)
	all["xl/workbook.xml"] = `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		workbookPr + `<sheets>` + wbSheets.String() + `</sheets></workbook>`
	all["xl/_rels/workbook.xml.rels"] = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels.String() + `</Relationships>`
	for k, v := range parts {
		all[k] = v
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range all {
		if body == "" {
			continue
		}
		w, err := zw.Create(name)
		must(t, err)
		_, err = io.WriteString(w, body)
		must(t, err)
	}
	must(t, zw.Close())
	return b.Bytes()
}

const sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
const sheetTail = `</sheetData></worksheet>`

func TestXLSXHandWritten(t *testing.T) {
	styles := `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>` +
		`<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>` +
		`<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="176" applyNumberFormat="1"/><xf numFmtId="14"/></cellXfs></styleSheet>`
	sst := `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">` +
		`<si><t>名称</t></si>` +
		`<si><r><rPr><b/></rPr><t>决定</t></r><r><t xml:space="preserve">日期 </t></r></si>` +
		`<si><t>吉林</t><rPh sb="0" eb="2"><t>ジーリン</t></rPh></si>` +
		`<si><t>a_x000D_b_x005F_x0041_</t></si></sst>`
	for _, test := range []struct {
		name       string
		workbookPr string
		sheets     []string
		headers    []string
		rows       []Row
	}{
		{
			name: "NoRefs",
			sheets: []string{sheetHead +
				`<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row>` +
				`<row><c t="s"><v>2</v></c><c s="1"><v>45322</v></c></row>` +
				`<row/>` +
				`<row><c t="s"><v>3</v></c><c s="2"><v>45323.0</v></c></row>` + sheetTail},
			headers: []string{"名称", "决定日期"},
			rows: []Row{
				{Num: 2, Values: vals("名称", "吉林", "决定日期", "2024-01-31")},
				{Num: 4, Values: vals("名称", "a\rb_x0041_", "决定日期", "2024-02-01")},
			},
		},
		{
			name:       "Date1904",
			workbookPr: `<workbookPr date1904="1"/>`,
			sheets: []string{sheetHead +
				`<row r="1"><c r="A1" t="inlineStr"><is><t>日期</t></is></c></row>` +
				`<row r="2"><c r="A2" s="2"><v>0</v></c></row>` +
				`<row r="3"><c r="A3" s="2"><v>43860</v></c></row>` + sheetTail},
			headers: []string{"日期"},
			rows: []Row{
				{Num: 2, Values: vals("日期", "1904-01-01")},
				{Num: 3, Values: vals("日期", "2024-01-31")},
			},
		},
		{
			name: "CellTypes",
			sheets: []string{sheetHead +
				`<row r="1"><c r="A1" t="inlineStr"><is><r><t>a</t></r><r><t>b</t></r></is></c><c r="B1" t="str"><v>c</v></c><c r="C1" t="inlineStr"><is><t>d</t></is></c><c r="D1" t="inlineStr"><is><t>e</t></is></c></row>` +
				`<row r="2"><c r="A2" t="d"><v>2024-01-31T00:00:00Z</v></c><c r="B2" t="e"><v>#N/A</v></c><c r="C2" t="b"><v>0</v></c><c r="D2" t="str"><f>1+1</f><v>2</v></c></row>` + sheetTail},
			headers: []string{"ab", "c", "d", "e"},
			rows:    []Row{{Num: 2, Values: vals("ab", "2024-01-31", "c", "#N/A", "d", "FALSE", "e", "2")}},
		},
		{
			name: "Prefixed",
			sheets: []string{`<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>` +
				`<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>k</x:t></x:is></x:c></x:row>` +
				`<x:row r="2"><x:c r="A2"><x:v>7</x:v></x:c></x:row></x:sheetData></x:worksheet>`},
			headers: []string{"k"},
			rows:    []Row{{Num: 2, Values: vals("k", "7")}},
		},
		{
			name: "FirstSheetByWorkbookOrder",
			sheets: []string{
				sheetHead + `<row r="1"><c r="A1" t="inlineStr"><is><t>first</t></is></c></row>` + sheetTail,
				sheetHead + `<row r="1"><c r="A1" t="inlineStr"><is><t>second</t></is></c></row>` + sheetTail,
			},
			headers: []string{"first"},
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			data := rawXLSX(t, test.workbookPr, test.sheets, map[string]string{"xl/styles.xml": styles, "xl/sharedStrings.xml": sst})
			headers, rows, err := readAll(t, data, "a.xlsx", "", Limits{})
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

// bombXLSX is a valid workbook with an extra entry of n zero bytes, which
// deflate squeezes to almost nothing.
func bombXLSX(t testing.TB, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	src := xlsxBytes(t, func(f *excelize.File) { must(t, f.SetCellStr("Sheet1", "A1", "a")) })
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	must(t, err)
	for _, f := range zr.File {
		must(t, zw.Copy(f))
	}
	w, err := zw.Create("xl/media/image1.bin")
	must(t, err)
	_, err = w.Write(make([]byte, n))
	must(t, err)
	must(t, zw.Close())
	return b.Bytes()
}

func TestXLSXErrors(t *testing.T) {
	dupHeader := xlsxBytes(t, func(f *excelize.File) {
		must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"名称", "代码", "名称"}))
	})
	empty := xlsxBytes(t, func(f *excelize.File) {})
	blank := xlsxBytes(t, func(f *excelize.File) { must(t, f.SetCellStr("Sheet1", "B2", "  ")) })
	threeRows := xlsxBytes(t, func(f *excelize.File) {
		for i := 1; i <= 4; i++ {
			must(t, f.SetCellInt("Sheet1", fmt.Sprintf("A%d", i), int64(i)))
		}
	})
	bomb := bombXLSX(t, 20<<20)
	big := xlsxBytes(t, func(f *excelize.File) {
		must(t, f.SetCellStr("Sheet1", "A1", "a"))
		must(t, f.SetCellStr("Sheet1", "A2", strings.Repeat("x", 1000)))
	})
	cut := func(sheet string) []byte { return rawXLSX(t, "", []string{sheet}, nil) }
	for _, test := range []struct {
		name      string
		data      []byte
		lim       Limits
		openErr   bool
		code, msg string
		rows      int
	}{
		{name: "DuplicateHeader", data: dupHeader, openErr: true, code: credit.EINVALID, msg: "表头“名称”重复（第1列和第3列）"},
		{name: "NoRows", data: empty, openErr: true, code: credit.EINVALID, msg: "文件为空"},
		{name: "BlankRows", data: blank, openErr: true, code: credit.EINVALID, msg: "文件为空"},
		{name: "ZipBomb", data: bomb, lim: Limits{MaxXLSXUncompressed: 10 << 20}, openErr: true, code: credit.ETOOLARGE, msg: "Excel文件解压后超过10MB上限"},
		{name: "TooManyRows", data: threeRows, lim: Limits{MaxRows: 2}, code: credit.ETOOLARGE, msg: "文件超过2行上限", rows: 2},
		{name: "TooManyBytes", data: big, lim: Limits{MaxBytes: 1000}, openErr: true, code: credit.ETOOLARGE, msg: "文件大小超过1000字节上限"},
		{name: "MissingSheet", data: rawXLSX(t, "", nil, nil), openErr: true, code: credit.EINVALID, msg: "XLSX文件损坏"},
		{name: "NotXML", data: cut("garbage<<"), openErr: true, code: credit.EINVALID, msg: "XLSX文件损坏"},
		{name: "BadSharedString", data: cut(sheetHead + `<row><c t="inlineStr"><is><t>a</t></is></c></row><row><c t="s"><v>9</v></c></row>` + sheetTail),
			code: credit.EINVALID, msg: "XLSX文件损坏或不是有效的Excel文件（共享字符串索引无效）"},
		{name: "BadCellRef", data: cut(sheetHead + `<row><c r="1A"><v>1</v></c></row>` + sheetTail), openErr: true, code: credit.EINVALID, msg: "单元格“1A”无效"},
		{name: "TooManyColumns", data: cut(sheetHead + `<row><c r="XFE1"><v>1</v></c></row>` + sheetTail), openErr: true, code: credit.EINVALID, msg: "XLSX文件损坏"},
		{name: "BadRowNumber", data: cut(sheetHead + `<row r="0"><c><v>1</v></c></row>` + sheetTail), openErr: true, code: credit.EINVALID, msg: "行号“0”无效"},
		{name: "TruncatedSheet", data: cut(sheetHead + `<row><c t="inlineStr"><is><t>a</t></is></c></row><row><c><v>1</v></c></row><row><c><v>2`),
			code: credit.EINVALID, msg: "XLSX文件损坏", rows: 1},
	} {
		t.Run(test.name, func(t *testing.T) {
			for _, src := range []struct {
				name string
				r    io.Reader
			}{
				{"ReaderAt", bytes.NewReader(test.data)},
				{"Stream", io.MultiReader(bytes.NewReader(test.data))},
			} {
				r, err := Open(src.r, "a.xlsx", "", test.lim)
				if test.openErr {
					wantCode(t, err, test.code, test.msg)
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", src.name, err)
				}
				_, rows, err := drain(r)
				wantCode(t, err, test.code, test.msg)
				if len(rows) != test.rows {
					t.Errorf("%s: read %d rows before the error, want %d", src.name, len(rows), test.rows)
				}
				must(t, r.Close())
			}
		})
	}
}

// An XLSX arrives as a file, a ReaderAt or a plain stream, which is spooled
// to a temporary file that Close removes; the content decides the format.
func TestXLSXSources(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	data := xlsxBytes(t, func(f *excelize.File) {
		must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"a", "b"}))
		must(t, f.SetSheetRow("Sheet1", "A2", &[]any{"1", "2"}))
	})
	path := filepath.Join(t.TempDir(), "upload.xlsx")
	must(t, os.WriteFile(path, data, 0o600))
	open := map[string]func() (Reader, error){
		"ReaderAt": func() (Reader, error) { return Open(bytes.NewReader(data), "upload.xlsx", "", Limits{}) },
		"Stream": func() (Reader, error) {
			return Open(io.MultiReader(bytes.NewReader(data)), "upload.xlsx", "", Limits{})
		},
		"MisnamedAs": func() (Reader, error) {
			return Open(io.MultiReader(bytes.NewReader(data)), "upload.csv", "csv", Limits{})
		},
		"OpenXLSX": func() (Reader, error) { return OpenXLSX(path, Limits{}) },
		"OpenFile": func() (Reader, error) { return OpenFile(path, "", Limits{}) },
		"OSFile": func() (Reader, error) {
			f, err := os.Open(path)
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { f.Close() })
			return Open(f, "upload", "", Limits{})
		},
	}
	for name, open := range open {
		t.Run(name, func(t *testing.T) {
			r, err := open()
			if err != nil {
				t.Fatal(err)
			}
			_, rows, err := drain(r)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]Row{{Num: 2, Values: vals("a", "1", "b", "2")}}, rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			must(t, r.Close())
			left, err := os.ReadDir(tmp)
			must(t, err)
			if len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// A large shared string table spills to a temporary file.
func TestXLSXSharedStringsSpill(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	old := sstMemLimit
	sstMemLimit = 100
	defer func() { sstMemLimit = old }()
	const n = 500
	data := xlsxBytes(t, func(f *excelize.File) {
		must(t, f.SetCellStr("Sheet1", "A1", "名称"))
		for i := 2; i <= n+1; i++ {
			must(t, f.SetCellStr("Sheet1", fmt.Sprintf("A%d", i), fmt.Sprintf("单位%04d", i)))
		}
	})
	r, err := Open(bytes.NewReader(data), "a.xlsx", "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if x := r.(*xlsxReader); x.sst.file == nil {
		t.Error("shared strings did not spill")
	}
	_, rows, err := drain(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("%d rows, want %d", len(rows), n)
	}
	for _, row := range rows {
		if got, want := row.Values["名称"], fmt.Sprintf("单位%04d", row.Num); got != want {
			t.Fatalf("row %d: %q, want %q", row.Num, got, want)
		}
	}
	must(t, r.Close())
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestXLSXCellTooLarge(t *testing.T) {
	data := xlsxBytes(t, func(f *excelize.File) {
		must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"a", "违法事实"}))
		must(t, f.SetSheetRow("Sheet1", "A2", &[]any{"1", strings.Repeat("长", 11)}))
	})
	_, rows, err := readAll(t, data, "a.xlsx", "", Limits{MaxCellBytes: 32})
	if err != nil {
		t.Fatal(err)
	}
	want := []credit.Problem{{Row: 2, FieldName: "违法事实", Code: "cell_too_large", Message: "第2行B列（违法事实）内容超过32字节上限"}}
	if diff := cmp.Diff(want, rows[0].Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// A merged title and a “填报单位” line above the header: with IsField the
// header is found below them, and rows keep their numbers in the sheet.
func TestXLSXHeaderSearch(t *testing.T) {
	data := xlsxBytes(t, func(f *excelize.File) {
		must(t, f.SetCellStr("Sheet1", "A1", "行政处罚信息"))
		must(t, f.MergeCell("Sheet1", "A1", "D1"))
		must(t, f.SetSheetRow("Sheet1", "A2", &[]any{"填报单位：长春市市场监督管理局", "", "填报日期：2026-11-25"}))
		must(t, f.SetSheetRow("Sheet1", "A4", &[]any{"行政相对人名称", "统一社会信用代码", "处罚决定日期", "备注"}))
		must(t, f.SetSheetRow("Sheet1", "A5", &[]any{"甲公司", "91220101MA0000000X", "2026-11-20"}))
		must(t, f.SetSheetRow("Sheet1", "A7", &[]any{"乙公司", "91220101MA0000001X", "2026-11-21", "", "多余"}))
		must(t, f.SetCellStr("Sheet1", "A8", "丙公司"))
		must(t, f.SetCellFormula("Sheet1", "C8", "DATE(2026,11,25)"))
		must(t, f.SetCellFormula("Sheet1", "D8", "ROW()-7")) // 备注 is no field
	})
	lim := Limits{IsField: isPenaltyField}
	headers, rows, err := readAll(t, data, "p.xlsx", "", lim)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"行政相对人名称", "统一社会信用代码", "处罚决定日期", "备注"}, headers); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	want := []Row{
		{Num: 5, Values: vals("行政相对人名称", "甲公司", "统一社会信用代码", "91220101MA0000000X", "处罚决定日期", "2026-11-20", "备注", "")},
		{Num: 7, Values: vals("行政相对人名称", "乙公司", "统一社会信用代码", "91220101MA0000001X", "处罚决定日期", "2026-11-21", "备注", ""), Problems: []credit.Problem{
			{Row: 7, Code: "column_count", Message: "XLSX第7行列数与表头不一致：表头有4列，该行E列有内容，超出部分未导入"},
		}},
		{Num: 8, Values: vals("行政相对人名称", "丙公司", "统一社会信用代码", "", "处罚决定日期", "", "备注", ""), Problems: []credit.Problem{
			{Row: 8, FieldName: "处罚决定日期", Code: "formula_no_value",
				Message: "第8行“处罚决定日期”（C列）：单元格是公式（=DATE(2026,11,25)），但文件中没有计算结果；请在Excel中打开并保存后重新导出，或填写数值"},
		}},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}

	t.Run("WithoutIsField", func(t *testing.T) {
		headers, rows, err := readAll(t, data, "p.xlsx", "", Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"行政处罚信息"}, headers); diff != "" {
			t.Errorf("headers (-want +got):\n%s", diff)
		}
		if len(rows) != 5 || rows[0].Num != 2 {
			t.Errorf("%d rows, the first %d; want 5 from row 2", len(rows), rows[0].Num)
		}
	})
	t.Run("ErrorDuringSearch", func(t *testing.T) {
		data := rawXLSX(t, "", []string{sheetHead +
			`<row r="1"><c t="inlineStr"><is><t>标题</t></is></c></row>` +
			`<row r="2"><c t="inlineStr"><is><t>行政相对人名称</t></is></c></row>` +
			`<row r="3"><c t="inlineStr"><is><t>甲</t></is></c></row>` +
			`<row r="0"><c><v>1</v></c></row>` + sheetTail}, nil)
		r, err := Open(bytes.NewReader(data), "p.xlsx", "", lim)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		headers, rows, err := drain(r)
		wantCode(t, err, credit.EINVALID, "行号“0”无效")
		if len(rows) != 1 || rows[0].Num != 3 || headers[0] != "行政相对人名称" {
			t.Errorf("headers %q, rows %v", headers, rows)
		}
		if _, err2 := r.Next(); err2 != err {
			t.Errorf("second Next = %v, want %v", err2, err)
		}
	})
}

// A formula saved without its result is a problem of its row, not an empty
// cell; with a result it is read as usual.
func TestXLSXFormulaNoValue(t *testing.T) {
	data := rawXLSX(t, "", []string{sheetHead +
		`<row r="1"><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b</t></is></c><c t="inlineStr"><is><t>c</t></is></c></row>` +
		`<row r="2"><c r="A2"><f>1+1</f><v>2</v></c><c r="B2"><f t="shared" ref="B2:B3" si="0">A2*2</f></c><c r="C2" t="str"><f>""</f><v></v></c></row>` +
		`<row r="3"><c r="A3" t="inlineStr"><is><t>x</t></is></c><c r="B3"><f t="shared" si="0"/></c></row>` +
		`<row r="4"><c r="B4"><f>A4</f></c></row>` + // a row of formulas only is blank
		sheetTail}, nil)
	_, rows, err := readAll(t, data, "f.xlsx", "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		{Num: 2, Values: vals("a", "2", "b", "", "c", ""), Problems: []credit.Problem{{Row: 2, FieldName: "b", Code: "formula_no_value",
			Message: "第2行“b”（B列）：单元格是公式（=A2*2），但文件中没有计算结果；请在Excel中打开并保存后重新导出，或填写数值"}}},
		{Num: 3, Values: vals("a", "x", "b", "", "c", ""), Problems: []credit.Problem{{Row: 3, FieldName: "b", Code: "formula_no_value",
			Message: "第3行“b”（B列）：单元格是公式，但文件中没有计算结果；请在Excel中打开并保存后重新导出，或填写数值"}}},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// A code typed into a number cell is stored by Excel to 15 significant
// digits: 2.20102198501029E+17. The reader reports such a cell on its row
// rather than pass on 220102198501029000, which may well carry a valid
// check digit. Smaller numbers, and integers a program wrote out in full,
// read as before.
func TestXLSXNumberPrecision(t *testing.T) {
	data := rawXLSX(t, "", []string{sheetHead +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>统一社会信用代码</t></is></c><c r="B1" t="inlineStr"><is><t>处罚决定日期</t></is></c><c r="C1" t="inlineStr"><is><t>备注</t></is></c></row>` +
		`<row r="2"><c r="A2"><v>2.20102198501029E+17</v></c><c r="B2"><v>20260315</v></c><c r="C2"><v>1.23456789012345E+17</v></c></row>` +
		`<row r="3"><c r="A3" t="n"><v>220102198501029000</v></c><c r="B3"><v>1234567.25</v></c></row>` +
		`<row r="4"><c r="A4"><v>220102198501029012</v></c><c r="B4"><v>999999999999999</v></c></row>` +
		`<row r="5"><c r="A5"><v>-1E+15</v></c><c r="B5"><v>1E-7</v></c></row>` +
		`<row r="6"><c r="A6"><f>A2*1</f><v>2.20102198501029E+17</v></c></row>` +
		`<row r="7"><c r="A7" t="str"><f>TEXT(A2,"0")</f><v>220102198501029000</v></c></row>` +
		`<row r="8"><c r="A8" t="inlineStr"><is><t>220102198501029012</t></is></c><c r="B8"><v>123456789012345</v></c></row>` +
		sheetTail}, nil)
	msg := func(row int, col, v string) string {
		return fmt.Sprintf("第%d行“统一社会信用代码”（%s列）：单元格为数值格式（文件中为%s），Excel只保存15位有效数字，18位代码已失真；请将该列设置为文本格式后重新填写", row, col, v)
	}
	lost := func(row int, v string) []credit.Problem {
		return []credit.Problem{{Row: row, FieldName: "统一社会信用代码", Code: "number_precision_lost", Message: msg(row, "A", v)}}
	}
	row := func(num int, id, date string, problems []credit.Problem) Row {
		return Row{Num: num, Values: vals("统一社会信用代码", id, "处罚决定日期", date), Problems: problems}
	}
	want := []Row{
		row(2, "220102198501029000", "20260315", lost(2, "2.20102198501029E+17")),
		row(3, "220102198501029000", "1234567.25", lost(3, "220102198501029000")),
		row(4, "220102198501029012", "999999999999999", nil),
		row(5, "-1000000000000000", "0.0000001", lost(5, "-1E+15")),
		row(6, "220102198501029000", "", lost(6, "2.20102198501029E+17")),
		row(7, "220102198501029000", "", nil),
		row(8, "220102198501029012", "123456789012345", nil),
	}
	// With IsField only fields are reported: 备注 is none.
	_, rows, err := readAll(t, data, "n.xlsx", "", Limits{IsField: isPenaltyField})
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		delete(rows[i].Values, "备注")
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}

	// Without IsField every column with a header is.
	_, rows, err = readAll(t, data, "n.xlsx", "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	wantNote := credit.Problem{Row: 2, FieldName: "备注", Code: "number_precision_lost",
		Message: "第2行“备注”（C列）：单元格为数值格式（文件中为1.23456789012345E+17），Excel只保存15位有效数字，18位代码已失真；请将该列设置为文本格式后重新填写"}
	if diff := cmp.Diff(append(lost(2, "2.20102198501029E+17"), wantNote), rows[0].Problems); diff != "" {
		t.Errorf("row 2 problems (-want +got):\n%s", diff)
	}
}

func TestInexactNumber(t *testing.T) {
	for v, want := range map[string]bool{
		"2.20102198501029E+17": true,
		"220102198501029000":   true,
		"1E+15":                true,
		"1000000000000000":     true,
		"-1.5E+16":             true,
		"1234567890123456.5":   true,
		"220102198501029012":   false, // written digit by digit
		"999999999999999":      false,
		"999999999999999.9":    false,
		"20260315":             false,
		"1E-7":                 false,
		"1e400":                false,
		"x":                    false,
		"":                     false,
	} {
		if got := inexactNumber(v); got != want {
			t.Errorf("inexactNumber(%q) = %v, want %v", v, got, want)
		}
	}
}

// workbookXML is a workbook part for rawXLSX whose sheets have the given
// states ("" for visible).
func workbookXML(states ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`)
	for i, s := range states {
		state := ""
		if s != "" {
			state = fmt.Sprintf(` state="%s"`, s)
		}
		fmt.Fprintf(&b, `<sheet name="S%d" sheetId="%d"%s r:id="rId%d"/>`, i+1, i+1, state, i+10)
	}
	b.WriteString(`</sheets></workbook>`)
	return b.String()
}

// The reader takes the first sheet that is visible and not empty: a hidden
// code table or an empty Sheet1 in front of the data is passed over.
func TestXLSXSheetChoice(t *testing.T) {
	sheet := func(cells ...string) string {
		var b strings.Builder
		b.WriteString(sheetHead)
		for i, c := range cells {
			fmt.Fprintf(&b, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>`, i+1, i+1, c)
		}
		b.WriteString(sheetTail)
		return b.String()
	}
	data := sheet("名称", "甲")
	codes := sheet("代码", "01")
	empty := `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1"/><sheetData/></worksheet>`
	blankCells := sheetHead + `<row r="1"><c r="A1" s="1"/><c r="B1" t="inlineStr"><is><t> </t></is></c></row><row r="2"/>` + sheetTail
	for _, test := range []struct {
		name    string
		sheets  []string
		states  []string
		headers []string
		msg     string // the error of Open
	}{
		{name: "HiddenCodeTable", sheets: []string{codes, data}, states: []string{"hidden", ""}, headers: []string{"名称"}},
		{name: "VeryHidden", sheets: []string{codes, codes, data}, states: []string{"veryHidden", "hidden", "visible"}, headers: []string{"名称"}},
		{name: "EmptyFirst", sheets: []string{empty, data, codes}, states: []string{"", "", ""}, headers: []string{"名称"}},
		{name: "BlankCellsFirst", sheets: []string{blankCells, empty, data}, states: []string{"", "", ""}, headers: []string{"名称"}},
		{name: "FirstOfTwo", sheets: []string{data, codes}, states: []string{"", ""}, headers: []string{"名称"}},
		{name: "HiddenAndEmpty", sheets: []string{codes, empty, data}, states: []string{"hidden", "", ""}, headers: []string{"名称"}},
		{name: "AllEmpty", sheets: []string{empty, blankCells}, states: []string{"", ""}, msg: "文件为空"},
		{name: "OnlyHiddenHaveData", sheets: []string{codes, empty}, states: []string{"hidden", ""}, msg: "文件为空"},
		{name: "NoneVisible", sheets: []string{codes}, states: []string{"hidden"}, msg: "XLSX文件中没有可见的工作表，请在Excel中取消隐藏数据所在的工作表后重新上传"},
	} {
		t.Run(test.name, func(t *testing.T) {
			x := rawXLSX(t, "", test.sheets, map[string]string{"xl/workbook.xml": workbookXML(test.states...)})
			headers, rows, err := readAll(t, x, "a.xlsx", "", Limits{})
			if test.msg != "" {
				wantCode(t, err, credit.EINVALID, test.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(test.headers, headers); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if len(rows) != 1 || rows[0].Num != 2 {
				t.Errorf("rows %v, want row 2", rows)
			}
		})
	}

	t.Run("Excelize", func(t *testing.T) {
		data := xlsxBytes(t, func(f *excelize.File) {
			must(t, f.SetSheetName("Sheet1", "代码表"))
			must(t, f.SetSheetRow("代码表", "A1", &[]any{"代码", "名称"}))
			must(t, f.SetSheetRow("代码表", "A2", &[]any{"01", "警告"}))
			i, err := f.NewSheet("空白")
			must(t, err)
			_, err = f.NewSheet("数据")
			must(t, err)
			must(t, f.SetSheetRow("数据", "A1", &[]any{"行政相对人名称", "处罚类别"}))
			must(t, f.SetSheetRow("数据", "A2", &[]any{"甲公司", "警告"}))
			f.SetActiveSheet(i)
			must(t, f.SetSheetVisible("代码表", false))
		})
		headers, rows, err := readAll(t, data, "a.xlsx", "", Limits{IsField: isPenaltyField})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"行政相对人名称", "处罚类别"}, headers); diff != "" {
			t.Errorf("headers (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]Row{{Num: 2, Values: vals("行政相对人名称", "甲公司", "处罚类别", "警告")}}, rows); diff != "" {
			t.Errorf("rows (-want +got):\n%s", diff)
		}
	})
}

// A vertically merged range holds its value in its top cell only; the
// reader carries it down the range's first column, in data rows.
func TestXLSXMergedCells(t *testing.T) {
	cell := func(ref, v string) string {
		return fmt.Sprintf(`<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, ref, v)
	}
	sheet := func(prefix, merges string) string {
		s := sheetHead +
			`<row r="1">` + cell("A1", "名称") + cell("B1", "处罚机关") + cell("C1", "事实") + cell("D1", "备注") + cell("E1", "证件号码") + `</row>` +
			`<row r="2">` + cell("A2", "甲") + cell("B2", "长春市局") + cell("C2", "x") + `<c r="E2"><v>2.20102198501029E+17</v></c></row>` +
			`<row r="3">` + cell("A3", "乙") + cell("C3", "y") + `</row>` +
			`<row r="4">` + cell("A4", "丙") + cell("D4", "自填") + `</row>` +
			`<row r="5">` + cell("A5", "丁") + cell("B5", "吉林市局") + cell("C5", "w") + `</row>` +
			`<row r="6"><c r="B6" s="1"/></row>` + // blank: stays out
			`<row r="7">` + cell("A7", "戊") + `</row>` +
			`<row r="8">` + cell("A8", "己") + `</row>` +
			`</sheetData>` + merges + `</worksheet>`
		if prefix != "" {
			s = strings.NewReplacer("</", "</"+prefix+":", "<?", "<?", "<", "<"+prefix+":", "xmlns=", "xmlns:"+prefix+"=").Replace(s)
		}
		return s
	}
	// B2:B4 and B5:B7 down 处罚机关; C3:D4 across two columns: C only;
	// D1:D3 from the header row: not carried; E2:E3 an inexact number,
	// with its problem; A8:A9 past the last row.
	merges := `<mergeCells count="6"><mergeCell ref="B5:B7"/><mergeCell ref="B2:B4"/><mergeCell ref="C3:D4"/>` +
		`<mergeCell ref="D1:D3"/><mergeCell ref="E2:E3"/><mergeCell ref="A8:A9"/><mergeCell ref="A1:A1"/><mergeCell ref="bad"/></mergeCells>`
	row := func(num int, name, org, fact, note, id string, problems ...credit.Problem) Row {
		return Row{Num: num, Values: vals("名称", name, "处罚机关", org, "事实", fact, "备注", note, "证件号码", id), Problems: problems}
	}
	lost := func(num int) credit.Problem {
		return credit.Problem{Row: num, FieldName: "证件号码", Code: "number_precision_lost",
			Message: fmt.Sprintf("第%d行“证件号码”（E列）：单元格为数值格式（文件中为2.20102198501029E+17），Excel只保存15位有效数字，18位代码已失真；请将该列设置为文本格式后重新填写", num)}
	}
	want := []Row{
		row(2, "甲", "长春市局", "x", "", "220102198501029000", lost(2)),
		row(3, "乙", "长春市局", "y", "", "220102198501029000", lost(3)),
		row(4, "丙", "长春市局", "y", "自填", ""),
		row(5, "丁", "吉林市局", "w", "", ""),
		row(7, "戊", "吉林市局", "", "", ""),
		row(8, "己", "", "", "", ""),
	}
	for _, prefix := range []string{"", "x"} {
		t.Run("Prefix"+prefix, func(t *testing.T) {
			_, rows, err := readAll(t, rawXLSX(t, "", []string{sheet(prefix, merges)}, nil), "m.xlsx", "", Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("Excelize", func(t *testing.T) {
		data := xlsxBytes(t, func(f *excelize.File) {
			must(t, f.SetCellStr("Sheet1", "A1", "行政处罚信息"))
			must(t, f.MergeCell("Sheet1", "A1", "C1"))
			must(t, f.SetSheetRow("Sheet1", "A2", &[]any{"行政相对人名称", "处罚机关", "处罚类别"}))
			for i, name := range []string{"甲公司", "乙公司", "丙公司", "丁公司"} {
				must(t, f.SetCellStr("Sheet1", fmt.Sprintf("A%d", i+3), name))
				must(t, f.SetCellStr("Sheet1", fmt.Sprintf("C%d", i+3), "警告"))
			}
			must(t, f.SetCellStr("Sheet1", "B3", "长春市市场监督管理局"))
			must(t, f.MergeCell("Sheet1", "B3", "B5"))
		})
		_, rows, err := readAll(t, data, "m.xlsx", "", Limits{IsField: isPenaltyField})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			got = append(got, fmt.Sprintf("%d %s %s", r.Num, r.Values["行政相对人名称"], r.Values["处罚机关"]))
		}
		want := []string{"3 甲公司 长春市市场监督管理局", "4 乙公司 长春市市场监督管理局", "5 丙公司 长春市市场监督管理局", "6 丁公司 "}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("rows (-want +got):\n%s", diff)
		}
	})

	t.Run("TooMany", func(t *testing.T) {
		old := maxMergeRanges
		maxMergeRanges = 2
		defer func() { maxMergeRanges = old }()
		_, _, err := readAll(t, rawXLSX(t, "", []string{sheet("", merges)}, nil), "m.xlsx", "", Limits{})
		wantCode(t, err, credit.EINVALID, "XLSX工作表的合并单元格超过2处，请取消合并单元格后重新上传")
	})
}
