package web

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"jlcredit/internal/access"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

// maxForm is the largest console form (url-encoded) a handler reads.
const maxForm = 1 << 20

// postForm parses a console form (the CSRF check may have done it already).
func postForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	if r.PostForm == nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			return nil, formError(err, errBadForm)
		}
	}
	return r.PostForm, nil
}

// errBadForm is the error of a form body that cannot be read as a form.
var errBadForm = credit.Errorf(credit.EINVALID, "表单内容无法读取，请刷新页面后重新填写提交")

// formError is the error of a form that could not be parsed: over its size
// limit, ETOOLARGE saying so with the limit (http.MaxBytesReader's, or
// the multipart reader's for its text fields); otherwise bad.
func formError(err error, bad error) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return errFormTooLarge(mbe.Limit)
	case errors.Is(err, multipart.ErrMessageTooLarge):
		return credit.Errorf(credit.ETOOLARGE, "提交的内容过长，请删减后重试")
	}
	return bad
}

// errFormTooLarge is the error of a form of more than limit bytes.
func errFormTooLarge(limit int64) error {
	return credit.Errorf(credit.ETOOLARGE, "提交的内容过长（超过%s），请删减后重试", byteSize(limit))
}

// byteSize writes a size limit in MB or KB: 1 MB, 64 KB.
func byteSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MB"
	}
	if n >= 1<<10 {
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + "字节"
}

// CatalogPage lists the catalog's classes.
type CatalogPage struct {
	Page
	Catalog *catalog.Catalog
}

func (s *Server) handleCatalogIndex(w http.ResponseWriter, r *http.Request) error {
	cat, err := s.backend.Catalog(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "catalog", &CatalogPage{Page: base(r, "信息资源目录", "catalog"), Catalog: cat})
}

// ClassPage shows one class: fields, rules, publicity policy.
type ClassPage struct {
	Page
	Class   *catalog.Class
	Tables  map[string][]string
	Periods []PeriodRow
}

// PeriodRow is the publicity period of one severity.
type PeriodRow struct {
	Severity string
	Min, Max int
}

func (s *Server) handleCatalogClass(w http.ResponseWriter, r *http.Request) error {
	cat, err := s.backend.Catalog(r.Context())
	if err != nil {
		return err
	}
	c, ok := cat.Class(r.PathValue("class"))
	if !ok {
		return notFound(r)
	}
	p := &ClassPage{Page: base(r, c.Name, "catalog"), Class: c, Tables: map[string][]string{}}
	for _, f := range c.Fields {
		if f.CodeTable != "" {
			if t, ok := cat.CodeTable(f.CodeTable); ok {
				p.Tables[f.Code] = t.Values
			}
		}
	}
	for _, sev := range []catalog.Severity{catalog.Minor, catalog.General, catalog.Serious} {
		if pr, ok := c.Publicity.Periods[sev]; ok {
			p.Periods = append(p.Periods, PeriodRow{Severity: sev.Label(), Min: pr.Min, Max: pr.Max})
		}
	}
	return s.render(w, r, http.StatusOK, "class", p)
}

// DepartmentsPage lists the departments within the admin's scope, with
// the form to add one.
type DepartmentsPage struct {
	Page
	Departments []*access.Department // this page of those the filter selects
	Query       string               // name or code contains
	Region      string               // within this region
	Pager       Pager
	Regions     []RegionOption
	Form        access.Department
	FormErrors
	CanManage bool
}

func (s *Server) scopeDepartments(r *http.Request, action access.Action) ([]*access.Department, error) {
	actor := credit.ActorFromContext(r.Context())
	ds, err := s.departments(r.Context())
	if err != nil {
		return nil, err
	}
	var out []*access.Department
	for _, d := range ds {
		if access.Can(actor, action, access.Target{DepartmentID: d.ID, RegionCode: d.RegionCode}) {
			out = append(out, d)
		}
	}
	return out, nil
}

