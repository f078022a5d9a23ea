package jsonapi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/respond"
)

// handleBatchCreate accepts a batch: a JSON array body, a CSV or XLSX body,
// or a multipart form with a "file" part. It answers 201 with the receipt.
// A body sent as application/octet-stream or without Content-Type is read
// in the format the extension of ?filename= names, else the one its first
// bytes show (sniffBatch).
func (s *Server) handleBatchCreate(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r.Context()); err != nil {
		return err
	}
	class := r.URL.Query().Get("class")
	if class == "" {
		return credit.Errorf(credit.EINVALID, "缺少参数class（信息类代码，如 penalty、license）")
	}
	limit := s.MaxUpload
	if limit <= 0 {
		limit = 512 << 20
	}
	r.Body = tooLargeBody{http.MaxBytesReader(w, r.Body, limit)}
	sub := record.Submission{Class: class, Channel: "api", DepartmentCode: r.URL.Query().Get("department")}
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "multipart/form-data":
		if params["boundary"] == "" {
			return credit.Errorf(credit.EINVALID, "上传表单格式错误：Content-Type缺少boundary参数，应为“multipart/form-data; boundary=…”（由HTTP客户端生成，不要手工设置该请求头）")
		}
		mr, err := r.MultipartReader()
		if err != nil {
			return credit.Errorf(credit.EINVALID, "无法读取上传表单：请求头Content-Type应为“multipart/form-data; boundary=…”，文件放在名为file的部分")
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return credit.Errorf(credit.EINVALID, "上传表单中没有名为file的文件")
			}
			if err != nil {
				return respond.FormError(err)
			}
			if part.FormName() == "file" {
				sub.Filename = part.FileName()
				sub.Body = part
				break
			}
		}
	default:
		format, body, err := sniffBatch(r, ct)
		if err != nil {
			return err
		}
		sub.Format, sub.Filename, sub.Body = format, "batch."+format, body
	}
	if f := r.URL.Query().Get("filename"); f != "" {
		sub.Filename = f
	}
	// A stored batch is processed to the end even when the client goes
	// away (the upload itself still fails with it): its receipt is then
	// read with GET /api/v1/batches/{id}.
	receipt, err := s.Backend.Submit(context.WithoutCancel(r.Context()), sub)
	if err != nil {
		if receipt != nil && receipt.Batch != "" {
			b := respond.Body(respond.UploadError(err))
			respond.JSON(w, respond.Status(respond.UploadError(err)), struct {
				respond.ErrorBody
				Receipt *record.Receipt `json:"receipt"`
			}{b, receipt})
			return nil
		}
		return respond.UploadError(err)
	}
	w.Header().Set("Location", "/api/v1/batches/"+string(receipt.Batch))
	respond.JSON(w, http.StatusCreated, receipt)
	return nil
}

// sniffLen is how much of a batch body sniffBatch looks at.
const sniffLen = 512

var zipMagic = []byte("PK\x03\x04")

