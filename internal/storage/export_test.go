package storage

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"jlcredit/internal/catalog"
)

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

// SetBatchErrorChunk sets how many rejected rows BatchErrors reads per
// query for the duration of a test, so that a few rows span several chunks.
func SetBatchErrorChunk(tb testing.TB, n int) {
	old := batchErrorChunk
	batchErrorChunk = n
	tb.Cleanup(func() { batchErrorChunk = old })
}

// SetFlushFault makes the write of a batch's chunk fail with what f
// returns for the chunk's last row (nil: written), for the duration of a
// test.
func SetFlushFault(tb testing.TB, f func(lastRow int) error) {
	flushFault = f
	tb.Cleanup(func() { flushFault = nil })
}

// SetMaxResumes sets how many times a failing batch is resumed before it
// is given up, for the duration of a test.
func SetMaxResumes(tb testing.TB, n int) {
	old := maxResumes
	maxResumes = n
	tb.Cleanup(func() { maxResumes = old })
}

// SetMaxCandidates sets how many subjects or records a listing's text or
// department filter selects by id for the duration of a test (0: always
// the fallback).
func SetMaxCandidates(tb testing.TB, n int) {
	old := maxCandidates
	maxCandidates = n
	tb.Cleanup(func() { maxCandidates = old })
}

// VerificationDaysDrift recounts the verification statistics from the
// verifications and hits themselves, as migration 0009 first filled them,
// and returns the rows where the maintained tables differ (none when they
// agree).
func VerificationDaysDrift(tb testing.TB, db *DB) []string {
	tb.Helper()
	collect := func(q string) map[string]int64 {
		out := map[string]int64{}
		rows, err := db.sql.Query(q)
		if err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				tb.Fatal(err)
			}
			key := fmt.Sprintf("%v", vals[:len(vals)-1])
			n, _ := strconv.ParseInt(fmt.Sprint(vals[len(vals)-1]), 10, 64)
			if n != 0 {
				out[key] += n
			}
		}
		return out
	}
	vday, fday := db.dayExpr("v.at"), db.dayExpr("h.feedback_at")
	var drift []string
	for _, pair := range [][2]string{
		{`SELECT day, department_id, actor, scenario, 'verifications', verifications FROM verification_days`,
			`SELECT ` + vday + `, COALESCE(v.department_id, 0), CASE WHEN v.department_id IS NULL THEN v.actor ELSE '' END, v.scenario, 'verifications', COUNT(*)
			FROM verifications v GROUP BY 1, 2, 3, 4`},
		{`SELECT day, department_id, actor, scenario, 'subjects', subjects FROM verification_days`,
			`SELECT ` + vday + `, COALESCE(v.department_id, 0), CASE WHEN v.department_id IS NULL THEN v.actor ELSE '' END, v.scenario, 'subjects', SUM(v.total - v.repeats)
			FROM verifications v GROUP BY 1, 2, 3, 4`},
		{`SELECT day, department_id, actor, scenario, feedback_day, hits FROM verification_hit_days`,
			`SELECT ` + vday + `, COALESCE(v.department_id, 0), CASE WHEN v.department_id IS NULL THEN v.actor ELSE '' END, v.scenario, COALESCE(` + fday + `, ''), COUNT(*)
			FROM verification_hits h JOIN verifications v ON v.id = h.verification_id GROUP BY 1, 2, 3, 4, 5`},
	} {
		kept, recounted := collect(pair[0]), collect(pair[1])
		for k, n := range recounted {
			if kept[k] != n {
				drift = append(drift, fmt.Sprintf("%s: kept %d, recounted %d", k, kept[k], n))
			}
		}
		for k, n := range kept {
			if _, ok := recounted[k]; !ok {
				drift = append(drift, fmt.Sprintf("%s: kept %d, recounted 0", k, n))
			}
		}
	}
	return drift
}

// SplitStatements exposes splitStatements.
var SplitStatements = splitStatements

// TransportError exposes transportError.
var TransportError = transportError

// SetMaxBatchBytes sets the largest batch accepted for the duration of a
// test.
func SetMaxBatchBytes(tb testing.TB, n int64) {
	old := MaxBatchBytes
	MaxBatchBytes = n
	tb.Cleanup(func() { MaxBatchBytes = old })
}

