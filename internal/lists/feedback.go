package lists

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"jlcredit/internal/credit"
)

// FeedbackDays is the number of working days a department has to report
// which measures it applied after a verification with hits (执行反馈). The
// province sets the figure; no national standard exists (DOMAIN.md §4.2).
const FeedbackDays = 10

// Feedback is a department's report on one hit of a verification: which
// measure it applied and when, or why not (执行反馈).
type Feedback struct {
	ID             int64     `json:"id"`
	VerificationID int64     `json:"verification_id"`
	Seq            int       `json:"seq"` // the subject's position in the verification
	MeasureCode    string    `json:"measure_code"`
	Applied        bool      `json:"applied"`
	AppliedOn      string    `json:"applied_on,omitempty"` // yyyy-MM-dd
	Reason         string    `json:"reason,omitempty"`     // why not applied, or a note
	At             time.Time `json:"at"`
	Actor          string    `json:"actor"`
}

// MaxFeedbackItems is the largest number of feedback items in one request.
const MaxFeedbackItems = 1000

// ValidateFeedback checks feedback against the verification it is about:
// each item must name a hit of the verification and one of the measures the
// answer gave for it; applied items need a date not after today and not
// before the verification, items not applied need a reason. Within one
// request an item may not repeat another (the same subject and measure,
// or two "no measure applied" items of one subject), nor say that no
// measure was applied to a subject another item reports a measure applied
// to. At most MaxFeedbackItems items (ETOOLARGE).
//
// Each problem's Row is the item's 1-based position and its Field the
// item's place in the request, "feedback[0]" or "feedback[0].seq"
// (0-based, as the JSON decoder's errors say).
func ValidateFeedback(v *Verification, fb []Feedback, today credit.Date) error {
	if len(fb) == 0 {
		return credit.Errorf(credit.EINVALID, "请至少提供一条反馈")
	}
	if len(fb) > MaxFeedbackItems {
		return credit.Errorf(credit.ETOOLARGE, "一次最多提交%d条反馈，实际%d条，请分批提交", MaxFeedbackItems, len(fb))
	}
	var ps []credit.Problem
	add := func(i int, field, code, msg string) {
		at := "feedback[" + itoa(i) + "]"
		if field != "" {
			at += "." + field
		}
		ps = append(ps, credit.Problem{Row: i + 1, Field: at, Code: code, Message: "第" + itoa(i+1) + "条反馈：" + msg})
	}
	type itemKey struct {
		seq  int
		code string
	}
	first := map[itemKey]int{} // the first item of each subject and measure
	applied := map[int]int{}   // per subject, the first item of a measure applied
	none := map[int]int{}      // per subject, the item saying no measure was applied
	verified := credit.DateOf(v.At)
	for i := range fb {
		f := &fb[i]
		f.MeasureCode = NormalizeMeasureCode(f.MeasureCode) // as the catalog writes it: "n1-01" is N1-01
		f.Reason = strings.TrimSpace(f.Reason)
		if credit.Blank(f.Reason) {
			f.Reason = "" // no visible character: no reason
		}
		if f.Seq < 1 || f.Seq > len(v.Results) {
			add(i, "seq", "bad_seq", "核查对象序号"+itoa(f.Seq)+"不在本次核查中")
			continue
		}
		k := itemKey{f.Seq, f.MeasureCode}
		if j, ok := first[k]; ok {
			add(i, "", "duplicate", "与第"+itoa(j+1)+"条重复：同一核查对象的同一措施在一次提交中只能反馈一次")
			continue
		}
		first[k] = i
		if f.MeasureCode == "" && !f.Applied {
			if j, ok := applied[f.Seq]; ok {
				add(i, "", "contradictory", "与第"+itoa(j+1)+"条矛盾：第"+itoa(j+1)+"条报告对该核查对象实施了措施，本条又报告未采取措施")
				continue
			}
			none[f.Seq] = i
		} else if f.Applied {
			if j, ok := none[f.Seq]; ok {
				add(i, "", "contradictory", "与第"+itoa(j+1)+"条矛盾：第"+itoa(j+1)+"条报告对该核查对象未采取措施，本条又报告实施了措施")
				continue
			}
			if _, ok := applied[f.Seq]; !ok {
				applied[f.Seq] = i
			}
		}
		res := &v.Results[f.Seq-1]
		if !res.Hit && res.SameAs > 0 && res.SameAs <= len(v.Results) && v.Results[res.SameAs-1].Hit {
			add(i, "seq", "same_subject", "核查对象“"+res.Query.label()+"”与第"+itoa(res.SameAs)+"个核查对象为同一主体，请对第"+itoa(res.SameAs)+"个反馈")
			continue
		}
		if !res.Hit {
			add(i, "seq", "not_hit", "核查对象“"+res.Query.label()+"”未命中名单，无需反馈")
			continue
		}
		known := slices.ContainsFunc(res.Measures, func(m AppliedMeasure) bool { return m.Code == f.MeasureCode }) ||
			slices.ContainsFunc(res.Incentives, func(m AppliedMeasure) bool { return m.Code == f.MeasureCode })
		if f.MeasureCode == "" && !f.Applied {
			known = true // "no measure applied" with a reason, e.g. a linked person only
		}
		if !known {
			add(i, "measure_code", "bad_measure", "措施“"+clip(f.MeasureCode)+"”不是本次核查对该主体给出的措施")
			continue
		}
		if f.Applied {
			d, bad := ReadDate("实施日期", f.AppliedOn)
			switch {
			case strings.TrimSpace(f.AppliedOn) == "":
				add(i, "applied_on", "required", "已实施的措施须填写实施日期，如2026-11-27")
			case bad != "":
				add(i, "applied_on", "bad_date", bad)
			case d.After(today):
				add(i, "applied_on", "future_date", "实施日期不得晚于今天")
			case d.Before(verified):
				add(i, "applied_on", "date_order", "实施日期不得早于核查日期"+verified.Format(credit.DateLayout))
			default:
				f.AppliedOn = d.Format(credit.DateLayout)
			}
		} else if f.Reason == "" {
			add(i, "reason", "required", "未实施措施的须说明原因")
		}
		if c, bad := credit.BadRune(f.Reason); bad {
			add(i, "reason", "bad_character", "原因或说明"+credit.BadRuneMessage(c))
		}
		if n := len([]rune(f.Reason)); n > MaxFeedbackReason {
			add(i, "reason", "too_long", "原因或说明最多"+itoa(MaxFeedbackReason)+"字，实际"+itoa(n)+"字")
		}
	}
	if len(ps) > 0 {
		return credit.Invalid(ps[0].Message, ps...)
	}
	return nil
}

