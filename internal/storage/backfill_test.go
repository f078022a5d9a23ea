package storage_test

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/storage"
)

// verifiedCode is a row of verified_codes.
type verifiedCode struct {
	key          string
	department   int64
	verification int64
	at           time.Time
}

func verifiedCodes(t *testing.T, db *storage.DB) []verifiedCode {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT code_key, department_id, verification_id, at FROM verified_codes ORDER BY code_key, department_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []verifiedCode
	for rows.Next() {
		var c verifiedCode
		var vid sql.NullInt64
		if err := rows.Scan(&c.key, &c.department, &vid, &c.at); err != nil {
			t.Fatal(err)
		}
		c.verification, c.at = vid.Int64, c.at.UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBackfillVerifiedCodes: a database upgraded from a build before
// migration 0015 has the verifications of codes that named no subject, but
// no verified_codes rows for them. Migration 0020 writes, from the stored
// answers, the rows Verify would have written for the last 90 days, and
// listing such a code's subject then alerts the departments that verified
// it (核查预警).
func TestBackfillVerifiedCodes(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newListFixture(t, open)
		housing := &access.Department{Code: uscc(t, "11220000MB000055"), Name: "吉林省住房和城乡建设厅", RegionCode: "220000", Kind: "housing"}
		if err := f.db.UpsertDepartment(sys(), housing); err != nil {
			t.Fatal(err)
		}
		legacy := badCheck(uscc(t, "91220105MA0Y7777"))
		if err := f.db.AddLegacyCode(sys(), legacy, "试点期间赋码"); err != nil {
			t.Fatal(err)
		}
		// Valid codes the platform does not know, and the same codes with
		// a wrong 18th or 17th check character.
		const charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
		rnd := rand.New(rand.NewPCG(20, 26))
		var qs []lists.Query
		for range 150 {
			b := []byte("91220101")
			for range 8 {
				b = append(b, charset[rnd.IntN(len(charset))])
			}
			code := uscc(t, string(b))
			bad18 := code[:17] + string(charset[(strings.IndexByte(charset, code[17])+1+rnd.IntN(len(charset)-1))%len(charset)])
			bad17 := code[:16] + string("0123456789X"[(strings.IndexByte("0123456789X", code[16])+1+rnd.IntN(10))%11]) + code[17:]
			qs = append(qs, lists.Query{Code: code}, lists.Query{Code: bad18}, lists.Query{Code: bad17})
		}
		qs = append(qs, lists.Query{Code: legacy}, lists.Query{Code: f.rep}, lists.Query{Code: "91220101MA0Y000"}, lists.Query{Name: "长春某某商贸有限公司"})

		// The migration keeps the verifications of the real last 90 days:
		// these are dated by the real clock.
		fixed := f.db.Now
		now := time.Now().UTC().Truncate(time.Second)
		verify := func(d *access.Department, at time.Time, qs ...lists.Query) *lists.Verification {
			t.Helper()
			f.db.Now = func() time.Time { return at }
			defer func() { f.db.Now = fixed }()
			v, err := f.db.Verify(credit.NewContextWithActor(t.Context(), deptCtx(d)), lists.VerificationRequest{Scenario: "政府采购", Purpose: "采购项目供应商审查", Subjects: qs})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		verify(f.user, now.Add(-100*24*time.Hour), lists.Query{Code: uscc(t, "91220101MA0Y0100")}, lists.Query{Code: f.company})
		verify(housing, now.Add(-3*time.Hour), lists.Query{Code: f.company}, lists.Query{Code: f.rep})
		verify(f.user, now.Add(-2*time.Hour), append(slices.Clone(qs), lists.Query{Code: f.company})...)
		latest := verify(f.user, now.Add(-time.Hour), lists.Query{Code: f.company, Name: "长春（北辰）建筑工程有限公司"}, lists.Query{Code: f.watched})
		byHousing := verify(housing, now.Add(-30*time.Minute), lists.Query{Code: f.company})

		// What Verify wrote, less what the answers cannot give back: the
		// keyed hashes of citizen ID numbers (stored masked), and rows of
		// verifications more than 90 days old.
		var want []verifiedCode
		for _, c := range verifiedCodes(t, f.db) {
			if strings.HasPrefix(c.key, "U:") && c.at.After(now.AddDate(0, 0, -lists.AlertDays)) {
				want = append(want, c)
			}
		}
		if len(want) < 150 {
			t.Fatalf("Verify wrote %d rows by USCC, want more than 150", len(want))
		}

		// The database as the build before 0015 left it, then upgraded.
		storage.Tamper(t, f.db, `DELETE FROM verified_codes`)
		storage.Tamper(t, f.db, `DELETE FROM schema_migrations WHERE name = '0020_verified_codes_backfill.sql'`)
		if err := f.db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := verifiedCodes(t, f.db)
		if !slices.Equal(got, want) {
			t.Errorf("verified_codes after the backfill: %d rows, want %d", len(got), len(want))
			for _, c := range got {
				if !slices.Contains(want, c) {
					t.Errorf("  unexpected %+v", c)
				}
			}
			for _, c := range want {
				if !slices.Contains(got, c) {
					t.Errorf("  missing %+v", c)
				}
			}
		}
		// Run again: nothing changes.
		storage.Tamper(t, f.db, `DELETE FROM schema_migrations WHERE name = '0020_verified_codes_backfill.sql'`)
		if err := f.db.Migrate(context.Background()); err != nil {
			t.Fatalf("Migrate with 0020 again: %v", err)
		}
		if again := verifiedCodes(t, f.db); !slices.Equal(again, got) {
			t.Errorf("verified_codes after the backfill ran twice: %d rows, want the %d of the first run", len(again), len(got))
		}

		// The company is listed: both departments are alerted, each
		// linking its latest verification.
		f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕51号"))
		for _, w := range []struct {
			d *access.Department
			v *lists.Verification
		}{{f.user, latest}, {housing, byHousing}} {
			list, total, _, err := f.db.FindNotifications(credit.NewContextWithActor(t.Context(), deptCtx(w.d)), lists.NotificationFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if total != 1 || list[0].Kind != lists.NotifyAlert || list[0].Alert == nil || list[0].Alert.VerificationID != w.v.ID || list[0].Subject.Code != f.company {
				t.Errorf("%s inbox after listing a company verified before the upgrade = %d %+v; want one alert linking verification %d", w.d.Name, total, list, w.v.ID)
			}
		}
	})
}
