package access_test

import (
	"fmt"
	"strings"
	"testing"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
)

// Scopes of the matrix: who owns the target, seen from the actors below (a
// department of 长春市 in 朝阳区, a region administrator of 长春市).
var scopes = map[string]access.Target{
	"own":          {DepartmentID: 1, RegionCode: "220104"}, // the actor's own department (朝阳区, 长春市)
	"same-region":  {DepartmentID: 2, RegionCode: "220122"}, // another department of 长春市 (农安县)
	"other-region": {DepartmentID: 3, RegionCode: "220202"}, // a department of 吉林市
	"province":     {DepartmentID: 4, RegionCode: "220000"}, // a provincial department
	"none":         {},                                      // not owned (catalog, a subject's archive)
}

var actors = map[string]credit.Actor{
	"system":     credit.System,
	"province":   {Role: credit.RoleProvince, UserID: 1},
	"auditor":    {Role: credit.RoleAuditor, UserID: 2},
	"region":     {Role: credit.RoleRegion, UserID: 3, RegionCode: "220100"},
	"region-nil": {Role: credit.RoleRegion, UserID: 4}, // misconfigured: no region
	"department": {Role: credit.RoleDepartment, UserID: 5, DepartmentID: 1, RegionCode: "220104"},
	"dept-nil":   {Role: credit.RoleDepartment, UserID: 6}, // misconfigured: no department
	"bank":       {Role: credit.RoleBank, UserID: 7},
	"public":     credit.Public,
}

// TestCanMatrix is the authorization matrix: role × action × scope →
// allowed. Each row lists the scopes (of own, same-region, other-region,
// province, none) in which the action is allowed; every other cell is denied.
const (
	all      = "own same-region other-region province none"
	inRegion = "own same-region"
)

var matrix = []struct {
	actor   string
	action  access.Action
	allowed string
}{
	// The platform and province administrators may do everything.
	{"system", access.ActionSubmit, all},
	{"system", access.ActionManageCatalog, all},
	{"province", access.ActionSubmit, all},
	{"province", access.ActionViewBatch, all},
	{"province", access.ActionViewArchive, all},
	{"province", access.ActionViewRecord, all},
	{"province", access.ActionManageDepartments, all},
	{"province", access.ActionManageUsers, all},
	{"province", access.ActionViewUsers, all},
	{"province", access.ActionViewQueryLog, all},
	{"province", access.ActionViewAudit, all},
	{"province", access.ActionManageCatalog, all},
	{"province", access.ActionVerify, all},

	// Auditors read everything and change nothing.
	{"auditor", access.ActionSubmit, ""},
	{"auditor", access.ActionViewBatch, all},
	{"auditor", access.ActionViewArchive, all},
	{"auditor", access.ActionViewRecord, all},
	{"auditor", access.ActionManageDepartments, ""},
	{"auditor", access.ActionManageUsers, ""},
	{"auditor", access.ActionViewUsers, all},
	{"auditor", access.ActionViewQueryLog, all},
	{"auditor", access.ActionViewAudit, all},
	{"auditor", access.ActionManageCatalog, ""},
	{"auditor", access.ActionVerify, ""},

	// Region administrators act within their region and below.
	{"region", access.ActionSubmit, inRegion},
	{"region", access.ActionViewBatch, inRegion},
	{"region", access.ActionViewArchive, all},
	{"region", access.ActionViewRecord, inRegion},
	{"region", access.ActionManageDepartments, inRegion},
	{"region", access.ActionManageUsers, inRegion},
	{"region", access.ActionViewUsers, inRegion},
	{"region", access.ActionViewQueryLog, inRegion},
	{"region", access.ActionViewAudit, inRegion},
	{"region", access.ActionManageCatalog, ""},
	{"region", access.ActionVerify, all},
	{"region-nil", access.ActionViewBatch, ""},
	{"region-nil", access.ActionViewArchive, ""},

	// Department users: their own department's batches and records,
	// the government view of archives, verification.
	{"department", access.ActionSubmit, "own"},
	{"department", access.ActionViewBatch, "own"},
	{"department", access.ActionViewArchive, all},
	{"department", access.ActionViewRecord, "own"},
	{"department", access.ActionManageDepartments, ""},
	{"department", access.ActionManageUsers, ""},
	{"department", access.ActionViewUsers, ""},
	{"department", access.ActionViewQueryLog, ""},
	{"department", access.ActionViewAudit, ""},
	{"department", access.ActionManageCatalog, ""},
	{"department", access.ActionVerify, all},
	{"dept-nil", access.ActionSubmit, ""},
	{"dept-nil", access.ActionViewArchive, ""},

	// Banks and the public: nothing non-public (yet).
	{"bank", access.ActionSubmit, ""},
	{"bank", access.ActionViewArchive, ""},
	{"bank", access.ActionViewBatch, ""},
	{"public", access.ActionSubmit, ""},
	{"public", access.ActionViewBatch, ""},
	{"public", access.ActionViewArchive, ""},
	{"public", access.ActionViewQueryLog, ""},
	{"public", access.ActionManageUsers, ""},
}

