package jsonapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"jlcredit/internal/credit"
	"jlcredit/internal/ledger"
	"jlcredit/internal/respond"
)

// auditLog reads the log parameter: false for the records' tree (records,
// the default), true for the audit log's (audit).
func auditLog(r *http.Request) (bool, error) {
	switch l := r.URL.Query().Get("log"); l {
	case "", "records":
		return false, nil
	case "audit":
		return true, nil
	default:
		return false, credit.Errorf(credit.EINVALID, "参数log的值“%s”无效，应为records（信用记录，默认）或audit（审计日志）", clip(l))
	}
}

// handleConsistency returns the latest checkpoint and the proof that it
// extends the tree of old leaves (log as handleCheckpoint).
func (s *Server) handleConsistency(w http.ResponseWriter, r *http.Request) error {
	audit, err := auditLog(r)
	if err != nil {
		return err
	}
	raw := r.URL.Query().Get("old")
	if raw == "" {
		return credit.Errorf(credit.EINVALID, "请用参数old给出您保存的旧检查点的大小（size），如 old=1024")
	}
	old, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return credit.Errorf(credit.EINVALID, "参数old的值“%s”无效，应为旧检查点的大小（正整数）", clip(raw))
	}
	a, err := s.Backend.ProveConsistency(r.Context(), audit, old)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, a)
	return nil
}

// handleCheckpoint returns the latest signed checkpoint of the records'
// tree, or with log=audit of the audit log's.
func (s *Server) handleCheckpoint(w http.ResponseWriter, r *http.Request) error {
	latest := s.Backend.LatestCheckpoint
	audit, err := auditLog(r)
	if err != nil {
		return err
	}
	if audit {
		latest = s.Backend.LatestAuditCheckpoint
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "note" && format != "json" {
		return credit.Errorf(credit.EINVALID, "参数format的值“%s”无效，应为note（签名检查点原文）或省略（JSON）", clip(format))
	}
	cp, err := latest(r.Context())
	if err != nil {
		return err
	}
	if format == "note" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err := w.Write(cp.Note)
		return err
	}
	// The checkpoint with the key that verifies its signature.
	b, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return err
	}
	out["verifier_key"] = s.Backend.VerifierKey()
	respond.JSON(w, http.StatusOK, out)
	return nil
}

// RecordProof is the answer of GET /api/v1/records/{id}/proof: the
// ledger's proof with the canonical bytes left out, and a note saying so,
// when the backend withheld them (the record has fields the caller may not
// see).
type RecordProof struct {
	*ledger.RecordProof
	Canonical string `json:"canonical,omitempty"`
	Note      string `json:"note,omitempty"`
}

// withheldNote explains a proof without the record's canonical bytes.
const withheldNote = "记录的规范化内容（canonical）含内容哈希、报送批次等内部信息，只提供给管理员和报送该记录的部门：可以用叶子哈希（proof.leaf）和包含证明核验该记录已写入存证账本，记录的完整内容须经授权查询。"

// handleRecordProof returns the inclusion proof of a record version.
func (s *Server) handleRecordProof(w http.ResponseWriter, r *http.Request) error {
	id, err := recordID(r)
	if err != nil {
		return err
	}
	p, err := s.Backend.ProveRecord(r.Context(), id)
	if err != nil {
		return err
	}
	out := RecordProof{RecordProof: p, Canonical: p.Canonical}
	if p.Canonical == "" {
		out.Note = withheldNote
	}
	respond.JSON(w, http.StatusOK, out)
	return nil
}
