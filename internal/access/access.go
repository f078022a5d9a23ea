// Package access decides who may see and do what: departments and their API
// keys, console users and roles, scopes (department, region), and the query
// log of non-public reads. Can is the one authorization function used by the
// JSON API, the web console and the CLI alike.
package access

import (
	"context"
	"crypto/sha256"
	"strings"
	"time"

	"jlcredit/internal/credit"
)

// Department is a government body that submits or uses credit data.
type Department struct {
	ID         credit.DepartmentID `json:"id"`
	Code       string              `json:"code"` // USCC
	Name       string              `json:"name"`
	RegionCode string              `json:"region_code"`
	Kind       string              `json:"kind,omitempty"`
	CreatedAt  time.Time           `json:"created_at"`
}

// Validate checks a department before it is saved.
func (d *Department) Validate() error {
	var ps []credit.Problem
	if strings.TrimSpace(d.Name) == "" {
		ps = append(ps, credit.Problem{Field: "name", Code: "required", Message: "部门名称不能为空"})
	}
	if d.Code == "" {
		ps = append(ps, credit.Problem{Field: "code", Code: "required", Message: "部门统一社会信用代码不能为空"})
	}
	if len(d.RegionCode) != 6 {
		ps = append(ps, credit.Problem{Field: "region", Code: "bad_region", Message: "行政区划代码应为6位数字"})
	}
	if len(ps) > 0 {
		return credit.Invalid(ps[0].Message, ps...)
	}
	return nil
}

// APIKey is a department's credential for the JSON API. Only the SHA-256 of
// the secret is stored; the secret is shown once when created.
type APIKey struct {
	ID           int64               `json:"id"`
	DepartmentID credit.DepartmentID `json:"department_id"`
	Prefix       string              `json:"prefix"` // first characters, to recognise a key in lists
	Scopes       []string            `json:"scopes"`
	CreatedAt    time.Time           `json:"created_at"`
	RevokedAt    *time.Time          `json:"revoked_at,omitempty"`
}

// API key scopes.
const (
	ScopeIngest  = "ingest"
	ScopeVerify  = "verify"
	ScopeShare   = "share"
	ScopeFinance = "finance"
)

// KeyPrefix starts every API key so that leaked keys are easy to find.
const KeyPrefix = "jlc_"

// NewKeySecret returns a new random API key secret.
func NewKeySecret() string { return KeyPrefix + credit.RandomHex(24) }

// HashKey returns the stored hash of an API key secret.
func HashKey(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// DepartmentService maintains departments and API keys.
type DepartmentService interface {
	// UpsertDepartment creates the department or updates its name and region
	// (idempotent by code). Returns EINVALID.
	UpsertDepartment(ctx context.Context, d *Department) error
	// FindDepartmentByCode returns ENOTFOUND.
	FindDepartmentByCode(ctx context.Context, code string) (*Department, error)
	// FindDepartments lists departments.
	FindDepartments(ctx context.Context, offset, limit int) ([]*Department, int, error)
	// CreateAPIKey creates a key and returns its secret once.
	CreateAPIKey(ctx context.Context, departmentID credit.DepartmentID, scopes []string) (secret string, key *APIKey, err error)
	// Authenticate returns the actor of an API key secret, or EUNAUTHORIZED.
	Authenticate(ctx context.Context, secret string) (credit.Actor, error)
}
