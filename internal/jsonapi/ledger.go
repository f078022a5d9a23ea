package jsonapi

import (
	"net/http"

	"jlcredit/internal/credit"
	"jlcredit/internal/respond"
)

// handleCheckpoint returns the latest signed checkpoint of the records'
// tree, or with log=audit of the audit log's.
func (s *Server) handleCheckpoint(w http.ResponseWriter, r *http.Request) error {
	latest := s.Backend.LatestCheckpoint
	switch l := r.URL.Query().Get("log"); l {
	case "", "records":
	case "audit":
		latest = s.Backend.LatestAuditCheckpoint
	default:
		return credit.Errorf(credit.EINVALID, "参数log的值“%s”无效，应为records（信用记录，默认）或audit（审计日志）", l)
	}
	cp, err := latest(r.Context())
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "note" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err := w.Write(cp.Note)
		return err
	}
	respond.JSON(w, http.StatusOK, cp)
	return nil
}

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
	respond.JSON(w, http.StatusOK, p)
	return nil
}
