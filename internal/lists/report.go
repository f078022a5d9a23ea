package lists

import (
	"strconv"
	"strings"

	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

// ReportHeader is the header row of a verification report (信用核查报告),
// in the order of ReportRow.Cells.
var ReportHeader = []string{"序号", "主体名称", "统一社会信用代码/证件号码", "是否找到", "核查结论", "名单类型", "认定部门", "认定文书号",
	"有效期", "应采取措施", "可采取措施", "激励措施", "关联失信提示"}

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
}

// Cells returns the row's cells in the order of ReportHeader.
func (r ReportRow) Cells() []string {
	return []string{strconv.Itoa(r.Seq), r.Name, r.Code, r.Found, r.Conclusion(), r.ListTypes, r.Departments, r.DocNos,
		r.Validity, r.Must, r.May, r.Incentives, r.Linked}
}

// Conclusion is the 核查结论 cell: the verdict and its explanation.
func (r ReportRow) Conclusion() string {
	if r.Explanation == "" {
		return string(r.Verdict)
	}
	return string(r.Verdict) + "：" + r.Explanation
}

// ReportRows returns the rows of a verification report. Identity numbers of
// persons are masked, whether the subject was found or not: only a code
// that is a valid USCC of an organisation is shown in clear.
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
		var types, deps, docs, validity []string
		for _, e := range res.Entries {
			types = append(types, e.ListName)
			deps = append(deps, e.Department)
			docs = append(docs, e.DocNo)
			validity = append(validity, validityText(e))
		}
		r.ListTypes, r.Departments, r.DocNos, r.Validity = lines(types), lines(deps), lines(docs), lines(validity)
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
// clear, every other code masked.
func reportCode(res SubjectResult) string {
	if res.Found && res.Type != subject.Person && res.USCC != "" {
		return res.USCC
	}
	code := res.Query.Code
	if code == "" {
		return ""
	}
	if res.Type != subject.Person && subject.CheckCitizenID(code, credit.Date{}) != nil && subject.CheckUSCC(code, nil) == nil {
		return code
	}
	return subject.MaskCitizenID(code)
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
