package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/archive"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
)

// homeData is the latest 双公示 the home page shows; it is cached for a
// short time because every visitor sees the same.
type homeData struct {
	Latest []*ListSection
}

// ListSection is a titled list of 双公示 rows.
type ListSection struct {
	Class *catalog.Class
	Rows  []ListRow
	More  string
}

// ListRow is one 双公示 record as a list shows it.
type ListRow struct {
	Record      *record.Record
	SubjectName string
	SubjectCode string // USCC, for the link to the subject page ("" = no link)
	Title       string // 文书号
	Category    string // 许可类别 or 处罚类别
	Authority   string
	Summary     string
	Labels      []string
}

// HomePage is the portal's front page.
type HomePage struct {
	Page
	Headline *record.Headline
	// Every says how often the headline figures are counted ("15分钟").
	Every  string
	Latest []*ListSection
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	h, err := s.headline.get(r.Context(), s.loadHeadline)
	if err != nil {
		return err
	}
	d, err := s.home.get(r.Context(), s.loadHome)
	if err != nil {
		return err
	}
	p := &HomePage{Page: base(r, "", "home"), Headline: h, Every: durationText(s.headline.ttl), Latest: d.Latest}
	return s.render(w, r, http.StatusOK, "home", p)
}

// durationText writes d in Chinese minutes or hours ("15分钟", "1小时").
func durationText(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return strconv.Itoa(int(d/time.Hour)) + "小时"
	}
	if m := int(d / time.Minute); m >= 1 {
		return strconv.Itoa(m) + "分钟"
	}
	return strconv.Itoa(max(int(d/time.Second), 1)) + "秒"
}

// Warm computes the cached home page figures, so that the first visitor
// after a start does not wait for the counts; errors are only logged.
func (s *Server) Warm(ctx context.Context) {
	if _, err := s.headline.get(ctx, s.loadHeadline); err != nil {
		s.logger.Warn("预先计算首页统计数字失败", slog.Any("error", err))
	}
	if _, err := s.home.get(ctx, s.loadHome); err != nil {
		s.logger.Warn("预先加载首页最新公示信息失败", slog.Any("error", err))
	}
	if _, err := s.listIndex.get(ctx, s.loadListIndex); err != nil {
		s.logger.Warn("预先统计各类名单信息数量失败", slog.Any("error", err))
	}
}

func (s *Server) loadHeadline(ctx context.Context) (*record.Headline, error) {
	return s.backend.Headline(credit.NewContextWithActor(ctx, credit.Public))
}

func (s *Server) loadHome(ctx context.Context) (*homeData, error) {
	ctx = credit.NewContextWithActor(ctx, credit.Public)
	d := &homeData{}
	for _, code := range []string{"license", "penalty"} {
		c, err := s.backend.FindClass(ctx, code)
		if err != nil {
			return nil, err
		}
		recs, _, err := s.backend.FindRecords(ctx, record.RecordFilter{Class: code, Limit: 6})
		if err != nil {
			return nil, err
		}
		d.Latest = append(d.Latest, &ListSection{Class: c, Rows: listRows(c, recs, credit.DateOf(s.now())), More: "/publicity/" + code})
	}
	return d, nil
}

// listRows turns records of class c into list rows.
func listRows(c *catalog.Class, recs []*record.Record, today credit.Date) []ListRow {
	out := make([]ListRow, 0, len(recs))
	for _, r := range recs {
		row := ListRow{Record: r, SubjectName: r.Fields[c.Roles.SubjectName], Authority: r.Fields[c.Roles.Authority]}
		if c.Roles.USCC != "" {
			row.SubjectCode = r.Fields[c.Roles.USCC]
		}
		if c.Roles.Title != "" {
			row.Title = r.Fields[c.Roles.Title]
		}
		switch {
		case c.Roles.Categories != "":
			row.Category = multiText(r.Fields[c.Roles.Categories])
		case c.Code == "license":
			row.Category = r.Fields["XK_XKLB"]
		}
		row.Summary = firstOf(r.Fields, "XK_NR", "CF_NR", "CF_WFXW")
		row.Labels = archive.NewEntry(archive.Public, c, r, today).Labels
		out = append(out, row)
	}
	return out
}

