package storage_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"jlcredit/internal/access"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/demo"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
	"jlcredit/internal/subject"
)

func forBothDialects(t *testing.T, fn func(t *testing.T, open opener)) {
	t.Run("SQLite", func(t *testing.T) { fn(t, openSQLite) })
	t.Run("Postgres", func(t *testing.T) { fn(t, openPostgres) })
}

// seedDemo registers the demo departments and submits n rows of each
// 双公示 class through the real ingestion path; it returns the generator and
// the departments that submitted.
func seedDemo(tb testing.TB, db *storage.DB, n int) (*demo.Generator, map[string]demo.Department) {
	tb.Helper()
	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	g := demo.New(7, 400)
	for _, d := range g.Departments() {
		if err := db.UpsertDepartment(ctx, &access.Department{Code: d.Code, Name: d.Name, RegionCode: d.RegionCode, Kind: d.Kind}); err != nil {
			tb.Fatalf("UpsertDepartment: %v", err)
		}
	}
	cat, err := db.Catalog(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	used := map[string]demo.Department{}
	for _, class := range []string{"license", "penalty"} {
		c, _ := cat.Class(class)
		bufs := map[string]*bytes.Buffer{}
		err := g.Rows(class, n, db.Now(), func(i int, d demo.Department, row map[string]string) error {
			b := bufs[d.Code]
			if b == nil {
				b = &bytes.Buffer{}
				bufs[d.Code] = b
				writeCSVRow(b, c, nil)
			}
			used[d.Code] = d
			writeCSVRow(b, c, row)
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
		for code, b := range bufs {
			if _, err := db.Submit(ctx, record.Submission{Class: class, DepartmentCode: code, Filename: "seed.csv", Body: b}); err != nil {
				tb.Fatalf("Submit: %v", err)
			}
		}
	}
	return g, used
}

// writeCSVRow writes the header of c (row nil) or a row.
func writeCSVRow(b *bytes.Buffer, c *catalog.Class, row map[string]string) {
	w := csv.NewWriter(b)
	rec := make([]string, len(c.Fields))
	for i, f := range c.Fields {
		if row == nil {
			rec[i] = f.Code
		} else {
			rec[i] = row[f.Code]
		}
	}
	w.Write(rec)
	w.Flush()
}

func systemCtx() context.Context {
	return credit.NewContextWithActor(context.Background(), credit.System)
}

func TestUsersAndSessions(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		db := open(t)
		ctx := systemCtx()
		now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		dep := &access.Department{Code: uscc(t, "1122010000000001"), Name: "长春市市场监督管理局", RegionCode: "220100"}
		if err := db.UpsertDepartment(ctx, dep); err != nil {
			t.Fatal(err)
		}
		u := &access.User{Username: "Op1", DisplayName: "张三", Role: credit.RoleDepartment, DepartmentID: dep.ID}
		otp, err := db.CreateUser(ctx, u, "")
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if otp == "" || u.Username != "op1" || !u.MustChangePassword || u.RegionCode != "220100" {
			t.Fatalf("CreateUser: otp=%q user=%+v", otp, u)
		}
		if _, err := db.CreateUser(ctx, &access.User{Username: "op1", Role: credit.RoleProvince}, ""); credit.ErrorCode(err) != credit.EINVALID {
			t.Errorf("duplicate username: err=%v, want EINVALID", err)
		}

		t.Run("RegionAdminScope", func(t *testing.T) {
			admin := credit.Actor{Role: credit.RoleRegion, RegionCode: "220200", UserID: 99}
			actx := credit.NewContextWithActor(context.Background(), admin)
			_, err := db.CreateUser(actx, &access.User{Username: "op-x", Role: credit.RoleDepartment, DepartmentID: dep.ID}, "")
			if credit.ErrorCode(err) != credit.EFORBIDDEN {
				t.Errorf("region admin of 吉林市 creating a 长春 user: err=%v, want EFORBIDDEN", err)
			}
			_, err = db.CreateUser(actx, &access.User{Username: "boss", Role: credit.RoleProvince}, "")
			if credit.ErrorCode(err) != credit.EFORBIDDEN {
				t.Errorf("region admin creating a province admin: err=%v, want EFORBIDDEN", err)
			}
			users, _, err := db.FindUsers(actx, access.UserFilter{})
			if err != nil || len(users) != 0 {
				t.Errorf("FindUsers(吉林市 admin) = %d users, %v; want none", len(users), err)
			}
			cc := credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleRegion, RegionCode: "220100", UserID: 98})
			users, _, err = db.FindUsers(cc, access.UserFilter{})
			if err != nil || len(users) != 1 {
				t.Errorf("FindUsers(长春市 admin) = %d users, %v; want 1", len(users), err)
			}
		})

		t.Run("Login", func(t *testing.T) {
			s, token, err := db.Login(context.Background(), access.LoginAttempt{Username: "OP1", Password: otp, IP: "127.0.0.1"})
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			if token == "" || s.CSRFToken == "" || s.User.DepartmentID != dep.ID {
				t.Fatalf("Login: session %+v", s)
			}
			got, err := db.FindSession(context.Background(), token)
			if err != nil || got.CSRFToken != s.CSRFToken || got.Actor().DepartmentCode != dep.Code {
				t.Fatalf("FindSession: %+v, %v", got, err)
			}
			if _, err := db.FindSession(context.Background(), token+"x"); credit.ErrorCode(err) != credit.EUNAUTHORIZED {
				t.Errorf("FindSession(bad token): err=%v, want EUNAUTHORIZED", err)
			}
			// Expiry.
			now = now.Add(access.SessionLifetime + time.Second)
			if _, err := db.FindSession(context.Background(), token); credit.ErrorCode(err) != credit.EUNAUTHORIZED {
				t.Errorf("FindSession(expired): err=%v, want EUNAUTHORIZED", err)
			}
			_, token, err = db.Login(context.Background(), access.LoginAttempt{Username: "op1", Password: otp})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Logout(context.Background(), token); err != nil {
				t.Fatal(err)
			}
			if _, err := db.FindSession(context.Background(), token); credit.ErrorCode(err) != credit.EUNAUTHORIZED {
				t.Errorf("FindSession(after logout): err=%v, want EUNAUTHORIZED", err)
			}
		})

		t.Run("Lockout", func(t *testing.T) {
			for i := 1; i <= access.MaxFailedLogins; i++ {
				_, _, err := db.Login(context.Background(), access.LoginAttempt{Username: "op1", Password: "wrong-password-1"})
				if credit.ErrorCode(err) != credit.EUNAUTHORIZED {
					t.Fatalf("attempt %d: err=%v, want EUNAUTHORIZED", i, err)
				}
			}
			if _, _, err := db.Login(context.Background(), access.LoginAttempt{Username: "op1", Password: otp}); credit.ErrorCode(err) != credit.EUNAUTHORIZED {
				t.Fatalf("right password while locked: err=%v, want EUNAUTHORIZED", err)
			}
			now = now.Add(access.LockoutDuration + time.Second)
			if _, _, err := db.Login(context.Background(), access.LoginAttempt{Username: "op1", Password: otp}); err != nil {
				t.Fatalf("after the lock: %v", err)
			}
			if _, _, err := db.Login(context.Background(), access.LoginAttempt{Username: "nobody", Password: otp}); credit.ErrorCode(err) != credit.EUNAUTHORIZED {
				t.Errorf("unknown user: err=%v, want EUNAUTHORIZED", err)
			}
		})

		t.Run("ChangePassword", func(t *testing.T) {
			s1, t1, err := db.Login(context.Background(), access.LoginAttempt{Username: "op1", Password: otp})
			if err != nil {
				t.Fatal(err)
			}
			_, t2, err := db.Login(context.Background(), access.LoginAttempt{Username: "op1", Password: otp})
			if err != nil {
				t.Fatal(err)
			}
			uctx := credit.NewContextWithActor(context.Background(), s1.Actor())
			if err := db.ChangePassword(uctx, "bad", "NewPassw0rd2026", t1); credit.ErrorCode(err) != credit.EINVALID {
				t.Errorf("wrong old password: err=%v, want EINVALID", err)
			}
			if err := db.ChangePassword(uctx, otp, "short", t1); credit.ErrorCode(err) != credit.EINVALID {
				t.Errorf("weak password: err=%v, want EINVALID", err)
			}
			if err := db.ChangePassword(uctx, otp, "NewPassw0rd2026", t1); err != nil {
				t.Fatalf("ChangePassword: %v", err)
			}
			if _, err := db.FindSession(context.Background(), t1); err != nil {
				t.Errorf("the session that changed the password ended: %v", err)
			}
			if _, err := db.FindSession(context.Background(), t2); err == nil {
				t.Errorf("another session survived a password change")
			}
			s, _, err := db.Login(context.Background(), access.LoginAttempt{Username: "op1", Password: "NewPassw0rd2026"})
			if err != nil || s.User.MustChangePassword {
				t.Fatalf("login with the new password: %v, must change=%v", err, s != nil && s.User.MustChangePassword)
			}
		})

		t.Run("DisableAndReset", func(t *testing.T) {
			disabled := true
			if _, err := db.UpdateUser(ctx, u.ID, access.UserUpdate{Disabled: &disabled}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.Login(context.Background(), access.LoginAttempt{Username: "op1", Password: "NewPassw0rd2026"}); credit.ErrorCode(err) != credit.EUNAUTHORIZED {
				t.Errorf("disabled user logged in: err=%v", err)
			}
			disabled = false
			if _, err := db.UpdateUser(ctx, u.ID, access.UserUpdate{Disabled: &disabled}); err != nil {
				t.Fatal(err)
			}
			p, err := db.ResetPassword(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.Login(context.Background(), access.LoginAttempt{Username: "op1", Password: p}); err != nil {
				t.Errorf("login after reset: %v", err)
			}
		})

		t.Run("APIKeys", func(t *testing.T) {
			secret, k, err := db.CreateAPIKey(ctx, dep.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			// Authenticated twice: the second answer comes from the cache.
			for range 2 {
				if a, err := db.Authenticate(context.Background(), secret); err != nil || a.DepartmentID != dep.ID {
					t.Fatalf("Authenticate = %+v, %v", a, err)
				}
			}
			keys, err := db.FindAPIKeys(ctx, dep.ID)
			if err != nil || len(keys) != 1 || keys[0].Prefix != k.Prefix {
				t.Fatalf("FindAPIKeys = %v, %v", keys, err)
			}
			other := credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleRegion, RegionCode: "220200"})
			if err := db.RevokeAPIKey(other, k.ID); credit.ErrorCode(err) != credit.EFORBIDDEN {
				t.Errorf("RevokeAPIKey by another region: err=%v, want EFORBIDDEN", err)
			}
			if err := db.RevokeAPIKey(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
			keys, _ = db.FindAPIKeys(ctx, dep.ID)
			if keys[0].RevokedAt == nil {
				t.Errorf("key not revoked")
			}
			// A revoked key stops at once, although it was cached.
			if _, err := db.Authenticate(context.Background(), secret); credit.ErrorCode(err) != credit.EUNAUTHORIZED {
				t.Errorf("Authenticate after revocation: err=%v, want EUNAUTHORIZED", err)
			}
		})
	})
}

func TestPublicityAndStats(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		db := open(t)
		_, used := seedDemo(t, db, 60)
		public := context.Background()
		recs, total, err := db.FindRecords(public, record.RecordFilter{Class: "penalty", Limit: 10})
		if err != nil {
			t.Fatalf("FindRecords: %v", err)
		}
		if total == 0 || len(recs) == 0 {
			t.Fatalf("FindRecords(penalty) = %d of %d", len(recs), total)
		}
		for _, r := range recs {
			if r.Class != "penalty" || !r.Current {
				t.Errorf("record %d: class %s current %v", r.ID, r.Class, r.Current)
			}
			if _, ok := r.Fields["CF_XDR_ZJHM"]; ok {
				t.Errorf("record %d shows an identity number to the public", r.ID)
			}
		}
		for i := 1; i < len(recs); i++ {
			if recs[i].DecisionDate.After(*recs[i-1].DecisionDate) {
				t.Errorf("records not newest first")
			}
		}
		// The government sees at least as much.
		gov := credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleDepartment, DepartmentID: 1})
		_, gtotal, err := db.FindRecords(gov, record.RecordFilter{Class: "penalty"})
		if err != nil || gtotal < total {
			t.Errorf("government total %d < public total %d (%v)", gtotal, total, err)
		}
		// Filters: a department, a region, a text.
		var dep demo.Department
		for _, d := range used {
			dep = d
			break
		}
		d, err := db.FindDepartmentByCode(public, dep.Code)
		if err != nil {
			t.Fatal(err)
		}
		recs, _, err = db.FindRecords(public, record.RecordFilter{DepartmentID: &d.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.DepartmentID != d.ID {
				t.Errorf("department filter returned department %d", r.DepartmentID)
			}
		}
		if _, _, err := db.FindRecords(public, record.RecordFilter{RegionPrefix: "220100", Text: "有限公司"}); err != nil {
			t.Errorf("FindRecords(region, text): %v", err)
		}
		if _, _, err := db.FindRecords(public, record.RecordFilter{Text: "公"}); credit.ErrorCode(err) != credit.EINVALID {
			t.Errorf("one-character text: err=%v, want EINVALID", err)
		}
		all, _, _ := db.FindRecords(public, record.RecordFilter{Limit: 1})
		if len(all) == 1 {
			s, err := db.FindSubjectByID(public, all[0].SubjectID)
			if err != nil {
				t.Fatal(err)
			}
			byCode, _, err := db.FindRecords(public, record.RecordFilter{Text: s.USCC})
			if err != nil || len(byCode) == 0 {
				t.Errorf("FindRecords(text=USCC) = %d, %v", len(byCode), err)
			}
			counts, err := db.CountPublicRecords(public, []credit.SubjectID{s.ID})
			if err != nil || len(counts[s.ID]) == 0 {
				t.Errorf("CountPublicRecords = %v, %v", counts, err)
			}
		}

		h, err := db.Headline(public)
		if err != nil {
			t.Fatalf("Headline: %v", err)
		}
		if h.Subjects == 0 || h.Records == 0 || h.DualPublicity == 0 || h.DualPublicity > h.Records || h.DualPublicityMonth > h.DualPublicity {
			t.Errorf("Headline = %+v", h)
		}

		since := db.Now().Add(-7 * 24 * time.Hour)
		sum, days, err := db.SummarizeBatches(systemCtx(), record.BatchFilter{Since: &since})
		if err != nil {
			t.Fatalf("SummarizeBatches: %v", err)
		}
		if sum.Batches == 0 || sum.Total != 120 || len(days) != 8 || days[len(days)-1].Batches != sum.Batches {
			t.Errorf("SummarizeBatches = %+v, %d days, last %+v", sum, len(days), days[len(days)-1])
		}
		depCtx := credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleDepartment, DepartmentID: d.ID})
		dsum, _, err := db.SummarizeBatches(depCtx, record.BatchFilter{})
		if err != nil || dsum.Batches == 0 || dsum.Batches >= sum.Batches {
			t.Errorf("department summary %+v (all %d), %v", dsum, sum.Batches, err)
		}
		if _, _, err := db.SummarizeBatches(public, record.BatchFilter{}); credit.ErrorCode(err) != credit.EFORBIDDEN {
			t.Errorf("public summary: err=%v, want EFORBIDDEN", err)
		}
	})
}

