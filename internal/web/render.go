package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/respond"
	"jlcredit/internal/subject"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// SiteName is the portal's name, in every page title.
const SiteName = "信用吉林 - 信用综合服务平台"

// Page is what every page shows around its content: the title, the active
// navigation entry, and the signed-in user (nil on the portal for visitors).
type Page struct {
	Title   string
	Nav     string
	Console bool
	User    *access.User
	CSRF    string
	Notice  string // a confirmation shown at the top of the content
	Path    string
	Demo    bool // the server runs the demo province (Options.Demo)
	// Failed says the page reports an error of the form the user sent
	// (set by render from the page's Error): the title says so first.
	Failed bool
	// SessionExpires is when the signed-in user's session ends (zero
	// without one): the console says so, and static/session.js warns
	// before it, so that a form is not lost to an expired session.
	SessionExpires time.Time
}

// SessionExpiresAt is SessionExpires as the page's script reads it
// (RFC 3339, UTC), and SessionExpiresClock as people read it (Beijing
// time, hour and minute; with the date when not today).
func (p *Page) SessionExpiresAt() string { return p.SessionExpires.UTC().Format(time.RFC3339) }

// SessionExpiresClock: see SessionExpiresAt.
func (p *Page) SessionExpiresClock() string {
	t := p.SessionExpires.In(credit.Shanghai)
	if t.Format(credit.DateLayout) != time.Now().In(credit.Shanghai).Format(credit.DateLayout) {
		return t.Format("1月2日15:04")
	}
	return t.Format("15:04")
}

// FullTitle is the text of the <title> element, starting with “错误：”
// when the page reports a failed form, so that the title read out on
// load says the submission did not go through.
func (p *Page) FullTitle() string {
	t := SiteName
	if p.Title != "" {
		t = p.Title + " - " + SiteName
	}
	if p.Failed {
		t = "错误：" + t
	}
	return t
}

// hasError reports whether a page shows the error of a failed form: its
// struct has an Error string (of its own or of an embedded FormErrors)
// that is not empty.
func hasError(data pageOf) bool {
	v := reflect.ValueOf(data)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return false
	}
	f := v.FieldByName("Error")
	return f.IsValid() && f.Kind() == reflect.String && f.String() != ""
}

