package credit

import (
	"context"
	"slices"
)

// Role is what an acting user is allowed to do in general; scope narrows it.
type Role string

// Roles. RolePublic is the anonymous visitor; RoleSystem is the platform
// itself (CLI run by an operator on the server, scheduled jobs).
const (
	RolePublic     Role = "public"
	RoleProvince   Role = "province"   // 省级管理员
	RoleRegion     Role = "region"     // 地区管理员
	RoleDepartment Role = "department" // 部门用户 or a department's API key
	RoleBank       Role = "bank"       // 金融机构用户
	RoleAuditor    Role = "auditor"    // 审计员
	RoleSystem     Role = "system"     // the platform itself (CLI on the server)
)

// Actor is who performs an action: a console user, a department's API key,
// the CLI, or an anonymous visitor.
type Actor struct {
	Role           Role         `json:"role"`
	UserID         UserID       `json:"user_id,omitempty"`
	Name           string       `json:"name,omitempty"`
	DepartmentID   DepartmentID `json:"department_id,omitempty"`
	DepartmentCode string       `json:"department_code,omitempty"` // USCC of the department
	RegionCode     string       `json:"region_code,omitempty"`     // scope of a region admin
	Channel        string       `json:"channel,omitempty"`         // "api", "web", "cli"
	// KeyID is the API key the actor authenticated with; 0 for everyone
	// who did not come with a key (console sessions, the CLI, the public).
	KeyID int64 `json:"key_id,omitempty"`
	// Scopes are the API key's scopes (ingest, verify, share, finance; see
	// package access). They are meaningful only when KeyID is set.
	Scopes []string `json:"scopes,omitempty"`
	// Limit is the API key's request rate limit.
	Limit RateLimit `json:"limit,omitzero"`
}

// IsAPIKey reports whether the actor authenticated with an API key.
func (a Actor) IsAPIKey() bool { return a.KeyID != 0 }

// HasScope reports whether the actor may use an endpoint that needs scope.
//
// Scopes restrict API keys only: a key can do what its department's role
// allows (access.Can) and, on top of that, only what its scopes name. Actors
// that did not authenticate with a key (console sessions, the CLI, scheduled
// jobs, the anonymous public) have no scopes to narrow and HasScope is true
// for them: their role alone decides, and endpoints that need credentials
// still refuse the public themselves. Scopes never widen what a role allows.
func (a Actor) HasScope(scope string) bool {
	return !a.IsAPIKey() || slices.Contains(a.Scopes, scope)
}

// RateLimit is the request rate an API key may sustain: Rate requests per
// second on average, with bursts of up to Burst requests. A Rate of 0 (or
// less) means unlimited; Burst is then ignored.
type RateLimit struct {
	Rate  float64 `json:"rate"`
	Burst int     `json:"burst"`
}

// Unlimited reports whether l places no limit on requests.
func (l RateLimit) Unlimited() bool { return l.Rate <= 0 }

// Label returns a short description for audit rows.
func (a Actor) Label() string {
	switch {
	case a.Name != "":
		return string(a.Role) + ":" + a.Name
	case a.DepartmentCode != "":
		return string(a.Role) + ":" + a.DepartmentCode
	default:
		return string(a.Role)
	}
}

// Public is the anonymous actor.
var Public = Actor{Role: RolePublic}

// System is the platform itself acting from the command line.
var System = Actor{Role: RoleSystem, Name: "system", Channel: "cli"}

type actorKey struct{}

// NewContextWithActor returns ctx carrying a.
func NewContextWithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor in ctx, or Public when there is none.
func ActorFromContext(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Public
}
