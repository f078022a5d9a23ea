package web

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/record/ingest"
	"jlcredit/internal/respond"
)

// DashboardPage is the console's front page for the user's scope.
type DashboardPage struct {
	Page
	Scope    string
	Today    *record.BatchSummary
	Month    *record.BatchSummary
	Chart    Chart
	Recent   []BatchRow
	Classes  []*catalog.Class
	CanBatch bool
	// CalendarWarning says that the working-day calendar lacks the
	// coming year (storage.DB.CalendarWarning), or is "".
	CalendarWarning string
}

// Chart is a bar chart of daily accepted and rejected rows, drawn as SVG
// with computed geometry (no script, no inline style).
type Chart struct {
	Width, Height int
	Bars          []Bar
	Max           int
	Empty         bool
}

// Bar is one day of the chart.
type Bar struct {
	X, W, CX             int
	AcceptedY, AcceptedH int
	RejectedY, RejectedH int
	Label                string
	Accepted, Rejected   int // Accepted includes the duplicates
	Duplicates           int
	ShowLabel            bool
}

func newChart(days []record.DaySummary) Chart {
	const width, height, top, bottom = 480, 200, 10, 30
	c := Chart{Width: width, Height: height, Empty: true}
	for _, d := range days {
		c.Max = max(c.Max, d.Accepted+d.Duplicates+d.Rejected)
	}
	if c.Max > 0 {
		c.Empty = false
	}
	scale := float64(height-top-bottom) / float64(max(c.Max, 1))
	step := width / max(len(days), 1)
	for i, d := range days {
		acc := d.Accepted + d.Duplicates
		ah := int(float64(acc)*scale + 0.5)
		rh := int(float64(d.Rejected)*scale + 0.5)
		b := Bar{X: i*step + step/6, W: step * 2 / 3, Label: d.Day.Format("01-02"), Accepted: acc, Duplicates: d.Duplicates, Rejected: d.Rejected,
			ShowLabel: len(days) <= 7 || (len(days)-1-i)%2 == 0}
		b.CX = b.X + b.W/2
		b.AcceptedY = height - bottom - ah
		b.AcceptedH = ah
		b.RejectedY = b.AcceptedY - rh
		b.RejectedH = rh
		c.Bars = append(c.Bars, b)
	}
	return c
}

// BatchRow is a batch with the names of its class and department.
type BatchRow struct {
	*record.Batch
	ClassName      string
	DepartmentName string
}

// startOfDay returns midnight (Asia/Shanghai) of the day of t, days ago.
func startOfDay(t time.Time, daysAgo int) time.Time {
	t = t.In(credit.Shanghai)
	return time.Date(t.Year(), t.Month(), t.Day()-daysAgo, 0, 0, 0, 0, credit.Shanghai)
}

// scopeLabel describes what the user's console covers.
func scopeLabel(u *access.User) string {
	switch u.Role {
	case credit.RoleDepartment:
		return u.DepartmentName
	case credit.RoleRegion:
		return regionLabel(u.RegionCode) + "及下辖地区"
	case credit.RoleBank:
		return "金融机构（信易贷功能后续开放）"
	}
	return "吉林省全省"
}

func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) error {
	sess := sessionOf(r.Context())
	p := &DashboardPage{Page: base(r, "工作台", "dashboard"), Scope: scopeLabel(sess.User)}
	p.CanBatch = sess.User.Role != credit.RoleBank
	if c, ok := s.backend.(interface {
		UncoveredYear() int
		CalendarWarning() string
	}); ok {
		// Administrators are told what to do; everyone else what it means
		// and whose the loading is.
		switch y := c.UncoveredYear(); {
		case y == 0:
		case sess.User.Role == credit.RoleProvince:
			p.CalendarWarning = c.CalendarWarning()
		default:
			p.CalendarWarning = fmt.Sprintf("工作日历尚未包含%d年的放假安排，涉及该年的期限（超期报送、反馈期限等）暂只扣除周末和元旦、劳动节、国庆节等固定日期的假日（春节等农历节日和调休尚未计入）；放假安排由平台管理员录入", y)
		}
	}
	if p.CanBatch {
		now := s.now()
		today := startOfDay(now, 0)
		var err error
		p.Today, _, err = s.backend.SummarizeBatches(r.Context(), record.BatchFilter{Since: &today})
		if err != nil {
			return err
		}
		since := startOfDay(now, 29)
		var days []record.DaySummary
		p.Month, days, err = s.backend.SummarizeBatches(r.Context(), record.BatchFilter{Since: &since})
		if err != nil {
			return err
		}
		if len(days) > 14 {
			days = days[len(days)-14:]
		}
		p.Chart = newChart(days)
		bs, _, err := s.backend.FindBatches(r.Context(), record.BatchFilter{Limit: 8})
		if err != nil {
			return err
		}
		if p.Recent, err = s.batchRows(r.Context(), bs); err != nil {
			return err
		}
		if p.Classes, err = s.ingestible(r.Context()); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "dashboard", p)
}

