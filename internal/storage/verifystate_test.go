package storage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/storage"
)

// stateFixture is a database after a realistic run of configuration
// changes, every one through the platform.
type stateFixture struct {
	*fixture
	spare                 *access.Department // nothing refers to it
	op1, reg1, prov1      *access.User
	idle                  *access.User // never signed in
	keyRevoked, keyLive   *access.APIKey
	subLive, subRevoked   *lists.Subscription
	measure               lists.Measure // a measure of the province's own
	override              lists.Measure // a built-in measure as edited
	untouched             lists.Measure // a built-in measure never edited
	opPassword, regSecret string
	noteAcked, noteOpen   int64 // notifications of the department, acknowledged or not
}

// ackFeedback is the feedback the fixture's department acknowledged a
// notification with.
const ackFeedback = "已暂停该公司参与本部门2026年采购项目"

func newStateFixture(t *testing.T, open opener) *stateFixture {
	t.Helper()
	f := &stateFixture{fixture: newFixture(t, open)}
	db, ctx := f.db, sys()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// Departments: one updated twice, one never referred to.
	f.dept.Name = "长春市市场监督管理局知识产权局"
	must(db.UpsertDepartment(ctx, f.dept))
	f.dept.Kind, f.dept.RegionCode = "procurement", "220102"
	must(db.UpsertDepartment(ctx, f.dept))
	f.spare = &access.Department{Code: uscc(t, "11220300MB000003"), Name: "四平市财政局", RegionCode: "220300", Kind: "finance"}
	must(db.UpsertDepartment(ctx, f.spare))

	// API keys: one revoked, one with its own scopes and limit.
	var err error
	_, f.keyRevoked, err = db.CreateAPIKey(ctx, f.dept.ID, nil)
	must(err)
	_, f.keyLive, err = db.CreateAPIKeyWithLimit(ctx, f.dept.ID, []string{access.ScopeIngest}, credit.RateLimit{Rate: 5, Burst: 10})
	must(err)
	must(db.RevokeAPIKey(ctx, f.keyRevoked.ID))

	// Users: created, renamed, disabled, reset, their password changed,
	// locked out.
	f.op1 = &access.User{Username: "op1", DisplayName: "张三", Role: credit.RoleDepartment, DepartmentID: f.dept.ID}
	_, err = db.CreateUser(ctx, f.op1, "")
	must(err)
	f.regSecret = "Regi0n-Passw0rd-2026"
	f.reg1 = &access.User{Username: "reg1", Role: credit.RoleRegion, RegionCode: "220100"}
	_, err = db.CreateUser(ctx, f.reg1, f.regSecret)
	must(err)
	f.prov1 = &access.User{Username: "prov1", DisplayName: "李四", Role: credit.RoleProvince}
	_, err = db.CreateUser(ctx, f.prov1, "Pr0vince-Passw0rd-2026")
	must(err)
	f.idle = &access.User{Username: "idle", Role: credit.RoleAuditor}
	_, err = db.CreateUser(ctx, f.idle, "")
	must(err)
	name := "李四主任"
	_, err = db.UpdateUser(ctx, f.prov1.ID, access.UserUpdate{DisplayName: &name})
	must(err)
	off, on := true, false
	_, err = db.UpdateUser(ctx, f.reg1.ID, access.UserUpdate{Disabled: &off})
	must(err)
	_, err = db.UpdateUser(ctx, f.reg1.ID, access.UserUpdate{Disabled: &on})
	must(err)
	_, err = db.UpdateUser(ctx, f.reg1.ID, access.UserUpdate{Disabled: &off})
	must(err)
	otp, err := db.ResetPassword(ctx, f.op1.ID)
	must(err)
	s, token, err := db.Login(context.Background(), access.LoginAttempt{Username: "op1", Password: otp})
	must(err)
	f.opPassword = "NewPassw0rd2026"
	must(db.ChangePassword(credit.NewContextWithActor(context.Background(), s.Actor()), otp, f.opPassword, token))
	for range access.MaxFailedLogins {
		if _, _, err := db.Login(context.Background(), access.LoginAttempt{Username: "prov1", Password: "wrong"}); credit.ErrorCode(err) != credit.EUNAUTHORIZED {
			t.Fatalf("wrong password: %v", err)
		}
	}

	// Measures: one of the province's own saved twice, a built-in one
	// edited.
	f.measure = lists.Measure{Code: "JL-09", Name: "限制参加省级示范企业评选", Class: 2, Effect: lists.Restrict, Mandatory: true,
		ListTypes: []string{"black"}, Scenarios: []string{"评优评先"}, Basis: "《吉林省社会信用条例》", Clause: "吉林省失信惩戒措施补充清单 第9项"}
	must(db.SaveMeasure(ctx, &f.measure, lists.MeasureSave{}))
	f.measure.Name = "限制参加省级示范企业和示范项目评选"
	must(db.SaveMeasure(ctx, &f.measure, lists.MeasureSave{}))
	def, err := lists.Default()
	must(err)
	f.override, f.untouched = def.Measures[0], def.Measures[1]
	f.override.Mandatory = !f.override.Mandatory
	must(db.SaveMeasure(ctx, &f.override, lists.MeasureSave{}))

	// The calendar of 2027, loaded twice.
	must(db.LoadCalendarYear(ctx, 2027, madeUp2027()))
	must(db.LoadCalendarYear(ctx, 2027, padding(2027)))

	// Subscriptions of the department, one revoked.
	dctx := credit.NewContextWithActor(context.Background(), deptCtx(f.dept))
	f.subLive, err = db.CreateSubscription(dctx, &lists.Subscription{URL: "https://scjg.jl.gov.cn/credit/hook", ListTypes: []string{"black"}})
	must(err)
	f.subRevoked, err = db.CreateSubscription(dctx, &lists.Subscription{URL: "https://scjg.jl.gov.cn/credit/old"})
	must(err)
	_, err = db.RevokeSubscription(dctx, f.subRevoked.ID)
	must(err)

	// Two notifications in the department's inbox, one acknowledged. A
	// push writes them with the list entry's version; their creation is
	// no audited configuration, so they are written here directly.
	for i, key := range []string{"k1", "k2"} {
		storage.Tamper(t, db, fmt.Sprintf(`INSERT INTO notifications (department_id, kind, record_id, entry_key, subject_id, list_type, title, body, created_at)
			SELECT department_id, %s, %d, %s, 1, 'black', '名单推送', '{}', created_at FROM subscriptions WHERE id = %d`,
			sqlText(string(lists.NotifyListing)), i+1, sqlText(key), f.subLive.ID))
	}
	must(db.SQL().QueryRow(`SELECT MIN(id), MAX(id) FROM notifications`).Scan(&f.noteAcked, &f.noteOpen))
	n, err := db.AckNotification(dctx, f.noteAcked, ackFeedback)
	must(err)
	if n.AckedAt == nil || n.Feedback != ackFeedback {
		t.Fatalf("acknowledged notification = %+v", n)
	}
	return f
}