// regionsInScope lists the regions an actor may use in forms.
func regionsInScope(actor credit.Actor) []RegionOption {
	var out []RegionOption
	if actor.Role == credit.RoleProvince || actor.Role == credit.RoleSystem {
		out = append(out, RegionOption{Code: subject.JilinCode, Name: "吉林省（省直）"})
	}
	for _, o := range regionOptions() {
		if actor.Role != credit.RoleRegion || subject.InRegion(o.Code, actor.RegionCode) {
			out = append(out, o)
		}
	}
	return out
}

func (s *Server) departmentsPage(r *http.Request) (*DepartmentsPage, error) {
	actor := credit.ActorFromContext(r.Context())
	if !access.Can(actor, access.ActionManageDepartments, access.Target{RegionCode: actor.RegionCode}) &&
		!access.Can(actor, access.ActionViewUsers, access.Target{RegionCode: orJilin(actor.RegionCode)}) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "当前账号无权管理部门")
	}
	ds, err := s.scopeDepartments(r, access.ActionViewUsers)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	p := &DepartmentsPage{Page: base(r, "部门管理", "departments"), Query: strings.TrimSpace(q.Get("q")), Region: q.Get("region"),
		Regions:   regionsInScope(actor),
		CanManage: access.Can(actor, access.ActionManageDepartments, access.Target{RegionCode: orJilin(actor.RegionCode)})}
	if utf8.RuneCountInString(p.Query) > maxSearchText {
		return nil, credit.Errorf(credit.EINVALID, "搜索内容不能超过%d个字符", maxSearchText)
	}
	// A province has hundreds of departments: filter and page them.
	text := strings.ToUpper(p.Query)
	var match []*access.Department
	for _, d := range ds {
		if (text == "" || strings.Contains(strings.ToUpper(d.Name), text) || strings.Contains(d.Code, text)) &&
			(p.Region == "" || subject.InRegion(d.RegionCode, p.Region)) {
			match = append(match, d)
		}
	}
	page := pageParam(r)
	from := min((page-1)*departmentPageSize, len(match))
	p.Departments = match[from:min(from+departmentPageSize, len(match))]
	p.Pager = newPager("/console/departments", q, page, departmentPageSize, len(match), false)
	return p, nil
}

// maxSearchText is the longest search text the console's department and
// user lists take, in characters (storage.FindUsers refuses longer ones too).
const maxSearchText = 100

// departmentPageSize is how many departments a page of the console lists.
const departmentPageSize = 50

func orJilin(code string) string {
	if code == "" {
		return subject.JilinCode
	}
	return code
}

func (s *Server) handleDepartmentIndex(w http.ResponseWriter, r *http.Request) error {
	p, err := s.departmentsPage(r)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("done") {
	case "created":
		p.Notice = "部门已保存。"
	}
	return s.render(w, r, http.StatusOK, "departments", p)
}

// kindNone is the department form's value that clears a department's
// kind (无); the empty value (未指定) keeps the kind it has.
const kindNone = "none"

func (s *Server) handleDepartmentCreate(w http.ResponseWriter, r *http.Request) error {
	form, err := postForm(w, r)
	if err != nil {
		return err
	}
	d := &access.Department{Code: subject.Normalize(form.Get("code")), Name: strings.TrimSpace(form.Get("name")),
		RegionCode: form.Get("region"), Kind: strings.TrimSpace(form.Get("kind"))}
	clearKind := d.Kind == kindNone
	if clearKind {
		d.Kind = ""
	}
	actor := credit.ActorFromContext(r.Context())
	if !access.Can(actor, access.ActionManageDepartments, access.Target{RegionCode: d.RegionCode}) {
		return credit.Errorf(credit.EFORBIDDEN, "无权在该地区登记部门")
	}
	if existing, err := s.backend.FindDepartmentByCode(r.Context(), d.Code); err == nil {
		if !access.Can(actor, access.ActionManageDepartments, access.Target{DepartmentID: existing.ID, RegionCode: existing.RegionCode}) {
			return credit.Errorf(credit.EFORBIDDEN, "该部门不在您的管理范围内")
		}
		// 未指定 keeps the kind it has, as `credit department add` without
		// --kind does: saving the name again must not drop the kind (which
		// decides measures and whose registrations verify subjects). 无
		// clears it.
		if d.Kind == "" && !clearKind {
			d.Kind = existing.Kind
		}
	}
	if err := s.backend.UpsertDepartment(r.Context(), d); err != nil {
		if credit.ErrorCode(err) != credit.EINVALID {
			return err
		}
		p, perr := s.departmentsPage(r)
		if perr != nil {
			return perr
		}
		p.Form = *d
		p.fail(err, departmentInputs, "")
		selectRegion(p.Regions, d.RegionCode)
		return s.render(w, r, http.StatusBadRequest, "departments", p)
	}
	s.depts.reset()
	redirect(w, r, "/console/departments?done=created", http.StatusSeeOther)
	return nil
}

