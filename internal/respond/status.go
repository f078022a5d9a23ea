package respond

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"jlcredit/internal/credit"
)

// StatusError is an error answered with an HTTP status that the code →
// status table (Status) has no code for (405, 415), and with headers of
// its own. Its code, for the body, is Err's (EINVALID: the caller's
// mistake).
type StatusError struct {
	Err    *credit.Error
	Status int
	Header http.Header
}

func (e *StatusError) Error() string { return e.Err.Error() }
func (e *StatusError) Unwrap() error { return e.Err }

// StatusOf returns the status err is answered with and the headers to add:
// a StatusError's own, else Status(err)'s and none.
func StatusOf(err error) (int, http.Header) {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status, se.Header
	}
	return Status(err), nil
}

// MethodNotAllowed is the 405 answer, saying msg, to a request of a path
// served with the methods allow only.
func MethodNotAllowed(msg string, allow []string) error {
	return &StatusError{
		Err: &credit.Error{Code: credit.EINVALID, Message: msg, Details: []credit.Problem{
			{Field: "method", Code: "method_not_allowed", Message: msg}}},
		Status: http.StatusMethodNotAllowed,
		Header: http.Header{"Allow": {strings.Join(allow, ", ")}},
	}
}

// probeMethods are the methods AllowedMethods tries, in the order Allow
// lists them.
var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// AllowedMethods returns the methods with which a route of mux, not one of
// the catch-all patterns, serves r's path. A GET route serves HEAD too.
func AllowedMethods(mux *http.ServeMux, r *http.Request, catchAll ...string) []string {
	var out []string
	for _, m := range probeMethods {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := mux.Handler(probe); pattern != "" && !slices.Contains(catchAll, pattern) {
			out = append(out, m)
		}
	}
	return out
}
