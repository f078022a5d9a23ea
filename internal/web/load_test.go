package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestConcurrentPortal runs 50 concurrent clients against the search and
// subject pages and checks that every answer is a 200. Latencies are logged, not asserted: speed is measured by
// `credit bench`, and a test must not depend on the machine's timing.
func TestConcurrentPortal(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	f := mustFixture(t)
	name := []rune(f.subjectName)
	paths := []string{
		"/search?q=" + url.QueryEscape(string(name[:4])),
		"/search?q=" + url.QueryEscape(string(name[len(name)-4:])),
		"/search?q=" + f.subjectCode[:8],
		"/subjects/" + f.subjectCode,
		"/",
		"/publicity/penalty",
	}
	const clients, each = 50, 20
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	errs := make(chan string, clients*each)
	start := time.Now()
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Timeout: 30 * time.Second}
			for j := range each {
				p := paths[(i+j)%len(paths)]
				t0 := time.Now()
				res, err := hc.Get(f.url + p)
				d := time.Since(t0)
				if err != nil {
					errs <- err.Error()
					continue
				}
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					errs <- p + ": " + res.Status
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	slices.Sort(lat)
	p50, p95, p99 := lat[len(lat)/2], lat[len(lat)*95/100], lat[len(lat)*99/100]
	t.Logf("%d requests by %d clients in %v: p50 %v, p95 %v, p99 %v, max %v", len(lat), clients, time.Since(start).Round(time.Millisecond),
		p50, p95, p99, lat[len(lat)-1])
}
