package lists

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
)

// Field codes of the list_entry catalog class.
const (
	FieldType          = "MD_LX"
	FieldName          = "MD_ZTMC"
	FieldSubjectCat    = "MD_ZTLB"
	FieldUSCC          = "MD_TYSHXYDM"
	FieldIDType        = "MD_ZJLX"
	FieldIDNumber      = "MD_ZJHM"
	FieldLegalRep      = "MD_FDDBR"
	FieldLegalRepIDT   = "MD_FDDBR_ZJLX"
	FieldLegalRepID    = "MD_FDDBR_ZJHM"
	FieldResponsible   = "MD_ZRR"
	FieldResponsibleT  = "MD_ZRR_ZJLX"
	FieldResponsibleID = "MD_ZRR_ZJHM"
	FieldDocNo         = "MD_RDWH"
	FieldDecisionDate  = "MD_RDRQ"
	FieldDepartment    = "MD_RDBM"
	FieldDepartmentUSC = "MD_RDBMDM"
	FieldReason        = "MD_SY"
	FieldBasis         = "MD_YJ"
	FieldMeasuresNote  = "MD_CSTS"
	FieldRemovalCond   = "MD_YCTJ"
	FieldRemedies      = "MD_JJCS"
	FieldValidFrom     = "MD_YXQQ"
	FieldValidUntil    = "MD_YXQZ"
	FieldSpecialBasis  = "MD_YXQ_TSYJ"
	FieldRemovedOn     = "MD_YCRQ"
	FieldRemovalKind   = "MD_YCFS"
	FieldRemovalReason = "MD_YCYY"
	FieldSource        = "MD_SJLYDM"
)

// Removal kinds (values of the list_removal code table).
const (
	RemovedExpired  = "有效期届满"
	RemovedEarly    = "提前移出"
	RemovedRepaired = "信用修复"
	RemovedRevoked  = "撤销认定"
)

// Person is a responsible person of an organisation on a list (法定代表人,
// 主要负责人, 直接责任人). IDNumber is never shown to anyone: it serves only
// to link verifications of that person to the organisation's entry.
type Person struct {
	Role     string `json:"role"` // 法定代表人（主要负责人） or 直接责任人
	Name     string `json:"name"`
	IDType   string `json:"-"`
	IDNumber string `json:"-"`
}

// Entry is one list entry: the current version of a list_entry record.
// It names its subject as the entry was sent (SubjectName), unless a reader
// that shows subjects by their current name (the public lists, the
// console's and the API's list readers) calls ShowCurrentName: then SubjectName is the subject's current name and
// ListedName the name the entry was sent with, when that is another (the
// subject was renamed since; "" otherwise).
type Entry struct {
	RecordID    credit.RecordID  `json:"record_id"`
	Key         string           `json:"key"`
	Version     int              `json:"version"`
	SubjectID   credit.SubjectID `json:"subject_id"`
	SubjectName string           `json:"subject_name"`          // as sent, or the current name: ShowCurrentName
	ListedName  string           `json:"listed_name,omitempty"` // as sent, when SubjectName is the current, another name
	SubjectUSCC string           `json:"subject_uscc,omitempty"`
	// SubjectCategory is 主体类别 as sent (法人及非法人组织, 个体工商户, 自然人).
	SubjectCategory string              `json:"-"`
	DepartmentID    credit.DepartmentID `json:"department_id"`
	ListType        string              `json:"list_type"` // ListType.Code
	ListName        string              `json:"list_name"`
	Kind            Kind                `json:"kind"`
	DocNo           string              `json:"doc_no"`
	DecisionDate    credit.Date         `json:"decision_date"`
	Department      string              `json:"department"`
	DepartmentCode  string              `json:"department_code"`
	Reason          string              `json:"reason"`
	Basis           string              `json:"basis"`
	MeasuresNote    string              `json:"measures_note,omitempty"`
	RemovalCond     string              `json:"removal_conditions,omitempty"`
	Remedies        string              `json:"remedies,omitempty"`
	ValidFrom       credit.Date         `json:"valid_from"`
	// ValidUntil is the last day of validity (inclusive) after the limit of
	// the list type; nil = until removed.
	ValidUntil *credit.Date `json:"valid_until,omitempty"`
	// DeclaredUntil is the end the department wrote, when Capped shortened it.
	DeclaredUntil *credit.Date `json:"declared_until,omitempty"`
	Capped        bool         `json:"capped,omitempty"`
	SpecialBasis  string       `json:"special_basis,omitempty"`
	RemovedOn     *credit.Date `json:"removed_on,omitempty"`
	RemovalKind   string       `json:"removal_kind,omitempty"`
	RemovalReason string       `json:"removal_reason,omitempty"`
	Persons       []Person     `json:"persons,omitempty"`
}

