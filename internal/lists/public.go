package lists

import (
	"context"

	"jlcredit/internal/credit"
)

// Public reports whether entries of lists of kind k are published on the
// portal (主动公开). 严重失信主体名单 and its sub-lists, 守信激励对象 and
// 经营异常名录 are; 重点关注名单 is a supervisory list shared among
// government departments only and is never shown to the public.
//
// Which entries of a public list are shown is the record visibility policy
// (archive.Visible): persons are excluded, and an entry's publicity window
// ends the day after its validity ends, or on the day it is removed.
func (k Kind) Public() bool { return k == Black || k == Red || k == Abnormal }

// Group is a top-level list type with its national sub-lists, as the
// portal shows it.
type Group struct {
	ListType
	Sub []ListType
}

// Codes returns the codes of the group's list type and its sub-lists.
func (g *Group) Codes() []string {
	out := []string{g.Code}
	for _, s := range g.Sub {
		out = append(out, s.Code)
	}
	return out
}

// PublicGroups returns the public list types as groups: each top-level type
// of a public kind with its sub-lists, in catalog order.
func (d *Data) PublicGroups() []Group {
	var out []Group
	for _, t := range d.ListTypes {
		if t.Parent != "" || !t.Kind.Public() {
			continue
		}
		g := Group{ListType: t}
		for _, s := range d.ListTypes {
			if s.Parent == t.Code {
				g.Sub = append(g.Sub, s)
			}
		}
		out = append(out, g)
	}
	return out
}

// PublicFilter selects entries of public lists.
type PublicFilter struct {
	// ListTypes are the list type codes to include; each must be of a
	// public kind.
	ListTypes []string
	// Text is a subject name (2+ characters of its current name, or a
	// whole former name) or a full USCC.
	Text string
	// SubjectIDs, when not empty, limits the entries to these subjects'
	// (at most 100).
	SubjectIDs    []credit.SubjectID
	Offset, Limit int
}

// PublicService reads list entries as the public sees them, whoever asks.
type PublicService interface {
	// FindPublicEntries lists the entries of f.ListTypes the public sees
	// today, newest decision first, with the total (capped at
	// subject.TotalCap(f.Offset)). Entries are named by their subject's
	// current name (Entry.ShowCurrentName: ListedName is the name an entry
	// was listed under, when another). Returns EINVALID for a bad search
	// text or a list type that is unknown or not public.
	FindPublicEntries(ctx context.Context, f PublicFilter) ([]*Entry, int, error)
	// FindPublicEntry returns an entry of a public list the public sees
	// today, named as FindPublicEntries names it, or ENOTFOUND.
	FindPublicEntry(ctx context.Context, id credit.RecordID) (*Entry, error)
}
