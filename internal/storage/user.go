package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

var (
	_ access.UserService    = (*DB)(nil)
	_ access.SessionService = (*DB)(nil)
	_ access.APIKeyService  = (*DB)(nil)
)

// userColumns reads a user with its department. A department user's region
// is its department's, so that moving a department moves its users.
const userColumns = `u.id, u.username, u.display_name, u.role, COALESCE(u.department_id, 0), COALESCE(d.code, ''), COALESCE(d.name, ''),
	COALESCE(d.region_code, u.region_code), u.must_change_password, u.failed_logins, u.locked_until, u.disabled_at, u.last_login_at, u.created_at`

const userFrom = ` FROM users u LEFT JOIN departments d ON d.id = u.department_id`

func scanUser(s interface{ Scan(...any) error }, extra ...any) (*access.User, error) {
	var u access.User
	var id, dep int64
	var role string
	var locked, disabled, last sql.NullTime
	dest := append([]any{&id, &u.Username, &u.DisplayName, &role, &dep, &u.DepartmentCode, &u.DepartmentName,
		&u.RegionCode, &u.MustChangePassword, &u.FailedLogins, &locked, &disabled, &last, &u.CreatedAt}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	u.ID, u.DepartmentID, u.Role = credit.UserID(id), credit.DepartmentID(dep), credit.Role(role)
	u.LockedUntil, u.DisabledAt, u.LastLoginAt = nullTime(locked), nullTime(disabled), nullTime(last)
	u.CreatedAt = u.CreatedAt.UTC()
	return &u, nil
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

// userTarget is the authorization target of an action on u.
func userTarget(u *access.User) access.Target {
	return access.Target{DepartmentID: u.DepartmentID, RegionCode: u.RegionCode, Role: u.Role}
}

// CreateUser creates a console user. With password "" it generates a
// one-time password and returns it; the user is asked to change it.
func (db *DB) CreateUser(ctx context.Context, u *access.User, password string) (string, error) {
	actor := credit.ActorFromContext(ctx)
	u.Username = access.NormalizeUsername(u.Username)
	u.DisplayName = strings.TrimSpace(subject.NormalizeText(u.DisplayName))
	if u.Role != credit.RoleDepartment {
		u.DepartmentID = 0
	}
	if u.Role != credit.RoleRegion {
		u.RegionCode = ""
	}
	if u.Role == credit.RoleDepartment && u.DepartmentID == 0 && u.DepartmentCode != "" {
		d, err := db.FindDepartmentByCode(ctx, u.DepartmentCode)
		if err != nil {
			return "", err
		}
		u.DepartmentID = d.ID
	}
	if err := u.Validate(); err != nil {
		return "", err
	}
	if u.Role == credit.RoleDepartment {
		d, err := db.FindDepartmentByID(ctx, u.DepartmentID)
		if err != nil {
			return "", err
		}
		u.DepartmentCode, u.DepartmentName, u.RegionCode = d.Code, d.Name, d.RegionCode
	}
	if !access.Can(actor, access.ActionManageUsers, userTarget(u)) {
		return "", credit.Errorf(credit.EFORBIDDEN, "无权创建该范围的%s账号", access.RoleLabel(u.Role))
	}
	oneTime := ""
	mustChange := password == ""
	if password == "" {
		password = access.NewOneTimePassword()
		oneTime = password
	} else if p := access.CheckPassword(password, u.Username); p != "" {
		return "", credit.Invalid(p, credit.Problem{Field: "password", Code: "weak_password", Message: p})
	}
	hash, err := access.HashPassword(password)
	if err != nil {
		return "", err
	}
	region := ""
	if u.Role == credit.RoleRegion {
		region = u.RegionCode
	}
	err = db.transact(ctx, func(tx *Tx) error {
		var id int64
		err := tx.queryRow(ctx, `INSERT INTO users (username, display_name, role, department_id, region_code, password_hash,
			must_change_password, password_changed_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			u.Username, u.DisplayName, string(u.Role), nullInt(int64(u.DepartmentID)), region, hash,
			mustChange, tx.now, tx.now, tx.now).Scan(&id)
		if isUniqueViolation(err) {
			return credit.Invalid("用户名“"+u.Username+"”已被使用", credit.Problem{Field: "username", Code: "taken", Message: "用户名“" + u.Username + "”已被使用"})
		}
		if err != nil {
			return err
		}
		u.ID, u.CreatedAt, u.MustChangePassword = credit.UserID(id), tx.now, mustChange
		return tx.auditUser(ctx, "user.create", u.Username, u.ID, map[string]any{
			"role": u.Role, "department": u.DepartmentCode, "region": u.RegionCode})
	})
	if err != nil {
		return "", err
	}
	return oneTime, nil
}

// findUser reads a user without an authorization check.
func (db *DB) findUser(ctx context.Context, id credit.UserID) (*access.User, error) {
	u, err := scanUser(db.queryRow(ctx, `SELECT `+userColumns+userFrom+` WHERE u.id = $1`, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credit.Errorf(credit.ENOTFOUND, "用户不存在")
	}
	return u, err
}

// FindUserByID returns a user the actor may see: itself, or one within its
// scope.
func (db *DB) FindUserByID(ctx context.Context, id credit.UserID) (*access.User, error) {
	u, err := db.findUser(ctx, id)
	if err != nil {
		return nil, err
	}
	actor := credit.ActorFromContext(ctx)
	if actor.UserID != u.ID && !access.Can(actor, access.ActionViewUsers, userTarget(u)) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "无权查看该用户")
	}
	return u, nil
}

// maxUserQuery is the longest search text FindUsers takes, in characters:
// login and display names are far shorter, and SQLite refuses a LIKE
// pattern over 50,000 bytes.
const maxUserQuery = 100

// FindUsers lists the users within the actor's scope, by login name. A
// search text over maxUserQuery characters is EINVALID.
func (db *DB) FindUsers(ctx context.Context, f access.UserFilter) ([]*access.User, int, error) {
	actor := credit.ActorFromContext(ctx)
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args))))
	}
	switch actor.Role {
	case credit.RoleSystem, credit.RoleProvince, credit.RoleAuditor:
	case credit.RoleRegion:
		if actor.RegionCode == "" {
			return nil, 0, credit.Errorf(credit.EFORBIDDEN, "无权查看用户")
		}
		add(`COALESCE(d.region_code, u.region_code) LIKE $?`, regionLike(actor.RegionCode))
	default:
		return nil, 0, credit.Errorf(credit.EFORBIDDEN, "无权查看用户")
	}
	if f.Role != nil {
		add(`u.role = $?`, string(*f.Role))
	}
	if f.DepartmentID != nil {
		add(`u.department_id = $?`, int64(*f.DepartmentID))
	}
	if f.RegionPrefix != "" {
		add(`COALESCE(d.region_code, u.region_code) LIKE $?`, regionLike(f.RegionPrefix))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		if utf8.RuneCountInString(q) > maxUserQuery {
			return nil, 0, credit.Errorf(credit.EINVALID, "搜索内容不能超过%d个字符", maxUserQuery)
		}
		args = append(args, "%"+likeEscape(strings.ToLower(q))+"%")
		n := len(args)
		args = append(args, "%"+likeEscape(q)+"%")
		where = append(where, fmt.Sprintf(`(u.username LIKE $%d ESCAPE '\' OR u.display_name LIKE $%d ESCAPE '\')`, n, n+1))
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	q := `SELECT ` + userColumns + `, COUNT(*) OVER()` + userFrom
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	args = append(args, f.Limit, max(f.Offset, 0))
	q += fmt.Sprintf(` ORDER BY u.username LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	var out []*access.User
	var total int
	err := scanAll(db.rows(ctx, q, args...), func(rows *sql.Rows) error {
		u, err := scanUser(rows, &total)
		if err != nil {
			return err
		}
		out = append(out, u)
		return nil
	})
	return out, total, err
}

// likeEscape escapes the LIKE wildcards of s for ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// manageableUser returns the user id if the actor may manage it.
func (db *DB) manageableUser(ctx context.Context, id credit.UserID) (*access.User, error) {
	u, err := db.findUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if !access.Can(credit.ActorFromContext(ctx), access.ActionManageUsers, userTarget(u)) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "无权管理该用户")
	}
	return u, nil
}

// UpdateUser changes a user's display name or switches it off or on.
func (db *DB) UpdateUser(ctx context.Context, id credit.UserID, upd access.UserUpdate) (*access.User, error) {
	u, err := db.manageableUser(ctx, id)
	if err != nil {
		return nil, err
	}
	actor := credit.ActorFromContext(ctx)
	if upd.Disabled != nil && *upd.Disabled && actor.UserID == u.ID {
		return nil, credit.Errorf(credit.EINVALID, "不能停用自己的账号")
	}
	if upd.DisplayName != nil {
		u.DisplayName = strings.TrimSpace(subject.NormalizeText(*upd.DisplayName))
		if err := u.Validate(); err != nil {
			return nil, err
		}
	}
	err = db.transact(ctx, func(tx *Tx) error {
		if upd.DisplayName != nil {
			if _, err := tx.exec(ctx, `UPDATE users SET display_name = $1, updated_at = $2 WHERE id = $3`, u.DisplayName, tx.now, int64(id)); err != nil {
				return err
			}
		}
		if upd.Disabled != nil {
			var at any
			if *upd.Disabled {
				at = tx.now
			}
			if _, err := tx.exec(ctx, `UPDATE users SET disabled_at = $1, updated_at = $2 WHERE id = $3`, at, tx.now, int64(id)); err != nil {
				return err
			}
			// The sessions go after the row is updated: on PostgreSQL a
			// sign-in in progress holds the row until its session is
			// committed (loginSucceeded), so that this statement, which
			// starts after the UPDATE got the row, sees that session.
			if *upd.Disabled {
				if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, int64(id)); err != nil {
					return err
				}
			}
		}
		return tx.auditUser(ctx, "user.update", u.Username, id, map[string]any{"display_name": upd.DisplayName, "disabled": upd.Disabled})
	})
	if err != nil {
		return nil, err
	}
	return db.findUser(ctx, id)
}

// ResetPassword sets a new one-time password, unlocks the account and ends
// its sessions.
func (db *DB) ResetPassword(ctx context.Context, id credit.UserID) (string, error) {
	u, err := db.manageableUser(ctx, id)
	if err != nil {
		return "", err
	}
	password := access.NewOneTimePassword()
	hash, err := access.HashPassword(password)
	if err != nil {
		return "", err
	}
	err = db.transact(ctx, func(tx *Tx) error {
		// The row before the sessions, as in UpdateUser: a sign-in in
		// progress holds the row until its session is committed.
		if _, err := tx.exec(ctx, `UPDATE users SET password_hash = $1, must_change_password = $2, failed_logins = 0, locked_until = NULL,
			password_changed_at = $3, updated_at = $4 WHERE id = $5`, hash, true, tx.now, tx.now, int64(id)); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, int64(id)); err != nil {
			return err
		}
		return tx.auditUser(ctx, "user.reset_password", u.Username, id, nil)
	})
	if err != nil {
		return "", err
	}
	return password, nil
}

// ChangePassword changes the acting user's own password, and ends the
// user's other sessions (keepSession, the acting one, stays).
//
// The old password is checked outside the transaction, as in Login; the
// change is then a compare-and-set on the hash it was checked against, and
// applies only while keepSession is still a live session of the user: a
// reset, another change or a switch-off committed in between (each ends
// this session) makes it EUNAUTHORIZED, so that it neither undoes a reset
// nor applies once the session was ended. A change by this same session in
// between (a form sent twice) makes the old password wrong: EINVALID, as a
// wrong old password.
func (db *DB) ChangePassword(ctx context.Context, old, new string, keepSession string) error {
	actor := credit.ActorFromContext(ctx)
	if actor.UserID == 0 || keepSession == "" {
		return credit.Errorf(credit.EUNAUTHORIZED, "请先登录")
	}
	var username, hash string
	err := db.queryRow(ctx, `SELECT username, password_hash FROM users WHERE id = $1`, int64(actor.UserID)).Scan(&username, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return credit.Errorf(credit.EUNAUTHORIZED, "请先登录")
	}
	if err != nil {
		return err
	}
	if !access.VerifyPassword(hash, old) {
		return errWrongOldPassword()
	}
	if p := access.CheckPassword(new, username); p != "" {
		return credit.Invalid(p, credit.Problem{Field: "new_password", Code: "weak_password", Message: p})
	}
	if old == new {
		return credit.Invalid("新密码不能与原密码相同", credit.Problem{Field: "new_password", Code: "same_password", Message: "新密码不能与原密码相同"})
	}
	newHash, err := access.HashPassword(new)
	if err != nil {
		return err
	}
	if passwordChecked != nil {
		passwordChecked()
	}
	return db.transact(ctx, func(tx *Tx) error {
		// The UPDATE first: on PostgreSQL it waits for the row of a reset,
		// change or switch-off in progress (each updates the row before
		// it deletes sessions), so that the session check below sees what
		// that one committed.
		res, err := tx.exec(ctx, `UPDATE users SET password_hash = $1, must_change_password = $2, password_changed_at = $3, updated_at = $4
			WHERE id = $5 AND password_hash = $6 AND disabled_at IS NULL`,
			newHash, false, tx.now, tx.now, int64(actor.UserID), hash)
		if err != nil {
			return err
		}
		changed, err := res.RowsAffected()
		if err != nil {
			return err
		}
		var live int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE token_hash = $1 AND user_id = $2 AND expires_at > $3`,
			access.HashToken(keepSession), int64(actor.UserID), tx.now).Scan(&live); err != nil {
			return err
		}
		if live == 0 {
			return credit.Errorf(credit.EUNAUTHORIZED, "登录已失效，请重新登录")
		}
		if changed == 0 {
			return errWrongOldPassword()
		}
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, int64(actor.UserID), access.HashToken(keepSession)); err != nil {
			return err
		}
		return tx.auditUser(ctx, "user.change_password", username, actor.UserID, nil)
	})
}

func errWrongOldPassword() error {
	return credit.Invalid("原密码不正确", credit.Problem{Field: "old_password", Code: "wrong_password", Message: "原密码不正确"})
}

// auditUser appends the audit entry of a change to user id with, under
// "state", the user as the change left it (userState, which verifyState
// compares with the row): read in the transaction after the change, once
// the audit log is locked, so that entries of changes to one user come in
// the order of the states they record.
func (tx *Tx) auditUser(ctx context.Context, action, username string, id credit.UserID, detail map[string]any) error {
	if _, _, err := tx.lockAudit(ctx); err != nil {
		return err
	}
	var s userState
	var hash string
	err := tx.queryRow(ctx, `SELECT u.role, COALESCE(d.code, ''), u.region_code, u.display_name, u.disabled_at IS NOT NULL, u.must_change_password, u.password_hash
		FROM users u LEFT JOIN departments d ON d.id = u.department_id WHERE u.id = $1`, int64(id)).
		Scan(&s.Role, &s.Department, &s.RegionCode, &s.DisplayName, &s.Disabled, &s.MustChangePassword, &hash)
	if err != nil {
		return fmt.Errorf("storage: state of user %s: %w", username, err)
	}
	s.PasswordSHA256 = passwordDigest(hash)
	if detail == nil {
		detail = map[string]any{}
	}
	detail["state"] = s
	return tx.audit(ctx, action, "user", username, detail)
}

// errBadLogin is the answer to every failed sign-in: an unknown name, a
// wrong password, a locked account. It does not say which, nor whether the
// account exists; the attempt log records the reason for administrators.
func errBadLogin() error {
	return credit.Errorf(credit.EUNAUTHORIZED, "用户名或密码错误；密码连续错误%d次，账号将锁定%d分钟",
		access.MaxFailedLogins, int(access.LockoutDuration/time.Minute))
}

// verifyPassword computes the password hash of a sign-in: against the
// account's hash, or ("" for an unknown name) a dummy one of the same cost.
// Every failed sign-in does this work once (tests count it).
var verifyPassword = func(hash, password string) bool {
	if hash == "" {
		access.VerifyDummy(password)
		return false
	}
	return access.VerifyPassword(hash, password)
}

// passwordChecked, set by tests only, runs in Login and ChangePassword
// after the password check and before the transaction that acts on it:
// what another request does in between.
var passwordChecked func()

// Login checks a name and password, applies the lock-out policy, and starts
// a session. The password is checked outside any transaction, so that the
// memory-hard hash does not hold the SQLite writer. An unknown name, a wrong
// password and a locked account get the same answer (errBadLogin) after the
// same work, one password hash, so that neither the message nor the time
// tells whether an account exists or is locked. Only the right password of
// a disabled account learns that it is disabled.
//
// What the check read may change before the write: other sign-ins lock the
// account, a password change or reset replaces the hash, an administrator
// switches the account off. So the write acts only on the account as the
// check saw it: a failure counts in one conditional UPDATE (loginFailed),
// and a success takes the user's row with an UPDATE that requires the hash
// it verified, the account on and no lock in force, before it inserts the
// session (loginSucceeded).
func (db *DB) Login(ctx context.Context, a access.LoginAttempt) (*access.Session, string, error) {
	name := access.NormalizeUsername(a.Username)
	if name == "" || a.Password == "" {
		return nil, "", credit.Errorf(credit.EUNAUTHORIZED, "请输入用户名和密码")
	}
	var hash string
	u, err := scanUser(db.queryRow(ctx, `SELECT `+userColumns+`, u.password_hash`+userFrom+` WHERE u.username = $1`, name), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		verifyPassword("", a.Password)
		if err := db.logAttempt(ctx, a, name, 0, false, "unknown_user"); err != nil {
			return nil, "", err
		}
		return nil, "", errBadLogin()
	}
	if err != nil {
		return nil, "", err
	}
	now := db.Now().UTC()
	if u.Locked(now) {
		// Even the right password does not open a locked account; the
		// hash is computed all the same, so that the time does not tell.
		verifyPassword(hash, a.Password)
		if err := db.logAttempt(ctx, a, name, u.ID, false, "locked"); err != nil {
			return nil, "", err
		}
		return nil, "", errBadLogin()
	}
	ok := verifyPassword(hash, a.Password)
	if passwordChecked != nil {
		passwordChecked()
	}
	if ok && u.Disabled() {
		if err := db.logAttempt(ctx, a, name, u.ID, false, "disabled"); err != nil {
			return nil, "", err
		}
		return nil, "", errAccountDisabled()
	}
	if !ok {
		return nil, "", db.loginFailed(ctx, a, name, u.ID)
	}
	return db.loginSucceeded(ctx, a, name, u, hash)
}

func errAccountDisabled() error {
	return credit.Errorf(credit.EUNAUTHORIZED, "账号已停用，请联系管理员")
}

// loginFailed counts a wrong password for user id and locks the account at
// the MaxFailedLogins-th in a row. It returns the sign-in's answer.
//
// The count is one conditional UPDATE of the row, so that failures at once
// each count: PostgreSQL makes a concurrent UPDATE wait for the row and
// evaluate its WHERE and SET again on the row as committed, and SQLite's
// single writer runs the transactions one after the other. Only the
// transaction that reached the limit, holding the row, sets the lock. An
// account locked meanwhile (by a failure in flight with this one) is left
// as it is: a failure never clears nor extends a lock, and is logged as
// "locked", as before the check.
func (db *DB) loginFailed(ctx context.Context, a access.LoginAttempt, name string, id credit.UserID) error {
	err := db.transact(ctx, func(tx *Tx) error {
		var failed int
		err := tx.queryRow(ctx, `UPDATE users SET failed_logins = failed_logins + 1
			WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2) RETURNING failed_logins`,
			int64(id), tx.now).Scan(&failed)
		if errors.Is(err, sql.ErrNoRows) {
			return tx.insertAttempt(ctx, a, name, id, false, "locked")
		}
		if err != nil {
			return err
		}
		failed, lockedNow := access.AfterFailure(failed-1, tx.now)
		if lockedNow != nil {
			if _, err := tx.exec(ctx, `UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3`,
				failed, *lockedNow, int64(id)); err != nil {
				return err
			}
			if err := tx.audit(ctx, "user.locked", "user", name, map[string]any{"until": lockedNow, "ip": a.IP}); err != nil {
				return err
			}
		}
		return tx.insertAttempt(ctx, a, name, id, false, "wrong_password")
	})
	if err != nil {
		return err
	}
	return errBadLogin()
}

// loginSucceeded starts a session for u, whose password hash was verified
// against the right password, if the account is still as the check saw it:
// the same hash (no password change or reset since), switched on, and not
// locked (by failures in flight with this sign-in). Else the sign-in is
// refused as the check would have refused it then.
//
// The UPDATE of the user's row comes first: on PostgreSQL it holds the row
// until the session is committed, and a password change, reset or switch-off
// updates the row before it deletes the sessions, so that one of the two
// waits for the other — either this sign-in sees the new row and is
// refused, or the deletion, a statement that starts after this commit,
// sees the new session. On SQLite the single writer orders them.
func (db *DB) loginSucceeded(ctx context.Context, a access.LoginAttempt, name string, u *access.User, hash string) (*access.Session, string, error) {
	token := access.NewToken()
	s := &access.Session{UserID: u.ID, CSRFToken: access.NewToken(), User: u}
	var refused error
	err := db.transact(ctx, func(tx *Tx) error {
		s.CreatedAt, s.ExpiresAt = tx.now, tx.now.Add(access.SessionLifetime)
		res, err := tx.exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $1
			WHERE id = $2 AND password_hash = $3 AND disabled_at IS NULL AND (locked_until IS NULL OR locked_until <= $4)`,
			tx.now, int64(u.ID), hash, tx.now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			reason, err := tx.loginRefusal(ctx, u.ID, hash)
			if err != nil {
				return err
			}
			refused = refusal(reason)
			return tx.insertAttempt(ctx, a, name, u.ID, false, reason)
		}
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2`, int64(u.ID), tx.now); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, ip, user_agent)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, access.HashToken(token), int64(u.ID), s.CSRFToken, s.CreatedAt, s.ExpiresAt,
			truncateRunes(a.IP, 64), truncateRunes(a.UserAgent, 300)); err != nil {
			return err
		}
		return tx.insertAttempt(ctx, a, name, u.ID, true, "")
	})
	if err != nil {
		return nil, "", err
	}
	if refused != nil {
		return nil, "", refused
	}
	u.FailedLogins, u.LockedUntil = 0, nil
	return s, token, nil
}

