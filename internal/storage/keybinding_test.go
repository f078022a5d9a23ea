package storage_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/pgtest"
	"jlcredit/internal/storage"
)

// forBothNewDatabases runs fn with the DSN of a new empty database of each
// dialect, for tests that choose the keys of its first Open.
func forBothNewDatabases(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Run("SQLite", func(t *testing.T) { fn(t, "sqlite:"+t.TempDir()+"/credit.db") })
	t.Run("Postgres", func(t *testing.T) { fn(t, pgtest.DSN(t)) })
}

// writeKeyFile writes s to a new key file and returns its path.
func writeKeyFile(t *testing.T, s *storage.Secrets) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "other.key")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// otherKeyFile writes a key file of fresh keys.
func otherKeyFile(t *testing.T) string {
	t.Helper()
	s, err := storage.NewSecrets()
	if err != nil {
		t.Fatal(err)
	}
	return writeKeyFile(t, s)
}

// openKeys opens dsn with opt, failing the test on an error.
func openKeys(t *testing.T, dsn string, opt storage.Options) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), dsn, opt)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// wantRefused opens dsn with opt and wants ECONFLICT with every part of
// want in the message.
func wantRefused(t *testing.T, dsn string, opt storage.Options, want ...string) {
	t.Helper()
	db, err := storage.Open(context.Background(), dsn, opt)
	if err == nil {
		db.Close()
		t.Fatalf("Open succeeded; want it refused with %q", want)
	}
	if credit.ErrorCode(err) != credit.ECONFLICT {
		t.Errorf("Open: %v (code %s); want conflict", err, credit.ErrorCode(err))
	}
	for _, w := range want {
		if !strings.Contains(credit.ErrorMessage(err), w) {
			t.Errorf("Open: %q does not contain %q", credit.ErrorMessage(err), w)
		}
	}
}

// boundKey returns what platform_keys holds ("" when no row).
func boundKey(t *testing.T, db *storage.DB) (vkey, fingerprint string) {
	t.Helper()
	err := db.SQL().QueryRow(`SELECT ledger_vkey, fingerprint FROM platform_keys`).Scan(&vkey, &fingerprint)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
	return vkey, fingerprint
}

