package record

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

// Problem codes of Validate, besides those of subject.CheckUSCC
// (uscc_length, uscc_charset, uscc_region, uscc_org_check, uscc_check) and
// subject.CheckCitizenID (id_length, id_charset, id_region, id_birth,
// id_check).
const (
	ProblemRequired         = "required"          // a required (or conditionally required) field is empty
	ProblemTooLong          = "too_long"          // more characters than the field's MaxLen
	ProblemBadDate          = "bad_date"          // not a date in an accepted format, or before 1900
	ProblemBadCharacter     = "bad_character"     // a control or bidi-control character, or one the file's encoding could not give
	ProblemFutureDate       = "future_date"       // a decision date after today
	ProblemDateOrder        = "date_order"        // a date before the date it must follow
	ProblemBadDecimal       = "bad_decimal"       // not a plain decimal number
	ProblemNegative         = "negative"          // a negative amount
	ProblemNotPositive      = "not_positive"      // an amount of 0 where the catalog requires more (罚款 of 0)
	ProblemTooManyDecimals  = "too_many_decimals" // more digits after the point than the field's Scale
	ProblemBadCode          = "bad_code"          // not a value (or alias) of the field's code table
	ProblemPrefix           = "prefix"            // USCC prefix disagrees with 行政相对人类别
	ProblemSourceDepartment = "source_department" // 数据来源单位代码 is not the submitting department
	ProblemOneOf            = "one_of"            // none of a group of fields is filled in
)

// maxDecimalPrecision is the total number of digits of a stored decimal
// (decimal(18,6) in the national template).
const maxDecimalPrecision = 18

// placeholders are values that departments write into cells they leave
// empty; they count as empty.
var placeholders = map[string]bool{
	"无": true, "/": true, "-": true, "--": true, "—": true, "——": true,
	"空": true, "NULL": true, "null": true, "Null": true,
}

// maxPlaceholder is the length in bytes of the longest placeholder: longer
// values need no map lookup.
var maxPlaceholder = func() int {
	n := 0
	for p := range placeholders {
		n = max(n, len(p))
	}
	return n
}()

// Validator checks rows of one class for one submitting department.
type Validator struct {
	Catalog    *catalog.Catalog
	Class      *catalog.Class
	Department string                 // USCC of the submitting department (source_department rule); "" disables the rule
	Today      credit.Date            // for not_future and citizen-ID birth dates; zero disables those checks
	Legacy     func(code string) bool // whitelisted legacy USCCs; may be nil
}

// Validate checks one row (field code -> raw value as read from the file,
// unknown headers already dropped) and returns the normalised record (Class,
// Key, Fields, Subject, DecisionDate set; nothing else) or the row's
// problems: all of them, not just the first.
//
// Normalisation: values are trimmed and invalid UTF-8 replaced; text goes
// through subject.NormalizeText and codes (USCC, ID numbers) through
// subject.Normalize; placeholder values such as "无" or "/" count as empty;
// dates are read by ParseDate and stored as yyyy-MM-dd; decimals are stored
// without trailing zeros; code values are mapped to their canonical table
// value, and multi-valued codes are split on ; ； , ， 、, deduplicated and
// stored in table order joined by ";". Fields left empty are absent from
// Fields.
//
// Rules of the class (catalog.Rule) are checked on the normalised values. A
// field that already has a problem is not checked again by a rule, and a
// condition on such a field does not hold, so one mistake gives one problem.
func (v *Validator) Validate(row int, values map[string]string) (*Record, []credit.Problem) {
	rv := rowValidator{v: v, row: row, vals: make(map[string]string, len(v.Class.Fields)), bad: map[string]bool{}}
	cl := v.Class
	for i := range cl.Fields {
		rv.field(&cl.Fields[i], values[cl.Fields[i].Code])
	}
	for i := range cl.Rules {
		rv.rule(&cl.Rules[i])
	}
	if len(rv.problems) > 0 {
		return nil, rv.problems
	}
	return rv.record(), nil
}