// loginRefusal tells why the account whose password was checked against
// hash may no longer sign in, as the attempt log's reason: the password was
// changed or reset since (the one given is no longer right), the account
// was locked (by failures in flight) or switched off.
func (tx *Tx) loginRefusal(ctx context.Context, id credit.UserID, hash string) (string, error) {
	var current string
	var disabled bool
	var locked sql.NullTime
	err := tx.queryRow(ctx, `SELECT password_hash, disabled_at IS NOT NULL, locked_until FROM users WHERE id = $1`, int64(id)).
		Scan(&current, &disabled, &locked)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "unknown_user", nil
	case err != nil:
		return "", err
	case current != hash:
		return "password_changed", nil
	case locked.Valid && tx.now.Before(locked.Time):
		return "locked", nil
	case disabled:
		return "disabled", nil
	}
	return "refused", nil // not seen: the UPDATE and this read see the same row
}

// refusal is the answer to a sign-in refused for reason: only the right
// password of a disabled account learns that it is disabled.
func refusal(reason string) error {
	if reason == "disabled" {
		return errAccountDisabled()
	}
	return errBadLogin()
}

func (db *DB) logAttempt(ctx context.Context, a access.LoginAttempt, name string, id credit.UserID, ok bool, reason string) error {
	return db.transact(ctx, func(tx *Tx) error { return tx.insertAttempt(ctx, a, name, id, ok, reason) })
}

