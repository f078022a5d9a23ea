package web

import (
	"net/http"
	"strconv"
	"strings"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
)

// The console's record of verifications (核查记录) and their statistics
// (核查统计): hit rate, feedback rate and overdue feedback by department
// and scenario, from lists.Service.VerificationStats as the JSON API's
// GET /api/v1/verifications/stats. Storage decides what each user sees: a
// department its own figures, administrators and auditors all.
func init() {
	views["verifications"] = VerificationsPage{}
	views["verification_stats"] = VerificationStatsPage{}
}

// verificationsSize is how many verifications a page of the list shows.
const verificationsSize = 20

// VerificationsPage lists verifications, newest first.
type VerificationsPage struct {
	Page
	Rows  []VerificationRow
	From  string
	To    string
	Error string
	// Departments says the list holds other departments' verifications.
	Departments bool
	Pager       Pager
}

// VerificationRow is one verification of the list.
type VerificationRow struct {
	*lists.Verification
	ScenarioName string
	Subjects     string // the names of the first subjects
	HitCount     int    // subjects with hits
	Given        int    // hits with feedback
	Status       string // 无需反馈, 已完成, 待反馈, 逾期未反馈
	StatusClass  string
}

// VerificationStatsPage shows the verification statistics.
type VerificationStatsPage struct {
	Page
	Stats        *lists.Stats
	From, To     string
	Error        string
	Own          bool             // a department's own figures only
	ByDepartment []lists.StatsRow // summed over scenarios
	ByScenario   []lists.StatsRow // summed over departments
	scenarios    map[string]string
}

// CanVerificationIndex reports whether the navigation offers the list of
// verifications, to whom storage lists them (FindVerifications): a
// department's users who verify, province administrators and auditors.
func (p *Page) CanVerificationIndex() bool {
	if p.User == nil {
		return false
	}
	switch p.User.Role {
	case credit.RoleDepartment:
		return p.Can(string(access.ActionVerify))
	case credit.RoleProvince, credit.RoleSystem, credit.RoleAuditor:
		return true
	}
	return false
}

// CanVerificationStats reports whether the user may see verification
// statistics, as storage decides: a department its own, and whoever may
// read the whole query log.
func (p *Page) CanVerificationStats() bool {
	if p.User == nil {
		return false
	}
	a := p.User.Actor()
	if a.Role == credit.RoleDepartment {
		return a.DepartmentID != 0
	}
	return access.Can(a, access.ActionViewQueryLog, access.Target{})
}

// ScenarioName returns the name of a scenario code.
func (p *VerificationStatsPage) ScenarioName(code string) string {
	if n, ok := p.scenarios[code]; ok {
		return n
	}
	return code
}

// Rate shows a share as a percentage with one decimal.
func (*VerificationStatsPage) Rate(f float64) string { return pct(f * 100) }

// dateRange reads the from and to parameters (yyyy-MM-dd, either may be
// empty) into f and returns them as written back to the form.
func dateRange(r *http.Request, f *lists.StatsFilter) (from, to string, err error) {
	q := r.URL.Query()
	from, to = strings.TrimSpace(q.Get("from")), strings.TrimSpace(q.Get("to"))
	parse := func(v, what string) (*credit.Date, string, error) {
		if v == "" {
			return nil, "", nil
		}
		d, ok := record.ParseDate(v)
		if !ok {
			return nil, v, credit.Errorf(credit.EINVALID, "%s“%s”不是有效日期，应为“年-月-日”格式，如2026-11-27", what, credit.Clip(v, 20))
		}
		return &d, d.Format(credit.DateLayout), nil
	}
	if f.From, from, err = parse(from, "起始日期"); err != nil {
		return from, to, err
	}
	if f.To, to, err = parse(to, "截止日期"); err != nil {
		return from, to, err
	}
	if f.From != nil && f.To != nil && f.From.After(*f.To) {
		return from, to, credit.Errorf(credit.EINVALID, "起始日期%s晚于截止日期%s", from, to)
	}
	return from, to, nil
}

// scenarioNames returns the names of the scenarios by code.
func (s *Server) scenarioNames(r *http.Request) (map[string]string, error) {
	d, err := s.listData(r)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(d.Scenarios))
	for _, sc := range d.Scenarios {
		out[sc.Code] = sc.Name
	}
	return out, nil
}

func (s *Server) handleVerificationIndex(w http.ResponseWriter, r *http.Request) error {
	a := credit.ActorFromContext(r.Context())
	p := &VerificationsPage{Page: base(r, "核查记录", "verifications"), Departments: a.Role != credit.RoleDepartment}
	var f lists.StatsFilter
	from, to, err := dateRange(r, &f)
	p.From, p.To = from, to
	if err != nil {
		p.Error = credit.ErrorMessage(err)
		return s.render(w, r, http.StatusBadRequest, "verifications", p)
	}
	names, err := s.scenarioNames(r)
	if err != nil {
		return err
	}
	page := pageParam(r)
	vs, total, err := s.backend.FindVerifications(r.Context(), f, (page-1)*verificationsSize, verificationsSize)
	if err != nil {
		return err
	}
	today := credit.DateOf(s.now()).Format(credit.DateLayout)
	for _, v := range vs {
		row := VerificationRow{Verification: v, ScenarioName: v.Scenario, Subjects: subjectNames(v, 3)}
		if n, ok := names[v.Scenario]; ok {
			row.ScenarioName = n
		}
		row.HitCount, row.Given, row.Status, row.StatusClass = feedbackState(v, today)
		p.Rows = append(p.Rows, row)
	}
	p.Pager = newPager("/console/verifications", r.URL.Query(), page, verificationsSize, total, true)
	return s.render(w, r, http.StatusOK, "verifications", p)
}

