package lists

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

// MaxBatch is the largest number of subjects in one verification.
const MaxBatch = 1000

// MaxPurpose is the longest purpose (查询事由) of a verification, in
// characters. The console's form has the same limit.
const MaxPurpose = 200

// MaxQueryCode is the longest code of a subject to verify, in characters.
// A USCC and a citizen ID have 18; the limit leaves room for codes pasted
// with separators and for legacy codes, and keeps what a request can make
// the platform store and echo small.
const MaxQueryCode = 64

// MaxQueryName is the longest name of a subject to verify, in characters,
// as in the console's form.
const MaxQueryName = 200

// Query names one subject to verify: by code (USCC or citizen ID) or, when
// the code is empty, by exact name.
type Query struct {
	Code string `json:"code,omitempty"`
	Name string `json:"name,omitempty"`
}

// Normalized returns q with the code through subject.Normalize and the name
// through subject.NormalizeText, so that "９１２２ ０１…" and full-width
// brackets in names resolve; a code or name without a visible character
// (credit.Blank) is none.
//
// A code sent as the name (a pasted column of codes) is taken as the code:
// looked up as a name it would find no organisation and answer 无, and the
// identity number would be stored as typed. Beside a code it is dropped.
func (q Query) Normalized() Query {
	n := Query{Code: subject.Normalize(q.Code), Name: subject.NormalizeText(q.Name)}
	if credit.Blank(n.Code) {
		n.Code = "" // e.g. a Hangul filler or a control character only
	}
	if credit.Blank(n.Name) {
		n.Name = ""
	}
	if c := strings.ReplaceAll(subject.Normalize(q.Name), " ", ""); looksLikeCode(c) {
		if n.Code == "" {
			n.Code = c
		}
		n.Name = "" // beside a code, a second code is no name to compare
	}
	return n
}

// looksLikeCode reports whether s has the shape of a USCC or an 18-digit
// citizen ID: 18 ASCII digits and capital letters, at least 8 of them
// digits. No organisation's name has that shape; a mistyped code still
// does, and is then answered as an invalid code rather than as a name.
func looksLikeCode(s string) bool {
	if len(s) != 18 {
		return false
	}
	digits := 0
	for i := range len(s) {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'A' && c <= 'Z':
		default:
			return false
		}
	}
	return digits >= 8
}

// VerificationRequest is what a department sends to verify subjects.
type VerificationRequest struct {
	Scenario string  `json:"scenario"`
	Purpose  string  `json:"purpose"`
	Subjects []Query `json:"subjects"`
}

// Validate checks a request against the list catalog. It trims the
// white space around Scenario and Purpose in place, so that what is matched
// and stored is the trimmed text.
//
// A subject that names no one (neither code nor name) or whose code or name
// is over MaxQueryCode or MaxQueryName characters is refused, each with a
// problem whose Field is its place in the request: "subjects[1]",
// "subjects[1].code" or "subjects[1].name" (0-based, as the JSON decoder's
// errors say) and whose Row is its 1-based position.
func (r *VerificationRequest) Validate(d *Data) error {
	r.Scenario, r.Purpose = strings.TrimSpace(r.Scenario), strings.TrimSpace(r.Purpose)
	if _, ok := d.Scenario(r.Scenario); !ok {
		names := make([]string, len(d.Scenarios))
		for i, s := range d.Scenarios {
			names[i] = s.Code
		}
		msg := fmt.Sprintf("应用场景“%s”无效，应为：%s", clip(r.Scenario), strings.Join(names, "、"))
		return credit.Invalid(msg, credit.Problem{Field: "scenario", Code: "bad_scenario", Message: msg})
	}
	if credit.Blank(r.Purpose) {
		msg := "请说明核查事由，如采购项目名称或审批事项"
		return credit.Invalid(msg, credit.Problem{Field: "purpose", Code: "required", Message: msg})
	}
	if err := CheckPurpose(r.Purpose); err != nil {
		return err
	}
	if c, bad := credit.BadRune(r.Purpose); bad {
		msg := "核查事由" + credit.BadRuneMessage(c)
		return credit.Invalid(msg, credit.Problem{Field: "purpose", Code: "bad_character", Message: msg})
	}
	if len(r.Subjects) == 0 {
		return credit.Errorf(credit.EINVALID, "请至少提供一个核查对象")
	}
	if len(r.Subjects) > MaxBatch {
		return credit.Errorf(credit.ETOOLARGE, "一次最多核查%d个主体，实际%d个", MaxBatch, len(r.Subjects))
	}
	var ps []credit.Problem
	for i, q := range r.Subjects {
		if p := q.problem(i); p != nil {
			ps = append(ps, *p)
		}
	}
	if len(ps) > 0 {
		return credit.Invalid(ps[0].Message, ps...)
	}
	return nil
}

