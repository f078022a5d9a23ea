package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/workday"
)

// The configuration tables are not trees of their own: every change to
// them writes an audit entry in the same transaction, and the audit log is
// a signed tree (verifyAudit). verifyState replays the entries in leaf
// order, rebuilds what the tables must hold now, and compares. What each
// entry's detail carries (written by the files named):
//
//   - department.create/update (department.go), object the code: code,
//     name, region_code, kind; an update also "old" (departmentState).
//   - user.create/update/reset_password/change_password (user.go), object
//     the login name: "state" (userState), the user as the change left it,
//     with the SHA-256 of the stored password hash; user.locked: "until".
//   - api_key.create/revoke (department.go, user.go), object type api_key
//     and the key's id: key, department (code), prefix, scopes, rate,
//     burst and hash_sha256 (the SHA-256 of the stored key hash).
//   - subscription.create/revoke (push.go), object the id: department_id,
//     department (code), url, list_types.
//   - measure.save (lists.go), object the code: the measure as stored.
//   - calendar.load (calendar.go), object the year: year, version, counts
//     and every entry (calendarDay).
//   - notification.ack (push.go), object the notification's id: feedback.
//     The entry's own actor and time are the acked_by and acked_at the
//     same transaction wrote.
//
// Digests of the password and key hashes give nothing away: the key hash
// is the SHA-256 of a random 192-bit secret, and the password hash an
// argon2id string whose salt is not in its digest, so no password guess
// can be tested against the audit log without the users table, which holds
// the hash itself.
//
// Databases written by older builds have entries with less in them:
// departments without kind (empty kinds were left out), users with role,
// department and region only at creation, API keys created with the
// department's numeric id as object and no key id (matched to rows by
// department and prefix), revocations with the department code as object,
// calendar loads with counts only. A field an entry does not carry is
// unknown until a later entry carries it, and is not compared: an upgraded
// database nobody touched always passes. Migration 0006 renamed two
// department kinds without an audit entry; the replay renames them too.
//
// Rows with no audit history at all: the tables are empty after the
// migrations (the built-in calendar is compiled into the program, in
// internal/workday/data/holidays.csv, and never in calendar_entries; the
// default measures ship in internal/lists/data/lists.json and measures
// holds only the province's edits), so such a row was not written by the
// platform, except a measure identical to the built-in one of its code,
// which changes nothing and is let pass.
//
// Not compared, being runtime bookkeeping the platform changes without an
// audit entry, or not configuration: sessions and login_attempts;
// users.failed_logins, last_login_at, password_changed_at and the
// created/updated times of every table; users.locked_until except a lock
// still in force that no user.locked entry set (a successful sign-in after
// a lock ends, or a concurrent failed one, clears it unaudited, so a lock
// cleared is not evidence of anything); api_keys.created_at; the sealed
// webhook secrets, created_by and the deliveries of subscriptions, and of
// the notifications everything but their acknowledgement (acked_at,
// acked_by, feedback), which is compared; measures.updated_at/updated_by and calendar added_by/
// added_at (who and when are the audit entry's own actor and time); batch
// lease columns; legacy_codes, settings and verification feedback.

// departmentState is a department's values as an audit detail records
// them: "old" in department.update.
type departmentState struct {
	Name       string `json:"name"`
	RegionCode string `json:"region_code"`
	Kind       string `json:"kind"`
}

// userState is a console user as a change left it: "state" in the details
// of user.create, user.update, user.reset_password and user.change_password.
// RegionCode is the users.region_code column (a region administrator's
// region, else empty); PasswordSHA256 the hex SHA-256 of the stored
// password hash.
type userState struct {
	Role               string `json:"role"`
	Department         string `json:"department"`
	RegionCode         string `json:"region_code"`
	DisplayName        string `json:"display_name"`
	Disabled           bool   `json:"disabled"`
	MustChangePassword bool   `json:"must_change_password"`
	PasswordSHA256     string `json:"password_sha256"`
}

