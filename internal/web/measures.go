package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
)

// The measures catalog (措施清单) in the console: every user reads it;
// province administrators edit a measure or add one. Saving goes to
// lists.Service.SaveMeasure, as the JSON API's PUT /api/v1/measures/{code}
// does; storage refuses other users and a measure without legal basis.
func init() {
	views["measures"] = MeasuresPage{}
	views["measure"] = MeasurePage{}
}

// MeasuresPage is the measures catalog, by class.
type MeasuresPage struct {
	Page
	Version string
	Classes []MeasureClass
	CanEdit bool
}

// MeasureClass is the measures of one class of the national basic list.
type MeasureClass struct {
	Class    int
	Label    string
	Measures []MeasureRow
}

// MeasureRow is a measure with the names of what it refers to.
type MeasureRow struct {
	lists.Measure
	EffectLabel   string
	ListNames     []string
	KindNames     []string // empty: every department
	ScenarioNames []string
}

// MeasurePage is the form for one measure: a new one or an edit.
type MeasurePage struct {
	Page
	New       bool
	M         lists.Measure
	Classes   []FormOption
	Effects   []FormOption
	ListTypes []ListTypeGroup
	Kinds     []FormOption
	Scenarios []FormOption
	// Version is the version of the measure the form was opened on
	// (lists.MeasureVersion), sent back so that a save over someone
	// else's change is refused.
	Version  string
	Conflict bool // the measure changed while it was edited
	Error    string
	Problems []FormProblem
	errs     map[string][]string
}

// FieldErrors returns the problems of a form field.
func (p *MeasurePage) FieldErrors(field string) []string { return p.errs[field] }

// Action is where the form is sent.
func (p *MeasurePage) Action() string {
	if p.New {
		return "/console/measures/new"
	}
	return "/console/measures/" + url.PathEscape(p.M.Code)
}

// MeasureURL returns the edit page of a measure.
func (*MeasuresPage) MeasureURL(code string) string {
	return "/console/measures/" + url.PathEscape(code)
}

// effectLabel names what a measure does.
func effectLabel(e lists.Effect) string {
	switch e {
	case lists.Restrict:
		return "限制（减损权益或增加义务）"
	case lists.Supervise:
		return "管理措施（加强监管）"
	case lists.Reference:
		return "供其他组织参考实施"
	case lists.Reward:
		return "守信激励"
	}
	return string(e)
}

// measureFields names the form's inputs by the field codes of
// lists.Measure.Validate's problems.
var measureFields = map[string]string{
	"code": "措施代码", "name": "措施名称", "class": "措施类别", "effect": "措施效果", "list_types": "适用名单",
	"department_kinds": "实施部门类别", "scenarios": "应用场景", "basis": "法律依据", "clause": "清单条款",
}

// measureFormMessages replace, on the form, the messages of problems (by
// code) that name what the API sends rather than what the form shows: the
// form offers the effects by their Chinese names.
var measureFormMessages = map[string]string{
	"bad_effect": "请选择措施效果",
}

// canEditMeasures reports whether the actor may change the catalog, as
// storage decides (SaveMeasure).
func canEditMeasures(r *http.Request) bool {
	return access.Can(credit.ActorFromContext(r.Context()), access.ActionManageCatalog, access.Target{})
}

func (s *Server) handleMeasureIndex(w http.ResponseWriter, r *http.Request) error {
	d, err := s.listData(r)
	if err != nil {
		return err
	}
	p := &MeasuresPage{Page: base(r, "措施清单", "measures"), Version: d.Version, CanEdit: canEditMeasures(r)}
	if code := r.URL.Query().Get("saved"); code != "" {
		for _, m := range d.Measures {
			if m.Code == code {
				p.Notice = "措施“" + m.Name + "”（" + m.Code + "）已保存，自下一次信用核查起适用。"
			}
		}
	}
	// The three classes of the national basic list hold the punishment
	// measures; the incentives (守信激励) are a group of their own.
	for class := 1; class <= 3; class++ {
		c := MeasureClass{Class: class, Label: lists.ClassLabel(class)}
		for _, m := range d.Measures {
			if m.Class == class && m.Effect != lists.Reward {
				c.Measures = append(c.Measures, measureRow(d, m))
			}
		}
		p.Classes = append(p.Classes, c)
	}
	rewards := MeasureClass{Label: "守信激励措施"}
	for _, m := range d.Measures {
		if m.Effect == lists.Reward {
			rewards.Measures = append(rewards.Measures, measureRow(d, m))
		}
	}
	p.Classes = append(p.Classes, rewards)
	return s.render(w, r, http.StatusOK, "measures", p)
}

