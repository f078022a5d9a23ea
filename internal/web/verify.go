package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record/ingest"
	"jlcredit/internal/subject"
)

// The console's 信用核查 and push inbox (发起—响应—反馈): a department
// verifies subjects before a decision and reads the list notifications
// pushed to it. Authorization is storage's (lists.Service.Verify,
// FindVerificationByID, lists.PushService); these handlers only parse forms
// and show the answers.
func init() {
	views["verify"] = VerifyPage{}
	views["verify_result"] = VerificationPage{}
	views["inbox"] = InboxPage{}
}

// maxVerifyUpload limits an uploaded file of subjects.
const maxVerifyUpload = 8 << 20

// The column headings recognised in an uploaded file of subjects, compared
// as headerKey writes them: columns of codes and columns of names. Every
// column of codes is read, and so is every column of names: a row is
// verified by its code, or by its name when it has no code. A heading that
// is none of nameHeaders names a column of names when it ends with 名称 or
// holds 姓名 (供应商名称, 投标人名称, 申请人姓名) and none of
// notSubjectNames; the headings of nameHeaders, when the file has one, are
// preferred to those. The heading row is looked for among the first rows
// (title rows above it are skipped). Without any of these headings, a row
// is verified by the one cell it fills, or by the one valid code among its
// cells; a row with several cells and no code is refused.
var (
	codeHeaders = []string{"统一社会信用代码", "证件号码", "统一社会信用代码/证件号码", "身份证号码", "身份证号", "公民身份号码", "证件号",
		"社会信用代码", "统一社会信用代码/身份证号码", "统一社会信用代码(证件号码)", "统一社会信用代码(身份证号码)"}
	nameHeaders = []string{"名称", "主体名称", "企业名称", "单位名称", "行政相对人名称", "姓名", "名称(姓名)", "名称/姓名", "主体名称(姓名)",
		"投标人", "供应商", "中标人", "中标供应商", "投标单位", "申请单位", "企业", "单位"}
	// notSubjectNames are words of a heading that names something other
	// than the subject verified: 项目名称, 法定代表人姓名, 采购单位名称.
	notSubjectNames = []string{"项目", "证件", "类型", "类别", "行业", "事项", "场景", "文件", "资质", "许可", "产品", "商品", "银行",
		"地区", "区划", "部门", "机关", "采购人", "采购单位", "招标人", "代理机构", "法定代表人", "负责人", "代表人", "联系人", "经办人"}
	// codePlaceholders are what a cell of codes holds when it has none.
	codePlaceholders = []string{"/", "-", "--", "—", "——", "无"}
)

// VerifyPage is the 信用核查 form.
type VerifyPage struct {
	Page
	Scenarios []lists.Scenario
	Scenario  string
	Purpose   string
	Subjects  string
	FormErrors
	Max int
	// MaxPurpose is the longest 查询事由, lists.MaxPurpose.
	MaxPurpose int
}

// VerificationPage is the answer of a verification, with its 执行反馈:
// the feedback recorded on each hit and, for the verifying department, a
// form per hit.
type VerificationPage struct {
	Page
	V            *lists.Verification
	ScenarioName string
	Info         [][2]string
	// CanFeedback says the signed-in user may record feedback: a user of
	// the verifying department (storage decides; this only shows the forms).
	CanFeedback bool
	Forms       map[int]*FeedbackForm     // by SubjectResult.Seq, one per hit
	Feedback    map[int][]*lists.Feedback // recorded feedback by Seq
	Measures    map[string]string         // measure names by code
}

// InboxPage is a department's inbox of list notifications.
type InboxPage struct {
	Page
	Notifications []*lists.Notification
	Unacked       int
	Kind          string
	OnlyUnacked   bool
	Kinds         []lists.NotificationKind
	Pager         Pager
}

// CanInbox reports whether the signed-in user has an inbox: a department
// user (its own) or an administrator (every department's).
func (p *Page) CanInbox() bool {
	if p.User == nil {
		return false
	}
	a := p.User.Actor()
	switch a.Role {
	case credit.RoleDepartment:
		return a.DepartmentID != 0
	case credit.RoleSystem, credit.RoleProvince, credit.RoleAuditor:
		return true
	}
	return false
}

