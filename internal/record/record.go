// Package record holds credit records: one item of credit information about a
// subject, versioned by (class, business key), and the batches departments
// submit them in. It validates rows against the catalog (validate.go) and
// computes the policy fields (severity, publicity window, timeliness).
package record

import (
	"context"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
)

// Status is the life-cycle state of a record version.
type Status string

// Statuses. A record is never deleted: withdrawal, objection and repair are
// states or new versions.
const (
	Active    Status = "active"    // 有效
	Withdrawn Status = "withdrawn" // 已撤销 (decision revoked)
	Objected  Status = "objected"  // 异议处理中 (label; still published)
	Repaired  Status = "repaired"  // 已修复 (publicity ended early)
)

// Label returns the Chinese name of s.
func (s Status) Label() string {
	switch s {
	case Active:
		return "有效"
	case Withdrawn:
		return "已撤销"
	case Objected:
		return "异议处理中"
	case Repaired:
		return "已修复"
	}
	return string(s)
}

// SubjectRef is what a row says about its subject, normalised.
type SubjectRef struct {
	Name string `json:"name"`
	// DisplayName is the name as written (subject.TidyText), when it
	// differs from Name, the normalised form subjects are matched on.
	DisplayName string `json:"-"`
	Type        string `json:"type"` // subject.Type value
	USCC        string `json:"uscc,omitempty"`
	CitizenID   string `json:"-"` // only for persons with 身份证; never stored in clear
	IDType      string `json:"id_type,omitempty"`
	LegalRep    string `json:"legal_rep,omitempty"`
}

// Record is one version of a credit record.
type Record struct {
	ID           credit.RecordID     `json:"id"`
	Class        string              `json:"class"`
	Key          string              `json:"key"` // business key values joined by "|"
	Version      int                 `json:"version"`
	Current      bool                `json:"current"`
	SubjectID    credit.SubjectID    `json:"subject_id"`
	DepartmentID credit.DepartmentID `json:"department_id"`
	BatchID      credit.BatchID      `json:"batch_id,omitempty"`
	Row          int                 `json:"row,omitempty"`
	Fields       map[string]string   `json:"fields"`                 // field code -> normalised value
	ContentHash  string              `json:"content_hash,omitempty"` // hex sha-256 of class, key and fields; shown to administrators only
	DecisionDate *credit.Date        `json:"decision_date,omitempty"`
	Severity     catalog.Severity    `json:"severity,omitempty"`
	// Publicity window: the record is public from PublicFrom until PublicUntil
	// (exclusive; nil = no end); it may end early by repair from RepairableFrom.
	PublicFrom     *credit.Date `json:"public_from,omitempty"`
	PublicUntil    *credit.Date `json:"public_until,omitempty"`
	RepairableFrom *credit.Date `json:"repairable_from,omitempty"`
	Status         Status       `json:"status"`
	Late           bool         `json:"late"`
	LateDays       int          `json:"late_days,omitempty"` // working days from decision to receipt
	LedgerIndex    int64        `json:"ledger_index"`
	CreatedAt      time.Time    `json:"created_at"`

	Subject SubjectRef `json:"-"` // as given by the row; used to resolve SubjectID
	// Verbatim holds, for text fields whose normalised value (in Fields)
	// differs from what the department wrote, the written form
	// (subject.TidyText): what is published. Validation, keys and the
	// content hash use Fields; ingestion stores Fields with these in place.
	Verbatim map[string]string `json:"-"`
	// FieldsJSON, when not nil, is AppendFieldsJSON(nil, Fields): encoded
	// once by ingestion when Fields are final, so that Canonical and
	// storage do not encode the same fields again. Whoever changes Fields
	// afterwards must reset it to nil.
	FieldsJSON []byte `json:"-"`
	// Raw is the row as read from the file (header -> value), kept by
	// ingestion so that a row the writer refuses is stored with it.
	Raw map[string]string `json:"-"`
	// Base, when not zero, is the version this row amends, from the row's
	// BaseColumn: the writer refuses the row unless that version is still
	// the current one when it writes (optimistic concurrency).
	Base credit.RecordID `json:"-"`
}

// BaseColumn is the column (JSON key) in which a row may name the record
// id of the version it amends. A row whose base is no longer current (a
// correction or removal written since it was read) is refused rather than
// undoing what was written meanwhile. Removals composed by the platform
// always carry it; a department's file may.
const BaseColumn = "基于记录ID"

// ParseBase reads a row's BaseColumn value: "" is no base (0), a positive
// record id is the base, anything else is EINVALID naming row and column.
func ParseBase(row int, v string) (credit.RecordID, *credit.Problem) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, &credit.Problem{Row: row, Field: BaseColumn, Code: "invalid_base",
			Message: fmt.Sprintf("第%d行：“%s”应为所修改版本的记录ID（正整数），实际为“%s”", row, BaseColumn, credit.Clip(v, 40))}
	}
	return credit.RecordID(n), nil
}

