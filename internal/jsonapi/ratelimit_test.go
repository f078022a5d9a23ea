package jsonapi

import (
	"testing"
	"time"

	"jlcredit/internal/credit"
)

// TestKeyLimiter checks the limiter without HTTP, on a fixed clock.
func TestKeyLimiter(t *testing.T) {
	now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	kl := &keyLimiter{now: func() time.Time { return now }}
	key := credit.Actor{Role: credit.RoleDepartment, KeyID: 7, Limit: credit.RateLimit{Rate: 2, Burst: 2}}
	for i := range 2 {
		if err := kl.allow(key); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	err := kl.allow(key)
	if credit.ErrorCode(err) != credit.ETOOMANY {
		t.Fatalf("third request: %v, want %s", err, credit.ETOOMANY)
	}
	if got, ok := retryAfter(err); !ok || got != "1" {
		t.Errorf("retryAfter = %q %v, want 1 (0.5 s rounded up)", got, ok)
	}
	// Another key has its own bucket.
	other := key
	other.KeyID = 8
	if err := kl.allow(other); err != nil {
		t.Errorf("other key: %v", err)
	}
	// A changed limit takes effect at once, with a fresh bucket.
	key.Limit = credit.RateLimit{Rate: 1, Burst: 5}
	for i := range 5 {
		if err := kl.allow(key); err != nil {
			t.Fatalf("after raising the burst, request %d: %v", i+1, err)
		}
	}
	if err := kl.allow(key); credit.ErrorCode(err) != credit.ETOOMANY {
		t.Errorf("over the new burst: %v", err)
	}
	// Sessions, the public and unlimited keys are never limited.
	for _, a := range []credit.Actor{credit.Public, {Role: credit.RoleProvince, Channel: "web"}, {Role: credit.RoleDepartment, KeyID: 9}} {
		for range 1000 {
			if err := kl.allow(a); err != nil {
				t.Fatalf("%+v: %v", a, err)
			}
		}
	}
	if retrySeconds(0) != 1 || retrySeconds(1500*time.Millisecond) != 2 {
		t.Errorf("retrySeconds rounds wrong")
	}
}
