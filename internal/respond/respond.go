// Package respond holds the leaf HTTP helpers shared by the JSON API and the
// web pages: the error-code → status table and the JSON writer.
package respond

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"jlcredit/internal/credit"
)

// statuses maps error codes to HTTP statuses.
var statuses = map[string]int{
	credit.EINVALID:      http.StatusBadRequest,
	credit.EUNAUTHORIZED: http.StatusUnauthorized,
	credit.EFORBIDDEN:    http.StatusForbidden,
	credit.ENOTFOUND:     http.StatusNotFound,
	credit.ECONFLICT:     http.StatusConflict,
	credit.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	credit.ETOOMANY:      http.StatusTooManyRequests,
	credit.EUNAVAILABLE:  http.StatusServiceUnavailable,
	credit.EINTERNAL:     http.StatusInternalServerError,
}

// Status returns the HTTP status for err.
func Status(err error) int {
	if s, ok := statuses[credit.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON form of an error.
type ErrorBody struct {
	Code    string           `json:"code"`
	Message string           `json:"message"`
	Details []credit.Problem `json:"details,omitempty"`
}

// Body returns the client-facing body of err; internal errors never show
// their text.
func Body(err error) ErrorBody {
	b := ErrorBody{Code: credit.ErrorCode(err), Message: credit.ErrorMessage(err)}
	if e, ok := err.(*credit.Error); ok {
		b.Details = e.Details
	} else if e := asError(err); e != nil {
		b.Details = e.Details
	}
	return b
}

func asError(err error) *credit.Error {
	for err != nil {
		if e, ok := err.(*credit.Error); ok {
			return e
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return nil
		}
		err = u.Unwrap()
	}
	return nil
}

// Error writes err as JSON. Internal errors are logged; others are the
// caller's doing and are not.
func Error(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	status := Status(err)
	if status >= 500 && logger != nil {
		logger.Error("request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	JSON(w, status, Body(err))
}

// JSON writes v with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