// MaxFeedbackReason is the longest reason or note of one feedback, in
// characters (the console's field allows as many).
const MaxFeedbackReason = 500

func (q Query) label() string {
	if q.Name != "" {
		return q.Name
	}
	return q.Code
}

func itoa(n int) string { return strconv.Itoa(n) }

// StatsFilter selects verifications for statistics.
type StatsFilter struct {
	From, To     *credit.Date
	DepartmentID *credit.DepartmentID
	// FeedbackDays overrides FeedbackDays when positive.
	FeedbackDays int
}

// StatsRow is the figures of one department in one scenario.
type StatsRow struct {
	DepartmentID   credit.DepartmentID `json:"department_id"`
	DepartmentName string              `json:"department_name"`
	Scenario       string              `json:"scenario"`
	Verifications  int                 `json:"verifications"`
	Subjects       int                 `json:"subjects"`
	Hits           int                 `json:"hits"`
	// FeedbackExpected counts the hits whose feedback is expected: those
	// of a department's verifications (an administrator verifying
	// implements no measure and gives none).
	FeedbackExpected int     `json:"feedback_expected"`
	WithFeedback     int     `json:"with_feedback"`
	Overdue          int     `json:"overdue"`       // hits without feedback past the deadline (逾期未反馈)
	LateFeedback     int     `json:"late_feedback"` // hits whose feedback came after the deadline (逾期反馈)
	HitRate          float64 `json:"hit_rate"`
	FeedbackRate     float64 `json:"feedback_rate"` // WithFeedback / FeedbackExpected
}

// Stats is the verification statistics.
type Stats struct {
	AsOf         string     `json:"as_of"`
	FeedbackDays int        `json:"feedback_days"`
	Rows         []StatsRow `json:"rows"`
	Total        StatsRow   `json:"total"`
}

// Rates fills the rates of r: hits per verified subject and feedback per
// hit that expects it.
func (r *StatsRow) Rates() {
	r.HitRate, r.FeedbackRate = 0, 0
	if r.Subjects > 0 {
		r.HitRate = float64(r.Hits) / float64(r.Subjects)
	}
	if r.FeedbackExpected > 0 {
		r.FeedbackRate = float64(r.WithFeedback) / float64(r.FeedbackExpected)
	}
}

// RepeatedFeedback refuses items that repeat feedback already given: the
// same subject, measure and state (applied on the same day, or not applied
// for the same reason). A different state is a correction and is kept
// beside the earlier feedback; an identical one only doubles the record.
// Problems are placed as ValidateFeedback places them.
func RepeatedFeedback(given []*Feedback, fb []Feedback) error {
	var ps []credit.Problem
	for i, f := range fb {
		for _, g := range given {
			if g.Seq != f.Seq || g.MeasureCode != f.MeasureCode || g.Applied != f.Applied || g.AppliedOn != f.AppliedOn || strings.TrimSpace(g.Reason) != f.Reason {
				continue
			}
			state := "未实施"
			if g.Applied {
				state = g.AppliedOn + "已实施"
			}
			msg := "第" + itoa(i+1) + "条反馈：该措施已于" + g.At.In(credit.Shanghai).Format("2006-01-02 15:04") + "反馈为“" + state + "”，无须重复反馈；如需更正，请填写不同的执行情况"
			ps = append(ps, credit.Problem{Row: i + 1, Field: "feedback[" + itoa(i) + "]", Code: "already_given", Message: msg})
			break
		}
	}
	if len(ps) > 0 {
		return credit.Invalid(ps[0].Message, ps...)
	}
	return nil
}
