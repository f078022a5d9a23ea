package ledger

import (
	"context"
	"strconv"
	"strings"

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

// ConsistencyAnswer is the platform's answer to "prove that what you sign
// today extends what you signed when the tree had oldSize leaves": the
// latest signed checkpoint and the consistency proof from oldSize to its
// size. Whoever kept the older checkpoint (its root) checks the proof with
// VerifyConsistency: a ledger rewritten since cannot produce one.
type ConsistencyAnswer struct {
	Proof       ConsistencyProof `json:"proof"`
	Checkpoint  *Checkpoint      `json:"checkpoint"`
	VerifierKey string           `json:"verifier_key"`
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
	// UnsealedQueryLog, UnsealedFeedback and UnsealedBatches are the same
	// for the other streams a seal covers: query-log rows (查询登记),
	// execution feedback (执行反馈), and batches whose processing ended
	// with their rejected rows (批次错误行). A row inserted behind the
	// platform's back since the newest seal is counted here too: it is not
	// protected yet, and the count is how the operator sees it.
	UnsealedQueryLog int64 `json:"unsealed_query_log"`
	UnsealedFeedback int64 `json:"unsealed_feedback"`
	UnsealedBatches  int64 `json:"unsealed_batches"`
}

// UnsealedNote says in Chinese what is not sealed yet (every stream with
// something unsealed), or "" when everything is sealed.
func (r *VerifyReport) UnsealedNote() string {
	var parts []string
	for _, p := range []struct {
		n    int64
		unit string
	}{
		{r.Unsealed, "条核查记录"},
		{r.UnsealedQueryLog, "条查询登记"},
		{r.UnsealedFeedback, "条执行反馈"},
		{r.UnsealedBatches, "个批次的错误行"},
	} {
		if p.n > 0 {
			parts = append(parts, strconv.FormatInt(p.n, 10)+p.unit)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "另有" + strings.Join(parts, "、") + "写于最近一次封存之后，尚未封存（credit serve 每30秒封存一次）"
}

// Service reads and verifies the ledger.
type Service interface {
	// LatestCheckpoint returns ENOTFOUND when the ledger is empty.
	LatestCheckpoint(ctx context.Context) (*Checkpoint, error)
	// LatestAuditCheckpoint is LatestCheckpoint for the audit log's tree.
	LatestAuditCheckpoint(ctx context.Context) (*Checkpoint, error)
	// ProveRecord returns ENOTFOUND when the record is missing or not visible.
	ProveRecord(ctx context.Context, id credit.RecordID) (*RecordProof, error)
	// ProveConsistency proves that the latest checkpoint of the records'
	// tree (of the audit log's, with audit) extends the tree of oldSize
	// leaves; EINVALID unless 1 <= oldSize <= the latest size.
	ProveConsistency(ctx context.Context, audit bool, oldSize int64) (*ConsistencyAnswer, error)
	// VerifyLedger recomputes everything; EINVALID names the first bad record.
	VerifyLedger(ctx context.Context) (*VerifyReport, error)
	// VerifierKey is the note verifier key (C2SP vkey) that checks both
	// trees' checkpoints, to be published out of band.
	VerifierKey() string
}