func TestQueryLog(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		db := open(t)
		seedDemo(t, db, 10)
		// A record of an organisation by a department of a 市州 or county:
		// a provincial department's region holds every other region.
		recs, _, err := db.FindRecords(context.Background(), record.RecordFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var s *subject.Subject
		var d *access.Department
		for _, r := range recs {
			rs, err := db.FindSubjectByID(context.Background(), r.SubjectID)
			if err != nil {
				t.Fatal(err)
			}
			rd, err := db.FindDepartmentByID(context.Background(), r.DepartmentID)
			if err != nil {
				t.Fatal(err)
			}
			if rs.USCC != "" && !strings.HasSuffix(rd.RegionCode, "0000") {
				s, d = rs, rd
				break
			}
		}
		if s == nil {
			t.Fatalf("no record of an organisation by a city or county department among %d", len(recs))
		}
		reader := credit.Actor{Role: credit.RoleDepartment, DepartmentID: d.ID, DepartmentCode: d.Code, Name: "reader", UserID: 5, Channel: "web"}
		if _, err := db.FindArchive(credit.NewContextWithActor(context.Background(), reader), s.USCC, "行政许可审批：测试"); err != nil {
			t.Fatal(err)
		}
		// Public reads are not logged.
		if _, err := db.FindArchive(context.Background(), s.USCC, ""); err != nil {
			t.Fatal(err)
		}
		entries, total, err := db.FindQueryLog(systemCtx(), access.QueryLogFilter{SubjectID: &s.ID})
		if err != nil {
			t.Fatalf("FindQueryLog: %v", err)
		}
		if total != 1 || entries[0].Purpose != "行政许可审批：测试" || entries[0].DepartmentName != d.Name || entries[0].SubjectCode != s.USCC {
			t.Fatalf("FindQueryLog = %d entries, first %+v", total, entries[0])
		}
		if _, _, err := db.FindQueryLog(credit.NewContextWithActor(context.Background(), reader), access.QueryLogFilter{}); credit.ErrorCode(err) != credit.EFORBIDDEN {
			t.Errorf("department reading the query log: err=%v, want EFORBIDDEN", err)
		}
		inRegion := credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleRegion, RegionCode: d.RegionCode})
		if _, n, err := db.FindQueryLog(inRegion, access.QueryLogFilter{Purpose: "行政许可"}); err != nil || n != 1 {
			t.Errorf("region admin of the reader's region: %d entries, %v; want 1", n, err)
		}
		other := "220800"
		if d.RegionCode[:4] == "2208" {
			other = "220100"
		}
		outside := credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleRegion, RegionCode: other})
		if _, n, err := db.FindQueryLog(outside, access.QueryLogFilter{}); err != nil || n != 0 {
			t.Errorf("region admin of another region: %d entries, %v; want 0", n, err)
		}
		// A read by a user without a department (a region administrator of
		// the other region) belongs to the user's region.
		u := &access.User{Username: "regionreader", DisplayName: "区域管理员", Role: credit.RoleRegion, RegionCode: other}
		if _, err := db.CreateUser(systemCtx(), u, "Passw0rd-2026-regions"); err != nil {
			t.Fatal(err)
		}
		regionUser := credit.Actor{Role: credit.RoleRegion, UserID: u.ID, RegionCode: other, Name: u.Username, Channel: "web"}
		if _, err := db.FindArchive(credit.NewContextWithActor(context.Background(), regionUser), s.USCC, "其他：区域核对"); err != nil {
			t.Fatal(err)
		}
		if entries, n, err := db.FindQueryLog(outside, access.QueryLogFilter{}); err != nil || n != 1 || entries[0].UserID != u.ID {
			t.Errorf("region admin of the other region after its user's read: %d entries, %v; want its user's one", n, err)
		}
		if _, n, err := db.FindQueryLog(inRegion, access.QueryLogFilter{}); err != nil || n != 1 {
			t.Errorf("region admin of the reader's region: %d entries, %v; want still 1", n, err)
		}
	})
}

