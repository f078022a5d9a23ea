package jsonapi

import (
	"net/http"
	"unicode/utf8"

	"jlcredit/internal/credit"
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
	class := r.PathValue("class")
	if utf8.RuneCountInString(class) > maxPathCode {
		return credit.Errorf(credit.ENOTFOUND, "信息类“%s”不存在，可用 GET /api/v1/catalog 查看目录", clip(class))
	}
	c, err := s.Backend.FindClass(r.Context(), class)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, c)
	return nil
}
