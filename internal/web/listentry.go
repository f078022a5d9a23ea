package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"jlcredit/internal/access"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
)

// The console form for one list entry (名单认定录入). Its inputs are derived
// from the fields of the catalog class lists.ClassCode, so a field added to
// the catalog appears on the form. A submission is a one-row JSON batch
// submitted through record.Service.Submit, exactly like an uploaded file:
// stored whole first, then validated, versioned and appended to the ledger.
// A rejected row is kept in its batch, and the form is shown again with
// the validator's messages next to the fields.
func init() {
	views["listentry"] = EntryFormPage{}
}

// channelForm is the record.Submission channel of entries made on the
// console form.
const channelForm = "form"

// entryFilename names the one-row batch of a form submission.
const entryFilename = "名单认定录入.json"

// EntryFormPage is the form for one list entry.
type EntryFormPage struct {
	Page
	Class       *catalog.Class
	Groups      []FormGroup
	Departments []DeptOption // for administrators; empty for department users
	Own         string       // the department user's department
	DeptError   string
	Error       string
	Problems    []FormProblem // every problem, for the summary at the top
	Batch       credit.BatchID
}

// FormGroup is a run of inputs: short ones side by side in a grid, or one
// long text across the form.
type FormGroup struct {
	Wide   bool
	Fields []*FormField
}

// FormField is one input derived from a catalog field.
type FormField struct {
	catalog.Field
	Value     string
	Readonly  bool
	Hint      string // shown after the name, besides the catalog note
	Options   []FormOption
	OptGroups []FormOptGroup
	Errors    []string
	// Defaulted says an empty value is filled in by the platform (the
	// source department's code, from the department chosen on the
	// form): the browser does not insist on one.
	Defaulted bool
}

// FormOption is an option of a select or a checkbox.
type FormOption struct {
	Value, Label string
	Selected     bool
}

// FormOptGroup is a labelled group of options.
type FormOptGroup struct {
	Label   string
	Options []FormOption
}

// FormProblem is a problem of the submitted entry, with the input it is
// about ("" when it is about the whole entry).
type FormProblem struct {
	Field, FieldName, Message string
}

// Input returns the kind of input the field gets: select, checks,
// textarea, date or text.
func (f *FormField) Input() string {
	switch {
	case f.Type == catalog.Code && f.Multi:
		return "checks"
	case f.Type == catalog.Code:
		return "select"
	case f.Type == catalog.Text:
		return "textarea"
	case f.Type == catalog.Date:
		return "date"
	}
	return "text"
}

// Required reports whether the browser should insist on a value.
func (f *FormField) Required() bool {
	return f.Req == catalog.Required && !f.Readonly && !f.Defaulted
}

// Rows is the height of a textarea.
func (f *FormField) Rows() int {
	if f.MaxLen > 0 && f.MaxLen <= 1000 {
		return 2
	}
	return 3
}

// Mono reports whether the value is a code, shown in a monospace font.
func (f *FormField) Mono() bool { return f.Type == catalog.USCC || f.Type == catalog.IDNo }

// Invalid reports whether the field has a problem.
func (f *FormField) Invalid() bool { return len(f.Errors) > 0 }

// requireSubmit answers EFORBIDDEN unless the actor may submit for some
// department: its own, or one in an administrator's scope.
func (s *Server) requireSubmit(p *EntryFormPage) error {
	if !p.Can(string(access.ActionSubmit)) && len(p.Departments) == 0 {
		return credit.Errorf(credit.EFORBIDDEN, "当前账号无权报送名单信息")
	}
	return nil
}