// TestLoginAnswersAlike checks that a failed sign-in does not tell whether
// the name exists or the account is locked: one message, and one password
// hash's work, for an unknown name, a wrong password and a locked account
// (even with the right password), while the lock itself holds and the
// attempt log keeps the true reason.
func TestLoginAnswersAlike(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		db := open(t)
		ctx := systemCtx()
		now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		const password = "Same-Passw0rd-2026"
		if _, err := db.CreateUser(ctx, &access.User{Username: "alike", DisplayName: "李四", Role: credit.RoleProvince}, password); err != nil {
			t.Fatal(err)
		}
		want := "用户名或密码错误；密码连续错误5次，账号将锁定15分钟"
		hashes := storage.CountPasswordHashes(t)
		login := func(name, password string) error {
			_, _, err := db.Login(context.Background(), access.LoginAttempt{Username: name, Password: password, IP: "192.0.2.7"})
			return err
		}
		// Each failure answers alike, after one password hash: the time
		// does not tell an unknown name or a locked account either.
		fails := func(what, name, password string) {
			t.Helper()
			before := *hashes
			err := login(name, password)
			if credit.ErrorCode(err) != credit.EUNAUTHORIZED || credit.ErrorMessage(err) != want {
				t.Errorf("%s: err=%v, want EUNAUTHORIZED %q", what, err, want)
			}
			if n := *hashes - before; n != 1 {
				t.Errorf("%s: %d password hashes computed, want 1", what, n)
			}
		}
		fails("unknown name", "nobody", password)
		for i := 1; i <= access.MaxFailedLogins; i++ {
			fails(fmt.Sprintf("wrong password %d", i), "alike", "wrong-password-1")
		}
		fails("locked, right password", "alike", password)
		fails("locked, wrong password", "alike", "wrong-password-1")
		for range 2 {
			fails("unknown name", "nobody", password)
			fails("locked, right password", "alike", password)
		}

		now = now.Add(access.LockoutDuration + time.Second)
		if err := login("alike", password); err != nil {
			t.Fatalf("after the lock: %v", err)
		}

		var locks int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'user.locked' AND object_id = 'alike'`).Scan(&locks); err != nil {
			t.Fatal(err)
		}
		if locks != 1 {
			t.Errorf("audit entries user.locked = %d, want 1", locks)
		}
		reasons := map[string]int{}
		rows, err := db.SQL().Query(`SELECT reason FROM login_attempts WHERE ip = '192.0.2.7'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var r string
			if err := rows.Scan(&r); err != nil {
				t.Fatal(err)
			}
			reasons[r]++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		wantReasons := map[string]int{"unknown_user": 3, "wrong_password": access.MaxFailedLogins, "locked": 4, "": 1}
		if diff := cmp.Diff(wantReasons, reasons); diff != "" {
			t.Errorf("login_attempts reasons (-want +got):\n%s", diff)
		}
	})
}