// CanAck reports whether the signed-in user may acknowledge n: only the
// receiving department.
func (p *InboxPage) CanAck(n *lists.Notification) bool {
	if p.User == nil || n.AckedAt != nil {
		return false
	}
	a := p.User.Actor()
	return a.Role == credit.RoleDepartment && a.DepartmentID != 0 && a.DepartmentID == n.DepartmentID
}

// VerdictClass returns the CSS class of a verdict.
func (*VerificationPage) VerdictClass(v lists.Verdict) string { return verdictClass(v) }

func verdictClass(v lists.Verdict) string {
	switch v {
	case lists.Restricted:
		return "verdict verdict-restricted"
	case lists.Caution:
		return "verdict verdict-caution"
	case lists.Incentive:
		return "verdict verdict-incentive"
	case lists.Undetermined:
		return "verdict verdict-unknown"
	}
	return "verdict verdict-none"
}

// Musts returns the measures the department must apply.
func (*VerificationPage) Musts(ms []lists.AppliedMeasure) []lists.AppliedMeasure {
	return measuresOf(ms, lists.Must)
}

// Mays returns the measures the department may apply.
func (*VerificationPage) Mays(ms []lists.AppliedMeasure) []lists.AppliedMeasure {
	return measuresOf(ms, lists.May)
}

func measuresOf(ms []lists.AppliedMeasure, o lists.Obligation) []lists.AppliedMeasure {
	var out []lists.AppliedMeasure
	for _, m := range ms {
		if m.Obligation == o {
			out = append(out, m)
		}
	}
	return out
}

// Masked returns a person's identity number masked; a USCC in clear.
func (*VerificationPage) Masked(code string) string { return maskCode(code) }

// maskCode returns a person's identity number, or a code that may be one,
// masked; a USCC, and an invalid code that names no person, in clear
// (lists.MaskCode).
func maskCode(code string) string { return lists.MaskCode(code) }

// Heading returns the title of a notification as its heading shows it,
// after the tag of its kind: without the kind again (a 核查预警's title
// starts with “核查预警：”).
func (*InboxPage) Heading(n *lists.Notification) string {
	if t, ok := strings.CutPrefix(n.Title, n.Kind.Label()+"："); ok {
		return t
	}
	return n.Title
}

// KindClass returns the CSS class of a notification kind.
func (*InboxPage) KindClass(k lists.NotificationKind) string {
	switch k {
	case lists.NotifyListing:
		return "tag tag-red"
	case lists.NotifyAlert:
		return "tag tag-late"
	case lists.NotifyRemoval:
		return "tag tag-ok"
	}
	return "tag tag-warn"
}

func (s *Server) listService() (lists.Service, error) {
	ls, ok := s.backend.(lists.Service)
	if !ok {
		return nil, credit.Errorf(credit.ENOTFOUND, "本平台未启用名单与信用核查功能")
	}
	return ls, nil
}

func (s *Server) pushService() (lists.PushService, error) {
	ps, ok := s.backend.(lists.PushService)
	if !ok {
		return nil, credit.Errorf(credit.ENOTFOUND, "本平台未启用名单推送功能")
	}
	return ps, nil
}

// requireVerify answers EFORBIDDEN unless the session's actor may verify.
func requireVerify(r *http.Request) error {
	a := credit.ActorFromContext(r.Context())
	if !access.Can(a, access.ActionVerify, access.Target{DepartmentID: a.DepartmentID, RegionCode: a.RegionCode}) {
		return credit.Errorf(credit.EFORBIDDEN, "无权进行信用核查")
	}
	return nil
}

func (s *Server) verifyPage(r *http.Request) (*VerifyPage, error) {
	ls, err := s.listService()
	if err != nil {
		return nil, err
	}
	d, err := ls.ListData(r.Context())
	if err != nil {
		return nil, err
	}
	return &VerifyPage{Page: base(r, "信用核查", "verify"), Scenarios: d.Scenarios, Max: lists.MaxBatch, MaxPurpose: lists.MaxPurpose}, nil
}

func (s *Server) handleVerifyForm(w http.ResponseWriter, r *http.Request) error {
	if err := requireVerify(r); err != nil {
		return err
	}
	p, err := s.verifyPage(r)
	if err != nil {
		return err
	}
	p.Scenario = r.URL.Query().Get("scenario")
	return s.render(w, r, http.StatusOK, "verify", p)
}