// problem returns what is wrong with q, the subject at index i of a
// request, or nil: no code and no name, or a code or name over its limit.
// The limits apply to the normalised code and name, as they are stored.
func (q Query) problem(i int) *credit.Problem {
	at := "subjects[" + itoa(i) + "]"
	lead := "第" + itoa(i+1) + "个核查对象（" + at + "）"
	n := q.Normalized()
	if c := utf8.RuneCountInString(n.Code); c > MaxQueryCode {
		return &credit.Problem{Row: i + 1, Field: at + ".code", Code: "too_long",
			Message: lead + "的代码最多" + itoa(MaxQueryCode) + "个字符，实际" + itoa(c) + "个：统一社会信用代码和身份证号码均为18位"}
	}
	if c := utf8.RuneCountInString(n.Name); c > MaxQueryName {
		return &credit.Problem{Row: i + 1, Field: at + ".name", Code: "too_long",
			Message: lead + "的名称最多" + itoa(MaxQueryName) + "字，实际" + itoa(c) + "字"}
	}
	if n.Code == "" && n.Name == "" {
		return &credit.Problem{Row: i + 1, Field: at, Code: "required",
			Message: lead + "缺少代码（统一社会信用代码或身份证号码）和名称"}
	}
	return nil
}

// clip shortens what the caller sent to quote it in a message.
func clip(s string) string { return credit.Clip(s, 60) }

// CheckPurpose returns an EINVALID error (problem code too_long) when the
// purpose of a verification, without its leading and trailing white space,
// is longer than MaxPurpose characters.
func CheckPurpose(purpose string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(purpose))
	if n <= MaxPurpose {
		return nil
	}
	msg := "核查事由最多" + itoa(MaxPurpose) + "字，实际" + itoa(n) + "字"
	return credit.Invalid(msg, credit.Problem{Field: "purpose", Code: "too_long", Message: msg})
}

// CodeProblem says why code, written as a subject's code, is neither a
// valid USCC nor a valid citizen ID number, or returns "" when it is one of
// them. The message is the citizen-ID check's for a code shaped like an ID
// number (17 digits and a digit or X, the first two a province code), the
// USCC check's otherwise: 91220802873925803X is a mistyped USCC, not an ID.
func CodeProblem(code string, today credit.Date) string {
	pu, pc := subject.CheckUSCC(code, nil), subject.CheckCitizenID(code, today)
	switch {
	case pu == nil || pc == nil:
		return ""
	case idShaped(code):
		return pc.Message
	case len(code) == 15 && strings.Trim(code, "0123456789") == "":
		return "15位身份证号码是1999年以前的旧号码，请使用18位身份证号码"
	}
	return pu.Message
}

// idShaped reports whether code looks like a citizen ID number: 17 digits
// and a digit or X, the first two digits a GB/T 2260 province code.
func idShaped(code string) bool {
	if len(code) != 18 {
		return false
	}
	for i := range 17 {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	if code[17] != 'X' && (code[17] < '0' || code[17] > '9') {
		return false
	}
	return provincePrefix(code)
}

// provincePrefix reports whether the first two characters of code are a
// GB/T 2260 province code. The table is subject's: CheckCitizenID checks the
// province right after the length and the characters, so a number of 18
// digits with code's first two fails with ProblemIDRegion exactly when they
// are not a province code.
func provincePrefix(code string) bool {
	if len(code) < 2 || code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9' {
		return false
	}
	p := subject.CheckCitizenID(code[:2]+"0000000000000000", credit.Date{})
	return p == nil || p.Code != subject.ProblemIDRegion
}

// Verdict is the summary of a verification for one subject.
type Verdict string

// Verdicts.
const (
	Restricted Verdict = "受限" // a measure restricts the decision
	Caution    Verdict = "提示" // listed or linked, but no restriction in this scenario
	Incentive  Verdict = "激励" // on a red list, nothing adverse
	NoVerdict  Verdict = "无"  // nothing found
	// Undetermined: the query names no one subject for certain (an invalid
	// code, or a name several subjects share), so nothing can be said.
	Undetermined Verdict = "无法核查"
)

// Obligation says whether a department must or may apply a measure.
type Obligation string

// Obligations.
const (
	Must Obligation = "must" // 应当
	May  Obligation = "may"  // 可以
)

// AppliedMeasure is a measure that applies to a subject in a verification,
// with the entries that trigger it.
type AppliedMeasure struct {
	Measure
	Obligation Obligation `json:"obligation"`
	Entries    []string   `json:"entries"` // keys of the triggering entries
}

