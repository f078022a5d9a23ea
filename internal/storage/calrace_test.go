package storage

import (
	"strings"
	"testing"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/workday"
)

// calTable is a made-up, well-formed table of year: 元旦 on 1 January
// (and 2 January when long), 劳动节 from 1 to 5 May, 国庆节 from 1 to 7
// October.
func calTable(year int, long bool) []workday.Entry {
	out := []workday.Entry{{Date: credit.MakeDate(year, time.January, 1), Kind: workday.Holiday, Name: "元旦"}}
	if long {
		out = append(out, workday.Entry{Date: credit.MakeDate(year, time.January, 2), Kind: workday.Holiday, Name: "元旦"})
	}
	for d := 1; d <= 5; d++ {
		out = append(out, workday.Entry{Date: credit.MakeDate(year, time.May, d), Kind: workday.Holiday, Name: "劳动节"})
	}
	for d := 1; d <= 7; d++ {
		out = append(out, workday.Entry{Date: credit.MakeDate(year, time.October, d), Kind: workday.Holiday, Name: "国庆节"})
	}
	return out
}

// wantCovered checks that err refuses a load of a year covered already,
// for want of --replace.
func wantCovered(t *testing.T, what string, err error) {
	t.Helper()
	if credit.ErrorCode(err) != credit.ECONFLICT || !strings.Contains(credit.ErrorMessage(err), "已有工作日历") || !strings.Contains(credit.ErrorMessage(err), "--replace") {
		t.Errorf("%s = %v, want ECONFLICT asking for --replace", what, err)
	}
}

// TestStoreCalendarYear: a year the calendar covers is replaced only when
// asked to, and each load reports itself.
func TestStoreCalendarYear(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *DB, clock *testClock) {
		ctx := hookSys()
		y, err := db.StoreCalendarYear(ctx, 2027, calTable(2027, false), false)
		if err != nil {
			t.Fatalf("first load of 2027: %v", err)
		}
		if want := (CalendarYear{Year: 2027, Source: CalendarDatabase, Holidays: 13, Loads: 1, LoadedBy: credit.System.Label(), LoadedAt: clock.now()}); *y != want {
			t.Errorf("first load of 2027 = %+v, want %+v", *y, want)
		}
		_, err = db.StoreCalendarYear(ctx, 2027, calTable(2027, true), false)
		wantCovered(t, "2027 again without replace", err)
		// The embedded table's years are covered too.
		_, err = db.StoreCalendarYear(ctx, 2026, calTable(2026, false), false)
		wantCovered(t, "2026 (embedded) without replace", err)
		clock.add(time.Hour)
		if y, err = db.StoreCalendarYear(ctx, 2027, calTable(2027, true), true); err != nil {
			t.Fatalf("2027 again, replacing: %v", err)
		}
		if y.Loads != 2 || y.Holidays != 14 || !y.LoadedAt.Equal(clock.now()) {
			t.Errorf("2027 replaced = %+v, want the second load, of 14 days off", *y)
		}
		var audits int
		if err := db.sql.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'calendar.load'`).Scan(&audits); err != nil {
			t.Fatal(err)
		}
		if audits != 2 {
			t.Errorf("%d calendar.load entries, want 2 (refused loads are not audited)", audits)
		}
		hookLedgerIntact(t, db)
	})
}

// TestStoreCalendarYearRace: two loads of a year not yet loaded, at once,
// the second while the first has taken its version and not yet stored
// it: without replace, one is stored and the other refused; with replace,
// both are stored, one after the other, each reporting its own version.
func TestStoreCalendarYearRace(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *DB, clock *testClock) {
		ctx := hookSys()
		// loadTwice loads tables[0] and, once its transaction has taken
		// the version, tables[1].
		loadTwice := func(replace bool, tables [2][]workday.Entry) (ys [2]*CalendarYear, errs [2]error) {
			first := true
			second := make(chan struct{})
			setTestHook(t, &calendarVersioned, func(int, int) {
				if !first {
					return
				}
				first = false
				before := db.write.Stats().WaitCount
				go func() {
					defer close(second)
					ys[1], errs[1] = db.StoreCalendarYear(ctx, 2027, tables[1], replace)
				}()
				hookWaitForWriter(t, db, before, second)
			})
			ys[0], errs[0] = db.StoreCalendarYear(ctx, 2027, tables[0], replace)
			<-second
			calendarVersioned = nil
			return ys, errs
		}
		a, b := calTable(2027, false), calTable(2027, true)

		ys, errs := loadTwice(false, [2][]workday.Entry{a, b})
		if errs[0] != nil || ys[0].Loads != 1 {
			t.Errorf("the first load: %+v, %v; want stored as the first load", ys[0], errs[0])
		}
		wantCovered(t, "the second load, without replace", errs[1])
		if err := db.ReloadCalendar(t.Context()); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range db.Calendar().Entries() {
			if e.Date.Year() == 2027 {
				n++
			}
		}
		if n != len(a) {
			t.Errorf("2027 has %d entries, want the first load's %d", n, len(a))
		}

		ys, errs = loadTwice(true, [2][]workday.Entry{b, a})
		for i, want := range []int{2, 3} {
			if errs[i] != nil || ys[i].Loads != want {
				t.Errorf("load %d with replace: %+v, %v; want stored as load %d", i, ys[i], errs[i], want)
			}
		}
		hookLedgerIntact(t, db)
	})
}