// handleVerify runs a verification from the form: pasted subjects or an
// uploaded CSV/XLSX, and redirects to its answer. The form is multipart
// (it may carry a file); the CSRF token is checked before anything is done,
// once the form is read: one that cannot be read (too large, cut off) is
// answered as such, whatever its token, for nothing is done with it.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) error {
	sess := sessionOf(r.Context())
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, maxVerifyUpload+1<<20)
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return multipartError(err, maxVerifyUpload)
		}
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
		if !access.TokensEqual(r.Header.Get("X-CSRF-Token"), sess.CSRFToken) &&
			!access.TokensEqual(r.PostFormValue("csrf_token"), sess.CSRFToken) {
			return errCSRF
		}
		if err := s.checkText(r, r.PostForm, true); err != nil {
			return err
		}
	}
	if err := requireVerify(r); err != nil {
		return err
	}
	ls, err := s.listService()
	if err != nil {
		return err
	}
	p, err := s.verifyPage(r)
	if err != nil {
		return err
	}
	p.Scenario, p.Purpose, p.Subjects = r.PostFormValue("scenario"), strings.TrimSpace(r.PostFormValue("purpose")), r.PostFormValue("subjects")
	req := lists.VerificationRequest{Scenario: p.Scenario, Purpose: p.Purpose}
	var ferr error
	field := "" // the input ferr is about
	switch {
	case p.Scenario == "":
		ferr, field = credit.Errorf(credit.EINVALID, "请选择应用场景"), "scenario"
	case p.Purpose == "":
		ferr, field = credit.Errorf(credit.EINVALID, "请填写查询事由，如采购项目名称或审批事项"), "purpose"
	default:
		ferr, field = lists.CheckPurpose(p.Purpose), "purpose"
	}
	if ferr == nil {
		req.Subjects, ferr = formSubjects(r, p.Subjects)
		field = "subjects"
		if hasFile(r) && strings.TrimSpace(p.Subjects) == "" {
			field = "file"
		}
	}
	var v *lists.Verification
	if ferr == nil {
		v, ferr = ls.Verify(r.Context(), req)
		field = ""
	}
	if ferr != nil {
		switch credit.ErrorCode(ferr) {
		case credit.EINVALID, credit.ETOOLARGE:
		default:
			return ferr
		}
		in, ok := verifyInputs[field]
		if !ok {
			in, ok = verifyInputs[verifyField(ferr)]
		}
		if ok {
			p.failRows(ferr, in)
		} else {
			p.fail(ferr, nil, "")
		}
		return s.render(w, r, http.StatusBadRequest, "verify", p)
	}
	redirect(w, r, "/console/verifications/"+strconv.FormatInt(v.ID, 10), http.StatusSeeOther)
	return nil
}

// verifyInputs are the inputs of the 信用核查 form, by the field of
// lists.VerificationRequest (and the file, where subjects may come from).
var verifyInputs = map[string]formInput{
	"scenario": {"scenario", "应用场景"},
	"purpose":  {"purpose", "查询事由"},
	"subjects": {"subjects", "核查对象"},
	"file":     {"file", "上传文件"},
}

// verifyField returns the input of the form that an error of
// lists.Service.Verify is about: the field of its first problem
// ("subjects[3].code" is about the subjects), or "".
func verifyField(err error) string {
	var ce *credit.Error
	if !errors.As(err, &ce) || len(ce.Details) == 0 {
		return ""
	}
	f := ce.Details[0].Field
	if i := strings.IndexAny(f, "[."); i >= 0 {
		f = f[:i]
	}
	return f
}

// hasFile reports whether the form came with a file to read subjects from.
func hasFile(r *http.Request) bool {
	if r.MultipartForm == nil {
		return false
	}
	fhs := r.MultipartForm.File["file"]
	return len(fhs) > 0 && fhs[0].Filename != "" && fhs[0].Size > 0
}

