// Package subjecttest makes valid identifiers for tests.
package subjecttest

import (
	"testing"

	"jlcredit/internal/subject"
)

// USCC completes a 16-character prefix with both check characters (the
// organisation code's, then the USCC's).
func USCC(tb testing.TB, prefix16 string) string {
	tb.Helper()
	c17, err := subject.OrgCodeCheckChar(prefix16[8:16])
	if err != nil {
		tb.Fatal(err)
	}
	s := prefix16 + string(c17)
	c18, err := subject.USCCCheckChar(s)
	if err != nil {
		tb.Fatal(err)
	}
	return s + string(c18)
}

// CitizenID completes the first 17 characters of a citizen ID with its
// check character.
func CitizenID(tb testing.TB, first17 string) string {
	tb.Helper()
	c, err := subject.CitizenIDCheckChar(first17)
	if err != nil {
		tb.Fatal(err)
	}
	return first17 + string(c)
}