type rowValidator struct {
	v        *Validator
	row      int
	vals     map[string]string // field code -> normalised non-empty value
	verbatim map[string]string // field code -> published form, where it differs
	bad      map[string]bool   // fields with a problem
	blank    map[string]string // field code -> placeholder the department wrote
	problems []credit.Problem
}

func (rv *rowValidator) add(f *catalog.Field, code, format string, args ...any) {
	rv.bad[f.Code] = true
	rv.problems = append(rv.problems, credit.Problem{
		Row:       rv.row,
		Field:     f.Code,
		FieldName: f.Name,
		Code:      code,
		Message:   rv.prefix(f) + fmt.Sprintf(format, args...),
	})
}

// addProblem adds a problem returned by package subject, whose message has
// no position.
func (rv *rowValidator) addProblem(f *catalog.Field, p *credit.Problem) {
	rv.add(f, p.Code, "%s", p.Message)
}

// maxEcho is how many characters of a wrong value a message quotes: a
// whole 4,000-character cell pasted into a date column would otherwise be
// repeated in the message, the error sheet and the receipt.
const maxEcho = 40

// echo is a wrong value as a message quotes it, clipped to maxEcho.
func echo(s string) string { return credit.Clip(s, maxEcho) }

func (rv *rowValidator) prefix(f *catalog.Field) string {
	return fmt.Sprintf("第%d行“%s”（%s）：", rv.row, f.Name, f.Code)
}

func (rv *rowValidator) table(f *catalog.Field) *catalog.CodeTable {
	t, ok := rv.v.Catalog.CodeTable(f.CodeTable)
	if !ok {
		// Catalog.Validate guarantees the table exists.
		panic(fmt.Sprintf("record: field %s refers to missing code table %s", f.Code, f.CodeTable))
	}
	return t
}

// field normalises and type-checks one value.
func (rv *rowValidator) field(f *catalog.Field, raw string) {
	if !utf8.ValidString(raw) { // ValidString is the faster scan of valid input
		raw = strings.ToValidUTF8(raw, "\uFFFD")
	}
	var s, tidied string
	switch f.Type {
	case catalog.USCC, catalog.IDNo:
		s = subject.Normalize(raw)
	case catalog.String, catalog.Text:
		s, tidied = subject.NormalizeAndTidy(raw)
	default:
		s = subject.NormalizeText(raw)
	}
	if r, ok := credit.BadRune(s); ok { // (white space is collapsed to spaces already)
		rv.add(f, ProblemBadCharacter, "%s后重新报送", credit.BadRuneMessage(r))
		return
	}
	if len(s) <= maxPlaceholder && placeholders[s] {
		if rv.blank == nil {
			rv.blank = map[string]string{}
		}
		rv.blank[f.Code] = s
		s = ""
	}
	if s == "" {
		if f.Req == catalog.Required {
			rv.required(f, "")
		}
		return
	}
	switch f.Type {
	case catalog.Date:
		d, ok := ParseDate(s)
		if !ok && ParsesBefore1900(s) {
			rv.add(f, ProblemBadDate, "日期“%s”早于1900年1月1日，平台不接收：应为1900年及以后的日期，请核对年份", echo(s))
			return
		}
		if !ok {
			rv.add(f, ProblemBadDate, "日期“%s”无法识别，应为“年-月-日”（如2026-11-27）、“年/月/日”（如2026/11/27）、8位数字（如20261127）或Excel日期单元格", echo(s))
			return
		}
		s = d.Format(credit.DateLayout)
	case catalog.Decimal:
		c, code, msg := parseDecimal(s, f.Scale)
		if code != "" {
			rv.add(f, code, "%s", msg)
			return
		}
		s = c
	case catalog.Code:
		c, ok := rv.code(f, s)
		if !ok {
			return
		}
		s = c
	case catalog.USCC:
		if p := subject.CheckUSCC(s, rv.v.Legacy); p != nil {
			rv.addProblem(f, p)
			return
		}
	}
	if f.MaxLen > 0 && len(s) > f.MaxLen { // no more characters than bytes
		if n := utf8.RuneCountInString(s); n > f.MaxLen {
			rv.add(f, ProblemTooLong, "长度为%d个字符，超过了最大长度%d个字符", n, f.MaxLen)
			return
		}
	}
	rv.vals[f.Code] = s
	// Text is checked, keyed and hashed in its normalised form but
	// published as written (full-width punctuation kept).
	if (f.Type == catalog.String || f.Type == catalog.Text) && tidied != s {
		if rv.verbatim == nil {
			rv.verbatim = map[string]string{}
		}
		rv.verbatim[f.Code] = tidied
	}
}