// filterStatus is the status of a page whose search or filter form is in
// data: 400 when the page reports an error of the form (hasError; the
// page is still shown, with its form, to correct the query), else 200.
func filterStatus(data pageOf) int {
	if hasError(data) {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// FormErrors is what a form shows after a failed submit: the message of
// the error box at the top (#form-errors, see the "formErrors" template),
// the inputs it concerns, each with its own message next to it, and the
// problems of rows (of a file or a list of subjects) that name no input.
type FormErrors struct {
	Error   string
	Invalid FieldErrors
	Details []credit.Problem
}

// fail sets the form's error from err: its message and its problems tied
// to inputs (see fieldErrors); problems of no input are listed under the
// message.
func (f *FormErrors) fail(err error, inputs map[string]formInput, fallback string) {
	f.Error = credit.ErrorMessage(err)
	var rest []credit.Problem
	f.Invalid, rest = fieldErrors(err, inputs, fallback)
	if len(rest) == 1 && rest[0].Message == f.Error {
		rest = nil
	}
	f.Details = rest[:min(len(rest), 20)]
}

// failRows sets the form's error from err, whose problems are about rows
// of what the input named by in holds (a file, pasted lines): the input
// gets the message, and the problems are listed under it (at most 20).
func (f *FormErrors) failRows(err error, in formInput) {
	f.Error = credit.ErrorMessage(err)
	f.Invalid = FieldErrors{{ID: in.ID, Label: in.Label, Message: f.Error}}
	var ce *credit.Error
	if errors.As(err, &ce) && (len(ce.Details) > 1 || len(ce.Details) == 1 && ce.Details[0].Message != f.Error) {
		f.Details = ce.Details[:min(len(ce.Details), 20)]
	}
}

// filterError adds the error of a filter form's input id (labelled
// label). The box at the top says the message, or that there are several,
// each of which its input shows.
func (f *FormErrors) filterError(id, label, msg string) {
	f.Invalid = append(f.Invalid, FieldError{ID: id, Label: label, Message: msg})
	f.Error = msg
	if len(f.Invalid) > 1 {
		f.Error = "筛选条件有误，请按提示修改："
	}
}

// FieldError is the error of one input of a form. The input refers to
// its message with aria-describedby (ErrID) and aria-invalid; the error box
// at the top links to the input (ID).
type FieldError struct {
	ID      string // the id of the input, or of the group of checkboxes
	Label   string // the input's label, as the error box names it
	Message string
}

// ErrID returns the id of the message shown next to the input.
func (e *FieldError) ErrID() string { return "e-" + e.ID }

// FieldErrors are the errors of a form's inputs, in the order found.
type FieldErrors []FieldError

// For returns the error of the input with the id, or nil.
func (fe FieldErrors) For(id string) *FieldError {
	for i := range fe {
		if fe[i].ID == id {
			return &fe[i]
		}
	}
	return nil
}

// Sole returns the error of the only input in error when its message is
// msg, the message of the error box, or nil. The error box then links the
// message itself to the input rather than repeating it in a list.
func (fe FieldErrors) Sole(msg string) *FieldError {
	if len(fe) == 1 && fe[0].Message == msg {
		return &fe[0]
	}
	return nil
}

// FieldRef is a form field with its error messages (template function
// fieldRef).
type FieldRef struct {
	Field  string
	Errors []string
}

// formInput is an input of a form: its id and its label.
type formInput struct{ ID, Label string }

// fieldErrors ties the problems of err to the inputs of a form: inputs
// maps a problem's Field (credit.Problem) to its input. A problem of a
// field not in inputs, or an error without problems, goes to the input
// fallback names in inputs; with none ("" or a name not in inputs) it is
// returned in rest. Two problems of one input are joined.
func fieldErrors(err error, inputs map[string]formInput, fallback string) (out FieldErrors, rest []credit.Problem) {
	add := func(p credit.Problem) {
		in, ok := inputs[p.Field]
		if !ok {
			if in, ok = inputs[fallback]; !ok {
				rest = append(rest, p)
				return
			}
		}
		if e := out.For(in.ID); e != nil {
			if !strings.Contains(e.Message, p.Message) {
				e.Message += "；" + p.Message
			}
			return
		}
		out = append(out, FieldError{ID: in.ID, Label: in.Label, Message: p.Message})
	}
	var ce *credit.Error
	if errors.As(err, &ce) && len(ce.Details) > 0 {
		for _, p := range ce.Details {
			add(p)
		}
		return out, rest
	}
	add(credit.Problem{Message: credit.ErrorMessage(err)})
	return out, rest
}

// base returns the Page of a request.
func base(r *http.Request, title, nav string) Page {
	p := Page{Title: title, Nav: nav, Path: r.URL.Path}
	if sess := sessionOf(r.Context()); sess != nil {
		p.User, p.CSRF, p.SessionExpires = sess.User, sess.CSRFToken, sess.ExpiresAt
		p.Console = strings.HasPrefix(r.URL.Path, "/console") || r.URL.Path == "/logout"
	}
	return p
}

// pageOf is implemented by every page struct through its embedded Page.
type pageOf interface{ page() *Page }

func (p *Page) page() *Page { return p }

// Can reports whether the signed-in user may perform action somewhere in
// its scope (for showing navigation entries).
func (p *Page) Can(action string) bool {
	if p.User == nil {
		return false
	}
	a := p.User.Actor()
	t := access.Target{DepartmentID: a.DepartmentID, RegionCode: a.RegionCode}
	if t.RegionCode == "" {
		t.RegionCode = subject.JilinCode
	}
	return access.Can(a, access.Action(action), t)
}

// pages holds the parsed templates, one set per page, and the page struct
// type each expects.
type pages struct {
	sets  map[string]*template.Template
	types map[string]reflect.Type
}

// views registers every page with its struct; parsePages fails when a
// template file has no entry or an entry has no file.
var views = map[string]any{
	"home":        HomePage{},
	"search":      SearchPage{},
	"subject":     SubjectPage{},
	"publicity":   PublicityPage{},
	"record":      RecordPage{},
	"login":       LoginPage{},
	"error":       ErrorPage{},
	"dashboard":   DashboardPage{},
	"upload":      UploadPage{},
	"batches":     BatchesPage{},
	"batch":       BatchPage{},
	"lookup":      LookupPage{},
	"purpose":     PurposePage{},
	"archive":     ArchivePage{},
	"querylog":    QueryLogPage{},
	"catalog":     CatalogPage{},
	"class":       ClassPage{},
	"departments": DepartmentsPage{},
	"department":  DepartmentPage{},
	"users":       UsersPage{},
	"user":        UserPage{},
	"password":    PasswordPage{},
	"secret":      SecretPage{},
}

func parsePages() (*pages, error) {
	p := &pages{sets: map[string]*template.Template{}, types: map[string]reflect.Type{}}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if strings.HasPrefix(name, "_") {
			continue // layout and partials
		}
		v, ok := views[name]
		if !ok {
			return nil, fmt.Errorf("web: template %s has no page struct in views", f)
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/_layout.html", "templates/_partials.html", f)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", f, err)
		}
		p.sets[name] = t
		p.types[name] = reflect.PointerTo(reflect.TypeOf(v))
		seen[name] = true
	}
	for name := range views {
		if !seen[name] {
			return nil, fmt.Errorf("web: page %s has no template file", name)
		}
	}
	return p, nil
}

