// Package catalog is the versioned catalog of public credit information
// classes (公共信用信息目录): for each class its fields with codes, Chinese
// names, aliases, types and code tables, its disclosure, its business key,
// the validation rules that are data rather than code, and its publicity
// policy. The default catalog ships embedded as data/catalog.json; adding a
// class, a field alias or a rule is an edit of that file, not of code.
package catalog

import (
	"context"
)

// Disclosure says who may see a class's records (公开属性).
type Disclosure string

// Disclosures.
const (
	Public     Disclosure = "public"     // 主动公开
	OnRequest  Disclosure = "on_request" // 依申请公开
	Authorized Disclosure = "authorized" // 授权查询
	Shared     Disclosure = "shared"     // 政务共享
)

// FieldType is the type of a field's value.
type FieldType string

// Field types.
const (
	String  FieldType = "string"  // short text, MaxLen applies
	Text    FieldType = "text"    // long text
	Date    FieldType = "date"    // a calendar date, stored yyyy-MM-dd
	Decimal FieldType = "decimal" // a non-negative decimal, Scale digits after the point
	Code    FieldType = "code"    // a value from CodeTable; Multi allows several
	USCC    FieldType = "uscc"    // a unified social credit code (check characters verified)
	IDNo    FieldType = "id_no"   // an identity document number (checked by rules)
)

// Requirement says whether a field must be present.
type Requirement string

// Requirements. Conditional fields are required by a Rule.
const (
	Required    Requirement = "required"
	Conditional Requirement = "conditional"
	Optional    Requirement = "optional"
)

// Field is one information item of a class.
type Field struct {
	Code      string      `json:"code"`    // national field code, e.g. CF_WSH
	Name      string      `json:"name"`    // Chinese name, e.g. 行政处罚决定书文号
	Aliases   []string    `json:"aliases"` // other headers departments use
	Type      FieldType   `json:"type"`
	Req       Requirement `json:"required"`
	MaxLen    int         `json:"max_len,omitempty"` // in characters (runes)
	Scale     int         `json:"scale,omitempty"`   // decimals: digits after the point
	CodeTable string      `json:"code_table,omitempty"`
	Multi     bool        `json:"multi,omitempty"` // several code values separated by ; ； , ， 、
	Note      string      `json:"note,omitempty"`  // explanation for the import template
	Public    *bool       `json:"public,omitempty"`
}

// IsPublic reports whether the field may be shown to the public when the
// record itself is public (identity numbers of persons are never public).
func (f Field) IsPublic() bool { return f.Public == nil || *f.Public }

// Rule is a validation rule expressed as data. Kind selects the rule; the
// other members are its parameters. Kinds:
//
//	required_if       Field is required when If holds
//	uscc_if           Field must be a valid USCC when If holds
//	id_if             Field must be a valid citizen ID when If holds
//	prefix_if         Field (a USCC) must start with one of Prefixes when If holds
//	not_prefix_if     Field (a USCC) must not start with any of Prefixes when If holds
//	not_future        date Field is not after today
//	date_order        date Field is on or after date Other
//	source_department Field (a USCC) equals the submitting department's code
//	one_of_present    at least one of Fields is present
//	positive_if       decimal Field, when present, is greater than 0 when If holds
//
// If is a condition on another field: the field Field equals one of Equals,
// contains one of Contains (for multi-valued codes), or is Present. Values in
// Equals and Contains are canonical code-table values. A rule whose If is nil
// always applies; rules other than required_if and one_of_present check only
// fields that are present and otherwise valid, so one bad value yields one
// problem rather than a cascade. Message, when set, replaces the generated
// explanation of a violation.
type Rule struct {
	Kind     string     `json:"kind"`
	Field    string     `json:"field,omitempty"`
	Other    string     `json:"other,omitempty"`
	Fields   []string   `json:"fields,omitempty"`
	Prefixes []string   `json:"prefixes,omitempty"`
	If       *Condition `json:"if,omitempty"`
	Message  string     `json:"message,omitempty"` // optional zh-CN explanation of the rule
}

