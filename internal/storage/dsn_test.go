package storage_test

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/pgtest"
	"jlcredit/internal/storage"
)

// Messages and logs show a DSN without its password.
func TestRedactDSN(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://postgres:s3cret@127.0.0.1:5432/credit", "postgres://postgres:xxxxx@127.0.0.1:5432/credit"},
		{"postgres://u@h/db?sslmode=disable&password=s3cret", "postgres://u@h/db?password=xxxxx&sslmode=disable"},
		{"host=/tmp port=5432 password=pgpass dbname=credit", "host=/tmp port=5432 password=xxxxx dbname=credit"},
		{"host=h password='a b\\'c' dbname=x", "host=h password=xxxxx dbname=x"},
		{"sqlite:data/credit.db", "sqlite:data/credit.db"},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"mysql://root:se#cret@h/db", "mysql://root:xxxxx@h/db"}, // not a URL Go parses
		{"postgre://u:p%zz@h/db", "postgre://u:xxxxx@h/db"},
	} {
		if got := storage.RedactDSN(tc.in); got != tc.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if r := storage.RedactDSN(tc.in); strings.Contains(r, "s3cret") || strings.Contains(r, "pgpass") || strings.Contains(r, "se#cret") || strings.Contains(r, "p%zz") {
			t.Errorf("RedactDSN(%q) keeps the password", tc.in)
		}
	}
	_, err := storage.Open(context.Background(), "host=/tmp password=pgpass dbname=credit", storage.Options{EphemeralKeys: true})
	if credit.ErrorCode(err) != credit.EINVALID || strings.Contains(credit.ErrorMessage(err), "pgpass") {
		t.Errorf("Open of a key/value DSN: %v; want invalid, without the password", err)
	}
}

// A DSN's scheme is case-insensitive.
func TestOpenSchemeCase(t *testing.T) {
	db, err := storage.Open(context.Background(), "SQLite::memory:", storage.Options{EphemeralKeys: true})
	if err != nil {
		t.Fatalf("Open(SQLite::memory:): %v", err)
	}
	db.Close()
}

// A database user without the right to create tables gets a message that
// says so from credit migrate, not 系统内部错误 (PostgreSQL 15 gives no
// user but the owner CREATE on the public schema).
func TestMigrateWithoutRights(t *testing.T) {
	dsn := pgtest.DSN(t)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	role := "reader_" + strings.ToLower(credit.RandomHex(4))
	for _, q := range []string{`CREATE ROLE ` + role + ` LOGIN`, `REVOKE CREATE ON SCHEMA public FROM PUBLIC`, `GRANT USAGE ON SCHEMA public TO ` + role} {
		if _, err := admin.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		admin.Exec(`DROP OWNED BY ` + role)
		admin.Exec(`DROP ROLE ` + role)
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	db, err := storage.Open(context.Background(), u.String(), storage.Options{EphemeralKeys: true})
	if err != nil {
		t.Fatalf("Open as %s: %v", role, err)
	}
	defer db.Close()
	err = db.Migrate(context.Background())
	if credit.ErrorCode(err) != credit.EFORBIDDEN || !strings.Contains(credit.ErrorMessage(err), "数据库所有者") {
		t.Errorf("Migrate without the right to create tables: %v; want a message naming the missing right", err)
	}
}

// Instants read back are in UTC on both databases, whatever the process's
// time zone (pgx gave PostgreSQL's timestamptz in time.Local).
func TestInstantsInUTC(t *testing.T) {
	local := time.Local
	time.Local = time.FixedZone("EST", -5*3600)
	t.Cleanup(func() { time.Local = local })
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		rc := f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16")))
		b, err := f.db.FindBatchByID(sys(), rc.Batch)
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.db.FindSubjectByCode(sys(), f.company)
		if err != nil {
			t.Fatal(err)
		}
		for name, at := range map[string]time.Time{"batch created": b.CreatedAt, "subject created": s.CreatedAt} {
			if _, off := at.Zone(); off != 0 || at.IsZero() {
				t.Errorf("%s at %s: want UTC", name, at)
			}
		}
	})
}

// An operator's connection mistakes are told in Chinese, and a
// statement_timeout set on the database does not cut the platform's long
// statements short.
func TestPostgresConnectAndTimeout(t *testing.T) {
	dsn := pgtest.DSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	missing := *u
	missing.Path = "/no_such_db_" + strings.ToLower(credit.RandomHex(3))
	_, err = storage.Open(context.Background(), missing.String(), storage.Options{EphemeralKeys: true})
	if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "数据库不存在") {
		t.Errorf("Open of a missing database: %v; want it named in Chinese", err)
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`ALTER DATABASE ` + strings.TrimPrefix(u.Path, "/") + ` SET statement_timeout = '20ms'`); err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(context.Background(), dsn, storage.Options{EphemeralKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SQL().Exec(`SELECT pg_sleep(0.1)`); err != nil {
		t.Errorf("a 100 ms statement under the database's 20 ms statement_timeout: %v", err)
	}
	// A timeout the DSN sets, in options as libpq writes it, is kept.
	withOpt := *u
	withOpt.RawQuery = "options=-c%20statement_timeout%3D4321"
	db2, err := storage.Open(context.Background(), withOpt.String(), storage.Options{EphemeralKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	var got string
	if err := db2.SQL().QueryRow(`SHOW statement_timeout`).Scan(&got); err != nil || got != "4321ms" {
		t.Errorf("statement_timeout with the DSN's options: %q, %v; want 4321ms", got, err)
	}
}