// formSubjects returns the subjects of the form: the uploaded file when one
// was chosen, otherwise the textarea, one per line.
func formSubjects(r *http.Request, text string) ([]lists.Query, error) {
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 && fhs[0].Filename != "" && fhs[0].Size > 0 {
			if strings.TrimSpace(text) != "" {
				return nil, credit.Errorf(credit.EINVALID, "请在粘贴名单和上传文件中二选一")
			}
			f, err := fhs[0].Open()
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return fileSubjects(f, fhs[0].Filename)
		}
	}
	var lines []subjectCell
	n := 0
	for l := range strings.Lines(text) {
		n++
		if strings.Contains(l, "\t") { // cells copied from Excel
			c := freeSubject(n, strings.Split(strings.TrimRight(l, "\r\n"), "\t"))
			if c.problem != nil {
				c.problem.Message = strings.Replace(c.problem.Message, fileUnit, "行", 1)
			}
			lines = append(lines, c)
			continue
		}
		lines = append(lines, subjectCell{text: l})
	}
	return parseSubjects(lines, 1, "行")
}

// fileUnit is how a problem names a row of an uploaded file: 第3行（文件）.
const fileUnit = "行（文件）"

// fileSubjects reads the subjects of an uploaded CSV or XLSX: per row the
// cells of the columns of codes and of names (codeHeaders, nameHeaders),
// whose heading row may stand below title rows. A row with a code is
// verified by its code, and a name beside it that contradicts the code is
// reported as the API reports it; a row with only a name, by the name.
// Without either kind of column, every row counts (the first one too) and
// is read by freeSubject.
//
// No row is skipped unless it is blank: a row with content but no code and
// no name, or with two different codes (统一社会信用代码 and 证件号码) or
// names, is refused with its row number, and so is the whole file.
func fileSubjects(f io.Reader, name string) ([]lists.Query, error) {
	lower := strings.ToLower(name)
	if !strings.HasSuffix(lower, ".csv") && !strings.HasSuffix(lower, ".xlsx") {
		return nil, credit.Errorf(credit.EINVALID, "请上传CSV或Excel（.xlsx）文件，“%s”不是", name)
	}
	rd, err := ingest.Open(f, name, "", ingest.Limits{MaxBytes: maxVerifyUpload, MaxRows: lists.MaxBatch + 1, IsField: isSubjectHeading})
	if err != nil {
		return nil, verifyFormats(err)
	}
	defer rd.Close()
	headers := rd.Headers()
	if len(headers) == 0 {
		return nil, credit.Errorf(credit.EINVALID, "文件“%s”没有内容", name)
	}
	codeCols, nameCols := subjectColumns(headers)
	named := len(codeCols) > 0 || len(nameCols) > 0
	var cells []subjectCell
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if credit.ErrorCode(err) == credit.ETOOLARGE {
				return nil, credit.Errorf(credit.ETOOLARGE, "一次最多核查%d个主体，文件“%s”的行数超过上限", lists.MaxBatch, name)
			}
			return nil, err
		}
		if !named {
			cells = append(cells, freeSubject(row.Num, rowValues(row, headers)))
			continue
		}
		cells = append(cells, rowSubject(row, codeCols, nameCols))
	}
	if !named {
		// No heading: the first row is a subject too. It stood just above
		// the first row read (blank rows aside, which are not counted).
		first := 1
		if len(cells) > 0 {
			first = max(1, cells[0].num-1)
		}
		cells = append([]subjectCell{freeSubject(first, headers)}, cells...)
	}
	return parseSubjects(cells, 2, fileUnit)
}

// ingestFormats is how package ingest's messages name the formats it reads,
// and verifyFormatNames the formats the verification form takes: a
// subjects file is CSV or XLSX, never JSON.
const (
	ingestFormats     = "CSV、XLSX或JSON文件"
	verifyFormatNames = "CSV或Excel（.xlsx）文件"
)

// verifyFormats returns err with its message naming the formats the
// verification form takes where ingest's names those of a batch upload
// ("请上传CSV、XLSX或JSON文件").
func verifyFormats(err error) error {
	var ce *credit.Error
	if !errors.As(err, &ce) || !strings.Contains(ce.Message, ingestFormats) {
		return err
	}
	out := *ce
	out.Message = strings.ReplaceAll(ce.Message, ingestFormats, verifyFormatNames)
	return &out
}

// isSubjectHeading reports whether a heading names a column of codes or
// names (subjectColumns): the file's heading row is the one with most.
func isSubjectHeading(h string) bool {
	k := headerKey(h)
	return k != "" && (slices.Contains(codeHeaders, k) || slices.Contains(nameHeaders, k) || nameLike(k))
}

