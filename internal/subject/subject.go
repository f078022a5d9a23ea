// Package subject holds credit subjects (企业, 个体工商户, 自然人, 社会组织,
// 事业单位, 政府机构) and their identifiers: the unified social credit code
// (GB 32100-2015), the citizen ID number (GB 11643-1999) and the GB/T 2260
// administrative regions of 吉林省.
package subject

import (
	"context"
	"math"
	"time"

	"jlcredit/internal/credit"
)

// Type is the kind of a subject.
type Type string

// Subject types (GLOSSARY.md).
const (
	Enterprise         Type = "enterprise"          // 企业
	IndividualBusiness Type = "individual_business" // 个体工商户
	Person             Type = "person"              // 自然人
	SocialOrg          Type = "social_org"          // 社会组织
	PublicInstitution  Type = "public_institution"  // 事业单位
	Government         Type = "government"          // 政府机构
)

// Types lists every subject type in display order.
var Types = []Type{Enterprise, IndividualBusiness, Person, SocialOrg, PublicInstitution, Government}

// Label returns the Chinese name of t.
func (t Type) Label() string {
	switch t {
	case Enterprise:
		return "企业"
	case IndividualBusiness:
		return "个体工商户"
	case Person:
		return "自然人"
	case SocialOrg:
		return "社会组织"
	case PublicInstitution:
		return "事业单位"
	case Government:
		return "政府机构"
	}
	return string(t)
}

// Valid reports whether t is a known type.
func (t Type) Valid() bool {
	for _, x := range Types {
		if x == t {
			return true
		}
	}
	return false
}

// Subject is an entity with a credit archive. Organisations are identified by
// USCC; persons by citizen ID, which is kept only encrypted (CitizenIDCipher)
// with a keyed hash for lookup (CitizenIDHash) and is never shown unmasked.
type Subject struct {
	ID              credit.SubjectID `json:"id"`
	Type            Type             `json:"type"`
	Name            string           `json:"name"`
	USCC            string           `json:"uscc,omitempty"`
	CitizenIDMasked string           `json:"citizen_id_masked,omitempty"`
	CitizenIDHash   []byte           `json:"-"`
	CitizenIDCipher []byte           `json:"-"`
	RegionCode      string           `json:"region_code,omitempty"`
	LegalRep        string           `json:"legal_rep,omitempty"`
	Verified        bool             `json:"verified"`
	CreatedAt       time.Time        `json:"created_at"`
	UpdatedAt       time.Time        `json:"updated_at"`
}

// Filter selects subjects. Query matches a name substring (2+ characters) or
// a code prefix.
type Filter struct {
	Query          string
	Type           *Type
	RegionPrefix   string
	IncludePersons bool
	Offset, Limit  int
}

// Service reads and maintains subjects.
type Service interface {
	// FindSubjectByCode returns the subject with the given USCC or citizen ID
	// (normalised first). Returns ENOTFOUND.
	FindSubjectByCode(ctx context.Context, code string) (*Subject, error)
	// FindSubjectByID returns ENOTFOUND when missing.
	FindSubjectByID(ctx context.Context, id credit.SubjectID) (*Subject, error)
	// FindSubjects returns matching subjects and the total count (capped at
	// TotalCap(f.Offset), in which case more exist).
	FindSubjects(ctx context.Context, f Filter) ([]*Subject, int, error)
	// AddLegacyCode whitelists a legacy USCC that fails the check character.
	AddLegacyCode(ctx context.Context, code, note string) error
}

// MaxTotal is how many matches a listing counts beyond the page it starts
// at: beyond TotalCap(offset) the result says "more than that" (50 pages of
// 20 is more than anyone reads at a time, and an exact count of a common
// bigram would cost a scan of its whole posting list). Counting from the
// page's offset keeps a "next page" link on every full page, however deep.
const MaxTotal = 1000

// TotalCap is the count at which a listing's total, for the page at offset,
// stops counting. It saturates instead of overflowing for an offset near
// the largest int (a client's offset=9223372036854775807 made it negative,
// and PostgreSQL refused the LIMIT).
func TotalCap(offset int) int { return min(max(offset, 0), math.MaxInt-MaxTotal) + MaxTotal }
