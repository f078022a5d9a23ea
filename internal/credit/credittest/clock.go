// Package credittest holds test helpers of the kernel shared by the
// platform's packages.
package credittest

import (
	"sync"
	"time"
)

// Clock is a clock tests move by hand; safe for concurrent use. Its Now is
// what the platform's Now hooks take.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
