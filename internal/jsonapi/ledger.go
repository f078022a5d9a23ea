package jsonapi

import (
	"net/http"

	"jlcredit/internal/respond"
)

// handleCheckpoint returns the latest signed checkpoint and the verifier key.
func (s *Server) handleCheckpoint(w http.ResponseWriter, r *http.Request) error {
	cp, err := s.Backend.LatestCheckpoint(r.Context())
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
