package catalog

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

//go:embed data/catalog.json
var defaultJSON []byte

var defaultCatalog = sync.OnceValues(func() (*Catalog, error) {
	c, err := Parse(defaultJSON)
	if err != nil {
		return nil, fmt.Errorf("catalog.Default: %w", err)
	}
	return c, nil
})

// Default returns the catalog shipped with the platform (data/catalog.json),
// parsed and validated once. Every caller gets the same *Catalog: treat it as
// read-only.
func Default() (*Catalog, error) { return defaultCatalog() }

// Parse decodes a catalog from JSON, rejecting unknown members, and
// validates it (which also builds its lookup indexes).
func Parse(data []byte) (*Catalog, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Catalog
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("catalog.Parse: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Known rule kinds (see Rule).
const (
	RuleRequiredIf       = "required_if"
	RuleUSCCIf           = "uscc_if"
	RuleIDIf             = "id_if"
	RulePrefixIf         = "prefix_if"
	RuleNotPrefixIf      = "not_prefix_if"
	RuleNotFuture        = "not_future"
	RuleDateOrder        = "date_order"
	RuleSourceDepartment = "source_department"
	RuleOneOfPresent     = "one_of_present"
	RulePositiveIf       = "positive_if"
)

// MultiSeparators are the characters that separate several values of a
// multi-valued code field.
const MultiSeparators = ";；,，、"

// Validate checks the catalog's internal consistency: unique class codes,
// unique field codes per class, every field code, name and alias unique
// within its class after NormalizeHeader, code tables that exist and are
// consistent, business-key, role and rule references to existing fields,
// known rule kinds, and a complete publicity policy for adverse classes. It
// returns all problems joined into one error.
//
// On success Validate also builds the lookup indexes used by Class,
// CodeTable, Field, FieldByHeader and Canonical. It writes to c, so call it
// before the catalog is shared between goroutines (Parse and Default do).
func (c *Catalog) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if c.Version == "" {
		bad("catalog: version is empty")
	}
	tables := make(map[string]*CodeTable, len(c.CodeTables))
	for i := range c.CodeTables {
		t := &c.CodeTables[i]
		if t.Code == "" {
			bad("code table %d: code is empty", i)
			continue
		}
		if _, dup := tables[t.Code]; dup {
			bad("code table %s: duplicate code", t.Code)
			continue
		}
		tables[t.Code] = t
		if len(t.Values) == 0 {
			bad("code table %s: no values", t.Code)
		}
		seen := map[string]string{}
		for _, v := range t.Values {
			k := codeKey(v)
			if k == "" {
				bad("code table %s: empty value", t.Code)
				continue
			}
			if prev, dup := seen[k]; dup {
				bad("code table %s: value %q collides with %q", t.Code, v, prev)
			}
			seen[k] = v
		}
		for a, v := range t.Aliases {
			if !slices.Contains(t.Values, v) {
				bad("code table %s: alias %q maps to unknown value %q", t.Code, a, v)
			}
			k := codeKey(a)
			if prev, dup := seen[k]; dup && prev != v {
				bad("code table %s: alias %q collides with %q", t.Code, a, prev)
			}
			seen[k] = v
		}
	}

	classes := make(map[string]*Class, len(c.Classes))
	for i, cl := range c.Classes {
		if cl == nil || cl.Code == "" {
			bad("class %d: code is empty", i)
			continue
		}
		if _, dup := classes[cl.Code]; dup {
			bad("class %s: duplicate code", cl.Code)
			continue
		}
		classes[cl.Code] = cl
		errs = append(errs, cl.validate(tables)...)
	}
	if len(errs) > 0 {
		return fmt.Errorf("catalog %s is invalid: %w", c.Version, errors.Join(errs...))
	}

	// Build the indexes.
	for _, t := range tables {
		t.index = make(map[string]string, len(t.Values)+len(t.Aliases))
		for a, v := range t.Aliases {
			t.index[codeKey(a)] = v
		}
		for _, v := range t.Values {
			t.index[codeKey(v)] = v
		}
	}
	c.classIndex, c.tableIndex = classes, tables
	for _, cl := range c.Classes {
		cl.buildIndex()
	}
	return nil
}

var knownDisclosures = []Disclosure{Public, OnRequest, Authorized, Shared}
var knownTypes = []FieldType{String, Text, Date, Decimal, Code, USCC, IDNo}
var knownReqs = []Requirement{Required, Conditional, Optional}

func (cl *Class) validate(tables map[string]*CodeTable) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("class %s: "+format, append([]any{cl.Code}, args...)...))
	}
	if cl.Name == "" {
		bad("name is empty")
	}
	if cl.Category < 1 || cl.Category > 13 {
		bad("category %d is outside 1..13", cl.Category)
	}
	if !slices.Contains(knownDisclosures, cl.Disclosure) {
		bad("unknown disclosure %q", cl.Disclosure)
	}
	if cl.TimelinessDays < 0 {
		bad("negative timeliness_days")
	}
	if cl.Ingestible && (len(cl.Fields) == 0 || len(cl.BusinessKey) == 0) {
		bad("ingestible class needs fields and a business key")
	}
	if cl.Registers && (!cl.Ingestible || cl.Roles.USCC == "") {
		bad("registers needs an ingestible class with a uscc role")
	}
	if len(cl.AuthorityPrefixes) > 0 && cl.Roles.AuthorityCode == "" {
		bad("authority_prefixes needs an authority_code role")
	}
	if len(cl.RegisteredBy) > 0 && !cl.Registers {
		bad("registered_by needs registers")
	}
	for code, kinds := range cl.RegisteredBy {
		if len(code) != 1 || !strings.Contains("123456789AGJNQY", code) {
			bad("registered_by: %q is not a registration authority code (登记管理部门码)", code)
		}
		if len(kinds) == 0 {
			bad("registered_by %s: no department kind", code)
		}
		for _, k := range kinds {
			if k == "" || strings.ContainsAny(k, "' \"") {
				bad("registered_by %s: bad department kind %q", code, k)
			}
		}
	}

	fields := map[string]*Field{}
	headers := map[string]string{} // normalised header -> field code
	for i := range cl.Fields {
		f := &cl.Fields[i]
		if f.Code == "" || f.Name == "" {
			bad("field %d: code and name are required", i)
			continue
		}
		if _, dup := fields[f.Code]; dup {
			bad("duplicate field code %s", f.Code)
			continue
		}
		fields[f.Code] = f
		for _, h := range append([]string{f.Code, f.Name}, f.Aliases...) {
			k := NormalizeHeader(h)
			if k == "" {
				bad("field %s: empty alias", f.Code)
				continue
			}
			if prev, dup := headers[k]; dup && prev != f.Code {
				bad("header %q of field %s is also a header of field %s", h, f.Code, prev)
				continue
			}
			headers[k] = f.Code
		}
		if !slices.Contains(knownTypes, f.Type) {
			bad("field %s: unknown type %q", f.Code, f.Type)
		}
		if !slices.Contains(knownReqs, f.Req) {
			bad("field %s: unknown requirement %q", f.Code, f.Req)
		}
		if f.MaxLen < 0 || f.Scale < 0 {
			bad("field %s: negative max_len or scale", f.Code)
		}
		switch {
		case f.Type == Code && f.CodeTable == "":
			bad("field %s: code field without code_table", f.Code)
		case f.Type != Code && (f.CodeTable != "" || f.Multi):
			bad("field %s: code_table or multi on a %s field", f.Code, f.Type)
		case f.Type == Code:
			t, ok := tables[f.CodeTable]
			if !ok {
				bad("field %s: unknown code table %q", f.Code, f.CodeTable)
				break
			}
			if f.Multi {
				for _, v := range t.Values {
					if strings.ContainsAny(v, MultiSeparators) {
						bad("field %s: value %q of multi-valued table %s contains a separator", f.Code, v, t.Code)
					}
				}
				for a := range t.Aliases {
					if strings.ContainsAny(foldWidth(a), MultiSeparators) {
						bad("field %s: alias %q of multi-valued table %s contains a separator", f.Code, a, t.Code)
					}
				}
			}
		}
	}

	fieldOf := func(what, code string, types ...FieldType) *Field {
		f, ok := fields[code]
		if !ok {
			bad("%s refers to unknown field %q", what, code)
			return nil
		}
		if len(types) > 0 && !slices.Contains(types, f.Type) {
			bad("%s: field %s has type %s, want %v", what, code, f.Type, types)
		}
		return f
	}

	for _, k := range cl.BusinessKey {
		if f := fieldOf("business key", k); f != nil && f.Req != Required {
			bad("business key field %s must be required", k)
		}
	}

	r := cl.Roles
	if cl.Ingestible || r.SubjectName != "" {
		fieldOf("role subject_name", r.SubjectName)
	}
	for _, role := range []struct {
		name, code string
		types      []FieldType
	}{
		{"subject_type", r.SubjectType, []FieldType{Code}},
		{"uscc", r.USCC, []FieldType{USCC}},
		{"id_type", r.IDType, []FieldType{Code}},
		{"id_number", r.IDNumber, []FieldType{IDNo}},
		{"legal_rep", r.LegalRep, nil},
		{"decision_date", r.DecisionDate, []FieldType{Date}},
		{"authority", r.Authority, nil},
		{"authority_code", r.AuthorityCode, []FieldType{USCC}},
		{"source_code", r.SourceCode, []FieldType{USCC}},
		{"publicity_end", r.PublicityEnd, []FieldType{Date}},
		{"severity", r.Severity, []FieldType{Code}},
		{"categories", r.Categories, []FieldType{Code}},
		{"fine", r.Fine, []FieldType{Decimal}},
		{"title", r.Title, nil},
	} {
		if role.code != "" {
			fieldOf("role "+role.name, role.code, role.types...)
		}
	}
	if r.SubjectType != "" {
		if f := fields[r.SubjectType]; f != nil && f.CodeTable != "subject_category" {
			bad("role subject_type: field %s must use code table subject_category", f.Code)
		}
	}

	for i, rule := range cl.Rules {
		what := fmt.Sprintf("rule %d (%s)", i, rule.Kind)
		switch rule.Kind {
		case RuleRequiredIf:
			fieldOf(what, rule.Field)
		case RuleUSCCIf:
			fieldOf(what, rule.Field, String, USCC)
		case RulePrefixIf, RuleNotPrefixIf, RuleSourceDepartment:
			fieldOf(what, rule.Field, USCC)
			if (rule.Kind == RulePrefixIf || rule.Kind == RuleNotPrefixIf) && len(rule.Prefixes) == 0 {
				bad("%s: no prefixes", what)
			}
		case RuleIDIf:
			fieldOf(what, rule.Field, IDNo, String)
		case RuleNotFuture:
			fieldOf(what, rule.Field, Date)
		case RulePositiveIf:
			fieldOf(what, rule.Field, Decimal)
		case RuleDateOrder:
			fieldOf(what, rule.Field, Date)
			fieldOf(what, rule.Other, Date)
		case RuleOneOfPresent:
			if len(rule.Fields) < 2 {
				bad("%s: needs at least two fields", what)
			}
			for _, code := range rule.Fields {
				fieldOf(what, code)
			}
		default:
			bad("%s: unknown rule kind", what)
			continue
		}
		for c := rule.If; c != nil; c = c.And {
			f := fieldOf(what+" condition", c.Field)
			n := 0
			if len(c.Equals) > 0 {
				n++
			}
			if len(c.Contains) > 0 {
				n++
			}
			if c.Present {
				n++
			}
			if n != 1 {
				bad("%s: condition needs exactly one of equals, contains, present", what)
			}
			if f != nil && f.Type == Code {
				t := tables[f.CodeTable]
				for _, v := range append(slices.Clone(c.Equals), c.Contains...) {
					if t != nil && !slices.Contains(t.Values, v) {
						bad("%s: condition value %q is not a value of code table %s", what, v, t.Code)
					}
				}
				if len(c.Contains) > 0 && !f.Multi {
					bad("%s: contains on single-valued field %s", what, f.Code)
				}
			}
		}
	}

	p := cl.Publicity
	if p.Default.Min < 0 || p.Default.Max < 0 || (p.Default.Max > 0 && p.Default.Min > p.Default.Max) {
		bad("publicity default period %+v is invalid", p.Default)
	}
	if p.Adverse {
		for _, s := range []Severity{Minor, General, Serious} {
			per, ok := p.Periods[s]
			if !ok {
				bad("adverse class has no publicity period for %s", s)
				continue
			}
			if per.Min < 0 || per.Max <= 0 || per.Min > per.Max {
				bad("publicity period for %s %+v is invalid", s, per)
			}
		}
		var catTable *CodeTable
		if f := fields[r.Categories]; f != nil {
			catTable = tables[f.CodeTable]
		}
		for i, sr := range p.SeverityRules {
			if !slices.Contains([]Severity{Minor, General, Serious}, sr.Severity) {
				bad("severity rule %d: unknown severity %q", i, sr.Severity)
			}
			if sr.FineAtLeast < 0 {
				bad("severity rule %d: negative fine_at_least", i)
			}
			for _, v := range append(slices.Clone(sr.AnyOf), sr.OnlyOf...) {
				if catTable == nil {
					bad("severity rule %d: class has no categories role", i)
					break
				}
				if !slices.Contains(catTable.Values, v) {
					bad("severity rule %d: %q is not a value of code table %s", i, v, catTable.Code)
				}
			}
		}
		var sevTable *CodeTable
		if f := fields[r.Severity]; f != nil {
			sevTable = tables[f.CodeTable]
		}
		for v, s := range p.SeverityValues {
			if !slices.Contains([]Severity{Minor, General, Serious}, s) {
				bad("severity value %q maps to unknown severity %q", v, s)
			}
			if sevTable != nil && !slices.Contains(sevTable.Values, v) {
				bad("severity value %q is not a value of code table %s", v, sevTable.Code)
			}
		}
	} else if len(p.Periods) > 0 || len(p.SeverityRules) > 0 {
		bad("periods and severity rules are only for adverse classes")
	}
	return errs
}