// Rebind exposes rebind: a query with $n parameters for this database.
func (db *DB) Rebind(q string) string { return db.rebind(q) }

// StoreLegacyChunk replaces chunk seq of batch id by data stored as chunks
// were before migration 0012: as received, sealed without associated data,
// encoding "".
func StoreLegacyChunk(tb testing.TB, db *DB, id string, seq int, data []byte) {
	tb.Helper()
	sealed, err := db.Secrets.seal(data)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.write.Exec(db.rebind(`UPDATE batch_chunks SET data = $1, encoding = '' WHERE batch_id = $2 AND seq = $3`), sealed, id, seq); err != nil {
		tb.Fatal(err)
	}
}

// StoreWindowChunk replaces chunk seq of batch id by data stored as the
// builds between commits 64afd6d and 7078564 stored it: compressed with
// zstd, sealed without associated data, encoding "zstd".
func StoreWindowChunk(tb testing.TB, db *DB, id string, seq int, data []byte) {
	tb.Helper()
	sealed, err := db.Secrets.seal(chunkEncoder.EncodeAll(data, nil))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.write.Exec(db.rebind(`UPDATE batch_chunks SET data = $1, encoding = 'zstd' WHERE batch_id = $2 AND seq = $3`), sealed, id, seq); err != nil {
		tb.Fatal(err)
	}
}

// OmitBatchStoreHash makes batch.store audit entries leave out the file's
// SHA-256, as builds before 7078564 wrote them, for the rest of the test.
func OmitBatchStoreHash(tb testing.TB) {
	auditBatchHash = false
	tb.Cleanup(func() { auditBatchHash = true })
}

// DSN returns the connection string db was opened with.
func DSN(db *DB) string { return db.dsn }

// SetBatchLease makes owner hold batch id's lease until the given time, as
// another process processing it would (an expired time: one that died).
func SetBatchLease(tb testing.TB, db *DB, id string, owner string, until time.Time) {
	tb.Helper()
	if _, err := db.write.Exec(db.rebind(`UPDATE batches SET lease_owner = $1, lease_until = $2 WHERE id = $3`), owner, until.UTC().Truncate(time.Microsecond), id); err != nil {
		tb.Fatalf("SetBatchLease: %v", err)
	}
}

// Closing returns a channel closed once Close has begun (work in progress
// is then being stopped).
func Closing(db *DB) <-chan struct{} { return db.life.Done() }

// CountPasswordHashes counts, for the duration of a test, the password
// hashes sign-ins compute; it returns the counter.
func CountPasswordHashes(tb testing.TB) *int {
	old := verifyPassword
	n := new(int)
	verifyPassword = func(hash, password string) bool { *n++; return old(hash, password) }
	tb.Cleanup(func() { verifyPassword = old })
	return n
}

// RarestGrams returns grams from the rarest, as name search picks them.
func RarestGrams(tb testing.TB, db *DB, grams []string) []string {
	tb.Helper()
	out, err := db.rarestGrams(context.Background(), grams)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// SetDeferFault makes deferring a failed batch fail while f returns an
// error, with retries after wait, for the duration of a test.
func SetDeferFault(tb testing.TB, f func() error, wait time.Duration) {
	old := deferRetry
	deferFault, deferRetry = f, wait
	tb.Cleanup(func() { deferFault, deferRetry = nil, old })
}

// SetBeforeListSubmit calls f after a removal or an expiry has composed
// its new list-entry versions and before it submits them, for the
// duration of a test: what another request does in between.
func SetBeforeListSubmit(tb testing.TB, f func()) {
	beforeListSubmit = f
	tb.Cleanup(func() { beforeListSubmit = nil })
}

// SetCatalog makes db use c as the catalog in force for the rest of its
// life, as a build with other rules would.
func SetCatalog(db *DB, c *catalog.Catalog) {
	db.catalogOnce.Do(func() {})
	db.catalog, db.catalogErr = c, nil
}

// SetReapplyChunk sets how many versions ReapplyPolicy reads at a time
// (and submits per batch) for the duration of a test.
func SetReapplyChunk(tb testing.TB, n int) {
	old := reapplyChunk
	reapplyChunk = n
	tb.Cleanup(func() { reapplyChunk = old })
}