// calendarDay is one entry of a calendar.load detail.
type calendarDay struct {
	Day  string `json:"day"` // yyyy-MM-dd
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// passwordDigest is the digest of a stored password hash an audit detail
// carries.
func passwordDigest(hash string) string { return digestHex([]byte(hash)) }

// digestHex returns the hex SHA-256 of b.
func digestHex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// stateActions are the audit actions verifyState replays.
var stateActions = []any{
	"department.create", "department.update",
	"user.create", "user.update", "user.reset_password", "user.change_password", "user.locked",
	"api_key.create", "api_key.revoke",
	"subscription.create", "subscription.revoke",
	"measure.save", "calendar.load",
	"notification.ack",
}

// verifyState checks the configuration tables (departments, users,
// api_keys, subscriptions, measures, calendar_entries, and the
// acknowledgements of notifications) against the audit
// trail, as described above, and returns an EINVALID error naming the
// first difference. Audit entries and tables are read in one snapshot, so
// that changes made meanwhile are seen with their entries or not at all.
func (db *DB) verifyState(ctx context.Context) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.sql.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("storage: verifying the configuration tables: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	s := &stateCheck{db: db, tx: tx, now: db.Now().UTC(),
		deps: map[string]*wantDepartment{}, users: map[string]*wantUser{}, keys: map[int64]*wantKey{}, revoked: map[int64]bool{},
		subs: map[int64]*wantSubscription{}, measures: map[string]string{}, loads: map[[2]int]*wantLoad{},
		acks: map[int64]*wantAck{}}
	if err := s.replay(ctx); err != nil {
		return err
	}
	for _, check := range []func(context.Context) error{s.checkDepartments, s.checkUsers, s.checkAPIKeys, s.checkSubscriptions, s.checkMeasures, s.checkCalendar, s.checkNotifications} {
		if err := check(ctx); err != nil {
			return err
		}
	}
	return nil
}

// stateCheck is the expected state rebuilt from the audit log. A nil
// pointer is a value no entry carried.
type stateCheck struct {
	db  *DB
	tx  *sql.Tx
	now time.Time

	deps       map[string]*wantDepartment // by code
	users      map[string]*wantUser       // by login name
	keys       map[int64]*wantKey         // by key id
	legacyKeys []*wantKey                 // created by older builds: no key id
	revoked    map[int64]bool             // key ids revoked
	subs       map[int64]*wantSubscription
	measures   map[string]string    // code -> canonical JSON body
	loads      map[[2]int]*wantLoad // (year, version)
	acks       map[int64]*wantAck   // notification id -> its notification.ack
}

type wantDepartment struct{ name, region, kind *string }

type wantUser struct {
	role, department, region, displayName, password *string
	disabled, mustChange                            *bool
	lock                                            *time.Time // set by the latest user.locked; nil after a reset
}

type wantKey struct {
	id, departmentID                   int64 // id 0: created by an older build
	department, prefix, scopes, digest *string
	rate                               *float64
	burst                              *int64
	matched                            bool
}

type wantSubscription struct {
	departmentID *int64
	url, types   *string
	revoked      bool
}

// wantAck is a notification's acknowledgement as its notification.ack
// entry records it: the entry's actor and time, and the feedback when the
// detail carries it.
type wantAck struct {
	by       string
	at       time.Time
	feedback *string
}

type wantLoad struct {
	holidays, workdays *int
	entries            []calendarDay // nil: not carried
}

func (s *stateCheck) rows(ctx context.Context, q string, args ...any) result {
	r, err := s.tx.QueryContext(ctx, s.db.rebind(q), s.db.textArgs(args)...)
	return result{r, err}
}

// replay reads the entries in leaf order and applies each.
func (s *stateCheck) replay(ctx context.Context) error {
	q := `SELECT action, object_type, object_id, detail, actor, at FROM audit_log WHERE leaf IS NOT NULL AND action IN (` +
		placeholders(1, len(stateActions)) + `) ORDER BY leaf`
	return scanAll(s.rows(ctx, q, stateActions...), func(rows *sql.Rows) error {
		var action, objectType, objectID, text, actor string
		var at time.Time
		if err := rows.Scan(&action, &objectType, &objectID, &text, &actor, &at); err != nil {
			return err
		}
		if action == "notification.ack" {
			if id, err := strconv.ParseInt(objectID, 10, 64); err == nil {
				s.acks[id] = &wantAck{by: actor, at: at.UTC(), feedback: parseDetail(text).str("feedback")}
			}
			return nil
		}
		s.apply(action, objectType, objectID, parseDetail(text))
		return nil
	})
}