// entryForm builds the empty form: the inputs of the class with the
// department's own values filled in.
func (s *Server) entryForm(r *http.Request) (*EntryFormPage, error) {
	ctx := r.Context()
	sess := sessionOf(ctx)
	p := &EntryFormPage{Page: base(r, "名单认定录入", "listentry")}
	cat, err := s.backend.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	cl, ok := cat.Class(lists.ClassCode)
	if !ok || !cl.Ingestible {
		return nil, credit.Errorf(credit.ENOTFOUND, "本平台未启用信用名单信息类")
	}
	p.Class = cl
	if sess.User.Role == credit.RoleDepartment {
		p.Own = sess.User.DepartmentName
	} else if p.Departments, err = s.submittable(ctx); err != nil {
		return nil, err
	}
	if err := s.requireSubmit(p); err != nil {
		return nil, err
	}
	ls, err := s.listService()
	if err != nil {
		return nil, err
	}
	data, err := ls.ListData(ctx)
	if err != nil {
		return nil, err
	}
	var group *FormGroup
	for _, f := range cl.Fields {
		ff := &FormField{Field: f}
		ff.Note = plainDates(f.Note)
		if f.Type == catalog.Code {
			t, ok := cat.CodeTable(f.CodeTable)
			if !ok {
				return nil, fmt.Errorf("web: field %s: no code table %s", f.Code, f.CodeTable)
			}
			if f.Code == lists.FieldType {
				ff.OptGroups = listTypeGroups(data, t.Values)
			} else {
				for _, v := range t.Values {
					ff.Options = append(ff.Options, FormOption{Value: v, Label: v})
				}
			}
		}
		switch f.Code {
		case cl.Roles.SourceCode:
			if p.Own != "" {
				ff.Value, ff.Readonly = sess.User.DepartmentCode, true
			} else {
				ff.Hint, ff.Defaulted = "留空则填写为所选报送部门的代码", true
			}
		case cl.Roles.Authority:
			if p.Own != "" {
				ff.Value = sess.User.DepartmentName
			}
		case cl.Roles.AuthorityCode:
			if p.Own != "" {
				ff.Value = sess.User.DepartmentCode
			}
		}
		wide := f.Type == catalog.Text
		if group == nil || wide || group.Wide {
			p.Groups = append(p.Groups, FormGroup{Wide: wide})
			group = &p.Groups[len(p.Groups)-1]
		}
		group.Fields = append(group.Fields, ff)
	}
	return p, nil
}

// listTypeGroups groups the values of the list type code table by list:
// each top-level list with its national sub-lists; values the list
// catalog does not know come last.
func listTypeGroups(d *lists.Data, values []string) []FormOptGroup {
	var out []FormOptGroup
	used := map[string]bool{}
	add := func(g *FormOptGroup, lt lists.ListType) {
		if slices.Contains(values, lt.Name) && !used[lt.Name] {
			used[lt.Name] = true
			g.Options = append(g.Options, FormOption{Value: lt.Name, Label: lt.Name})
		}
	}
	for _, top := range d.ListTypes {
		if top.Parent != "" {
			continue
		}
		g := FormOptGroup{Label: top.Name}
		add(&g, top)
		for _, sub := range d.ListTypes {
			if sub.Parent == top.Code {
				add(&g, sub)
			}
		}
		if len(g.Options) > 0 {
			out = append(out, g)
		}
	}
	other := FormOptGroup{Label: "其他"}
	for _, v := range values {
		if !used[v] {
			other.Options = append(other.Options, FormOption{Value: v, Label: v})
		}
	}
	if len(other.Options) > 0 {
		out = append(out, other)
	}
	return out
}

// fields returns every input of the form.
func (p *EntryFormPage) fields() []*FormField {
	var out []*FormField
	for _, g := range p.Groups {
		out = append(out, g.Fields...)
	}
	return out
}

// fill sets the inputs to the submitted values and returns them by field
// code. Several values of a multi-valued code are joined by ";".
func (p *EntryFormPage) fill(form url.Values) map[string]string {
	vals := map[string]string{}
	for _, f := range p.fields() {
		var vs []string
		for _, v := range form[f.Code] {
			if v = strings.TrimSpace(v); v != "" {
				vs = append(vs, v)
			}
		}
		v := strings.Join(vs, ";")
		if f.Readonly {
			v = f.Value // not the browser's to change
		}
		f.Value = v
		vals[f.Code] = v
	}
	p.selectOptions()
	return vals
}

// selectOptions marks the options that hold the inputs' values.
func (p *EntryFormPage) selectOptions() {
	for _, f := range p.fields() {
		chosen := strings.Split(f.Value, ";")
		mark := func(os []FormOption) {
			for i := range os {
				os[i].Selected = slices.Contains(chosen, os[i].Value)
			}
		}
		mark(f.Options)
		for i := range f.OptGroups {
			mark(f.OptGroups[i].Options)
		}
	}
}

