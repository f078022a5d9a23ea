package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
)

// 执行反馈 on the verification result page: the verifying department
// reports, per hit, which of the measures the answer gave it applied and
// when, or why not. The feedback goes to lists.Service.CreateFeedback, as
// the JSON API's does; storage validates it (lists.ValidateFeedback) and
// refuses every other department.

// Choices of a feedback row.
const (
	feedbackApplied    = "applied"
	feedbackNotApplied = "not_applied"
)

// FeedbackForm is the feedback form of one hit: a row per measure the
// answer gave for the subject, or one row without a measure when it gave
// none (a linked person, a list without measures in the scenario).
type FeedbackForm struct {
	VerificationID int64
	CSRF           string
	Seq            int
	Rows           []FeedbackRow
	Error          string // what was wrong with the form as a whole
	// Open shows the form unfolded: no feedback yet, or sent back.
	Open     bool
	Min, Max string // the dates a measure may have been applied on
}

// FeedbackRow is one measure of a FeedbackForm.
type FeedbackRow struct {
	Index      int
	Code, Name string
	Obligation string // 应当采取, 可以采取, 激励措施; "" without a measure
	Status     string // feedbackApplied, feedbackNotApplied or "" (not answered)
	On         string // the date it was applied
	Reason     string // why not applied, or a note
	Error      string
}

// None reports whether the row stands for "no measure applied".
func (r *FeedbackRow) None() bool { return r.Code == "" }

// FormOf returns the feedback form of the subject seq, or nil when the user
// may not record feedback on it.
func (p *VerificationPage) FormOf(seq int) *FeedbackForm {
	if !p.CanFeedback {
		return nil
	}
	return p.Forms[seq]
}

// FeedbackOf returns the feedback recorded on the subject seq.
func (p *VerificationPage) FeedbackOf(seq int) []*lists.Feedback { return p.Feedback[seq] }

// MeasureName returns the name of the measure code, or the code.
func (p *VerificationPage) MeasureName(code string) string {
	if n, ok := p.Measures[code]; ok {
		return n
	}
	return code
}

// verificationPage builds the result page of v: the answer, the feedback
// recorded so far and the forms for more.
func (s *Server) verificationPage(r *http.Request, v *lists.Verification) (*VerificationPage, error) {
	ctx := r.Context()
	ls, err := s.listService()
	if err != nil {
		return nil, err
	}
	p := &VerificationPage{Page: base(r, "核查结果（编号"+strconv.FormatInt(v.ID, 10)+"）", "verify"), V: v, Info: lists.ReportInfo(v),
		ScenarioName: v.Scenario, Forms: map[int]*FeedbackForm{}, Feedback: map[int][]*lists.Feedback{}, Measures: map[string]string{}}
	a := credit.ActorFromContext(ctx)
	p.CanFeedback = a.Role == credit.RoleDepartment && a.DepartmentID != 0 && a.DepartmentID == v.DepartmentID
	d, err := ls.ListData(ctx)
	if err != nil {
		return nil, err
	}
	if sc, ok := d.Scenario(v.Scenario); ok {
		p.ScenarioName = sc.Name
	}
	for _, m := range d.Measures {
		p.Measures[m.Code] = m.Name
	}
	fb, err := ls.FindFeedback(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	for _, f := range fb {
		p.Feedback[f.Seq] = append(p.Feedback[f.Seq], f)
	}
	today := credit.DateOf(s.now()).Format(credit.DateLayout)
	for _, res := range v.Results {
		if !res.Hit {
			continue
		}
		f := &FeedbackForm{VerificationID: v.ID, CSRF: p.CSRF, Seq: res.Seq, Open: len(p.Feedback[res.Seq]) == 0, Min: v.AsOf, Max: today}
		add := func(m lists.AppliedMeasure, obligation string) {
			p.Measures[m.Code] = m.Name // the name the answer gave
			f.Rows = append(f.Rows, FeedbackRow{Index: len(f.Rows), Code: m.Code, Name: m.Name, Obligation: obligation, On: today})
		}
		for _, m := range res.Measures {
			if m.Obligation == lists.Must {
				add(m, "应当采取")
			}
		}
		for _, m := range res.Measures {
			if m.Obligation != lists.Must {
				add(m, "可以采取")
			}
		}
		for _, m := range res.Incentives {
			add(m, "激励措施")
		}
		if len(f.Rows) == 0 {
			f.Rows = append(f.Rows, FeedbackRow{Name: "未采取惩戒或激励措施"})
		}
		p.Forms[res.Seq] = f
	}
	return p, nil
}

// handleFeedbackCreate records the feedback of one hit from its form and
// shows the result page again: on success after a redirect, with the
// feedback and a confirmation; otherwise with the form as sent and the
// messages next to its rows (400).
func (s *Server) handleFeedbackCreate(w http.ResponseWriter, r *http.Request) error {
	form, err := postForm(w, r)
	if err != nil {
		return err
	}
	ls, err := s.listService()
	if err != nil {
		return err
	}
	v, err := s.verification(r)
	if err != nil {
		return err
	}
	p, err := s.verificationPage(r, v)
	if err != nil {
		return err
	}
	seq, err := strconv.Atoi(form.Get("seq"))
	f := p.Forms[seq]
	if err != nil || f == nil {
		return credit.Errorf(credit.EINVALID, "核查对象“%s”不是本次核查中命中名单的对象，无需反馈", credit.Clip(form.Get("seq"), 20))
	}
	var items []lists.Feedback
	var rows []*FeedbackRow // the row of each item
	for i := range f.Rows {
		row := &f.Rows[i]
		n := strconv.Itoa(i)
		row.Status, row.On, row.Reason = form.Get("status."+n), strings.TrimSpace(form.Get("on."+n)), strings.TrimSpace(form.Get("reason."+n))
		item := lists.Feedback{Seq: seq, MeasureCode: row.Code, Reason: row.Reason}
		switch {
		case row.None():
			if credit.Blank(row.Reason) {
				continue
			}
		case row.Status == feedbackApplied:
			item.Applied, item.AppliedOn = true, row.On
		case row.Status == feedbackNotApplied:
		default:
			row.Status = ""
			continue
		}
		items = append(items, item)
		rows = append(rows, row)
	}
	f.Open = true
	if len(items) == 0 {
		if f.Rows[0].None() {
			f.Rows[0].Error = "请说明未采取措施的原因或处理情况"
		}
		f.Error = "请至少填写一项措施的执行情况：已实施的填写实施日期，未实施的说明原因。"
		return s.render(w, r, http.StatusBadRequest, "verify_result", p)
	}
	if _, err := ls.CreateFeedback(r.Context(), v.ID, items); err != nil {
		if credit.ErrorCode(err) != credit.EINVALID {
			return err
		}
		f.Error = "执行反馈未保存：" + credit.ErrorMessage(err)
		var ce *credit.Error
		if errors.As(err, &ce) && len(ce.Details) > 0 {
			f.Error = "执行反馈未保存，请按提示修改后重新提交。"
			for _, pr := range ce.Details {
				msg := pr.Message
				if _, m, ok := strings.Cut(msg, "条反馈："); ok {
					msg = m
				}
				if pr.Row >= 1 && pr.Row <= len(rows) {
					rows[pr.Row-1].Error = msg
				} else {
					f.Error += " " + pr.Message
				}
			}
		}
		return s.render(w, r, http.StatusBadRequest, "verify_result", p)
	}
	redirect(w, r, "/console/verifications/"+strconv.FormatInt(v.ID, 10)+"?feedback="+strconv.Itoa(seq)+"#s"+strconv.Itoa(seq), http.StatusSeeOther)
	return nil
}
