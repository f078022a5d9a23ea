package storage

// Races of sign-in with the lock-out, a password change or reset, and
// switching an account off. The sequence tests make one race deterministic
// with passwordChecked: another request runs to its end between a sign-in's
// (or a password change's) password check and its write. The stress
// subtests run requests at once and check the invariant that must hold
// whatever the order.

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
)

// userRaceNow is the fixed time of the race tests: a lock set at it stays in
// force for the whole test.
var userRaceNow = time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)

// userRaceInFlight makes f run, once, in the next sign-in or password change that
// reaches passwordChecked, for the duration of the test. The sign-ins and
// changes f makes itself do not run it again.
func userRaceInFlight(tb testing.TB, f func()) {
	var fired atomic.Bool
	passwordChecked = func() {
		if fired.CompareAndSwap(false, true) {
			f()
		}
	}
	tb.Cleanup(func() { passwordChecked = nil })
}

const (
	userRaceP1 = "Old-Known-Pass-2026!"  // the password an attacker knows
	userRaceP2 = "New-Secret-Pass-2026#" // the one the victim changes to
	userRaceP3 = "Third-Secret-Pass-2026%"
)

func userRaceCreate(tb testing.TB, db *DB, name string) *access.User {
	tb.Helper()
	u := &access.User{Username: name, DisplayName: "测试", Role: credit.RoleProvince}
	if _, err := db.CreateUser(hookSys(), u, userRaceP1); err != nil {
		tb.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u
}

func userRaceLogin(db *DB, name, password string) (*access.Session, string, error) {
	return db.Login(context.Background(), access.LoginAttempt{Username: name, Password: password, IP: "192.0.2.9"})
}

// userRaceMustLogin signs in and returns the session and its token.
func userRaceMustLogin(tb testing.TB, db *DB, name, password string) (*access.Session, string) {
	tb.Helper()
	s, token, err := userRaceLogin(db, name, password)
	if err != nil {
		tb.Fatalf("Login(%s): %v", name, err)
	}
	return s, token
}

// userRaceCtx is the context of a request of session s.
func userRaceCtx(s *access.Session) context.Context {
	return credit.NewContextWithActor(context.Background(), s.Actor())
}

// userRaceState reads an account's failure count, whether it is locked at
// userRaceNow, and how many sessions it has.
func userRaceState(tb testing.TB, db *DB, id credit.UserID) (failed int, locked bool, sessions int) {
	tb.Helper()
	var until sql.NullTime
	if err := db.sql.QueryRow(db.rebind(`SELECT failed_logins, locked_until FROM users WHERE id = $1`), int64(id)).Scan(&failed, &until); err != nil {
		tb.Fatal(err)
	}
	if err := db.sql.QueryRow(db.rebind(`SELECT COUNT(*) FROM sessions WHERE user_id = $1`), int64(id)).Scan(&sessions); err != nil {
		tb.Fatal(err)
	}
	return failed, until.Valid && until.Time.After(userRaceNow), sessions
}

func userRaceWrong(tb testing.TB, db *DB, name string, n int) {
	tb.Helper()
	for i := range n {
		if _, _, err := userRaceLogin(db, name, fmt.Sprintf("wrong-password-%d", i)); credit.ErrorCode(err) != credit.EUNAUTHORIZED {
			tb.Fatalf("wrong password %d: err=%v, want EUNAUTHORIZED", i+1, err)
		}
	}
}

// userRaceCount counts the rows of q with args.
func userRaceCount(tb testing.TB, db *DB, q string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.sql.QueryRow(db.rebind(q), args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestLoginLockoutRace: a sign-in in flight while other wrong passwords
// lock the account neither clears the lock (a wrong password) nor gets
// through it (the right one); wrong passwords at once each count, and lock
// the account once.
func TestLoginLockoutRace(t *testing.T) {
	limit := access.MaxFailedLogins
	tests := []struct {
		name     string
		during   int    // wrong passwords that complete while the sign-in is in flight
		password string // of the sign-in in flight
		wantOK   bool
		// after the sign-in in flight
		wantFailed int
		wantLocked bool
	}{
		{"WrongInFlightKeepsLock", limit, "wrong-in-flight", false, 0, true},
		{"RightInFlightRefused", limit, userRaceP1, false, 0, true},
		{"WrongInFlightCounts", limit - 2, "wrong-in-flight", false, limit - 1, false},
		{"WrongInFlightLocks", limit - 1, "wrong-in-flight", false, 0, true},
		{"RightInFlightBeforeLock", limit - 1, userRaceP1, true, 0, false},
	}
	eachDB(t, func(t *testing.T, db *DB) {
		for i, test := range tests {
			t.Run(test.name, func(t *testing.T) {
				name := fmt.Sprintf("lock%d", i)
				u := userRaceCreate(t, db, name)
				userRaceInFlight(t, func() { userRaceWrong(t, db, name, test.during) })
				_, token, err := userRaceLogin(db, name, test.password)
				if test.wantOK {
					if err != nil {
						t.Fatalf("sign-in in flight: %v, want a session", err)
					}
				} else {
					if credit.ErrorCode(err) != credit.EUNAUTHORIZED {
						t.Errorf("sign-in in flight: err=%v, want EUNAUTHORIZED", err)
					}
					if token != "" {
						t.Errorf("sign-in in flight got a session through the lock")
					}
				}
				failed, locked, sessions := userRaceState(t, db, u.ID)
				if failed != test.wantFailed || locked != test.wantLocked {
					t.Errorf("after the sign-in in flight: failed_logins=%d locked=%v, want %d %v", failed, locked, test.wantFailed, test.wantLocked)
				}
				if want := map[bool]int{true: 1}[test.wantOK]; sessions != want {
					t.Errorf("sessions = %d, want %d", sessions, want)
				}
				locks := userRaceCount(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'user.locked' AND object_id = $1`, name)
				if want := map[bool]int{true: 1}[test.wantLocked]; locks != want {
					t.Errorf("user.locked audit entries = %d, want %d", locks, want)
				}
				if test.wantLocked {
					if _, _, err := userRaceLogin(db, name, userRaceP1); credit.ErrorCode(err) != credit.EUNAUTHORIZED {
						t.Errorf("right password after the lock: err=%v, want EUNAUTHORIZED", err)
					}
				}
			})
		}

		t.Run("Parallel", func(t *testing.T) {
			for round := range 3 {
				// Fewer than the limit: each counts.
				name := fmt.Sprintf("count%d", round)
				u := userRaceCreate(t, db, name)
				userRaceParallel(limit-1, func(i int) { userRaceLogin(db, name, fmt.Sprintf("wrong-%d", i)) })
				if failed, locked, _ := userRaceState(t, db, u.ID); failed != limit-1 || locked {
					t.Errorf("round %d: %d wrong passwords at once: failed_logins=%d locked=%v, want %d false", round, limit-1, failed, locked, limit-1)
				}
				// More than twice the limit: one lock, which holds.
				name = fmt.Sprintf("burst%d", round)
				u = userRaceCreate(t, db, name)
				n := 2*limit + 2
				userRaceParallel(n, func(i int) { userRaceLogin(db, name, fmt.Sprintf("wrong-%d", i)) })
				if _, locked, _ := userRaceState(t, db, u.ID); !locked {
					t.Errorf("round %d: %d wrong passwords at once left the account unlocked", round, n)
				}
				if locks := userRaceCount(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'user.locked' AND object_id = $1`, name); locks != 1 {
					t.Errorf("round %d: %d wrong passwords at once: %d user.locked entries, want 1", round, n, locks)
				}
				if _, _, err := userRaceLogin(db, name, userRaceP1); credit.ErrorCode(err) != credit.EUNAUTHORIZED {
					t.Errorf("round %d: right password after %d wrong ones at once: err=%v, want EUNAUTHORIZED", round, n, err)
				}
			}
		})
	})
}

// userRaceParallel runs fn(i) for i < n at once and waits.
func userRaceParallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); <-start; fn(i) }()
	}
	close(start)
	wg.Wait()
}

