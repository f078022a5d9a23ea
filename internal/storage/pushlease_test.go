package storage_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"jlcredit/internal/credit/credittest"
	"jlcredit/internal/lists"
	"jlcredit/internal/storage"
)

// TestPushLeaseTwoServers: two servers push from one database while a
// receiver takes as long as the pusher allows (Timeout) to answer each
// webhook. Server A runs a round of 16 deliveries, one at a time, for 16 ×
// Timeout = 160 s (by the shared fake clock), longer than the 2-minute lease
// a round used to take for all of them; while each of A's requests is
// answered, server B runs a round. Each delivery reaches the receiver once,
// each attempt is recorded as soon as it is answered, and every request sent
// is in the delivery log.
func TestPushLeaseTwoServers(t *testing.T) {
	allowNetworks(t, "127.0.0.1/32")
	forBothDialects(t, func(t *testing.T, open opener) {
		const (
			n       = 16
			timeout = 10 * time.Second
		)
		f := newListFixture(t, open)
		t0 := f.db.Now().UTC()
		clock := credittest.NewClock(t0)
		a := &storage.Pusher{DB: f.db, Now: clock.Now, Timeout: timeout, Batch: n, Concurrency: 1}
		b := &storage.Pusher{DB: f.db, Now: clock.Now, Timeout: timeout, Batch: 1, Concurrency: 1}

		var (
			mu       sync.Mutex
			got      = map[string]int{}
			requests int
			bRound   sync.Mutex // held while B runs a round
		)
		ctx := t.Context()
		rv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			mu.Lock()
			got[r.Header.Get(lists.HeaderDelivery)]++
			before := requests
			requests++
			mu.Unlock()
			// The answer takes the whole Timeout.
			clock.Add(timeout)
			if !bRound.TryLock() {
				w.WriteHeader(http.StatusNoContent) // B's own request
				return
			}
			defer bRound.Unlock()
			// A's request: every request answered before it is recorded
			// already, not at the end of A's round.
			var recorded, logged int
			if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM deliveries WHERE status = 'delivered'`).Scan(&recorded); err != nil {
				t.Error(err)
			}
			if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM delivery_attempts`).Scan(&logged); err != nil {
				t.Error(err)
			}
			if recorded != before || logged != before {
				t.Errorf("at request %d: %d deliveries delivered and %d attempts logged, want %d: attempts are recorded as soon as they are answered",
					before+1, recorded, logged, before)
			}
			// Meanwhile the other server runs a round at the time it is now.
			if _, err := b.DeliverDue(ctx, clock.Now()); err != nil {
				t.Errorf("server B: %v", err)
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(rv.Close)
		sub := f.subscribe(t, f.user, rv.URL+"/hook", "black")
		var rows [][]string
		for i := range n {
			rows = append(rows, f.blackRow(fmt.Sprintf("吉人社失〔2026〕%d号", 100+i)))
		}
		if rc := f.submitAs(t, f.lister, rows...); rc.Accepted != n {
			t.Fatalf("listing: %+v", rc)
		}
		if ds := f.deliveries(t, f.user, sub.ID); len(ds) != n {
			t.Fatalf("%d deliveries, want %d", len(ds), n)
		}

		if _, err := a.DeliverDue(ctx, t0); err != nil {
			t.Fatalf("server A: %v", err)
		}

		mu.Lock()
		defer mu.Unlock()
		var twice int
		for uid, k := range got {
			if k != 1 {
				twice++
				t.Errorf("delivery %s received %d times", uid, k)
			}
		}
		if len(got) != n || twice > 0 {
			t.Errorf("receiver got %d requests for %d deliveries (%d more than once), want %d deliveries once each", requests, len(got), twice, n)
		}
		ds := f.deliveries(t, f.user, sub.ID)
		logged := 0
		for _, d := range ds {
			logged += len(d.Log)
			if d.Status != lists.DeliveryDelivered || d.Attempts != 1 || len(d.Log) != 1 || got[d.UID] != 1 {
				t.Errorf("delivery %s: %s, %d attempts, log %d, received %d times; want delivered once", d.UID, d.Status, d.Attempts, len(d.Log), got[d.UID])
			}
		}
		if logged != requests {
			t.Errorf("delivery log holds %d attempts for %d requests sent", logged, requests)
		}
	})
}

// TestPushLostClaimLogged: should a worker still be sending when its lease
// runs out (a clock jumped, a database stalled), the delivery is claimed
// and sent again by another server; both requests reached the receiver,
// and both are in the delivery log.
func TestPushLostClaimLogged(t *testing.T) {
	allowNetworks(t, "127.0.0.1/32")
	forBothDialects(t, func(t *testing.T, open opener) {
		const timeout = 10 * time.Second
		f := newListFixture(t, open)
		t0 := f.db.Now().UTC()
		clock := credittest.NewClock(t0)
		a := &storage.Pusher{DB: f.db, Now: clock.Now, Timeout: timeout, Batch: 1, Concurrency: 1}
		b := &storage.Pusher{DB: f.db, Now: clock.Now, Timeout: timeout, Batch: 1, Concurrency: 1}
		var (
			mu     sync.Mutex
			got    int
			bRound sync.Mutex
		)
		ctx := t.Context()
		rv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			mu.Lock()
			got++
			mu.Unlock()
			if bRound.TryLock() {
				// A's request, held past its lease: B takes the delivery.
				clock.Add(timeout + 3*time.Minute)
				if n, err := b.DeliverDue(ctx, clock.Now()); err != nil || n != 1 {
					t.Errorf("server B's round: %d, %v; want the delivery whose lease ran out", n, err)
				}
				bRound.Unlock()
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(rv.Close)
		sub := f.subscribe(t, f.user, rv.URL+"/hook", "black")
		f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕41号"))
		if n, err := a.DeliverDue(ctx, t0); err != nil || n != 1 {
			t.Fatalf("server A's round: %d, %v", n, err)
		}
		d := f.deliveries(t, f.user, sub.ID)[0]
		mu.Lock()
		defer mu.Unlock()
		if got != 2 || d.Status != lists.DeliveryDelivered || d.Attempts != 2 || len(d.Log) != 2 || d.Log[0].N != 1 || d.Log[1].N != 2 {
			t.Errorf("receiver got %d requests; delivery %s, %d attempts, log %+v; want 2 requests, delivered, both attempts logged", got, d.Status, d.Attempts, d.Log)
		}
	})
}
