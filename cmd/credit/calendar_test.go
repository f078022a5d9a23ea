package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"jlcredit/internal/credit"
	"jlcredit/internal/workday"
)

// A made-up table for 2027, well formed but not the State Council's notice:
// 元旦 from Friday 1 to Sunday 3 January, made up on Saturday 9 January.
const madeUp2027 = `# made up for the test
date,kind,name
2027-01-01,holiday,元旦
2027-01-02,holiday,元旦
2027-01-03,holiday,元旦
2027-01-09,workday,元旦
2027-05-01,holiday,劳动节
2027-05-02,holiday,劳动节
2027-05-03,holiday,劳动节
2027-05-04,holiday,劳动节
2027-05-05,holiday,劳动节
2027-10-01,holiday,国庆节
2027-10-02,holiday,国庆节
2027-10-03,holiday,国庆节
2027-10-04,holiday,国庆节
2027-10-05,holiday,国庆节
2027-10-06,holiday,国庆节
2027-10-07,holiday,国庆节
`

func writeFile(t *testing.T, name string, body []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// listLine returns the line of `calendar list` output for year.
func listLine(out string, year int) string {
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, fmt.Sprint(year)+"\t") {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

func TestCalendarCommand(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "c.db")
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))

	// A listing never creates a database: a mistyped path says so.
	if _, e, code := run(t, "calendar", "list", "--db", dsn); code != 1 || !strings.Contains(e, "credit migrate") {
		t.Fatalf("calendar list of no database: %d %s", code, e)
	}
	if _, e, code := run(t, "migrate", "--db", dsn); code != 0 {
		t.Fatalf("migrate: %d %s", code, e)
	}
	out, e, code := run(t, "calendar", "list", "--db", dsn)
	if code != 0 {
		t.Fatalf("calendar list: %d %s", code, e)
	}
	if got := listLine(out, 2015); !strings.Contains(got, "嵌入") {
		t.Errorf("2015: %q, want 嵌入", got)
	}
	if got := listLine(out, 2026); !strings.Contains(got, "嵌入") {
		t.Errorf("2026: %q, want 嵌入", got)
	}
	next := credit.Today(time.Now).Year() + 1
	if next > 2026 {
		if got := listLine(out, next); !strings.Contains(got, "未录入") {
			t.Errorf("%d: %q, want 未录入", next, got)
		}
	}

	file := writeFile(t, "2027.csv", []byte(madeUp2027))
	out, e, code = run(t, "calendar", "load", "--db", dsn, "--year", "2027", file)
	if code != 0 || !strings.Contains(out, "已录入2027年工作日历：放假15天，调休上班1天（第1次录入") {
		t.Fatalf("calendar load: %d %q %s", code, out, e)
	}
	// Saved by Excel as GB18030, loaded again.
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(madeUp2027)
	if err != nil {
		t.Fatal(err)
	}
	gbFile := writeFile(t, "2027-gbk.csv", []byte(gb))
	// A year in force is replaced only when asked to.
	if out, e, code := run(t, "calendar", "load", "--db", dsn, "--year", "2027", gbFile); code != 1 || !strings.Contains(e, "2027年已有工作日历") || !strings.Contains(e, "--replace") {
		t.Errorf("loading 2027 again without --replace: exit %d, %q %q", code, out, e)
	}
	out, e, code = run(t, "calendar", "load", "--db", dsn, "--year", "2027", "--replace", gbFile)
	if code != 0 || !strings.Contains(out, "第2次录入") {
		t.Fatalf("calendar load (GB18030): %d %q %s", code, out, e)
	}
	out, _, code = run(t, "calendar", "list", "--db", dsn)
	if got := listLine(out, 2027); code != 0 || !strings.Contains(got, "数据库") || !strings.Contains(got, "放假15天，调休上班1天") || !strings.Contains(got, "第2次录入，system:system") {
		t.Errorf("2027 after loading: %q", got)
	}

	// The names are stored as written, whatever the file's encoding.
	db, err := (&Env{Stderr: &bytes.Buffer{}}).openDB(context.Background(), dsn, openExisting)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range db.Calendar().Entries() {
		if e.Date.Year() == 2027 {
			names = append(names, e.Name)
		}
	}
	db.Close()
	if strings.Join(names, ",") != "元旦,元旦,元旦,元旦,劳动节,劳动节,劳动节,劳动节,劳动节,国庆节,国庆节,国庆节,国庆节,国庆节,国庆节,国庆节" {
		t.Errorf("2027 names = %q", names)
	}

	for _, test := range []struct {
		name string
		args []string
		body string
		code int
		want string
	}{
		{"ErrOtherYear", []string{"--year", "2028"}, madeUp2027, 1, "不在2028年内"},
		{"ErrWorkdayOnWeekday", []string{"--year", "2027"}, "date,kind,name\n2027-01-05,workday,元旦\n", 1, "2027-01-05"},
		{"ErrBadRow", []string{"--year", "2027"}, "date,kind,name\n2027-01-01,holiday,元旦\n2027-13-02,holiday,元旦\n", 1, "第3行：日期“2027-13-02”无效"},
		{"ErrNoYear", nil, madeUp2027, 1, "--year"},
	} {
		t.Run(test.name, func(t *testing.T) {
			args := append(append([]string{"calendar", "load", "--db", dsn}, test.args...), writeFile(t, "x.csv", []byte(test.body)))
			_, e, code := run(t, args...)
			if code != test.code || !strings.Contains(e, test.want) {
				t.Errorf("%v: exit %d, %q; want %d with %q", test.args, code, e, test.code, test.want)
			}
		})
	}
	if _, _, code := run(t, "calendar", "load", "--db", dsn, "--year", "2027"); code != 2 {
		t.Errorf("calendar load without a file: exit %d, want 2", code)
	}
	if _, _, code := run(t, "calendar"); code != 2 {
		t.Errorf("calendar: exit %d, want 2", code)
	}
}

