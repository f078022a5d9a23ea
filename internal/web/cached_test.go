package web

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestCachedServesStale: an expired value is answered at once while one
// background refresh computes the next; without serveStale callers wait
// for the fresh value; reset expires; an error keeps the old value.
func TestCachedServesStale(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	ctx := context.Background()
	n := 0
	release := make(chan struct{})
	fill := func(context.Context) (int, error) {
		n++
		if n > 1 {
			<-release // the background refresh waits until the test lets it go
		}
		return n, nil
	}
	done := make(chan struct{}, 1)
	c := &cached[int]{ttl: time.Minute, now: clock, serveStale: true, refreshed: func() { done <- struct{}{} }}
	if v, err := c.get(ctx, fill); v != 1 || err != nil {
		t.Fatalf("first get = %d, %v; want 1 computed now", v, err)
	}
	now = now.Add(2 * time.Minute)
	// Expired: the old value at once, twice, and one refresh in the background.
	for range 2 {
		if v, _ := c.get(ctx, fill); v != 1 {
			t.Fatalf("expired get = %d, want the stale 1", v)
		}
	}
	close(release)
	<-done
	if v, _ := c.get(ctx, fill); v != 2 || n != 2 {
		t.Fatalf("after the refresh get = %d (%d computations), want 2 (2)", v, n)
	}
	// reset expires the value: stale once more, then refreshed.
	c.reset()
	if v, _ := c.get(ctx, fill); v != 2 {
		t.Fatalf("after reset get = %d, want the stale 2", v)
	}
	<-done
	if v, _ := c.get(ctx, fill); v != 3 {
		t.Fatalf("after the second refresh get = %d, want 3", v)
	}
	// A failing refresh keeps the old value.
	now = now.Add(2 * time.Minute)
	failing := func(context.Context) (int, error) { return 0, errors.New("数据库不可用") }
	if v, _ := c.get(ctx, failing); v != 3 {
		t.Fatalf("expired get with a failing refresh = %d, want 3", v)
	}
	<-done
	if v, _ := c.get(ctx, fill); v != 3 {
		t.Fatalf("after a failed refresh get = %d, want the old 3", v)
	}
	<-done // the refresh that get started

	// Without serveStale an expired or reset value is computed again first.
	m := 0
	count := func(context.Context) (int, error) { m++; return m, nil }
	d := &cached[int]{ttl: time.Minute, now: clock}
	d.get(ctx, count)
	d.reset()
	if v, _ := d.get(ctx, count); v != 2 {
		t.Fatalf("reset without serveStale: get = %d, want a fresh 2", v)
	}
	now = now.Add(2 * time.Minute)
	if v, _ := d.get(ctx, count); v != 3 {
		t.Fatalf("expired without serveStale: get = %d, want a fresh 3", v)
	}
}
