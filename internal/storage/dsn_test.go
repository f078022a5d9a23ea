package storage_test

import (
	"context"
	"strings"
	"testing"

	"jlcredit/internal/credit"
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
	} {
		if got := storage.RedactDSN(tc.in); got != tc.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.Contains(storage.RedactDSN(tc.in), "s3cret") || strings.Contains(storage.RedactDSN(tc.in), "pgpass") {
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