// EntryView is an entry as shown in a verification answer: no identity
// numbers, no persons' data beyond names and roles.
type EntryView struct {
	RecordID      credit.RecordID `json:"record_id"`
	Key           string          `json:"key"`
	ListType      string          `json:"list_type"`
	ListName      string          `json:"list_name"`
	Kind          Kind            `json:"kind"`
	DocNo         string          `json:"doc_no"`
	Department    string          `json:"department"`
	DecisionDate  string          `json:"decision_date"`
	ValidFrom     string          `json:"valid_from"`
	ValidUntil    string          `json:"valid_until,omitempty"`
	Reason        string          `json:"reason"`
	Basis         string          `json:"basis"`
	MeasuresNote  string          `json:"measures_note,omitempty"`
	RemovalCond   string          `json:"removal_conditions,omitempty"`
	Remedies      string          `json:"remedies,omitempty"`
	SubjectName   string          `json:"subject_name,omitempty"`
	LinkedAs      string          `json:"linked_as,omitempty"` // role of the verified person in a linked entry
	ResponsibleOf []string        `json:"responsible_persons,omitempty"`
}

// View returns the entry as shown in verification answers.
func (e *Entry) View() EntryView {
	v := EntryView{
		RecordID: e.RecordID, Key: e.Key, ListType: e.ListType, ListName: e.ListName, Kind: e.Kind,
		DocNo: e.DocNo, Department: e.Department, DecisionDate: day(e.DecisionDate), ValidFrom: day(e.ValidFrom),
		Reason: e.Reason, Basis: e.Basis, MeasuresNote: e.MeasuresNote, RemovalCond: e.RemovalCond, Remedies: e.Remedies,
		SubjectName: e.SubjectName,
	}
	if e.ValidUntil != nil {
		v.ValidUntil = day(*e.ValidUntil)
	}
	for _, p := range e.Persons {
		v.ResponsibleOf = append(v.ResponsibleOf, p.Role+"："+p.Name)
	}
	return v
}

func day(d credit.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.Format(credit.DateLayout)
}

// Linked is an active black-list entry of an organisation in which the
// verified person is a responsible person (关联失信), or, for a verified
// organisation, an active black-list entry of one of its responsible persons.
type Linked struct {
	Entry *Entry
	Role  string // the person's role in the organisation
}

// SubjectResult is the answer for one subject.
type SubjectResult struct {
	Seq         int              `json:"seq"` // 1-based position in the request
	Query       Query            `json:"query"`
	Found       bool             `json:"found"`
	SubjectID   credit.SubjectID `json:"subject_id,omitempty"`
	Name        string           `json:"name,omitempty"`
	USCC        string           `json:"uscc,omitempty"`
	Type        subject.Type     `json:"type,omitempty"`
	Ambiguous   int              `json:"ambiguous,omitempty"` // several subjects share the name
	Entries     []EntryView      `json:"entries"`
	Linked      []EntryView      `json:"linked"`
	Measures    []AppliedMeasure `json:"measures"`
	Incentives  []AppliedMeasure `json:"incentives"`
	Verdict     Verdict          `json:"verdict"`
	Explanation string           `json:"explanation"`
	Hit         bool             `json:"hit"` // any active entry or linkage
	// SameAs is the seq of the earlier query of the same request that named
	// the same subject: this one is answered alike but is no hit of its
	// own (feedback goes to SameAs).
	SameAs   int               `json:"same_as,omitempty"`
	Feedback *FeedbackProgress `json:"feedback,omitempty"`
}

// FeedbackProgress says whether a hit has had feedback.
type FeedbackProgress struct {
	Given bool   `json:"given"`
	Due   string `json:"due"` // last working day for feedback
}

// Verification is one stored verification.
type Verification struct {
	ID             int64               `json:"id"`
	At             time.Time           `json:"at"`
	Actor          string              `json:"actor"`
	DepartmentID   credit.DepartmentID `json:"department_id,omitempty"`
	DepartmentCode string              `json:"department_code,omitempty"`
	DepartmentKind string              `json:"department_kind,omitempty"`
	DepartmentName string              `json:"department_name,omitempty"`
	Scenario       string              `json:"scenario"`
	Purpose        string              `json:"purpose"`
	DataVersion    int64               `json:"data_version"` // ledger size when answered
	AsOf           string              `json:"as_of"`        // the date the lists were read for
	Total          int                 `json:"total"`
	Found          int                 `json:"found"`
	Hits           int                 `json:"hits"`
	// Repeats counts the queries that named a subject an earlier query of
	// the same request named: answered alike, but one subject, one hit
	// (the statistics count Total - Repeats subjects).
	Repeats     int             `json:"repeats,omitempty"`
	FeedbackDue string          `json:"feedback_due,omitempty"`
	Results     []SubjectResult `json:"results"`
}

