package ingest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"jlcredit/internal/credit"
)

func TestJSON(t *testing.T) {
	for _, test := range []struct {
		name    string
		data    string
		headers []string
		rows    []Row
	}{
		{
			name:    "Values",
			data:    "\xEF\xBB\xBF [\n{\"名称\": \" 长春市某某公司 \", \"罚款金额\": 1.50, \"证件号码\": 220102199001011234, \"公示\": true, \"备注\": null, \"指数\": 1e3}\n]\n",
			headers: []string{"名称", "罚款金额", "证件号码", "公示", "备注", "指数"},
			rows: []Row{{Num: 1, Values: vals("名称", "长春市某某公司", "罚款金额", "1.50", "证件号码", "220102199001011234",
				"公示", "true", "备注", "", "指数", "1000")}},
		},
		{
			name:    "HeadersUnion",
			data:    `[{"b":"1","a":"2"},{"c":"3","a":"4"},{}]`,
			headers: []string{"b", "a", "c"},
			rows: []Row{
				{Num: 1, Values: vals("b", "1", "a", "2")},
				{Num: 2, Values: vals("c", "3", "a", "4")},
				{Num: 3, Values: vals()},
			},
		},
		{
			name:    "Nested",
			data:    `[{"a": {"x": [1, 2]}, "b": [ "y" ]}]`,
			headers: []string{"a", "b"},
			rows: []Row{{Num: 1, Values: vals("a", `{"x":[1,2]}`, "b", `["y"]`), Problems: []credit.Problem{
				{Row: 1, FieldName: "a", Code: "nested_value", Message: "第1个对象的“a”是嵌套的对象或数组，应为文字、数字或日期"},
				{Row: 1, FieldName: "b", Code: "nested_value", Message: "第1个对象的“b”是嵌套的对象或数组，应为文字、数字或日期"},
			}}},
		},
		{
			name:    "NotObject",
			data:    `[{"a":"1"}, 5, null, {"a":"2"}]`,
			headers: []string{"a"},
			rows: []Row{
				{Num: 1, Values: vals("a", "1")},
				{Num: 2, Values: vals(), Problems: []credit.Problem{{Row: 2, Code: "not_object", Message: "第2个元素不是JSON对象，无法作为一行数据"}}},
				{Num: 3, Values: vals(), Problems: []credit.Problem{{Row: 3, Code: "not_object", Message: "第3个元素不是JSON对象，无法作为一行数据"}}},
				{Num: 4, Values: vals("a", "2")},
			},
		},
		{
			name:    "DuplicateKey",
			data:    `[{"a":"1","a":"2"}]`,
			headers: []string{"a"},
			rows: []Row{{Num: 1, Values: vals("a", "2"), Problems: []credit.Problem{
				{Row: 1, FieldName: "a", Code: "duplicate_key", Message: "第1个对象中键“a”重复，以最后一个为准"},
			}}},
		},
		{
			name:    "Escapes",
			data:    `[{"a":"\u5409\u6797\n","b":"x\"y"}]`,
			headers: []string{"a", "b"},
			rows:    []Row{{Num: 1, Values: vals("a", "吉林", "b", `x"y`)}},
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			headers, rows, err := readAll(t, []byte(test.data), "data.json", "", Limits{})
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

// Headers after Open are the keys of the first object.
func TestJSONHeadersAfterOpen(t *testing.T) {
	r, err := Open(strings.NewReader(`[{"x":1,"y":2},{"z":3}]`), "a.json", "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if diff := cmp.Diff([]string{"x", "y"}, r.Headers()); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
}

func TestJSONErrors(t *testing.T) {
	for _, test := range []struct {
		name      string
		data      string
		lim       Limits
		openErr   bool
		code, msg string
		rows      int
	}{
		{name: "Empty", data: "  \n", openErr: true, code: credit.EINVALID, msg: "文件为空"},
		{name: "EmptyArray", data: "[ ]", openErr: true, code: credit.EINVALID, msg: "文件为空"},
		{name: "NotArray", data: `{"a":1}`, openErr: true, code: credit.EINVALID, msg: "JSON格式错误：文件应为对象数组"},
		{name: "BadStart", data: `x[`, openErr: true, code: credit.EINVALID, msg: "JSON格式错误"},
		{name: "MidArray", data: `[{"a":"1"},{"a":"2"},{"a":3 "b"},{"a":"4"}]`, code: credit.EINVALID, msg: "JSON格式错误：第3个对象附近", rows: 2},
		{name: "FirstBroken", data: `[{"a":}]`, code: credit.EINVALID, msg: "JSON格式错误：第1个对象附近", rows: 0},
		{name: "MissingComma", data: `[{"a":"1"} {"a":"2"}]`, code: credit.EINVALID, msg: "JSON格式错误：第2个对象附近", rows: 1},
		{name: "Truncated", data: `[{"a":"1"},{"a":"2`, code: credit.EINVALID, msg: "JSON格式错误：第2个对象附近文件意外结束", rows: 1},
		{name: "NoClosingBracket", data: `[{"a":"1"}`, code: credit.EINVALID, msg: "JSON格式错误", rows: 1},
		{name: "TrailingGarbage", data: `[{"a":"1"}] x`, code: credit.EINVALID, msg: "数组结束后还有多余内容", rows: 1},
		{name: "TooManyRows", data: `[{"a":1},{"a":2},{"a":3}]`, lim: Limits{MaxRows: 2}, code: credit.ETOOLARGE, msg: "文件超过2行上限", rows: 2},
		{name: "HugeElement", data: `[{"a":1},{"a":"` + strings.Repeat("x", 2<<20) + `"}]`, lim: Limits{MaxCellBytes: 1024}, code: credit.EINVALID, msg: "JSON第2个对象附近内容超过1MB", rows: 1},
	} {
		t.Run(test.name, func(t *testing.T) {
			r, err := Open(strings.NewReader(test.data), "x.json", "", test.lim)
			if test.openErr {
				wantCode(t, err, test.code, test.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			_, rows, err := drain(r)
			wantCode(t, err, test.code, test.msg)
			if len(rows) != test.rows {
				t.Errorf("read %d rows before the error, want %d", len(rows), test.rows)
			}
		})
	}
}

func TestJSONCellTooLarge(t *testing.T) {
	_, rows, err := readAll(t, []byte(`[{"a":"`+strings.Repeat("x", 11)+`"}]`), "x.json", "", Limits{MaxCellBytes: 10})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"cell_too_large"}, problemCodes(rows[0])); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestDecimalText(t *testing.T) {
	for _, test := range []struct{ in, want string }{
		{"1e-06", "0.000001"},
		{"1E-6", "0.000001"},
		{"1.5E3", "1500"},
		{"1.5e+3", "1500"},
		{"-2.5e-3", "-0.0025"},
		{"1.25e1", "12.5"},
		{"0.5e1", "5"},
		{"1.0e2", "100"},
		{"123e-2", "1.23"},
		{"0e10", "0"},
		{"-0.0e-5", "0"},
		{"1.5e+20", "150000000000000000000"},
		{"9.999999999999999e22", "99999999999999990000000"},
		{"1e-0006", "0.000001"},
		// Without an exponent: as written.
		{"0.1", "0.1"},
		{"0.10", "0.10"},
		{"12345678901234567890", "12345678901234567890"},
		{"-3", "-3"},
		// Too far out: as written.
		{"1e401", "1e401"},
		{"1e-99999999999999999999", "1e-99999999999999999999"},
		{"abc", "abc"},
	} {
		if got := decimalText(test.in); got != test.want {
			t.Errorf("decimalText(%q) = %q, want %q", test.in, got, test.want)
		}
	}
}

// Python's json.dumps and Java write small amounts with an exponent.
func TestJSONExponent(t *testing.T) {
	_, rows, err := readAll(t, []byte(`[{"CF_NR_FK": 1e-06, "b": 1.5E3, "c": 12345678901234567890, "d": 0.1}]`), "j.json", "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := vals("CF_NR_FK", "0.000001", "b", "1500", "c", "12345678901234567890", "d", "0.1")
	if diff := cmp.Diff(want, rows[0].Values); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
}
