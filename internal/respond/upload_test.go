package respond

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"jlcredit/internal/credit"
)

func TestUploadErrors(t *testing.T) {
	tooLarge := &http.MaxBytesError{Limit: 200 << 20}
	for _, test := range []struct {
		name string
		err  error
		code string
		msg  string
	}{
		{"FormTooLarge", FormError(tooLarge), credit.ETOOLARGE, "上传文件超过200 MB上限"},
		{"FormBroken", FormError(io.ErrUnexpectedEOF), credit.EINVALID, "上传表单不完整或格式错误"},
		{"FormClientError", FormError(credit.Errorf(credit.EINVALID, "x")), credit.EINVALID, "x"},
		{"UploadTooLarge", UploadError(tooLarge), credit.ETOOLARGE, "上传文件超过200 MB上限"},
		{"UploadOther", UploadError(errors.New("disk")), credit.EINTERNAL, ""},
	} {
		if credit.ErrorCode(test.err) != test.code || !strings.Contains(credit.ErrorMessage(test.err), test.msg) {
			t.Errorf("%s: %v, want %s with %q", test.name, test.err, test.code, test.msg)
		}
	}
}