// lockedBuffer is a bytes.Buffer the server's loggers may write to at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestServeWarnsUncoveredYear checks that serve warns when the year 60 days
// ahead has no 放假安排, and not once it is loaded.
func TestServeWarnsUncoveredYear(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "c.db")
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))
	year := credit.Today(time.Now).AddDate(0, 0, 60).Year()
	const warning = "工作日历未包含"
	serve := func() string {
		t.Helper()
		var stderr lockedBuffer
		srv := &ServeCommand{Env: &Env{Stdout: &bytes.Buffer{}, Stderr: &stderr}, DSN: dsn, Addr: "127.0.0.1:0"}
		err := srv.Open(context.Background())
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		return stderr.String()
	}
	if e := serve(); strings.Contains(e, warning) != !workday.Default().Covered(year) {
		t.Errorf("serve with the embedded calendar, %d covered = %v: stderr %q", year, workday.Default().Covered(year), e)
	} else if !workday.Default().Covered(year) && !strings.Contains(e, fmt.Sprintf("%s%d年的放假安排", warning, year)) {
		t.Errorf("serve: stderr %q does not name %d", e, year)
	}
	// A made-up table for that year: a day off on 1 January, 5 in May and
	// 7 in October (the statutory minimum is 13).
	table := fmt.Sprintf("date,kind,name\n%d-01-01,holiday,元旦\n", year)
	for _, d := range []string{"05-01", "05-02", "05-03", "05-04", "05-05", "10-01", "10-02", "10-03", "10-04", "10-05", "10-06", "10-07"} {
		table += fmt.Sprintf("%d-%s,holiday,节日\n", year, d)
	}
	file := writeFile(t, "year.csv", []byte(table))
	if _, e, code := run(t, "calendar", "load", "--db", dsn, "--year", fmt.Sprint(year), "--replace", file); code != 0 {
		t.Fatalf("calendar load: %d %s", code, e)
	}
	if e := serve(); strings.Contains(e, warning) {
		t.Errorf("serve after loading %d: stderr %q", year, e)
	}
}
