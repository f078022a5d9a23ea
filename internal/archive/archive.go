// Package archive is a subject's credit archive (信用档案) as one reader may
// see it. Visible is the platform's one visibility policy: every reader —
// portal, API, console, reports, verification — decides through it which
// records and fields an audience may see.
package archive

import (
	"context"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
)

// Audience is who reads an archive.
type Audience string

// Audiences.
const (
	Public     Audience = "public"     // 社会公众, no credentials
	Self       Audience = "subject"    // the subject itself
	Government Audience = "government" // departments and region users (政务共享)
	Admin      Audience = "admin"      // province administrators and auditors: everything, with history
)

// Label returns the Chinese name of a.
func (a Audience) Label() string {
	switch a {
	case Public:
		return "社会公众"
	case Self:
		return "信用主体本人"
	case Government:
		return "政务共享"
	case Admin:
		return "管理员"
	}
	return string(a)
}

// AudienceOf returns the audience of an actor.
func AudienceOf(a credit.Actor) Audience {
	switch a.Role {
	case credit.RoleProvince, credit.RoleAuditor, credit.RoleSystem:
		return Admin
	case credit.RoleRegion, credit.RoleDepartment:
		return Government
	}
	return Public
}

// Reason says why a record is hidden from an audience; "" when visible.
type Reason string

// Reasons a record is not shown.
const (
	Shown          Reason = ""
	NotPublicClass Reason = "not_public_class" // the class is not 主动公开
	PersonData     Reason = "person"           // natural persons' records are never public
	NotCurrent     Reason = "not_current"      // an older version
	WithdrawnRec   Reason = "withdrawn"        // the decision was revoked
	RepairedRec    Reason = "repaired"         // publicity ended by repair
	NotYet         Reason = "not_yet"          // before the publicity window
	Expired        Reason = "expired"          // after the publicity window
	InvalidLicence Reason = "invalid_licence"  // a licence marked 无效
)

// Visible decides whether audience a may see record r of class c about
// subject s on date today. It is pure and is the only place this is decided.
//
//	admin      every version, every status
//	government current versions of every class, whatever the window or status
//	subject    its own current versions (identity numbers of others masked)
//	public     current, active or objected versions of 主动公开 classes about
//	           organisations, inside the publicity window
func Visible(a Audience, c *catalog.Class, s *subject.Subject, r *record.Record, today credit.Date) Reason {
	if a == Admin {
		return Shown
	}
	if !r.Current {
		return NotCurrent
	}
	if a == Government || a == Self {
		return Shown
	}
	// Public from here on.
	if c.DisclosureOf(r.Fields) != catalog.Public {
		return NotPublicClass
	}
	if s.Type == subject.Person {
		return PersonData
	}
	switch r.Status {
	case record.Withdrawn:
		return WithdrawnRec
	case record.Repaired:
		return RepairedRec
	}
	if r.PublicFrom != nil && today.Before(*r.PublicFrom) {
		return NotYet
	}
	if r.PublicUntil != nil && !today.Before(*r.PublicUntil) {
		return Expired
	}
	if st := c.Roles.Status; st != "" && r.Fields[st] == "无效" {
		return InvalidLicence
	}
	return Shown
}

// VisibleFields returns the fields of r that audience a may see: the public
// sees only fields marked public in the catalog (identity numbers of legal
// representatives and persons are never public). For every audience, a
// citizen ID number written inside text (a 违法事实 naming 当事人刘某（身份证号
// …）) is masked as identity fields are shown (subject.MaskIDsInText).
func VisibleFields(a Audience, c *catalog.Class, r *record.Record) map[string]string {
	var out map[string]string // nil: r.Fields unchanged so far
	for k, v := range r.Fields {
		f, known := c.Field(k)
		if a == Public && known && !f.IsPublic() {
			if out == nil {
				out = copyFields(r.Fields, len(r.Fields))
			}
			delete(out, k)
			continue
		}
		if known && (f.Type == catalog.String || f.Type == catalog.Text) {
			if m := subject.MaskIDsInText(v); m != v {
				if out == nil {
					out = copyFields(r.Fields, len(r.Fields))
				}
				out[k] = m
			}
		}
	}
	if out == nil {
		return r.Fields
	}
	return out
}

func copyFields(fields map[string]string, n int) map[string]string {
	out := make(map[string]string, n)
	for k, v := range fields {
		out[k] = v
	}
	return out
}