func (cl *Class) buildIndex() {
	cl.byCode = make(map[string]*Field, len(cl.Fields))
	cl.byHeader = make(map[string]*Field, 3*len(cl.Fields))
	for i := range cl.Fields {
		f := &cl.Fields[i]
		cl.byCode[f.Code] = f
		for _, h := range append([]string{f.Code, f.Name}, f.Aliases...) {
			cl.byHeader[NormalizeHeader(h)] = f
		}
	}
}

// Class returns the class with the given code.
func (c *Catalog) Class(code string) (*Class, bool) {
	if c.classIndex != nil {
		cl, ok := c.classIndex[code]
		return cl, ok
	}
	for _, cl := range c.Classes {
		if cl != nil && cl.Code == code {
			return cl, true
		}
	}
	return nil, false
}

// Registrars returns the department kinds that register subjects with
// USCC uscc in registering class cl (RegisteredBy, by the code's
// 登记管理部门码), and whether the class names any for that code. A subject
// whose registration authority has no kind on the platform (3 司法行政,
// 7 宗教, …) has none.
func (cl *Class) Registrars(uscc string) ([]string, bool) {
	if len(cl.RegisteredBy) == 0 || uscc == "" {
		return nil, false
	}
	kinds, ok := cl.RegisteredBy[uscc[:1]]
	return kinds, ok
}

