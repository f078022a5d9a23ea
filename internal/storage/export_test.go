package storage

import "testing"

// Tamper runs q on the write handle, as someone editing the database
// directly would.
func Tamper(tb testing.TB, db *DB, q string) {
	tb.Helper()
	if _, err := db.write.Exec(q); err != nil {
		tb.Fatalf("tamper: %v", err)
	}
}
