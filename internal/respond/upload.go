package respond

import (
	"errors"
	"net/http"

	"jlcredit/internal/credit"
)

// UploadError turns a request body over http.MaxBytesReader's limit into
// ETOOLARGE; other errors pass unchanged.
func UploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return credit.Errorf(credit.ETOOLARGE, "上传文件超过%d MB上限", mbe.Limit>>20)
	}
	return err
}

// FormError is the error of a multipart form that cannot be read (no
// closing boundary, a body that broke off, not multipart at all): the
// client's, not the platform's; a body over the limit stays ETOOLARGE.
func FormError(err error) error {
	if err = UploadError(err); credit.ErrorCode(err) != credit.EINTERNAL {
		return err
	}
	return credit.Errorf(credit.EINVALID, "上传表单不完整或格式错误，无法读取；文件未保存，请重新上传")
}