// Condition is the "if" part of a Rule.
type Condition struct {
	Field    string   `json:"field"`
	Equals   []string `json:"equals,omitempty"`
	Contains []string `json:"contains,omitempty"`
	Present  bool     `json:"present,omitempty"`
	// And, when set, must hold too (e.g. an organisation, and on the black
	// list).
	And *Condition `json:"and,omitempty"`
}

// Roles names the fields that play a part in the platform for a class: who
// the subject is, when the decision was made, who decided and who sent it.
// Empty members mean the class has no such field.
type Roles struct {
	SubjectName   string `json:"subject_name"`
	SubjectType   string `json:"subject_type,omitempty"` // 行政相对人类别
	USCC          string `json:"uscc,omitempty"`
	IDType        string `json:"id_type,omitempty"`
	IDNumber      string `json:"id_number,omitempty"`
	LegalRep      string `json:"legal_rep,omitempty"`
	DecisionDate  string `json:"decision_date,omitempty"`
	Authority     string `json:"authority,omitempty"`      // name of the deciding body
	AuthorityCode string `json:"authority_code,omitempty"` // its USCC
	SourceCode    string `json:"source_code,omitempty"`    // USCC of the submitting department
	PublicityEnd  string `json:"publicity_end,omitempty"`  // explicit 公示截止期
	Severity      string `json:"severity,omitempty"`       // explicit 失信严重程度
	Categories    string `json:"categories,omitempty"`     // 处罚类别 (multi)
	Fine          string `json:"fine,omitempty"`           // 罚款金额（万元）
	Title         string `json:"title,omitempty"`          // what to show as the record's title (文书号)
	Status        string `json:"status,omitempty"`         // 当前状态 (licences: 有效/无效)
	ValidFrom     string `json:"valid_from,omitempty"`     // 有效期起: publicity starts no earlier (list entries)
	ValidTo       string `json:"valid_to,omitempty"`       // 有效期止: a hard end of publicity (list entries)
	RemovedOn     string `json:"removed_on,omitempty"`     // 移出日期: publicity ends on removal (list entries)
}

// Severity is the class of a dishonest record for publicity and repair.
type Severity string

// Severities (DOMAIN.md §3.1). None is for records that are not adverse
// (licences, registrations).
const (
	None    Severity = ""
	Minor   Severity = "minor"   // 轻微
	General Severity = "general" // 一般
	Serious Severity = "serious" // 严重
)

// Label returns the Chinese name of s.
func (s Severity) Label() string {
	switch s {
	case Minor:
		return "轻微"
	case General:
		return "一般"
	case Serious:
		return "严重"
	}
	return ""
}

// Publicity is a class's publicity policy: whether its records are published
// and for how long, depending on severity. Months count from the decision date.
type Publicity struct {
	Adverse bool `json:"adverse"` // 失信信息: severity applies
	// Periods per severity, in months. A class that is not adverse uses
	// Default (0 = published while valid, with no end).
	Periods map[Severity]Period `json:"periods,omitempty"`
	Default Period              `json:"default"`
	// SeverityRules decide a penalty's severity from its categories and fine
	// when no explicit severity is given; the first matching rule wins;
	// Sector, when set, limits a rule to records whose authority code's
	// registering sector or whose department kind matches.
	SeverityRules []SeverityRule `json:"severity_rules,omitempty"`
	// Values of the explicit severity field mapped to severities.
	SeverityValues map[string]Severity `json:"severity_values,omitempty"`
}

// Period is a publicity window length in months: the record may leave
// publicity (by repair) after Min and leaves it automatically after Max.
// Max = 0 means no automatic end.
type Period struct {
	Min int `json:"min_months"`
	Max int `json:"max_months"`
}

// SeverityRule classifies a penalty. It matches when the categories include
// any of AnyOf, or when all categories are within OnlyOf (and there is at
// least one), or when the fine is at least FineAtLeast (万元; 0 = ignored).
type SeverityRule struct {
	Sector      string   `json:"sector,omitempty"`
	AnyOf       []string `json:"any_of,omitempty"`
	OnlyOf      []string `json:"only_of,omitempty"`
	FineAtLeast float64  `json:"fine_at_least,omitempty"`
	Severity    Severity `json:"severity"`
}

