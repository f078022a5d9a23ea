package credittest

import (
	"errors"
	"testing"

	"jlcredit/internal/credit"
)

// FirstProblem returns err's code, message and first problem (zero when
// it has none); it fails the test unless err is a *credit.Error.
func FirstProblem(tb testing.TB, err error) (code, message string, p credit.Problem) {
	tb.Helper()
	var ce *credit.Error
	if !errors.As(err, &ce) {
		tb.Fatalf("error %v is not a *credit.Error", err)
	}
	if len(ce.Details) > 0 {
		p = ce.Details[0]
	}
	return ce.Code, ce.Message, p
}
