package jsonapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"jlcredit/internal/credit"
)

// goInternals matches what encoding/json says about Go types, which a
// caller must never see.
var goInternals = regexp.MustCompile(`(?i)unmarshal|go (value|struct)|json:|lists\.|record\.|\bstruct\b|\[\]|\bint\b|\bstring\b|main\.`)

// TestDecodeJSONErrors sends broken bodies to every route that decodes a
// JSON object and checks the answer: 400 invalid (413 too_large for a body
// over 4 MB) with a Chinese message that names the field and its place.
func TestDecodeJSONErrors(t *testing.T) {
	e := newEnv(t)
	for _, test := range []struct {
		name, method, path, body string
		status                   int
		code                     string
		want                     []string // parts of the message
	}{
		{"FeedbackBareArray", "POST", "/api/v1/verifications/1/feedback", `[{"seq": 1}]`, 400, credit.EINVALID,
			[]string{"请求体应为对象，实际为数组"}},
		{"SubjectsString", "POST", "/api/v1/verifications", `{"scenario": "政府采购", "subjects": "abc"}`, 400, credit.EINVALID,
			[]string{"字段“subjects”应为数组，实际为字符串"}},
		{"SubjectsKeyCase", "POST", "/api/v1/verifications", `{"Subjects": "abc"}`, 400, credit.EINVALID,
			[]string{"字段“Subjects”应为数组，实际为字符串"}},
		{"SubjectCodeNumber", "POST", "/api/v1/verifications", `{"subjects": [{"code": "x"}, {"name": "y"}, {"code": 91220101}]}`, 400, credit.EINVALID,
			[]string{"字段“subjects[2].code”应为字符串，实际为数字"}},
		{"SubjectNotObject", "POST", "/api/v1/verifications", `{"subjects": [{"code": "x"}, 7]}`, 400, credit.EINVALID,
			[]string{"字段“subjects[1]”应为对象，实际为数字"}},
		{"UnknownField", "POST", "/api/v1/verifications", `{"scenario": "政府采购", "subject": []}`, 400, credit.EINVALID,
			[]string{"字段“subject”无法识别", "scenario、purpose、subjects"}},
		{"UnknownNestedField", "POST", "/api/v1/verifications", `{"subjects": [{"code": "x"}, {"code": "y", "nmae": "z"}]}`, 400, credit.EINVALID,
			[]string{"字段“subjects[1].nmae”无法识别", "code、name"}},
		{"UnknownFieldKnownElsewhere", "POST", "/api/v1/verifications", `{"subjects": [{"code": "x"}], "code": "y"}`, 400, credit.EINVALID,
			[]string{"字段“code”无法识别"}},
		{"Syntax", "POST", "/api/v1/verifications", `{"scenario": "政府采购",}`, 400, credit.EINVALID,
			[]string{"请求体不是有效的JSON（第" + strconv.Itoa(len(`{"scenario": "政府采购",}`)) + "个字节附近）"}},
		{"Empty", "POST", "/api/v1/verifications", ``, 400, credit.EINVALID, []string{"请求体为空"}},
		{"Blank", "POST", "/api/v1/subscriptions", " \n ", 400, credit.EINVALID, []string{"请求体为空"}},
		{"Truncated", "POST", "/api/v1/verifications", `{"scenario": "政府`, 400, credit.EINVALID, []string{"不是完整的JSON"}},
		{"TwoValues", "POST", "/api/v1/verifications", `{} {"scenario": "x"}`, 400, credit.EINVALID, []string{"第4个字节起还有多余内容"}},
		{"TooLarge", "POST", "/api/v1/verifications", `{"purpose": "` + strings.Repeat("长", 2<<20) + `"}`, 413, credit.ETOOLARGE,
			[]string{"请求体超过4 MB上限"}},
		{"FeedbackSeqFraction", "POST", "/api/v1/verifications/1/feedback", `{"feedback": [{"seq": 1.5}]}`, 400, credit.EINVALID,
			[]string{"字段“feedback[0].seq”应为整数，实际为数字1.5"}},
		{"FeedbackSeqHuge", "POST", "/api/v1/verifications/1/feedback", `{"feedback": [{"seq": 1}, {"seq": 1e30}]}`, 400, credit.EINVALID,
			[]string{"字段“feedback[1].seq”应为整数，实际为超出范围的数字1e30"}},
		{"FeedbackApplied", "POST", "/api/v1/verifications/1/feedback", `{"feedback": [{"seq": 1, "applied": "是"}]}`, 400, credit.EINVALID,
			[]string{"字段“feedback[0].applied”应为布尔值（true或false），实际为字符串"}},
		{"FeedbackTime", "POST", "/api/v1/verifications/1/feedback", `{"feedback": [{"seq": 1, "at": "昨天"}]}`, 400, credit.EINVALID,
			[]string{"字段“feedback[0].at”无法识别", "seq、measure_code、applied、applied_on、reason"}},
		{"MeasureClass", "PUT", "/api/v1/measures/N1-01", `{"code": "N1-01", "class": "一"}`, 400, credit.EINVALID,
			[]string{"字段“class”应为整数，实际为字符串"}},
		{"MeasureListTypes", "PUT", "/api/v1/measures/N1-01", `{"list_types": {"black": true}}`, 400, credit.EINVALID,
			[]string{"字段“list_types”应为数组，实际为对象"}},
		{"RemovalDate", "POST", "/api/v1/lists/entries/1/removal", `{"reason": "x", "date": 20261120}`, 400, credit.EINVALID,
			[]string{"字段“date”应为字符串，实际为数字"}},
		{"SubscriptionTypes", "POST", "/api/v1/subscriptions", `{"url": "https://example.com/hook", "list_types": "black"}`, 400, credit.EINVALID,
			[]string{"字段“list_types”应为数组，实际为字符串"}},
		{"SubscriptionTypeItem", "POST", "/api/v1/subscriptions", `{"url": "https://example.com/hook", "list_types": ["black", false]}`, 400, credit.EINVALID,
			[]string{"字段“list_types[1]”应为字符串，实际为布尔值"}},
		{"AckFeedback", "POST", "/api/v1/inbox/1/ack", `{"feedback": ["已处理"]}`, 400, credit.EINVALID,
			[]string{"字段“feedback”应为字符串，实际为数组"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			resp, m := e.do(t, test.method, test.path, e.keyA, "application/json", strings.NewReader(test.body))
			msg, _ := m["message"].(string)
			if resp.StatusCode != test.status || m["code"] != test.code {
				t.Errorf("got %d %v %q, want %d %s", resp.StatusCode, m["code"], msg, test.status, test.code)
			}
			for _, want := range test.want {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q, want it to contain %q", msg, want)
				}
			}
			if goInternals.MatchString(msg) || !hasHan(msg) {
				t.Errorf("message %q is not a Chinese sentence free of Go internals", msg)
			}
		})
	}
}