// render writes page name with data (a pointer to the page's struct) and
// status. The page is rendered into a buffer first, so that a template
// error gives a clean error page and not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data pageOf) error {
	t, ok := s.pages.sets[name]
	if !ok {
		return fmt.Errorf("web: no page %q", name)
	}
	if got := reflect.TypeOf(data); got != s.pages.types[name] {
		return fmt.Errorf("web: page %q rendered with %v, want %v", name, got, s.pages.types[name])
	}
	data.page().Demo = s.demo
	data.page().Failed = data.page().Failed || hasError(data)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if data.page().User != nil {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = buf.WriteTo(w)
	}
	return nil
}

// ErrorPage explains why a request failed.
type ErrorPage struct {
	Page
	Status  int
	Heading string
	Message string
	Details []credit.Problem
	Login   bool   // offer the login link
	Next    string // where the login link leads back to ("": the dashboard)
}

// renderError shows err as a page with its status. Internal errors are
// logged and shown without detail.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	err = respond.Classify(err)
	status, header := respond.StatusOf(err)
	for k, v := range header {
		w.Header()[k] = v
	}
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", respond.RetryAfter)
	}
	if status >= 500 {
		s.logger.Error("请求处理失败", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	if wantsJSON(r) || strings.HasPrefix(r.Header.Get("X-Requested-With"), "XMLHttpRequest") && status == http.StatusUnauthorized {
		respond.JSON(w, status, respond.Body(err))
		return
	}
	p := &ErrorPage{Page: base(r, "", ""), Status: status, Message: credit.ErrorMessage(err), Details: respond.Body(err).Details}
	switch status {
	case http.StatusUnauthorized:
		p.Heading, p.Login, p.Next = "需要登录", true, loginNext(r)
	case http.StatusForbidden:
		p.Heading = "无权访问"
	case http.StatusNotFound:
		p.Heading = "未找到"
	case http.StatusRequestEntityTooLarge:
		p.Heading = "内容过大"
	case http.StatusBadRequest:
		p.Heading = "请求有误"
	case http.StatusMethodNotAllowed:
		p.Heading = "请求方式不支持"
	case http.StatusConflict:
		p.Heading = "操作冲突"
	case http.StatusServiceUnavailable:
		p.Heading = "服务暂不可用"
	default:
		p.Heading = "系统错误"
	}
	p.Title = p.Heading
	if len(p.Details) > 20 {
		p.Details = p.Details[:20]
	}
	if rerr := s.render(w, r, status, "error", p); rerr != nil {
		s.logger.Error("生成错误页面失败", slog.Any("error", rerr))
		http.Error(w, credit.ErrorMessage(err), status)
	}
}

// loginNext returns the console page to come back to after signing in
// again from a 401 page: the page requested, or for a form sent after the
// session ended, the page the form was on (its Referer, same origin); ""
// when there is none, which leads to the dashboard.
func loginNext(r *http.Request) string {
	from := ""
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		from = r.URL.RequestURI()
	default:
		if u, err := url.Parse(r.Referer()); err == nil && u.Host == r.Host {
			from = u.RequestURI()
		}
	}
	if from != "" && safeNext(from) == from {
		return from
	}
	return ""
}