// departmentInputs are the inputs of the department form, by the field of
// access.Department.Validate's problems.
var departmentInputs = map[string]formInput{
	"code":   {"d-code", "统一社会信用代码"},
	"name":   {"d-name", "部门名称"},
	"region": {"d-region", "所属地区"},
	"kind":   {"d-kind", "部门类别"},
}

// DepartmentPage shows a department with its users and API keys.
type DepartmentPage struct {
	Page
	Department *access.Department
	Users      []*access.User
	Keys       []KeyRow
	Scopes     []ScopeOption
	// Limit is the default rate limit offered for a new key; Rate and
	// Burst are the form's values (Limit's, or what was sent).
	Limit       credit.RateLimit
	Rate, Burst string
	CanManage   bool
	FormErrors  // of the new-key form
}

// KeyRow is an API key in the department's key list.
type KeyRow struct {
	*access.APIKey
}

// ScopeText returns the key's scopes as “数据报送（ingest）、信用核查（verify）”.
func (k KeyRow) ScopeText() string {
	t := make([]string, len(k.Scopes))
	for i, s := range k.Scopes {
		t[i] = access.ScopeTitle(s)
	}
	return strings.Join(t, "、")
}

// LimitText returns the key's rate limit, such as “每秒100次，突发200次”.
func (k KeyRow) LimitText() string {
	if k.Limit.Unlimited() {
		return "不限速"
	}
	return fmt.Sprintf("每秒%s次，突发%d次", strconv.FormatFloat(k.Limit.Rate, 'f', -1, 64), k.Limit.Burst)
}

// ScopeOption is a scope checkbox of the new-key form.
type ScopeOption struct {
	Value   string // ingest, verify, share, finance
	Label   string // 数据报送 …
	Checked bool
}

func scopeOptions() []ScopeOption {
	out := make([]ScopeOption, len(access.Scopes))
	for i, s := range access.Scopes {
		out[i] = ScopeOption{Value: s, Label: access.ScopeLabel(s), Checked: slices.Contains(access.DefaultScopes, s)}
	}
	return out
}

func (s *Server) department(r *http.Request, code string, action access.Action) (*access.Department, error) {
	d, err := s.backend.FindDepartmentByCode(r.Context(), code)
	if err != nil {
		return nil, err
	}
	if !access.Can(credit.ActorFromContext(r.Context()), action, access.Target{DepartmentID: d.ID, RegionCode: d.RegionCode}) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "“%s”不在您的管理范围内", d.Name)
	}
	return d, nil
}

// departmentPage builds the page of department d with an empty new-key form.
func (s *Server) departmentPage(r *http.Request, d *access.Department) (*DepartmentPage, error) {
	actor := credit.ActorFromContext(r.Context())
	p := &DepartmentPage{Page: base(r, d.Name, "departments"), Department: d,
		Scopes: scopeOptions(), Limit: access.DefaultKeyLimit,
		Rate:      strconv.FormatFloat(access.DefaultKeyLimit.Rate, 'f', -1, 64),
		Burst:     strconv.Itoa(access.DefaultKeyLimit.Burst),
		CanManage: access.Can(actor, access.ActionManageDepartments, access.Target{DepartmentID: d.ID, RegionCode: d.RegionCode})}
	var err error
	if p.Users, _, err = s.backend.FindUsers(r.Context(), access.UserFilter{DepartmentID: &d.ID, Limit: 500}); err != nil {
		return nil, err
	}
	if p.CanManage {
		keys, err := s.backend.FindAPIKeys(r.Context(), d.ID)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			p.Keys = append(p.Keys, KeyRow{k})
		}
	}
	return p, nil
}

