package storage_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/storage"
	"jlcredit/internal/workday"
)

func TestCalendarSQLite(t *testing.T)   { testCalendar(t, openSQLite) }
func TestCalendarPostgres(t *testing.T) { testCalendar(t, openPostgres) }

func testCalendar(t *testing.T, open opener) {
	t.Run("Load", func(t *testing.T) { testCalendarLoad(t, open) })
	t.Run("Invalid", func(t *testing.T) { testCalendarInvalid(t, open) })
	t.Run("Forbidden", func(t *testing.T) { testCalendarForbidden(t, open) })
	t.Run("Concurrent", func(t *testing.T) { testCalendarConcurrent(t, open) })
}

// testCalendarConcurrent loads two different tables of one year at once,
// a few times: each time the year in force is one of them whole, never
// their union.
func testCalendarConcurrent(t *testing.T, open opener) {
	db := open(t)
	a := madeUp2027()
	b := append([]workday.Entry{{Date: credit.MakeDate(2027, time.February, 8), Kind: workday.Holiday, Name: "春节"}}, padding(2027)...)
	for round := range 4 {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, table := range [][]workday.Entry{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.LoadCalendarYear(sys(), 2027, table)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if err := db.ReloadCalendar(t.Context()); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range db.Calendar().Entries() {
			if e.Date.Year() == 2027 {
				n++
			}
		}
		if n != len(a) && n != len(b) {
			t.Fatalf("round %d: 2027 has %d entries, want %d or %d (one table, not both)", round, n, len(a), len(b))
		}
	}
}

// madeUp2027 is a made-up table for 2027, well formed but not the State
// Council's notice: 元旦 from Friday 1 to Monday 4 January, made up on
// Saturday 9 January.
func madeUp2027() []workday.Entry {
	return append([]workday.Entry{
		{Date: credit.MakeDate(2027, time.January, 2), Kind: workday.Holiday, Name: "元旦"},
		{Date: credit.MakeDate(2027, time.January, 3), Kind: workday.Holiday, Name: "元旦"},
		{Date: credit.MakeDate(2027, time.January, 4), Kind: workday.Holiday, Name: "元旦"},
		{Date: credit.MakeDate(2027, time.January, 9), Kind: workday.Workday, Name: "元旦"},
	}, padding(2027)...)
}

// padding is the rest of a made-up year: 元旦 on 1 January, 劳动节 from 1
// to 5 May and 国庆节 from 1 to 7 October, 13 days off, so that a table with
// a few days of its own has the statutory minimum and the holidays on fixed
// dates (workday.ValidateYear).
func padding(year int) []workday.Entry {
	out := []workday.Entry{{Date: credit.MakeDate(year, time.January, 1), Kind: workday.Holiday, Name: "元旦"}}
	for d := 1; d <= 5; d++ {
		out = append(out, workday.Entry{Date: credit.MakeDate(year, time.May, d), Kind: workday.Holiday, Name: "劳动节"})
	}
	for d := 1; d <= 7; d++ {
		out = append(out, workday.Entry{Date: credit.MakeDate(year, time.October, d), Kind: workday.Holiday, Name: "国庆节"})
	}
	return out
}

// wantAdd checks db.Calendar().AddWorkingDays(from, n).
func wantAdd(t *testing.T, db *storage.DB, from string, n int, want string) {
	t.Helper()
	d, err := time.Parse(credit.DateLayout, from)
	if err != nil {
		t.Fatal(err)
	}
	if got := db.Calendar().AddWorkingDays(d, n).Format(credit.DateLayout); got != want {
		t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", from, n, got, want)
	}
}

// calendarYear returns the CalendarYears entry of year.
func calendarYear(t *testing.T, db *storage.DB, year int) (storage.CalendarYear, bool) {
	t.Helper()
	ys, err := db.CalendarYears(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range ys {
		if y.Year == year {
			return y, true
		}
	}
	return storage.CalendarYear{}, false
}

func testCalendarLoad(t *testing.T, open opener) {
	db := open(t)
	ctx := sys()
	// Before: 2027 is not covered; 1 January (a fixed-date holiday) is off
	// all the same, and Monday 4 January is a working day.
	if db.Calendar().Covered(2027) {
		t.Fatal("Covered(2027) before any load")
	}
	wantAdd(t, db, "2026-12-31", 1, "2027-01-04")
	if _, ok := calendarYear(t, db, 2027); ok {
		t.Error("CalendarYears lists 2027 before any load")
	}

	audits := auditCount(t, db)
	if err := db.LoadCalendarYear(ctx, 2027, madeUp2027()); err != nil {
		t.Fatalf("LoadCalendarYear: %v", err)
	}
	if !db.Calendar().Covered(2027) || !db.Calendar().Covered(2026) {
		t.Errorf("Covered(2027), Covered(2026) = %v, %v, want true, true", db.Calendar().Covered(2027), db.Calendar().Covered(2026))
	}
	wantAdd(t, db, "2026-12-31", 1, "2027-01-05") // 元旦 skipped
	wantAdd(t, db, "2027-01-08", 1, "2027-01-09") // the make-up Saturday counts
	wantAdd(t, db, "2026-12-30", 10, "2027-01-14")
	wantAdd(t, db, "2026-02-13", 2, "2026-02-24") // embedded 2026 untouched

	// Audited, in the audit log's tree.
	if got := auditCount(t, db); got != audits+1 {
		t.Errorf("audit entries = %d, want %d", got, audits+1)
	}
	var action, objectID, actor, detail string
	err := db.SQL().QueryRow(`SELECT action, object_id, actor, detail FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&action, &objectID, &actor, &detail)
	if err != nil {
		t.Fatal(err)
	}
	if action != "calendar.load" || objectID != "2027" || actor != credit.System.Label() || !strings.Contains(detail, `"version":1`) {
		t.Errorf("audit entry = %s %s %s %s, want calendar.load 2027 by %s, version 1", action, objectID, actor, detail, credit.System.Label())
	}
	if _, err := db.VerifyLedger(ctx); err != nil {
		t.Errorf("VerifyLedger after the load: %v", err)
	}

	y, ok := calendarYear(t, db, 2027)
	if !ok || y.Source != storage.CalendarDatabase || y.Holidays != 16 || y.Workdays != 1 || y.Loads != 1 || y.LoadedBy != credit.System.Label() || !y.LoadedAt.Equal(db.Now().UTC().Truncate(time.Microsecond)) {
		t.Errorf("CalendarYears 2027 = %+v, %v", y, ok)
	}
	if y, ok := calendarYear(t, db, 2015); !ok || y.Source != storage.CalendarEmbedded || y.Loads != 0 || y.Holidays == 0 {
		t.Errorf("CalendarYears 2015 = %+v, %v", y, ok)
	}

	// Loading again replaces the year; the first load stays on record.
	again := padding(2027)
	if err := db.LoadCalendarYear(ctx, 2027, again); err != nil {
		t.Fatalf("LoadCalendarYear again: %v", err)
	}
	wantAdd(t, db, "2026-12-31", 1, "2027-01-04") // 4 January is a working day again
	wantAdd(t, db, "2027-01-08", 1, "2027-01-11") // 9 January is an ordinary Saturday again
	if y, _ := calendarYear(t, db, 2027); y.Loads != 2 || y.Holidays != 13 || y.Workdays != 0 {
		t.Errorf("CalendarYears 2027 after the second load = %+v", y)
	}
	var rows int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM calendar_entries WHERE year = 2027`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if want := len(madeUp2027()) + len(again); rows != want {
		t.Errorf("calendar_entries of 2027 = %d rows, want %d (both loads kept)", rows, want)
	}
	if got := auditCount(t, db); got != audits+2 {
		t.Errorf("audit entries = %d, want %d", got, audits+2)
	}

	// A database year replaces an embedded year.
	if err := db.LoadCalendarYear(ctx, 2026, append([]workday.Entry{{Date: credit.MakeDate(2026, time.March, 2), Kind: workday.Holiday, Name: "测试"}}, padding(2026)...)); err != nil {
		t.Fatal(err)
	}
	wantAdd(t, db, "2026-02-13", 1, "2026-02-16") // the embedded 春节 2026 is gone
	wantAdd(t, db, "2026-02-27", 1, "2026-03-03")
	if y, _ := calendarYear(t, db, 2026); y.Source != storage.CalendarDatabase || y.Holidays != 14 {
		t.Errorf("CalendarYears 2026 = %+v, want from the database", y)
	}
}

func testCalendarInvalid(t *testing.T, open opener) {
	db := open(t)
	ctx := sys()
	audits := auditCount(t, db)
	for _, test := range []struct {
		name  string
		entry workday.Entry
		want  string
	}{
		{"ErrOtherYear", workday.Entry{Date: credit.MakeDate(2026, time.December, 31), Kind: workday.Holiday, Name: "元旦"}, "2026-12-31"},
		{"ErrWorkdayOnWeekday", workday.Entry{Date: credit.MakeDate(2027, time.January, 5), Kind: workday.Workday, Name: "元旦"}, "2027-01-05"},
		{"ErrTwice", workday.Entry{Date: credit.MakeDate(2027, time.January, 2), Kind: workday.Holiday, Name: "元旦"}, "2027-01-02"},
	} {
		t.Run(test.name, func(t *testing.T) {
			err := db.LoadCalendarYear(ctx, 2027, append(madeUp2027(), test.entry))
			if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), test.want) {
				t.Errorf("LoadCalendarYear = %v, want EINVALID naming %s", err, test.want)
			}
		})
	}
	if err := db.LoadCalendarYear(ctx, 2027, nil); credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("LoadCalendarYear(no entries) = %v, want EINVALID", err)
	}
	if db.Calendar().Covered(2027) {
		t.Error("Covered(2027) after only invalid loads")
	}
	if got := auditCount(t, db); got != audits {
		t.Errorf("audit entries = %d after invalid loads, want %d", got, audits)
	}
}

