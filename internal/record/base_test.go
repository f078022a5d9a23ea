package record

import "testing"

func TestParseBase(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{"", 0, false},
		{"  ", 0, false},
		{"42", 42, false},
		{" 7 ", 7, false},
		{"0", 0, true},
		{"-3", 0, true},
		{"第三版", 0, true},
		{"1.5", 0, true},
		{"99999999999999999999", 0, true},
	} {
		got, p := ParseBase(5, tc.in)
		if (p != nil) != tc.bad || int64(got) != tc.want {
			t.Errorf("ParseBase(%q) = %d, %+v; want %d, bad %v", tc.in, got, p, tc.want, tc.bad)
		}
		if p != nil && (p.Row != 5 || p.Field != BaseColumn || p.Code != "invalid_base") {
			t.Errorf("ParseBase(%q) problem = %+v; want row 5, field %s, invalid_base", tc.in, p, BaseColumn)
		}
	}
}
