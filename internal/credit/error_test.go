package credit

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestErrorCodeAndMessage(t *testing.T) {
	for _, test := range []struct {
		name    string
		err     error
		code    string
		message string
	}{
		{"Nil", nil, "", ""},
		{"AppError", Errorf(EINVALID, "第%d行错误", 3), EINVALID, "第3行错误"},
		{"Wrapped", fmt.Errorf("storage: %w", Errorf(ENOTFOUND, "不存在")), ENOTFOUND, "不存在"},
		{"Internal", errors.New("pq: connection refused"), EINTERNAL, "系统内部错误，请稍后重试或联系管理员"},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := ErrorCode(test.err); got != test.code {
				t.Errorf("ErrorCode = %q, want %q", got, test.code)
			}
			if got := ErrorMessage(test.err); got != test.message {
				t.Errorf("ErrorMessage = %q, want %q", got, test.message)
			}
		})
	}
}

func TestDateOfUsesShanghai(t *testing.T) {
	// 2026-11-26 17:00 UTC is already 2026-11-27 in Asia/Shanghai.
	got := DateOf(MakeDate(2026, 11, 26).Add(17 * 3600e9))
	if want := MakeDate(2026, 11, 27); !got.Equal(want) {
		t.Errorf("DateOf = %s, want %s", got.Format(DateLayout), want.Format(DateLayout))
	}
}

// A batch id carries the time the pages show (Asia/Shanghai).
func TestNewBatchIDShanghaiTime(t *testing.T) {
	id := string(NewBatchID(time.Date(2026, 11, 26, 23, 55, 49, 0, time.UTC)))
	if !strings.HasPrefix(id, "B20261127075549-") || len(id) != len("B20261127075549-")+12 {
		t.Errorf("NewBatchID = %q, want B20261127075549-<12 hex>", id)
	}
}

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"长春北辰", 4, "长春北辰"},
		{"长春北辰汽车", 4, "长春北辰…"},
		{"", 3, ""},
		{"abcdef", 3, "abc…"},
	} {
		if got := Clip(tc.s, tc.n); got != tc.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}