// subjectNames returns the names of the first n subjects of v, and how
// many more there are.
func subjectNames(v *lists.Verification, n int) string {
	var names []string
	for _, res := range v.Results {
		if len(names) == n {
			break
		}
		switch {
		case res.Name != "":
			names = append(names, res.Name)
		case res.Query.Name != "":
			names = append(names, res.Query.Name)
		default:
			names = append(names, maskCode(res.Query.Code))
		}
	}
	out := strings.Join(names, "、")
	if v.Total > len(names) {
		out += "等" + strconv.Itoa(v.Total) + "个"
	}
	return out
}

// feedbackState counts the hits of v and those with feedback and says
// where the feedback stands on today (yyyy-MM-dd): not needed, complete,
// due, or overdue after v.FeedbackDue.
func feedbackState(v *lists.Verification, today string) (hits, given int, label, class string) {
	for _, res := range v.Results {
		if !res.Hit {
			continue
		}
		hits++
		if res.Feedback != nil && res.Feedback.Given {
			given++
		}
	}
	switch {
	case hits == 0:
		return hits, given, "无需反馈", "tag tag-muted"
	case given == hits:
		return hits, given, "已完成", "tag tag-ok"
	case v.FeedbackDue != "" && today > v.FeedbackDue:
		return hits, given, "逾期未反馈", "tag tag-late"
	}
	return hits, given, "待反馈", "tag tag-warn"
}

// maxFeedbackDays is the largest feedback_days the statistics take (the
// API's limit).
const maxFeedbackDays = 60

func (s *Server) handleVerificationStats(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.listService()
	if err != nil {
		return err
	}
	a := credit.ActorFromContext(r.Context())
	p := &VerificationStatsPage{Page: base(r, "核查统计", "verification-stats"), Own: a.Role == credit.RoleDepartment}
	if p.scenarios, err = s.scenarioNames(r); err != nil {
		return err
	}
	var f lists.StatsFilter
	from, to, err := dateRange(r, &f)
	p.From, p.To = from, to
	if err == nil {
		// As the API takes it: the working days to give feedback in,
		// instead of lists.FeedbackDays (0: the default).
		f.FeedbackDays, err = intParam(r, "feedback_days", 0, 0, maxFeedbackDays)
	}
	if err != nil {
		p.Error = credit.ErrorMessage(err)
		return s.render(w, r, http.StatusBadRequest, "verification_stats", p)
	}
	st, err := ls.VerificationStats(r.Context(), f)
	if err != nil {
		return err
	}
	p.Stats = st
	p.ByDepartment = sumStats(st.Rows, func(r lists.StatsRow) lists.StatsRow {
		return lists.StatsRow{DepartmentID: r.DepartmentID, DepartmentName: r.DepartmentName}
	})
	p.ByScenario = sumStats(st.Rows, func(r lists.StatsRow) lists.StatsRow { return lists.StatsRow{Scenario: r.Scenario} })
	return s.render(w, r, http.StatusOK, "verification_stats", p)
}

// sumStats sums rows by group, in the order groups first appear, with
// rates. group returns the row's group: a StatsRow with only the members
// that name it.
func sumStats(rows []lists.StatsRow, group func(lists.StatsRow) lists.StatsRow) []lists.StatsRow {
	var keys []lists.StatsRow
	sums := map[lists.StatsRow]*lists.StatsRow{}
	for _, row := range rows {
		k := group(row)
		sum := sums[k]
		if sum == nil {
			c := k
			sum = &c
			sums[k] = sum
			keys = append(keys, k)
		}
		sum.Verifications += row.Verifications
		sum.Subjects += row.Subjects
		sum.Hits += row.Hits
		sum.FeedbackExpected += row.FeedbackExpected
		sum.WithFeedback += row.WithFeedback
		sum.Overdue += row.Overdue
		sum.LateFeedback += row.LateFeedback
	}
	out := make([]lists.StatsRow, 0, len(keys))
	for _, k := range keys {
		sums[k].Rates()
		out = append(out, *sums[k])
	}
	return out
}

// StatsTable is one table of the statistics: rows by department
// ("department"), by scenario ("scenario") or by both ("both").
type StatsTable struct {
	Page *VerificationStatsPage
	Rows []lists.StatsRow
	By   string
}

// Table returns the table of rows grouped by by.
func (p *VerificationStatsPage) Table(rows []lists.StatsRow, by string) StatsTable {
	return StatsTable{Page: p, Rows: rows, By: by}
}
