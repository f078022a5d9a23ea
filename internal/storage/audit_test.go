package storage_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/pgtest"
	"jlcredit/internal/storage"
)

// auditCount returns the number of rows in the audit log.
func auditCount(t *testing.T, db *storage.DB) int64 {
	t.Helper()
	var n int64
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantLedgerInvalid checks that VerifyLedger fails with EINVALID and a
// message containing want.
func wantLedgerInvalid(t *testing.T, db *storage.DB, want string) {
	t.Helper()
	rep, err := db.VerifyLedger(sys())
	if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), want) {
		t.Errorf("VerifyLedger = %+v, %v; want invalid with %q", rep, err, want)
	}
}

// TestAuditLedger checks that the audit log is a tree of its own with
// signed checkpoints: `ledger verify` counts every entry, names an entry
// changed or removed behind the platform's back, and refuses an entry
// written without it.
func TestAuditLedger(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16")))
		rep, err := f.db.VerifyLedger(sys())
		if err != nil {
			t.Fatal(err)
		}
		if n := auditCount(t, f.db); rep.AuditEntries != n || n < 4 {
			t.Fatalf("verified %d audit entries of %d", rep.AuditEntries, n)
		}

		t.Run("Changed", func(t *testing.T) {
			f := newFixture(t, open)
			storage.Tamper(t, f.db, `UPDATE audit_log SET actor = 'someone else' WHERE leaf = 1`)
			wantLedgerInvalid(t, f.db, "第一条异常审计记录为 审计ID")
		})
		t.Run("StoredHashes", func(t *testing.T) {
			f := newFixture(t, open)
			f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16")))
			storage.Tamper(t, f.db, `UPDATE audit_log SET ledger_hashes = (SELECT ledger_hashes FROM audit_log WHERE leaf = 0) WHERE leaf = 3`)
			wantLedgerInvalid(t, f.db, "审计ID")
		})
		t.Run("Removed", func(t *testing.T) {
			f := newFixture(t, open)
			storage.Tamper(t, f.db, `DELETE FROM audit_log WHERE leaf = 0`)
			wantLedgerInvalid(t, f.db, "审计")
		})
		t.Run("Inserted", func(t *testing.T) {
			f := newFixture(t, open)
			now := `CURRENT_TIMESTAMP`
			storage.Tamper(t, f.db, `INSERT INTO audit_log (at, actor, action, object_type, object_id, detail) VALUES (`+now+`, 'x', 'user.create', 'user', '99', '{}')`)
			wantLedgerInvalid(t, f.db, "不在已签名的审计日志内")
			// Migrating takes in only the entries written before the audit
			// log had a tree: a forged one stays out.
			if err := f.db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			wantLedgerInvalid(t, f.db, "不在已签名的审计日志内")
		})
	})
}

// TestAuditLedgerConcurrent appends audit entries from many transactions at
// once: the tree stays one sequence, every entry in it once.
func TestAuditLedgerConcurrent(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		var wg sync.WaitGroup
		for g := range 6 {
			wg.Go(func() {
				for i := range 5 {
					d := &access.Department{Code: uscc(t, fmt.Sprintf("1122010%dMB%06d", g, i)), Name: fmt.Sprintf("测试部门%d-%d", g, i), RegionCode: "220100", Kind: "market"}
					if err := f.db.UpsertDepartment(sys(), d); err != nil {
						t.Errorf("UpsertDepartment: %v", err)
					}
				}
			})
		}
		wg.Wait()
		rep, err := f.db.VerifyLedger(sys())
		if err != nil {
			t.Fatal(err)
		}
		if n := auditCount(t, f.db); rep.AuditEntries != n || n < 32 {
			t.Errorf("verified %d audit entries of %d", rep.AuditEntries, n)
		}
	})
}

// TestAuditCatchUp upgrades a database whose audit entries were written
// before the audit log had a tree: verify asks for a migration, and two
// processes migrating at once take every older entry in exactly once, and
// no entry written afterwards behind the platform's back.
func TestAuditCatchUp(t *testing.T) {
	for _, tc := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"SQLite", func(t *testing.T) string { return "sqlite:" + t.TempDir() + "/credit.db" }},
		{"Postgres", func(t *testing.T) string { return pgtest.DSN(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dsn, keys := tc.dsn(t), t.TempDir()+"/credit.key"
			open := func() *storage.DB {
				db, err := storage.Open(ctx, dsn, storage.Options{KeyFile: keys})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				return db
			}
			a := open()
			for i := range 40 {
				d := &access.Department{Code: uscc(t, fmt.Sprintf("11220100MB%06d", i)), Name: fmt.Sprintf("测试部门%d", i), RegionCode: "220100", Kind: "market"}
				if err := a.UpsertDepartment(sys(), d); err != nil {
					t.Fatal(err)
				}
			}
			// The state right after migration 0013 on a database of the
			// previous version (which had no legacyClosed entry).
			storage.Tamper(t, a, `DELETE FROM audit_log WHERE action = 'audit.legacy_closed'`)
			storage.Tamper(t, a, `UPDATE audit_log SET leaf = NULL, ledger_hashes = NULL`)
			storage.Tamper(t, a, `DELETE FROM audit_checkpoints`)
			storage.Tamper(t, a, `UPDATE audit_ledger_state SET size = 0, legacy_max_id = (SELECT MAX(id) FROM audit_log)`)
			wantLedgerInvalid(t, a, "请先运行 credit migrate")
			// Written behind the platform's back after the upgrade.
			storage.Tamper(t, a, `INSERT INTO audit_log (at, actor, action, object_type, object_id, detail) VALUES (CURRENT_TIMESTAMP, 'x', 'user.create', 'user', '99', '{}')`)

			b := open()
			var wg sync.WaitGroup
			for _, db := range []*storage.DB{a, b} {
				wg.Go(func() {
					if err := db.Migrate(ctx); err != nil {
						t.Errorf("Migrate: %v", err)
					}
				})
			}
			wg.Wait()
			wantLedgerInvalid(t, a, "数据库中有1条审计记录不在已签名的审计日志内")
			storage.Tamper(t, a, `DELETE FROM audit_log WHERE leaf IS NULL`)
			// The 40 departments' entries and the one that closed the
			// catch-up.
			if n := closedEntries(t, a); n != 1 {
				t.Errorf("%d entries closing the catch-up after two migrations at once, want 1", n)
			}
			rep, err := b.VerifyLedger(sys())
			if err != nil || rep.AuditEntries != 41 || auditCount(t, a) != 41 {
				t.Errorf("after the upgrade: %+v, %v; %d entries", rep, err, auditCount(t, a))
			}
		})
	}
}