// multiText shows the values of a multi-valued code field, stored joined by
// ";", as Chinese text lists them: 警告、罚款.
func multiText(v string) string { return strings.ReplaceAll(v, ";", "、") }

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := m[k]; v != "" {
			return v
		}
	}
	return ""
}

// SearchPage lists the subjects matching a query.
type SearchPage struct {
	Page
	Query string // as typed; "" for a citizen ID number (Person)
	// Shown is the query as the page repeats it: a citizen ID number
	// masked (subject.MaskCitizenID), anything else as typed.
	Shown string
	// Person is set when the query has the shape of a citizen ID number:
	// persons are not searchable by the public, and the number is not
	// repeated in clear (not in the title, the heading or the form).
	Person  bool
	Error   string
	Results []SearchResult
	Pager   Pager
}

// SearchResult is one subject found, with its public record counts.
type SearchResult struct {
	Subject *subject.Subject
	Counts  []ClassCount
}

// ClassCount is a number of records of one class, or of one credit list.
type ClassCount struct {
	Name  string
	Count int
	Tag   string // the CSS classes of its tag
}

const searchPageSize = 20

// citizenIDShape reports whether a search query is written as an
// 18-character citizen ID number (valid, or one mistyped that is no valid
// USCC), and returns it masked.
func citizenIDShape(q string) (string, bool) {
	code := subject.Normalize(q)
	if len(code) != 18 {
		return "", false
	}
	if m := lists.MaskCode(code); m != code {
		return m, true
	}
	return "", false
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p := &SearchPage{Page: base(r, "信用查询", "search"), Query: q, Shown: q}
	if q == "" {
		return s.render(w, r, http.StatusOK, "search", p)
	}
	if m, ok := citizenIDShape(q); ok {
		// Persons are never found by the public: no search, and the
		// number is shown masked.
		p.Query, p.Shown, p.Person = "", m, true
		return s.render(w, r, http.StatusOK, "search", p)
	}
	page := pageParam(r)
	list, total, err := s.backend.FindSubjects(r.Context(), subject.Filter{Query: q, Offset: (page - 1) * searchPageSize, Limit: searchPageSize})
	if credit.ErrorCode(err) == credit.EINVALID {
		// A refused query (too short, too long) does not name the page.
		p.Error = credit.ErrorMessage(err)
		return s.render(w, r, http.StatusBadRequest, "search", p)
	} else if err != nil {
		return err
	}
	p.Title = "“" + q + "”的查询结果"
	ids := make([]credit.SubjectID, len(list))
	for i, sub := range list {
		ids[i] = sub.ID
	}
	counts, err := s.backend.CountPublicRecords(r.Context(), ids)
	if err != nil {
		return err
	}
	cat, err := s.backend.Catalog(r.Context())
	if err != nil {
		return err
	}
	entries, err := s.listedEntries(r.Context(), list, counts)
	if err != nil {
		return err
	}
	for _, sub := range list {
		res := SearchResult{Subject: sub}
		for _, c := range cat.Classes {
			n := counts[sub.ID][c.Code]
			if n <= 0 {
				continue
			}
			if c.Code == lists.ClassCode {
				res.Counts = append(res.Counts, listCounts(entries[sub.ID], n)...)
				continue
			}
			res.Counts = append(res.Counts, ClassCount{Name: c.Name, Count: n, Tag: "tag"})
		}
		p.Results = append(p.Results, res)
	}
	p.Pager = newPager("/search", r.URL.Query(), page, searchPageSize, total, true)
	return s.render(w, r, http.StatusOK, "search", p)
}

// listedEntries returns the public list entries of the organisations of
// a page of search results that counts says have any, by subject, in one
// query.
func (s *Server) listedEntries(ctx context.Context, list []*subject.Subject, counts map[credit.SubjectID]map[string]int) (map[credit.SubjectID][]*lists.Entry, error) {
	var ids []credit.SubjectID
	n := 0
	for _, sub := range list {
		if c := counts[sub.ID][lists.ClassCode]; c > 0 && sub.USCC != "" {
			ids = append(ids, sub.ID)
			n += c
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	data, err := lists.Default()
	if err != nil {
		return nil, err
	}
	es, _, err := s.backend.FindPublicEntries(ctx, lists.PublicFilter{ListTypes: publicListCodes(data), SubjectIDs: ids, Limit: min(n, 2000)})
	if err != nil {
		return nil, err
	}
	out := map[credit.SubjectID][]*lists.Entry{}
	for _, e := range es {
		out[e.SubjectID] = append(out[e.SubjectID], e)
	}
	return out, nil
}

// listCounts counts a subject's public list entries es (n in all) by list,
// styled by the list's kind (守信激励 is not 严重失信): one tag per list.
// Entries it cannot name are counted under 信用名单.
func listCounts(es []*lists.Entry, n int) []ClassCount {
	var out []ClassCount
	named := 0
	at := map[string]int{}
	for _, e := range es {
		if named == n {
			break
		}
		i, ok := at[e.ListName]
		if !ok {
			i = len(out)
			at[e.ListName] = i
			out = append(out, ClassCount{Name: e.ListName, Tag: kindTag(e.Kind)})
		}
		out[i].Count++
		named++
	}
	if named < n {
		out = append(out, ClassCount{Name: "信用名单", Count: n - named, Tag: "tag"})
	}
	return out
}

// publicListCodes returns the codes of every public list type.
func publicListCodes(data *lists.Data) []string {
	var out []string
	for _, g := range data.PublicGroups() {
		out = append(out, g.Codes()...)
	}
	return out
}

// kindTag returns the CSS classes of the tag naming a list of kind k:
// green for 守信激励, orange for 经营异常名录 and 重点关注, red for 严重失信.
func kindTag(k lists.Kind) string {
	switch k {
	case lists.Red:
		return "tag tag-ok"
	case lists.Abnormal, lists.Watch:
		return "tag tag-warn"
	}
	return "tag tag-late"
}

// SubjectPage is a subject's public credit archive.
type SubjectPage struct {
	Page
	Subject  *subject.Subject
	LegalRep string
	// FormerNames are its 曾用名 (archive.Archive.FormerNames).
	FormerNames []string
	Sections    []ArchiveSection
	Total       int
	AsOf        string
	// Verifiable: the subject's registration authority is on the platform,
	// so a subject it has not verified is marked 未经登记机关核验. Others
	// (律师事务所, 宗教活动场所, …) carry no mark: nothing on the platform
	// could verify them.
	Verifiable bool
}

// ArchiveSection is the entries of one class with the fields to show.
type ArchiveSection struct {
	Class   *catalog.Class
	Entries []ArchiveEntry
	Total   int // entries the reader may see: more than Entries when the archive holds only the newest
	// Adverse is set when an entry is adverse information in effect (a
	// penalty in its publicity window, an entry of a 严重失信 list): only
	// then is the section's count shown in red.
	Adverse bool
}

// ArchiveEntry is one record on a subject page.
type ArchiveEntry struct {
	archive.Entry
	Authority  string
	Category   string
	Summary    string
	Department string
	Fields     []FieldValue // all visible fields, for the government view
	List       *lists.Entry // the list entry, for a record of lists.ClassCode
}

// FieldValue is a field's Chinese name and value.
type FieldValue struct {
	Code, Name, Value string
}

func (s *Server) handleSubjectView(w http.ResponseWriter, r *http.Request) error {
	code := strings.TrimSpace(r.PathValue("code"))
	if code == "" {
		return credit.Errorf(credit.ENOTFOUND, "信用主体代码为空：请输入统一社会信用代码，或按名称查询")
	}
	a, err := s.backend.FindArchive(r.Context(), code, "")
	if err != nil {
		return err
	}
	sections, err := s.sections(r.Context(), a, false)
	if err != nil {
		return err
	}
	// The operator of an individual business is published by name, as the
	// 法定代表人 of its 双公示 records is (and as the 国家企业信用信息公示系统
	// shows 经营者): one rule for the subject page and the record page.
	// Persons never reach this page.
	cat, err := s.backend.Catalog(r.Context())
	if err != nil {
		return err
	}
	p := &SubjectPage{Page: base(r, a.Subject.Name, "search"), Subject: a.Subject, Sections: sections, Total: a.Total, AsOf: a.AsOf,
		LegalRep: a.Subject.LegalRep, FormerNames: a.FormerNames, Verifiable: cat.Verifiable(a.Subject.USCC)}
	return s.render(w, r, http.StatusOK, "subject", p)
}

// sections turns an archive into page sections, with every visible field
// when full is set.
func (s *Server) sections(ctx context.Context, a *archive.Archive, full bool) ([]ArchiveSection, error) {
	cat, err := s.backend.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	depts, err := s.departmentNames(ctx)
	if err != nil {
		return nil, err
	}
	today := credit.DateOf(s.now())
	var out []ArchiveSection
	for _, sec := range a.Sections {
		c, ok := cat.Class(sec.Class)
		if !ok {
			continue
		}
		as := ArchiveSection{Class: c, Total: max(sec.Total, len(sec.Entries))}
		for _, e := range sec.Entries {
			ae := ArchiveEntry{Entry: e, Authority: e.Fields[c.Roles.Authority], Summary: firstOf(e.Fields, "XK_NR", "CF_NR", "DJ_JYFW"),
				Department: depts[e.Record.DepartmentID]}
			if c.Roles.Categories != "" {
				ae.Category = e.Fields[c.Roles.Categories]
			} else if c.Code == "license" {
				ae.Category = e.Fields["XK_XKLB"]
			}
			switch {
			case c.Code == lists.ClassCode:
				data, err := lists.Default()
				if err != nil {
					return nil, err
				}
				if le, err := lists.EntryFromRecord(data, e.Record); err == nil {
					ae.List = le
					ae.Summary = le.Reason
					if le.Kind != lists.Red && inEffect(e.Record, today) && le.StateOn(today) == lists.Active {
						as.Adverse = true
					}
				}
			case c.Publicity.Adverse && inEffect(e.Record, today):
				as.Adverse = true
			}
			if full {
				ae.Fields = fieldValues(c, e.Fields)
			}
			as.Entries = append(as.Entries, ae)
		}
		out = append(out, as)
	}
	return out, nil
}

// inEffect reports whether r is in effect on today: its current version,
// neither revoked nor repaired, and inside its publicity window.
func inEffect(r *record.Record, today credit.Date) bool {
	if !r.Current || r.Status == record.Withdrawn || r.Status == record.Repaired {
		return false
	}
	return r.PublicUntil == nil || today.Before(*r.PublicUntil)
}

// longTermDates are the dates the data standards write for "no end"
// (有效期至 of a licence without one): shown as 长期, as a publicity
// window without an end is.
var longTermDates = map[string]bool{"2099-12-31": true, "9999-12-31": true}

// isLongTerm reports whether a date value stands for "no end".
func isLongTerm(v string) bool { return longTermDates[strings.TrimSpace(v)] }

// fieldValues lists the non-empty fields of a record in catalog order.
func fieldValues(c *catalog.Class, fields map[string]string) []FieldValue {
	var out []FieldValue
	for _, f := range c.Fields {
		if v := fields[f.Code]; v != "" {
			if f.Type == catalog.Code && f.Multi {
				v = multiText(v)
			}
			if f.Type == catalog.Date && isLongTerm(v) {
				v = "长期"
			}
			out = append(out, FieldValue{Code: f.Code, Name: f.Name, Value: v})
		}
	}
	return out
}

// deptIndex is every department, with its name by ID; cached.
type deptIndex struct {
	list  []*access.Department
	names map[credit.DepartmentID]string
}

func (s *Server) deptIndex(ctx context.Context) (*deptIndex, error) {
	return s.depts.get(ctx, func(ctx context.Context) (*deptIndex, error) {
		ds, _, err := s.backend.FindDepartments(ctx, 0, 100000)
		if err != nil {
			return nil, err
		}
		x := &deptIndex{list: ds, names: make(map[credit.DepartmentID]string, len(ds))}
		for _, d := range ds {
			x.names[d.ID] = d.Name
		}
		return x, nil
	})
}

// departments returns every department, cached.
func (s *Server) departments(ctx context.Context) ([]*access.Department, error) {
	x, err := s.deptIndex(ctx)
	if err != nil {
		return nil, err
	}
	return x.list, nil
}

// departmentNames returns department names by ID, cached; do not modify.
func (s *Server) departmentNames(ctx context.Context) (map[credit.DepartmentID]string, error) {
	x, err := s.deptIndex(ctx)
	if err != nil {
		return nil, err
	}
	return x.names, nil
}

// PublicityPage is a 双公示 list with its filters.
type PublicityPage struct {
	Page
	Class       *catalog.Class
	Classes     []*catalog.Class
	Filter      PublicityFilter
	Regions     []RegionOption
	Departments []DeptOption
	Rows        []ListRow
	Pager       Pager
	FormErrors
}

// PublicityFilter is the filter form of a 双公示 list, as given.
type PublicityFilter struct {
	Region, Department, From, To, Query string
}

// RegionOption is an entry of a region drop-down.
type RegionOption struct {
	Code, Name string
	Indent     bool
	Selected   bool
}

// DeptOption is an entry of a department drop-down.
type DeptOption struct {
	Code, Name, Group string
	Selected          bool
}

// selectRegion marks the option with code as selected. (A field, not an
// "eq" call per option in the template: long lists render much faster.)
// deptRegions keeps the regions where some department is (the region
// filter selects records by the region of the deciding department: a
// region without one has none), and the selected one.
func deptRegions(opts []RegionOption, ds []*access.Department, selected string) []RegionOption {
	codes := map[string]bool{}
	for _, d := range ds {
		codes[d.RegionCode] = true
	}
	out := opts[:0]
	for _, o := range opts {
		keep := o.Code == selected
		for c := range codes {
			keep = keep || subject.InRegion(c, o.Code)
		}
		if keep {
			out = append(out, o)
		}
	}
	return out
}

func selectRegion(opts []RegionOption, code string) []RegionOption {
	for i := range opts {
		opts[i].Selected = opts[i].Code == code
	}
	return opts
}

// selectDept marks the option with code as selected.
func selectDept(opts []DeptOption, code string) []DeptOption {
	for i := range opts {
		opts[i].Selected = opts[i].Code == code
	}
	return opts
}

func (s *Server) handlePublicityIndex(w http.ResponseWriter, r *http.Request) error {
	redirect(w, r, "/publicity/license", http.StatusFound)
	return nil
}

const listPageSize = 20

func (s *Server) handlePublicityList(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("class")
	c, err := s.backend.FindClass(r.Context(), code)
	if err != nil {
		return err
	}
	if !c.DualPublicity {
		return notFound(r)
	}
	q := r.URL.Query()
	p := &PublicityPage{Page: base(r, c.Name+"公示", "publicity-"+c.Code), Class: c,
		Filter: PublicityFilter{Region: q.Get("region"), Department: q.Get("department"), From: q.Get("from"), To: q.Get("to"), Query: strings.TrimSpace(q.Get("q"))}}
	ds, err := s.departments(r.Context())
	if err != nil {
		return err
	}
	p.Regions = selectRegion(deptRegions(regionOptions(), ds, p.Filter.Region), p.Filter.Region)
	p.Departments = selectDept(deptOptions(ds, nil), p.Filter.Department)
	cat, err := s.backend.Catalog(r.Context())
	if err != nil {
		return err
	}
	for _, cl := range cat.Classes {
		if cl.DualPublicity {
			p.Classes = append(p.Classes, cl)
		}
	}
	f := record.RecordFilter{Class: c.Code, Text: p.Filter.Query}
	if p.Filter.Region != "" {
		if _, ok := subject.LookupRegion(p.Filter.Region); !ok {
			p.filterError("f-region", "决定机关所在地区", "所选地区无效")
		}
		f.RegionPrefix = p.Filter.Region
	}
	if p.Filter.Department != "" {
		for _, d := range ds {
			if d.Code == p.Filter.Department {
				id := d.ID
				f.DepartmentID = &id
			}
		}
		if f.DepartmentID == nil {
			p.filterError("f-dept", "决定部门", "所选部门不存在")
		}
	}
	var derr string
	f.From, derr = parseDay(p.Filter.From, "开始日期")
	if derr != "" {
		p.filterError("f-from", "决定日期自", derr)
	}
	f.To, derr = parseDay(p.Filter.To, "结束日期")
	if derr != "" {
		p.filterError("f-to", "决定日期至", derr)
	}
	if f.From != nil && f.To != nil && f.From.After(*f.To) {
		p.filterError("f-from", "决定日期自", "开始日期（"+f.From.Format(credit.DateLayout)+"）晚于结束日期（"+f.To.Format(credit.DateLayout)+"），请调换或重新选择日期")
	}
	if p.Error == "" {
		page := pageParam(r)
		f.Offset, f.Limit = (page-1)*listPageSize, listPageSize
		find := func(ctx context.Context) (*recordPage, error) {
			recs, total, err := s.backend.FindRecords(ctx, f)
			return &recordPage{recs, total}, err
		}
		var rp *recordPage
		if f == (record.RecordFilter{Class: c.Code, Limit: listPageSize}) {
			// The unfiltered first page is what most visitors see: cache it.
			rp, err = s.firstPage(c.Code).get(r.Context(), find)
		} else {
			rp, err = find(r.Context())
		}
		if credit.ErrorCode(err) == credit.EINVALID {
			p.filterError("f-q", "关键词", credit.ErrorMessage(err))
		} else if err != nil {
			return err
		} else {
			p.Rows = listRows(c, rp.recs, credit.DateOf(s.now()))
			p.Pager = newPager(r.URL.Path, q, page, listPageSize, rp.total, true)
		}
	}
	return s.render(w, r, filterStatus(p), "publicity", p)
}

// recordPage is one page of records with the total.
type recordPage struct {
	recs  []*record.Record
	total int
}

// firstPage returns the cache of the unfiltered first page of a class.
func (s *Server) firstPage(class string) *cached[*recordPage] {
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	c := s.pub[class]
	if c == nil {
		c = &cached[*recordPage]{ttl: s.home.ttl, now: s.now, serveStale: true}
		s.pub[class] = c
	}
	return c
}

// parseDay reads a yyyy-MM-dd form value; "" is no date.
func parseDay(v, what string) (*credit.Date, string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, ""
	}
	t, err := time.Parse(credit.DateLayout, v)
	if err != nil {
		return nil, what + "应为“年-月-日”格式，如2024-01-31"
	}
	return &t, ""
}

// regionOptions lists the 市州 of the province, each followed by its
// counties.
func regionOptions() []RegionOption {
	var out []RegionOption
	for _, p := range subject.Prefectures() {
		out = append(out, RegionOption{Code: p.Code, Name: p.Name})
		for _, c := range subject.Counties(p.Code) {
			out = append(out, RegionOption{Code: c.Code, Name: c.Name, Indent: true})
		}
	}
	return out
}

// deptOptions lists departments grouped by region; keep limits the list
// when not nil.
func deptOptions(ds []*access.Department, keep func(*access.Department) bool) []DeptOption {
	out := make([]DeptOption, 0, len(ds))
	for _, d := range ds {
		if keep != nil && !keep(d) {
			continue
		}
		out = append(out, DeptOption{Code: d.Code, Name: d.Name, Group: regionLabel(d.RegionCode)})
	}
	return out
}

// RecordPage is one 双公示 record in full (its public fields).
type RecordPage struct {
	Page
	Class      *catalog.Class
	Record     *record.Record
	Fields     []FieldValue
	Subject    *subject.Subject
	Department string
	Labels     []string
}

func (s *Server) handleRecordView(w http.ResponseWriter, r *http.Request) error {
	n, err := pathID(r, "")
	if err != nil {
		return err
	}
	rec, err := s.backend.FindRecordByID(r.Context(), credit.RecordID(n))
	if err != nil {
		return err
	}
	if rec.Class == lists.ClassCode {
		// A list entry's page is its list's: validity as capped by the list
		// type, removal, and only lists the public may see.
		redirect(w, r, "/lists/entry/"+strconv.FormatInt(n, 10), http.StatusMovedPermanently)
		return nil
	}
	c, err := s.backend.FindClass(r.Context(), rec.Class)
	if err != nil {
		return err
	}
	sub, err := s.backend.FindSubjectByID(r.Context(), rec.SubjectID)
	if err != nil {
		return err
	}
	names, err := s.departmentNames(r.Context())
	if err != nil {
		return err
	}
	title := c.Name
	if c.Roles.Title != "" && rec.Fields[c.Roles.Title] != "" {
		title = rec.Fields[c.Roles.Title]
	}
	p := &RecordPage{Page: base(r, title, "publicity-"+c.Code), Class: c, Record: rec, Fields: fieldValues(c, rec.Fields), Subject: sub,
		Department: names[rec.DepartmentID], Labels: archive.NewEntry(archive.Public, c, rec, credit.DateOf(s.now())).Labels}
	return s.render(w, r, http.StatusOK, "record", p)
}

// LoginPage is the console sign-in form.
type LoginPage struct {
	Page
	Username string
	Next     string
	Error    string
}

// safeNext returns next when it is a console path, else the dashboard.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/console/") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return "/console/"
}

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if sessionOf(r.Context()) != nil {
		redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	p := &LoginPage{Page: base(r, "管理端登录", "login"), Next: next}
	if r.URL.Query().Get("done") == "logout" {
		p.Notice = "您已安全退出。"
	}
	if r.URL.Query().Get("done") == "password" {
		p.Notice = "密码已修改，请用新密码登录。"
	}
	return s.render(w, r, http.StatusOK, "login", p)
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	ip := clientIP(r, s.proxies)
	limiter := &s.logins
	at, wait, ok := limiter.take(loginClient(ip), s.now())
	if !ok {
		return s.loginThrottled(w, r, wait)
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		limiter.giveBack(loginClient(ip), at) // no password was tried
		return formError(err, credit.Errorf(credit.EINVALID, "登录表单无法读取，请刷新登录页面后重新输入用户名和密码"))
	}
	if err := s.checkText(r, r.PostForm, true); err != nil {
		limiter.giveBack(loginClient(ip), at)
		return err
	}
	username, password := strings.TrimSpace(r.PostForm.Get("username")), r.PostForm.Get("password")
	next := safeNext(r.PostForm.Get("next"))
	sess, token, err := s.backend.Login(r.Context(), access.LoginAttempt{Username: username, Password: password,
		IP: ip, UserAgent: r.UserAgent()})
	if err != nil {
		if credit.ErrorCode(err) != credit.EUNAUTHORIZED {
			limiter.giveBack(loginClient(ip), at) // an outage is not the client's attempt
			return err
		}
		p := &LoginPage{Page: base(r, "管理端登录", "login"), Username: username, Next: next, Error: credit.ErrorMessage(err)}
		return s.render(w, r, http.StatusUnauthorized, "login", p)
	}
	limiter.giveBack(loginClient(ip), at)
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.isTLS(r), Expires: sess.ExpiresAt, MaxAge: int(access.SessionLifetime / time.Second),
	})
	redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// loginThrottled answers a sign-in over the client's limit: 429 with
