package access

import (
	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

// Action is something an actor may try to do.
type Action string

// Actions checked by Can.
const (
	ActionSubmit            Action = "submit"             // submit a batch for a department
	ActionViewBatch         Action = "view_batch"         // see a batch and its row errors
	ActionViewArchive       Action = "view_archive"       // government view of a subject's archive
	ActionViewRecord        Action = "view_record"        // a record's non-public detail, read by its id
	ActionManageDepartments Action = "manage_departments" // add departments, issue and revoke API keys
	ActionManageUsers       Action = "manage_users"       // add users within the scope, reset passwords
	ActionViewUsers         Action = "view_users"         // list users within the scope
	ActionViewQueryLog      Action = "view_query_log"     // read the query log
	ActionViewAudit         Action = "view_audit"         // read the audit log and ledger
	ActionManageCatalog     Action = "manage_catalog"     // whitelist legacy codes, edit catalog data
	ActionVerify            Action = "verify"             // 信用核查 before a decision
)

// Actions lists every action, for the authorization matrix.
var Actions = []Action{
	ActionSubmit, ActionViewBatch, ActionViewArchive, ActionViewRecord, ActionManageDepartments,
	ActionManageUsers, ActionViewUsers, ActionViewQueryLog, ActionViewAudit, ActionManageCatalog, ActionVerify,
}

// Target is what an action is applied to: the department that owns it and the
// region it belongs to. Zero members mean "not owned by a department" or "no
// region". Role is the role of the user an ActionManageUsers is about ("" when
// the action is not about one user).
type Target struct {
	DepartmentID credit.DepartmentID
	RegionCode   string
	Role         credit.Role
}

// readOnly lists the actions an auditor may perform.
var readOnly = map[Action]bool{
	ActionViewBatch: true, ActionViewArchive: true, ActionViewRecord: true,
	ActionViewQueryLog: true, ActionViewAudit: true, ActionViewUsers: true,
}

// Can reports whether actor may perform action on target. It is the one
// authorization decision of the platform: the JSON API, the web console and
// the CLI call it, through storage, for every non-public action.
//
//   - the platform itself (CLI on the server) and province administrators: everything;
//   - auditors: read-only actions everywhere;
//   - region administrators: everything within their region and below
//     (records by id: those of the region's departments), except catalog
//     changes and managing province administrators, auditors and
//     administrators of their own region; the government view of any
//     archive (credit verification is not bounded by region);
//   - department users and API keys: their own department's batches and
//     records, the government view of archives, and verification. A
//     department reads another department's records through the subject's
//     archive, one subject at a time and by its code, but not by record id:
//     ids are sequential, so a read by id could walk every record of the
//     province, persons' included, without knowing whom it is about
//     (natural persons' list entries likewise: listed and opened by the
//     deciding department only, found by others through verification);
//   - banks: nothing here yet (信易贷 comes later);
//   - the public: nothing non-public.
func Can(actor credit.Actor, action Action, target Target) bool {
	switch actor.Role {
	case credit.RoleSystem, credit.RoleProvince:
		return true
	case credit.RoleAuditor:
		return readOnly[action]
	case credit.RoleRegion:
		if action == ActionManageCatalog || actor.RegionCode == "" {
			return false
		}
		switch action {
		case ActionViewArchive, ActionVerify:
			return true
		case ActionManageUsers:
			switch target.Role {
			case "", credit.RoleDepartment, credit.RoleBank:
			case credit.RoleRegion:
				// Administrators of regions below; a peer of the same
				// region is not theirs to reset or disable.
				if target.RegionCode == actor.RegionCode {
					return false
				}
			default:
				return false
			}
		}
		return target.RegionCode != "" && subject.InRegion(target.RegionCode, actor.RegionCode)
	case credit.RoleDepartment:
		switch action {
		case ActionViewArchive, ActionVerify:
			return actor.DepartmentID != 0
		case ActionSubmit, ActionViewBatch, ActionViewRecord:
			return actor.DepartmentID != 0 && target.DepartmentID == actor.DepartmentID
		}
		return false
	}
	return false
}