// showProblems puts each problem next to its input and in the summary.
func (p *EntryFormPage) showProblems(ps []credit.Problem) {
	byCode := map[string]*FormField{}
	for _, f := range p.fields() {
		byCode[f.Code] = f
	}
	for _, pr := range ps {
		msg := fieldMessage(pr)
		if f := byCode[pr.Field]; f != nil {
			f.Errors = append(f.Errors, msg)
			p.Problems = append(p.Problems, FormProblem{Field: f.Code, FieldName: f.Name, Message: msg})
			continue
		}
		p.Problems = append(p.Problems, FormProblem{Message: pr.Message})
	}
}

// fieldMessage returns the validator's message without the position
// (第1行“名称”（代码）：) that it gives for files.
func fieldMessage(p credit.Problem) string {
	prefix := fmt.Sprintf("第%d行“%s”（%s）：", p.Row, p.FieldName, p.Field)
	if m, ok := strings.CutPrefix(p.Message, prefix); ok && m != "" {
		return m
	}
	return p.Message
}

// entryJSON writes the one-row JSON batch of a form submission: every
// field of the class, in catalog order, by field code.
func entryJSON(cl *catalog.Class, vals map[string]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("[{")
	for i, f := range cl.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		k, err := json.Marshal(f.Code)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(vals[f.Code])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteString(": ")
		b.Write(v)
	}
	b.WriteString("}]\n")
	return b.Bytes(), nil
}

func (s *Server) handleListEntryForm(w http.ResponseWriter, r *http.Request) error {
	p, err := s.entryForm(r)
	if err != nil {
		return err
	}
	p.selectOptions()
	return s.render(w, r, http.StatusOK, "listentry", p)
}

// handleListEntryCreate submits the entry as a one-row batch. On success it
// shows the batch's receipt; when the row is rejected, the form again, with
// the messages and the stored batch.
func (s *Server) handleListEntryCreate(w http.ResponseWriter, r *http.Request) error {
	form, err := postForm(w, r)
	if err != nil {
		return err
	}
	p, err := s.entryForm(r)
	if err != nil {
		return err
	}
	vals := p.fill(form)
	sub := record.Submission{Class: lists.ClassCode, Format: "json", Filename: entryFilename, Channel: channelForm}
	if p.Own == "" {
		sub.DepartmentCode = strings.TrimSpace(form.Get("department"))
		p.Departments = selectDept(p.Departments, sub.DepartmentCode)
		if sub.DepartmentCode == "" {
			p.DeptError = "请选择报送部门"
			p.Error = "请选择以哪个部门的名义报送。"
			return s.render(w, r, http.StatusBadRequest, "listentry", p)
		}
		if src := p.Class.Roles.SourceCode; src != "" && vals[src] == "" {
			vals[src] = sub.DepartmentCode
		}
	}
	body, err := entryJSON(p.Class, vals)
	if err != nil {
		return err
	}
	sub.Body = bytes.NewReader(body)
	rc, err := s.backend.Submit(r.Context(), sub)
	if err != nil {
		if credit.ErrorCode(err) == credit.EINTERNAL {
			return err
		}
		p.Error = credit.ErrorMessage(err)
		var ce *credit.Error
		if errors.As(err, &ce) {
			p.showProblems(ce.Details)
		}
		return s.render(w, r, statusOf(err), "listentry", p)
	}
	s.resetCaches()
	if rc.Rejected == 0 {
		loc := "/console/batches/" + url.PathEscape(string(rc.Batch)) + "?new=1"
		if data, err := s.listData(r); err == nil {
			if e, err := lists.EntryFromRecord(data, &record.Record{Fields: vals}); err == nil && e.Capped && e.ValidUntil != nil && e.DeclaredUntil != nil {
				loc += "&capped=" + e.ValidUntil.Format(credit.DateLayout) + "&declared=" + e.DeclaredUntil.Format(credit.DateLayout)
			}
		}
		redirect(w, r, loc, http.StatusSeeOther)
		return nil
	}
	errs, _, err := s.backend.FindBatchErrors(r.Context(), rc.Batch, 0, 10)
	if err != nil {
		return err
	}
	for _, e := range errs {
		p.showProblems(e.Problems)
	}
	p.Batch = rc.Batch
	p.Error = "名单信息未通过校验，请按提示修改后重新提交。"
	return s.render(w, r, http.StatusUnprocessableEntity, "listentry", p)
}
