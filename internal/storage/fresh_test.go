package storage

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"jlcredit/internal/pgtest"
)

// The internal tests' databases: one opener for every test of this
// package that reaches its unexported hooks (the external tests have
// theirs in storage_test.go).

// testClock is a clock tests move by hand.
type testClock struct{ ns atomic.Int64 }

func (c *testClock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) add(d time.Duration) { c.ns.Add(int64(d)) }

// openFresh opens a fresh, migrated database at dsn for one test, on a
// clock the test moves.
func openFresh(t testing.TB, dsn string) (*DB, *testClock) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, dsn, Options{EphemeralKeys: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	clock := &testClock{}
	clock.ns.Store(time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC).UnixNano())
	db.Now = clock.now
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db, clock
}

// eachDialect runs fn on a fresh SQLite and a fresh PostgreSQL database.
func eachDialect(t *testing.T, fn func(t *testing.T, db *DB, clock *testClock)) {
	t.Run("SQLite", func(t *testing.T) {
		db, clock := openFresh(t, "sqlite:"+t.TempDir()+"/credit.db")
		fn(t, db, clock)
	})
	t.Run("Postgres", func(t *testing.T) {
		db, clock := openFresh(t, pgtest.DSN(t))
		fn(t, db, clock)
	})
}
