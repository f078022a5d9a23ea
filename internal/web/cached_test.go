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

// TestCachedResetDuringRefresh: a change (reset) while a background refresh
// is reading means the refresh may have read the data before the change:
// its value is used, but the next caller refreshes again instead of
// keeping it fresh for the whole TTL.
func TestCachedResetDuringRefresh(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	ctx := context.Background()
	n := 0
	started, release := make(chan struct{}), make(chan struct{})
	fill := func(context.Context) (int, error) {
		n++
		if n == 2 {
			started <- struct{}{}
			<-release
		}
		return n, nil
	}
	done := make(chan struct{}, 1)
	c := &cached[int]{ttl: time.Minute, now: clock, serveStale: true, refreshed: func() { done <- struct{}{} }}
	c.get(ctx, fill)
	now = now.Add(2 * time.Minute)
	c.get(ctx, fill) // starts the refresh that reads before the change
	<-started
	c.reset() // the change commits while it reads
	close(release)
	<-done
	if v, _ := c.get(ctx, fill); v != 2 {
		t.Fatalf("get after the racing refresh = %d, want its 2 while the next refresh runs", v)
	}
	c.mu.Lock()
	again := c.refreshing
	c.mu.Unlock()
	if !again {
		t.Fatal("the value a refresh read before a reset counts as fresh: no new refresh started")
	}
	<-done
	if v, _ := c.get(ctx, fill); v != 3 || n != 3 {
		t.Fatalf("get = %d after %d computations, want 3: the refresh that began before the reset must not count as fresh", v, n)
	}
}