// Batch is one submission, kept whole.
type Batch struct {
	ID             credit.BatchID      `json:"batch"`
	Class          string              `json:"class"`
	DepartmentID   credit.DepartmentID `json:"department_id"`
	DepartmentCode string              `json:"department_code"`
	SubmittedBy    string              `json:"submitted_by"`
	Channel        string              `json:"channel"` // api, web, cli
	Filename       string              `json:"filename,omitempty"`
	Format         string              `json:"format"` // csv, xlsx, json
	Size           int64               `json:"size"`
	SHA256         string              `json:"sha256"`
	Status         string              `json:"status"`             // stored, processing, done, failed
	Error          string              `json:"error,omitempty"`    // why processing failed, in Chinese
	Backfill       bool                `json:"backfill,omitempty"` // 历史数据补录 (Submission.Backfill)
	Receipt
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// Receipt summarises what happened to a batch.
type Receipt struct {
	Batch      credit.BatchID `json:"batch"`
	Total      int            `json:"total"`
	Accepted   int            `json:"accepted"`
	Rejected   int            `json:"rejected"`
	Duplicates int            `json:"duplicates"`
	Late       int            `json:"late"`
}

// RowError is a rejected row: its problems and the raw values as submitted
// (header -> value) so that the department can fix and resubmit it.
type RowError struct {
	Row      int               `json:"row"`
	Problems []credit.Problem  `json:"problems"`
	Raw      map[string]string `json:"raw,omitempty"`
}

// Submission is a batch about to be stored.
type Submission struct {
	Class string
	// DepartmentCode is the submitting department's USCC. A department's own
	// credentials imply it; the CLI and province administrators name it.
	DepartmentCode string
	Format         string // csv, xlsx, json; "" = detect from Filename and content
	Filename       string
	Channel        string
	// Backfill marks 历史数据补录: records decided before the department
	// reported to the platform, loaded once. They are not late, and the
	// timeliness rate leaves them out. Province administrators and the
	// platform itself only.
	Backfill bool
	Body     io.Reader
	// Progress, when set, is called after each written chunk with the
	// number of rows processed so far (for long imports).
	Progress func(rows int)
	// Stored, when set, is called once the file is stored whole, before
	// it is processed, with the batch's id: a process stopped during
	// processing can still say which batch will be resumed.
	Stored func(credit.BatchID)
}

// ErrUploadBrokenOff is the error of an upload whose body ended before its
// declared length or closing boundary: the file is not stored (a truncated
// file still parses, its last row cut short), and the client sends it
// again.
func ErrUploadBrokenOff() error {
	return credit.Errorf(credit.EINVALID, "上传中断：收到的文件不完整（连接在文件传完之前断开），文件未保存，请重新报送")
}

// BatchFilter selects batches.
type BatchFilter struct {
	DepartmentID  *credit.DepartmentID
	Class         string
	Since         *time.Time
	Offset, Limit int
}

// RecordFilter selects records.
type RecordFilter struct {
	Class         string
	SubjectID     *credit.SubjectID
	DepartmentID  *credit.DepartmentID
	RegionPrefix  string
	Text          string
	From, To      *credit.Date // decision date range
	CurrentOnly   bool
	Offset, Limit int
}

// Service ingests and reads records.
type Service interface {
	// Submit stores the batch whole, then processes every row. Returns
	// ENOTFOUND for an unknown class, EFORBIDDEN when the actor may not
	// submit, EINVALID when the file cannot be read at all.
	Submit(ctx context.Context, s Submission) (*Receipt, error)
	// FindBatchByID returns ENOTFOUND, or EFORBIDDEN for another department's batch.
	FindBatchByID(ctx context.Context, id credit.BatchID) (*Batch, error)
	// FindBatchErrors returns the rejected rows of a batch.
	FindBatchErrors(ctx context.Context, id credit.BatchID, offset, limit int) ([]RowError, int, error)
	// BatchErrors yields every rejected row of a batch in row order, in
	// bounded memory; an error ends the sequence.
	BatchErrors(ctx context.Context, id credit.BatchID) iter.Seq2[RowError, error]
	// FindBatches lists batches visible to the actor, newest first, and
	// their total counted up to subject.TotalCap(f.Offset).
	FindBatches(ctx context.Context, f BatchFilter) ([]*Batch, int, error)
	// FindRecordByID returns ENOTFOUND.
	FindRecordByID(ctx context.Context, id credit.RecordID) (*Record, error)
}