func (s *Server) handleDepartmentView(w http.ResponseWriter, r *http.Request) error {
	d, err := s.department(r, r.PathValue("code"), access.ActionViewUsers)
	if err != nil {
		return err
	}
	p, err := s.departmentPage(r, d)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("done") == "revoked" {
		p.Notice = "API密钥已吊销。"
	}
	return s.render(w, r, http.StatusOK, "department", p)
}

// SecretPage shows a secret once: a new API key or a one-time password.
type SecretPage struct {
	Page
	Heading string
	Label   string
	Secret  string
	Hint    string
	Back    string
	BackTo  string
}

func (s *Server) handleKeyCreate(w http.ResponseWriter, r *http.Request) error {
	form, err := postForm(w, r)
	if err != nil {
		return err
	}
	d, err := s.department(r, r.PathValue("code"), access.ActionManageDepartments)
	if err != nil {
		return err
	}
	scopes, err := access.ParseScopes(form["scope"])
	if err == nil && len(scopes) == 0 {
		err = credit.Invalid("请至少选择一项密钥权限范围", credit.Problem{Field: "scope", Code: "required", Message: "请至少选择一项密钥权限范围"})
	}
	var limit credit.RateLimit
	if err == nil {
		limit, err = keyLimitForm(form.Get("rate"), form.Get("burst"))
	}
	var secret string
	var k *access.APIKey
	if err == nil {
		secret, k, err = s.backend.CreateAPIKeyWithLimit(r.Context(), d.ID, scopes, limit)
	}
	if err != nil {
		if credit.ErrorCode(err) != credit.EINVALID {
			return err
		}
		// The department's page again, the form as it was sent, with
		// the message next to the input it is about.
		p, perr := s.departmentPage(r, d)
		if perr != nil {
			return perr
		}
		for i := range p.Scopes {
			p.Scopes[i].Checked = slices.Contains(form["scope"], p.Scopes[i].Value)
		}
		p.Rate, p.Burst = form.Get("rate"), form.Get("burst")
		p.fail(err, keyInputs, "")
		return s.render(w, r, http.StatusBadRequest, "department", p)
	}
	row := KeyRow{k}
	p := &SecretPage{Page: base(r, "新API密钥", "departments"), Heading: "已为“" + d.Name + "”生成API密钥", Label: "API密钥",
		Secret: secret, Hint: "权限范围：" + row.ScopeText() + "；限速：" + row.LimitText() + "。密钥只显示这一次，请立即复制并交给该部门的系统管理员妥善保存。调用接口时放在请求头 Authorization: Bearer <密钥> 中。",
		Back: "返回部门", BackTo: "/console/departments/" + url.PathEscape(d.Code)}
	return s.render(w, r, http.StatusOK, "secret", p)
}

// keyInputs are the inputs of the new-key form, by the field of the
// problems of access.ParseScopes and access.ValidateKeyLimit.
var keyInputs = map[string]formInput{
	"scope": {"k-scope", "新密钥的权限范围"},
	"rate":  {"k-rate", "每秒请求数"},
	"burst": {"k-burst", "突发请求数"},
}