// staticVersion is a hash of the static files, appended to their URLs so
// that browsers may cache them and still see changes.
var staticVersion = func() string {
	h := sha256.New()
	_ = fs.WalkDir(staticFS, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:10]
}()

// staticHandler serves the static files; a missing one, or a directory,
// gets the portal's own 404 page.
func (s *Server) staticHandler() http.Handler {
	fsrv := http.FileServerFS(staticFS)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if st, err := fs.Stat(staticFS, name); !fs.ValidPath(name) || err != nil || st.IsDir() {
			s.renderError(w, r, credit.Errorf(credit.ENOTFOUND, "文件“%s”不存在", r.URL.Path))
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fsrv.ServeHTTP(w, r)
	})
}

// funcs are the template helpers.
var funcs = template.FuncMap{
	"static": func(name string) string { return "/static/" + name + "?v=" + staticVersion },
	"date":   formatDate,
	// roleName is the name a class gives the field playing a role
	// (成立日期 of a registration, 处罚决定日期 of a penalty), or def.
	"roleName": func(c *catalog.Class, role, def string) string {
		if c == nil {
			return def
		}
		code := map[string]string{"decision_date": c.Roles.DecisionDate, "authority": c.Roles.Authority}[role]
		if f, ok := c.Field(code); ok && code != "" {
			return f.Name
		}
		return def
	},
	// lastDay turns an exclusive end (a publicity window's: the first day
	// no longer shown) into the last day it includes, as “至” reads.
	"lastDay": func(d *credit.Date) *credit.Date {
		if d == nil {
			return nil
		}
		last := d.AddDate(0, 0, -1)
		return &last
	},
	// until shows the last day of a validity: nil (until removed) as
	// none, and the standard's “no end” date (2099-12-31) as 长期.
	"until": func(d *credit.Date, none string) string {
		if d == nil {
			return none
		}
		if v := formatDate(d); !isLongTerm(v) {
			return v
		}
		return "长期"
	},
	"kindTag": kindTag,
	"time":    formatTime,
	"num":     formatNum,
	"size":    formatSize,
	"pct":     pct,
	"role":    func(r credit.Role) string { return access.RoleLabel(r) },
	"who":     access.LabelName,
	"region":  regionLabel,
	"subjectType": func(t subject.Type) string {
		return t.Label()
	},
	"disclosure": disclosureLabel,
	"severity":   func(s catalog.Severity) string { return s.Label() },
	"status":     func(s record.Status) string { return s.Label() },
	"batchStatus": func(s string) string {
		switch s {
		case "receiving":
			return "接收中"
		case "stored":
			return "已保存"
		case "processing":
			return "处理中"
		case "done":
			return "已完成"
		case "failed":
			return "处理失败"
		}
		return s
	},
	"departmentKinds": func() []access.DepartmentKind { return access.DepartmentKinds },
	// kindName names a department kind in Chinese ("—" for none).
	"kindName": func(code string) string {
		if code == "" {
			return "—"
		}
		if n, ok := access.DepartmentKindName(code); ok {
			return n
		}
		return code
	},
	// channel names how a batch came in; readChannel how a read was made.
	"readChannel": func(c string) string {
		switch c {
		case "web":
			return "管理端"
		case "api":
			return "接口"
		case "cli":
			return "命令行"
		}
		return c
	},
	// readWhat names what a logged read was of (query_log.what).
	"readWhat": func(w string) string {
		switch w {
		case "archive":
			return "信用档案"
		case "record":
			return "单条信用记录"
		case "verification":
			return "信用核查"
		}
		return w
	},
	"channel": func(c string) string {
		switch c {
		case "web":
			return "管理端上传"
		case channelForm:
			return "管理端录入"
		case "api":
			return "接口"
		case "cli":
			return "命令行"
		case "system":
			return "平台处理（名单移出）"
		case "reapply":
			return "平台处理（按现行规则重算公示期限）"
		}
		return c
	},
	"labelClass": func(l string) string {
		switch l {
		case "异议处理中":
			return "tag tag-warn"
		case "已修复":
			return "tag tag-ok"
		case "已撤销", "已超过公示期", "历史版本":
			return "tag tag-muted"
		case "超期报送":
			return "tag tag-late"
		}
		return "tag"
	},
	"add": func(a, b int) int { return a + b },
	"seq": func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	},
	"join": strings.Join,
	"reqLabel": func(r catalog.Requirement) string {
		switch r {
		case catalog.Required:
			return "必填"
		case catalog.Conditional:
			return "条件必填"
		}
		return "选填"
	},
	"typeLabel":      fieldTypeLabel,
	"note":           plainDates,
	"listTypeChecks": listTypeChecks,
	// fieldRef pairs a form field with its errors, for a template that
	// marks the input and shows the message with an id to point to.
	"fieldRef":   func(field string, errs []string) FieldRef { return FieldRef{Field: field, Errors: errs} },
	"removalRef": removalRef,
	"purposes":   func() []string { return access.Purposes },
}