// Verifiable reports whether a subject with USCC uscc can be verified by
// its registration authority on the platform (主体核验): some registering
// class accepts a record from any department, or names department kinds
// for the subject's 登记管理部门码. A subject registered by an authority
// that is not on the platform (3 司法行政, 7 宗教, …) or without a USCC (a
// person) cannot be, and its pages must not present that as its failing.
func (c *Catalog) Verifiable(uscc string) bool {
	if uscc == "" {
		return false
	}
	for _, cl := range c.Classes {
		if cl == nil || !cl.Registers {
			continue
		}
		if _, ok := cl.Registrars(uscc); ok || len(cl.RegisteredBy) == 0 {
			return true
		}
	}
	return false
}

// CodeTable returns the code table with the given code.
func (c *Catalog) CodeTable(code string) (*CodeTable, bool) {
	if c.tableIndex != nil {
		t, ok := c.tableIndex[code]
		return t, ok
	}
	for i := range c.CodeTables {
		if c.CodeTables[i].Code == code {
			return &c.CodeTables[i], true
		}
	}
	return nil, false
}

// Field returns the field with the given code (exact, as in the catalog).
func (cl *Class) Field(code string) (*Field, bool) {
	if cl.byCode != nil {
		f, ok := cl.byCode[code]
		return f, ok
	}
	for i := range cl.Fields {
		if cl.Fields[i].Code == code {
			return &cl.Fields[i], true
		}
	}
	return nil, false
}