// rowValues returns the cells of a row in the order of the file's columns.
func rowValues(row ingest.Row, headers []string) []string {
	out := make([]string, len(headers))
	for i, h := range headers {
		out[i] = row.Values[h]
	}
	return out
}

// freeSubject reads the subject of a row of a file without headings, or of
// a pasted line split at tabs (as copied from Excel): the one cell it fills,
// a code or a name; or, among several cells, the one valid code, with the
// one other text cell (a number aside, such as a 序号) as the name to check
// it against. Several cells and no code, or several codes, name no subject
// for certain: the row is refused.
func freeSubject(n int, cells []string) subjectCell {
	c := subjectCell{num: n}
	var filled, codes, others []string
	today := credit.DateOf(time.Now())
	for _, v := range cells {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		filled = append(filled, v)
		if k := subject.Normalize(v); isCodeLike(k) && lists.CodeProblem(k, today) == "" {
			if !slices.Contains(codes, k) {
				codes = append(codes, k)
			}
		} else if strings.Trim(v, "0123456789.") != "" {
			others = append(others, v)
		}
	}
	switch {
	case len(filled) <= 1:
		c.text = strings.Join(filled, "")
	case len(codes) == 1:
		c.text, c.code = codes[0], true
		if len(others) == 1 {
			c.name = subject.TidyText(others[0])
		}
	case len(codes) > 1:
		c.problem = rowProblem(n, "code_conflict", "有多个代码（"+strings.Join(codes, "、")+"）；每行只能填写一个核查对象")
	default:
		c.problem = rowProblem(n, "no_subject", "有多列内容（"+strings.Join(filled, "、")+"），但没有“统一社会信用代码”“证件号码”或“名称”等列标题，读不出核查对象；请加上列标题，或每行只填写一个统一社会信用代码、身份证号码或名称")
	}
	return c
}

// headerKey is a heading as subjectColumns compares it: without white space
// or a required-field mark (*), full-width characters as half-width.
func headerKey(h string) string {
	return strings.Trim(subject.Normalize(h), "*")
}

// subjectColumns returns the headings of the columns of codes and of names
// in a file's headings, in the file's order (see codeHeaders).
func subjectColumns(headers []string) (codes, names []string) {
	var fuzzy []string
	for _, h := range headers {
		k := headerKey(h)
		switch {
		case k == "":
		case slices.Contains(codeHeaders, k):
			codes = append(codes, h)
		case slices.Contains(nameHeaders, k):
			names = append(names, h)
		case nameLike(k):
			fuzzy = append(fuzzy, h)
		}
	}
	if len(names) == 0 {
		names = fuzzy
	}
	return codes, names
}

// nameLike reports whether the heading key k names a column of subjects'
// names: it ends with 名称 (a note in brackets aside) or holds 姓名, and
// holds none of notSubjectNames.
func nameLike(k string) bool {
	base := k
	if strings.HasSuffix(base, ")") {
		if i := strings.LastIndex(base, "("); i > 0 {
			base = base[:i]
		}
	}
	if !strings.HasSuffix(base, "名称") && !strings.Contains(k, "姓名") {
		return false
	}
	for _, w := range notSubjectNames {
		if strings.Contains(k, w) {
			return false
		}
	}
	return true
}

// rowSubject reads the subject of one row of a file with headings.
func rowSubject(row ingest.Row, codeCols, nameCols []string) subjectCell {
	c := subjectCell{num: row.Num}
	code, cerr := oneValue(row, codeCols, subject.Normalize, true)
	name, nerr := oneValue(row, nameCols, subject.NormalizeText, false)
	switch {
	case cerr != "":
		c.problem = rowProblem(row.Num, "code_conflict", "的代码不一致："+cerr+"；每行只能填写一个核查对象的统一社会信用代码或身份证号码")
	case nerr != "":
		c.problem = rowProblem(row.Num, "name_conflict", "的名称不一致："+nerr+"；每行只能填写一个核查对象的名称")
	case code != "":
		c.text, c.name, c.code = code, name, true
	case name != "":
		c.text = name
	default:
		cols := make([]string, 0, len(codeCols)+len(nameCols))
		for _, h := range slices.Concat(codeCols, nameCols) {
			cols = append(cols, "“"+h+"”")
		}
		where := strings.Join(cols, "") + "列"
		if len(cols) > 1 {
			where += "均"
		}
		c.problem = noSubject(row.Num, where)
	}
	return c
}