// required reports an empty required field; why explains a conditional
// requirement ("" for an unconditional one).
func (rv *rowValidator) required(f *catalog.Field, why string) {
	msg := "必填项不能为空"
	if why != "" {
		msg = why + "时为必填项，不能为空"
	}
	if p, ok := rv.blank[f.Code]; ok {
		msg += fmt.Sprintf("（“%s”视为未填写）", p)
	}
	rv.add(f, ProblemRequired, "%s", msg)
}

// code maps a code value (or several, for Multi) to the canonical values.
func (rv *rowValidator) code(f *catalog.Field, s string) (string, bool) {
	t := rv.table(f)
	allowed := func() string { return strings.Join(t.Values, "、") }
	if !f.Multi {
		c, ok := t.Canonical(s)
		if !ok {
			rv.add(f, ProblemBadCode, "值“%s”无效，应为以下之一：%s", echo(s), allowed())
		}
		return c, ok
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(catalog.MultiSeparators, r) })
	var found []string
	var wrong []string
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		c, ok := t.Canonical(p)
		if !ok {
			wrong = append(wrong, "“"+echo(p)+"”")
			continue
		}
		if !slices.Contains(found, c) {
			found = append(found, c)
		}
	}
	if len(wrong) > 0 {
		rv.add(f, ProblemBadCode, "值%s无效，应为以下之一（可填多个，用分号或顿号分隔）：%s", strings.Join(wrong, "、"), allowed())
		return "", false
	}
	if len(found) == 0 {
		if f.Req == catalog.Required {
			rv.required(f, "")
		}
		return "", false
	}
	slices.SortFunc(found, func(a, b string) int { return slices.Index(t.Values, a) - slices.Index(t.Values, b) })
	return strings.Join(found, ";"), true
}

func (rv *rowValidator) fieldByCode(code string) *catalog.Field {
	f, ok := rv.v.Class.Field(code)
	if !ok {
		// Catalog.Validate guarantees rule and role fields exist.
		panic(fmt.Sprintf("record: class %s has no field %s", rv.v.Class.Code, code))
	}
	return f
}

// holds reports whether c (and the conditions it is joined with) holds
// for the row.
func (rv *rowValidator) holds(c *catalog.Condition) bool {
	if c == nil {
		return true
	}
	val, present := rv.vals[c.Field]
	var ok bool
	switch {
	case c.Present:
		ok = present
	case len(c.Equals) > 0:
		ok = present && slices.Contains(c.Equals, val)
	case len(c.Contains) > 0:
		ok = present && len(rv.containing(c)) > 0
	}
	return ok && rv.holds(c.And)
}

// containing returns the values of a multi-valued field that c.Contains
// names.
func (rv *rowValidator) containing(c *catalog.Condition) []string {
	var hit []string
	for _, part := range strings.Split(rv.vals[c.Field], ";") {
		if slices.Contains(c.Contains, part) {
			hit = append(hit, part)
		}
	}
	return hit
}