// closedEntries counts the entries that closed the audit log's catch-up.
func closedEntries(t *testing.T, db *storage.DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'audit.legacy_closed'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAuditLegacyBound checks that once the catch-up is closed, an entry
// inserted behind the platform's back is never taken into the audit tree,
// even with the state row's legacy bound raised above it (which would make
// it look like an entry of the previous version waiting for Migrate), and
// that verify names both the raised bound and the entry.
func TestAuditLegacyBound(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		if n := closedEntries(t, f.db); n != 1 {
			t.Fatalf("%d entries closing the catch-up on a new database, want 1", n)
		}
		if err := f.db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := closedEntries(t, f.db); n != 1 {
			t.Fatalf("%d entries closing the catch-up after a second Migrate, want 1", n)
		}
		var bound int64
		if err := f.db.SQL().QueryRow(`SELECT legacy_max_id FROM audit_ledger_state`).Scan(&bound); err != nil {
			t.Fatal(err)
		}
		storage.Tamper(t, f.db, `INSERT INTO audit_log (at, actor, action, object_type, object_id, detail) VALUES (CURRENT_TIMESTAMP, 'x', 'user.create', 'user', '99', '{}')`)
		storage.Tamper(t, f.db, `UPDATE audit_ledger_state SET legacy_max_id = (SELECT MAX(id) FROM audit_log)`)
		wantLedgerInvalid(t, f.db, "状态行记载升级前审计记录的编号上限（legacy_max_id）为")
		if err := f.db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		var outside int
		if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE leaf IS NULL`).Scan(&outside); err != nil || outside != 1 {
			t.Fatalf("%d entries outside the tree after Migrate (%v), want the inserted one", outside, err)
		}
		storage.Tamper(t, f.db, fmt.Sprintf(`UPDATE audit_ledger_state SET legacy_max_id = %d`, bound))
		wantLedgerInvalid(t, f.db, "数据库中有1条审计记录不在已签名的审计日志内")
		storage.Tamper(t, f.db, `DELETE FROM audit_log WHERE leaf IS NULL`)
		if _, err := f.db.VerifyLedger(sys()); err != nil {
			t.Fatalf("after the inserted entry was removed: %v", err)
		}
	})
}

// TestAuditVerifyWhileWriting verifies the ledger while audited changes
// keep coming: entries appended during a verification come with their
// signed checkpoint and are not taken for foreign ones.
func TestAuditVerifyWhileWriting(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				d := &access.Department{Code: uscc(t, fmt.Sprintf("11220300MB%06d", i%500)), Name: fmt.Sprintf("测试部门%d", i), RegionCode: "220300", Kind: "market"}
				if err := f.db.UpsertDepartment(sys(), d); err != nil {
					t.Errorf("UpsertDepartment: %v", err)
					return
				}
			}
		})
		for range 5 {
			if _, err := f.db.VerifyLedger(sys()); err != nil {
				t.Errorf("VerifyLedger while writing: %v", err)
			}
		}
		close(done)
		wg.Wait()
	})
}

// TestLedgerStoredHashes replaces the tree hashes one record version carries
// by another's: verify names the version.
func TestLedgerStoredHashes(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		var rows [][]string
		for i := range 4 {
			rows = append(rows, f.penaltyRow(fmtWSH(i), "警告", "", "2026-11-16"))
		}
		f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader, rows...))
		if _, err := f.db.VerifyLedger(sys()); err != nil {
			t.Fatal(err)
		}
		storage.Tamper(t, f.db, `UPDATE records SET ledger_hashes = (SELECT ledger_hashes FROM records WHERE id = 1) WHERE id = 4`)
		wantLedgerInvalid(t, f.db, "记录ID 4")
	})
}

// TestLedgerVerifyOneConnection verifies an in-memory SQLite database,
// whose pool has one connection: both trees are read with one query each.
func TestLedgerVerifyOneConnection(t *testing.T) {
	f := newFixture(t, func(tb testing.TB) *storage.DB { return mustOpen(tb, "sqlite::memory:") })
	f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16")))
	done := make(chan error, 1)
	go func() {
		_, err := f.db.VerifyLedger(sys())
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second): // a guard against hanging, not a timing assertion
		t.Fatal("VerifyLedger hangs on a one-connection database")
	}
}
