package storage_test

import (
	"testing"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
)

// TestCorrectionKeepsTimeliness checks that a new version of a record is
// as late as the decision's first report: correcting a record reported in
// time does not make it 超期报送, correcting a late one does not make it
// timely, and a correction that moves the decision date is counted from the
// new date to the first report.
func TestCorrectionKeepsTimeliness(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		at := func(day string) {
			d, err := time.ParseInLocation("2006-01-02 15:04", day+" 10:00", credit.Shanghai)
			if err != nil {
				t.Fatal(err)
			}
			f.db.Now = func() time.Time { return d }
		}
		current := func(wsh string) (late bool, days int) {
			t.Helper()
			err := f.db.SQL().QueryRow(`SELECT late, late_days FROM records WHERE is_current AND class = 'penalty' AND fields LIKE '%' || $1 || '%'`, wsh).Scan(&late, &days)
			if err != nil {
				t.Fatal(err)
			}
			return late, days
		}
		cal := f.db.Calendar()
		wd := func(from, to string) int {
			a, _ := record.ParseDate(from)
			b, _ := record.ParseDate(to)
			return cal.WorkingDaysBetween(a, b)
		}

		at("2026-11-03")
		f.submit(t, "penalty", "first.csv", csvBytes(t, penaltyHeader,
			f.penaltyRow("长市监罚〔2026〕21号", "警告", "", "2026-11-02"),
			f.penaltyRow("长市监罚〔2026〕22号", "警告", "", "2026-10-09"),
		))
		if late, days := current("长市监罚〔2026〕21号"); late || days != 1 {
			t.Fatalf("timely first report: late %v, %d days", late, days)
		}
		lateDays := wd("2026-10-09", "2026-11-03")
		if late, days := current("长市监罚〔2026〕22号"); !late || days != lateDays {
			t.Fatalf("late first report: late %v, %d days, want %d", late, days, lateDays)
		}

		at("2026-11-27")
		got := f.submit(t, "penalty", "corrected.csv", csvBytes(t, penaltyHeader,
			f.penaltyRow("长市监罚〔2026〕21号", "警告;罚款", "0.5", "2026-11-02"),
			f.penaltyRow("长市监罚〔2026〕22号", "警告;罚款", "0.5", "2026-10-09"),
		))
		if got.Accepted != 2 || got.Late != 1 {
			t.Fatalf("corrections: %+v, want 2 accepted, the late one's correction late", got)
		}
		if late, days := current("长市监罚〔2026〕21号"); late || days != 1 {
			t.Errorf("correction of a timely report: late %v, %d days; want as first reported (1 day)", late, days)
		}
		if late, days := current("长市监罚〔2026〕22号"); !late || days != lateDays {
			t.Errorf("correction of a late report: late %v, %d days; want %d", late, days, lateDays)
		}

		// The decision date corrected: counted from the new date to the
		// first report (11-03), within one batch with a second version.
		f.submit(t, "penalty", "moved.csv", csvBytes(t, penaltyHeader,
			f.penaltyRow("长市监罚〔2026〕21号", "警告", "", "2026-10-20"),
			f.penaltyRow("长市监罚〔2026〕22号", "警告", "", "2026-10-30"),
			f.penaltyRow("长市监罚〔2026〕22号", "警告;罚款", "1", "2026-10-30"),
		))
		want := wd("2026-10-20", "2026-11-03")
		if late, days := current("长市监罚〔2026〕21号"); late != (want > 7) || days != want {
			t.Errorf("decision date moved earlier: late %v, %d days; want %d", late, days, want)
		}
		want = wd("2026-10-30", "2026-11-03")
		if late, days := current("长市监罚〔2026〕22号"); late || days != want {
			t.Errorf("decision date moved later: late %v, %d days; want %d", late, days, want)
		}
		if _, err := f.db.VerifyLedger(sys()); err != nil {
			t.Fatal(err)
		}
	})
}
