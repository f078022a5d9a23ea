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

// SetFlushRows sets the rows per write transaction for the duration of a
// test, so that small batches span several chunks.
func SetFlushRows(tb testing.TB, n int) {
	old := flushRows
	flushRows = n
	tb.Cleanup(func() { flushRows = old })
}

// SetMaxCandidates sets how many subjects or records a listing's text or
// department filter selects by id for the duration of a test (0: always
// the fallback).
func SetMaxCandidates(tb testing.TB, n int) {
	old := maxCandidates
	maxCandidates = n
	tb.Cleanup(func() { maxCandidates = old })
}
