// Package respond holds the leaf HTTP helpers shared by the JSON API and the
// web pages: the error-code → status table and the JSON writer.
package respond

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"

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

// RetryAfter is the Retry-After of a 503: seconds.
const RetryAfter = "30"

// Unavailable is the message of a request that failed because the
// database could not be reached.
const Unavailable = "平台数据库暂时不可用（可能正在重启或维护），请稍后重试；如为上传文件，请在恢复后重新提交"

// Classify returns err as EUNAVAILABLE (503, retry later) when it says
// the database cannot be reached now — a refused or cut connection, a
// server shutting down or starting up, too many connections — and err
// itself otherwise. It reads the errors' standard shapes (net.OpError, a
// SQLSTATE, database/sql's bad connection), so that no driver is imported
// here; the original error stays wrapped for the log.
func Classify(err error) error {
	if err == nil || credit.ErrorCode(err) != credit.EINTERNAL || !unreachable(err) {
		return err
	}
	return fmt.Errorf("%w: %w", credit.Errorf(credit.EUNAVAILABLE, "%s", Unavailable), err)
}

func unreachable(err error) bool {
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		switch c := st.SQLState(); {
		case strings.HasPrefix(c, "08"): // connection exception
			return true
		case c == "57P01", c == "57P02", c == "57P03": // admin or crash shutdown, cannot connect now
			return true
		case c == "53300": // too many connections
			return true
		}
		return false
	}
	var op *net.OpError
	return errors.As(err, &op) || badConn(err) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// badConn reports whether err's chain holds database/sql's
// driver.ErrBadConn, known by its text: this package stays clear of
// database/sql (the dependency rule of internal/depstest).
func badConn(err error) bool {
	for err != nil {
		if err.Error() == "driver: bad connection" {
			return true
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if badConn(e) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}

// Status returns the HTTP status for err.
func Status(err error) int {
	err = Classify(err)
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
	err = Classify(err)
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
		logger.Error("请求处理失败", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", RetryAfter)
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