// TestFindUsersLongQuery checks that a search text over 100 characters is
// refused as EINVALID (it made SQLite fail: LIKE pattern too complex).
func TestFindUsersLongQuery(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		db := open(t)
		ctx := systemCtx()
		if _, err := db.CreateUser(ctx, &access.User{Username: "finder", DisplayName: "王五", Role: credit.RoleProvince}, ""); err != nil {
			t.Fatal(err)
		}
		for _, test := range []struct {
			name, q string
			code    string
			users   int
		}{
			{"Found", "find", "", 1},
			{"HundredChars", strings.Repeat("王", 100), "", 0},
			{"TooLong", strings.Repeat("王", 101), credit.EINVALID, 0},
			{"Huge", strings.Repeat("%_a", 20000), credit.EINVALID, 0},
			{"LongOnlyWithSpaces", "  " + strings.Repeat("w", 100) + "  ", "", 0},
		} {
			t.Run(test.name, func(t *testing.T) {
				users, _, err := db.FindUsers(ctx, access.UserFilter{Query: test.q})
				if credit.ErrorCode(err) != test.code || len(users) != test.users {
					t.Fatalf("FindUsers: %d users, err=%v; want %d, code %q", len(users), err, test.users, test.code)
				}
				if test.code != "" && credit.ErrorMessage(err) != "搜索内容不能超过100个字符" {
					t.Errorf("message %q", credit.ErrorMessage(err))
				}
			})
		}
	})
}

