// Package access decides who may see and do what: departments and their API
// keys, console users and roles, scopes (department, region), and the query
// log of non-public reads. Can is the one authorization function used by the
// JSON API, the web console and the CLI alike.
package access

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

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

// Validate checks a department before it is saved: a name of at most 100
// characters (as the console's input allows), a code, a 6-digit region and
// a known kind.
func (d *Department) Validate() error {
	const maxName = 100
	var ps []credit.Problem
	if credit.Blank(d.Name) {
		ps = append(ps, credit.Problem{Field: "name", Code: "required", Message: "部门名称不能为空"})
	} else if n := utf8.RuneCountInString(d.Name); n > maxName {
		ps = append(ps, credit.Problem{Field: "name", Code: "too_long", Message: fmt.Sprintf("部门名称最多%d个字，实际%d个字", maxName, n)})
	}
	if d.Code == "" {
		ps = append(ps, credit.Problem{Field: "code", Code: "required", Message: "部门统一社会信用代码不能为空"})
	}
	if len(d.RegionCode) != 6 {
		ps = append(ps, credit.Problem{Field: "region", Code: "bad_region", Message: "行政区划代码应为6位数字"})
	}
	if _, ok := DepartmentKindName(d.Kind); d.Kind != "" && !ok {
		ps = append(ps, credit.Problem{Field: "kind", Code: "bad_kind", Message: "部门类别“" + credit.Clip(d.Kind, 32) + "”不存在，应为部门类别表中的代码，如 market（市场监督管理）"})
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
	// Scopes are the groups of endpoints the key may call (ScopeIngest …).
	Scopes []string `json:"scopes"`
	// Limit is the key's request rate limit; a zero Rate means unlimited.
	Limit     credit.RateLimit `json:"limit"`
	CreatedAt time.Time        `json:"created_at"`
	RevokedAt *time.Time       `json:"revoked_at,omitempty"`
}

// API key scopes. A key may call an endpoint only when it has the endpoint's
// scope (see credit.Actor.HasScope); the department's role still decides
// what the call may touch (Can).
const (
	ScopeIngest  = "ingest"  // 数据报送: submit batches, read their receipts, remove own list entries
	ScopeVerify  = "verify"  // 信用核查: verifications, feedback, push inbox and subscriptions
	ScopeShare   = "share"   // 数据共享: archives, records and search beyond the public view
	ScopeFinance = "finance" // 信易贷: financing services (reserved; no endpoint yet)
)

// Scopes lists every scope in display order.
var Scopes = []string{ScopeIngest, ScopeVerify, ScopeShare, ScopeFinance}

// DefaultScopes are given to a key created without scopes.
var DefaultScopes = []string{ScopeIngest, ScopeVerify}

// scopeLabels are the Chinese names of the scopes.
var scopeLabels = map[string]string{
	ScopeIngest:  "数据报送",
	ScopeVerify:  "信用核查",
	ScopeShare:   "数据共享",
	ScopeFinance: "信易贷",
}

// ScopeLabel returns the Chinese name of scope, or scope itself when unknown.
func ScopeLabel(scope string) string {
	if l, ok := scopeLabels[scope]; ok {
		return l
	}
	return scope
}

// ScopeTitle returns the name users see for scope, such as “信用核查（verify）”.
func ScopeTitle(scope string) string {
	return ScopeLabel(scope) + "（" + scope + "）"
}

// scopeList returns "数据报送（ingest）、信用核查（verify）…" for messages.
func scopeList() string {
	t := make([]string, len(Scopes))
	for i, s := range Scopes {
		t[i] = ScopeTitle(s)
	}
	return strings.Join(t, "、")
}

// ParseScopes checks and normalises scopes: it trims spaces, drops empty
// items and duplicates and orders them as Scopes does. It returns EINVALID
// naming the valid scopes when one is unknown. Empty input gives no scopes
// (callers decide whether that means DefaultScopes).
func ParseScopes(scopes []string) ([]string, error) {
	seen := map[string]bool{}
	for _, s := range scopes {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		if _, ok := scopeLabels[s]; !ok {
			msg := "未知的API密钥权限范围“" + s + "”，可选：" + scopeList()
			return nil, credit.Invalid(msg, credit.Problem{Field: "scope", Code: "bad_scope", Message: msg})
		}
		seen[s] = true
	}
	var out []string
	for _, s := range Scopes {
		if seen[s] {
			out = append(out, s)
		}
	}
	return out, nil
}

// DefaultKeyLimit is the rate limit of keys created without one, and of
// keys created before limits existed (migration 0005_key_limits).
var DefaultKeyLimit = credit.RateLimit{Rate: 100, Burst: 200}

// MaxKeyRate bounds a key's configured rate (requests per second); use 0
// for an unlimited key.
const MaxKeyRate = 1e6

// ValidateKeyLimit checks a key's rate limit: Rate 0 is unlimited; a
// positive Rate needs a Burst of at least 1. Returns EINVALID.
func ValidateKeyLimit(l credit.RateLimit) error {
	var msg, field string
	switch {
	case l.Rate < 0 || math.IsNaN(l.Rate) || l.Rate > MaxKeyRate:
		msg, field = "每秒请求数应在0到1000000之间（0表示不限速）", "rate"
	case l.Burst < 0 || l.Burst > 1e9:
		msg, field = "突发请求数应为非负整数", "burst"
	case l.Rate > 0 && l.Burst < 1:
		msg, field = "限速时突发请求数至少为1", "burst"
	default:
		return nil
	}
	return credit.Invalid(msg, credit.Problem{Field: field, Code: "bad_limit", Message: msg})
}

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
	// CreateAPIKey creates a key with DefaultKeyLimit and returns its secret
	// once. No scopes means DefaultScopes. Returns EINVALID, ENOTFOUND,
	// EFORBIDDEN.
	CreateAPIKey(ctx context.Context, departmentID credit.DepartmentID, scopes []string) (secret string, key *APIKey, err error)
	// CreateAPIKeyWithLimit is CreateAPIKey with the key's rate limit (a zero
	// Rate means unlimited). Returns EINVALID, ENOTFOUND, EFORBIDDEN.
	CreateAPIKeyWithLimit(ctx context.Context, departmentID credit.DepartmentID, scopes []string, limit credit.RateLimit) (secret string, key *APIKey, err error)
	// Authenticate returns the actor of an API key secret, with the key's ID,
	// scopes and rate limit, or EUNAUTHORIZED.
	Authenticate(ctx context.Context, secret string) (credit.Actor, error)
}