// TestPasswordChangeRace: once a password change or reset has answered, no
// sign-in with the old password has a session, whenever it started; a
// change in flight does not undo a reset, nor apply once its session was
// ended.
func TestPasswordChangeRace(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		t.Run("ChangeDuringSignIn", func(t *testing.T) {
			u := userRaceCreate(t, db, "victim1")
			vs, vtoken := userRaceMustLogin(t, db, "victim1", userRaceP1)
			userRaceInFlight(t, func() {
				if err := db.ChangePassword(userRaceCtx(vs), userRaceP1, userRaceP2, vtoken); err != nil {
					t.Errorf("ChangePassword: %v", err)
				}
			})
			_, token, err := userRaceLogin(db, "victim1", userRaceP1)
			userRaceNoSession(t, db, "sign-in with the old password in flight during the change", token, err)
			if _, err := db.FindSession(context.Background(), vtoken); err != nil {
				t.Errorf("the session that changed the password: %v", err)
			}
			if _, _, sessions := userRaceState(t, db, u.ID); sessions != 1 {
				t.Errorf("sessions = %d, want 1 (the victim's)", sessions)
			}
			userRaceMustLogin(t, db, "victim1", userRaceP2)
		})

		t.Run("ResetDuringSignIn", func(t *testing.T) {
			u := userRaceCreate(t, db, "victim2")
			var otp string
			userRaceInFlight(t, func() {
				var err error
				if otp, err = db.ResetPassword(hookSys(), u.ID); err != nil {
					t.Errorf("ResetPassword: %v", err)
				}
			})
			_, token, err := userRaceLogin(db, "victim2", userRaceP1)
			userRaceNoSession(t, db, "sign-in with the old password in flight during the reset", token, err)
			if s, _ := userRaceMustLogin(t, db, "victim2", otp); !s.User.MustChangePassword {
				t.Errorf("after the reset: must_change_password false")
			}
		})

		for _, test := range []struct {
			name    string
			during  func(t *testing.T, u *access.User, token string) // runs while the change is in flight
			wantErr string
			wantPw  string // the password afterwards ("": the reset's)
		}{
			{"ResetDuringChange", nil, credit.EUNAUTHORIZED, ""},
			{"DisableDuringChange", func(t *testing.T, u *access.User, _ string) {
				off := true
				if _, err := db.UpdateUser(hookSys(), u.ID, access.UserUpdate{Disabled: &off}); err != nil {
					t.Errorf("UpdateUser(disable): %v", err)
				}
			}, credit.EUNAUTHORIZED, userRaceP1},
			{"LogoutDuringChange", func(t *testing.T, _ *access.User, token string) {
				if err := db.Logout(context.Background(), token); err != nil {
					t.Errorf("Logout: %v", err)
				}
			}, credit.EUNAUTHORIZED, userRaceP1},
			{"OtherChangeDuringChange", func(t *testing.T, u *access.User, _ string) {
				s, token := userRaceMustLogin(t, db, u.Username, userRaceP1)
				if err := db.ChangePassword(userRaceCtx(s), userRaceP1, userRaceP3, token); err != nil {
					t.Errorf("the other session's ChangePassword: %v", err)
				}
			}, credit.EUNAUTHORIZED, userRaceP3},
		} {
			t.Run(test.name, func(t *testing.T) {
				u := userRaceCreate(t, db, "changer-"+test.name)
				s, token := userRaceMustLogin(t, db, u.Username, userRaceP1)
				var otp string
				userRaceInFlight(t, func() {
					if test.during != nil {
						test.during(t, u, token)
						return
					}
					var err error
					if otp, err = db.ResetPassword(hookSys(), u.ID); err != nil {
						t.Errorf("ResetPassword: %v", err)
					}
				})
				err := db.ChangePassword(userRaceCtx(s), userRaceP1, userRaceP2, token)
				if credit.ErrorCode(err) != test.wantErr {
					t.Errorf("ChangePassword in flight: err=%v, want %s", err, test.wantErr)
				}
				want := test.wantPw
				if want == "" {
					want = otp
				}
				var hash string
				var mustChange bool
				if err := db.sql.QueryRow(db.rebind(`SELECT password_hash, must_change_password FROM users WHERE id = $1`), int64(u.ID)).Scan(&hash, &mustChange); err != nil {
					t.Fatal(err)
				}
				if !access.VerifyPassword(hash, want) {
					t.Errorf("the password afterwards is not the one the %s left", test.name)
				}
				if access.VerifyPassword(hash, userRaceP2) {
					t.Errorf("the change in flight was applied")
				}
				if test.wantPw == "" && !mustChange {
					t.Errorf("the change in flight cleared the reset's must_change_password")
				}
				if _, err := db.FindSession(context.Background(), token); err == nil {
					t.Errorf("the session of the change in flight is still valid")
				}
			})
		}

		t.Run("Parallel", func(t *testing.T) {
			for round := range 3 {
				name := fmt.Sprintf("victim-p%d", round)
				userRaceCreate(t, db, name)
				vs, vtoken := userRaceMustLogin(t, db, name, userRaceP1)
				var mu sync.Mutex
				var tokens []string
				var stop atomic.Bool
				var wg sync.WaitGroup
				for range 3 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for !stop.Load() {
							if _, token, err := userRaceLogin(db, name, userRaceP1); err == nil {
								mu.Lock()
								tokens = append(tokens, token)
								mu.Unlock()
							}
						}
					}()
				}
				time.Sleep(150 * time.Millisecond)
				if err := db.ChangePassword(userRaceCtx(vs), userRaceP1, userRaceP2, vtoken); err != nil {
					t.Fatalf("round %d: ChangePassword: %v", round, err)
				}
				stop.Store(true)
				wg.Wait()
				alive := 0
				for _, token := range tokens {
					if _, err := db.FindSession(context.Background(), token); err == nil {
						alive++
					}
				}
				if alive > 0 {
					t.Errorf("round %d: %d of %d sessions signed in with the old password are valid after the change answered", round, alive, len(tokens))
				}
				if _, err := db.FindSession(context.Background(), vtoken); err != nil {
					t.Errorf("round %d: the session that changed the password: %v", round, err)
				}
			}
		})
	})
}

