package ledger

import (
	"context"

	"jlcredit/internal/credit"
)

// RecordProof is the platform's answer to "prove this record version is in
// the ledger": the canonical bytes of the version, the inclusion proof of
// their leaf hash, and the signed checkpoint the proof is against.
type RecordProof struct {
	RecordID    credit.RecordID `json:"record_id"`
	Canonical   string          `json:"canonical"`
	Proof       Proof           `json:"proof"`
	Checkpoint  *Checkpoint     `json:"checkpoint"`
	VerifierKey string          `json:"verifier_key"`
}

// VerifyReport is the result of a full verification of the ledger.
type VerifyReport struct {
	Records     int64  `json:"records"`
	Size        int64  `json:"size"`
	Root        string `json:"root"`
	Checkpoints int64  `json:"checkpoints"`
	// AuditEntries is the number of audit log entries checked against
	// their own tree and its signed checkpoints.
	AuditEntries int64 `json:"audit_entries"`
	// Unsealed is the number of stored verifications written since the
	// newest seal: not yet protected, not an error (serve seals them
	// every 30 seconds).
	Unsealed int64 `json:"unsealed_verifications"`
}

// Service reads and verifies the ledger.
type Service interface {
	// LatestCheckpoint returns ENOTFOUND when the ledger is empty.
	LatestCheckpoint(ctx context.Context) (*Checkpoint, error)
	// LatestAuditCheckpoint is LatestCheckpoint for the audit log's tree.
	LatestAuditCheckpoint(ctx context.Context) (*Checkpoint, error)
	// ProveRecord returns ENOTFOUND when the record is missing or not visible.
	ProveRecord(ctx context.Context, id credit.RecordID) (*RecordProof, error)
	// VerifyLedger recomputes everything; EINVALID names the first bad record.
	VerifyLedger(ctx context.Context) (*VerifyReport, error)
}