// javaDates are the date patterns the catalog's notes are written with,
// and how a civil servant reads them.
var javaDates = strings.NewReplacer(
	"yyyy-MM-dd", "“年-月-日”格式，如2026-11-27",
	"yyyyMMdd", "“年月日”8位数字，如20261127",
)

// plainDates rewrites the date patterns of a catalog note (yyyy-MM-dd,
// yyyyMMdd), written for programmers, as a civil servant reads them.
func plainDates(note string) string { return javaDates.Replace(note) }

// formatDate shows a date as yyyy-MM-dd; nil or zero as "—".
func formatDate(v any) string {
	switch d := v.(type) {
	case *time.Time:
		if d == nil || d.IsZero() {
			return "—"
		}
		return d.Format(credit.DateLayout)
	case time.Time:
		if d.IsZero() {
			return "—"
		}
		return d.Format(credit.DateLayout)
	case string:
		if d == "" {
			return "—"
		}
		return d
	}
	return "—"
}

// formatTime shows an instant in Asia/Shanghai.
func formatTime(v any) string {
	switch t := v.(type) {
	case *time.Time:
		if t == nil || t.IsZero() {
			return "—"
		}
		return t.In(credit.Shanghai).Format("2006-01-02 15:04")
	case time.Time:
		if t.IsZero() {
			return "—"
		}
		return t.In(credit.Shanghai).Format("2006-01-02 15:04")
	}
	return "—"
}

// formatNum writes n with thousands separators.
func formatNum(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatSize shows a byte count as 字节, KB or MB.
func formatSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " 字节"
}

func regionLabel(code string) string {
	if code == "" {
		return "—"
	}
	name := subject.RegionName(code)
	if name == "" {
		return code
	}
	if r, ok := subject.LookupRegion(code); ok && r.Parent != "" && r.Parent != subject.JilinCode {
		if p := subject.RegionName(r.Parent); p != "" {
			return p + name
		}
	}
	return name
}