// oneValue returns the value of a row in columns cols: the one non-empty
// cell, or the first of several that are the same after norm. When cells
// differ it returns a description of them. codes says the columns hold
// codes, where a placeholder such as “/” or “无” counts as empty.
func oneValue(row ingest.Row, cols []string, norm func(string) string, codes bool) (value, conflict string) {
	var seen []string
	var at []string
	for _, h := range cols {
		v := strings.TrimSpace(row.Values[h])
		if v == "" || codes && slices.Contains(codePlaceholders, v) {
			continue
		}
		if value == "" {
			value = v
		}
		if !slices.Contains(seen, norm(v)) {
			seen = append(seen, norm(v))
		}
		at = append(at, "“"+h+"”列为“"+v+"”")
	}
	if len(seen) > 1 {
		return "", strings.Join(at, "，")
	}
	return value, ""
}

func rowProblem(n int, code, msg string) *credit.Problem {
	return &credit.Problem{Row: n, Field: "subjects", Code: code, Message: "第" + strconv.Itoa(n) + fileUnit + msg}
}

// noSubject is the problem of a row with content but no subject in where.
func noSubject(n int, where string) *credit.Problem {
	return rowProblem(n, "no_subject", "有内容，但"+where+"为空，读不出核查对象；请填写统一社会信用代码、身份证号码或名称，或删除该行")
}

// subjectCell is one line of subjects to verify: text is a code or an
// exact name; name, the name given beside a code (a file's 名称 column).
type subjectCell struct {
	num        int // the row of a file; 0: the line's position
	text, name string
	code       bool            // text is from a column of codes: a code, never a name
	problem    *credit.Problem // why the row names no subject
}

// parseSubjects turns lines into queries: an 18-character code (or any text
// of a column of codes) is a USCC or a citizen ID and must be valid;
// anything else is an exact name. Blank lines are skipped; a line with a
// problem is refused. first is the number of the first line without num.
func parseSubjects(lines []subjectCell, first int, unit string) ([]lists.Query, error) {
	var out []lists.Query
	var ps []credit.Problem
	today := credit.DateOf(time.Now())
	tooLong := func(n int, name string) bool {
		if utf8.RuneCountInString(name) <= 200 {
			return false
		}
		ps = append(ps, credit.Problem{Row: n, Field: "subjects", Code: "too_long",
			Message: "第" + strconv.Itoa(n) + unit + "的名称超过200字"})
		return true
	}
	for i, c := range lines {
		n := c.num
		if n == 0 {
			n = i + first
		}
		if c.problem != nil {
			ps = append(ps, *c.problem)
			continue
		}
		l := strings.TrimSpace(c.text)
		if l == "" {
			continue
		}
		code := subject.Normalize(l)
		if c.code || isCodeLike(code) {
			if msg := lists.CodeProblem(code, today); msg != "" {
				ps = append(ps, credit.Problem{Row: n, Field: "subjects", Code: "bad_code",
					Message: "第" + strconv.Itoa(n) + unit + "“" + l + "”不是有效的统一社会信用代码或身份证号码：" + msg})
				continue
			}
			if tooLong(n, c.name) {
				continue
			}
			out = append(out, lists.Query{Code: code, Name: c.name})
			continue
		}
		if tooLong(n, l) {
			continue
		}
		out = append(out, lists.Query{Name: l})
	}
	if len(ps) > 0 {
		return nil, credit.Invalid(ps[0].Message, ps...)
	}
	if len(out) == 0 {
		return nil, credit.Errorf(credit.EINVALID, "请至少填写一个核查对象（统一社会信用代码、身份证号码或准确名称，每行一个），或上传文件")
	}
	if len(out) > lists.MaxBatch {
		return nil, credit.Errorf(credit.ETOOLARGE, "一次最多核查%d个主体，实际%d个", lists.MaxBatch, len(out))
	}
	return out, nil
}

// isCodeLike reports whether s looks like a code rather than a name: 15 to
// 18 ASCII letters and digits.
func isCodeLike(s string) bool {
	if len(s) != 18 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// verification loads the verification of the path; storage answers 403 for
// another department's.
func (s *Server) verification(r *http.Request) (*lists.Verification, error) {
	ls, err := s.listService()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r, "核查记录")
	if err != nil {
		return nil, err
	}
	return ls.FindVerificationByID(r.Context(), id)
}

