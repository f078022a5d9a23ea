package storage_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/storage"
)

// derivedFixture has verifications with hits by two departments in two
// scenarios on two days, feedback given on the second day to a hit of the
// first, and a code that named no subject (verified_codes).
type derivedFixture struct {
	*listFixture
	unknown string // the valid USCC that named no subject
	v1, v3  int64  // f.user's verifications of f.company and unknown on day one and day two
	other   int64  // a verification by f.lister
}

func newDerivedFixture(t *testing.T, open opener) *derivedFixture {
	t.Helper()
	f := &derivedFixture{listFixture: newListFixture(t, open), unknown: uscc(t, "91220104MA0Y9999")}
	f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕1号"))
	verifyAs := func(d credit.DepartmentID, scenario string, qs ...lists.Query) *lists.Verification {
		t.Helper()
		dep := f.user
		if d == f.lister.ID {
			dep = f.lister
		}
		ctx := credit.NewContextWithActor(t.Context(), deptCtx(dep))
		v, err := f.db.Verify(ctx, lists.VerificationRequest{Scenario: scenario, Purpose: "2026年办公设备采购项目", Subjects: qs})
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if v.Hits == 0 {
			t.Fatalf("verification %d: want a hit", v.ID)
		}
		return v
	}
	// Day one.
	v1 := verifyAs(f.user.ID, "政府采购", lists.Query{Code: f.company}, lists.Query{Code: f.unknown})
	f.other = verifyAs(f.lister.ID, "招标投标", lists.Query{Code: f.company}).ID
	verifyAs(f.user.ID, "政府采购", lists.Query{Code: f.company})
	// Day two: feedback on the first verification, more verifications.
	day2 := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	f.db.Now = func() time.Time { return day2 }
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
	if _, err := f.db.CreateFeedback(ctx, v1.ID, []lists.Feedback{{Seq: 1, MeasureCode: "N1-01", Applied: true, AppliedOn: "2026-11-20"}}); err != nil {
		t.Fatalf("CreateFeedback: %v", err)
	}
	v3 := verifyAs(f.user.ID, "招标投标", lists.Query{Code: f.company}, lists.Query{Code: f.unknown})
	verifyAs(f.lister.ID, "政府采购", lists.Query{Code: f.company}, lists.Query{Code: f.unknown})
	f.v1, f.v3 = v1.ID, v3.ID
	return f
}

func wantDerivedInvalid(t *testing.T, db *storage.DB, names ...string) {
	t.Helper()
	rep, err := db.VerifyLedger(sys())
	if err == nil {
		t.Fatalf("VerifyLedger = %+v, nil; want an error naming %q", rep, names)
	}
	t.Log(err)
	for _, n := range names {
		if !strings.Contains(err.Error(), n) {
			t.Fatalf("VerifyLedger: %v; want it to name %q", err, n)
		}
	}
}