// EntryFromRecord reads a list_entry record. The record must have passed the
// class's validation; an unknown list type is an error.
func EntryFromRecord(d *Data, r *record.Record) (*Entry, error) {
	f := r.Fields
	lt, ok := d.ListTypeByName(f[FieldType])
	if !ok {
		return nil, credit.Errorf(credit.EINVALID, "名单类型“%s”未在名单目录中定义", clip(f[FieldType]))
	}
	e := &Entry{
		RecordID: r.ID, Key: r.Key, Version: r.Version, SubjectID: r.SubjectID, DepartmentID: r.DepartmentID,
		SubjectName: f[FieldName], SubjectUSCC: f[FieldUSCC], SubjectCategory: f[FieldSubjectCat],
		ListType: lt.Code, ListName: lt.Name, Kind: lt.Kind,
		DocNo: f[FieldDocNo], Department: f[FieldDepartment], DepartmentCode: f[FieldDepartmentUSC],
		Reason: f[FieldReason], Basis: f[FieldBasis], MeasuresNote: f[FieldMeasuresNote],
		RemovalCond: f[FieldRemovalCond], Remedies: f[FieldRemedies], SpecialBasis: f[FieldSpecialBasis],
		RemovalKind: f[FieldRemovalKind], RemovalReason: f[FieldRemovalReason],
	}
	// A citizen ID number written inside the text (列入事由 naming 被执行人
	// 刘某（身份证…）) is masked for every reader, as in an archive
	// (archive.VisibleFields): verification answers, reports, pushes and
	// webhooks all show an entry through these fields. The business key
	// stays as it is: it is the list index's key.
	for _, s := range []*string{&e.DocNo, &e.Reason, &e.Basis, &e.MeasuresNote, &e.RemovalCond, &e.Remedies, &e.SpecialBasis, &e.RemovalReason} {
		*s = subject.MaskIDsInText(*s)
	}
	if dd, ok := record.ParseDate(f[FieldDecisionDate]); ok {
		e.DecisionDate = dd
	}
	e.ValidFrom = e.DecisionDate
	if v, ok := record.ParseDate(f[FieldValidFrom]); ok {
		e.ValidFrom = v
	}
	var declared *credit.Date
	if v, ok := record.ParseDate(f[FieldValidUntil]); ok {
		declared = &v
	}
	e.ValidUntil, e.Capped = Validity(lt, e.ValidFrom, declared, e.SpecialBasis)
	if e.Capped {
		e.DeclaredUntil = declared
	}
	if v, ok := record.ParseDate(f[FieldRemovedOn]); ok {
		e.RemovedOn = &v
	}
	if n := f[FieldLegalRep]; n != "" {
		e.Persons = append(e.Persons, Person{Role: "法定代表人（主要负责人）", Name: n, IDType: f[FieldLegalRepIDT], IDNumber: f[FieldLegalRepID]})
	}
	if n := f[FieldResponsible]; n != "" {
		e.Persons = append(e.Persons, Person{Role: "直接责任人", Name: n, IDType: f[FieldResponsibleT], IDNumber: f[FieldResponsibleID]})
	}
	return e, nil
}

