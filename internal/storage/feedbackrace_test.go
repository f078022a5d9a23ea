package storage

// Races between two 执行反馈 on the same hit sent at once (a double click
// on the console form, a client that retries): the same feedback is stored
// once and the other is refused as already given (lists.RepeatedFeedback);
// a correction (a different state) is kept beside it. The interleavings are
// made deterministic with the test hook of CreateFeedback (verification.go),
// on both databases, and a stress test sends the same feedback many times
// at once.

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
)

// feedbackRaceHits lists n fresh companies on the black list and returns
// department d's verification of them, every one a hit with measures.
func feedbackRaceHits(t *testing.T, a *alertRace, d *access.Department, n int) *lists.Verification {
	t.Helper()
	codes := make([]string, n)
	rows := make([][]string, n)
	for i := range codes {
		codes[i] = a.company(t)
		rows[i] = a.blackRow(codes[i])
	}
	a.list(t, rows...)
	v := a.verify(t, d, codes...)
	if v == nil {
		t.FailNow()
	}
	for _, r := range v.Results {
		if !r.Hit || len(r.Measures) == 0 {
			t.Fatalf("subject %d: no hit with measures: %+v", r.Seq, r)
		}
	}
	return v
}

// feedbackRaceRefusal returns the problem codes of a refusal.
func feedbackRaceRefusal(err error) []string {
	var ce *credit.Error
	if !errors.As(err, &ce) {
		return nil
	}
	var out []string
	for _, p := range ce.Details {
		out = append(out, p.Code)
	}
	return out
}

// feedbackRaceCount counts rows of the verification's feedback and its
// verification.feedback audit entries.
func feedbackRaceCount(t *testing.T, db *DB, id int64) (rows, audits int) {
	t.Helper()
	if err := db.sql.QueryRow(db.rebind(`SELECT COUNT(*) FROM verification_feedback WHERE verification_id = $1`), id).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if err := db.sql.QueryRow(db.rebind(`SELECT COUNT(*) FROM audit_log WHERE action = 'verification.feedback' AND object_id = $1`), itoa(id)).Scan(&audits); err != nil {
		t.Fatal(err)
	}
	return rows, audits
}

// TestFeedbackRaceTwice: feedback A has passed the check for repeated
// feedback and not yet been written when feedback B on the same hit
// arrives. B identical: stored once, B refused as already given (QA: the
// same feedback sent 4 times at once stored 4 times, with 4 audit
// entries). B a correction: both kept.
func TestFeedbackRaceTwice(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		a := newAlertRace(t, db, 1)
		d := a.verifiers[0]
		applied := func(v *lists.Verification) lists.Feedback {
			return lists.Feedback{Seq: 1, MeasureCode: v.Results[0].Measures[0].Code, Applied: true, AppliedOn: "2026-11-20"}
		}
		for _, tc := range []struct {
			name       string
			second     func(first lists.Feedback) lists.Feedback
			stored     int
			refusedTwo bool
		}{
			{"identical", func(f lists.Feedback) lists.Feedback { return f }, 1, true},
			{"correction", func(f lists.Feedback) lists.Feedback {
				f.Applied, f.AppliedOn, f.Reason = false, "", "项目已终止，未实施"
				return f
			}, 2, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				v := feedbackRaceHits(t, a, d, 1)
				first := applied(v)
				second := tc.second(first)
				reached, release, secondReached := make(chan struct{}), make(chan struct{}), make(chan struct{})
				var calls atomic.Int32
				setTestHook(t, &feedbackBeforeWrite, func(x *DB) {
					if x != db {
						return
					}
					switch calls.Add(1) {
					case 1:
						close(reached)
						<-release
					case 2:
						close(secondReached) // B passed the check while A was not written
					}
				})
				ctx := a.ctx(d)
				var errA, errB error
				doneA, doneB := make(chan struct{}), make(chan struct{})
				go func() { defer close(doneA); _, errA = db.CreateFeedback(ctx, v.ID, []lists.Feedback{first}) }()
				<-reached
				before := db.write.Stats().WaitCount
				go func() { defer close(doneB); _, errB = db.CreateFeedback(ctx, v.ID, []lists.Feedback{second}) }()
				bOut := make(chan struct{})
				go func() {
					defer close(bOut)
					select {
					case <-doneB:
					case <-secondReached:
					}
				}()
				hookWaitForWriter(t, db, before, bOut)
				close(release)
				<-doneA
				<-doneB
				if errA != nil {
					t.Errorf("first feedback: %v", errA)
				}
				if tc.refusedTwo {
					if got := feedbackRaceRefusal(errB); !slices.Equal(got, []string{"already_given"}) {
						t.Errorf("the same feedback again at once: %v (problems %v), want refused as already_given", errB, got)
					}
				} else if errB != nil {
					t.Errorf("a correction at once: %v, want kept", errB)
				}
				rows, audits := feedbackRaceCount(t, db, v.ID)
				if rows != tc.stored || audits != tc.stored {
					t.Errorf("%d feedback rows and %d audit entries, want %d of each", rows, audits, tc.stored)
				}
			})
		}
	})
}

// TestFeedbackRaceStress: the same feedback on each of several hits sent
// many times at once. Each is stored once, with one audit entry; every
// other answer is already_given; the statistics count each hit's feedback
// once.
func TestFeedbackRaceStress(t *testing.T) {
	const (
		hits  = 4
		times = 8
	)
	eachDB(t, func(t *testing.T, db *DB) {
		a := newAlertRace(t, db, 1)
		d := a.verifiers[0]
		v := feedbackRaceHits(t, a, d, hits)
		ctx := a.ctx(d)
		var (
			mu      sync.Mutex
			ok      = map[int]int{}
			refused = map[int]int{}
			wg      sync.WaitGroup
		)
		start := make(chan struct{})
		for seq := 1; seq <= hits; seq++ {
			fb := []lists.Feedback{{Seq: seq, MeasureCode: v.Results[seq-1].Measures[0].Code, Applied: true, AppliedOn: "2026-11-20"}}
			for range times {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := db.CreateFeedback(ctx, v.ID, fb)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						ok[seq]++
					case slices.Equal(feedbackRaceRefusal(err), []string{"already_given"}):
						refused[seq]++
					default:
						t.Errorf("hit %d: %v", seq, err)
					}
				}()
			}
		}
		close(start)
		wg.Wait()
		for seq := 1; seq <= hits; seq++ {
			if ok[seq] != 1 || refused[seq] != times-1 {
				t.Errorf("hit %d: the same feedback %d times at once: %d stored, %d already_given; want 1 and %d", seq, times, ok[seq], refused[seq], times-1)
			}
		}
		rows, audits := feedbackRaceCount(t, db, v.ID)
		if rows != hits || audits != hits {
			t.Errorf("%d feedback rows and %d audit entries, want %d of each", rows, audits, hits)
		}
		st, err := db.VerificationStats(ctx, lists.StatsFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if st.Total.Hits != hits || st.Total.WithFeedback != hits {
			t.Errorf("statistics: %d hits, %d with feedback; want %d of each", st.Total.Hits, st.Total.WithFeedback, hits)
		}
		t.Logf("%d hits × %d identical feedbacks at once: %v stored, %v refused", hits, times, ok, refused)
	})
}
