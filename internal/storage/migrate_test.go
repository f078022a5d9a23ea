package storage_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

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