func (s *Server) batchRows(ctx context.Context, bs []*record.Batch) ([]BatchRow, error) {
	cat, err := s.backend.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	names, err := s.departmentNames(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]BatchRow, 0, len(bs))
	for _, b := range bs {
		row := BatchRow{Batch: b, ClassName: b.Class, DepartmentName: names[b.DepartmentID]}
		if c, ok := cat.Class(b.Class); ok {
			row.ClassName = c.Name
		}
		out = append(out, row)
	}
	return out, nil
}

// ingestible returns the classes departments can upload.
func (s *Server) ingestible(ctx context.Context) ([]*catalog.Class, error) {
	cat, err := s.backend.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	var out []*catalog.Class
	for _, c := range cat.Classes {
		if c.Ingestible {
			out = append(out, c)
		}
	}
	return out, nil
}

// UploadPage is the form to upload a batch file.
type UploadPage struct {
	Page
	Classes     []*catalog.Class
	Departments []DeptOption // for administrators; empty for department users
	Own         string       // the department user's department
	Class       string
	Department  string
	FormErrors
	MaxMB int64
}

// submittable returns the departments the actor may submit for.
func (s *Server) submittable(ctx context.Context) ([]DeptOption, error) {
	actor := credit.ActorFromContext(ctx)
	if actor.Role == credit.RoleDepartment {
		return nil, nil
	}
	ds, err := s.departments(ctx)
	if err != nil {
		return nil, err
	}
	return deptOptions(ds, func(d *access.Department) bool {
		return access.Can(actor, access.ActionSubmit, access.Target{DepartmentID: d.ID, RegionCode: d.RegionCode})
	}), nil
}

func (s *Server) uploadPage(r *http.Request) (*UploadPage, error) {
	sess := sessionOf(r.Context())
	p := &UploadPage{Page: base(r, "数据上传", "upload"), MaxMB: s.maxUpload >> 20, Class: r.URL.Query().Get("class")}
	var err error
	if p.Classes, err = s.ingestible(r.Context()); err != nil {
		return nil, err
	}
	if sess.User.Role == credit.RoleDepartment {
		p.Own = sess.User.DepartmentName
	} else if p.Departments, err = s.submittable(r.Context()); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Server) handleUploadForm(w http.ResponseWriter, r *http.Request) error {
	p, err := s.uploadPage(r)
	if err != nil {
		return err
	}
	if !p.Can(string(access.ActionSubmit)) && len(p.Departments) == 0 {
		return credit.Errorf(credit.EFORBIDDEN, "当前账号无权报送数据")
	}
	return s.render(w, r, http.StatusOK, "upload", p)
}