// ShowCurrentName names e by its subject's current name (as its
// registration authority last registered it, the name its archive shows),
// keeping the name the entry was sent with in ListedName when that is
// another name: not the same by subject.NameKey, so that a difference of
// width or spacing alone is not called another name. An empty current
// leaves e as it is; calling it again with a later name keeps the name
// the entry was sent with.
func (e *Entry) ShowCurrentName(current string) {
	if current == "" {
		return
	}
	listed := e.SubjectName
	if e.ListedName != "" { // named by a current name before
		listed = e.ListedName
	}
	e.ListedName = ""
	if !sameName(current, listed) {
		e.ListedName = listed
	}
	e.SubjectName = current
}

// sameName reports whether a and b name one organisation as names are
// compared on the platform (subject.NameKey of the normalised names).
func sameName(a, b string) bool {
	return subject.NameKey(subject.NormalizeText(a)) == subject.NameKey(subject.NormalizeText(b))
}

// Validity returns the last valid day of an entry of type lt that starts on
// from and declares the end declared (nil = none), and whether the limit of
// the list type shortened it. The limit (black list 3 years, watch list 2
// years: DOMAIN.md §3.7) applies unless the entry names a special basis
// (有效期特别依据: the basis says otherwise). A list type with a limit and
// no declared end ends at the limit; one without a limit and no declared end
// is valid until removed (nil).
//
// from + 36 months is the first day no longer valid, so the last valid day
// is one day before: listed on 2024-03-01, valid through 2027-02-28.
func Validity(lt *ListType, from credit.Date, declared *credit.Date, specialBasis string) (until *credit.Date, capped bool) {
	if lt.MaxMonths == 0 || specialBasis != "" {
		return declared, false
	}
	limit := record.AddMonths(from, lt.MaxMonths).AddDate(0, 0, -1)
	if declared == nil {
		return &limit, false
	}
	if declared.After(limit) {
		return &limit, true
	}
	return declared, false
}

// State is the state of an entry on a date.
type State string

// States.
const (
	Pending State = "pending" // validity has not begun
	Active  State = "active"  // 有效
	Expired State = "expired" // validity ended (removal on expiry)
	Removed State = "removed" // removed by the department (提前移出, 信用修复, 撤销认定)
)

// Label returns the Chinese name of s.
func (s State) Label() string {
	switch s {
	case Pending:
		return "未生效"
	case Active:
		return "有效"
	case Expired:
		return "已到期移出"
	case Removed:
		return "已移出"
	}
	return string(s)
}

// StateOn returns the entry's state on day: removed from its removal date
// on, expired after its last valid day, pending before its start.
func (e *Entry) StateOn(day credit.Date) State {
	if e.RemovedOn != nil && !day.Before(*e.RemovedOn) {
		if e.RemovalKind == RemovedExpired {
			return Expired
		}
		return Removed
	}
	if e.ValidUntil != nil && day.After(*e.ValidUntil) {
		return Expired
	}
	if day.Before(e.ValidFrom) {
		return Pending
	}
	return Active
}

// RemovalFields returns the fields of a new version of e's record that
// removes it on day for reason: the current fields plus 移出日期, 移出方式
// and 移出原因. It returns ECONFLICT when e is already removed on or before
// day, and EINVALID (with a problem on RemovalFieldKind, RemovalFieldReason
// or RemovalFieldDate) for an unknown kind, no reason, a day before the
// decision, 有效期届满 before the validity ended, or 提前移出 or 信用修复
// after it. Without a kind the removal is 提前移出, or 有效期届满 after the
// validity ended.
func RemovalFields(e *Entry, fields map[string]string, day credit.Date, kind, reason string) (map[string]string, error) {
	if e.RemovedOn != nil && !day.Before(*e.RemovedOn) {
		return nil, credit.Errorf(credit.ECONFLICT, "该名单信息已于%s移出", e.RemovedOn.Format(credit.DateLayout))
	}
	if kind == "" {
		kind = RemovedEarly
		if e.ValidUntil != nil && day.After(*e.ValidUntil) {
			kind = RemovedExpired // nothing is early about it
		}
	}
	if !slices.Contains(RemovalKinds, kind) {
		return nil, removalProblem(RemovalFieldKind, "bad_code", fmt.Sprintf("移出方式“%s”无效，应为%s", clip(kind), orList(RemovalKinds)))
	}
	if credit.Blank(reason) {
		return nil, removalProblem(RemovalFieldReason, "required", removalRequired)
	}
	if day.Before(e.DecisionDate) {
		return nil, removalProblem(RemovalFieldDate, "date_order", fmt.Sprintf("移出日期%s早于认定日期%s，不得早于认定日期", day.Format(credit.DateLayout), e.DecisionDate.Format(credit.DateLayout)))
	}
	if code, msg := removalKindProblem(e, day, kind); msg != "" {
		return nil, removalProblem(RemovalFieldKind, code, msg)
	}
	out := make(map[string]string, len(fields)+3)
	for k, v := range fields {
		out[k] = v
	}
	out[FieldRemovedOn] = day.Format(credit.DateLayout)
	out[FieldRemovalKind] = kind
	out[FieldRemovalReason] = reason
	return out, nil
}