// keyLimitForm reads the rate fields of the new-key form; blank fields
// take access.DefaultKeyLimit, and a rate of 0 means unlimited.
func keyLimitForm(rate, burst string) (credit.RateLimit, error) {
	l := access.DefaultKeyLimit
	if v := strings.TrimSpace(rate); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return l, credit.Invalid("每秒请求数应为数字（0表示不限速），实际为“"+credit.Clip(v, 20)+"”",
				credit.Problem{Field: "rate", Code: "bad_limit", Message: "每秒请求数应为数字"})
		}
		l.Rate = f
	}
	if v := strings.TrimSpace(burst); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return l, credit.Invalid("突发请求数应为整数，实际为“"+credit.Clip(v, 20)+"”",
				credit.Problem{Field: "burst", Code: "bad_limit", Message: "突发请求数应为整数"})
		}
		l.Burst = n
	}
	return l, access.ValidateKeyLimit(l)
}

func (s *Server) handleKeyRevoke(w http.ResponseWriter, r *http.Request) error {
	form, err := postForm(w, r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "")
	if err != nil {
		return err
	}
	if err := s.backend.RevokeAPIKey(r.Context(), id); err != nil {
		return err
	}
	back := "/console/departments"
	if code := subject.Normalize(form.Get("department")); code != "" {
		back += "/" + url.PathEscape(code) + "?done=revoked"
	}
	redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// UsersPage lists users within the admin's scope, with the form to add one.
type UsersPage struct {
	Page
	Users       []*access.User
	Roles       []RoleOption
	Departments []DeptOption
	Regions     []RegionOption
	Form        UserForm
	Query       string
	Pager       Pager
	FormErrors
	CanManage bool
}

// RoleOption is an entry of the role drop-down.
type RoleOption struct {
	Value, Label string
}

// UserForm is the new-user form, as given.
type UserForm struct {
	Username, DisplayName, Role, Department, Region string
}

func (s *Server) usersPage(r *http.Request) (*UsersPage, error) {
	actor := credit.ActorFromContext(r.Context())
	if !access.Can(actor, access.ActionViewUsers, access.Target{RegionCode: orJilin(actor.RegionCode)}) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "当前账号无权管理用户")
	}
	p := &UsersPage{Page: base(r, "用户管理", "users"), Regions: regionsInScope(actor), Query: strings.TrimSpace(r.URL.Query().Get("q")),
		CanManage: access.Can(actor, access.ActionManageUsers, access.Target{RegionCode: orJilin(actor.RegionCode)})}
	for _, role := range access.UserRoles {
		if actor.Role == credit.RoleRegion && (role == credit.RoleProvince || role == credit.RoleAuditor || role == credit.RoleBank) {
			continue
		}
		p.Roles = append(p.Roles, RoleOption{Value: string(role), Label: access.RoleLabel(role)})
	}
	ds, err := s.scopeDepartments(r, access.ActionManageUsers)
	if err != nil {
		return nil, err
	}
	p.Departments = deptOptions(ds, nil)
	page := pageParam(r)
	users, total, err := s.backend.FindUsers(r.Context(), access.UserFilter{Query: p.Query, Offset: (page - 1) * batchPageSize, Limit: batchPageSize})
	if err != nil {
		return nil, err
	}
	p.Users = users
	p.Pager = newPager("/console/users", r.URL.Query(), page, batchPageSize, total, false)
	return p, nil
}