// userRaceNoSession checks that a sign-in was refused, or at least that its
// session is not valid.
func userRaceNoSession(tb testing.TB, db *DB, what, token string, err error) {
	tb.Helper()
	if err == nil {
		tb.Errorf("%s: signed in, want refused", what)
	} else if credit.ErrorCode(err) != credit.EUNAUTHORIZED {
		tb.Errorf("%s: err=%v, want EUNAUTHORIZED", what, err)
	}
	if token != "" {
		if _, ferr := db.FindSession(context.Background(), token); ferr == nil {
			tb.Errorf("%s: its session is valid", what)
		}
	}
}

// TestUserDisableRace: a sign-in in flight while the account is switched
// off gets no session, not even one that switching the account on again
// would bring back.
func TestUserDisableRace(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		setDisabled := func(t *testing.T, id credit.UserID, off bool) {
			t.Helper()
			if _, err := db.UpdateUser(hookSys(), id, access.UserUpdate{Disabled: &off}); err != nil {
				t.Errorf("UpdateUser(disabled=%v): %v", off, err)
			}
		}
		t.Run("DisableDuringSignIn", func(t *testing.T) {
			u := userRaceCreate(t, db, "off1")
			userRaceInFlight(t, func() { setDisabled(t, u.ID, true) })
			_, token, err := userRaceLogin(db, "off1", userRaceP1)
			if err == nil {
				t.Errorf("sign-in in flight while the account was switched off: signed in")
			} else if credit.ErrorCode(err) != credit.EUNAUTHORIZED {
				t.Errorf("sign-in in flight: err=%v, want EUNAUTHORIZED", err)
			}
			setDisabled(t, u.ID, false)
			if token != "" {
				if _, err := db.FindSession(context.Background(), token); err == nil {
					t.Errorf("the session of a sign-in in flight while the account was off is valid once it is on again")
				}
			}
			if _, _, sessions := userRaceState(t, db, u.ID); sessions != 0 {
				t.Errorf("sessions = %d, want 0", sessions)
			}
			userRaceMustLogin(t, db, "off1", userRaceP1)
		})

		t.Run("Parallel", func(t *testing.T) {
			for round := range 3 {
				name := fmt.Sprintf("off-p%d", round)
				u := userRaceCreate(t, db, name)
				var mu sync.Mutex
				var tokens []string
				var stop atomic.Bool
				var wg sync.WaitGroup
				for range 3 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for !stop.Load() {
							_, token, err := userRaceLogin(db, name, userRaceP1)
							if err == nil {
								mu.Lock()
								tokens = append(tokens, token)
								mu.Unlock()
							} else if c := credit.ErrorCode(err); c != credit.EUNAUTHORIZED {
								t.Errorf("sign-in: %v", err)
								return
							}
						}
					}()
				}
				time.Sleep(150 * time.Millisecond)
				setDisabled(t, u.ID, true)
				stop.Store(true)
				wg.Wait()
				setDisabled(t, u.ID, false)
				alive := 0
				for _, token := range tokens {
					if _, err := db.FindSession(context.Background(), token); err == nil {
						alive++
					}
				}
				if alive > 0 {
					t.Errorf("round %d: %d of %d sessions from before the switch-off are valid once the account is on again", round, alive, len(tokens))
				}
			}
		})
	})
}
