package storage_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
)

// TestExpireConcurrent: runs of the expiry at the same time (two servers'
// daily runs, an operator's `credit lists expire`) remove each expired
// entry once, count only what they removed, and create no batch of
// duplicates under the listing department.
func TestExpireConcurrent(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		const entries, runs = 30, 4
		f := newListFixture(t, open)
		var rows [][]string
		for i := range entries {
			// Listed in 2023 for 4 years, capped to the watch list's 2:
			// expired on 2025-06-01.
			rows = append(rows, []string{"重点关注名单", "长春观察物流有限公司", "法人及非法人组织", f.watched, "", "", "", "", "",
				fmt.Sprintf("吉人社关〔2023〕%d号", 100+i), "2023-06-01", f.lister.Name, f.lister.Code, "拖欠工资经责令限期改正",
				"《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》第十三条", "", "期满自动移出", "可依法申请行政复议", "2023-06-01", "2027-06-01", f.lister.Code})
		}
		if rc := f.submitAs(t, f.lister, rows...); rc.Accepted != entries {
			t.Fatalf("listing: %+v", rc)
		}
		batches := func() int {
			t.Helper()
			var n int
			if err := f.db.SQL().QueryRow(f.db.Rebind(`SELECT COUNT(*) FROM batches WHERE department_id = $1`), int64(f.lister.ID)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := batches()

		today := credit.DateOf(f.db.Now())
		counts := make([]int, runs)
		errs := make([]error, runs)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range runs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				counts[i], errs[i] = f.db.ExpireListEntries(sys(), today)
			}()
		}
		close(start)
		wg.Wait()
		total := 0
		for i := range runs {
			if errs[i] != nil {
				t.Errorf("run %d: %v", i+1, errs[i])
			}
			total += counts[i]
		}
		if total != entries {
			t.Errorf("runs reported %v removed, %d in all; want %d in all", counts, total, entries)
		}
		if got := batches() - before; got != 1 {
			t.Errorf("%d removal batches recorded under the listing department, want 1", got)
		}
		list, _, err := f.db.FindListEntries(sys(), lists.Filter{ListType: "watch", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		removed := 0
		for _, e := range list {
			if e.RemovalKind == lists.RemovedExpired && e.Version == 2 {
				removed++
			} else {
				t.Errorf("entry %s: v%d %q", e.Key, e.Version, e.RemovalKind)
			}
		}
		if removed != entries {
			t.Errorf("%d entries removed as expired, want %d", removed, entries)
		}

		// Nothing left: no batch.
		if n, err := f.db.ExpireListEntries(sys(), today); err != nil || n != 0 {
			t.Errorf("a later run = %d, %v; want 0", n, err)
		}
		if got := batches() - before; got != 1 {
			t.Errorf("after a run with nothing to remove: %d removal batches, want 1", got)
		}
	})
}

// TestExpireWaitsForOtherProcess: on PostgreSQL a run waits while another
// process's run holds the expiry lock, here held by hand; it does nothing
// before its turn.
func TestExpireWaitsForOtherProcess(t *testing.T) {
	f := newListFixture(t, openPostgres)
	row := []string{"重点关注名单", "长春观察物流有限公司", "法人及非法人组织", f.watched, "", "", "", "", "",
		"吉人社关〔2023〕5号", "2023-06-01", f.lister.Name, f.lister.Code, "拖欠工资经责令限期改正",
		"《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》第十三条", "", "期满自动移出", "可依法申请行政复议", "2023-06-01", "2027-06-01", f.lister.Code}
	if rc := f.submitAs(t, f.lister, row); rc.Accepted != 1 {
		t.Fatalf("listing: %+v", rc)
	}
	conn, err := f.db.SQL().Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const expiryLock = 0x6a6c6578 // storage's "jlex"
	if _, err := conn.ExecContext(t.Context(), `SELECT pg_advisory_lock($1)`, expiryLock); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(credit.NewContextWithActor(t.Context(), credit.System), 300*time.Millisecond)
	defer cancel()
	if n, err := f.db.ExpireListEntries(ctx, credit.DateOf(f.db.Now())); err == nil || n != 0 {
		t.Errorf("run while another holds the lock = %d, %v; want to wait until the deadline", n, err)
	}
	if list, _, err := f.db.FindListEntries(sys(), lists.Filter{ListType: "watch"}); err != nil || len(list) != 1 || list[0].Version != 1 {
		t.Errorf("entry after the run that waited: %+v, %v; want version 1, not removed", list, err)
	}
	if _, err := conn.ExecContext(t.Context(), `SELECT pg_advisory_unlock($1)`, expiryLock); err != nil {
		t.Fatal(err)
	}
	if n, err := f.db.ExpireListEntries(sys(), credit.DateOf(f.db.Now())); err != nil || n != 1 {
		t.Errorf("run once the lock is free = %d, %v; want 1", n, err)
	}
}
