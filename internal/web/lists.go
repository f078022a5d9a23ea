package web

import (
	"context"
	"net/http"
	"strings"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/subject"
)

// The portal's list pages (信用名单): the public lists with search, each
// entry with its basis and validity. What is shown is decided by storage
// (lists.PublicService) with the platform's one visibility policy; these
// handlers only choose the list types.
func init() {
	views["lists"] = ListsPage{}
	views["lists_type"] = ListTypePage{}
	views["lists_entry"] = ListEntryPage{}
}

// ListGroupCount is a public list group with how many entries it shows.
type ListGroupCount struct {
	lists.Group
	Total  int
	Capped bool
}

// ListsPage is the index of the public lists.
type ListsPage struct {
	Page
	Groups []ListGroupCount
}

// ListTypePage is one public list (a group or one sub-list) with search.
type ListTypePage struct {
	Page
	Group   lists.Group     // the group the list belongs to
	Type    *lists.ListType // the list shown (the group itself or a sub-list)
	Query   string
	Error   string
	Entries []*lists.Entry
	Pager   Pager
}

// ListEntryPage is one entry of a public list.
type ListEntryPage struct {
	Page
	Entry *lists.Entry
	Group lists.Group
}

func (s *Server) handleListIndex(w http.ResponseWriter, r *http.Request) error {
	p := &ListsPage{Page: base(r, "信用名单", "lists")}
	// Every visitor sees the same counts: cached like the home page's lists
	// (one capped count per group took 0.5 s in all at 100,000 entries).
	groups, err := s.listIndex.get(r.Context(), s.loadListIndex)
	if err != nil {
		return err
	}
	p.Groups = groups
	return s.render(w, r, http.StatusOK, "lists", p)
}

// loadListIndex counts the public entries of each group of lists.
func (s *Server) loadListIndex(ctx context.Context) ([]ListGroupCount, error) {
	data, err := lists.Default()
	if err != nil {
		return nil, err
	}
	var out []ListGroupCount
	for _, g := range data.PublicGroups() {
		_, total, err := s.backend.FindPublicEntries(ctx, lists.PublicFilter{ListTypes: g.Codes(), Limit: 1})
		if err != nil {
			return nil, err
		}
		out = append(out, ListGroupCount{Group: g, Total: total, Capped: total >= subject.TotalCap(0)})
	}
	return out, nil
}

// publicGroup returns the public group that holds the list type code.
func publicGroup(data *lists.Data, code string) (lists.Group, *lists.ListType, bool) {
	for _, g := range data.PublicGroups() {
		if g.Code == code {
			return g, &g.ListType, true
		}
		for i := range g.Sub {
			if g.Sub[i].Code == code {
				return g, &g.Sub[i], true
			}
		}
	}
	return lists.Group{}, nil, false
}

func (s *Server) handleListType(w http.ResponseWriter, r *http.Request) error {
	data, err := lists.Default()
	if err != nil {
		return err
	}
	g, lt, ok := publicGroup(data, r.PathValue("type"))
	if !ok {
		return notFound(r)
	}
	q := r.URL.Query()
	p := &ListTypePage{Page: base(r, lt.Name, "lists"), Group: g, Type: lt, Query: strings.TrimSpace(q.Get("q"))}
	f := lists.PublicFilter{ListTypes: []string{lt.Code}, Text: p.Query}
	if lt.Code == g.Code {
		f.ListTypes = g.Codes()
	}
	if _, ok := q["region"]; ok {
		// The 双公示 listings take a region; the lists do not: a link
		// that asks for one is told, not shown every region.
		p.Error = "参数region（地区）不适用于信用名单：名单按名单类型公示，只能按主体名称或统一社会信用代码（参数q）查询"
		return s.render(w, r, http.StatusBadRequest, "lists_type", p)
	}
	page := pageParam(r)
	f.Offset, f.Limit = (page-1)*listPageSize, listPageSize
	es, total, err := s.backend.FindPublicEntries(r.Context(), f)
	switch {
	case credit.ErrorCode(err) == credit.EINVALID:
		p.Error = credit.ErrorMessage(err)
	case err != nil:
		return err
	default:
		p.Entries = es
		p.Pager = newPager(r.URL.Path, q, page, listPageSize, total, true)
	}
	return s.render(w, r, filterStatus(p), "lists_type", p)
}

func (s *Server) handleListEntry(w http.ResponseWriter, r *http.Request) error {
	n, err := pathID(r, "")
	if err != nil {
		return err
	}
	e, err := s.backend.FindPublicEntry(r.Context(), credit.RecordID(n))
	if err != nil {
		return err
	}
	data, err := lists.Default()
	if err != nil {
		return err
	}
	g, _, ok := publicGroup(data, e.ListType)
	if !ok {
		return notFound(r)
	}
	p := &ListEntryPage{Page: base(r, e.SubjectName+" · "+e.ListName, "lists"), Entry: e, Group: g}
	return s.render(w, r, http.StatusOK, "lists_entry", p)
}
