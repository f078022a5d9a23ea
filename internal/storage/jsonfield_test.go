package storage

import (
	"encoding/json"
	"testing"
)

var jsonFieldCases = []struct {
	obj, code, want string
}{
	{`{"A":"1","CF_XDR_SHXYM":"91220101MA0Y12345X","Z":"2"}`, "CF_XDR_SHXYM", "91220101MA0Y12345X"},
	{`{"CF_XDR_SHXYM":"x"}`, "CF_XDR_SHXYM", "x"},
	{`{"A":"\"CF_XDR_SHXYM\":\"fake\"","CF_XDR_SHXYM":"real"}`, "CF_XDR_SHXYM", "real"}, // a key inside a value is not a key
	{`{"A":"a,\"CF_XDR_SHXYM\":\"fake\""}`, "CF_XDR_SHXYM", ""},
	{`{"CF_SY":"含\"引号\"与\\反斜杠"}`, "CF_SY", `含"引号"与\反斜杠`},
	{`{"CF_SY":"\u4e2d"}`, "CF_SY", "中"},
	{`{}`, "CF_SY", ""},
	// Re-serialised by another tool: the same content, read alike.
	{"{\"A\": \"1\", \"CF_XDR_MC\": \"某公司\"}", "CF_XDR_MC", "某公司"},
	{"{\n  \"CF_XDR_MC\" :\t\"某公司\"\r\n}", "CF_XDR_MC", "某公司"},
	{`{"\u0043F_XDR_MC":"某公司"}`, "CF_XDR_MC", "某公司"},              // an escaped key
	{`{"CF_XDR_MC":"甲公司","CF_XDR_MC":"乙公司"}`, "CF_XDR_MC", "乙公司"}, // a repeated key: the last, as encoding/json
	{`{"CF_XDR_MC":null}`, "CF_XDR_MC", ""},
	{"{\"CF_XDR_MC\":\"\xff公司\"}", "CF_XDR_MC", "\uFFFD公司"}, // not UTF-8: U+FFFD, as encoding/json
	{` { } `, "CF_XDR_MC", ""},
}

func TestJSONField(t *testing.T) {
	for _, test := range jsonFieldCases {
		got, err := jsonField(test.obj, test.code)
		if err != nil || got != test.want {
			t.Errorf("jsonField(%s, %s) = %q, %v; want %q", test.obj, test.code, got, err, test.want)
		}
		var m map[string]string
		if err := json.Unmarshal([]byte(test.obj), &m); err != nil || m[test.code] != test.want {
			t.Errorf("the test case disagrees with encoding/json: %q, %v", m[test.code], err)
		}
	}
	for _, obj := range []string{``, `[]`, `{"A":1}`, `{"A":"1"`, `{"A":"1",}`, `{"A" "1"}`, `{"A":"1"}x`, "{\"A\":\"a\x01\"}", `{"A":true}`, `{A:"1"}`} {
		if v, err := jsonField(obj, "A"); err == nil {
			t.Errorf("jsonField(%q) = %q, nil; want an error", obj, v)
		}
	}
}

// FuzzJSONField: wherever encoding/json reads an object of strings,
// jsonField reads every key alike; where it refuses one, so does jsonField.
func FuzzJSONField(f *testing.F) {
	for _, test := range jsonFieldCases {
		f.Add(test.obj, test.code)
	}
	f.Fuzz(func(t *testing.T, obj, code string) {
		got, err := jsonField(obj, code)
		var m map[string]string
		jerr := json.Unmarshal([]byte(obj), &m)
		if jerr == nil && m == nil {
			jerr = json.Unmarshal([]byte("x"), &m) // null: not an object
		}
		switch {
		case jerr != nil && err == nil:
			t.Fatalf("jsonField(%q, %q) = %q; encoding/json refuses it: %v", obj, code, got, jerr)
		case jerr == nil && err != nil:
			t.Fatalf("jsonField(%q, %q): %v; encoding/json reads %q", obj, code, err, m[code])
		case jerr == nil && got != m[code]:
			t.Fatalf("jsonField(%q, %q) = %q; encoding/json reads %q", obj, code, got, m[code])
		}
	})
}

// BenchmarkJSONField reads the subject's fields of a typical penalty's
// stored fields, as ledger verification does for every record.
func BenchmarkJSONField(b *testing.B) {
	obj := `{"CF_CFJG":"长春市市场监督管理局","CF_CFJGDM":"11220100MB0000019Q","CF_CFLB":"警告;罚款","CF_FRDB":"王建国","CF_JDRQ":"2026-11-16","CF_NR":"警告，并处罚款5000元","CF_NR_FK":"0.5","CF_SJLY":"长春市市场监督管理局","CF_SJLYDM":"11220100MB0000019Q","CF_SY":"该公司未按规定期限公示年度报告，违反了《企业信息公示暂行条例》第八条的规定。","CF_WFXW":"未按规定公示年度报告","CF_WSH":"长市监罚〔2026〕1号","CF_XDR_LB":"法人及非法人组织","CF_XDR_MC":"长春北辰汽车零部件有限公司","CF_XDR_SHXYM":"91220101MA0Y12340Q","CF_YJ":"《企业信息公示暂行条例》第十七条","CF_YXQ":"2027-11-16"}`
	for b.Loop() {
		for _, code := range []string{"CF_XDR_SHXYM", "CF_XDR_LB", "CF_XDR_MC", "CF_FRDB"} {
			if _, err := jsonField(obj, code); err != nil {
				b.Fatal(err)
			}
		}
	}
}
