package credit

import "context"

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
}

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