func (s *stateCheck) apply(action, objectType, objectID string, d detail) {
	switch action {
	case "department.create", "department.update":
		w := s.deps[objectID]
		if w == nil {
			w = &wantDepartment{}
			s.deps[objectID] = w
		}
		w.name, w.region, w.kind = d.str("name"), d.str("region_code"), d.str("kind")
		if w.kind != nil {
			k := renamedKind(*w.kind)
			w.kind = &k
		}
	case "user.create", "user.update", "user.reset_password", "user.change_password", "user.locked":
		w := s.users[objectID]
		if w == nil || action == "user.create" {
			w = &wantUser{}
			s.users[objectID] = w
		}
		switch action {
		case "user.locked":
			var until time.Time
			if d.get("until", &until) {
				w.lock = &until
			}
			return
		case "user.reset_password", "user.create":
			w.lock = nil
		}
		var st userState
		if d.get("state", &st) {
			w.role, w.department, w.region, w.displayName = &st.Role, &st.Department, &st.RegionCode, &st.DisplayName
			w.disabled, w.mustChange, w.password = &st.Disabled, &st.MustChangePassword, &st.PasswordSHA256
			return
		}
		// An entry of an older build.
		switch action {
		case "user.create":
			w.role, w.department = d.str("role"), d.str("department")
			if w.role != nil {
				// The detail's region is a department user's
				// department's; only a region administrator's is stored.
				region := ""
				if r := d.str("region"); *w.role == string(credit.RoleRegion) && r != nil {
					region = *r
				}
				w.region = &region
			}
			no := false
			w.disabled = &no
		case "user.update":
			var off bool
			if d.get("disabled", &off) {
				w.disabled = &off
			}
			if _, ok := d["display_name"]; ok && string(d["display_name"]) != "null" {
				w.displayName = nil // the name as given, not as stored
			}
		case "user.reset_password":
			yes := true
			w.mustChange, w.password = &yes, nil
		case "user.change_password":
			no := false
			w.mustChange, w.password = &no, nil
		}
	case "api_key.create":
		k := &wantKey{department: d.str("department"), prefix: d.str("prefix"), digest: d.str("hash_sha256"), rate: d.float("rate"), burst: d.int("burst")}
		if v, ok := d.list("scopes"); ok {
			k.scopes = &v
		}
		if objectType == "api_key" {
			k.id, _ = strconv.ParseInt(objectID, 10, 64)
			s.keys[k.id] = k
			return
		}
		// An older build's: the object is the department's id.
		k.departmentID, _ = strconv.ParseInt(objectID, 10, 64)
		s.legacyKeys = append(s.legacyKeys, k)
	case "api_key.revoke":
		// Both forms carry the key's id (an older build's object is the
		// department's code).
		if id := d.int("key"); id != nil {
			s.revoked[*id] = true
		}
	case "subscription.create", "subscription.revoke":
		id, err := strconv.ParseInt(objectID, 10, 64)
		if err != nil {
			return
		}
		w := s.subs[id]
		if w == nil {
			w = &wantSubscription{}
			s.subs[id] = w
		}
		if action == "subscription.revoke" {
			w.revoked = true
		}
		if v := d.int("department_id"); v != nil {
			w.departmentID = v
		}
		if v := d.str("url"); v != nil {
			w.url = v
		}
		if v, ok := d.list("list_types"); ok {
			w.types = &v
		}
	case "measure.save":
		if d != nil {
			s.measures[objectID] = canonicalJSON(d)
		}
	case "calendar.load":
		year, version := d.int("year"), d.int("version")
		if year == nil || version == nil {
			return
		}
		l := &wantLoad{}
		if v := d.int("holidays"); v != nil {
			n := int(*v)
			l.holidays = &n
		}
		if v := d.int("workdays"); v != nil {
			n := int(*v)
			l.workdays = &n
		}
		var entries []calendarDay
		if d.get("entries", &entries) {
			l.entries = append([]calendarDay{}, entries...)
		}
		s.loads[[2]int{int(*year), int(*version)}] = l
	}
}

// renamedKind is a department kind as migration 0006 renamed it.
func renamedKind(k string) string {
	switch k {
	case "resources":
		return "natural_resources"
	case "hrss":
		return "human_resources"
	}
	return k
}

// detail is an audit entry's detail, read field by field: a field missing,
// null or of another type (an older build's) is one the entry does not
// carry.
type detail map[string]json.RawMessage

func parseDetail(text string) detail {
	var d detail
	if json.Unmarshal([]byte(text), &d) != nil {
		return nil
	}
	return d
}