// TestQueryLogRegionNewestFirst: a region administrator's query log holds
// its region's reads only, newest first, filtered, whatever the reads of
// other regions between them.
func TestQueryLogRegionNewestFirst(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		db := open(t)
		seedDemo(t, db, 10)
		ctx := context.Background()
		recs, _, err := db.FindRecords(ctx, record.RecordFilter{Limit: 1})
		if err != nil || len(recs) == 0 {
			t.Fatal(err)
		}
		s, err := db.FindSubjectByID(ctx, recs[0].SubjectID)
		if err != nil {
			t.Fatal(err)
		}
		deps, _, err := db.FindDepartments(systemCtx(), 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var a, b *access.Department
		for _, d := range deps {
			switch {
			case len(d.RegionCode) != 6 || d.RegionCode[2:4] == "00": // the province's own
			case a == nil:
				a = d
			case b == nil && d.RegionCode[:4] != a.RegionCode[:4]:
				b = d
			}
		}
		if a == nil || b == nil {
			t.Fatal("no two departments of different cities")
		}
		start := db.Now()
		defer func() { db.Now = func() time.Time { return start } }()
		for i := range 30 {
			d, who := a, "A"
			if i%2 == 1 {
				d, who = b, "B"
			}
			at := start.Add(time.Duration(i) * time.Minute)
			db.Now = func() time.Time { return at }
			reader := credit.Actor{Role: credit.RoleDepartment, DepartmentID: d.ID, DepartmentCode: d.Code, Name: "reader", Channel: "web"}
			if _, err := db.FindArchive(credit.NewContextWithActor(ctx, reader), s.USCC, fmt.Sprintf("核查%s%02d", who, i)); err != nil {
				t.Fatal(err)
			}
		}
		region := credit.NewContextWithActor(ctx, credit.Actor{Role: credit.RoleRegion, RegionCode: a.RegionCode[:4] + "00"})
		entries, total, err := db.FindQueryLog(region, access.QueryLogFilter{Limit: 5})
		if err != nil || total != 15 || len(entries) != 5 {
			t.Fatalf("region's log: %d of %d, %v; want 5 of 15", len(entries), total, err)
		}
		for i, e := range entries {
			if want := fmt.Sprintf("核查A%02d", 28-2*i); e.Purpose != want {
				t.Errorf("entry %d: %q, want %q (newest first, the region's only)", i, e.Purpose, want)
			}
		}
		entries, total, err = db.FindQueryLog(region, access.QueryLogFilter{Purpose: "A1", Limit: 50})
		if err != nil || total != 5 {
			t.Fatalf("region's log for A1: %d entries (%d), %v; want A10–A18", total, len(entries), err)
		}
		for _, e := range entries {
			if !strings.HasPrefix(e.Purpose, "核查A1") {
				t.Errorf("filtered entry %q", e.Purpose)
			}
		}
	})
}