// handleUpload streams a multipart upload into record.Service.Submit. The
// parts must come in form order: csrf_token, class, department, file; the
// token is checked before the file is read.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) error {
	sess := sessionOf(r.Context())
	csrfOK := access.TokensEqual(r.Header.Get("X-CSRF-Token"), sess.CSRFToken)
	r.Body = http.MaxBytesReader(w, r.Body, s.maxUpload+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		// No form to read a token or a file from (multipart/form-data
		// without its boundary): nothing is done either way.
		return errNotUpload
	}
	sub := record.Submission{Channel: "web"}
	var receipt *record.Receipt
	var serr error
	field := "file" // the input serr is about
	found := false
	for !found {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return multipartError(err, s.maxUpload)
		}
		if err != nil {
			return respond.FormError(err)
		}
		switch part.FormName() {
		case "csrf_token":
			csrfOK = csrfOK || access.TokensEqual(readPart(part, 256), sess.CSRFToken)
		case "class":
			sub.Class = readPart(part, 64)
		case "department":
			sub.DepartmentCode = readPart(part, 64)
		case "file":
			if !csrfOK {
				return errCSRF
			}
			found = true
			sub.Filename = part.FileName()
			if sub.Filename == "" {
				serr = credit.Errorf(credit.EINVALID, "请选择要上传的CSV或Excel（.xlsx）文件")
				break
			}
			if sub.Class == "" {
				serr, field = credit.Errorf(credit.EINVALID, "请选择信息类"), "class"
				break
			}
			sub.Body = uploadReader{part, s.maxUpload}
			// A stored batch is processed to the end even when the
			// browser goes away (the upload itself still fails with it).
			receipt, serr = s.backend.Submit(context.WithoutCancel(r.Context()), sub)
			if credit.ErrorCode(serr) == credit.EFORBIDDEN || sub.DepartmentCode == "" && sess.User.Role != credit.RoleDepartment {
				field = "department" // not the department's to submit, or none chosen
			}
		}
		part.Close()
	}
	if !csrfOK {
		return errCSRF
	}
	if !found && serr == nil {
		serr = credit.Errorf(credit.EINVALID, "请选择要上传的CSV或Excel（.xlsx）文件")
	}
	if receipt != nil && receipt.Batch != "" {
		s.resetCaches()
		redirect(w, r, "/console/batches/"+url.PathEscape(string(receipt.Batch))+"?new=1", http.StatusSeeOther)
		return nil
	}
	serr = respond.UploadError(serr)
	if credit.ErrorCode(serr) == credit.EINTERNAL {
		return serr
	}
	p, err := s.uploadPage(r)
	if err != nil {
		return err
	}
	p.Class, p.Department = sub.Class, sub.DepartmentCode
	p.Departments = selectDept(p.Departments, sub.DepartmentCode)
	p.failRows(serr, uploadInputs[field])
	return s.render(w, r, statusOf(serr), "upload", p)
}

// uploadInputs are the inputs of the upload form.
var uploadInputs = map[string]formInput{
	"class":      {"class", "信息类"},
	"department": {"department", "报送部门"},
	"file":       {"file", "数据文件"},
}

func readPart(part io.Reader, n int64) string {
	b, _ := io.ReadAll(io.LimitReader(part, n))
	return strings.TrimSpace(string(b))
}

// handleTemplate sends the empty import template of a class, generated
// from the catalog, with drop-downs for code tables.
func (s *Server) handleTemplate(w http.ResponseWriter, r *http.Request) error {
	code, ok := strings.CutSuffix(r.PathValue("file"), ".xlsx")
	if !ok {
		return notFound(r)
	}
	cat, err := s.backend.Catalog(r.Context())
	if err != nil {
		return err
	}
	c, ok := cat.Class(code)
	if !ok || !c.Ingestible {
		return notFound(r)
	}
	cols := make([]ingest.TemplateColumn, 0, len(c.Fields))
	for _, f := range c.Fields {
		col := ingest.TemplateColumn{Code: f.Code, Header: f.Name, Type: string(f.Type), Note: plainDates(f.Note), Required: f.Req == catalog.Required}
		if f.CodeTable != "" {
			if t, ok := cat.CodeTable(f.CodeTable); ok {
				col.Options = t.Values
			}
		}
		cols = append(cols, col)
	}
	var buf strings.Builder
	if err := ingest.WriteTemplateXLSX(&buf, c.Name, cols); err != nil {
		return err
	}
	sendFile(w, c.Name+"导入模板.xlsx", xlsxType, buf.String())
	return nil
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// sendFile sends body as a download named name.
func sendFile(w http.ResponseWriter, name, ctype, body string) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", contentDisposition(name))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = io.WriteString(w, body)
}