func (tx *Tx) insertAttempt(ctx context.Context, a access.LoginAttempt, name string, id credit.UserID, ok bool, reason string) error {
	_, err := tx.exec(ctx, `INSERT INTO login_attempts (at, username, user_id, ok, reason, ip) VALUES ($1, $2, $3, $4, $5, $6)`,
		tx.now, truncateRunes(name, 64), nullInt(int64(id)), ok, reason, truncateRunes(a.IP, 64))
	return err
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// FindSession returns the live session of token with its user.
func (db *DB) FindSession(ctx context.Context, token string) (*access.Session, error) {
	if token == "" {
		return nil, credit.Errorf(credit.EUNAUTHORIZED, "请先登录")
	}
	s := &access.Session{}
	u, err := scanUser(db.queryRow(ctx, `SELECT `+userColumns+`, s.csrf_token, s.created_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN departments d ON d.id = u.department_id WHERE s.token_hash = $1`,
		access.HashToken(token)), &s.CSRFToken, &s.CreatedAt, &s.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credit.Errorf(credit.EUNAUTHORIZED, "登录已失效，请重新登录")
	}
	if err != nil {
		return nil, err
	}
	if !db.Now().Before(s.ExpiresAt) || u.Disabled() {
		return nil, credit.Errorf(credit.EUNAUTHORIZED, "登录已失效，请重新登录")
	}
	s.UserID, s.User = u.ID, u
	s.CreatedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC()
	return s, nil
}

// Logout ends the session of token.
func (db *DB) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return db.transact(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, access.HashToken(token))
		return err
	})
}