// snapshot sums up what a refused process could have written.
func snapshot(t *testing.T, db *storage.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT COUNT(*) FROM schema_migrations`,
		`SELECT COUNT(*) FROM audit_log`,
		`SELECT COUNT(*) FROM audit_checkpoints`,
		`SELECT COUNT(*) FROM ledger_checkpoints`,
		`SELECT COUNT(*) FROM records`,
		`SELECT COUNT(*) FROM subjects`,
		`SELECT COUNT(*) FROM batches`,
		`SELECT COUNT(*) FROM departments`,
	} {
		var n int
		if err := db.SQL().QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		fmt.Fprintf(&b, "%s = %d\n", q, n)
	}
	var tables int
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'platform_keys'`
	if db.Dialect() == storage.Postgres {
		q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'platform_keys'`
	}
	if err := db.SQL().QueryRow(q).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables > 0 {
		vkey, fp := boundKey(t, db)
		b.WriteString("platform_keys: " + vkey + " " + fp + "\n")
	}
	return b.String()
}

// writeRecords stores records of a company and of a person (a sealed
// citizen ID): ledger and audit checkpoints signed with db's keys.
func writeRecords(t *testing.T, f *fixture) {
	t.Helper()
	f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader,
		f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16"), f.personRow("长市监罚〔2026〕2号")))
}

// TestKeyBinding: the first Migrate binds the database to its keys (the
// verifier key and a fingerprint, never the secrets); the same keys open
// it again, any other key file is refused before anything is written, and
// a missing key file is not created for it.
func TestKeyBinding(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		writeRecords(t, f)
		ctx := context.Background()
		dsn, keys := storage.DSN(f.db), f.db.Secrets

		vkey, fp := boundKey(t, f.db)
		if vkey != keys.VerifierKey() || fp != keys.Fingerprint() || len(fp) != 64 {
			t.Fatalf("platform_keys = %q, %q; want %q, %q", vkey, fp, keys.VerifierKey(), keys.Fingerprint())
		}
		for _, secret := range []string{hex.EncodeToString(keys.IDKey), hex.EncodeToString(keys.IDHashKey), keys.LedgerSKey} {
			if strings.Contains(fp, secret) || strings.Contains(vkey, secret) {
				t.Errorf("platform_keys holds a secret key")
			}
		}
		before := snapshot(t, f.db)

		// The same keys: the process's ephemeral keys of this database.
		again := openKeys(t, dsn, storage.Options{EphemeralKeys: true})
		if again.Secrets.Fingerprint() != keys.Fingerprint() {
			t.Fatal("a second Open of the database in the process got other ephemeral keys")
		}
		if err := again.Migrate(ctx); err != nil {
			t.Fatalf("Migrate with the database's keys: %v", err)
		}
		wantLedgerValid(t, again)

		// Another key file.
		other := otherKeyFile(t)
		wantRefused(t, dsn, storage.Options{KeyFile: other},
			"密钥文件“"+other+"”与数据库不匹配：该数据库使用的签名公钥为 "+keys.VerifierKey(),
			"请使用创建该数据库时的密钥文件（CREDIT_KEY_FILE）")

		// The same ledger key, another citizen-ID key.
		mixed, err := storage.NewSecrets()
		if err != nil {
			t.Fatal(err)
		}
		mixed.LedgerSKey, mixed.LedgerVKey = keys.LedgerSKey, keys.LedgerVKey
		wantRefused(t, dsn, storage.Options{KeyFile: writeKeyFile(t, mixed)}, "与数据库不匹配", "身份证号加密密钥或查询哈希密钥不同")

		// A key file that does not exist is not created.
		missing := filepath.Join(t.TempDir(), "data", "credit-postgres.key")
		wantRefused(t, dsn, storage.Options{KeyFile: missing},
			"密钥文件“"+missing+"”不存在", "已绑定签名公钥 "+keys.VerifierKey(), "CREDIT_KEY_FILE")
		if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the key file was created for a database with data: %v", err)
		}

		if after := snapshot(t, f.db); after != before {
			t.Errorf("refused processes wrote to the database:\nbefore %s\nafter %s", before, after)
		}
		wantLedgerValid(t, f.db)
	})
}

// TestKeyBindingNewDatabase: the first process creates the key file of a
// new database and Migrate binds the database to it; that file opens it
// again, and a process that would create another is refused.
func TestKeyBindingNewDatabase(t *testing.T) {
	forBothNewDatabases(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		file := filepath.Join(t.TempDir(), "data", "credit.key")
		db := openKeys(t, dsn, storage.Options{KeyFile: file})
		if _, err := os.Stat(file); err != nil {
			t.Fatalf("the key file of a new database was not created: %v", err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if vkey, fp := boundKey(t, db); vkey != db.Secrets.VerifierKey() || fp != db.Secrets.Fingerprint() {
			t.Fatalf("platform_keys = %q, %q after the first Migrate", vkey, fp)
		}
		again := openKeys(t, dsn, storage.Options{KeyFile: file})
		if err := again.Migrate(ctx); err != nil {
			t.Fatalf("Migrate with the key file of the database: %v", err)
		}
		wantRefused(t, dsn, storage.Options{KeyFile: filepath.Join(t.TempDir(), "new.key")}, "不存在", "CREDIT_KEY_FILE")
		wantRefused(t, dsn, storage.Options{KeyFile: otherKeyFile(t)}, "与数据库不匹配")
	})
}

// TestKeyBindingConcurrent: two processes with different key files
// migrating one new database at once: one binds it, the other is refused.
func TestKeyBindingConcurrent(t *testing.T) {
	forBothNewDatabases(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		var dbs []*storage.DB
		for range 2 {
			dbs = append(dbs, openKeys(t, dsn, storage.Options{KeyFile: filepath.Join(t.TempDir(), "credit.key")}))
		}
		errs := make([]error, len(dbs))
		var wg sync.WaitGroup
		for i, db := range dbs {
			wg.Go(func() { errs[i] = db.Migrate(ctx) })
		}
		wg.Wait()
		refused := 0
		for i, err := range errs {
			switch {
			case err == nil:
				if vkey, _ := boundKey(t, dbs[i]); vkey != dbs[i].Secrets.VerifierKey() {
					t.Errorf("Migrate %d succeeded, but the database is bound to %q", i, vkey)
				}
			case credit.ErrorCode(err) == credit.ECONFLICT && strings.Contains(credit.ErrorMessage(err), "与数据库不匹配"):
				refused++
			default:
				t.Errorf("Migrate %d: %v", i, err)
			}
		}
		if refused != 1 {
			t.Errorf("%d of 2 processes refused; want 1 (%v)", refused, errs)
		}
	})
}

// TestKeyBindingOlderDatabase: a database written by a build before the
// binding (no platform_keys row, or no table: before migration 0019) is
// bound to the keys its newest checkpoints verify with, and refuses others.
func TestKeyBindingOlderDatabase(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper []string
	}{
		{"NoRow", []string{`DELETE FROM platform_keys`}},
		{"Before0019", []string{`DROP TABLE platform_keys`, `DELETE FROM schema_migrations WHERE name = '0019_key_binding.sql'`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forBothDialects(t, func(t *testing.T, open opener) {
				f := newFixture(t, open)
				writeRecords(t, f)
				ctx := context.Background()
				dsn, keys := storage.DSN(f.db), f.db.Secrets
				for _, q := range tc.tamper {
					storage.Tamper(t, f.db, q)
				}
				before := snapshot(t, f.db)

				other := otherKeyFile(t)
				// Named by the key's name and hash, the start of its verifier key.
				id := strings.Join(strings.SplitN(keys.VerifierKey(), "+", 3)[:2], "+")
				wantRefused(t, dsn, storage.Options{KeyFile: other},
					"密钥文件“"+other+"”与数据库不匹配：该数据库存证账本最新的检查点（大小2）由签名公钥 "+id+"+… 签署",
					"请使用创建该数据库时的密钥文件（CREDIT_KEY_FILE）")
				missing := filepath.Join(t.TempDir(), "credit.key")
				wantRefused(t, dsn, storage.Options{KeyFile: missing}, "不存在", "该数据库已有数据", "CREDIT_KEY_FILE")
				if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("the key file was created for a database with data: %v", err)
				}
				if after := snapshot(t, f.db); after != before {
					t.Errorf("refused processes wrote to the database:\nbefore %s\nafter %s", before, after)
				}

				// The database's own keys bind it: at Open when the table
				// exists, else at Migrate.
				db := openKeys(t, dsn, storage.Options{EphemeralKeys: true})
				if err := db.Migrate(ctx); err != nil {
					t.Fatalf("Migrate with the database's keys: %v", err)
				}
				if vkey, fp := boundKey(t, db); vkey != keys.VerifierKey() || fp != keys.Fingerprint() {
					t.Fatalf("platform_keys = %q, %q; want the database's keys", vkey, fp)
				}
				wantLedgerValid(t, db)
				wantRefused(t, dsn, storage.Options{KeyFile: other}, "该数据库使用的签名公钥为 "+keys.VerifierKey())
			})
		})
	}
}

// TestKeyBindingAuditOnly: an older database with audited changes but no
// record yet is checked against the audit log's newest checkpoint.
func TestKeyBindingAuditOnly(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		storage.Tamper(t, f.db, `DELETE FROM platform_keys`)
		wantRefused(t, storage.DSN(f.db), storage.Options{KeyFile: otherKeyFile(t)}, "该数据库审计日志最新的检查点")
	})
}
