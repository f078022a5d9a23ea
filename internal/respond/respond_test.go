package respond

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"

	"jlcredit/internal/credit"
)

func TestError(t *testing.T) {
	for _, test := range []struct {
		err    error
		status int
		code   string
	}{
		{credit.Invalid("第3行：必填项不能为空", credit.Problem{Row: 3, Field: "CF_WSH", Code: "required", Message: "第3行：必填项不能为空"}), 400, credit.EINVALID},
		{credit.Errorf(credit.EUNAUTHORIZED, "需要登录"), 401, credit.EUNAUTHORIZED},
		{credit.Errorf(credit.EFORBIDDEN, "无权"), 403, credit.EFORBIDDEN},
		{credit.Errorf(credit.ENOTFOUND, "不存在"), 404, credit.ENOTFOUND},
		{credit.Errorf(credit.ECONFLICT, "冲突"), 409, credit.ECONFLICT},
		{credit.Errorf(credit.ETOOLARGE, "过大"), 413, credit.ETOOLARGE},
		{credit.Errorf(credit.ETOOMANY, "请求过于频繁"), 429, credit.ETOOMANY},
		{credit.Errorf(credit.EUNAVAILABLE, "处理已中断"), 503, credit.EUNAVAILABLE},
		{errors.New("secret database detail"), 500, credit.EINTERNAL},
	} {
		w := httptest.NewRecorder()
		Error(w, httptest.NewRequest("GET", "/", nil), nil, test.err)
		var body ErrorBody
		json.Unmarshal(w.Body.Bytes(), &body)
		if w.Code != test.status || body.Code != test.code {
			t.Errorf("%v: got %d %q, want %d %q", test.err, w.Code, body.Code, test.status, test.code)
		}
		if strings.Contains(w.Body.String(), "secret") {
			t.Errorf("internal error text leaked: %s", w.Body.String())
		}
		if test.status == 400 && (len(body.Details) != 1 || body.Details[0].Field != "CF_WSH") {
			t.Errorf("details not passed: %+v", body.Details)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
	}
	_ = http.StatusOK
}

// sqlStateError is an error with a SQLSTATE, as PostgreSQL drivers give.
type sqlStateError string

func (e sqlStateError) Error() string    { return "ERROR: secret (SQLSTATE " + string(e) + ")" }
func (e sqlStateError) SQLState() string { return string(e) }

// A database that cannot be reached is a 503 with Retry-After and a Chinese
// message, not a 500; other database errors stay internal.
func TestErrorUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, test := range []struct {
		err    error
		status int
	}{
		{fmt.Errorf("storage: connect: %w", refused), 503},
		{fmt.Errorf("storage.Verify: %w", sqlStateError("57P01")), 503}, // terminating connection: admin shutdown
		{sqlStateError("57P03"), 503},                                   // the database system is starting up
		{sqlStateError("08006"), 503},
		{sqlStateError("53300"), 503},
		{fmt.Errorf("x: %w", driver.ErrBadConn), 503},
		{sqlStateError("23505"), 500}, // a unique violation is the platform's fault
		{sqlStateError("57014"), 500}, // a statement timeout is not an outage
		{credit.Errorf(credit.ENOTFOUND, "不存在"), 404},
	} {
		w := httptest.NewRecorder()
		Error(w, httptest.NewRequest("GET", "/", nil), nil, test.err)
		if w.Code != test.status {
			t.Errorf("%v: status %d, want %d", test.err, w.Code, test.status)
			continue
		}
		if strings.Contains(w.Body.String(), "secret") {
			t.Errorf("%v: driver text leaked: %s", test.err, w.Body.String())
		}
		if test.status == 503 {
			var body ErrorBody
			json.Unmarshal(w.Body.Bytes(), &body)
			if body.Code != credit.EUNAVAILABLE || body.Message != Unavailable || w.Header().Get("Retry-After") != RetryAfter {
				t.Errorf("%v: body %+v, Retry-After %q", test.err, body, w.Header().Get("Retry-After"))
			}
			if !errors.Is(Classify(test.err), test.err) && !errors.Is(Classify(test.err), driver.ErrBadConn) {
				t.Errorf("%v: the cause is not kept for the log", test.err)
			}
		}
	}
}
