package jsonapi

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"jlcredit/internal/credit"
)

// keyLimiter rate limits API keys: one token bucket per key ID, with the
// rate and burst stored with the key (credit.Actor.Limit, read by the same
// query that authenticates the key). Console sessions and anonymous
// requests are not limited here, nor are keys whose Rate is 0.
//
// The buckets live in memory, in the process that serves the request: with
// several servers behind a balancer each enforces the limit on its own.
// A bucket is created at a key's first limited request and kept for the
// life of the process (there is one per key ever used, a few hundred).
type keyLimiter struct {
	now     func() time.Time
	buckets sync.Map // key ID (int64) → *keyBucket
}

// keyBucket is a key's limiter and the limit it was built with. Both are
// fixed once stored; a changed limit gets a new bucket.
type keyBucket struct {
	limit credit.RateLimit
	lim   *rate.Limiter
}

func newKeyBucket(l credit.RateLimit) *keyBucket {
	return &keyBucket{limit: l, lim: rate.NewLimiter(rate.Limit(l.Rate), max(l.Burst, 1))}
}

// allow takes one request from a's bucket. It returns nil when the request
// may go on, or an ETOOMANY error carrying how long to wait.
func (kl *keyLimiter) allow(a credit.Actor) error {
	if !a.IsAPIKey() || a.Limit.Unlimited() {
		return nil
	}
	v, ok := kl.buckets.Load(a.KeyID)
	if !ok {
		v, _ = kl.buckets.LoadOrStore(a.KeyID, newKeyBucket(a.Limit))
	}
	b := v.(*keyBucket)
	if b.limit != a.Limit {
		// The key's stored limit changed: start over with the new one.
		nb := newKeyBucket(a.Limit)
		if !kl.buckets.CompareAndSwap(a.KeyID, b, nb) {
			v, _ = kl.buckets.Load(a.KeyID)
			nb = v.(*keyBucket)
		}
		b = nb
	}
	now := kl.now()
	if b.lim.AllowN(now, 1) {
		return nil
	}
	// The time until the bucket holds one whole token again.
	need := 1 - b.lim.TokensAt(now)
	wait := time.Duration(need / b.limit.Rate * float64(time.Second))
	return &rateLimitError{
		err: credit.Errorf(credit.ETOOMANY, "请求过于频繁：该API密钥每秒最多%s次请求（突发不超过%d次），请%d秒后重试",
			strconv.FormatFloat(b.limit.Rate, 'f', -1, 64), max(b.limit.Burst, 1), retrySeconds(wait)),
		wait: wait,
	}
}

// rateLimitError is an ETOOMANY error with the time after which the same
// request would be allowed.
type rateLimitError struct {
	err  *credit.Error
	wait time.Duration
}

func (e *rateLimitError) Error() string { return e.err.Error() }
func (e *rateLimitError) Unwrap() error { return e.err }

// retrySeconds rounds a wait up to whole seconds, at least 1, for
// Retry-After.
func retrySeconds(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}

// retryAfter returns the Retry-After value (seconds) of a rate limit error.
func retryAfter(err error) (string, bool) {
	var e *rateLimitError
	if !errors.As(err, &e) {
		return "", false
	}
	return fmt.Sprint(retrySeconds(e.wait)), true
}
