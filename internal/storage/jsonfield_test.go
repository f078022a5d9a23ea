package storage

import (
	"encoding/json"
	"testing"
)

func TestJSONField(t *testing.T) {
	for _, test := range []struct {
		obj, code, want string
	}{
		{`{"A":"1","CF_XDR_SHXYM":"91220101MA0Y12345X","Z":"2"}`, "CF_XDR_SHXYM", "91220101MA0Y12345X"},
		{`{"CF_XDR_SHXYM":"x"}`, "CF_XDR_SHXYM", "x"},
		{`{"A":"\"CF_XDR_SHXYM\":\"fake\"","CF_XDR_SHXYM":"real"}`, "CF_XDR_SHXYM", "real"}, // a key inside a value is not a key
		{`{"A":"a,\"CF_XDR_SHXYM\":\"fake\""}`, "CF_XDR_SHXYM", ""},
		{`{"CF_SY":"含\"引号\"与\\反斜杠"}`, "CF_SY", `含"引号"与\反斜杠`},
		{`{"CF_SY":"\u4e2d"}`, "CF_SY", "中"},
		{`{}`, "CF_SY", ""},
	} {
		got, err := jsonField(test.obj, test.code)
		if err != nil || got != test.want {
			t.Errorf("jsonField(%s, %s) = %q, %v; want %q", test.obj, test.code, got, err, test.want)
		}
		var m map[string]string
		if err := json.Unmarshal([]byte(test.obj), &m); err != nil || m[test.code] != test.want {
			t.Errorf("the test case disagrees with encoding/json: %q", m[test.code])
		}
	}
}
