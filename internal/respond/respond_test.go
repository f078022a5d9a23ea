package respond

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
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