// TestDecodeJSONTruncated cuts a valid verification request at every byte
// and checks that each piece is refused in Chinese, without Go internals.
func TestDecodeJSONTruncated(t *testing.T) {
	e := newEnv(t)
	body := `{"scenario": "政府采购", "purpose": "采购", "subjects": [{"code": "91220101MA0Y77770X"}, {"name": "长春鑫达贸易有限公司"}]}`
	for i := 1; i < len(body); i++ {
		resp, m := e.do(t, "POST", "/api/v1/verifications", e.keyA, "application/json", strings.NewReader(body[:i]))
		msg, _ := m["message"].(string)
		if resp.StatusCode != http.StatusBadRequest || m["code"] != credit.EINVALID || goInternals.MatchString(msg) || !hasHan(msg) {
			t.Errorf("body cut at %d: got %d %v %q, want 400 invalid in Chinese", i, resp.StatusCode, m["code"], msg)
		}
	}
}

// columns returns the field codes rows use, sorted.
func columns(rows []map[string]string) []string {
	var codes []string
	for _, r := range rows {
		for k := range r {
			if !slices.Contains(codes, k) {
				codes = append(codes, k)
			}
		}
	}
	slices.Sort(codes)
	return codes
}

// xlsxOf writes rows as an XLSX file.
func xlsxOf(t *testing.T, rows []map[string]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	codes := columns(rows)
	for j, c := range codes {
		cell, _ := excelize.CoordinatesToCellName(j+1, 1)
		if err := f.SetCellValue("Sheet1", cell, c); err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
			if err := f.SetCellStr("Sheet1", cell, r[c]); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// csvOf writes rows as CSV.
func csvOf(rows []map[string]string) []byte {
	codes := columns(rows)
	var b strings.Builder
	b.WriteString(strings.Join(codes, ",") + "\n")
	for _, r := range rows {
		var vals []string
		for _, c := range codes {
			vals = append(vals, `"`+strings.ReplaceAll(r[c], `"`, `""`)+`"`)
		}
		b.WriteString(strings.Join(vals, ",") + "\n")
	}
	return []byte(b.String())
}

// TestBatchContentTypes submits batches as HTTP clients send them: with
// application/octet-stream or no Content-Type the format comes from
// ?filename= or the content; a declared format the content contradicts is
// refused before anything is stored.
func TestBatchContentTypes(t *testing.T) {
	e := newEnv(t)
	rows := e.rows(t, e.deptA, 12)
	xlsx := xlsxOf(t, rows[0:2])
	csv := csvOf(rows[2:4])
	js, _ := json.Marshal(rows[4:6])
	bomJSON := append([]byte("\ufeff \n"), js...)
	csvByName := csvOf(rows[6:8])
	xlsxByName := xlsxOf(t, rows[8:10])
	xlsxNoType := xlsxOf(t, rows[10:12])
	for _, test := range []struct {
		name, query, ctype string
		body               []byte
		format             string // of the stored batch
	}{
		{"XLSXOctetStream", "", "application/octet-stream", xlsx, "xlsx"},
		{"XLSXNoContentType", "", "", xlsxNoType, "xlsx"},
		{"CSVOctetStream", "", "application/octet-stream", csv, "csv"},
		{"JSONOctetStream", "", "application/octet-stream", bomJSON, "json"},
		{"CSVByFilename", "&filename=" + "处罚.csv", "application/octet-stream", csvByName, "csv"},
		{"XLSXByFilename", "&filename=" + "处罚.XLSX", "", xlsxByName, "xlsx"},
	} {
		t.Run(test.name, func(t *testing.T) {
			resp, m := e.do(t, "POST", "/api/v1/batches?class=penalty"+test.query, e.keyA, test.ctype, bytes.NewReader(test.body))
			if resp.StatusCode != http.StatusCreated || m["accepted"] != 2.0 {
				_, b := e.do(t, "GET", "/api/v1/batches/"+m["batch"].(string), e.keyA, "", nil)
				t.Fatalf("got %d %v, want 201 with 2 rows accepted; %v", resp.StatusCode, m, b["errors"])
			}
			if loc := resp.Header.Get("Location"); loc != "/api/v1/batches/"+m["batch"].(string) {
				t.Errorf("Location %q, want the batch's receipt", loc)
			}
			_, b := e.do(t, "GET", "/api/v1/batches/"+m["batch"].(string), e.keyA, "", nil)
			if b["format"] != test.format {
				t.Errorf("stored format %v, want %s", b["format"], test.format)
			}
		})
	}

	_, before := e.do(t, "GET", "/api/v1/batches", e.keyA, "", nil)
	for _, test := range []struct {
		name, query, ctype string
		body               []byte
		want               string
	}{
		{"XLSXAsJSON", "", "application/json", xlsx, "文件内容是XLSX，但Content-Type声明为“application/json”"},
		{"XLSXAsCSV", "", "text/csv; charset=utf-8", xlsx, "文件内容是XLSX，但Content-Type声明为“text/csv”"},
		{"XLSXNamedCSV", "&filename=a.csv", "application/octet-stream", xlsx, "文件内容是XLSX，但文件名“a.csv”的扩展名是.csv"},
		{"Unsupported", "", "image/png", xlsx, "application/octet-stream"},
		{"MalformedContentType", "", "application/json; charset", xlsx, "文件内容是XLSX"},
		{"BrokenContentType", "", "/", xlsx, "不支持的Content-Type“/”"},
		{"Empty", "", "application/octet-stream", nil, "文件为空"},
		{"CSVNamedXLSX", "&filename=a.xlsx", "application/octet-stream", []byte("CF_WSH\n1\n"), "“a.xlsx”声明为Excel（.xlsx）文件，但内容不是"},
		{"CSVAsXLSX", "", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []byte("CF_WSH\n1\n"), "“batch.xlsx”声明为Excel（.xlsx）文件，但内容不是"},
	} {
		t.Run(test.name, func(t *testing.T) {
			resp, m := e.do(t, "POST", "/api/v1/batches?class=penalty"+test.query, e.keyA, test.ctype, bytes.NewReader(test.body))
			msg, _ := m["message"].(string)
			if resp.StatusCode != http.StatusBadRequest || m["code"] != credit.EINVALID || !strings.Contains(msg, test.want) {
				t.Errorf("got %d %v %q, want 400 invalid containing %q", resp.StatusCode, m["code"], msg, test.want)
			}
		})
	}
	if _, after := e.do(t, "GET", "/api/v1/batches", e.keyA, "", nil); after["total"] != before["total"] {
		t.Errorf("batches refused for their Content-Type were stored: %v before, %v after", before["total"], after["total"])
	}
}