// describe says in Chinese why c holds, for messages (holds is called for
// every row, describe only for a problem).
func (rv *rowValidator) describe(c *catalog.Condition) string {
	if c == nil {
		return ""
	}
	if c.And != nil {
		own := *c
		own.And = nil
		return rv.describe(&own) + "且" + rv.describe(c.And)
	}
	f := rv.fieldByCode(c.Field)
	switch {
	case c.Present:
		return fmt.Sprintf("填写了“%s”", f.Name)
	case len(c.Equals) > 0:
		return fmt.Sprintf("“%s”为“%s”", f.Name, rv.vals[c.Field])
	case len(c.Contains) > 0:
		hit := rv.containing(c)
		for i, v := range hit {
			hit[i] = "“" + v + "”"
		}
		return fmt.Sprintf("“%s”包含%s", f.Name, strings.Join(hit, "或"))
	}
	return ""
}

// rule checks one catalog rule.
func (rv *rowValidator) rule(r *catalog.Rule) {
	if !rv.holds(r.If) {
		return
	}
	if r.Kind == catalog.RuleOneOfPresent {
		names := make([]string, 0, len(r.Fields))
		for _, code := range r.Fields {
			if _, present := rv.vals[code]; present || rv.bad[code] {
				return
			}
			names = append(names, "“"+rv.fieldByCode(code).Name+"”")
		}
		f := rv.fieldByCode(r.Fields[0])
		msg := strings.Join(names, "、") + "至少填写一项"
		if r.Message != "" {
			msg = r.Message
		}
		rv.add(f, ProblemOneOf, "%s", msg)
		return
	}

	f := rv.fieldByCode(r.Field)
	if rv.bad[f.Code] {
		return
	}
	val, present := rv.vals[f.Code]
	if r.Kind == catalog.RuleRequiredIf {
		if !present {
			if r.Message != "" {
				rv.add(f, ProblemRequired, "%s", r.Message)
				return
			}
			rv.required(f, rv.describe(r.If))
		}
		return
	}
	if !present {
		return
	}
	explain := func(generated string) string {
		if r.Message != "" {
			return r.Message
		}
		return generated
	}
	switch r.Kind {
	case catalog.RuleUSCCIf:
		if p := subject.CheckUSCC(subject.Normalize(val), rv.v.Legacy); p != nil {
			rv.addProblem(f, p)
		}
	case catalog.RuleIDIf:
		if p := subject.CheckCitizenID(subject.Normalize(val), rv.v.Today); p != nil {
			rv.addProblem(f, p)
		}
	case catalog.RulePrefixIf, catalog.RuleNotPrefixIf:
		has := slices.ContainsFunc(r.Prefixes, func(p string) bool { return strings.HasPrefix(val, p) })
		if has == (r.Kind == catalog.RulePrefixIf) {
			return
		}
		who := "统一社会信用代码"
		if r.If != nil && len(r.If.Equals) > 0 {
			who = rv.vals[r.If.Field] + "的统一社会信用代码"
		}
		verb := "应以"
		if r.Kind == catalog.RuleNotPrefixIf {
			verb = "不应以"
		}
		rv.add(f, ProblemPrefix, "%s", explain(fmt.Sprintf("%s%s%s开头，实际为“%s”", who, verb, strings.Join(r.Prefixes, "或"), val)))
	case catalog.RuleNotFuture:
		if rv.v.Today.IsZero() {
			return
		}
		today := rv.v.Today.Format(credit.DateLayout)
		if val > today { // yyyy-MM-dd compares as text
			rv.add(f, ProblemFutureDate, "%s", explain(fmt.Sprintf("日期“%s”晚于今天（%s），不能是将来的日期", val, today)))
		}
	case catalog.RuleDateOrder:
		other := rv.fieldByCode(r.Other)
		ov, ok := rv.vals[other.Code]
		if !ok || rv.bad[other.Code] {
			return
		}
		if val < ov {
			rv.add(f, ProblemDateOrder, "%s", explain(fmt.Sprintf("日期“%s”早于“%s”（%s），应不早于该日期", val, other.Name, ov)))
		}
	case catalog.RulePositiveIf:
		if val == "0" { // canonical (parseDecimal): 0, 0.00 and -0 all read 0
			rv.add(f, ProblemNotPositive, "%s", explain(fmt.Sprintf("%s时金额应大于0，实际为0", rv.describe(r.If))))
		}
	case catalog.RuleSourceDepartment:
		dept := subject.Normalize(rv.v.Department)
		if dept != "" && val != dept {
			rv.add(f, ProblemSourceDepartment, "%s", explain(fmt.Sprintf("应为提交部门的统一社会信用代码“%s”，不得代其他单位报送", dept)))
		}
	}
}

