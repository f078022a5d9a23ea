package storage_test

import (
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/ledger"
)

// TestLedgerConsistency: whoever kept an earlier checkpoint can check that
// the latest one extends it, for the records' tree and the audit log's; a
// root the platform never signed fails the check, and sizes outside
// [1, latest] are refused in Chinese.
func TestLedgerConsistency(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		ctx := sys()
		f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕61号", "警告", "", "2026-11-16")))
		oldRec, err := f.db.LatestCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		oldAudit, err := f.db.LatestAuditCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f.submit(t, "penalty", "b.csv", csvBytes(t, penaltyHeader,
			f.penaltyRow("长市监罚〔2026〕62号", "警告", "", "2026-11-16"), f.penaltyRow("长市监罚〔2026〕63号", "警告", "", "2026-11-17")))
		for _, c := range []struct {
			name  string
			audit bool
			old   *ledger.Checkpoint
		}{{"records", false, oldRec}, {"audit", true, oldAudit}} {
			a, err := f.db.ProveConsistency(ctx, c.audit, c.old.Size)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if a.Checkpoint.Size <= c.old.Size || a.Proof.OldSize != c.old.Size || a.Proof.NewSize != a.Checkpoint.Size {
				t.Errorf("%s: proof %d→%d, checkpoint %d, old %d", c.name, a.Proof.OldSize, a.Proof.NewSize, a.Checkpoint.Size, c.old.Size)
			}
			if _, err := ledger.OpenCheckpoint(a.Checkpoint.Note, a.VerifierKey); err != nil {
				t.Errorf("%s: the checkpoint does not verify with the key given: %v", c.name, err)
			}
			if err := ledger.VerifyConsistency(a.Proof, c.old.Root, a.Checkpoint.Root); err != nil {
				t.Errorf("%s: VerifyConsistency: %v", c.name, err)
			}
			forged := c.old.Root
			forged[0] ^= 1
			if err := ledger.VerifyConsistency(a.Proof, forged, a.Checkpoint.Root); err == nil {
				t.Errorf("%s: a root never signed passed", c.name)
			}
			for _, bad := range []int64{0, -1, a.Checkpoint.Size + 1} {
				if _, err := f.db.ProveConsistency(ctx, c.audit, bad); credit.ErrorCode(err) != credit.EINVALID {
					t.Errorf("%s: old=%d: %v, want invalid", c.name, bad, err)
				}
			}
		}
	})
}
