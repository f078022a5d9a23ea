package web

import (
	"testing"

	"jlcredit/internal/catalog"
)

// Record meta names a class's own fields: a registration's 成立日期 and
// 登记机关, not a decision's.
func TestRoleName(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	roleName := funcs["roleName"].(func(*catalog.Class, string, string) string)
	for _, tc := range []struct{ class, role, want string }{
		{"registration", "decision_date", "成立日期"},
		{"registration", "authority", "登记机关"},
		{"penalty", "decision_date", "处罚决定日期"},
		{"license", "authority", "许可机关"},
		{"judicial", "decision_date", "决定日期"}, // no such role: the default
	} {
		c, ok := cat.Class(tc.class)
		if !ok {
			t.Fatalf("no class %s", tc.class)
		}
		def := map[string]string{"decision_date": "决定日期", "authority": "决定机关"}[tc.role]
		if got := roleName(c, tc.role, def); got != tc.want {
			t.Errorf("roleName(%s, %s) = %q, want %q", tc.class, tc.role, got, tc.want)
		}
	}
	if got := roleName(nil, "authority", "决定机关"); got != "决定机关" {
		t.Errorf("roleName(nil) = %q", got)
	}
}