func disclosureLabel(d catalog.Disclosure) string {
	switch d {
	case catalog.Public:
		return "主动公开"
	case catalog.OnRequest:
		return "依申请公开"
	case catalog.Authorized:
		return "授权查询"
	case catalog.Shared:
		return "政务共享"
	}
	return string(d)
}

func fieldTypeLabel(t catalog.FieldType) string {
	switch t {
	case catalog.String:
		return "文本"
	case catalog.Text:
		return "长文本"
	case catalog.Date:
		return "日期"
	case catalog.Decimal:
		return "数字"
	case catalog.Code:
		return "代码"
	case catalog.USCC:
		return "统一社会信用代码"
	case catalog.IDNo:
		return "证件号码"
	}
	return string(t)
}

// urlQueryEscape escapes s for a query value.
func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// Pager is the paging of a list.
type Pager struct {
	Page, Pages, Total int
	Asked              int  // the page the link asked for (Page is at most 500)
	Capped             bool // the total was capped: more exist
	Base               url.Values
	Path               string
}

// newPager returns the pager of page (1-based) of total items, size per page.
// counted says the total was counted up to subject.TotalCap of the page's
// offset: reaching it means more exist.
func newPager(path string, q url.Values, page, size, total int, counted bool) Pager {
	capped := counted && total >= subject.TotalCap((page-1)*size)
	pages := (total + size - 1) / size
	if pages < 1 {
		pages = 1
	}
	base := url.Values{}
	for k, v := range q {
		if k != "page" && len(v) > 0 && v[0] != "" {
			base[k] = v
		}
	}
	asked := page
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > page {
		asked = n
	}
	return Pager{Page: page, Asked: asked, Pages: pages, Total: total, Capped: capped, Base: base, Path: path}
}

// Prev returns the page "上一页" leads to: the one before, or the last
// page when this one is beyond it (an old link, a page number typed in),
// so that it never leads to another empty page.
func (p Pager) Prev() int {
	if p.Page > p.Pages {
		return p.Pages
	}
	return p.Page - 1
}

// ShownTotal is the total as the pager says it, with "+" when Capped: a
// capped count is counted from the page's offset and so grows as one pages
// on (1,000+ on page 1, 1,020+ on page 2); it is shown as the stable
// subject.MaxTotal+ instead. An exact count is shown as it is.
func (p Pager) ShownTotal() int {
	if p.Capped {
		return subject.MaxTotal
	}
	return p.Total
}

// URL returns the link to page n.
func (p Pager) URL(n int) string {
	q := url.Values{}
	for k, v := range p.Base {
		q[k] = v
	}
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	if len(q) == 0 {
		return p.Path
	}
	return p.Path + "?" + q.Encode()
}

// Window returns the page numbers to show around the current one; 0 marks
// a gap. The last page is shown only when the total is exact: a capped
// count names a page that is not the listing's last (the list goes on),
// so the window ends in a gap instead.
func (p Pager) Window() []int {
	var out []int
	last := 0
	for n := 1; n <= p.Pages; n++ {
		if n == 1 || (n == p.Pages && !p.Capped) || (n >= p.Page-2 && n <= p.Page+2) {
			if last != 0 && n > last+1 {
				out = append(out, 0)
			}
			out = append(out, n)
			last = n
		}
	}
	if p.Capped && last < p.Pages {
		out = append(out, 0)
	}
	return out
}

// pageParam returns the 1-based page number of a request.
func pageParam(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	if n > 500 {
		n = 500
	}
	return n
}

// pct formats a percentage with one decimal, never rounding a rate that
// is not whole up to 100.0 % or one that is not nil down to 0.0 %: 99.96 %
// with a rejected row is 99.9 %, not a perfect score.
func pct(f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	switch {
	case s == "100.0" && f < 100:
		s = "99.9"
	case s == "0.0" && f > 0:
		s = "0.1"
	}
	return s + "%"
}