func testCalendarForbidden(t *testing.T, open opener) {
	db := open(t)
	for _, a := range []credit.Actor{
		credit.Public,
		{Role: credit.RoleRegion, Name: "changchun", RegionCode: "220100"},
		{Role: credit.RoleDepartment, DepartmentID: 1, DepartmentCode: "x"},
		{Role: credit.RoleAuditor, Name: "auditor"},
	} {
		ctx := credit.NewContextWithActor(context.Background(), a)
		if err := db.LoadCalendarYear(ctx, 2027, madeUp2027()); credit.ErrorCode(err) != credit.EFORBIDDEN {
			t.Errorf("LoadCalendarYear as %s = %v, want EFORBIDDEN", a.Label(), err)
		}
	}
	province := credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleProvince, Name: "admin", Channel: "web"})
	if err := db.LoadCalendarYear(province, 2027, madeUp2027()); err != nil {
		t.Errorf("LoadCalendarYear as a province administrator: %v", err)
	}
	if y, _ := calendarYear(t, db, 2027); y.LoadedBy != "province:admin" {
		t.Errorf("2027 loaded by %q, want province:admin", y.LoadedBy)
	}
}

// TestCalendarReopen checks that a loaded year is in the calendar of a
// database opened again, after Migrate and after RequireSchema (how
// `credit serve` opens PostgreSQL).
func TestCalendarReopen(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "credit.db")
	reopen := func(migrate bool) *storage.DB {
		t.Helper()
		db, err := storage.Open(ctx, dsn, storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if migrate {
			err = db.Migrate(ctx)
		} else {
			err = db.RequireSchema(ctx)
		}
		if err != nil {
			db.Close()
			t.Fatal(err)
		}
		return db
	}
	db := reopen(true)
	if err := db.LoadCalendarYear(sys(), 2027, madeUp2027()); err != nil {
		db.Close()
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, migrate := range []bool{true, false} {
		db := reopen(migrate)
		if !db.Calendar().Covered(2027) {
			t.Errorf("migrate=%v: Covered(2027) = false after reopening", migrate)
		}
		wantAdd(t, db, "2026-12-31", 1, "2027-01-05")
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCalendarReload checks that a process that keeps the database open (a
// running server) counts with a year another process loaded once it calls
// ReloadCalendar, without reopening.
func TestCalendarReload(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "credit.db")
	open := func() *storage.DB {
		t.Helper()
		db, err := storage.Open(ctx, dsn, storage.Options{EphemeralKeys: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return db
	}
	server, cli := open(), open()
	if err := cli.LoadCalendarYear(sys(), 2027, madeUp2027()); err != nil {
		t.Fatal(err)
	}
	if server.Calendar().Covered(2027) {
		t.Fatal("the server's calendar changed without a reload; this test cannot tell")
	}
	if err := server.ReloadCalendar(ctx); err != nil {
		t.Fatal(err)
	}
	wantAdd(t, server, "2026-12-31", 1, "2027-01-05")
}

// TestFeedbackDueFollowsCalendar checks that a verification's 反馈期限 is
// read by the calendar in force, as the statistics count it: verified on
// 2026-12-21 before 2027's 放假安排 was loaded, the stored deadline counts
// 4 January (a day off of that year's 元旦) as a working day; once the year
// is loaded the list, the answer and the statistics all give the later
// date, and none calls it overdue before then.
func TestFeedbackDueFollowsCalendar(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newListFixture(t, open)
		now := time.Date(2026, 12, 21, 2, 0, 0, 0, time.UTC)
		f.db.Now = func() time.Time { return now }
		f.submitAs(t, f.lister, f.blackRow("吉人社〔2026〕1号"))
		v := f.verify(t, "政府采购", lists.Query{Code: f.company})
		before := f.db.Calendar().AddWorkingDays(credit.MakeDate(2026, time.December, 21), lists.FeedbackDays).Format(credit.DateLayout)
		if v.Hits != 1 || v.FeedbackDue != before {
			t.Fatalf("verification: %d hits, due %s; want 1, %s", v.Hits, v.FeedbackDue, before)
		}
		if err := f.db.LoadCalendarYear(sys(), 2027, madeUp2027()); err != nil {
			t.Fatal(err)
		}
		after := f.db.Calendar().AddWorkingDays(credit.MakeDate(2026, time.December, 21), lists.FeedbackDays).Format(credit.DateLayout)
		if after <= before {
			t.Fatalf("loading 2027 did not move the deadline (%s, %s)", before, after)
		}
		now = time.Date(2027, 1, 6, 2, 0, 0, 0, time.UTC) // after the stored date, on or before the new one
		if now.Format(credit.DateLayout) <= before || now.Format(credit.DateLayout) > after {
			t.Fatalf("clock %s not between %s and %s", now, before, after)
		}
		ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
		vs, _, err := f.db.FindVerifications(ctx, lists.StatsFilter{}, 0, 10)
		if err != nil || len(vs) != 1 {
			t.Fatalf("FindVerifications: %d, %v", len(vs), err)
		}
		if got := vs[0]; got.FeedbackDue != after || got.Results[0].Feedback == nil || got.Results[0].Feedback.Due != after {
			t.Errorf("listed due %s (hit: %+v), want %s", got.FeedbackDue, got.Results[0].Feedback, after)
		}
		st, err := f.db.VerificationStats(ctx, lists.StatsFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range st.Rows {
			if r.Overdue != 0 {
				t.Errorf("statistics call %d hits overdue before %s: %+v", r.Overdue, after, r)
			}
		}
	})
}

// TestUncoveredYear checks the warning that the calendar lacks the year of
// the day 60 days ahead: none in October, 2027 from November (as the
// embedded table ends with 2026), none once 2027 is loaded.
func TestUncoveredYear(t *testing.T) {
	db := openSQLite(t)
	for _, test := range []struct {
		now  time.Time
		want int
	}{
		{time.Date(2026, 10, 15, 2, 0, 0, 0, time.UTC), 0},
		{time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC), 2027},
	} {
		db.Now = func() time.Time { return test.now }
		if got := db.UncoveredYear(); got != test.want {
			t.Errorf("UncoveredYear on %s = %d, want %d", test.now.Format(credit.DateLayout), got, test.want)
		}
	}
	if msg := db.CalendarWarning(); !strings.Contains(msg, "2027年的放假安排") {
		t.Errorf("CalendarWarning = %q", msg)
	}
	if err := db.LoadCalendarYear(sys(), 2027, madeUp2027()); err != nil {
		t.Fatal(err)
	}
	if got, msg := db.UncoveredYear(), db.CalendarWarning(); got != 0 || msg != "" {
		t.Errorf("after loading 2027: %d, %q", got, msg)
	}
}