// Class is one information class of the catalog.
type Class struct {
	Code         string     `json:"code"`     // registration, license, penalty, ...
	Name         string     `json:"name"`     // 行政处罚
	Category     int        `json:"category"` // top-level class number in the national catalog (1..13)
	CategoryName string     `json:"category_name"`
	Description  string     `json:"description,omitempty"`
	Disclosure   Disclosure `json:"disclosure"`
	// DisclosureBy overrides Disclosure for records whose field has one of
	// the listed values (重点关注名单 entries are only shared between
	// departments while the class is public).
	DisclosureBy  *DisclosureRule `json:"disclosure_by,omitempty"`
	DualPublicity bool            `json:"dual_publicity"` // part of 双公示
	Ingestible    bool            `json:"ingestible"`     // has a field set and can be imported
	// Registers marks a class of registration records (登记注册基本信息):
	// a subject with a current, unwithdrawn record of such a class is
	// verified by its registration authority (主体核验); every other
	// subject was created from what some department's row said of it.
	Registers bool `json:"registers,omitempty"`
	// RegisteredBy limits the records of a registering class that verify
	// their subject to those a registration authority sent: by the
	// subject's 登记管理部门码 (position 1 of its USCC, DOMAIN.md §1.1), the
	// department kinds (access.DepartmentKinds) that register it — 9 市场监督管理,
	// 5 民政, 1 机构编制. A subject whose code names another authority is
	// not verified by any department of the platform. Empty: a record from
	// any department verifies.
	RegisteredBy map[string][]string `json:"registered_by,omitempty"`
	// AuthorityPrefixes, when set, are the code prefixes of the bodies that
	// may decide a new record of the class (Roles.AuthorityCode): the
	// 认定部门 of a list entry is a 机关 or 事业单位 (1…), never a company.
	// Checked for a department's new records only, so that entries
	// accepted before the rule can still be corrected and removed.
	AuthorityPrefixes []string  `json:"authority_prefixes,omitempty"`
	BusinessKey       []string  `json:"business_key"`
	Fields            []Field   `json:"fields"`
	Rules             []Rule    `json:"rules,omitempty"`
	Roles             Roles     `json:"roles"`
	Publicity         Publicity `json:"publicity"`
	// TimelinessDays is the number of working days after the decision date
	// within which the record must reach the platform (0 = no rule).
	TimelinessDays int `json:"timeliness_days,omitempty"`

	byCode   map[string]*Field // built by Catalog.Validate
	byHeader map[string]*Field // NormalizeHeader(code, name, alias) -> field
}

// CodeTable is a named list of allowed values.
type CodeTable struct {
	Code   string   `json:"code"`
	Name   string   `json:"name"`
	Values []string `json:"values"`
	// Aliases map other spellings (e.g. "法人", "01") to a value.
	Aliases map[string]string `json:"aliases,omitempty"`

	index map[string]string // codeKey(value or alias) -> value; built by Catalog.Validate
}

// Catalog is one version of the whole catalog.
type Catalog struct {
	Version    string      `json:"version"`
	Classes    []*Class    `json:"classes"`
	CodeTables []CodeTable `json:"code_tables"`

	classIndex map[string]*Class     // built by Validate
	tableIndex map[string]*CodeTable // built by Validate
}

// Service reads the catalog in force.
type Service interface {
	// Catalog returns the catalog version in force.
	Catalog(ctx context.Context) (*Catalog, error)
	// FindClass returns ENOTFOUND for an unknown class code.
	FindClass(ctx context.Context, code string) (*Class, error)
}

// DisclosureRule gives some values of a field their own disclosure.
type DisclosureRule struct {
	Field  string                `json:"field"`
	Values map[string]Disclosure `json:"values"`
}

// DisclosureOf returns the disclosure of a record of c with fields.
func (c *Class) DisclosureOf(fields map[string]string) Disclosure {
	if c.DisclosureBy != nil {
		if d, ok := c.DisclosureBy.Values[fields[c.DisclosureBy.Field]]; ok {
			return d
		}
	}
	return c.Disclosure
}