// FieldByHeader returns the field a column header names: its code, its
// Chinese name or one of its aliases, compared after NormalizeHeader (case of
// codes, whitespace, full-/half-width forms and required markers such as a
// trailing "*" or "（必填）" do not matter).
func (cl *Class) FieldByHeader(header string) (*Field, bool) {
	k := NormalizeHeader(header)
	if k == "" {
		return nil, false
	}
	if cl.byHeader != nil {
		f, ok := cl.byHeader[k]
		return f, ok
	}
	for i := range cl.Fields {
		f := &cl.Fields[i]
		for _, h := range append([]string{f.Code, f.Name}, f.Aliases...) {
			if NormalizeHeader(h) == k {
				return f, true
			}
		}
	}
	return nil, false
}

// Canonical returns the table value that v denotes: a value itself or one of
// its aliases, compared ignoring whitespace, full-/half-width forms and the
// case of Latin letters. It reports false when v denotes no value.
func (t *CodeTable) Canonical(v string) (string, bool) {
	k := codeKey(v)
	if k == "" {
		return "", false
	}
	if t.index != nil {
		c, ok := t.index[k]
		return c, ok
	}
	for _, val := range t.Values {
		if codeKey(val) == k {
			return val, true
		}
	}
	for a, val := range t.Aliases {
		if codeKey(a) == k {
			return val, true
		}
	}
	return "", false
}

// Has reports whether v is a canonical value of t.
func (t *CodeTable) Has(v string) bool { return slices.Contains(t.Values, v) }
