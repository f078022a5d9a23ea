package access

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"jlcredit/internal/credit"
)

func TestParseScopes(t *testing.T) {
	got, err := ParseScopes([]string{" Verify", "ingest", "", "verify", "finance"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{ScopeIngest, ScopeVerify, ScopeFinance}, got); diff != "" {
		t.Errorf("ParseScopes (-want +got):\n%s", diff)
	}
	if got, err := ParseScopes(nil); err != nil || len(got) != 0 {
		t.Errorf("ParseScopes(nil) = %v, %v", got, err)
	}
	_, err = ParseScopes([]string{"ingest", "admin"})
	if credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("unknown scope: err = %v, want EINVALID", err)
	}
	msg := credit.ErrorMessage(err)
	for _, want := range []string{"“admin”", "数据报送（ingest）", "信用核查（verify）", "数据共享（share）", "信易贷（finance）"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not contain %q", msg, want)
		}
	}
	if ScopeTitle(ScopeVerify) != "信用核查（verify）" || ScopeLabel("x") != "x" {
		t.Errorf("ScopeTitle/ScopeLabel wrong")
	}
}

func TestValidateKeyLimit(t *testing.T) {
	for _, test := range []struct {
		name  string
		limit credit.RateLimit
		ok    bool
	}{
		{"Default", DefaultKeyLimit, true},
		{"Unlimited", credit.RateLimit{}, true},
		{"Fractional", credit.RateLimit{Rate: 0.5, Burst: 1}, true},
		{"NoBurst", credit.RateLimit{Rate: 10}, false},
		{"NegativeRate", credit.RateLimit{Rate: -1, Burst: 1}, false},
		{"NaN", credit.RateLimit{Rate: math.NaN(), Burst: 1}, false},
		{"Huge", credit.RateLimit{Rate: 2e6, Burst: 1}, false},
		{"NegativeBurst", credit.RateLimit{Burst: -1}, false},
	} {
		t.Run(test.name, func(t *testing.T) {
			err := ValidateKeyLimit(test.limit)
			if (err == nil) != test.ok || (err != nil && credit.ErrorCode(err) != credit.EINVALID) {
				t.Errorf("ValidateKeyLimit(%+v) = %v", test.limit, err)
			}
		})
	}
}