// measureRow names the list types, department kinds and scenarios of m.
func measureRow(d *lists.Data, m lists.Measure) MeasureRow {
	row := MeasureRow{Measure: m, EffectLabel: effectLabel(m.Effect)}
	for _, c := range m.ListTypes {
		if lt, ok := d.ListType(c); ok {
			row.ListNames = append(row.ListNames, lt.Name)
		} else {
			row.ListNames = append(row.ListNames, c)
		}
	}
	for _, c := range m.DepartmentKinds {
		if n, ok := access.DepartmentKindName(c); ok {
			row.KindNames = append(row.KindNames, n)
		} else {
			row.KindNames = append(row.KindNames, c)
		}
	}
	for _, c := range m.Scenarios {
		if sc, ok := d.Scenario(c); ok {
			row.ScenarioNames = append(row.ScenarioNames, sc.Name)
		} else {
			row.ScenarioNames = append(row.ScenarioNames, c)
		}
	}
	return row
}

// measurePage returns the form for m with its options marked.
func measurePage(r *http.Request, d *lists.Data, m lists.Measure, isNew bool) *MeasurePage {
	title := "编辑措施"
	if isNew {
		title = "新增措施"
	}
	p := &MeasurePage{Page: base(r, title, "measures"), New: isNew, M: m, errs: map[string][]string{}}
	for i, label := range []string{"第1类 减损权益或增加义务", "第2类 管理措施", "第3类 其他组织自主实施"} {
		class := i + 1
		p.Classes = append(p.Classes, FormOption{Value: strconv.Itoa(class), Label: label, Selected: m.Class == class})
	}
	for _, e := range []lists.Effect{lists.Restrict, lists.Supervise, lists.Reference, lists.Reward} {
		p.Effects = append(p.Effects, FormOption{Value: string(e), Label: effectLabel(e), Selected: m.Effect == e})
	}
	for _, t := range d.ListTypes {
		if t.Parent != "" {
			continue
		}
		g := ListTypeGroup{Top: ListTypeOption{Code: t.Code, Name: t.Name, Description: t.Description, Checked: slices.Contains(m.ListTypes, t.Code)}}
		for _, sub := range d.ListTypes {
			if sub.Parent == t.Code {
				g.Subs = append(g.Subs, ListTypeOption{Code: sub.Code, Name: sub.Name, Description: sub.Description, Checked: slices.Contains(m.ListTypes, sub.Code)})
			}
		}
		p.ListTypes = append(p.ListTypes, g)
	}
	for _, k := range access.DepartmentKinds {
		p.Kinds = append(p.Kinds, FormOption{Value: k.Code, Label: k.Name, Selected: slices.Contains(m.DepartmentKinds, k.Code)})
	}
	for _, sc := range d.Scenarios {
		p.Scenarios = append(p.Scenarios, FormOption{Value: sc.Code, Label: sc.Name, Selected: slices.Contains(m.Scenarios, sc.Code)})
	}
	return p
}

// requireEditMeasures answers EFORBIDDEN, in storage's words, unless the
// actor may change the catalog.
func requireEditMeasures(r *http.Request) error {
	if !canEditMeasures(r) {
		return credit.Errorf(credit.EFORBIDDEN, "只有省级管理员可以维护措施清单")
	}
	return nil
}

func (s *Server) handleMeasureNew(w http.ResponseWriter, r *http.Request) error {
	if err := requireEditMeasures(r); err != nil {
		return err
	}
	d, err := s.listData(r)
	if err != nil {
		return err
	}
	p := measurePage(r, d, lists.Measure{Class: 1, Effect: lists.Restrict}, true)
	return s.render(w, r, http.StatusOK, "measure", p)
}