func (d detail) get(key string, v any) bool {
	raw, ok := d[key]
	return ok && string(raw) != "null" && json.Unmarshal(raw, v) == nil
}

func (d detail) str(key string) *string {
	var v string
	if !d.get(key, &v) {
		return nil
	}
	return &v
}

func (d detail) int(key string) *int64 {
	var v int64
	if !d.get(key, &v) {
		return nil
	}
	return &v
}

func (d detail) float(key string) *float64 {
	var v float64
	if !d.get(key, &v) {
		return nil
	}
	return &v
}

// list returns a list of strings as stored, comma-separated; null is the
// empty list.
func (d detail) list(key string) (string, bool) {
	raw, ok := d[key]
	if !ok {
		return "", false
	}
	var v []string
	if json.Unmarshal(raw, &v) != nil {
		return "", false
	}
	return strings.Join(v, ","), true
}

// canonicalJSON re-encodes a JSON object with sorted keys.
func canonicalJSON(d detail) string {
	var v any
	b, _ := json.Marshal(d)
	if json.Unmarshal(b, &v) != nil {
		return ""
	}
	b, _ = json.Marshal(v)
	return string(b)
}

// changed is the error for a table changed behind the platform's back.
func changed(format string, args ...any) error {
	return credit.Errorf(credit.EINVALID, format+"（数据库被直接修改）", args...)
}

// unexplained is the error for a row no audit entry accounts for.
func unexplained(format string, args ...any) error {
	return credit.Errorf(credit.EINVALID, format+"在审计日志中没有记录（未经平台写入）", args...)
}

// differs returns the error for a column that is not as replayed, or nil
// when it is or no entry said.
func differs(what, got string, want *string) error {
	if want == nil || *want == got {
		return nil
	}
	return changed("%s为%s，审计日志记录为%s", what, show(got), show(*want))
}

// differsQuoted is differs for free text, shown in quotes.
func differsQuoted(what, got string, want *string) error {
	if want == nil || *want == got {
		return nil
	}
	return changed("%s为%s，审计日志记录为%s", what, showQuoted(got), showQuoted(*want))
}

func show(v string) string {
	if v == "" {
		return "空"
	}
	return v
}