// FindAPIKeys lists a department's API keys, newest first.
func (db *DB) FindAPIKeys(ctx context.Context, departmentID credit.DepartmentID) ([]*access.APIKey, error) {
	d, err := db.FindDepartmentByID(ctx, departmentID)
	if err != nil {
		return nil, err
	}
	if !access.Can(credit.ActorFromContext(ctx), access.ActionManageDepartments, access.Target{DepartmentID: d.ID, RegionCode: d.RegionCode}) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "无权查看“%s”的API密钥", d.Name)
	}
	var out []*access.APIKey
	err = scanAll(db.rows(ctx, `SELECT id, prefix, scopes, rate_limit, rate_burst, created_at, revoked_at FROM api_keys
		WHERE department_id = $1 ORDER BY created_at DESC, id DESC`, int64(departmentID)),
		func(rows *sql.Rows) error {
			k := &access.APIKey{DepartmentID: departmentID}
			var scopes string
			var revoked sql.NullTime
			if err := rows.Scan(&k.ID, &k.Prefix, &scopes, &k.Limit.Rate, &k.Limit.Burst, &k.CreatedAt, &revoked); err != nil {
				return err
			}
			k.Scopes = splitScopes(scopes)
			k.RevokedAt = nullTime(revoked)
			k.CreatedAt = k.CreatedAt.UTC()
			out = append(out, k)
			return nil
		})
	return out, err
}