func (s *Server) handleVerificationView(w http.ResponseWriter, r *http.Request) error {
	v, err := s.verification(r)
	if err != nil {
		return err
	}
	p, err := s.verificationPage(r, v)
	if err != nil {
		return err
	}
	if seq, err := strconv.Atoi(r.URL.Query().Get("feedback")); err == nil && p.Feedback[seq] != nil {
		p.Notice = "已记录第" + strconv.Itoa(seq) + "个核查对象的执行反馈。"
	}
	return s.render(w, r, http.StatusOK, "verify_result", p)
}

// handleVerificationReportHTML serves the printable report, the page the
// JSON API serves too (lists.WriteReportHTML): standalone, with its own
// print CSS, outside the console's layout.
func (s *Server) handleVerificationReportHTML(w http.ResponseWriter, r *http.Request) error {
	v, err := s.verification(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	o := lists.ReportHTMLOptions{Back: "/console/verifications/" + strconv.FormatInt(v.ID, 10),
		Feedback: "命中名单的主体请在核查结果页填写执行反馈。", Generated: s.now()}
	if err := lists.WriteReportHTML(&buf, v, o); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", lists.ReportHTMLPolicy+"; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	if r.Method == http.MethodHead {
		return nil
	}
	_, err = buf.WriteTo(w)
	return err
}

// handleVerificationReportXLSX serves the report as a workbook: sheet
// 核查结果 (one row per subject, persons' numbers masked) and 核查信息.
func (s *Server) handleVerificationReportXLSX(w http.ResponseWriter, r *http.Request) error {
	v, err := s.verification(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := lists.WriteReportXLSX(&buf, v); err != nil {
		return err
	}
	id := strconv.FormatInt(v.ID, 10)
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", `attachment; filename="verification-`+id+`.xlsx"; filename*=UTF-8''`+url.PathEscape("信用核查报告-"+id+".xlsx"))
	_, err = w.Write(buf.Bytes())
	return err
}

// inboxSize is how many notifications a page of the inbox shows.
const inboxSize = 20

func (s *Server) handleInbox(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.pushService()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	only, err := flagParam(r, "unacked", "只看待确认的通知")
	if err != nil {
		return err
	}
	p := &InboxPage{Page: base(r, "推送收件箱", "inbox"), Kind: q.Get("kind"), OnlyUnacked: only,
		Kinds: []lists.NotificationKind{lists.NotifyListing, lists.NotifyUpdate, lists.NotifyRemoval, lists.NotifyAlert}}
	f := lists.NotificationFilter{Kind: lists.NotificationKind(p.Kind), Unacked: p.OnlyUnacked, Limit: inboxSize}
	switch f.Kind {
	case "", lists.NotifyListing, lists.NotifyUpdate, lists.NotifyRemoval, lists.NotifyAlert:
	default:
		return credit.Errorf(credit.EINVALID, "通知类型“%s”无效", p.Kind)
	}
	page := pageParam(r)
	f.Offset = (page - 1) * inboxSize
	switch q.Get("acked") {
	case "1":
		p.Notice = "已确认并反馈。"
	case "2":
		p.Notice = "已确认。"
	}
	list, total, unacked, err := ps.FindNotifications(r.Context(), f)
	if err != nil {
		return err
	}
	p.Notifications, p.Unacked = list, unacked
	pq := url.Values{}
	if p.Kind != "" {
		pq.Set("kind", p.Kind)
	}
	if p.OnlyUnacked {
		pq.Set("unacked", "1")
	}
	p.Pager = newPager("/console/inbox", pq, page, inboxSize, total, true)
	return s.render(w, r, http.StatusOK, "inbox", p)
}

func (s *Server) handleInboxAck(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.pushService()
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return credit.Errorf(credit.ENOTFOUND, "通知“%s”不存在", r.PathValue("id"))
	}
	feedback := strings.TrimSpace(r.PostFormValue("feedback"))
	if _, err := ps.AckNotification(r.Context(), id, feedback); err != nil {
		return err
	}
	if credit.Blank(feedback) {
		redirect(w, r, "/console/inbox?acked=2", http.StatusSeeOther) // confirmed, nothing reported
		return nil
	}
	redirect(w, r, "/console/inbox?acked=1", http.StatusSeeOther)
	return nil
}
