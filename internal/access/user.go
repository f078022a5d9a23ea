package access

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

// User is a console account (管理端用户). A department user (部门用户) acts for
// one department; a region administrator (地区管理员) for a 市州 or 县 and
// everything below it; a province administrator (省级管理员) and an auditor
// (审计员) for the whole province.
type User struct {
	ID           credit.UserID       `json:"id"`
	Username     string              `json:"username"` // login name, unique, case-insensitive
	DisplayName  string              `json:"display_name"`
	Role         credit.Role         `json:"role"`
	DepartmentID credit.DepartmentID `json:"department_id,omitempty"`
	// DepartmentCode and DepartmentName are filled when read, for display.
	DepartmentCode string `json:"department_code,omitempty"`
	DepartmentName string `json:"department_name,omitempty"`
	// RegionCode is the scope of a region administrator; for a department
	// user it is the department's region.
	RegionCode string `json:"region_code,omitempty"`
	// MustChangePassword is set while the user still has a one-time password.
	MustChangePassword bool       `json:"must_change_password"`
	FailedLogins       int        `json:"failed_logins"`
	LockedUntil        *time.Time `json:"locked_until,omitempty"`
	DisabledAt         *time.Time `json:"disabled_at,omitempty"`
	LastLoginAt        *time.Time `json:"last_login_at,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
}

// Roles a console user may have, in display order.
var UserRoles = []credit.Role{credit.RoleProvince, credit.RoleRegion, credit.RoleDepartment, credit.RoleBank, credit.RoleAuditor}

// RoleLabel returns the Chinese name of a role.
func RoleLabel(r credit.Role) string {
	switch r {
	case credit.RoleProvince:
		return "省级管理员"
	case credit.RoleRegion:
		return "地区管理员"
	case credit.RoleDepartment:
		return "部门用户"
	case credit.RoleBank:
		return "金融机构用户"
	case credit.RoleAuditor:
		return "审计员"
	case credit.RoleSystem:
		return "系统"
	case credit.RolePublic:
		return "社会公众"
	}
	return string(r)
}

// LabelName returns the name part of an audit label (credit.Actor.Label,
// "role:name"), for display: the role's identifier is for machines.
// Labels of the platform itself ("system") read 系统.
func LabelName(label string) string {
	role, name, ok := strings.Cut(label, ":")
	if !ok || name == "" {
		return RoleLabel(credit.Role(label))
	}
	if RoleLabel(credit.Role(role)) == role { // not a role: keep the label
		return label
	}
	if role == string(credit.RoleSystem) {
		return RoleLabel(credit.RoleSystem)
	}
	return name
}

// ParseRole returns the role named s ("province", "region", "department",
// "bank", "auditor"), or EINVALID.
func ParseRole(s string) (credit.Role, error) {
	for _, r := range UserRoles {
		if string(r) == strings.TrimSpace(s) {
			return r, nil
		}
	}
	return "", credit.Errorf(credit.EINVALID, "角色“%s”无效：应为 province、region、department、bank 或 auditor", s)
}

// Validate checks a user before it is saved: a valid login name, a console
// role, a department for department users and a 吉林省 region for region
// administrators.
func (u *User) Validate() error {
	var ps []credit.Problem
	add := func(field, code, msg string) {
		ps = append(ps, credit.Problem{Field: field, Code: code, Message: msg})
	}
	if p := CheckUsername(u.Username); p != "" {
		add("username", "bad_username", p)
	}
	if utf8.RuneCountInString(u.DisplayName) > 50 {
		add("display_name", "too_long", "姓名不能超过50个字")
	}
	switch u.Role {
	case credit.RoleProvince, credit.RoleAuditor, credit.RoleBank:
	case credit.RoleRegion:
		if _, ok := subject.LookupRegion(u.RegionCode); !ok || !subject.InRegion(u.RegionCode, subject.JilinCode) {
			add("region", "bad_region", "地区管理员须指定吉林省内的行政区划代码（6位）")
		}
	case credit.RoleDepartment:
		if u.DepartmentID == 0 {
			add("department", "required", "部门用户须指定所属部门")
		}
	default:
		add("role", "bad_role", "角色无效：应为省级管理员、地区管理员、部门用户、金融机构用户或审计员")
	}
	if len(ps) > 0 {
		return credit.Invalid(ps[0].Message, ps...)
	}
	return nil
}

// CheckUsername returns why name cannot be a login name, or "". Login names
// are 3–32 characters: letters, digits, "_", "-", "." and "@".
func CheckUsername(name string) string {
	n := utf8.RuneCountInString(name)
	if n < 3 || n > 32 {
		return "用户名应为3至32个字符"
	}
	for _, r := range name {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || strings.ContainsRune("_-.@", r)) {
			return "用户名只能包含英文字母、数字和 _ - . @"
		}
	}
	return ""
}

// NormalizeUsername returns the stored form of a login name.
func NormalizeUsername(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// Actor returns the actor a signed-in user acts as in the console.
func (u *User) Actor() credit.Actor {
	name := u.DisplayName
	if name == "" {
		name = u.Username
	}
	return credit.Actor{
		Role: u.Role, UserID: u.ID, Name: u.Username + "（" + name + "）",
		DepartmentID: u.DepartmentID, DepartmentCode: u.DepartmentCode,
		RegionCode: u.RegionCode, Channel: "web",
	}
}

// Lock-out policy: after MaxFailedLogins wrong passwords in a row an account
// is locked for LockoutDuration, also for the right password.
const (
	MaxFailedLogins = 5
	LockoutDuration = 15 * time.Minute
)

// Locked reports whether u is locked at now.
func (u *User) Locked(now time.Time) bool {
	return u.LockedUntil != nil && now.Before(*u.LockedUntil)
}

// Disabled reports whether the account was switched off by an administrator.
func (u *User) Disabled() bool { return u.DisabledAt != nil }

// AfterFailure returns the failure count and lock of a user after one more
// wrong password at now: the MaxFailedLogins-th failure locks the account
// until now+LockoutDuration and starts the count again.
func AfterFailure(failed int, now time.Time) (int, *time.Time) {
	failed++
	if failed >= MaxFailedLogins {
		until := now.Add(LockoutDuration)
		return 0, &until
	}
	return failed, nil
}

// UserFilter selects users.
type UserFilter struct {
	Role         *credit.Role
	DepartmentID *credit.DepartmentID
	RegionPrefix string // region code: users whose region is this one or below
	Query        string // part of the login or display name
	Offset       int
	Limit        int
}

// UserUpdate changes a user; nil members stay as they are.
type UserUpdate struct {
	DisplayName *string
	Disabled    *bool
}

// UserService maintains console users and their passwords. Every method
// checks Can with the actor in ctx.
type UserService interface {
	// CreateUser creates u with password, or with a fresh one-time password
	// when password is "", which it returns. Returns EINVALID, EFORBIDDEN
	// (outside the actor's scope), ENOTFOUND (unknown department) or
	// ECONFLICT (login name taken).
	CreateUser(ctx context.Context, u *User, password string) (oneTime string, err error)
	// FindUserByID returns ENOTFOUND, or EFORBIDDEN outside the actor's scope.
	FindUserByID(ctx context.Context, id credit.UserID) (*User, error)
	// FindUsers lists the users within the actor's scope.
	FindUsers(ctx context.Context, f UserFilter) ([]*User, int, error)
	// UpdateUser changes a user's name or switches it off or on; switching
	// off ends its sessions. Returns ENOTFOUND, EFORBIDDEN.
	UpdateUser(ctx context.Context, id credit.UserID, upd UserUpdate) (*User, error)
	// ResetPassword gives the user a new one-time password, unlocks it and
	// ends its sessions. Returns ENOTFOUND, EFORBIDDEN.
	ResetPassword(ctx context.Context, id credit.UserID) (oneTime string, err error)
	// ChangePassword changes the acting user's own password after checking
	// the old one, and ends its other sessions (keepSession stays). Returns
	// EINVALID for a wrong old password or a weak new one, EUNAUTHORIZED
	// when keepSession ended meanwhile (a reset, a switch-off, a logout).
	// The change is made only over the password it checked.
	ChangePassword(ctx context.Context, old, new string, keepSession string) error
}

// Password hashing: argon2id with the parameters OWASP recommends as a
// minimum (19 MiB, 2 passes, 1 lane), stored in the PHC string format
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

var b64 = base64.RawStdEncoding

// HashPassword returns the argon2id hash of password with a fresh salt.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("access.HashPassword: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches encoded, a hash made by
// HashPassword (its parameters are read from the string, so they may be
// raised later without invalidating stored hashes).
func VerifyPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<20 || t > 20 {
		return false
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against when a login name does not exist, so that
// unknown and known names take the same time.
var dummyHash = func() string {
	h, err := HashPassword("dummy-password-for-timing")
	if err != nil {
		panic(err)
	}
	return h
}()

// VerifyDummy spends the time of one password check.
func VerifyDummy(password string) { VerifyPassword(dummyHash, password) }

// CheckPassword returns why password is too weak, or "": at least 10
// characters with letters and digits, and not the login name.
func CheckPassword(password, username string) string {
	if utf8.RuneCountInString(password) < 10 {
		return "密码至少10个字符"
	}
	if utf8.RuneCountInString(password) > 128 {
		return "密码不能超过128个字符"
	}
	var letter, digit bool
	for _, r := range password {
		letter = letter || unicode.IsLetter(r)
		digit = digit || unicode.IsDigit(r)
	}
	if !letter || !digit {
		return "密码须同时包含字母和数字"
	}
	if username != "" && strings.Contains(strings.ToLower(password), strings.ToLower(username)) {
		return "密码不能包含用户名"
	}
	return ""
}

// otpAlphabet avoids characters that are easy to confuse (0/O, 1/l/I).
const otpAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// NewOneTimePassword returns a random 16-character password with letters
// and digits, for a new account or a reset.
func NewOneTimePassword() string {
	for {
		out := make([]byte, 0, 16)
		buf := make([]byte, 32)
		for len(out) < 16 {
			if _, err := rand.Read(buf); err != nil {
				panic(err)
			}
			for _, c := range buf {
				// Reject the top of the byte range so that every character
				// is equally likely.
				if int(c) < 256-256%len(otpAlphabet) && len(out) < 16 {
					out = append(out, otpAlphabet[int(c)%len(otpAlphabet)])
				}
			}
		}
		if s := string(out); CheckPassword(s, "") == "" {
			return s
		}
	}
}

// APIKeyService lists and revokes departments' API keys (created through
// DepartmentService.CreateAPIKey).
type APIKeyService interface {
	// FindDepartmentByID returns ENOTFOUND.
	FindDepartmentByID(ctx context.Context, id credit.DepartmentID) (*Department, error)
	// FindAPIKeys lists a department's keys, newest first. Returns
	// EFORBIDDEN outside the actor's scope.
	FindAPIKeys(ctx context.Context, departmentID credit.DepartmentID) ([]*APIKey, error)
	// RevokeAPIKey revokes a key at once. Returns ENOTFOUND, EFORBIDDEN.
	RevokeAPIKey(ctx context.Context, id int64) error
}
