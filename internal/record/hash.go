package record

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"jlcredit/internal/credit"
)

// ContentHash returns the hex SHA-256 of a canonical encoding of class, key
// and fields (sorted by field code; empty values omitted): equal content
// gives an equal hash regardless of column order or of which header spelling
// was used, because fields are keyed by field code after validation. Storage
// compares it with the current version to recognise a resubmitted row that
// changes nothing.
//
// The encoding is compact JSON {"class":…,"fields":{…},"key":…} with object
// keys sorted and no HTML escaping.
func ContentHash(class, key string, fields map[string]string) string {
	b := canonicalJSON(struct {
		Class  string            `json:"class"`
		Fields map[string]string `json:"fields"`
		Key    string            `json:"key"`
	}{class, nonEmpty(fields), key})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Canonical returns the canonical bytes of a stored record version, the
// bytes the ledger hashes: compact JSON with object keys in sorted order, no
// insignificant whitespace and no HTML escaping, holding ID, Class, Key,
// Version, SubjectID, DepartmentID, BatchID, ContentHash, Fields (empty
// values omitted), DecisionDate, Severity, PublicFrom, PublicUntil,
// RepairableFrom, Status, Late and CreatedAt. Dates are yyyy-MM-dd, or ""
// when nil; CreatedAt is UTC in RFC 3339 with nanoseconds.
//
// Any change of these members after the version was appended to the ledger
// changes its hash and is detected by `ledger verify`. Members not listed
// (Current, Row, LateDays, LedgerIndex, Subject) may change without breaking
// the chain: they are derived or bookkeeping. The encoding must never change
// for existing versions; a new encoding needs a new ledger entry format.
func Canonical(r *Record) []byte {
	// Members in sorted order of their JSON names.
	return canonicalJSON(struct {
		BatchID        credit.BatchID      `json:"batch_id"`
		Class          string              `json:"class"`
		ContentHash    string              `json:"content_hash"`
		CreatedAt      string              `json:"created_at"`
		DecisionDate   string              `json:"decision_date"`
		DepartmentID   credit.DepartmentID `json:"department_id"`
		Fields         map[string]string   `json:"fields"`
		ID             credit.RecordID     `json:"id"`
		Key            string              `json:"key"`
		Late           bool                `json:"late"`
		PublicFrom     string              `json:"public_from"`
		PublicUntil    string              `json:"public_until"`
		RepairableFrom string              `json:"repairable_from"`
		Severity       string              `json:"severity"`
		Status         string              `json:"status"`
		SubjectID      credit.SubjectID    `json:"subject_id"`
		Version        int                 `json:"version"`
	}{
		BatchID:        r.BatchID,
		Class:          r.Class,
		ContentHash:    r.ContentHash,
		CreatedAt:      r.CreatedAt.UTC().Format(time.RFC3339Nano),
		DecisionDate:   dateString(r.DecisionDate),
		DepartmentID:   r.DepartmentID,
		Fields:         nonEmpty(r.Fields),
		ID:             r.ID,
		Key:            r.Key,
		Late:           r.Late,
		PublicFrom:     dateString(r.PublicFrom),
		PublicUntil:    dateString(r.PublicUntil),
		RepairableFrom: dateString(r.RepairableFrom),
		Severity:       string(r.Severity),
		Status:         string(r.Status),
		SubjectID:      r.SubjectID,
		Version:        r.Version,
	})
}

// canonicalJSON encodes v compactly without HTML escaping. Map keys are
// sorted by encoding/json; struct members keep their declared order.
func canonicalJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only strings, numbers and maps of strings are encoded: cannot fail.
		panic("record: canonical encoding: " + err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// nonEmpty returns fields without empty values, never nil.
func nonEmpty(fields map[string]string) map[string]string {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

func dateString(d *credit.Date) string {
	if d == nil {
		return ""
	}
	return d.Format(credit.DateLayout)
}
