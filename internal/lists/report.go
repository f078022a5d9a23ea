package lists

import (
	"strconv"
	"strings"

	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

// ReportHeader is the header row of a verification report (信用核查报告),
// in the order of ReportRow.Cells.
// The entries' reason (列入事由) and legal basis (列入依据) come last, so
// that the columns of earlier reports keep their places.
var ReportHeader = []string{"序号", "主体名称", "统一社会信用代码/证件号码", "是否找到", "核查结论", "名单类型", "认定部门", "认定文书号",
	"有效期", "应采取措施", "可采取措施", "激励措施", "关联失信提示", "列入事由", "列入依据"}

// ReportRow is one subject of a verification report. Cells holding several
// entries or measures have one line per item.
type ReportRow struct {
	Seq         int
	Name        string
	Code        string // an organisation's USCC; anything else masked
	Found       string
	Verdict     Verdict
	Explanation string
	ListTypes   string
	Departments string
	DocNos      string
	Validity    string
	Must        string
	May         string
	Incentives  string
	Linked      string
	Reasons     string // 列入事由, one line per entry as ListTypes
	Bases       string // 列入依据, one line per entry as ListTypes
}

// Cells returns the row's cells in the order of ReportHeader.
func (r ReportRow) Cells() []string {
	return []string{strconv.Itoa(r.Seq), r.Name, r.Code, r.Found, r.Conclusion(), r.ListTypes, r.Departments, r.DocNos,
		r.Validity, r.Must, r.May, r.Incentives, r.Linked, r.Reasons, r.Bases}
}

// Conclusion is the 核查结论 cell: the verdict and its explanation.
func (r ReportRow) Conclusion() string {
	if r.Explanation == "" {
		return string(r.Verdict)
	}
	return string(r.Verdict) + "：" + r.Explanation
}

// ReportRows returns the rows of a verification report. Identity numbers of
// persons are masked, whether the subject was found or not, and so is a code
// that may be one (MaskCode); a USCC, and an invalid code that names no
// person, are shown in clear.
func ReportRows(v *Verification) []ReportRow {
	rows := make([]ReportRow, 0, len(v.Results))
	for _, res := range v.Results {
		r := ReportRow{Seq: res.Seq, Verdict: res.Verdict, Explanation: res.Explanation}
		r.Name = res.Name
		if r.Name == "" {
			r.Name = res.Query.Name
		}
		r.Code = reportCode(res)
		switch {
		case res.Found:
			r.Found = "是"
		case res.Ambiguous > 1:
			r.Found = "否（名称对应" + strconv.Itoa(res.Ambiguous) + "个主体）"
		default:
			r.Found = "否"
		}
		var types, deps, docs, validity, reasons, bases []string
		for _, e := range res.Entries {
			types = append(types, e.ListName)
			deps = append(deps, e.Department)
			docs = append(docs, e.DocNo)
			validity = append(validity, validityText(e))
			reasons = append(reasons, oneLine(e.Reason))
			bases = append(bases, oneLine(e.Basis))
		}
		r.ListTypes, r.Departments, r.DocNos, r.Validity = lines(types), lines(deps), lines(docs), lines(validity)
		r.Reasons, r.Bases = lines(reasons), lines(bases)
		var must, may, inc, linked []string
		for _, m := range res.Measures {
			if m.Obligation == Must {
				must = append(must, measureText(m))
			} else {
				may = append(may, measureText(m))
			}
		}
		for _, m := range res.Incentives {
			inc = append(inc, measureText(m))
		}
		for _, l := range res.Linked {
			linked = append(linked, LinkedText(l))
		}
		r.Must, r.May, r.Incentives, r.Linked = lines(must), lines(may), lines(inc), lines(linked)
		rows = append(rows, r)
	}
	return rows
}

// reportCode is the code shown for a result: the USCC of an organisation in
// clear, a person's code masked, any other code as MaskCode shows it.
func reportCode(res SubjectResult) string {
	if res.Found && res.Type != subject.Person && res.USCC != "" {
		return res.USCC
	}
	code := res.Query.Code
	if code == "" {
		return ""
	}
	if res.Type == subject.Person {
		return subject.MaskCitizenID(code)
	}
	return MaskCode(code)
}

// MaskCode returns a code written as a subject's code as it may be shown:
// masked (subject.MaskCitizenID) when it is, or may be, a person's identity
// number, in clear otherwise. A valid citizen ID is masked, and so is a
// number that may be one mistyped, cut short or of the old 15 digits: digits
// but for a final X, the first two a province code (GB/T 2260), and no valid
// USCC. A USCC, valid or mistyped, and any other code that fails the checks
// name no person and are shown as typed, so that a department sees what it
// verified: 91220802873925803X is a mistyped USCC.
func MaskCode(code string) string {
	if maybeCitizenID(code) {
		return subject.MaskCitizenID(code)
	}
	return code
}

// maybeCitizenID reports whether code is a valid citizen ID number, or
// could be one, or part of one, mistyped and is no valid USCC.
func maybeCitizenID(code string) bool {
	if subject.CheckCitizenID(code, credit.Date{}) == nil {
		return true
	}
	if subject.CheckUSCC(code, nil) == nil {
		return false
	}
	n := len(code)
	for i := 0; i < n; i++ {
		if c := code[i]; (c < '0' || c > '9') && !(c == 'X' && i == n-1) {
			return false
		}
	}
	return provincePrefix(code)
}

var lineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

// oneLine returns s with its line breaks as spaces, so that a cell keeps
// one line per entry.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return lineBreaks.Replace(s)
}

func validityText(e EntryView) string {
	until := e.ValidUntil
	if until == "" {
		until = "移出之日"
	}
	return e.ValidFrom + " 至 " + until
}

func measureText(m AppliedMeasure) string {
	s := m.Code + " " + m.Name
	if m.Basis != "" {
		s += "（依据：" + m.Basis + "）"
	}
	return s
}

// LinkedText describes a linkage (关联失信) without any identity number: who
// is listed, on which list, and in which role the verified subject is linked.
func LinkedText(l EntryView) string {
	var b strings.Builder
	b.WriteString(l.SubjectName)
	b.WriteString("列入")
	b.WriteString(l.ListName)
	if l.DocNo != "" {
		b.WriteString("（" + l.DocNo + "）")
	}
	if l.LinkedAs != "" {
		b.WriteString("；关联身份：" + l.LinkedAs)
	}
	return b.String()
}

func lines(s []string) string { return strings.Join(s, "\n") }

// MaskQuery masks the code of the query of r unless it is an
// organisation's USCC, so that a stored answer never holds a citizen ID in
// clear.
func (r *SubjectResult) MaskQuery() {
	r.Query.Code = reportCode(*r)
}