func TestCanMatrix(t *testing.T) {
	for _, test := range matrix {
		allowed := map[string]bool{}
		for _, s := range strings.Fields(test.allowed) {
			allowed[s] = true
		}
		for name, target := range scopes {
			want := allowed[name]
			t.Run(fmt.Sprintf("%s/%s/%s", test.actor, test.action, name), func(t *testing.T) {
				if got := access.Can(actors[test.actor], test.action, target); got != want {
					t.Errorf("Can(%s, %s, %s) = %v, want %v", test.actor, test.action, name, got, want)
				}
			})
		}
	}
}

// TestCanMatrixComplete checks that the matrix names every action for every
// role people sign in with, so that a new action cannot go unreviewed.
func TestCanMatrixComplete(t *testing.T) {
	have := map[string]bool{}
	for _, m := range matrix {
		have[m.actor+"/"+string(m.action)] = true
	}
	for _, role := range []string{"province", "auditor", "region", "department"} {
		for _, a := range access.Actions {
			if !have[role+"/"+string(a)] {
				t.Errorf("matrix has no row for %s × %s", role, a)
			}
		}
	}
}

// TestCanManageUsersRole checks that a region administrator cannot create
// or manage province administrators and auditors, even in its region.
func TestCanManageUsersRole(t *testing.T) {
	region := actors["region"]
	for _, test := range []struct {
		role credit.Role
		want bool
	}{
		{credit.RoleDepartment, true},
		{credit.RoleRegion, true}, // of a county below
		{credit.RoleBank, true},
		{credit.RoleProvince, false},
		{credit.RoleAuditor, false},
		{credit.RoleSystem, false},
	} {
		t.Run(string(test.role), func(t *testing.T) {
			target := access.Target{RegionCode: "220104", Role: test.role}
			if got := access.Can(region, access.ActionManageUsers, target); got != test.want {
				t.Errorf("Can(region, manage_users, %s in region) = %v, want %v", test.role, got, test.want)
			}
			target.RegionCode = "220202"
			if access.Can(region, access.ActionManageUsers, target) {
				t.Errorf("Can(region, manage_users, %s outside region) = true, want false", test.role)
			}
			if !access.Can(actors["province"], access.ActionManageUsers, target) {
				t.Errorf("Can(province, manage_users, %s) = false, want true", test.role)
			}
		})
	}
}

// TestCanManageUsersPeer checks that a region administrator cannot reset
// or disable another administrator of its own region (taking over the
// peer's identity and audit trail), only of the regions below.
func TestCanManageUsersPeer(t *testing.T) {
	region := actors["region"]
	if access.Can(region, access.ActionManageUsers, access.Target{RegionCode: region.RegionCode, Role: credit.RoleRegion}) {
		t.Error("a region administrator manages a peer of its own region")
	}
	if !access.Can(region, access.ActionManageUsers, access.Target{RegionCode: "220104", Role: credit.RoleRegion}) {
		t.Error("a region administrator cannot manage a county's administrator")
	}
	if !access.Can(region, access.ActionManageUsers, access.Target{RegionCode: region.RegionCode, Role: credit.RoleDepartment}) {
		t.Error("a region administrator cannot manage a department user of its own region")
	}
}

func TestLabelName(t *testing.T) {
	for _, tc := range []struct{ label, want string }{
		{"province:qaadmin（张三）", "qaadmin（张三）"},
		{"department:opx（李四）", "opx（李四）"},
		{"department:11220100MB0000011A", "11220100MB0000011A"},
		{"system:system", "系统"},
		{"system", "系统"},
		{"public", "社会公众"},
		{"外部:说明", "外部:说明"}, // not a role
		{"", ""},
	} {
		if got := access.LabelName(tc.label); got != tc.want {
			t.Errorf("LabelName(%q) = %q, want %q", tc.label, got, tc.want)
		}
	}
}
