package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/subject/subjecttest"
)

// testUSCC returns a valid USCC that starts with first16.
func testUSCC(t *testing.T, first16 string) string { return subjecttest.USCC(t, first16) }

// testID returns a valid citizen ID number that starts with first17.
func testID(t *testing.T, first17 string) string { return subjecttest.CitizenID(t, first17) }

func csvFile(rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll(rows)
	return b.Bytes()
}

func xlsxFile(t *testing.T, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		vals := make([]any, len(row))
		for j, v := range row {
			vals[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestFileSubjects reads files of subjects as departments write them: no
// row with content is skipped without a word.
func TestFileSubjects(t *testing.T) {
	org := testUSCC(t, "91220101MA0Y5678")
	org2 := testUSCC(t, "91220102MA0Y1234")
	person := testID(t, "22010219800101123")
	person2 := testID(t, "22010419900202456")
	type problem struct {
		row  int
		code string
		text string // part of the message
	}
	for _, test := range []struct {
		name    string
		rows    [][]string
		want    []lists.Query
		errCode string    // "" for success
		errs    []problem // the problems, in order
	}{
		{"Name", [][]string{{"名称"}, {"长春甲有限公司"}}, []lists.Query{{Name: "长春甲有限公司"}}, "", nil},
		{"SupplierName", [][]string{{"序号", "供应商名称"}, {"1", "长春甲有限公司"}}, []lists.Query{{Name: "长春甲有限公司"}}, "", nil},
		{"EnterpriseName", [][]string{{"企业名称"}, {"长春甲有限公司"}}, []lists.Query{{Name: "长春甲有限公司"}}, "", nil},
		{"UnitName", [][]string{{"单位名称"}, {"长春甲有限公司"}}, []lists.Query{{Name: "长春甲有限公司"}}, "", nil},
		{"SubjectName", [][]string{{"主体名称"}, {"长春甲有限公司"}}, []lists.Query{{Name: "长春甲有限公司"}}, "", nil},
		{"BidderName", [][]string{{"投标人名称", "备注"}, {"长春甲有限公司", ""}}, []lists.Query{{Name: "长春甲有限公司"}}, "", nil},
		{"PersonName", [][]string{{"姓名", "证件号码"}, {"王某", person}}, []lists.Query{{Code: person, Name: "王某"}}, "", nil},
		{"NameOrPersonName", [][]string{{"名称（姓名）", "统一社会信用代码"}, {"长春甲有限公司", org}}, []lists.Query{{Code: org, Name: "长春甲有限公司"}}, "", nil},
		{"SpacedFullWidthRequired", [][]string{{" ＊供应商　名称 ", "＊统一社会信用代码"}, {"长春甲有限公司", org}}, []lists.Query{{Code: org, Name: "长春甲有限公司"}}, "", nil},
		{"ApplicantName", [][]string{{"申请人姓名", "身份证号"}, {"王某", person}}, []lists.Query{{Code: person, Name: "王某"}}, "", nil},
		// An exact heading is preferred to one that only ends with 名称.
		{"ExactPreferred", [][]string{{"曾用名称", "名称"}, {"旧名有限公司", "长春甲有限公司"}}, []lists.Query{{Name: "长春甲有限公司"}}, "", nil},
		// Headings that name something else are not columns of names.
		{"NotSubjectNames", [][]string{{"项目名称", "供应商名称", "法定代表人姓名", "采购单位名称"}, {"某采购项目", "长春甲有限公司", "李某", "吉林省财政厅"}},
			[]lists.Query{{Name: "长春甲有限公司"}}, "", nil},
		// Both code columns are read: a person with an empty USCC cell is
		// verified by the ID number.
		{"USCCAndIDColumns", [][]string{{"名称", "统一社会信用代码", "证件号码"}, {"长春甲有限公司", org, ""}, {"王某", "", person}, {"李某", "/", person2}},
			[]lists.Query{{Code: org, Name: "长春甲有限公司"}, {Code: person, Name: "王某"}, {Code: person2, Name: "李某"}}, "", nil},
		{"SameCodeTwice", [][]string{{"统一社会信用代码", "证件号码"}, {org, " " + strings.ToLower(org)}}, []lists.Query{{Code: org}}, "", nil},
		{"ErrCodesDiffer", [][]string{{"名称", "统一社会信用代码", "证件号码"}, {"长春甲有限公司", org, ""}, {"王某", org2, person}},
			nil, credit.EINVALID, []problem{{3, "code_conflict", "第3行（文件）的代码不一致：“统一社会信用代码”列为“" + org2 + "”，“证件号码”列为“" + person + "”"}}},
		{"ErrNamesDiffer", [][]string{{"供应商名称", "投标人名称"}, {"长春甲有限公司", "长春乙有限公司"}},
			nil, credit.EINVALID, []problem{{2, "name_conflict", "第2行（文件）的名称不一致"}}},
		// A row with content but no subject is refused; a blank row is
		// skipped, and rows keep their numbers in the file.
		{"ErrNoSubject", [][]string{{"名称", "统一社会信用代码", "备注"}, {"长春甲有限公司", org, ""}, {"", "", ""}, {"", "", "已核实"}},
			nil, credit.EINVALID, []problem{{4, "no_subject", "第4行（文件）有内容，但“统一社会信用代码”“名称”列均为空"}}},
		{"ErrNoSubjectPlaceholder", [][]string{{"统一社会信用代码", "证件号码", "序号"}, {"/", "无", "1"}},
			nil, credit.EINVALID, []problem{{2, "no_subject", "第2行（文件）"}}},
		{"ErrNotACode", [][]string{{"名称", "统一社会信用代码"}, {"长春甲有限公司", "暂无"}, {"长春乙有限公司", "91220802873925803X"}},
			nil, credit.EINVALID, []problem{{2, "bad_code", "第2行（文件）“暂无”不是有效的"}, {3, "bad_code", "统一社会信用代码校验位"}}},
		// The heading row below title rows.
		{"TitleRows", [][]string{{"2026年第一批供应商核查名单", "", ""}, {"", "", ""}, {"序号", "供应商名称", "统一社会信用代码"}, {"1", "长春甲有限公司", org}, {"2", "长春乙有限公司", ""}},
			[]lists.Query{{Code: org, Name: "长春甲有限公司"}, {Name: "长春乙有限公司"}}, "", nil},
		{"BidderHeading", [][]string{{"序号", "投标人", "备注"}, {"1", "长春甲有限公司", "已报名"}}, []lists.Query{{Name: "长春甲有限公司"}}, "", nil},
		// Without a known heading every row counts, the first too: the one
		// cell it fills, or its one valid code (with the one other text
		// cell as the name to check; a 序号 is not one).
		{"NoHeading", [][]string{{org}, {"长春甲有限公司"}}, []lists.Query{{Code: org}, {Name: "长春甲有限公司"}}, "", nil},
		{"NoHeadingNameAndCode", [][]string{{"1", "长春甲有限公司", org}, {"2", person, "王某"}}, []lists.Query{{Code: org, Name: "长春甲有限公司"}, {Code: person, Name: "王某"}}, "", nil},
		{"ErrNoHeadingNoCode", [][]string{{"序号", "参与人", "备注"}, {"1", "长春甲有限公司", "已报名"}},
			nil, credit.EINVALID, []problem{{1, "no_subject", "第1行（文件）有多列内容"}, {2, "no_subject", "没有“统一社会信用代码”“证件号码”或“名称”等列标题"}}},
		{"ErrNoHeadingTwoCodes", [][]string{{org, org2}},
			nil, credit.EINVALID, []problem{{1, "code_conflict", "第1行（文件）有多个代码"}}},
	} {
		for _, format := range []string{"csv", "xlsx"} {
			t.Run(test.name+"/"+format, func(t *testing.T) {
				var body []byte
				if format == "csv" {
					body = csvFile(test.rows)
				} else {
					body = xlsxFile(t, test.rows)
				}
				got, err := fileSubjects(bytes.NewReader(body), "对象."+format)
				if test.errCode == "" {
					if err != nil {
						t.Fatalf("fileSubjects: %v", err)
					}
					if diff := cmp.Diff(test.want, got); diff != "" {
						t.Errorf("queries (-want +got):\n%s", diff)
					}
					return
				}
				var ce *credit.Error
				if !errors.As(err, &ce) || ce.Code != test.errCode {
					t.Fatalf("fileSubjects = %v, %v; want %s", got, err, test.errCode)
				}
				details := ce.Details
				if len(details) == 0 {
					details = []credit.Problem{{Message: ce.Message}}
				}
				if len(details) != len(test.errs) {
					t.Fatalf("problems = %+v, want %d", details, len(test.errs))
				}
				for i, p := range test.errs {
					d := details[i]
					if d.Row != p.row || d.Code != p.code || !strings.Contains(d.Message, p.text) {
						t.Errorf("problem %d = %+v, want row %d, code %s, message with %q", i, d, p.row, p.code, p.text)
					}
				}
				if ce.Message != details[0].Message {
					t.Errorf("message = %q, want the first problem's", ce.Message)
				}
			})
		}
	}
}

func TestParseSubjectsLines(t *testing.T) {
	org := testUSCC(t, "91220101MA0Y5678")
	person := testID(t, "22010219800101123")
	var lines []subjectCell
	for _, l := range []string{org + "\n", "\n", " 长春甲有限公司 \n", strings.ToLower(person)} {
		lines = append(lines, subjectCell{text: l})
	}
	got, err := parseSubjects(lines, 1, "行")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]lists.Query{{Code: org}, {Name: "长春甲有限公司"}, {Code: person}}, got); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
	// Cells pasted from Excel, split at tabs: the code, with the name to
	// check it against; several cells without a code are refused.
	got, err = parseSubjects([]subjectCell{freeSubject(1, strings.Split("长春甲有限公司\t"+org, "\t"))}, 1, "行")
	if err != nil || cmp.Diff([]lists.Query{{Code: org, Name: "长春甲有限公司"}}, got) != "" {
		t.Errorf("tab-separated line: %v, %v", got, err)
	}
	got, err = formSubjects(httptest.NewRequest("POST", "/", nil), "长春甲有限公司\t"+org+"\r\n"+org+"\n长春乙有限公司\t已报名\n")
	if ce := (*credit.Error)(nil); !errors.As(err, &ce) || len(ce.Details) != 1 || ce.Details[0].Row != 3 || !strings.HasPrefix(ce.Details[0].Message, "第3行有多列内容") {
		t.Errorf("pasted lines: %v, %v; want line 3 refused", got, err)
	}
	// Line numbers count blank lines; an ID-shaped code fails the ID
	// check, a mistyped USCC of digits the USCC check.
	lines = []subjectCell{{text: org}, {text: ""}, {text: "220102198001011231"}, {text: "91220802873925803X"}}
	_, err = parseSubjects(lines, 1, "行")
	var ce *credit.Error
	if !errors.As(err, &ce) || len(ce.Details) != 2 {
		t.Fatalf("parseSubjects = %v, want 2 problems", err)
	}
	if d := ce.Details[0]; d.Row != 3 || !strings.Contains(d.Message, "第3行") || !strings.Contains(d.Message, "公民身份号码校验位") {
		t.Errorf("problem 1 = %+v", d)
	}
	if d := ce.Details[1]; d.Row != 4 || !strings.Contains(d.Message, "统一社会信用代码校验位") || strings.Contains(d.Message, "公民身份号码") {
		t.Errorf("problem 2 = %+v", d)
	}
}

func TestMaskCodeConsole(t *testing.T) {
	for code, want := range map[string]string{
		"":                   "",
		"91220101MA0Y56781J": "91220101MA0Y56781J",
		"220102198001011234": "220102********1234",
		"91220802873925803X": "91220802873925803X",
		"220102********1234": "220102********1234", // as stored
	} {
		if got := maskCode(code); got != want {
			t.Errorf("maskCode(%q) = %q, want %q", code, got, want)
		}
	}
}
