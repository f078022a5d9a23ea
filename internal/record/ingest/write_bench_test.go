package ingest

import (
	"io"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// benchHeaders are the columns of a penalty file, as departments send it.
var benchHeaders = []string{"CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_FRDB", "CF_WSH", "CF_WFXW", "CF_SY", "CF_YJ",
	"CF_CFLB", "CF_NR", "CF_NR_FK", "CF_JDRQ", "CF_YXQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM"}

// benchRows yields n rejected rows of a penalty file, each with its values
// and two messages.
func benchRows(n int) func(yield func(ErrorRow) bool) {
	return func(yield func(ErrorRow) bool) {
		for i := range n {
			v := make(map[string]string, len(benchHeaders))
			for j, h := range benchHeaders {
				v[h] = "长春市某某商贸有限公司第" + strconv.Itoa(i) + "号" + strconv.Itoa(j)
			}
			er := ErrorRow{Row: i + 2, Values: v, Messages: []string{
				"第" + strconv.Itoa(i+2) + "行“统一社会信用代码”（CF_XDR_SHXYM）：校验位错误，应为X",
				"第" + strconv.Itoa(i+2) + "行“处罚决定日期”（CF_JDRQ）：日期“2099-01-01”晚于今天，不能是将来的日期",
			}}
			if !yield(er) {
				return
			}
		}
	}
}

// BenchmarkWriteErrorsXLSX writes error sheets of 1 000 rows.
func BenchmarkWriteErrorsXLSX(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteErrorsXLSX(io.Discard, benchHeaders, benchRows(1000)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWriteErrorsXLSXLarge writes an error sheet of 300 000 rows and logs
// the time it took and the peak heap it needed (measured, not asserted:
// CREDIT_BENCH_ROWS sets the count; it runs only with -run naming it and
// not in -short mode).
func TestWriteErrorsXLSXLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large sheet")
	}
	n := 300_000
	if s := os.Getenv("CREDIT_BENCH_ROWS"); s != "" {
		n, _ = strconv.Atoi(s)
	} else {
		t.Skip("set CREDIT_BENCH_ROWS to measure (e.g. 300000)")
	}
	runtime.GC()
	var peak uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	var cw countWriter
	start := time.Now()
	err := WriteErrorsXLSX(&cw, benchHeaders, benchRows(n))
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rows: %v, %.1f MB written, peak heap in use %.0f MB", n, time.Since(start).Round(time.Millisecond), float64(cw)/(1<<20), float64(peak)/(1<<20))
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }
