package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
)

// The government view of list entries in the console (名单信息): every
// entry, active or not, with its state, and for the deciding department the
// form to remove one early (提前移出, 信用修复, 撤销认定). Entries are read
// with lists.Service.FindListEntries and removed with RemoveListEntry, as
// the JSON API does; storage decides who may (the deciding department and
// the administrators over it).
func init() {
	views["entries"] = EntriesPage{}
	views["entry"] = EntryPage{}
}

// entriesSize is how many entries a page of the list shows.
const entriesSize = 20

// removalKinds are the ways a department removes an entry early; expiry
// (有效期届满) is the platform's.
var removalKinds = []string{lists.RemovedEarly, lists.RemovedRepaired, lists.RemovedRevoked}

// expiredRemovalKinds are the ways to record the removal of an entry whose
// validity has ended (lists.RemovalFields refuses the others then).
var expiredRemovalKinds = []string{lists.RemovedExpired, lists.RemovedRevoked}

// EntriesPage lists list entries for government users.
type EntriesPage struct {
	Page
	Rows      []EntryRow
	ListTypes []FormOptGroup
	Type      string
	Mine      bool // only entries of the user's department
	CanMine   bool // the user belongs to a department
	Active    bool // only entries active today
	// SubjectID, when set, keeps the entries of one subject (subject_id, as
	// the API takes it); SubjectName names it, from its first entry.
	SubjectID   int64
	SubjectName string
	Error       string
	Pager       Pager
}

// EntryRow is an entry with its state today.
type EntryRow struct {
	*lists.Entry
	State lists.State
}

// EntryPage is one list entry, government view.
type EntryPage struct {
	Page
	Entry *lists.Entry
	State lists.State
	// Opened is the record the link named, when it is an older version.
	Opened    credit.RecordID
	Public    bool // the kind of list is published on the portal
	CanRemove bool
	Kinds     []string
	Kind      string
	Reason    string
	Date      string
	Today     string
	Error     string // why the removal was refused
	// ErrorInput is the id of the input Error is about: f-kind, f-date or
	// f-reason.
	ErrorInput string
	// FieldErrors are the problems of each input, by its id, shown next
	// to it.
	FieldErrors map[string][]string
	// MaxReason is the longest 移出原因 the catalog allows (0: no limit).
	MaxReason int
}

// InputErrors returns the problems of the removal form's input id.
func (p *EntryPage) InputErrors(id string) []string { return p.FieldErrors[id] }

// RemovalRef is an input of the removal form with its problems, for the
// templates that mark it (removalInvalid) and show them (removalErrors).
type RemovalRef struct {
	ID      string
	Errors  []string
	Invalid bool // it has problems, or the summary is about it
	Summary bool // the summary (#removal-error) is about it
}

// removalRef returns the input id of p's removal form with its problems.
func removalRef(p *EntryPage, id string) RemovalRef {
	errs := p.InputErrors(id)
	summary := p.Error != "" && p.ErrorInput == id
	return RemovalRef{ID: id, Errors: errs, Invalid: len(errs) > 0 || summary, Summary: summary}
}

// removalInputs are the inputs of the removal form, by the field of a
// problem of lists.Removal.Validate and RemovalFields, or of the row the
// removal became (its field codes).
var removalInputs = map[string]string{
	lists.RemovalFieldKind: "f-kind", lists.RemovalFieldDate: "f-date", lists.RemovalFieldReason: "f-reason",
	lists.FieldRemovalKind: "f-kind", lists.FieldRemovedOn: "f-date", lists.FieldRemovalReason: "f-reason",
}

// stateClass returns the CSS class of the state of an entry of a list of
// kind k: an active red-list entry is good news.
func stateClass(s lists.State, k lists.Kind) string {
	switch {
	case s == lists.Active && k == lists.Red:
		return "tag tag-ok"
	case s == lists.Active:
		return "tag tag-late"
	case s == lists.Pending:
		return "tag tag-warn"
	}
	return "tag tag-muted"
}

// StateClass returns the CSS class of the state of an entry of a list of
// kind k.
func (*EntriesPage) StateClass(s lists.State, k lists.Kind) string { return stateClass(s, k) }

// StateClass returns the CSS class of the state of an entry of a list of
// kind k.
func (*EntryPage) StateClass(s lists.State, k lists.Kind) string { return stateClass(s, k) }

// requireViewEntries answers EFORBIDDEN unless the actor may read list
// entries, as storage decides (FindListEntries): before a record is read
// and logged for nothing.
func requireViewEntries(r *http.Request) error {
	if !access.Can(credit.ActorFromContext(r.Context()), access.ActionViewArchive, access.Target{}) {
		return credit.Errorf(credit.EFORBIDDEN, "无权查询名单信息")
	}
	return nil
}

func (s *Server) handleEntryIndex(w http.ResponseWriter, r *http.Request) error {
	if err := requireViewEntries(r); err != nil {
		return err
	}
	ls, err := s.listService()
	if err != nil {
		return err
	}
	d, err := ls.ListData(r.Context())
	if err != nil {
		return err
	}
	a := credit.ActorFromContext(r.Context())
	q := r.URL.Query()
	p := &EntriesPage{Page: base(r, "名单信息", "entries"), Type: q.Get("type"), Active: q.Get("active") == "1",
		CanMine: a.Role == credit.RoleDepartment && a.DepartmentID != 0}
	// A department sees its own entries unless it asks for every one.
	p.Mine = p.CanMine && q.Get("scope") != "all"
	p.ListTypes = listTypeOptions(d, p.Type)
	f := lists.Filter{ListType: p.Type, Limit: entriesSize}
	if p.Type != "" {
		if _, ok := d.ListType(p.Type); !ok {
			return credit.Errorf(credit.EINVALID, "名单类型“%s”不存在", credit.Clip(p.Type, 60))
		}
	}
	if v := strings.TrimSpace(q.Get("subject_id")); v != "" {
		// As the API takes it: the entries of one subject.
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return credit.Errorf(credit.EINVALID, "参数subject_id应为主体编号（正整数），实际为“%s”", credit.Clip(v, 20))
		}
		sid := credit.SubjectID(id)
		f.SubjectID, p.SubjectID = &sid, id
	}
	if p.Mine {
		f.DepartmentID = &a.DepartmentID
	}
	today := credit.DateOf(s.now())
	if p.Active {
		f.ActiveOn = &today
	}
	page := pageParam(r)
	f.Offset = (page - 1) * entriesSize
	es, total, err := ls.FindListEntries(r.Context(), f)
	if err != nil {
		return err
	}
	for _, e := range es {
		p.Rows = append(p.Rows, EntryRow{Entry: e, State: e.StateOn(today)})
	}
	if p.SubjectID != 0 && len(es) > 0 {
		p.SubjectName = es[0].SubjectName
	}
	p.Pager = newPager("/console/lists/entries", q, page, entriesSize, total, true)
	return s.render(w, r, http.StatusOK, "entries", p)
}

// listTypeOptions returns the list types as options grouped by top-level
// list, chosen selected.
func listTypeOptions(d *lists.Data, chosen string) []FormOptGroup {
	var out []FormOptGroup
	for _, t := range d.ListTypes {
		if t.Parent != "" {
			continue
		}
		g := FormOptGroup{Label: t.Kind.Label(), Options: []FormOption{{Value: t.Code, Label: t.Name, Selected: t.Code == chosen}}}
		for _, sub := range d.ListTypes {
			if sub.Parent == t.Code {
				g.Options = append(g.Options, FormOption{Value: sub.Code, Label: sub.Name, Selected: sub.Code == chosen})
			}
		}
		out = append(out, g)
	}
	return out
}

// entryPage loads the entry of the path: the record it names and the
// current version of that entry.
func (s *Server) entryPage(r *http.Request) (*EntryPage, error) {
	if err := requireViewEntries(r); err != nil {
		return nil, err
	}
	ls, err := s.listService()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r, "名单信息")
	if err != nil {
		return nil, err
	}
	e, err := ls.FindListEntry(r.Context(), credit.RecordID(id))
	if credit.ErrorCode(err) == credit.ENOTFOUND {
		return nil, credit.Errorf(credit.ENOTFOUND, "名单信息“%d”不存在", id)
	}
	if err != nil {
		return nil, err
	}
	today := credit.DateOf(s.now())
	p := &EntryPage{Page: base(r, e.SubjectName+" · "+e.ListName, "entries"), Entry: e, State: e.StateOn(today),
		Public: e.Kind.Public(), Kinds: removalKinds, Kind: lists.RemovedEarly, Today: today.Format(credit.DateLayout),
		Date: today.Format(credit.DateLayout)}
	if credit.RecordID(id) != e.RecordID {
		p.Opened = credit.RecordID(id)
	}
	switch {
	case p.State == lists.Active || p.State == lists.Pending:
		p.CanRemove, err = s.canRemove(r, e)
	case p.State == lists.Expired && e.RemovedOn == nil:
		// Past its validity with no removal recorded yet (the hourly
		// expiry has not run): recorded as 有效期届满, or revoked when the
		// decision was wrong; never removed early.
		p.Kinds, p.Kind = expiredRemovalKinds, lists.RemovedExpired
		p.CanRemove, err = s.canRemove(r, e)
	}
	if err != nil {
		return nil, err
	}
	if p.CanRemove {
		if p.MaxReason, err = s.removalReasonMax(r); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// removalReasonMax returns the longest 移出原因 the catalog allows (the
// max_len of its field MD_YCYY), 0 for none.
func (s *Server) removalReasonMax(r *http.Request) (int, error) {
	cat, err := s.backend.Catalog(r.Context())
	if err != nil {
		return 0, err
	}
	if cl, ok := cat.Class(lists.ClassCode); ok {
		if f, ok := cl.Field(lists.FieldRemovalReason); ok {
			return f.MaxLen, nil
		}
	}
	return 0, nil
}

// canRemove reports whether the actor may remove e, as storage decides
// (RemoveListEntry): whoever may submit for the deciding department.
func (s *Server) canRemove(r *http.Request, e *lists.Entry) (bool, error) {
	a := credit.ActorFromContext(r.Context())
	if a.Role == credit.RoleDepartment {
		return a.DepartmentID == e.DepartmentID, nil
	}
	ds, err := s.departments(r.Context())
	if err != nil {
		return false, err
	}
	for _, d := range ds {
		if d.ID == e.DepartmentID {
			return access.Can(a, access.ActionSubmit, access.Target{DepartmentID: d.ID, RegionCode: d.RegionCode}), nil
		}
	}
	return false, nil
}

func (s *Server) handleEntryView(w http.ResponseWriter, r *http.Request) error {
	p, err := s.entryPage(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("removed") == "1" && p.Entry.RemovedOn != nil {
		p.Notice = "已移出该名单信息（" + p.Entry.RemovalKind + "）。"
		if p.Public {
			p.Notice += "门户不再公示。"
		}
	}
	return s.render(w, r, http.StatusOK, "entry", p)
}

// handleEntryRemove removes the entry early from the removal form and shows
// it removed; a removal storage refuses comes back with the form as sent.
func (s *Server) handleEntryRemove(w http.ResponseWriter, r *http.Request) error {
	form, err := postForm(w, r)
	if err != nil {
		return err
	}
	ls, err := s.listService()
	if err != nil {
		return err
	}
	p, err := s.entryPage(r)
	if err != nil {
		return err
	}
	p.Kind, p.Reason, p.Date = strings.TrimSpace(form.Get("kind")), strings.TrimSpace(form.Get("reason")), strings.TrimSpace(form.Get("date"))
	rm := lists.Removal{Kind: p.Kind, Reason: p.Reason}
	if p.Date != "" {
		d, ok := record.ParseDate(p.Date)
		if !ok {
			p.Error, p.ErrorInput = "移出日期“"+credit.Clip(p.Date, 20)+"”无效，应为“年-月-日”格式，如2026-11-27", "f-date"
			p.FieldErrors = map[string][]string{"f-date": {p.Error}}
			return s.render(w, r, http.StatusBadRequest, "entry", p)
		}
		rm.Date = &d
	}
	e, err := ls.RemoveListEntry(r.Context(), p.Entry.RecordID, rm)
	if err != nil {
		switch credit.ErrorCode(err) {
		case credit.EINVALID, credit.ECONFLICT:
		default:
			return err
		}
		p.Error = credit.ErrorMessage(err)
		// The problems name the request's fields (or the fields of the
		// row the removal became): each is shown at its input, and the
		// first one is the summary that links to it.
		p.FieldErrors = map[string][]string{}
		var ce *credit.Error
		if errors.As(err, &ce) {
			for _, pr := range ce.Details {
				in, ok := removalInputs[pr.Field]
				if !ok {
					continue
				}
				if p.ErrorInput == "" {
					p.Error, p.ErrorInput = pr.Message, in
				}
				p.FieldErrors[in] = append(p.FieldErrors[in], pr.Message)
			}
		}
		if p.ErrorInput == "" {
			// A refusal that names no field (ECONFLICT: removed already
			// on or before the day): a missing reason, a kind not
			// offered, or else the day.
			switch {
			case p.Reason == "":
				p.ErrorInput = "f-reason"
			case p.Kind != "" && !slices.Contains(p.Kinds, p.Kind):
				p.ErrorInput = "f-kind"
			default:
				p.ErrorInput = "f-date"
			}
		}
		return s.render(w, r, statusOf(err), "entry", p)
	}
	s.resetCaches()
	redirect(w, r, "/console/lists/entries/"+strconv.FormatInt(int64(e.RecordID), 10)+"?removed=1", http.StatusSeeOther)
	return nil
}