// Retry-After and the form again, saying when to try.
func (s *Server) loginThrottled(w http.ResponseWriter, r *http.Request, wait time.Duration) error {
	secs := int((wait + time.Second - 1) / time.Second)
	minutes := max(1, int((wait+time.Minute-1)/time.Minute))
	w.Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
	p := &LoginPage{Page: base(r, "管理端登录", "login"), Next: safeNext(r.URL.Query().Get("next")),
		Error: "登录尝试过于频繁，请" + strconv.Itoa(minutes) + "分钟后再试"}
	return s.render(w, r, http.StatusTooManyRequests, "login", p)
}

// Sign-in throttling. Each POST /login takes a place in its client's
// window and a successful sign-in gives it back: a client may fail at most
// loginLimit times in any loginWindow, whichever names it tries, before it
// is answered 429. (The lock of an account after access.MaxFailedLogins
// wrong passwords protects each account; this limits spraying one password
// over many names.) Limits are per process and in memory, like the API's.
const (
	loginLimit   = 20
	loginWindow  = 5 * time.Minute
	loginClients = 100_000 // clients tracked at most; beyond that new ones go unthrottled
)

// loginLimiter is a sliding window of sign-in attempts per client.
type loginLimiter struct {
	mu    sync.Mutex
	hits  map[string][]time.Time // per client, oldest first, within the window
	swept time.Time
}

