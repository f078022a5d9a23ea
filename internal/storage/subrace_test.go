package storage

import (
	"context"
	"fmt"
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
)

// TestSubscriptionLimitRace: a department with one subscription short of
// lists.MaxSubscriptions creates two at once; the second counts while the
// first has counted and not yet inserted. One is created, the other is
// refused: the limit holds.
func TestSubscriptionLimitRace(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *DB, clock *testClock) {
		dep := hookDepartment(t, db, "11220000MB000022", "吉林省财政厅")
		ctx := credit.NewContextWithActor(context.Background(),
			credit.Actor{Role: credit.RoleDepartment, DepartmentID: dep.ID, DepartmentCode: dep.Code, Name: dep.Name, Channel: "api"})
		create := func(i int) error {
			_, err := db.CreateSubscription(ctx, &lists.Subscription{URL: fmt.Sprintf("https://1.1.1.1/hook%d", i), ListTypes: []string{"black"}})
			return err
		}
		for i := range lists.MaxSubscriptions - 1 {
			if err := create(i); err != nil {
				t.Fatalf("CreateSubscription %d: %v", i, err)
			}
		}
		second := make(chan error, 1)
		first := true
		setTestHook(t, &subscriptionsCounted, func(credit.DepartmentID) {
			if !first {
				return
			}
			first = false
			// The first has counted; the second comes now.
			before := db.write.Stats().WaitCount
			done := make(chan struct{})
			go func() {
				defer close(done)
				second <- create(101)
			}()
			hookWaitForWriter(t, db, before, done)
		})
		errs := []error{create(100), <-second}
		var n int
		if err := db.sql.QueryRow(db.rebind(`SELECT COUNT(*) FROM subscriptions WHERE department_id = $1 AND revoked_at IS NULL`), int64(dep.ID)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != lists.MaxSubscriptions {
			t.Errorf("%d active subscriptions, want %d (the limit)", n, lists.MaxSubscriptions)
		}
		refused := 0
		for _, err := range errs {
			switch {
			case credit.ErrorCode(err) == credit.ECONFLICT:
				refused++
			case err != nil:
				t.Errorf("CreateSubscription: %v", err)
			}
		}
		if refused != 1 {
			t.Errorf("creations at once: %v; want one created and one refused (ECONFLICT)", errs)
		}
		hookLedgerIntact(t, db)
	})
}
