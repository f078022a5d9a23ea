// Package credit is the shared kernel of the platform: the error type with its
// codes, identifiers, the acting user and the clock. It imports only the
// standard library; every other package of the platform may import it.
package credit

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Error categories. Each maps to one HTTP status in package respond.
const (
	EINVALID      = "invalid"      // 400: the caller sent something wrong
	EUNAUTHORIZED = "unauthorized" // 401: no or bad credentials
	EFORBIDDEN    = "forbidden"    // 403: credentials fine, action not allowed
	ENOTFOUND     = "not_found"    // 404
	ECONFLICT     = "conflict"     // 409: state does not allow the action
	ETOOLARGE     = "too_large"    // 413: input over a size limit
	ETOOMANY      = "rate_limited" // 429: too many requests; retry later
	EUNAVAILABLE  = "unavailable"  // 503: the platform is stopping; the work is kept and finished later
	EINTERNAL     = "internal"     // 500: a bug or an outage; never shown in detail
)

// Error is an application error: a category code, a zh-CN message meant for
// the person who caused it, and optional per-row or per-field problems.
type Error struct {
	Code    string    `json:"code"`
	Message string    `json:"message"`
	Details []Problem `json:"details,omitempty"`
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("credit error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err. Errors that are not an
// *Error are internal and their text is never shown.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "系统内部错误，请稍后重试或联系管理员"
}

// Problem is one thing wrong with a piece of input: a row of a batch, a field
// of a form. Code is a stable machine code (such as "uscc_check"); Message is
// a complete zh-CN sentence that names the row, the field and what was expected.
type Problem struct {
	Row       int    `json:"row,omitempty"`
	Field     string `json:"field,omitempty"`
	FieldName string `json:"field_name,omitempty"`
	Code      string `json:"code"`
	Message   string `json:"message"`
}

// Problemf returns a Problem without position; callers add Row and Field.
func Problemf(code, format string, args ...any) *Problem {
	return &Problem{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID *Error carrying problems.
func Invalid(message string, problems ...Problem) *Error {
	return &Error{Code: EINVALID, Message: message, Details: problems}
}

// Clip returns s cut to n characters with “…” when it is longer: what a
// caller sent, quoted in a message, stays short.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// Caused is an *Error with the error that caused it, the system's or a
// driver's own: errors.Is and errors.As see both. The message never quotes
// the cause; where it does not name the cause's reason (Said false), the
// command line shows the cause's words apart, as 技术信息
// (TechnicalDetail), for the operator to look up.
type Caused struct {
	Msg   *Error
	Cause error
	Said  bool // the message names the reason: no 技术信息
}

func (e *Caused) Error() string   { return e.Msg.Error() }
func (e *Caused) Unwrap() []error { return []error{e.Msg, e.Cause} }

// TechnicalDetail returns the cause's words when the message does not
// name its reason, else "".
func (e *Caused) TechnicalDetail() string {
	if e.Said || e.Cause == nil {
		return ""
	}
	return e.Cause.Error()
}

// WithCause returns msg caused by cause, whose words are shown apart as
// 技术信息: for a cause the message could not name.
func WithCause(msg *Error, cause error) error { return &Caused{Msg: msg, Cause: cause} }

// Explained returns msg caused by cause, which msg says all of.
func Explained(msg *Error, cause error) error { return &Caused{Msg: msg, Cause: cause, Said: true} }
