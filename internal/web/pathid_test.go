package web

import (
	"net/http/httptest"
	"testing"

	"jlcredit/internal/credit"
)

func TestPathID(t *testing.T) {
	for _, tc := range []struct {
		id, what string
		want     int64
		message  string // "" when valid
	}{
		{"42", "订阅", 42, ""},
		{"42", "", 42, ""},
		{"0", "订阅", 0, "订阅“0”不存在"},
		{"-3", "推送记录", 0, "推送记录“-3”不存在"},
		{"abc", "核查记录", 0, "核查记录“abc”不存在"},
		{"99999999999999999999", "订阅", 0, "订阅“99999999999999999999”不存在"},
		{"x1", "", 0, "页面“/console/users/x1”不存在"},
	} {
		r := httptest.NewRequest("GET", "/console/users/"+tc.id, nil)
		r.SetPathValue("id", tc.id)
		got, err := pathID(r, tc.what)
		if tc.message == "" {
			if err != nil || got != tc.want {
				t.Errorf("pathID(%q) = %d, %v; want %d", tc.id, got, err, tc.want)
			}
			continue
		}
		if credit.ErrorCode(err) != credit.ENOTFOUND || credit.ErrorMessage(err) != tc.message {
			t.Errorf("pathID(%q, %q): %s %q; want %s %q", tc.id, tc.what, credit.ErrorCode(err), credit.ErrorMessage(err), credit.ENOTFOUND, tc.message)
		}
	}
}