// removalKindProblem says why e cannot be removed on day in the way kind
// names, with a problem code, or returns "": expiry removes an entry the
// day after its last valid day, and an entry whose validity had ended by
// then can only be recorded as expired or, the decision being wrong, as
// revoked (撤销认定) — not removed early or by credit repair.
func removalKindProblem(e *Entry, day credit.Date, kind string) (code, msg string) {
	switch {
	case kind == RemovedExpired && e.ValidUntil == nil:
		return "removal_before_expiry", "该名单信息没有有效期止，不能以有效期届满移出；请选择提前移出、信用修复或撤销认定"
	case kind == RemovedExpired && !day.After(*e.ValidUntil):
		return "removal_before_expiry", fmt.Sprintf("有效期届满移出的移出日期应晚于有效期止%s；有效期内移出请选择提前移出、信用修复或撤销认定", e.ValidUntil.Format(credit.DateLayout))
	case (kind == RemovedEarly || kind == RemovedRepaired) && e.ValidUntil != nil && day.After(*e.ValidUntil):
		return "removal_after_expiry", fmt.Sprintf("该名单信息的有效期已于%s届满，移出日期%s在有效期届满之后，不能以“%s”移出；请选择有效期届满，认定有误的请选择撤销认定",
			e.ValidUntil.Format(credit.DateLayout), day.Format(credit.DateLayout), kind)
	}
	return "", ""
}

// PrepareRecord applies to an ingested list_entry row the rules that need
// the list catalog, beyond the catalog's own field rules: a removal as
// 有效期届满 only after the validity end, 提前移出 and 信用修复 only before it
// (as RemovalFields checks them), and
// the record's publicity ending the day after the validity end as the list
// type limits it (Validity), not the end the row declares. It returns the
// row's problems (none: r is ready).
func PrepareRecord(d *Data, r *record.Record) []credit.Problem {
	e, err := EntryFromRecord(d, r)
	if err != nil {
		return []credit.Problem{{Row: r.Row, Field: FieldType, Code: "bad_code", Message: fmt.Sprintf("第%d行：%s", r.Row, credit.ErrorMessage(err))}}
	}
	if e.RemovedOn != nil {
		if code, msg := removalKindProblem(e, *e.RemovedOn, e.RemovalKind); msg != "" {
			return []credit.Problem{{Row: r.Row, Field: FieldRemovalKind, FieldName: "移出方式", Code: code, Message: fmt.Sprintf("第%d行“移出方式”（%s）：%s", r.Row, FieldRemovalKind, msg)}}
		}
	}
	if e.ValidUntil != nil {
		end := e.ValidUntil.AddDate(0, 0, 1)
		if r.PublicUntil == nil || end.Before(*r.PublicUntil) {
			r.PublicUntil = &end
		}
	}
	return nil
}

// Filter selects list entries.
type Filter struct {
	SubjectID    *credit.SubjectID
	DepartmentID *credit.DepartmentID
	ListType     string
	Kind         Kind
	ActiveOn     *credit.Date // only entries active on that day
	Offset       int
	Limit        int
}

