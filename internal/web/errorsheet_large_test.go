package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
)

// TestErrorSheetLarge measures the console's errors.xlsx of a batch whose
// every row is rejected: the time of the download and the peak heap of the
// process (server and test alike). It runs only when CREDIT_BENCH_ROWS
// gives the number of rows (e.g. 300000), and asserts nothing about time.
func TestErrorSheetLarge(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CREDIT_BENCH_ROWS"))
	if n <= 0 {
		t.Skip("set CREDIT_BENCH_ROWS to measure (e.g. 300000)")
	}
	f := mustFixture(t)
	ctx := context.Background()
	dep, err := f.db.FindDepartmentByCode(ctx, f.depA.Code)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("CF_XDR_MC,CF_XDR_LB,CF_XDR_SHXYM,CF_WSH,CF_WFXW,CF_SY,CF_YJ,CF_CFLB,CF_NR,CF_JDRQ,CF_YXQ,CF_CFJG,CF_CFJGDM,CF_SJLY,CF_SJLYDM\n")
	for i := range n {
		// An invalid USCC and a decision date in the future: two problems a row.
		b.WriteString("长春市某某商贸有限公司" + strconv.Itoa(i) + ",法人及非法人组织,91220101MA0000000" + strconv.Itoa(i%10) +
			",吉市监罚〔2026〕" + strconv.Itoa(i) + "号,违反某某条例,违反某某条例的行为,《某某条例》第十条,警告,警告,2099-01-01,2099-12-31," +
			dep.Name + "," + dep.Code + "," + dep.Name + "," + dep.Code + "\n")
	}
	actor := credit.Actor{Role: credit.RoleDepartment, DepartmentID: dep.ID, DepartmentCode: dep.Code, Name: dep.Name, RegionCode: dep.RegionCode, Channel: "api"}
	start := time.Now()
	rc, err := f.db.Submit(credit.NewContextWithActor(ctx, actor), record.Submission{Class: "penalty", Filename: "large.csv", Body: &b})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("submitted %d rows, %d rejected, in %v", rc.Total, rc.Rejected, time.Since(start).Round(time.Millisecond))

	c := login(t, "admin")
	runtime.GC()
	// Linux: reset the peak resident size, which counts SQLite's memory too.
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	c.http.Timeout = time.Hour
	start = time.Now()
	res := c.get("/console/batches/" + string(rc.Batch) + "/errors.xlsx")
	size, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	close(stop)
	<-done
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("errors.xlsx: %d, %v", res.StatusCode, err)
	}
	t.Logf("errors.xlsx of %d rows: %v, %.1f MB, peak Go heap in use %.0f MB (%.0f MB before), peak resident %s", rc.Rejected,
		time.Since(start).Round(time.Millisecond), float64(size)/(1<<20), float64(peak)/(1<<20), float64(base.HeapInuse)/(1<<20), peakRSS())
}

// peakRSS returns the process's peak resident size (VmHWM), or "?".
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}