func (s *Server) handleMeasureEdit(w http.ResponseWriter, r *http.Request) error {
	if err := requireEditMeasures(r); err != nil {
		return err
	}
	d, err := s.listData(r)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(d.Measures, func(m lists.Measure) bool { return m.Code == r.PathValue("code") })
	if i < 0 {
		return credit.Errorf(credit.ENOTFOUND, "措施“%s”不存在", credit.Clip(r.PathValue("code"), 60))
	}
	p := measurePage(r, d, d.Measures[i], false)
	p.Version = lists.MeasureVersion(d.Measures[i])
	return s.render(w, r, http.StatusOK, "measure", p)
}

// handleMeasureSave saves the measure of the form, new (POST
// /console/measures/new) or edited, and goes back to the catalog; a
// measure storage refuses comes back with the messages next to the inputs.
func (s *Server) handleMeasureSave(w http.ResponseWriter, r *http.Request) error {
	form, err := postForm(w, r)
	if err != nil {
		return err
	}
	if err := requireEditMeasures(r); err != nil {
		return err
	}
	ls, err := s.listService()
	if err != nil {
		return err
	}
	d, err := ls.ListData(r.Context())
	if err != nil {
		return err
	}
	isNew := r.PathValue("code") == "" // POST /console/measures/new
	m := measureFromForm(form)
	if !isNew {
		m.Code = r.PathValue("code") // the code names the measure; it is not edited
		if !slices.ContainsFunc(d.Measures, func(x lists.Measure) bool { return x.Code == m.Code }) {
			return credit.Errorf(credit.ENOTFOUND, "措施“%s”不存在", credit.Clip(m.Code, 60))
		}
	}
	p := measurePage(r, d, m, isNew)
	p.Version = form.Get("version")
	serr := ls.SaveMeasure(r.Context(), &m, lists.MeasureSave{Create: isNew, Base: p.Version})
	if serr != nil {
		switch credit.ErrorCode(serr) {
		case credit.EINVALID:
		case credit.ECONFLICT: // changed meanwhile: the form keeps what was typed
			p.Error, p.Conflict = credit.ErrorMessage(serr), true
			return s.render(w, r, http.StatusConflict, "measure", p)
		default:
			return serr
		}
		p.Error = credit.ErrorMessage(serr)
		var ce *credit.Error
		if errors.As(serr, &ce) {
			for _, pr := range ce.Details {
				msg := pr.Message
				if m, ok := measureFormMessages[pr.Code]; ok {
					if p.Error == msg {
						p.Error = m
					}
					msg = m
				}
				p.errs[pr.Field] = append(p.errs[pr.Field], msg)
				p.Problems = append(p.Problems, FormProblem{Field: pr.Field, FieldName: measureFields[pr.Field], Message: msg})
			}
		}
		return s.render(w, r, http.StatusBadRequest, "measure", p)
	}
	redirect(w, r, "/console/measures?saved="+url.QueryEscape(m.Code)+"#m-"+url.QueryEscape(m.Code), http.StatusSeeOther)
	return nil
}

// measureFromForm reads a measure from the form's inputs.
func measureFromForm(form url.Values) lists.Measure {
	values := func(name string) []string {
		var out []string
		for _, v := range form[name] {
			if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		return out
	}
	class, _ := strconv.Atoi(form.Get("class"))
	return lists.Measure{
		Code:            lists.NormalizeMeasureCode(form.Get("code")), // as storage saves it
		Name:            strings.TrimSpace(form.Get("name")),
		Class:           class,
		Effect:          lists.Effect(form.Get("effect")),
		Mandatory:       form.Get("mandatory") == "1",
		ListTypes:       values("list_types"),
		DepartmentKinds: values("department_kinds"),
		Scenarios:       values("scenarios"),
		Basis:           strings.TrimSpace(form.Get("basis")),
		Clause:          strings.TrimSpace(form.Get("clause")),
	}
}