// HideInternal clears what of a record is the platform's and the
// department's business, not the public's: the batch and row it came in,
// whether it was reported late, and the content hash; and masks an ID
// number in its business key as in its fields.
func HideInternal(r *record.Record) {
	r.BatchID, r.Row, r.Late, r.LateDays, r.ContentHash = "", 0, false, 0, ""
	r.Key = subject.MaskIDsInText(r.Key) // the business key repeats the text of its fields (文书号)
}

// Entry is one record as shown in an archive.
type Entry struct {
	Record *record.Record    `json:"record"`
	Fields map[string]string `json:"fields"`
	Title  string            `json:"title"`
	Labels []string          `json:"labels,omitempty"` // e.g. 异议处理中, 已修复, 已超过公示期
	Reason Reason            `json:"hidden_reason,omitempty"`
}

// Section groups an archive's entries of one class.
type Section struct {
	Class   string  `json:"class"`
	Name    string  `json:"name"`
	Entries []Entry `json:"entries"` // the newest MaxSectionEntries
	Total   int     `json:"total"`   // the entries the reader may see, shown or not
}

// MaxSectionEntries is how many entries of one class an archive holds, the
// newest first: a subject with a hundred thousand licences made a 200 MB
// answer. The section's Total says how many there are; the 双公示 listings
// page through the rest.
const MaxSectionEntries = 200

// Archive is what one audience sees of one subject.
type Archive struct {
	Subject *subject.Subject `json:"subject"`
	// FormerNames are the names an organisation's registration authority
	// registered it under before it was renamed (曾用名), public as its
	// name is; none for a person.
	FormerNames []string  `json:"former_names,omitempty"`
	Audience    Audience  `json:"audience"`
	AsOf        string    `json:"as_of"`
	Sections    []Section `json:"sections"`
	Total       int       `json:"total"`
}

// Purpose is why a non-public reader looks at an archive (查询事由).
type Purpose struct {
	Text string
}

// Service reads archives.
type Service interface {
	// FindArchive returns the archive of the subject with code (USCC or
	// citizen ID) as the actor in ctx may see it. Non-public reads are
	// written to the query log with purpose. Returns ENOTFOUND, also for a
	// person looked up by the public.
	FindArchive(ctx context.Context, code string, purpose string) (*Archive, error)
}

// NewEntry builds the archive entry of a visible record: the fields the
// audience may see, a title, and labels for its state.
func NewEntry(a Audience, c *catalog.Class, r *record.Record, today credit.Date) Entry {
	fields := VisibleFields(a, c, r)
	if a != Admin {
		// The entry's record is shown too: it carries the same fields, and
		// no content hash (an unkeyed hash over every field, identity
		// numbers in clear, would give them away to a brute force).
		shown := *r
		shown.Fields, shown.FieldsJSON, shown.ContentHash = fields, nil, ""
		if a == Public {
			HideInternal(&shown)
		}
		// The key repeats the text of its fields (文书号), masked as they are.
		shown.Key = subject.MaskIDsInText(shown.Key)
		r = &shown
	}
	e := Entry{Record: r, Fields: fields}
	if c.Roles.Title != "" {
		e.Title = r.Fields[c.Roles.Title]
	}
	if e.Title == "" {
		e.Title = c.Name
	}
	switch r.Status {
	case record.Objected:
		e.Labels = append(e.Labels, "异议处理中")
	case record.Repaired:
		e.Labels = append(e.Labels, "已修复")
	case record.Withdrawn:
		e.Labels = append(e.Labels, "已撤销")
	}
	if r.PublicUntil != nil && !today.Before(*r.PublicUntil) {
		e.Labels = append(e.Labels, "已超过公示期")
	}
	// A licence its department marked 无效 is kept from the public
	// (Visible); the government view says why, beside the record's own
	// status (有效: the record, not the licence).
	if st := c.Roles.Status; st != "" && r.Fields[st] == "无效" {
		e.Labels = append(e.Labels, "许可无效（不予公示）")
	}
	if !r.Current {
		e.Labels = append(e.Labels, "历史版本")
	}
	if r.Late {
		e.Labels = append(e.Labels, "超期报送")
	}
	if a == Public && len(e.Labels) > 0 && r.Late {
		e.Labels = e.Labels[:len(e.Labels)-1] // timeliness is the department's matter, not the public's
	}
	return e
}
