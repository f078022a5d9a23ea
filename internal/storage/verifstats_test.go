package storage_test

import (
	"testing"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
)

func TestVerificationStatsWhoSQLite(t *testing.T)   { testVerificationStatsWho(t, openSQLite) }
func TestVerificationStatsWhoPostgres(t *testing.T) { testVerificationStatsWho(t, openPostgres) }

// Administrators who verify are owed no feedback (they implement no
// measure): no deadline, never 逾期未反馈, not in the feedback rate; and
// two of them are two rows of the statistics, not one.
func testVerificationStatsWho(t *testing.T, open opener) {
	f := newListFixture(t, open)
	if rc := f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕51号")); rc.Accepted != 1 {
		t.Fatalf("listing: %+v", rc)
	}
	req := lists.VerificationRequest{Scenario: "政府采购", Purpose: "2026年办公设备采购项目", Subjects: []lists.Query{{Code: f.company}}}
	for _, name := range []string{"长春市甲", "长春市乙"} {
		ctx := credit.NewContextWithActor(t.Context(), credit.Actor{Role: credit.RoleRegion, RegionCode: "220100", Name: name, Channel: "console"})
		v, err := f.db.Verify(ctx, req)
		if err != nil {
			t.Fatalf("%s verifies: %v", name, err)
		}
		if v.Hits != 1 || v.FeedbackDue != "" || v.Results[0].Feedback != nil {
			t.Errorf("%s's verification: hits %d, feedback due %q (%+v); want a hit with no feedback owed", name, v.Hits, v.FeedbackDue, v.Results[0].Feedback)
		}
	}
	f.verify(t, "政府采购", lists.Query{Code: f.company}) // the department: feedback owed

	now := f.db.Now
	f.db.Now = func() time.Time { return now().AddDate(0, 1, 0) } // the deadline long past
	st, err := f.db.VerificationStats(sys(), lists.StatsFilter{})
	f.db.Now = now
	if err != nil {
		t.Fatal(err)
	}
	if st.Total.Hits != 3 || st.Total.FeedbackExpected != 1 || st.Total.Overdue != 1 || st.Total.FeedbackRate != 0 {
		t.Errorf("totals %+v; want 3 hits, 1 owed feedback, 1 overdue", st.Total)
	}
	admins := map[string]int{}
	for _, r := range st.Rows {
		if r.DepartmentID == 0 {
			admins[r.DepartmentName] += r.Verifications
			if r.Overdue != 0 || r.FeedbackExpected != 0 {
				t.Errorf("administrator's row %+v: owes feedback", r)
			}
		}
	}
	if len(admins) != 2 {
		t.Errorf("administrators' rows %v; want one each for 长春市甲 and 长春市乙", admins)
	}
}