// take records an attempt of client at now and returns its time, or, when
// the client already has loginLimit attempts in the window, how long until
// the oldest leaves it.
func (l *loginLimiter) take(client string, now time.Time) (at time.Time, wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hits == nil {
		l.hits = map[string][]time.Time{}
	}
	if now.Sub(l.swept) >= loginWindow || len(l.hits) >= loginClients {
		for c, hs := range l.hits {
			if len(hs) == 0 || !now.Before(hs[len(hs)-1].Add(loginWindow)) {
				delete(l.hits, c)
			}
		}
		l.swept = now
	}
	hs, tracked := l.hits[client]
	i := 0
	for i < len(hs) && !now.Before(hs[i].Add(loginWindow)) {
		i++
	}
	hs = hs[i:]
	if len(hs) >= loginLimit {
		l.hits[client] = hs
		return time.Time{}, hs[0].Add(loginWindow).Sub(now), false
	}
	if !tracked && len(l.hits) >= loginClients {
		return now, 0, true
	}
	l.hits[client] = append(hs, now)
	return now, 0, true
}

// giveBack removes the attempt take recorded at at.
func (l *loginLimiter) giveBack(client string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	hs := l.hits[client]
	for i := len(hs) - 1; i >= 0; i-- {
		if hs[i].Equal(at) {
			l.hits[client] = append(hs[:i:i], hs[i+1:]...)
			return
		}
	}
}

// loginClient is the client an attempt from ip counts against: the
// address, or for IPv6 its /64 network, which one host usually has whole.
func loginClient(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// isTLS reports whether the browser reached us over HTTPS, directly or
// through a trusted proxy (Options.TrustedProxies) that says so; from any
// other peer X-Forwarded-Proto is the client's own claim and ignored.
func (s *Server) isTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	peer, ok := parseIP(r.RemoteAddr)
	return ok && inNetworks(peer, s.proxies) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := s.backend.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.isTLS(r), MaxAge: -1})
	redirect(w, r, "/login?done=logout", http.StatusSeeOther)
	return nil
}
