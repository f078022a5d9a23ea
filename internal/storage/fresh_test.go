package storage

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"jlcredit/internal/credit"
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

// hookWaitForWriter returns once another write waits for the one in progress
// (PostgreSQL: a session of the test database waits for a lock; SQLite: a
// write waits for the one write connection, of which the pool had waited
// for before), or once done is closed; it fails the test after 20 seconds.
func hookWaitForWriter(t *testing.T, db *DB, before int64, done <-chan struct{}) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		select {
		case <-done:
			return
		default:
		}
		if db.dialect == Postgres {
			var n int
			if err := db.sql.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
				t.Errorf("pg_stat_activity: %v", err)
				return
			}
			if n > 0 {
				return
			}
		} else if db.write.Stats().WaitCount > before {
			return
		}
	}
	t.Error("the other write neither waited nor finished within 20 s")
}

// hookSys is the platform's own context.
func hookSys() context.Context {
	return credit.NewContextWithActor(context.Background(), credit.System)
}

// setTestHook sets *hook to f for the rest of the test.
func setTestHook[F any](t testing.TB, hook *F, f F) {
	var zero F
	*hook = f
	t.Cleanup(func() { *hook = zero })
}

// eachDB runs fn on a fresh SQLite and a fresh PostgreSQL database whose
// clock stays at the start.
func eachDB(t *testing.T, fn func(t *testing.T, db *DB)) {
	eachDialect(t, func(t *testing.T, db *DB, _ *testClock) { fn(t, db) })
}
