package ingest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// genCSV produces a CSV of n data rows on the fly, never holding more than
// one row.
type genCSV struct {
	n, i int
	buf  []byte
}

const genHeader = "行政相对人名称,统一社会信用代码,行政处罚决定书文号,违法行为类型,违法事实,处罚依据,处罚类别,处罚内容,罚款金额（万元）,处罚决定日期,处罚机关,备注\r\n"

func (g *genCSV) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		switch {
		case g.i == 0:
			g.buf = append(g.buf, genHeader...)
		case g.i > g.n:
			return 0, io.EOF
		case g.i%100 == 0:
			g.buf = append(g.buf, ",,,,,,,,,,,\r\n"...) // a blank row now and then
		default:
			i := int64(g.i)
			b := append(g.buf, "长春市某某商贸有限公司"...)
			b = strconv.AppendInt(b, i, 10)
			b = append(b, ",91220101MA"...)
			n := len(b)
			b = strconv.AppendInt(b, 100_000_000+i%100_000_000, 10)
			b = append(b[:n], b[n+1:]...) // eight digits, zero-padded
			b = append(b, "X,长市监罚〔2024〕"...)
			b = strconv.AppendInt(b, i, 10)
			b = append(b, "号,违反《食品安全法》,\"经查，当事人于2024年1月经营超过保质期的食品，货值金额"...)
			b = strconv.AppendInt(b, i, 10)
			b = append(b, "元，\"\"事实清楚\"\"。\",《中华人民共和国食品安全法》第一百二十四条,罚款；没收违法所得,罚款人民币"...)
			b = strconv.AppendInt(b, i, 10)
			b = append(b, "元,"...)
			b = strconv.AppendInt(b, i%100, 10)
			b = append(b, ".5,2024-01-"...)
			b = append(b, byte('0'+(g.i%28+1)/10), byte('0'+(g.i%28+1)%10))
			g.buf = append(b, ",长春市市场监督管理局,\r\n"...)
		}
		g.i++
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	if len(g.buf) == 0 {
		g.buf = g.buf[:0:cap(g.buf)] // keep the backing array
	}
	return n, nil
}

// TestCSVMemory streams a million rows and checks the heap stays small.
func TestCSVMemory(t *testing.T) {
	n := 1_000_000
	if testing.Short() || raceEnabled {
		n = 200_000
	}
	const limit = 64 << 20
	start := time.Now()
	r, err := Open(&genCSV{n: n}, "big.csv", "", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var ms runtime.MemStats
	var peak uint64
	rows, last := 0, 0
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows++
		last = row.Num
		if len(row.Problems) > 0 {
			t.Fatalf("row %d: %v", row.Num, row.Problems)
		}
		if rows%50_000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			if ms.HeapAlloc > limit {
				t.Fatalf("after %d rows HeapAlloc = %d MB, want under %d MB", rows, ms.HeapAlloc>>20, limit>>20)
			}
		}
	}
	blanks := n / 100
	if want := n - blanks; rows != want {
		t.Errorf("read %d rows, want %d", rows, want)
	}
	lastData := n // generator index of the last data row
	if n%100 == 0 {
		lastData--
	}
	if want := lastData + 1; last != want {
		t.Errorf("last row number %d, want %d", last, want)
	}
	t.Logf("%d rows in %v, peak HeapAlloc %d MB", rows, time.Since(start).Round(time.Millisecond), peak>>20)
}

// TestXLSXMemory reads a large worksheet through the spooled path and
// checks the heap stays small.
func TestXLSXMemory(t *testing.T) {
	n := 50_000
	if testing.Short() || raceEnabled {
		n = 10_000
	}
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	must(t, err)
	must(t, sw.SetRow("A1", []any{"行政相对人名称", "统一社会信用代码", "违法事实", "罚款金额（万元）", "处罚决定日期"}))
	date := style(t, f, 14, "")
	for i := 2; i <= n+1; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i)
		must(t, sw.SetRow(cell, []any{
			fmt.Sprintf("长春市某某商贸有限公司%d", i), fmt.Sprintf("91220101MA%08dX", i),
			"经查，当事人经营超过保质期的食品。", float64(i) + 0.5, excelize.Cell{StyleID: date, Value: 45322},
		}))
	}
	must(t, sw.Flush())
	path := filepath.Join(t.TempDir(), "big.xlsx")
	must(t, f.SaveAs(path))
	must(t, f.Close())
	file, err := os.Open(path)
	must(t, err)
	defer file.Close()

	runtime.GC()
	start := time.Now()
	r, err := Open(io.MultiReader(file), "big.xlsx", "", DefaultLimits()) // not a ReaderAt: spooled
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var ms runtime.MemStats
	var peak uint64
	rows := 0
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows++
		if row.Values["处罚决定日期"] != "2024-01-31" {
			t.Fatalf("row %d: %v", row.Num, row.Values)
		}
		if rows%20_000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			if ms.HeapAlloc > 64<<20 {
				t.Fatalf("after %d rows HeapAlloc = %d MB", rows, ms.HeapAlloc>>20)
			}
		}
	}
	if rows != n {
		t.Errorf("read %d rows, want %d", rows, n)
	}
	t.Logf("%d rows in %v, peak HeapAlloc %d MB", rows, time.Since(start).Round(time.Millisecond), peak>>20)
}
