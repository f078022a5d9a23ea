// Package storagetest opens databases for other packages' tests.
package storagetest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/storage"
)

// SQLite returns a new migrated SQLite database in tb's temporary
// directory, with keys held in memory and, unless now is zero, a clock
// stopped at now. It is closed when tb ends.
func SQLite(tb testing.TB, now time.Time) *storage.DB {
	tb.Helper()
	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	db, err := storage.Open(ctx, "sqlite:"+filepath.Join(tb.TempDir(), "credit.db"), storage.Options{EphemeralKeys: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if !now.IsZero() {
		db.Now = func() time.Time { return now }
	}
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return db
}
