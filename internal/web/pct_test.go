package web

import "testing"

// A rate is never shown as perfect (100.0 %) when it is not, nor as nil
// (0.0 %) when something counted.
func TestPct(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{100, "100.0%"},
		{99.992, "99.9%"},
		{99.95, "99.9%"},
		{99.94, "99.9%"},
		{87.25, "87.2%"}, // strconv rounds to even on the binary value
		{50, "50.0%"},
		{0.04, "0.1%"},
		{0, "0.0%"},
	} {
		if got := pct(tc.in); got != tc.want {
			t.Errorf("pct(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
