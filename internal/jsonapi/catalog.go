package jsonapi

import (
	"net/http"

	"jlcredit/internal/respond"
)

// handleCatalog lists the catalog's classes and fields.
func (s *Server) handleCatalog(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Backend.Catalog(r.Context())
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, c)
	return nil
}

// handleCatalogClass returns one class.
func (s *Server) handleCatalogClass(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Backend.FindClass(r.Context(), r.PathValue("class"))
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, c)
	return nil
}