// RevokeAPIKey revokes a key.
func (db *DB) RevokeAPIKey(ctx context.Context, id int64) error {
	var dep int64
	var prefix string
	err := db.queryRow(ctx, `SELECT department_id, prefix FROM api_keys WHERE id = $1`, id).Scan(&dep, &prefix)
	if errors.Is(err, sql.ErrNoRows) {
		return credit.Errorf(credit.ENOTFOUND, "API密钥不存在")
	}
	if err != nil {
		return err
	}
	d, err := db.FindDepartmentByID(ctx, credit.DepartmentID(dep))
	if err != nil {
		return err
	}
	if !access.Can(credit.ActorFromContext(ctx), access.ActionManageDepartments, access.Target{DepartmentID: d.ID, RegionCode: d.RegionCode}) {
		return credit.Errorf(credit.EFORBIDDEN, "无权吊销“%s”的API密钥", d.Name)
	}
	err = db.transact(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, tx.now, id); err != nil {
			return err
		}
		// The key is the object, by id, as in api_key.create.
		return tx.audit(ctx, "api_key.revoke", "api_key", itoa(id), map[string]any{"key": id, "department": d.Code, "prefix": prefix})
	})
	stateOf(db).keys.Clear() // the key stops now, not after keyTTL
	return err
}