func showQuoted(v string) string {
	if v == "" {
		return "空"
	}
	return "“" + v + "”"
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// missing returns the error for the first of the keys the audit log
// accounts for that no row has.
func missing[K int64 | string](want []K, seen map[K]bool, name func(K) string) error {
	slices.Sort(want)
	for _, k := range want {
		if !seen[k] {
			return changed("%s在审计日志中有记录，数据库中却没有", name(k))
		}
	}
	return nil
}

func keysOf[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func (s *stateCheck) checkDepartments(ctx context.Context) error {
	seen := map[string]bool{}
	err := scanAll(s.rows(ctx, `SELECT id, code, name, region_code, kind FROM departments ORDER BY id`), func(rows *sql.Rows) error {
		var id int64
		var code, name, region, kind string
		if err := rows.Scan(&id, &code, &name, &region, &kind); err != nil {
			return err
		}
		seen[code] = true
		w := s.deps[code]
		if w == nil {
			return unexplained("部门“%s”（ID %d，%s）", code, id, name)
		}
		what := "部门“" + code + "”的"
		if err := differsQuoted(what+"名称", name, w.name); err != nil {
			return err
		}
		if err := differs(what+"行政区划", region, w.region); err != nil {
			return err
		}
		return differs(what+"部门类别", kind, w.kind)
	})
	if err != nil {
		return err
	}
	return missing(keysOf(s.deps), seen, func(code string) string { return "部门“" + code + "”" })
}

func (s *stateCheck) checkUsers(ctx context.Context) error {
	seen := map[string]bool{}
	err := scanAll(s.rows(ctx, `SELECT u.id, u.username, u.role, COALESCE(d.code, ''), u.region_code, u.display_name,
		u.disabled_at IS NOT NULL, u.must_change_password, u.password_hash, u.locked_until
		FROM users u LEFT JOIN departments d ON d.id = u.department_id ORDER BY u.id`), func(rows *sql.Rows) error {
		var id int64
		var name, role, dep, region, display, hash string
		var disabled, mustChange bool
		var locked sql.NullTime
		if err := rows.Scan(&id, &name, &role, &dep, &region, &display, &disabled, &mustChange, &hash, &locked); err != nil {
			return err
		}
		seen[name] = true
		w := s.users[name]
		if w == nil {
			return unexplained("用户“%s”（ID %d，角色%s）", name, id, role)
		}
		what := "用户“" + name + "”的"
		for _, c := range []struct {
			what, got string
			want      *string
		}{{"角色", role, w.role}, {"所属部门", dep, w.department}, {"管辖地区", region, w.region}} {
			if err := differs(what+c.what, c.got, c.want); err != nil {
				return err
			}
		}
		if err := differsQuoted(what+"姓名", display, w.displayName); err != nil {
			return err
		}
		if w.disabled != nil && *w.disabled != disabled {
			state := map[bool]string{true: "已停用", false: "未停用"}
			return changed("用户“%s”%s，审计日志记录为%s", name, state[disabled], state[*w.disabled])
		}
		if w.password != nil && *w.password != passwordDigest(hash) {
			return changed("用户“%s”的密码哈希与审计日志记录的不一致", name)
		}
		if w.mustChange != nil && *w.mustChange != mustChange {
			return changed("用户“%s”的“须修改一次性密码”标记为%s，审计日志记录为%s", name, yesNo(mustChange), yesNo(*w.mustChange))
		}
		if locked.Valid && locked.Time.After(s.now) && (w.lock == nil || !w.lock.Equal(locked.Time)) {
			return changed("用户“%s”被锁定至%s，审计日志中没有这次锁定", name, locked.Time.In(credit.Shanghai).Format("2006-01-02 15:04:05"))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return missing(keysOf(s.users), seen, func(name string) string { return "用户“" + name + "”" })
}

func (s *stateCheck) checkAPIKeys(ctx context.Context) error {
	seen := map[int64]bool{}
	err := scanAll(s.rows(ctx, `SELECT k.id, k.department_id, COALESCE(d.code, ''), k.prefix, k.hash, k.scopes, k.rate_limit, k.rate_burst, k.revoked_at IS NOT NULL
		FROM api_keys k LEFT JOIN departments d ON d.id = k.department_id ORDER BY k.id`), func(rows *sql.Rows) error {
		var id, depID, burst int64
		var dep, prefix, scopes string
		var hash []byte
		var rate float64
		var revoked bool
		if err := rows.Scan(&id, &depID, &dep, &prefix, &hash, &scopes, &rate, &burst, &revoked); err != nil {
			return err
		}
		seen[id] = true
		k := s.keys[id]
		if k == nil {
			// Created by an older build: the first entry of the
			// department with the key's prefix.
			for _, l := range s.legacyKeys {
				if !l.matched && l.departmentID == depID && l.prefix != nil && *l.prefix == prefix {
					l.matched, k = true, l
					break
				}
			}
		}
		if k == nil {
			return unexplained("API密钥%d（前缀%s，部门“%s”）", id, prefix, dep)
		}
		what := fmt.Sprintf("API密钥%d（前缀%s）的", id, prefix)
		if err := differs(what+"所属部门", dep, k.department); err != nil {
			return err
		}
		if err := differs(what+"前缀", prefix, k.prefix); err != nil {
			return err
		}
		if err := differs(what+"权限范围", scopes, k.scopes); err != nil {
			return err
		}
		if (k.rate != nil && *k.rate != rate) || (k.burst != nil && *k.burst != burst) {
			return changed("%s限流为每秒%g次、突发%d次，审计日志记录为每秒%s次、突发%s次", what, rate, burst, floatOr(k.rate), intOr(k.burst))
		}
		if k.digest != nil && *k.digest != digestHex(hash) {
			return changed("%s密钥哈希与审计日志记录的不一致", what)
		}
		if wantRevoked := s.revoked[id]; revoked != wantRevoked {
			state := map[bool]string{true: "已吊销", false: "未吊销"}
			return changed("API密钥%d（前缀%s）%s，审计日志记录为%s", id, prefix, state[revoked], state[wantRevoked])
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := missing(keysOf(s.keys), seen, func(id int64) string { return "API密钥" + itoa(id) }); err != nil {
		return err
	}
	for _, l := range s.legacyKeys {
		if !l.matched {
			return changed("部门ID %d的API密钥（前缀%s）在审计日志中有记录，数据库中却没有", l.departmentID, show(deref(l.prefix)))
		}
	}
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func floatOr(p *float64) string {
	if p == nil {
		return "（未记录）"
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}

func intOr(p *int64) string {
	if p == nil {
		return "（未记录）"
	}
	return itoa(*p)
}

func (s *stateCheck) checkSubscriptions(ctx context.Context) error {
	seen := map[int64]bool{}
	err := scanAll(s.rows(ctx, `SELECT s.id, s.department_id, COALESCE(d.code, ''), s.url, s.list_types, s.revoked_at IS NOT NULL
		FROM subscriptions s LEFT JOIN departments d ON d.id = s.department_id ORDER BY s.id`), func(rows *sql.Rows) error {
		var id, depID int64
		var dep, url, types string
		var revoked bool
		if err := rows.Scan(&id, &depID, &dep, &url, &types, &revoked); err != nil {
			return err
		}
		seen[id] = true
		w := s.subs[id]
		if w == nil {
			return unexplained("订阅%d（部门“%s”，%s）", id, dep, url)
		}
		what := "订阅" + itoa(id) + "的"
		if w.departmentID != nil && *w.departmentID != depID {
			return changed("%s所属部门为%s（ID %d），审计日志记录为部门ID %d", what, show(dep), depID, *w.departmentID)
		}
		if err := differs(what+"推送地址", url, w.url); err != nil {
			return err
		}
		if err := differs(what+"名单类型", types, w.types); err != nil {
			return err
		}
		if revoked != w.revoked {
			state := map[bool]string{true: "已撤销", false: "未撤销"}
			return changed("订阅%d%s，审计日志记录为%s", id, state[revoked], state[w.revoked])
		}
		return nil
	})
	if err != nil {
		return err
	}
	return missing(keysOf(s.subs), seen, func(id int64) string { return "订阅" + itoa(id) })
}

func (s *stateCheck) checkMeasures(ctx context.Context) error {
	def, err := lists.Default()
	if err != nil {
		return err
	}
	shipped := map[string]string{}
	for _, m := range def.Measures {
		b, err := json.Marshal(m)
		if err != nil {
			return err
		}
		shipped[m.Code] = canonicalJSON(parseDetail(string(b)))
	}
	seen := map[string]bool{}
	err = scanAll(s.rows(ctx, `SELECT code, body FROM measures ORDER BY code`), func(rows *sql.Rows) error {
		var code, body string
		if err := rows.Scan(&code, &body); err != nil {
			return err
		}
		seen[code] = true
		got := canonicalJSON(parseDetail(body))
		want, ok := s.measures[code]
		switch {
		case ok && got != want:
			return changed("措施“%s”的%s与审计日志记录的不一致", code, firstDifference(got, want))
		case !ok && got != shipped[code]:
			return unexplained("措施“%s”与程序内置的措施清单不同，", code)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return missing(keysOf(s.measures), seen, func(code string) string { return "措施“" + code + "”" })
}

// firstDifference names the first field (in key order) in which two
// canonical JSON objects differ, or "内容" when they are not both objects.
func firstDifference(a, b string) string {
	var x, y map[string]any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return "内容"
	}
	keys := keysOf(x)
	for k := range y {
		if _, ok := x[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !reflect.DeepEqual(x[k], y[k]) {
			return "“" + k + "”"
		}
	}
	return "内容"
}

func (s *stateCheck) checkCalendar(ctx context.Context) error {
	stored := map[[2]int][]calendarDay{}
	var order [][2]int
	err := scanAll(s.rows(ctx, `SELECT year, version, day, kind, name FROM calendar_entries ORDER BY year, version, day`), func(rows *sql.Rows) error {
		var year, version int
		var e calendarDay
		if err := rows.Scan(&year, &version, &e.Day, &e.Kind, &e.Name); err != nil {
			return err
		}
		k := [2]int{year, version}
		if _, ok := stored[k]; !ok {
			order = append(order, k)
		}
		stored[k] = append(stored[k], e)
		return nil
	})
	if err != nil {
		return err
	}
	kindName := func(k string) string {
		switch k {
		case workday.Holiday:
			return "放假"
		case workday.Workday:
			return "调休上班"
		}
		return k
	}
	for _, k := range order {
		got := stored[k]
		what := fmt.Sprintf("%d年工作日历第%d次录入", k[0], k[1])
		l := s.loads[k]
		if l == nil {
			return unexplained("%s（%d天）", what, len(got))
		}
		var holidays, workdays int
		for _, e := range got {
			if e.Kind == workday.Holiday {
				holidays++
			} else {
				workdays++
			}
		}
		if l.entries == nil {
			// An older build's entry: the counts only.
			if (l.holidays != nil && *l.holidays != holidays) || (l.workdays != nil && *l.workdays != workdays) {
				return changed("%s有%d个放假日、%d个调休上班日，审计日志记录为%s个、%s个", what, holidays, workdays, intOrInt(l.holidays), intOrInt(l.workdays))
			}
			continue
		}
		want := map[string]calendarDay{}
		for _, e := range l.entries {
			want[e.Day] = e
		}
		have := map[string]calendarDay{}
		for _, e := range got {
			have[e.Day] = e
		}
		days := keysOf(want)
		for d := range have {
			if _, ok := want[d]; !ok {
				days = append(days, d)
			}
		}
		slices.Sort(days)
		for _, d := range days {
			w, inWant := want[d]
			h, inHave := have[d]
			switch {
			case !inWant:
				return changed("%s中的%s（%s）不在审计日志记录的日期中", what, d, kindName(h.Kind))
			case !inHave:
				return changed("%s中缺少审计日志记录的%s（%s）", what, d, kindName(w.Kind))
			case w.Kind != h.Kind:
				return changed("%s中%s为%s，审计日志记录为%s", what, d, kindName(h.Kind), kindName(w.Kind))
			case w.Name != h.Name:
				return changed("%s中%s的名称为%s，审计日志记录为%s", what, d, showQuoted(h.Name), showQuoted(w.Name))
			}
		}
	}
	loads := keysOf(s.loads)
	slices.SortFunc(loads, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	for _, k := range loads {
		// (A load has rows: workday.ValidateYear wants the statutory
		// days off.)
		if _, ok := stored[k]; !ok {
			return changed("%d年工作日历第%d次录入在审计日志中有记录，数据库中却没有", k[0], k[1])
		}
	}
	return nil
}

func intOrInt(p *int) string {
	if p == nil {
		return "（未记录）"
	}
	return strconv.Itoa(*p)
}

// checkNotifications compares each notification's acknowledgement with
// its notification.ack entry: a notification acknowledged must have one,
// with the same actor (acked_by), time (acked_at) and, when the detail
// carries it, feedback; one not acknowledged must have none, nor an
// acknowledger or feedback.
func (s *stateCheck) checkNotifications(ctx context.Context) error {
	seen := map[int64]bool{}
	err := scanAll(s.rows(ctx, `SELECT id, acked_at, COALESCE(acked_by, ''), feedback FROM notifications ORDER BY id`), func(rows *sql.Rows) error {
		var id int64
		var ackedAt sql.NullTime
		var by, feedback string
		if err := rows.Scan(&id, &ackedAt, &by, &feedback); err != nil {
			return err
		}
		seen[id] = true
		what := fmt.Sprintf("通知ID %d 的确认状态与审计日志不符：", id)
		w := s.acks[id]
		switch {
		case w == nil && ackedAt.Valid:
			return changed("%s数据库中已确认（确认人%s，反馈%s），审计日志中没有这次确认", what, show(by), showQuoted(feedback))
		case w == nil && (by != "" || feedback != ""):
			return changed("%s数据库中未确认，却有确认人%s、反馈%s", what, show(by), showQuoted(feedback))
		case w == nil:
			return nil
		case !ackedAt.Valid:
			return changed("%s数据库中未确认，审计日志记录为已于%s由%s确认", what, shanghaiTime(w.at), w.by)
		case by != w.by:
			return changed("%s确认人为%s，审计日志记录为%s", what, show(by), show(w.by))
		case !ackedAt.Time.Equal(w.at):
			return changed("%s确认时间为%s，审计日志记录为%s", what, shanghaiTime(ackedAt.Time), shanghaiTime(w.at))
		case w.feedback != nil && *w.feedback != feedback:
			return changed("%s反馈为%s，审计日志记录为%s", what, showQuoted(feedback), showQuoted(*w.feedback))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return missing(keysOf(s.acks), seen, func(id int64) string { return "通知ID " + itoa(id) + " 的确认" })
}

func shanghaiTime(t time.Time) string {
	return t.In(credit.Shanghai).Format("2006-01-02 15:04:05.000000")
}
