// Package lists holds the credit lists (严重失信主体名单 and its national
// sub-lists, 重点关注名单, 守信激励对象, 经营异常名录), the measures catalog
// (失信惩戒措施清单 and 守信激励措施), and 信用核查: a department checks
// subjects before a decision, gets a verdict and the measures it must or may
// apply, and later reports which it applied (执行反馈).
//
// List entries are records of the catalog class list_entry: they arrive
// through the same validated, versioned, ledgered ingestion path as every
// other record, and a removal is a new version of the entry. This package
// reads them (EntryFromRecord) and holds the pure rules: validity limits,
// activity on a date, linkage of responsible persons, the measures that
// apply, and the verdict.
//
// 发起—响应—反馈 (push.go): a new version of an entry is pushed to the
// departments that subscribed to its list type, as inbox notifications and
// signed webhook deliveries retried on RetrySchedule; departments that
// verified the subject in the last AlertDays days are alerted. The
// verification report (report.go) is built here and rendered by the API.
package lists

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

// ClassCode is the catalog class whose records are list entries.
const ClassCode = "list_entry"

// Kind is the family of a list type.
type Kind string

// Kinds.
const (
	Black    Kind = "black"    // 严重失信主体名单 and its sub-lists
	Watch    Kind = "watch"    // 重点关注名单
	Red      Kind = "red"      // 守信激励对象
	Abnormal Kind = "abnormal" // 经营异常名录
)

// Label returns the Chinese name of k.
func (k Kind) Label() string {
	switch k {
	case Black:
		return "严重失信主体名单"
	case Watch:
		return "重点关注名单"
	case Red:
		return "守信激励对象"
	case Abnormal:
		return "经营异常名录"
	}
	return string(k)
}

// ListType is one kind of list, as catalog data.
type ListType struct {
	Code string `json:"code"`
	Name string `json:"name"` // the value of the list_type code table
	Kind Kind   `json:"kind"`
	// Parent is the list this one is a national sub-list of: measures of the
	// parent apply to it too.
	Parent string `json:"parent,omitempty"`
	// MaxMonths limits the validity of an entry counted from its start,
	// unless the entry names a special basis (有效期特别依据). 0 = no limit.
	MaxMonths   int    `json:"max_months"`
	Description string `json:"description,omitempty"`
}

// Scenario is a 应用场景: what a department is about to do when it verifies.
type Scenario struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Effect is what a measure does to a subject.
type Effect string

// Effects.
const (
	Restrict  Effect = "restrict"  // 限制: the decision is restricted
	Supervise Effect = "supervise" // 管理措施: closer supervision, no bar
	Reference Effect = "reference" // measures of organisations other than public bodies
	Reward    Effect = "reward"    // 守信激励
)

// Measure is one entry of the measures catalog (措施清单).
type Measure struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// Class is the class of the national basic list: 1 减损权益或增加义务,
	// 2 管理措施, 3 公共管理机构以外的组织实施.
	Class     int    `json:"class"`
	Effect    Effect `json:"effect"`
	Mandatory bool   `json:"mandatory"` // the implementing department must apply it
	// ListTypes are the list type codes it applies to (sub-lists inherit
	// their parent's measures).
	ListTypes []string `json:"list_types"`
	// DepartmentKinds are the kinds of departments that implement it; empty
	// means every department.
	DepartmentKinds []string `json:"department_kinds"`
	Scenarios       []string `json:"scenarios"`
	Basis           string   `json:"basis"`  // legal basis (法律依据)
	Clause          string   `json:"clause"` // the item of the national or provincial list
	// Version is MeasureVersion of the measure where it is sent out (the
	// API), and the version an edit started from where it comes back. It
	// is not part of the measure: never stored, not in its version.
	Version string `json:"version,omitempty"`
}