// Decide computes one subject's answer from its entries and linkages on
// day, for a department of kind deptKind verifying in scenario. It is pure.
//
//   - Only entries active on day count; removed and expired ones are ignored.
//   - Measures: every measure of the catalog whose scenarios include the
//     scenario and whose list types include an active entry's list type or
//     its parent. Class 3 measures are for organisations other than public
//     bodies and are given only to departments of a kind the measure names.
//     A measure is "must" when it is mandatory and the department is of a
//     kind the measure names (or the measure names none); otherwise "may".
//   - Rewards of active red entries are incentives, withheld while the
//     subject has an active black or watch entry (失信者不得享受激励).
//   - Verdict: 受限 when a restricting measure applies; 提示 when the subject
//     has any active black, watch or abnormal entry or a linkage but no
//     restriction in this scenario, or such an entry decided but in force
//     only later; 激励 when only incentives apply or a red entry is active;
//     无 otherwise.
func Decide(d *Data, entries []*Entry, linked []Linked, scenario, deptKind string, on credit.Date) SubjectResult {
	res := SubjectResult{Entries: []EntryView{}, Linked: []EntryView{}, Measures: []AppliedMeasure{}, Incentives: []AppliedMeasure{}}
	var active, coming []*Entry
	adverse, red := false, false
	for _, e := range entries {
		if st := e.StateOn(on); st != Active {
			if st == Pending && e.Kind.Adverse() {
				coming = append(coming, e)
			}
			continue
		}
		active = append(active, e)
		res.Entries = append(res.Entries, e.View())
		if e.Kind == Red {
			red = true
		} else {
			adverse = true
		}
	}
	for _, l := range linked {
		if l.Entry.StateOn(on) != Active || l.Entry.Kind != Black {
			continue
		}
		v := l.Entry.View()
		// The verified person's own role, not the entry's other
		// responsible persons: verifying one person must not disclose
		// another's name (直接责任人 are not public, catalog 2024.5).
		v.LinkedAs, v.ResponsibleOf = l.Role, nil
		res.Linked = append(res.Linked, v)
	}
	restricted := false
	for _, m := range d.Measures {
		if !slices.Contains(m.Scenarios, scenario) {
			continue
		}
		kindNamed := len(m.DepartmentKinds) == 0 || (deptKind != "" && slices.Contains(m.DepartmentKinds, deptKind))
		if m.Class == 3 && (len(m.DepartmentKinds) == 0 || !kindNamed) {
			continue
		}
		var keys []string
		for _, e := range active {
			if measureApplies(d, &m, e.ListType) {
				keys = append(keys, e.Key)
			}
		}
		if len(keys) == 0 {
			continue
		}
		am := AppliedMeasure{Measure: m, Obligation: May, Entries: keys}
		if m.Mandatory && kindNamed {
			am.Obligation = Must
		}
		if m.Effect == Reward {
			if !adverse && len(coming) == 0 {
				res.Incentives = append(res.Incentives, am)
			}
			continue
		}
		res.Measures = append(res.Measures, am)
		if m.Effect == Restrict {
			restricted = true
		}
	}
	res.Hit = len(res.Entries) > 0 || len(res.Linked) > 0
	switch {
	case restricted:
		res.Verdict = Restricted
		res.Explanation = "该主体在有效期内的名单信息触发本场景的限制性措施，请依清单实施并反馈执行情况"
	case adverse || len(res.Linked) > 0:
		res.Verdict = Caution
		switch {
		case adverse:
			res.Explanation = "该主体在有效期内列入名单，本场景无限制性措施，请作为重要参考并加强审查"
		default:
			res.Explanation = "该主体的法定代表人（主要负责人）或直接责任人关联严重失信主体名单，请作为重要参考"
		}
	case len(coming) > 0:
		// Decided, in force later: not a restriction today, but never an
		// all-clear (nor an incentive) for a subject about to be listed.
		e := coming[0]
		res.Verdict = Caution
		res.Explanation = fmt.Sprintf("该主体已被决定列入%s（%s），自%s起生效，核查时尚未生效；请作为重要参考", e.ListName, e.DocNo, day(e.ValidFrom))
	case red || len(res.Incentives) > 0:
		res.Verdict = Incentive
		res.Explanation = "该主体为守信激励对象，可依清单给予激励措施"
	default:
		res.Verdict = NoVerdict
		res.Explanation = "未发现有效期内的名单信息"
	}
	return res
}

// measureApplies reports whether m applies to an entry of list type code,
// directly or through its parent list.
func measureApplies(d *Data, m *Measure, code string) bool {
	if slices.Contains(m.ListTypes, code) {
		return true
	}
	if lt, ok := d.ListType(code); ok && lt.Parent != "" {
		return slices.Contains(m.ListTypes, lt.Parent)
	}
	return false
}

// LinkedRole returns the role in which a person with ID number id (already
// normalised) is named in e, or "".
func LinkedRole(e *Entry, id string) string {
	for _, p := range e.Persons {
		if p.IDNumber != "" && strings.EqualFold(p.IDNumber, id) {
			return p.Role
		}
	}
	return ""
}