// record builds the normalised record of a valid row.
func (rv *rowValidator) record() *Record {
	cl := rv.v.Class
	roles := cl.Roles
	get := func(code string) string {
		if code == "" {
			return ""
		}
		return rv.vals[code]
	}
	key := make([]string, len(cl.BusinessKey))
	for i, code := range cl.BusinessKey {
		key[i] = rv.vals[code]
	}
	r := &Record{
		Class:  cl.Code,
		Key:    strings.Join(key, "|"),
		Fields: rv.vals, Verbatim: rv.verbatim,
	}
	if d, ok := ParseDate(get(roles.DecisionDate)); ok {
		r.DecisionDate = &d
	}
	ref := SubjectRef{
		Name:        get(roles.SubjectName),
		DisplayName: rv.verbatim[roles.SubjectName],
		USCC:        get(roles.USCC),
		IDType:      get(roles.IDType),
		LegalRep:    get(roles.LegalRep),
	}
	switch get(roles.SubjectType) {
	case "自然人":
		if ref.USCC != "" {
			// A person with a registration code (92, a rule of the
			// catalog) is how departments write a sole trader: the
			// subject is the individual business, found by its code, and
			// the ID number stays the operator's, never the subject's.
			ref.Type = string(subject.TypeFromUSCC(ref.USCC))
			break
		}
		ref.Type = string(subject.Person)
		if ref.IDType == "身份证" {
			ref.CitizenID = get(roles.IDNumber)
		}
	case "个体工商户":
		ref.Type = string(subject.IndividualBusiness)
	default: // 法人及非法人组织, or a class without 行政相对人类别
		ref.Type = string(subject.TypeFromUSCC(ref.USCC))
	}
	r.Subject = ref
	return r
}

// ParseDate reads a date written as yyyy-MM-dd, yyyy-M-d, yyyy/M/d (each
// optionally followed by a time of day such as " 00:00:00", which is
// ignored), yyyyMMdd, yyyy年M月d日, or a 5-digit Excel serial day number in
// the 1900 date system (e.g. "45292" is 2024-01-01; a fractional time part
// is ignored). It reports false for anything else, for impossible dates such
// as 2023-02-29 and for years before 1900.
func ParseDate(s string) (credit.Date, bool) {
	return parseDate(s, 1900)
}

// ParsesBefore1900 reports whether s is a date in a format ParseDate
// reads, of a year before 1900 (which ParseDate refuses): a message says
// so instead of calling the format unreadable.
func ParsesBefore1900(s string) bool {
	d, ok := parseDate(s, 1)
	return ok && d.Year() < 1900
}

// parseDate is ParseDate with years from minYear.
func parseDate(s string, minYear int) (credit.Date, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return credit.Date{}, false
	}
	if y, rest, ok := strings.Cut(s, "年"); ok {
		m, rest, ok1 := strings.Cut(rest, "月")
		d, rest, ok2 := strings.Cut(rest, "日")
		if !ok1 || !ok2 || rest != "" || len(y) != 4 {
			return credit.Date{}, false
		}
		return makeDate(y, m, d, minYear)
	}
	if len(s) == 8 && allDigits(s) {
		return makeDate(s[:4], s[4:6], s[6:], minYear)
	}
	if serial, ok := excelSerial(s); ok {
		return serial, true
	}
	date, clock, _ := strings.Cut(s, " ")
	if !strings.Contains(s, " ") {
		date, clock, _ = strings.Cut(s, "T")
	}
	if clock != "" && !isClock(strings.TrimSpace(clock)) {
		return credit.Date{}, false
	}
	for _, sep := range []string{"-", "/"} {
		parts := strings.Split(date, sep)
		if len(parts) == 3 && len(parts[0]) == 4 && len(parts[1]) <= 2 && len(parts[2]) <= 2 {
			return makeDate(parts[0], parts[1], parts[2], minYear)
		}
	}
	return credit.Date{}, false
}