// sqlText quotes s as an SQL string literal.
func sqlText(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func TestVerifyStateUntampered(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newStateFixture(t, open)
		var acks int
		if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'notification.ack'`).Scan(&acks); err != nil || acks != 1 {
			t.Fatalf("notification.ack entries = %d (%v), want 1", acks, err)
		}
		if _, err := f.db.VerifyLedger(sys()); err != nil {
			t.Fatalf("VerifyLedger after the platform's own changes: %v", err)
		}
		// A row of measures identical to the built-in measure is
		// explained by the program itself.
		b, err := json.Marshal(f.untouched)
		if err != nil {
			t.Fatal(err)
		}
		storage.Tamper(t, f.db, `INSERT INTO measures (code, body, updated_at, updated_by) SELECT `+sqlText(f.untouched.Code)+`, `+sqlText(string(b))+`, updated_at, updated_by FROM measures WHERE code = 'JL-09'`)
		if _, err := f.db.VerifyLedger(sys()); err != nil {
			t.Errorf("VerifyLedger with a built-in measure stored as it is: %v", err)
		}
	})
}

// TestVerifyStateAuditDetails checks what the audit details now carry.
func TestVerifyStateAuditDetails(t *testing.T) {
	f := newStateFixture(t, openSQLite)
	detail := func(action, objectType, objectID string) map[string]any {
		t.Helper()
		var text string
		err := f.db.SQL().QueryRow(`SELECT detail FROM audit_log WHERE action = ? AND object_type = ? AND object_id = ? ORDER BY leaf DESC LIMIT 1`,
			action, objectType, objectID).Scan(&text)
		if err != nil {
			t.Fatalf("audit entry %s %s %s: %v", action, objectType, objectID, err)
		}
		var d map[string]any
		if err := json.Unmarshal([]byte(text), &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	key := fmt.Sprint(f.keyRevoked.ID)
	if d := detail("api_key.create", "api_key", key); d["department"] != f.dept.Code || d["prefix"] != f.keyRevoked.Prefix || d["hash_sha256"] == nil {
		t.Errorf("api_key.create detail = %v", d)
	}
	if d := detail("api_key.revoke", "api_key", key); d["department"] != f.dept.Code || fmt.Sprint(d["key"]) != key {
		t.Errorf("api_key.revoke detail = %v", d)
	}
	if d := detail("department.update", "department", f.dept.Code); d["kind"] != "procurement" || fmt.Sprint(d["old"]) != "map[kind:market name:长春市市场监督管理局知识产权局 region_code:220100]" {
		t.Errorf("department.update detail = %v", d)
	}
	if d := detail("user.change_password", "user", "op1"); fmt.Sprint(d["state"]) == "" || strings.Contains(fmt.Sprint(d), f.opPassword) || strings.Contains(fmt.Sprint(d), "argon2") {
		t.Errorf("user.change_password detail = %v", d)
	}
	if d := detail("calendar.load", "calendar", "2027"); fmt.Sprint(d["entries"]) == "" || len(d["entries"].([]any)) != 13 {
		t.Errorf("calendar.load detail = %v", d)
	}
}

// TestVerifyStateTampered changes each configuration table behind the
// platform's back: VerifyLedger names what was changed.
func TestVerifyStateTampered(t *testing.T) {
	type state = stateFixture
	// A wanted message may name {other} (the code of the fixture's
	// other department) and {override} (the code of the edited built-in
	// measure).
	tests := []struct {
		name   string
		tamper func(f *state) []string
		want   string
	}{
		// departments
		{"DepartmentName", func(f *state) []string {
			return []string{`UPDATE departments SET name = '伪造部门' WHERE code = ` + sqlText(f.dept.Code)}
		}, "”的名称为“伪造部门”，审计日志记录为“长春市市场监督管理局知识产权局”（数据库被直接修改）"},
		{"DepartmentRegion", func(f *state) []string {
			return []string{`UPDATE departments SET region_code = '220100' WHERE code = ` + sqlText(f.dept.Code)}
		}, "的行政区划为220100，审计日志记录为220102"},
		{"DepartmentKind", func(f *state) []string {
			return []string{`UPDATE departments SET kind = 'court' WHERE code = ` + sqlText(f.dept.Code)}
		}, "的部门类别为court，审计日志记录为procurement"},
		{"DepartmentCode", func(f *state) []string {
			return []string{`UPDATE departments SET code = '11220300MB0000090X' WHERE code = ` + sqlText(f.spare.Code)}
		}, "部门“11220300MB0000090X”（ID 3，四平市财政局）在审计日志中没有记录（未经平台写入）"},
		{"DepartmentInserted", func(f *state) []string {
			return []string{`INSERT INTO departments (code, name, region_code, kind, created_at, updated_at)
				SELECT '11220300MB0000091X', '伪造部门', region_code, kind, created_at, updated_at FROM departments WHERE code = ` + sqlText(f.spare.Code)}
		}, "在审计日志中没有记录（未经平台写入）"},
		{"DepartmentDeleted", func(f *state) []string {
			return []string{`DELETE FROM departments WHERE code = ` + sqlText(f.spare.Code)}
		}, "在审计日志中有记录，数据库中却没有"},
		// users
		{"UserRole", func(f *state) []string {
			return []string{`UPDATE users SET role = 'province', department_id = NULL WHERE username = 'op1'`}
		}, "用户“op1”的角色为province，审计日志记录为department（数据库被直接修改）"},
		{"UserDepartment", func(f *state) []string {
			return []string{`UPDATE users SET department_id = (SELECT id FROM departments WHERE code = ` + sqlText(f.other.Code) + `) WHERE username = 'op1'`}
		}, "用户“op1”的所属部门为{other}，审计日志记录为"},
		{"UserRegion", func(f *state) []string {
			return []string{`UPDATE users SET region_code = '220000' WHERE username = 'reg1'`}
		}, "用户“reg1”的管辖地区为220000，审计日志记录为220100"},
		{"UserDisplayName", func(f *state) []string {
			return []string{`UPDATE users SET display_name = '王五' WHERE username = 'prov1'`}
		}, "用户“prov1”的姓名为“王五”，审计日志记录为“李四主任”"},
		{"UserEnabled", func(f *state) []string {
			return []string{`UPDATE users SET disabled_at = NULL WHERE username = 'reg1'`}
		}, "用户“reg1”未停用，审计日志记录为已停用"},
		{"UserPasswordCopied", func(f *state) []string {
			return []string{`UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE username = 'prov1') WHERE username = 'op1'`}
		}, "用户“op1”的密码哈希与审计日志记录的不一致"},
		{"UserMustChangePassword", func(f *state) []string {
			return []string{`UPDATE users SET must_change_password = NOT must_change_password WHERE username = 'idle'`}
		}, "用户“idle”的“须修改一次性密码”标记为否，审计日志记录为是"},
		{"UserLocked", func(f *state) []string {
			return []string{`UPDATE users SET locked_until = (SELECT locked_until FROM users WHERE username = 'prov1') WHERE username = 'op1'`}
		}, "用户“op1”被锁定至2026-11-20 10:15:00，审计日志中没有这次锁定"},
		{"UserInserted", func(f *state) []string {
			return []string{`INSERT INTO users (username, role, password_hash, password_changed_at, created_at, updated_at)
				SELECT 'intruder', 'province', password_hash, created_at, created_at, created_at FROM users WHERE username = 'prov1'`}
		}, "用户“intruder”（ID 5，角色province）在审计日志中没有记录（未经平台写入）"},
		{"UserDeleted", func(f *state) []string {
			return []string{`DELETE FROM users WHERE username = 'idle'`}
		}, "用户“idle”在审计日志中有记录，数据库中却没有"},
		// api_keys
		{"APIKeyUnrevoked", func(f *state) []string {
			return []string{fmt.Sprintf(`UPDATE api_keys SET revoked_at = NULL WHERE id = %d`, f.keyRevoked.ID)}
		}, "）未吊销，审计日志记录为已吊销"},
		{"APIKeyRevoked", func(f *state) []string {
			return []string{fmt.Sprintf(`UPDATE api_keys SET revoked_at = created_at WHERE id = %d`, f.keyLive.ID)}
		}, "）已吊销，审计日志记录为未吊销"},
		{"APIKeyScopes", func(f *state) []string {
			return []string{fmt.Sprintf(`UPDATE api_keys SET scopes = 'ingest,verify,share' WHERE id = %d`, f.keyLive.ID)}
		}, "的权限范围为ingest,verify,share，审计日志记录为ingest"},
		{"APIKeyLimit", func(f *state) []string {
			return []string{fmt.Sprintf(`UPDATE api_keys SET rate_limit = 0 WHERE id = %d`, f.keyLive.ID)}
		}, "的限流为每秒0次、突发10次，审计日志记录为每秒5次、突发10次"},
		{"APIKeyDepartment", func(f *state) []string {
			return []string{fmt.Sprintf(`UPDATE api_keys SET department_id = (SELECT id FROM departments WHERE code = %s) WHERE id = %d`, sqlText(f.other.Code), f.keyLive.ID)}
		}, "的所属部门为{other}，审计日志记录为"},
		{"APIKeyPrefix", func(f *state) []string {
			return []string{fmt.Sprintf(`UPDATE api_keys SET prefix = 'jlc_000000' WHERE id = %d`, f.keyLive.ID)}
		}, "的前缀为jlc_000000，审计日志记录为"},
		{"APIKeyHash", func(f *state) []string {
			return []string{fmt.Sprintf(`UPDATE api_keys SET hash = hash || hash WHERE id = %d`, f.keyLive.ID)}
		}, "的密钥哈希与审计日志记录的不一致"},
		{"APIKeyInserted", func(f *state) []string {
			return []string{fmt.Sprintf(`INSERT INTO api_keys (department_id, prefix, hash, scopes, created_at)
				SELECT department_id, 'jlc_forged', hash || hash, scopes, created_at FROM api_keys WHERE id = %d`, f.keyLive.ID)}
		}, "（前缀jlc_forged，部门“"},
		{"APIKeyDeleted", func(f *state) []string {
			return []string{fmt.Sprintf(`DELETE FROM api_keys WHERE id = %d`, f.keyRevoked.ID)}
		}, "在审计日志中有记录，数据库中却没有"},
		// subscriptions
		{"SubscriptionRedirected", func(f *state) []string {
			return []string{fmt.Sprintf(`UPDATE subscriptions SET revoked_at = NULL, url = 'https://evil.example.com/hook' WHERE id = %d`, f.subRevoked.ID)}
		}, "的推送地址为https://evil.example.com/hook，审计日志记录为https://scjg.jl.gov.cn/credit/old"},
		{"SubscriptionUnrevoked", func(f *state) []string {
			return []string{fmt.Sprintf(`UPDATE subscriptions SET revoked_at = NULL WHERE id = %d`, f.subRevoked.ID)}
		}, "未撤销，审计日志记录为已撤销"},
		{"SubscriptionListTypes", func(f *state) []string {
			return []string{fmt.Sprintf(`UPDATE subscriptions SET list_types = '' WHERE id = %d`, f.subLive.ID)}
		}, "的名单类型为空，审计日志记录为black"},
		{"SubscriptionDepartment", func(f *state) []string {
			return []string{fmt.Sprintf(`UPDATE subscriptions SET department_id = (SELECT id FROM departments WHERE code = %s) WHERE id = %d`, sqlText(f.other.Code), f.subLive.ID)}
		}, "的所属部门为{other}（ID 2），审计日志记录为部门ID 1"},
		{"SubscriptionInserted", func(f *state) []string {
			return []string{fmt.Sprintf(`INSERT INTO subscriptions (department_id, url, list_types, secret, created_at, created_by)
				SELECT department_id, 'https://evil.example.com/hook', list_types, secret, created_at, created_by FROM subscriptions WHERE id = %d`, f.subLive.ID)}
		}, "https://evil.example.com/hook）在审计日志中没有记录（未经平台写入）"},
		{"SubscriptionDeleted", func(f *state) []string {
			return []string{fmt.Sprintf(`DELETE FROM subscriptions WHERE id = %d`, f.subLive.ID)}
		}, "订阅1在审计日志中有记录，数据库中却没有"},
		// measures
		{"MeasureBody", func(f *state) []string {
			return []string{`UPDATE measures SET body = replace(body, '社会信用条例', '伪造条例') WHERE code = 'JL-09'`}
		}, "措施“JL-09”的“basis”与审计日志记录的不一致"},
		{"MeasureDeleted", func(f *state) []string {
			return []string{`DELETE FROM measures WHERE code = ` + sqlText(f.override.Code)}
		}, "措施“{override}”在审计日志中有记录，数据库中却没有"},
		{"MeasureInserted", func(f *state) []string {
			m := f.untouched
			m.Mandatory = !m.Mandatory
			b, _ := json.Marshal(m)
			return []string{`INSERT INTO measures (code, body, updated_at, updated_by) SELECT ` + sqlText(m.Code) + `, ` + sqlText(string(b)) + `, updated_at, updated_by FROM measures WHERE code = 'JL-09'`}
		}, "”与程序内置的措施清单不同，在审计日志中没有记录（未经平台写入）"},
		// calendar_entries
		{"CalendarHolidayAdded", func(f *state) []string {
			return []string{`INSERT INTO calendar_entries (year, version, day, kind, name, added_by, added_at)
				SELECT year, version, '2027-06-14', 'holiday', '端午节', added_by, added_at FROM calendar_entries WHERE year = 2027 AND version = 2 AND day = '2027-01-01'`}
		}, "2027年工作日历第2次录入中的2027-06-14（放假）不在审计日志记录的日期中"},
		{"CalendarHolidayMoved", func(f *state) []string {
			return []string{`UPDATE calendar_entries SET day = '2027-10-08' WHERE year = 2027 AND version = 2 AND day = '2027-10-07'`}
		}, "2027年工作日历第2次录入中缺少审计日志记录的2027-10-07（放假）"},
		{"CalendarKind", func(f *state) []string {
			return []string{`UPDATE calendar_entries SET kind = 'workday' WHERE year = 2027 AND version = 1 AND day = '2027-01-02'`}
		}, "2027年工作日历第1次录入中2027-01-02为调休上班，审计日志记录为放假"},
		{"CalendarName", func(f *state) []string {
			return []string{`UPDATE calendar_entries SET name = '伪造' WHERE year = 2027 AND version = 2 AND day = '2027-01-01'`}
		}, "2027年工作日历第2次录入中2027-01-01的名称为“伪造”，审计日志记录为“元旦”"},
		{"CalendarLoadForged", func(f *state) []string {
			return []string{`INSERT INTO calendar_entries (year, version, day, kind, name, added_by, added_at)
				SELECT year, 3, day, kind, name, added_by, added_at FROM calendar_entries WHERE year = 2027 AND version = 2`}
		}, "2027年工作日历第3次录入（13天）在审计日志中没有记录（未经平台写入）"},
		{"CalendarLoadDeleted", func(f *state) []string {
			return []string{`DELETE FROM calendar_entries WHERE year = 2027 AND version = 2`}
		}, "2027年工作日历第2次录入在审计日志中有记录，数据库中却没有"},
		// notifications: their acknowledgement. {acked} and {open} are
		// the ids of the fixture's notifications.
		{"NotificationFeedback", func(f *state) []string {
			return []string{fmt.Sprintf(`UPDATE notifications SET feedback = '已核实，无需处理' WHERE id = %d`, f.noteAcked)}
		}, "通知ID {acked} 的确认状态与审计日志不符：反馈为“已核实，无需处理”，审计日志记录为“" + ackFeedback + "”（数据库被直接修改）"},
		{"NotificationAckedBy", func(f *state) []string {
			return []string{fmt.Sprintf(`UPDATE notifications SET acked_by = 'province:prov1' WHERE id = %d`, f.noteAcked)}
		}, "通知ID {acked} 的确认状态与审计日志不符：确认人为province:prov1，审计日志记录为"},
		{"NotificationAckedAt", func(f *state) []string {
			return []string{fmt.Sprintf(`UPDATE notifications SET acked_at = (SELECT locked_until FROM users WHERE username = 'prov1') WHERE id = %d`, f.noteAcked)}
		}, "通知ID {acked} 的确认状态与审计日志不符：确认时间为2026-11-20 10:15:00.000000，审计日志记录为"},
		{"NotificationAcked", func(f *state) []string {
			return []string{fmt.Sprintf(`UPDATE notifications SET acked_at = created_at, acked_by = (SELECT acked_by FROM notifications WHERE id = %d), feedback = '已处理' WHERE id = %d`, f.noteAcked, f.noteOpen)}
		}, "通知ID {open} 的确认状态与审计日志不符：数据库中已确认（确认人"},
		{"NotificationFeedbackUnacked", func(f *state) []string {
			return []string{fmt.Sprintf(`UPDATE notifications SET feedback = '已处理' WHERE id = %d`, f.noteOpen)}
		}, "通知ID {open} 的确认状态与审计日志不符：数据库中未确认，却有确认人空、反馈“已处理”"},
		{"NotificationUnacked", func(f *state) []string {
			return []string{fmt.Sprintf(`UPDATE notifications SET acked_at = NULL, acked_by = NULL, feedback = '' WHERE id = %d`, f.noteAcked)}
		}, "通知ID {acked} 的确认状态与审计日志不符：数据库中未确认，审计日志记录为已于"},
		{"NotificationDeleted", func(f *state) []string {
			return []string{fmt.Sprintf(`DELETE FROM notifications WHERE id = %d`, f.noteAcked)}
		}, "通知ID {acked} 的确认在审计日志中有记录，数据库中却没有"},
	}
	forBothDialects(t, func(t *testing.T, open opener) {
		for _, test := range tests {
			t.Run(test.name, func(t *testing.T) {
				t.Parallel()
				f := newStateFixture(t, open)
				for _, q := range test.tamper(f) {
					storage.Tamper(t, f.db, q)
				}
				wantLedgerInvalid(t, f.db, strings.NewReplacer("{other}", f.other.Code, "{override}", f.override.Code,
					"{acked}", fmt.Sprint(f.noteAcked), "{open}", fmt.Sprint(f.noteOpen)).Replace(test.want))
			})
		}
	})
}

// legacyDetail turns an audit entry into what the build before the state
// checks wrote: no kind when empty and the kinds migration 0006 renamed,
// no user state, API keys by department, calendar loads with counts only.
func legacyDetail(action, objectType, objectID string, d map[string]any) (string, string, any) {
	switch action {
	case "department.create", "department.update":
		delete(d, "old")
		switch d["kind"] {
		case "":
			delete(d, "kind")
		case "natural_resources":
			d["kind"] = "resources"
		}
	case "user.create", "user.update":
		delete(d, "state")
	case "user.reset_password", "user.change_password":
		return objectType, objectID, nil
	case "api_key.create":
		objectType, objectID = "department", fmt.Sprint(d["department_id"])
		for _, k := range []string{"key", "department", "department_id", "hash_sha256"} {
			delete(d, k)
		}
	case "api_key.revoke":
		return "department", d["department"].(string), map[string]any{"key": d["key"]}
	case "subscription.create":
		delete(d, "department")
	case "subscription.revoke":
		return objectType, objectID, map[string]any{"url": d["url"]}
	case "calendar.load":
		delete(d, "entries")
	}
	return objectType, objectID, d
}

// newLegacyFixture is newStateFixture's database as a build before the
// state checks would have written it, upgraded: its audit entries carry
// only what that build's did and are taken into the audit tree when
// migrating, as entries written before the tree existed are.
func newLegacyFixture(t *testing.T, open opener) *stateFixture {
	t.Helper()
	f := newStateFixture(t, open)
	for _, d := range []*access.Department{
		{Code: uscc(t, "11220400MB000004"), Name: "辽源市自然资源局", RegionCode: "220400", Kind: "natural_resources"},
		{Code: uscc(t, "11220500MB000005"), Name: "通化市某局", RegionCode: "220500"},
	} {
		if err := f.db.UpsertDepartment(sys(), d); err != nil {
			t.Fatal(err)
		}
	}
	type entry struct {
		id                              int64
		action, objectType, objectID, d string
	}
	var es []entry
	rows, err := f.db.SQL().Query(`SELECT id, action, object_type, object_id, detail FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var e entry
		if err := rows.Scan(&e.id, &e.action, &e.objectType, &e.objectID, &e.d); err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		var d map[string]any
		if err := json.Unmarshal([]byte(e.d), &d); err != nil {
			t.Fatal(err)
		}
		typ, id, legacy := legacyDetail(e.action, e.objectType, e.objectID, d)
		b, err := json.Marshal(legacy)
		if err != nil {
			t.Fatal(err)
		}
		storage.Tamper(t, f.db, fmt.Sprintf(`UPDATE audit_log SET object_type = %s, object_id = %s, detail = %s WHERE id = %d`, sqlText(typ), sqlText(id), sqlText(string(b)), e.id))
	}
	// The state right after migration 0013 (see TestAuditCatchUp), then
	// the migration.
	storage.Tamper(t, f.db, `DELETE FROM audit_log WHERE action = 'audit.legacy_closed'`)
	storage.Tamper(t, f.db, `UPDATE audit_log SET leaf = NULL, ledger_hashes = NULL`)
	storage.Tamper(t, f.db, `DELETE FROM audit_checkpoints`)
	storage.Tamper(t, f.db, `UPDATE audit_ledger_state SET size = 0, legacy_max_id = (SELECT MAX(id) FROM audit_log)`)
	if err := f.db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE leaf IS NULL OR object_type = 'api_key' OR detail LIKE '%"state"%' OR detail LIKE '%"entries"%'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d audit entries not as an older build wrote them, or outside the tree (%v)", n, err)
	}
	return f
}

