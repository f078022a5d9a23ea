package storage

import (
	"encoding/json"
	"testing"
)

func FuzzFieldsJSON(f *testing.F) {
	f.Add("CF_WSH", "长市监罚〔2026〕1号", "BZ", "a\"b\\c\n<&>\u2028\x01")
	f.Add("", "", "k", "\xff\xfe")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		m := map[string]string{k1: v1, k2: v2}
		want, err := json.Marshal(m)
		if err != nil {
			t.Skip()
		}
		if got := appendFieldsJSON(nil, m); string(got) != string(want) {
			t.Errorf("appendFieldsJSON = %s, want %s", got, want)
		}
	})
}