// Service maintains lists and measures and answers verifications.
type Service interface {
	// ListData returns the list catalog in force: list types, scenarios, and
	// the measures (defaults overlaid with the province's edits).
	ListData(ctx context.Context) (*Data, error)
	// SaveMeasure creates or replaces a measure on the condition how.
	// Returns EFORBIDDEN unless the actor may manage the catalog, EINVALID
	// for a measure without legal basis or with unknown list types or
	// scenarios and (problem code duplicate) for a code that exists when
	// how.Create, ECONFLICT when the measure is no longer at how.Base.
	SaveMeasure(ctx context.Context, m *Measure, how MeasureSave) error
	// FindListEntries returns entries visible to the actor (government and
	// admins) and the total before Limit.
	FindListEntries(ctx context.Context, f Filter) ([]*Entry, int, error)
	// FindListEntry returns the current version of the entry that record id
	// belongs to (id may name an older version); ENOTFOUND when id is not a
	// list entry.
	FindListEntry(ctx context.Context, id credit.RecordID) (*Entry, error)
	// RemoveListEntry removes the entry with the given record id early, as a
	// new version submitted in the name of the entry's department. Returns
	// ENOTFOUND, EFORBIDDEN for another department's entry, ECONFLICT when
	// already removed, EINVALID without a reason.
	RemoveListEntry(ctx context.Context, id credit.RecordID, r Removal) (*Entry, error)
	// ExpireListEntries writes a removal version (有效期届满) for every entry
	// whose validity ended before day and returns how many.
	ExpireListEntries(ctx context.Context, day credit.Date) (int, error)
	// Verify answers a verification request, stores it and logs every
	// subject read. Returns EUNAUTHORIZED, EFORBIDDEN, EINVALID.
	Verify(ctx context.Context, req VerificationRequest) (*Verification, error)
	// FindVerificationByID returns ENOTFOUND, EFORBIDDEN for another
	// department's verification.
	FindVerificationByID(ctx context.Context, id int64) (*Verification, error)
	// FindVerifications returns the verifications the actor may see (a
	// department its own, administrators and auditors every one, or one
	// department's with f.DepartmentID) made on the days f.From to f.To,
	// newest first, with their answers and feedback progress, and the total
	// before offset and limit.
	FindVerifications(ctx context.Context, f StatsFilter, offset, limit int) ([]*Verification, int, error)
	// FindFeedback returns the feedback of a verification.
	FindFeedback(ctx context.Context, verificationID int64) ([]*Feedback, error)
	// CreateFeedback records feedback on the hits of a verification. Returns
	// EINVALID, ENOTFOUND, EFORBIDDEN (only the verifying department).
	CreateFeedback(ctx context.Context, verificationID int64, fb []Feedback) ([]*Feedback, error)
	// VerificationStats returns hit and feedback figures by department and
	// scenario for verifications in [from, to].
	VerificationStats(ctx context.Context, f StatsFilter) (*Stats, error)
}

// Removal is a request to remove an entry early.
type Removal struct {
	Date   *credit.Date `json:"date,omitempty"` // default today
	Kind   string       `json:"kind,omitempty"` // default 提前移出
	Reason string       `json:"reason"`
}

// Fields of a removal request: the API's names, and the Field of the
// problems Validate and RemovalFields return.
const (
	RemovalFieldDate   = "date"
	RemovalFieldKind   = "kind"
	RemovalFieldReason = "reason"
)

// RemovalKinds are the values of 移出方式 (the list_removal code table).
var RemovalKinds = []string{RemovedExpired, RemovedEarly, RemovedRepaired, RemovedRevoked}