// contentDisposition names a download, with an ASCII fallback and the
// UTF-8 name (RFC 6266).
func contentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + url.PathEscape(name)
}

// BatchesPage is the batch history with its filters.
type BatchesPage struct {
	Page
	Rows        []BatchRow
	Classes     []*catalog.Class
	Departments []DeptOption
	Filter      BatchFilterForm
	Pager       Pager
	FormErrors
}

// BatchFilterForm is the batch history's filter form, as given.
type BatchFilterForm struct {
	Class, Department, Since string
}

const batchPageSize = 30

func (s *Server) handleBatchIndex(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p := &BatchesPage{Page: base(r, "报送批次", "batches"), Filter: BatchFilterForm{Class: q.Get("class"), Department: q.Get("department"), Since: q.Get("since")}}
	var err error
	if p.Classes, err = s.ingestible(r.Context()); err != nil {
		return err
	}
	actor := credit.ActorFromContext(r.Context())
	ds, err := s.departments(r.Context())
	if err != nil {
		return err
	}
	if actor.Role != credit.RoleDepartment {
		p.Departments = deptOptions(ds, func(d *access.Department) bool {
			return access.Can(actor, access.ActionViewBatch, access.Target{DepartmentID: d.ID, RegionCode: d.RegionCode})
		})
		selectDept(p.Departments, p.Filter.Department)
	}
	page := pageParam(r)
	f := record.BatchFilter{Class: p.Filter.Class, Offset: (page - 1) * batchPageSize, Limit: batchPageSize}
	if p.Filter.Class != "" && !slices.ContainsFunc(p.Classes, func(c *catalog.Class) bool { return c.Code == p.Filter.Class }) {
		p.filterError("f-class", "信息类", "信息类“"+credit.Clip(p.Filter.Class, 40)+"”不存在，请在列表中选择")
	}
	if p.Filter.Department != "" {
		for _, d := range ds {
			if d.Code == p.Filter.Department {
				id := d.ID
				f.DepartmentID = &id
			}
		}
		if f.DepartmentID == nil {
			p.filterError("f-dept", "报送部门", "所选部门不存在")
		}
	}
	if day, msg := parseDay(p.Filter.Since, "起始日期"); msg != "" {
		p.filterError("f-since", "提交日期自", msg)
	} else if day != nil {
		t := credit.StartOfDay(*day)
		f.Since = &t
	}
	if p.Error == "" {
		bs, total, err := s.backend.FindBatches(r.Context(), f)
		if err != nil {
			return err
		}
		if p.Rows, err = s.batchRows(r.Context(), bs); err != nil {
			return err
		}
		p.Pager = newPager("/console/batches", q, page, batchPageSize, total, true)
	}
	return s.render(w, r, filterStatus(p), "batches", p)
}

// BatchPage is a batch's receipt and its rejected rows.
type BatchPage struct {
	Page
	Batch      BatchRow
	New        bool
	Errors     []record.RowError
	Pager      Pager
	Accuracy   float64
	Timeliness float64
}

const errorPageSize = 50

