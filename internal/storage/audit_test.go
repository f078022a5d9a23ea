package storage_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
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
			// Migrating takes such an entry in, as it takes the entries
			// written before the audit log had a tree.
			if err := f.db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			rep, err := f.db.VerifyLedger(sys())
			if err != nil || rep.AuditEntries != auditCount(t, f.db) {
				t.Errorf("after catching up: %+v, %v", rep, err)
			}
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