func (s *Server) handleUserIndex(w http.ResponseWriter, r *http.Request) error {
	p, err := s.usersPage(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "users", p)
}

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) error {
	form, err := postForm(w, r)
	if err != nil {
		return err
	}
	f := UserForm{Username: strings.TrimSpace(form.Get("username")), DisplayName: strings.TrimSpace(form.Get("display_name")),
		Role: form.Get("role"), Department: form.Get("department"), Region: form.Get("region")}
	u := &access.User{Username: f.Username, DisplayName: f.DisplayName, Role: credit.Role(f.Role), RegionCode: f.Region}
	cerr := roleFields(u.Role, f)
	if cerr == nil && u.Role == credit.RoleDepartment {
		d, err := s.backend.FindDepartmentByCode(r.Context(), f.Department)
		if err != nil {
			cerr = credit.Invalid("请选择部门用户所属的部门", credit.Problem{Field: "department", Code: "required", Message: "请选择部门用户所属的部门"})
		} else {
			u.DepartmentID = d.ID
		}
	}
	var password string
	if cerr == nil {
		password, cerr = s.backend.CreateUser(r.Context(), u, "")
	}
	if cerr != nil {
		if c := credit.ErrorCode(cerr); c != credit.EINVALID && c != credit.EFORBIDDEN {
			return cerr
		}
		p, err := s.usersPage(r)
		if err != nil {
			return err
		}
		p.Form = f
		// EFORBIDDEN names no field: the scope asked for is the role's
		// department or region.
		scope := "role"
		switch u.Role {
		case credit.RoleDepartment:
			scope = "department"
		case credit.RoleRegion:
			scope = "region"
		}
		p.fail(cerr, userInputs, scope)
		selectRegion(p.Regions, f.Region)
		selectDept(p.Departments, f.Department)
		return s.render(w, r, statusOf(cerr), "users", p)
	}
	p := &SecretPage{Page: base(r, "新用户", "users"), Heading: "用户“" + u.Username + "”已创建（" + access.RoleLabel(u.Role) + "）",
		Label: "一次性密码", Secret: password, Hint: "一次性密码只显示这一次，请通过安全渠道交给本人；首次登录后请在“修改密码”中更改。",
		Back: "返回用户列表", BackTo: "/console/users"}
	return s.render(w, r, http.StatusOK, "secret", p)
}

// roleFields refuses a department or a region chosen for a role that has
// none, as credit user add refuses --department and --region: only a
// department user belongs to a department, only a region administrator
// has a region of its own, and the value would be dropped without a word.
func roleFields(role credit.Role, f UserForm) error {
	label := access.RoleLabel(role)
	var probs []credit.Problem
	if strings.TrimSpace(f.Department) != "" && role != credit.RoleDepartment {
		probs = append(probs, credit.Problem{Field: "department", Code: "not_for_role",
			Message: "只有部门用户有所属部门，" + label + "不属于部门：请将“所属部门”选为“—”"})
	}
	if strings.TrimSpace(f.Region) != "" && role != credit.RoleRegion {
		msg := "只有地区管理员有管辖地区，" + label + "不使用此项：请将“管辖地区”选为“—”"
		if role == credit.RoleDepartment {
			msg = "只有地区管理员有管辖地区，部门用户的地区取自所属部门：请将“管辖地区”选为“—”"
		}
		probs = append(probs, credit.Problem{Field: "region", Code: "not_for_role", Message: msg})
	}
	if len(probs) == 0 {
		return nil
	}
	msg := probs[0].Message
	if len(probs) > 1 {
		msg = "“所属部门”和“管辖地区”不适用于" + label + "，请按提示修改："
	}
	return credit.Invalid(msg, probs...)
}

// userInputs are the inputs of the new-user form, by the field of
// access.User.Validate's problems.
var userInputs = map[string]formInput{
	"username":     {"u-name", "用户名"},
	"display_name": {"u-display", "姓名"},
	"role":         {"u-role", "角色"},
	"department":   {"u-dept", "所属部门"},
	"region":       {"u-region", "管辖地区"},
}

// UserPage shows one user with the administrator's actions.
type UserPage struct {
	Page
	Target    *access.User
	CanManage bool
	Self      bool
}

func userID(r *http.Request) (credit.UserID, error) {
	n, err := pathID(r, "")
	return credit.UserID(n), err
}

func (s *Server) handleUserView(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	u, err := s.backend.FindUserByID(r.Context(), id)
	if err != nil {
		return err
	}
	actor := credit.ActorFromContext(r.Context())
	p := &UserPage{Page: base(r, u.Username, "users"), Target: u, Self: actor.UserID == u.ID,
		CanManage: access.Can(actor, access.ActionManageUsers, access.Target{DepartmentID: u.DepartmentID, RegionCode: u.RegionCode, Role: u.Role})}
	switch r.URL.Query().Get("done") {
	case "disabled":
		p.Notice = "账号已停用，其登录会话已全部结束。"
	case "enabled":
		p.Notice = "账号已启用。"
	}
	return s.render(w, r, http.StatusOK, "user", p)
}