// MeasureVersion identifies the content of measure m (a hash of it). An
// editor sends back the version it started from (MeasureSave.Base), and a
// save over a measure someone changed meanwhile is refused instead of
// silently undoing that change.
func MeasureVersion(m Measure) string {
	m.Version = ""
	for _, s := range []*[]string{&m.ListTypes, &m.DepartmentKinds, &m.Scenarios} {
		if *s == nil { // as stored and read back: null and [] are one content
			*s = []string{}
		}
	}
	b, _ := json.Marshal(m)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// MeasureSave says on what condition SaveMeasure saves a measure.
type MeasureSave struct {
	// Create saves only a measure whose code is new.
	Create bool
	// Base, when not empty, saves only over this version (MeasureVersion)
	// of the measure.
	Base string
}

// ClassLabel returns the Chinese name of a measure class.
func ClassLabel(class int) string {
	switch class {
	case 1:
		return "减损信用主体权益或增加其义务的措施"
	case 2:
		return "公共管理机构根据履职需要实施的管理措施"
	case 3:
		return "公共管理机构以外的组织自主实施的措施"
	}
	return ""
}

// measureCode is the form of a measure's code: N1-01, JL-09, R-02.
var measureCode = regexp.MustCompile(`^[A-Z][A-Z0-9]*-[0-9]{2,3}$`)

// NormalizeMeasureCode writes a measure code as the catalog does: trimmed,
// half-width, upper case, without spaces (" jl 09" is JL09, which
// Validate then refuses for lacking its hyphen).
func NormalizeMeasureCode(code string) string {
	return strings.ReplaceAll(subject.Normalize(code), " ", "")
}

// Limits of a measure's texts, in characters.
const (
	MaxMeasureName = 100 // 措施名称
	MaxMeasureText = 500 // 法律依据, 清单条款
)

// EffectProblem is the message of a measure whose effect is missing or not
// one of the four: the codes the API takes, each with its meaning.
const EffectProblem = "措施效果应为restrict（限制）、supervise（管理措施）、reference（供其他组织参考实施）或reward（守信激励）"

// Validate checks a measure before it is saved: a measure without a legal
// basis and a list clause cannot be saved (DOMAIN.md §4.3, §11.8), nor one
// whose code is not of the catalog's form, nor one whose name is over
// MaxMeasureName or whose basis or clause is over MaxMeasureText
// characters.
func (m *Measure) Validate(d *Data) error {
	var ps []credit.Problem
	add := func(field, code, msg string) {
		ps = append(ps, credit.Problem{Field: field, Code: code, Message: msg})
	}
	if credit.Blank(m.Code) {
		add("code", "required", "措施代码不能为空")
	} else if !measureCode.MatchString(m.Code) {
		add("code", "bad_code", "措施代码“"+clip(m.Code)+"”格式不对：应为大写字母开头、连字符和两位编号，如 JL-03、N1-11")
	}
	if credit.Blank(m.Name) {
		add("name", "required", "措施名称不能为空")
	} else if n := utf8.RuneCountInString(m.Name); n > MaxMeasureName {
		add("name", "too_long", fmt.Sprintf("措施名称最多%d个字，实际%d个字", MaxMeasureName, n))
	}
	if m.Class < 1 || m.Class > 3 {
		add("class", "bad_class", "措施类别应为1（减损权益或增加义务）、2（管理措施）或3（其他组织实施）")
	}
	if !slices.Contains([]Effect{Restrict, Supervise, Reference, Reward}, m.Effect) {
		add("effect", "bad_effect", EffectProblem)
	}
	name := clip(m.Name)
	if credit.Blank(m.Basis) {
		add("basis", "no_basis", "措施“"+name+"”缺少法律依据，不能保存：每项惩戒或激励措施须有法律、法规或政策文件依据")
	} else if n := utf8.RuneCountInString(m.Basis); n > MaxMeasureText {
		add("basis", "too_long", fmt.Sprintf("法律依据最多%d个字，实际%d个字", MaxMeasureText, n))
	}
	if credit.Blank(m.Clause) {
		add("clause", "no_clause", "措施“"+name+"”缺少清单条款，不能保存：须注明全国基础清单或省级补充清单的条目")
	} else if n := utf8.RuneCountInString(m.Clause); n > MaxMeasureText {
		add("clause", "too_long", fmt.Sprintf("清单条款最多%d个字，实际%d个字", MaxMeasureText, n))
	}
	if len(m.ListTypes) == 0 {
		add("list_types", "required", "措施须至少适用于一种名单")
	}
	if len(m.Scenarios) == 0 {
		add("scenarios", "required", "措施须至少适用于一个应用场景")
	}
	for _, k := range m.DepartmentKinds {
		if _, ok := access.DepartmentKindName(k); !ok {
			add("department_kinds", "bad_kind", "部门类别“"+clip(k)+"”不存在")
		}
	}
	if d != nil {
		for _, t := range m.ListTypes {
			lt, ok := d.ListType(t)
			switch {
			case !ok:
				add("list_types", "bad_list_type", "名单类型“"+clip(t)+"”不存在")
			case m.Effect == Reward && lt.Kind != Red:
				// 守信激励 goes to the trustworthy only, and a restriction
				// never to them: a measure saved against its list's kind
				// turned a red-listed subject 受限.
				add("list_types", "effect_kind", "激励措施只能适用于守信激励名单，“"+lt.Name+"”不是")
			case m.Effect != Reward && lt.Kind == Red:
				add("list_types", "effect_kind", "惩戒或管理措施不能适用于守信激励名单“"+lt.Name+"”")
			}
		}
		for _, s := range m.Scenarios {
			if _, ok := d.Scenario(s); !ok {
				add("scenarios", "bad_scenario", "应用场景“"+clip(s)+"”不存在")
			}
		}
	}
	if len(ps) > 0 {
		return credit.Invalid(ps[0].Message, ps...)
	}
	return nil
}

// Data is the list catalog: list types, scenarios and the default measures.
type Data struct {
	Version   string     `json:"version"`
	Note      string     `json:"note,omitempty"`
	ListTypes []ListType `json:"list_types"`
	Scenarios []Scenario `json:"scenarios"`
	Measures  []Measure  `json:"measures"`
}

//go:embed data/lists.json
var defaultJSON []byte

var defaultData = sync.OnceValues(func() (*Data, error) { return Parse(defaultJSON) })

// Default returns the list catalog shipped with the platform. Treat it as
// read-only.
func Default() (*Data, error) { return defaultData() }

// Parse decodes and validates list catalog data.
func Parse(b []byte) (*Data, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var d Data
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("lists.Parse: %w", err)
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return &d, nil
}

// Validate checks the data's consistency: unique codes and names, known
// kinds and parents, and valid measures.
func (d *Data) Validate() error {
	codes, names := map[string]bool{}, map[string]bool{}
	for _, t := range d.ListTypes {
		if t.Code == "" || t.Name == "" || codes[t.Code] || names[t.Name] {
			return fmt.Errorf("lists: list type %q/%q is empty or duplicate", t.Code, t.Name)
		}
		if !slices.Contains([]Kind{Black, Watch, Red, Abnormal}, t.Kind) {
			return fmt.Errorf("lists: list type %s: unknown kind %q", t.Code, t.Kind)
		}
		codes[t.Code], names[t.Name] = true, true
	}
	for _, t := range d.ListTypes {
		if t.Parent != "" {
			p, ok := d.ListType(t.Parent)
			if !ok || p.Kind != t.Kind || p.Parent != "" {
				return fmt.Errorf("lists: list type %s: bad parent %q", t.Code, t.Parent)
			}
		}
	}
	seen := map[string]bool{}
	for _, s := range d.Scenarios {
		if s.Code == "" || seen[s.Code] {
			return fmt.Errorf("lists: scenario %q is empty or duplicate", s.Code)
		}
		seen[s.Code] = true
	}
	seen = map[string]bool{}
	for i := range d.Measures {
		m := &d.Measures[i]
		if seen[m.Code] {
			return fmt.Errorf("lists: duplicate measure %s", m.Code)
		}
		seen[m.Code] = true
		if err := m.Validate(d); err != nil {
			return fmt.Errorf("lists: measure %s: %s", m.Code, credit.ErrorMessage(err))
		}
	}
	return nil
}

// ListType returns the list type with the given code.
func (d *Data) ListType(code string) (*ListType, bool) {
	for i := range d.ListTypes {
		if d.ListTypes[i].Code == code {
			return &d.ListTypes[i], true
		}
	}
	return nil, false
}

// ListTypeByName returns the list type whose name (the list_type code
// table value) is name.
func (d *Data) ListTypeByName(name string) (*ListType, bool) {
	for i := range d.ListTypes {
		if d.ListTypes[i].Name == name {
			return &d.ListTypes[i], true
		}
	}
	return nil, false
}

// Scenario returns the scenario with the given code.
func (d *Data) Scenario(code string) (*Scenario, bool) {
	for i := range d.Scenarios {
		if d.Scenarios[i].Code == code {
			return &d.Scenarios[i], true
		}
	}
	return nil, false
}

// WithMeasures returns a copy of d whose measures are the defaults replaced
// or extended by the given ones (matched by code), in code order.
func (d *Data) WithMeasures(over []Measure) *Data {
	c := *d
	byCode := map[string]Measure{}
	for _, m := range d.Measures {
		byCode[m.Code] = m
	}
	for _, m := range over {
		byCode[m.Code] = m
	}
	c.Measures = make([]Measure, 0, len(byCode))
	for _, m := range byCode {
		c.Measures = append(c.Measures, m)
	}
	slices.SortFunc(c.Measures, func(a, b Measure) int { return strings.Compare(a.Code, b.Code) })
	return &c
}