// TestVerifyStateUpgraded verifies a database whose audit entries were
// written by the build before the state checks: it passes untouched, and
// what its entries carry is still compared.
func TestVerifyStateUpgraded(t *testing.T) {
	type state = stateFixture
	tests := []struct {
		name   string
		tamper func(t *testing.T, f *state) []string
		want   string // "" for a database that must pass
	}{
		{"Untouched", func(t *testing.T, f *state) []string { return nil }, ""},
		{"DepartmentKindRenamed", func(t *testing.T, f *state) []string {
			return []string{`UPDATE departments SET kind = 'court' WHERE name = '辽源市自然资源局'`}
		}, "的部门类别为court，审计日志记录为natural_resources"},
		{"UserRole", func(t *testing.T, f *state) []string {
			return []string{`UPDATE users SET role = 'province', department_id = NULL WHERE username = 'op1'`}
		}, "用户“op1”的角色为province，审计日志记录为department"},
		{"UserRegion", func(t *testing.T, f *state) []string {
			return []string{`UPDATE users SET region_code = '220000' WHERE username = 'reg1'`}
		}, "用户“reg1”的管辖地区为220000，审计日志记录为220100"},
		{"UserEnabled", func(t *testing.T, f *state) []string {
			return []string{`UPDATE users SET disabled_at = NULL WHERE username = 'reg1'`}
		}, "用户“reg1”未停用，审计日志记录为已停用"},
		{"UserMustChangePassword", func(t *testing.T, f *state) []string {
			return []string{`UPDATE users SET must_change_password = NOT must_change_password WHERE username = 'op1'`}
		}, "用户“op1”的“须修改一次性密码”标记为是，审计日志记录为否"},
		{"UserPasswordAfterReset", func(t *testing.T, f *state) []string {
			// The first change after the upgrade records the state.
			if _, err := f.db.ResetPassword(sys(), f.op1.ID); err != nil {
				t.Fatal(err)
			}
			return []string{`UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE username = 'prov1') WHERE username = 'op1'`}
		}, "用户“op1”的密码哈希与审计日志记录的不一致"},
		{"APIKeyUnrevoked", func(t *testing.T, f *state) []string {
			return []string{fmt.Sprintf(`UPDATE api_keys SET revoked_at = NULL WHERE id = %d`, f.keyRevoked.ID)}
		}, "）未吊销，审计日志记录为已吊销"},
		{"APIKeyScopes", func(t *testing.T, f *state) []string {
			return []string{fmt.Sprintf(`UPDATE api_keys SET scopes = 'ingest,verify,share' WHERE id = %d`, f.keyLive.ID)}
		}, "的权限范围为ingest,verify,share，审计日志记录为ingest"},
		{"APIKeyMoved", func(t *testing.T, f *state) []string {
			return []string{fmt.Sprintf(`UPDATE api_keys SET department_id = (SELECT id FROM departments WHERE code = %s) WHERE id = %d`, sqlText(f.other.Code), f.keyLive.ID)}
		}, "在审计日志中没有记录（未经平台写入）"},
		{"APIKeyDeleted", func(t *testing.T, f *state) []string {
			return []string{fmt.Sprintf(`DELETE FROM api_keys WHERE id = %d`, f.keyLive.ID)}
		}, "部门ID 1的API密钥（前缀" + "{prefix}）在审计日志中有记录，数据库中却没有"},
		{"SubscriptionRedirected", func(t *testing.T, f *state) []string {
			return []string{fmt.Sprintf(`UPDATE subscriptions SET revoked_at = NULL, url = 'https://evil.example.com/hook' WHERE id = %d`, f.subRevoked.ID)}
		}, "的推送地址为https://evil.example.com/hook，审计日志记录为https://scjg.jl.gov.cn/credit/old"},
		{"CalendarHolidayAdded", func(t *testing.T, f *state) []string {
			return []string{`INSERT INTO calendar_entries (year, version, day, kind, name, added_by, added_at)
				SELECT year, version, '2027-06-14', 'holiday', '端午节', added_by, added_at FROM calendar_entries WHERE year = 2027 AND version = 2 AND day = '2027-01-01'`}
		}, "2027年工作日历第2次录入有14个放假日、0个调休上班日，审计日志记录为13个、0个"},
		{"NotificationFeedback", func(t *testing.T, f *state) []string {
			return []string{fmt.Sprintf(`UPDATE notifications SET feedback = '已核实，无需处理' WHERE id = %d`, f.noteAcked)}
		}, "反馈为“已核实，无需处理”，审计日志记录为“" + ackFeedback + "”"},
		{"NotificationAcked", func(t *testing.T, f *state) []string {
			return []string{fmt.Sprintf(`UPDATE notifications SET acked_at = created_at, acked_by = 'department:x' WHERE id = %d`, f.noteOpen)}
		}, "审计日志中没有这次确认"},
	}
	forBothDialects(t, func(t *testing.T, open opener) {
		for _, test := range tests {
			t.Run(test.name, func(t *testing.T) {
				t.Parallel()
				f := newLegacyFixture(t, open)
				for _, q := range test.tamper(t, f) {
					storage.Tamper(t, f.db, q)
				}
				if test.want == "" {
					if _, err := f.db.VerifyLedger(sys()); err != nil {
						t.Fatalf("VerifyLedger of the upgraded database: %v", err)
					}
					return
				}
				wantLedgerInvalid(t, f.db, strings.ReplaceAll(test.want, "{prefix}", f.keyLive.Prefix))
			})
		}
	})
}