// isClock reports whether s is hh:mm, hh:mm:ss or hh:mm:ss.fff.
func isClock(s string) bool {
	s, _, _ = strings.Cut(s, ".")
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if len(p) < 1 || len(p) > 2 || !allDigits(p) {
			return false
		}
	}
	return true
}

// excelSerial reads an Excel serial day number of the 1900 date system
// (day n is 1899-12-30 + n for every n after Excel's fictitious 1900-02-29).
// Only 5-digit serials (10000..99999, i.e. 1927-05-18..2173-10-14) are
// accepted: a shorter number is more likely a mistyped year than a date, and
// yyyyMMdd has 8 digits. A fractional time part is ignored.
func excelSerial(s string) (credit.Date, bool) {
	whole, frac, hasFrac := strings.Cut(s, ".")
	if len(whole) != 5 || !allDigits(whole) || whole[0] == '0' || (hasFrac && !allDigits(frac)) {
		return credit.Date{}, false
	}
	n, _ := strconv.Atoi(whole)
	return credit.MakeDate(1899, time.December, 30).AddDate(0, 0, n), true
}

func makeDate(ys, ms, ds string, minYear int) (credit.Date, bool) {
	if len(ys) != 4 || ms == "" || ds == "" || !allDigits(ys) || !allDigits(ms) || !allDigits(ds) {
		return credit.Date{}, false
	}
	y, _ := strconv.Atoi(ys)
	m, _ := strconv.Atoi(ms)
	d, _ := strconv.Atoi(ds)
	if y < minYear || m < 1 || m > 12 || d < 1 || d > 31 {
		return credit.Date{}, false
	}
	t := credit.MakeDate(y, time.Month(m), d)
	if t.Day() != d {
		return credit.Date{}, false // e.g. 02-30 rolled into March
	}
	return t, true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseDecimal reads a plain non-negative decimal ("1000", "0.5", "12.340")
// with at most scale significant digits after the point and returns it
// without leading or trailing zeros ("12.34"). On failure it returns a
// problem code and the message (without position).
func parseDecimal(s string, scale int) (canonical, code, msg string) {
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(body, ".")
	if !allDigits(whole) || (hasFrac && !allDigits(frac)) {
		if strings.ContainsAny(s, ",，") {
			return "", ProblemBadDecimal, fmt.Sprintf("“%s”不是有效的数字：不能使用千分位分隔符，应写作如1000或0.5", echo(s))
		}
		return "", ProblemBadDecimal, fmt.Sprintf("“%s”不是有效的数字，应为不带单位和符号的数字，如1000或0.5", echo(s))
	}
	whole = strings.TrimLeft(whole, "0")
	frac = strings.TrimRight(frac, "0")
	canonical = whole
	if canonical == "" {
		canonical = "0"
	}
	if frac != "" {
		canonical += "." + frac
	}
	if neg && canonical != "0" {
		return "", ProblemNegative, fmt.Sprintf("“%s”为负数，金额不能为负", echo(s))
	}
	if len(frac) > scale {
		if scale == 0 {
			return "", ProblemTooManyDecimals, fmt.Sprintf("“%s”应为整数", echo(s))
		}
		return "", ProblemTooManyDecimals, fmt.Sprintf("“%s”的小数位数过多，最多保留%d位小数", echo(s), scale)
	}
	if len(whole) > maxDecimalPrecision-scale {
		return "", ProblemBadDecimal, fmt.Sprintf("“%s”过大，整数部分最多%d位", echo(s), maxDecimalPrecision-scale)
	}
	return canonical, "", ""
}