func (s *Server) handleUserReset(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	password, err := s.backend.ResetPassword(r.Context(), id)
	if err != nil {
		return err
	}
	u, err := s.backend.FindUserByID(r.Context(), id)
	if err != nil {
		return err
	}
	p := &SecretPage{Page: base(r, "重置密码", "users"), Heading: "已重置“" + u.Username + "”的密码并解除锁定",
		Label: "一次性密码", Secret: password, Hint: "一次性密码只显示这一次，请通过安全渠道交给本人；该用户原有的登录会话已全部结束。",
		Back: "返回用户", BackTo: "/console/users/" + strconv.FormatInt(int64(id), 10)}
	return s.render(w, r, http.StatusOK, "secret", p)
}

func (s *Server) handleUserStatus(w http.ResponseWriter, r *http.Request) error {
	form, err := postForm(w, r)
	if err != nil {
		return err
	}
	id, err := userID(r)
	if err != nil {
		return err
	}
	// The form sends 1 to disable and 0 to enable; anything else (or
	// nothing) changes nothing rather than enabling the account.
	var disabled bool
	switch v := form["disabled"]; {
	case len(v) == 1 && v[0] == "1":
		disabled = true
	case len(v) == 1 && v[0] == "0":
	default:
		return credit.Invalid("参数disabled（账号状态）应为“1”（停用）或“0”（启用），请从用户页面的“停用账号”或“启用账号”按钮提交",
			credit.Problem{Field: "disabled", Code: "bad_value", Message: "应为“1”（停用）或“0”（启用）"})
	}
	if _, err := s.backend.UpdateUser(r.Context(), id, access.UserUpdate{Disabled: &disabled}); err != nil {
		return err
	}
	done := "enabled"
	if disabled {
		done = "disabled"
	}
	redirect(w, r, "/console/users/"+strconv.FormatInt(int64(id), 10)+"?done="+done, http.StatusSeeOther)
	return nil
}

// PasswordPage is the form to change one's own password.
type PasswordPage struct {
	Page
	FormErrors
}

// passwordInputs are the inputs of the password form, by the field of
// the problems of ChangePassword.
var passwordInputs = map[string]formInput{
	"old_password":     {"old", "原密码"},
	"new_password":     {"new", "新密码"},
	"confirm_password": {"confirm", "再次输入新密码"},
}

func (s *Server) handlePasswordForm(w http.ResponseWriter, r *http.Request) error {
	p := &PasswordPage{Page: base(r, "修改密码", "password")}
	return s.render(w, r, http.StatusOK, "password", p)
}

func (s *Server) handlePassword(w http.ResponseWriter, r *http.Request) error {
	form, err := postForm(w, r)
	if err != nil {
		return err
	}
	old, next, confirm := form.Get("old_password"), form.Get("new_password"), form.Get("confirm_password")
	if next != confirm {
		p := &PasswordPage{Page: base(r, "修改密码", "password")}
		p.fail(credit.Invalid("两次输入的新密码不一致", credit.Problem{Field: "confirm_password", Code: "mismatch", Message: "两次输入的新密码不一致"}), passwordInputs, "")
		return s.render(w, r, http.StatusBadRequest, "password", p)
	}
	c, _ := r.Cookie(SessionCookie)
	if err := s.backend.ChangePassword(r.Context(), old, next, c.Value); err != nil {
		if credit.ErrorCode(err) != credit.EINVALID {
			return err
		}
		p := &PasswordPage{Page: base(r, "修改密码", "password")}
		p.fail(err, passwordInputs, "new_password")
		return s.render(w, r, http.StatusBadRequest, "password", p)
	}
	p := &PasswordPage{Page: base(r, "修改密码", "password")}
	p.Notice = "密码已修改。其他设备上的登录已全部退出。"
	if p.User != nil {
		p.User.MustChangePassword = false
	}
	return s.render(w, r, http.StatusOK, "password", p)
}