// Validate checks the removal's own fields before a version of the entry
// is composed from it: the reason given (trimmed in place) and at most
// maxReason characters (the catalog's max_len of 移出原因, MD_YCYY; 0: no
// limit), the kind one of RemovalKinds when given, the date not after
// today. It returns EINVALID with a problem per field, named by
// RemovalFieldDate, RemovalFieldKind and RemovalFieldReason.
func (rm *Removal) Validate(today credit.Date, maxReason int) error {
	var ps []credit.Problem
	add := func(field, code, msg string) {
		ps = append(ps, credit.Problem{Field: field, FieldName: removalFieldNames[field], Code: code, Message: msg})
	}
	rm.Reason = strings.TrimSpace(rm.Reason)
	if rm.Kind != "" && !slices.Contains(RemovalKinds, rm.Kind) {
		add(RemovalFieldKind, "bad_code", fmt.Sprintf("移出方式“%s”无效，应为%s", clip(rm.Kind), orList(RemovalKinds)))
	}
	if rm.Date != nil && rm.Date.After(today) {
		add(RemovalFieldDate, "future_date", fmt.Sprintf("移出日期%s晚于今天（%s），不得晚于今天", rm.Date.Format(credit.DateLayout), today.Format(credit.DateLayout)))
	}
	switch n := utf8.RuneCountInString(rm.Reason); {
	case credit.Blank(rm.Reason):
		add(RemovalFieldReason, "required", removalRequired)
	case maxReason > 0 && n > maxReason:
		add(RemovalFieldReason, "too_long", fmt.Sprintf("移出原因最多%d个字，实际%d个字", maxReason, n))
	}
	if len(ps) > 0 {
		return credit.Invalid(ps[0].Message, ps...)
	}
	return nil
}

// removalFieldNames are the Chinese names of a removal's fields.
var removalFieldNames = map[string]string{
	RemovalFieldDate: "移出日期", RemovalFieldKind: "移出方式", RemovalFieldReason: "移出原因",
}

// removalProblem is an EINVALID error about one field of a removal.
func removalProblem(field, code, msg string) error {
	return credit.Invalid(msg, credit.Problem{Field: field, FieldName: removalFieldNames[field], Code: code, Message: msg})
}

// removalFieldOf maps the fields of a list entry a removal writes to the
// removal's fields.
var removalFieldOf = map[string]string{
	FieldRemovedOn: RemovalFieldDate, FieldRemovalKind: RemovalFieldKind, FieldRemovalReason: RemovalFieldReason,
}

// removalRequired is the problem of a removal without a reason.
const removalRequired = "请填写移出原因，如“已纠正失信行为并履行相关义务，经申请提前移出”"

// RemovalError restates err, the refusal of the row RemovalFields composed
// (validated as a row of the list_entry class: “第1行“移出原因”（MD_YCYY）：…”),
// in terms of the removal request: each problem about 移出日期, 移出方式 or
// 移出原因 gets the request's field (RemovalFieldDate, RemovalFieldKind,
// RemovalFieldReason), no row, and a message that names the field instead
// of a row the caller never sent; a missing reason (a placeholder such as
// “无” counts as none) is asked for as Validate asks. The error's message
// becomes its first problem's when that one is restated. Other errors and
// problems are returned unchanged.
func RemovalError(err error) error {
	var ce *credit.Error
	if !errors.As(err, &ce) || ce.Code != credit.EINVALID || len(ce.Details) == 0 {
		return err
	}
	out := &credit.Error{Code: ce.Code, Message: ce.Message, Details: make([]credit.Problem, len(ce.Details))}
	changed := false
	for i, p := range ce.Details {
		out.Details[i] = p
		field, ok := removalFieldOf[p.Field]
		if !ok {
			continue
		}
		name := removalFieldNames[field]
		text := strings.TrimPrefix(p.Message, fmt.Sprintf("第%d行“%s”（%s）：", p.Row, p.FieldName, p.Field))
		msg := name + "：" + text
		if p.Code == record.ProblemRequired && field == RemovalFieldReason {
			msg = removalRequired
			if j := strings.LastIndex(text, "（“"); j >= 0 && strings.HasSuffix(text, "视为未填写）") {
				msg += text[j:] // the placeholder that counts as empty
			}
		}
		out.Details[i] = credit.Problem{Field: field, FieldName: name, Code: p.Code, Message: msg}
		if i == 0 {
			out.Message = msg
		}
		changed = true
	}
	if !changed {
		return err
	}
	return out
}

// orList writes values as a choice: “a、b、c或d”.
func orList(values []string) string {
	if len(values) < 2 {
		return strings.Join(values, "")
	}
	return strings.Join(values[:len(values)-1], "、") + "或" + values[len(values)-1]
}