// xlsxType is the media type of an XLSX file.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// sniffBatch returns the format of a batch body of media type ct ("" when
// the request has no Content-Type) and the body to read it from, nothing of
// it lost. JSON, CSV and XLSX media types declare the format; with
// application/octet-stream or none, the extension of ?filename= does, else
// the content: a zip archive is XLSX, a body starting with "[" (after a BOM
// and white space) JSON, anything else CSV. A file whose content is XLSX
// while its media type or name declares JSON or CSV is refused with a
// message saying so, before anything is stored.
func sniffBatch(r *http.Request, ct string) (format string, body io.Reader, err error) {
	declared, by := "", ""
	switch {
	case ct == "application/json":
		declared, by = "json", "Content-Type声明为“"+ct+"”"
	case ct == "text/csv" || ct == "text/plain":
		declared, by = "csv", "Content-Type声明为“"+ct+"”"
	case strings.Contains(ct, "spreadsheetml"):
		declared = "xlsx"
	case ct == "application/octet-stream" || ct == "" && r.Header.Get("Content-Type") == "":
		name := r.URL.Query().Get("filename")
		switch strings.ToLower(path.Ext(name)) {
		case ".json":
			declared = "json"
		case ".csv", ".txt", ".tsv":
			declared = "csv"
		case ".xlsx", ".xlsm":
			declared = "xlsx"
		}
		by = "文件名“" + name + "”的扩展名是" + path.Ext(name)
	default:
		return "", nil, credit.Errorf(credit.EINVALID, "不支持的Content-Type“%s”：请使用 application/json、text/csv、%s（XLSX）、application/octet-stream（按文件名扩展名或内容识别格式）或 multipart/form-data",
			r.Header.Get("Content-Type"), xlsxType)
	}
	br := bufio.NewReaderSize(r.Body, sniffLen)
	head, err := br.Peek(sniffLen)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		// The body ended before its Content-Length: the upload broke off
		// (as storage says of a longer one).
		return "", nil, record.ErrUploadBrokenOff()
	}
	if err != nil && err != io.EOF {
		return "", nil, respond.UploadError(err)
	}
	isZip := bytes.HasPrefix(head, zipMagic)
	switch {
	case declared == "xlsx": // content that is not one: storage.Submit refuses it, for every path
	case declared != "" && isZip:
		return "", nil, credit.Errorf(credit.EINVALID, "文件内容是XLSX，但%s：上传XLSX文件请使用Content-Type %s或application/octet-stream", by, xlsxType)
	case declared != "":
	case isZip:
		declared = "xlsx"
	case bytes.HasPrefix(bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\uFEFF")), " \t\r\n"), []byte("[")):
		declared = "json"
	default:
		declared = "csv"
	}
	return declared, br, nil
}

// BatchView is a batch with its rejected rows.
type BatchView struct {
	*record.Batch
	Errors      []record.RowError `json:"errors"`
	ErrorsTotal int               `json:"errors_total"`
}

// handleBatchView returns a batch's receipt and row errors.
func (s *Server) handleBatchView(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r.Context()); err != nil {
		return err
	}
	id := credit.BatchID(r.PathValue("id"))
	if len(id) > maxPathCode {
		// No batch has such an id; storage would quote it whole.
		return credit.Errorf(credit.ENOTFOUND, "批次“%s”不存在", clip(string(id)))
	}
	b, err := s.Backend.FindBatchByID(r.Context(), id)
	if err != nil {
		return err
	}
	offset, err := intParam(r, "offset", 0, 0)
	if err != nil {
		return err
	}
	limit, err := limitParam(r, 1000, 10000)
	if err != nil {
		return err
	}
	errs, total, err := s.Backend.FindBatchErrors(r.Context(), id, offset, limit)
	if err != nil {
		return err
	}
	if errs == nil {
		errs = []record.RowError{}
	}
	respond.JSON(w, http.StatusOK, BatchView{Batch: b, Errors: errs, ErrorsTotal: total})
	return nil
}

// handleBatchIndex lists the caller's batches.
func (s *Server) handleBatchIndex(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r.Context()); err != nil {
		return err
	}
	offset, err := intParam(r, "offset", 0, 0)
	if err != nil {
		return err
	}
	limit, err := limitParam(r, 50, 500)
	if err != nil {
		return err
	}
	class := r.URL.Query().Get("class")
	if class != "" {
		if err := s.checkClassFilter(r.Context(), class); err != nil {
			return err
		}
	}
	bs, total, err := s.Backend.FindBatches(r.Context(), record.BatchFilter{Class: class, Offset: offset, Limit: limit})
	if err != nil {
		return err
	}
	if bs == nil {
		bs = []*record.Batch{}
	}
	respond.JSON(w, http.StatusOK, map[string]any{"batches": bs, "total": total})
	return nil
}

// checkClassFilter refuses a class filter the catalog does not have, as
// checkListFilter refuses an unknown list type: it would find nothing and
// look like an empty list.
func (s *Server) checkClassFilter(ctx context.Context, class string) error {
	c, err := s.Backend.Catalog(ctx)
	if err != nil {
		return err
	}
	if _, ok := c.Class(class); ok {
		return nil
	}
	msg := "参数class的值无效：信息类“" + clip(class) + "”不存在，可用 GET /api/v1/catalog 查看目录"
	return credit.Invalid(msg, credit.Problem{Field: "class", Code: "bad_class", Message: "信息类“" + clip(class) + "”不存在"})
}

// tooLargeBody turns the error of a body over the limit into ETOOLARGE, so
// that whoever reads it (storage, while storing the batch) reports 413.
type tooLargeBody struct{ io.ReadCloser }

func (b tooLargeBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = respond.UploadError(err)
	}
	return n, err
}