func TestVerifyDerivedUntampered(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newDerivedFixture(t, open)
		// The feedback moved a hit to the day it was given.
		var moved int
		if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM verification_hit_days WHERE day = '2026-11-20' AND feedback_day = '2026-11-23' AND hits = 1`).Scan(&moved); err != nil || moved != 1 {
			t.Fatalf("hits moved = %d, %v; want 1", moved, err)
		}
		wantLedgerValid(t, f.db)
		if _, err := f.db.SealVerifications(sys()); err != nil {
			t.Fatal(err)
		}
		wantLedgerValid(t, f.db)
	})
}

// execSQL changes the database behind the platform's back; args are
// formatted into q (fmt verbs).
func execSQL(t *testing.T, db *storage.DB, q string, args ...any) {
	t.Helper()
	storage.Tamper(t, db, fmt.Sprintf(q, args...))
}

func TestVerifyDerivedTampered(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, f *derivedFixture)
		want   []string
	}{
		{"DaysHits", func(t *testing.T, f *derivedFixture) {
			execSQL(t, f.db, `UPDATE verification_days SET hits = hits + 5 WHERE department_id = %d`, f.user.ID)
		}, []string{"verification_days", "命中"}},
		{"DaysVerifications", func(t *testing.T, f *derivedFixture) {
			execSQL(t, f.db, `UPDATE verification_days SET verifications = 1 WHERE department_id = %d AND scenario = '政府采购' AND day = '2026-11-20'`, f.user.ID)
		}, []string{"verification_days", "2026-11-20", "记录核查2次，统计表为1次"}},
		{"DaysDeleted", func(t *testing.T, f *derivedFixture) {
			execSQL(t, f.db, `DELETE FROM verification_days WHERE department_id = %d AND scenario = '招标投标'`, f.lister.ID)
		}, []string{"verification_days", "招标投标"}},
		{"HitDaysChanged", func(t *testing.T, f *derivedFixture) {
			execSQL(t, f.db, `UPDATE verification_hit_days SET hits = hits + 1 WHERE feedback_day <> ''`)
		}, []string{"verification_hit_days", "2026-11-23反馈"}},
		{"HitDaysMoved", func(t *testing.T, f *derivedFixture) {
			execSQL(t, f.db, `UPDATE verification_hit_days SET feedback_day = '2026-11-21' WHERE feedback_day <> ''`)
		}, []string{"verification_hit_days"}},
		{"HitDaysDeleted", func(t *testing.T, f *derivedFixture) {
			execSQL(t, f.db, `DELETE FROM verification_hit_days WHERE department_id = %d`, f.lister.ID)
		}, []string{"verification_hit_days"}},
		{"SubjectsDeleted", func(t *testing.T, f *derivedFixture) {
			execSQL(t, f.db, `DELETE FROM verified_subjects`)
		}, []string{"verified_subjects", "没有该记录"}},
		{"SubjectsStale", func(t *testing.T, f *derivedFixture) {
			// Pointed at the department's older verification of the subject.
			execSQL(t, f.db, `UPDATE verified_subjects SET verification_id = %d, at = (SELECT at FROM verifications WHERE id = %d) WHERE department_id = %d`, f.v1, f.v1, f.user.ID)
		}, []string{"verified_subjects", "预警表记为"}},
		{"SubjectsWrongVerification", func(t *testing.T, f *derivedFixture) {
			execSQL(t, f.db, `UPDATE verified_subjects SET verification_id = %d WHERE department_id = %d`, f.other, f.user.ID)
		}, []string{"verified_subjects", "该核查记录为部门"}},
		{"SubjectsMissingVerification", func(t *testing.T, f *derivedFixture) {
			execSQL(t, f.db, `UPDATE verified_subjects SET verification_id = 999999 WHERE department_id = %d`, f.user.ID)
		}, []string{"verified_subjects", "不存在"}},
		{"CodesDeleted", func(t *testing.T, f *derivedFixture) {
			execSQL(t, f.db, `DELETE FROM verified_codes`)
		}, []string{"verified_codes", "代码91220104MA0Y9999", "没有该记录"}},
		{"CodesStale", func(t *testing.T, f *derivedFixture) {
			execSQL(t, f.db, `UPDATE verified_codes SET verification_id = %d, at = (SELECT at FROM verifications WHERE id = %d) WHERE department_id = %d`, f.v1, f.v1, f.user.ID)
		}, []string{"verified_codes", "预警表记为"}},
		{"CodesWrongVerification", func(t *testing.T, f *derivedFixture) {
			execSQL(t, f.db, `UPDATE verified_codes SET verification_id = %d WHERE department_id = %d`, f.other, f.user.ID)
		}, []string{"verified_codes", "该核查记录为部门"}},
	}
	forBothDialects(t, func(t *testing.T, open opener) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				f := newDerivedFixture(t, open)
				// Sealed: the seals hold, so the difference is the derived table's.
				if _, err := f.db.SealVerifications(sys()); err != nil {
					t.Fatal(err)
				}
				wantLedgerValid(t, f.db)
				c.tamper(t, f)
				wantDerivedInvalid(t, f.db, c.want...)
			})
		}
	})
}