func (s *Server) handleBatchView(w http.ResponseWriter, r *http.Request) error {
	id := credit.BatchID(r.PathValue("id"))
	b, err := s.backend.FindBatchByID(r.Context(), id)
	if err != nil {
		return err
	}
	rows, err := s.batchRows(r.Context(), []*record.Batch{b})
	if err != nil {
		return err
	}
	page := pageParam(r)
	errs, total, err := s.backend.FindBatchErrors(r.Context(), id, (page-1)*errorPageSize, errorPageSize)
	if err != nil {
		return err
	}
	sum := record.BatchSummary{Batches: 1, Total: b.Total, Accepted: b.Accepted, Rejected: b.Rejected, Duplicates: b.Duplicates, Late: b.Late}
	p := &BatchPage{Page: base(r, "批次 "+string(b.ID), "batches"), Batch: rows[0], New: r.URL.Query().Get("new") == "1", Errors: errs,
		Pager: newPager(r.URL.Path, r.URL.Query(), page, errorPageSize, total, false), Accuracy: sum.AccuracyRate(), Timeliness: sum.TimelinessRate()}
	if p.New && b.Status != "failed" { // a failed batch says so below, not “处理完毕”
		p.Notice = "文件已上传并处理完毕，以下是本批次的回执。"
		if b.Channel == channelForm {
			p.Notice = "名单信息已提交并处理完毕，以下是本次提交的回执。"
			// The entry form passes on when the list type's limit shortened
			// the validity the department wrote.
			until, ok1 := record.ParseDate(r.URL.Query().Get("capped"))
			declared, ok2 := record.ParseDate(r.URL.Query().Get("declared"))
			if ok1 && ok2 && until.Before(declared) {
				p.Notice += "注意：填写的有效期止（" + declared.Format(credit.DateLayout) + "）超过该名单类型的有效期上限，已按上限计算至" +
					until.Format(credit.DateLayout) + "。如认定依据另有规定，请以新版本补填“有效期特别依据”。"
			}
		}
	}
	return s.render(w, r, http.StatusOK, "batch", p)
}

// handleBatchErrors sends a batch's rejected rows as XLSX: the original
// columns, the row number and the messages.
func (s *Server) handleBatchErrors(w http.ResponseWriter, r *http.Request) error {
	id := credit.BatchID(r.PathValue("id"))
	b, err := s.backend.FindBatchByID(r.Context(), id)
	if err != nil {
		return err
	}
	headers, _ := s.backend.BatchHeaders(r.Context(), id) // none for a file that could not be read: the raw values still are
	var ferr error
	rows := func(yield func(ingest.ErrorRow) bool) {
		for e, err := range s.backend.BatchErrors(r.Context(), id) {
			if err != nil {
				ferr = err
				return
			}
			if !yield(ingest.NewErrorRow(e.Row, e.Raw, e.Problems)) {
				return
			}
		}
	}
	if len(headers) == 0 {
		// The file could not be read at all: list the headers of the raw values.
		seen := map[string]bool{}
		errs, _, err := s.backend.FindBatchErrors(r.Context(), id, 0, 1000)
		if err != nil {
			return err
		}
		for _, e := range errs {
			for h := range e.Raw {
				if !seen[h] {
					seen[h] = true
					headers = append(headers, h)
				}
			}
		}
	}
	var buf strings.Builder
	if err := ingest.WriteErrorsXLSX(&buf, headers, rows); err != nil {
		return err
	}
	if ferr != nil {
		return ferr
	}
	sendFile(w, string(b.ID)+"-错误数据.xlsx", xlsxType, buf.String())
	return nil
}

// handleBatchRaw sends a batch's file as it was submitted.
func (s *Server) handleBatchRaw(w http.ResponseWriter, r *http.Request) error {
	id := credit.BatchID(r.PathValue("id"))
	b, err := s.backend.FindBatchByID(r.Context(), id)
	if err != nil {
		return err
	}
	rd, err := s.backend.OpenBatchRaw(r.Context(), id)
	if err != nil {
		return err
	}
	// The first chunk is opened before the status is sent: a file that
	// cannot be read (a chunk altered or missing) gets an error page, not
	// a download cut short at 0 bytes.
	raw := bufio.NewReaderSize(rd, 64<<10)
	if _, err := raw.Peek(1); err != nil && err != io.EOF {
		return fmt.Errorf("read batch %s: %w", id, err)
	}
	name := b.Filename
	if name == "" {
		name = string(b.ID) + "." + b.Format
	}
	ctype := "application/octet-stream"
	switch b.Format {
	case "csv":
		ctype = "text/csv; charset=utf-8"
	case "xlsx":
		ctype = xlsxType
	case "json":
		ctype = "application/json"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", contentDisposition(name))
	if b.Size > 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(b.Size, 10))
	}
	_, err = io.Copy(w, raw)
	if err != nil {
		s.logger.Warn("发送批次原始文件失败", "batch", string(id), "error", err)
	}
	return nil
}

// statusOf is the HTTP status of an error.
func statusOf(err error) int { return respond.Status(err) }
