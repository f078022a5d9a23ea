package storage_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"jlcredit/internal/pgtest"
	"jlcredit/internal/storage"
)

func TestSplitStatements(t *testing.T) {
	for _, c := range []struct {
		body string
		want []string
	}{
		{"", nil},
		{"-- credit:no-transaction\n-- why\nDROP INDEX CONCURRENTLY IF EXISTS a;\nCREATE INDEX CONCURRENTLY a\n\tON t(x);\n",
			[]string{"DROP INDEX CONCURRENTLY IF EXISTS a;", "CREATE INDEX CONCURRENTLY a\n\tON t(x);"}},
		{"  -- indented comment\n\nSELECT 1;  \nSELECT 2", []string{"SELECT 1;", "SELECT 2"}},
	} {
		if got := storage.SplitStatements(c.body); !slices.Equal(got, c.want) {
			t.Errorf("SplitStatements(%q) = %q, want %q", c.body, got, c.want)
		}
	}
}

// PostgreSQL builds indexes of the no-transaction migrations concurrently.
// A migration that failed half way runs again from its start: here its
// index exists already, as a wrong one standing in for the invalid index a
// failed CREATE INDEX CONCURRENTLY leaves, and the rerun replaces it.
func TestMigrateRerunPostgres(t *testing.T) {
	db := openPostgres(t)
	ctx := context.Background()
	sqlDB := db.SQL()
	for _, q := range []string{
		`DELETE FROM schema_migrations WHERE name IN ('0007_query_log_user_partial.sql', '0008_records_department.sql', '0010_list_entries_record.sql')`,
		`DROP INDEX records_department`,
		`CREATE INDEX records_department ON records(id)`,
		`CREATE INDEX query_log_user_partial ON query_log(id)`,
	} {
		if _, err := sqlDB.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if up, err := db.SchemaUpToDate(ctx); err != nil || up {
		t.Fatalf("SchemaUpToDate = %v, %v; want false", up, err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	want := map[string]string{
		"query_log_user":      "(user_id, at) WHERE (user_id IS NOT NULL)",
		"records_department":  "(department_id, class) WHERE is_current",
		"list_entries_record": "(record_id)",
	}
	rows, err := sqlDB.Query(`SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE c.relname IN ('query_log_user', 'query_log_user_partial', 'records_department', 'list_entries_record')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]bool{}
	for rows.Next() {
		var name, def string
		var valid bool
		if err := rows.Scan(&name, &def, &valid); err != nil {
			t.Fatal(err)
		}
		got[name] = true
		if w, ok := want[name]; !ok || !valid || !strings.HasSuffix(def, w) {
			t.Errorf("index %s: %s (valid %v), want one ending %q", name, def, valid, w)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for name := range want {
		if !got[name] {
			t.Errorf("index %s missing after the rerun", name)
		}
	}
	if up, err := db.SchemaUpToDate(ctx); err != nil || !up {
		t.Errorf("SchemaUpToDate after the rerun = %v, %v", up, err)
	}
}

// Two processes migrating one new database at once both succeed.
func TestMigrateConcurrentPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		db, err := storage.Open(ctx, dsn, storage.Options{EphemeralKeys: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		wg.Go(func() { errs[i] = db.Migrate(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate %d: %v", i, err)
		}
	}
}

// TestMigrationsUnchanged: a migration, once committed, is never edited:
// databases that ran it keep what it did then, and an edit reaches only
// new ones (0013 was edited once, and databases of the build before could
// not be upgraded; Migrate repairs those). testdata/migrations.sha256
// lists every migration's SHA-256 (sha256sum's format); a new migration
// is added to it, an existing line never changes.
func TestMigrationsUnchanged(t *testing.T) {
	sums, err := os.ReadFile("testdata/migrations.sha256")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("testdata/migrations.sha256: bad line %q", line)
		}
		want[name] = sum
	}
	files, err := filepath.Glob("migrations/*/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v, %d files", err, len(files))
	}
	for _, name := range files {
		body, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprintf("%x", sha256.Sum256(body))
		switch sum, ok := want[filepath.ToSlash(name)]; {
		case !ok:
			t.Errorf("%s is not in testdata/migrations.sha256: add the line %s  %s", name, got, filepath.ToSlash(name))
		case sum != got:
			t.Errorf("%s was edited after it was committed (SHA-256 %s, recorded %s): databases that ran it will not see the change; write a new migration instead", name, got, sum)
		}
		delete(want, filepath.ToSlash(name))
	}
	for name := range want {
		t.Errorf("%s is recorded in testdata/migrations.sha256 but gone: a migration is never removed", name)
	}
}

// TestMigrateRepairsEditedAuditLedger: a database migrated by the first
// version of 0013 (no audit_ledger_state.legacy_max_id) is repaired by the
// next Migrate and then audits and verifies as any other.
func TestMigrateRepairsEditedAuditLedger(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		ctx := context.Background()
		storage.Tamper(t, f.db, `ALTER TABLE audit_ledger_state DROP COLUMN legacy_max_id`)
		if err := f.db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate of a database without legacy_max_id: %v", err)
		}
		if err := f.db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate again: %v", err)
		}
		d := *f.other
		d.Name += "（更名）"
		if err := f.db.UpsertDepartment(sys(), &d); err != nil {
			t.Fatalf("an audited change after the repair: %v", err)
		}
		if _, err := f.db.VerifyLedger(ctx); err != nil {
			t.Fatalf("VerifyLedger after the repair: %v", err)
		}
	})
}

// TestIdleInTransactionTimeout: a PostgreSQL session of the platform that
// sits idle inside a transaction is ended by the server, so a process
// stopped half way through an import does not hold the ingestion locks
// for hours. A DSN may set its own.
func TestIdleInTransactionTimeout(t *testing.T) {
	db := openPostgres(t)
	var got string
	if err := db.SQL().QueryRow(`SHOW idle_in_transaction_session_timeout`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "2min" {
		t.Errorf("idle_in_transaction_session_timeout = %q, want 2min", got)
	}
	// No JIT compilation for the platform's short queries.
	if err := db.SQL().QueryRow(`SHOW jit`).Scan(&got); err != nil || got != "off" {
		t.Errorf("jit = %q (%v), want off", got, err)
	}
	// The server really ends such a session: here after 100 ms.
	ctx := context.Background()
	sep := "?"
	if strings.Contains(storage.DSN(db), "?") {
		sep = "&"
	}
	short, err := storage.Open(ctx, storage.DSN(db)+sep+"idle_in_transaction_session_timeout=100", storage.Options{EphemeralKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	defer short.Close()
	tx, err := short.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SELECT 1`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := tx.Exec(`SELECT 1`)
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a transaction idle for 30 s with a 100 ms timeout was not ended")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
