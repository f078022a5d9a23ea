package main

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestCalendarLoadRace: two `calendar load` of a year not yet in the
// database, without --replace, at once, both past their start when either
// stores: one is loaded (the first load of the year, in force), the other
// refused for want of --replace. With --replace both are loaded, and each
// reports its own load.
func TestCalendarLoadRace(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "c.db")
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))
	if _, e, code := run(t, "migrate", "--db", dsn); code != 0 {
		t.Fatalf("migrate: %d %s", code, e)
	}
	file := writeFile(t, "2027.csv", []byte(madeUp2027))

	// loadTwice runs two loads at once, each waiting before it stores for
	// the other to get there too (or for a second to pass, when the other
	// no longer gets there).
	loadTwice := func(args ...string) (outs, errs [2]string, codes [2]int) {
		var arrived sync.WaitGroup
		arrived.Add(2)
		both := make(chan struct{})
		go func() { arrived.Wait(); close(both) }()
		beforeCalendarLoad = func() {
			arrived.Done()
			select {
			case <-both:
			case <-time.After(time.Second):
			}
		}
		t.Cleanup(func() { beforeCalendarLoad = nil })
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() {
				outs[i], errs[i], codes[i] = run(t, append([]string{"calendar", "load", "--db", dsn, "--year", "2027"}, append(args, file)...)...)
			})
		}
		wg.Wait()
		beforeCalendarLoad = nil
		return outs, errs, codes
	}

	outs, errs, codes := loadTwice()
	loaded, refused := -1, -1
	for i := range 2 {
		switch {
		case codes[i] == 0:
			loaded = i
		case codes[i] == 1 && strings.Contains(errs[i], "2027年已有工作日历") && strings.Contains(errs[i], "--replace"):
			refused = i
		}
	}
	if loaded < 0 || refused < 0 {
		t.Fatalf("two loads of 2027 at once without --replace: exits %v, out %q, errors %q; want one loaded and one refused for want of --replace", codes, outs, errs)
	}
	if !strings.Contains(outs[loaded], "已录入2027年工作日历：放假15天，调休上班1天（第1次录入") {
		t.Errorf("the load that was stored: %q, want its own (the first) load reported", outs[loaded])
	}

	// With --replace, both are stored, one after the other: each reports
	// its own load, the second and the third of the year, and the second
	// is not said to be in force once the third is stored.
	outs, errs, codes = loadTwice("--replace")
	var got []string
	for i := range 2 {
		if codes[i] != 0 {
			t.Fatalf("load %d with --replace: exit %d, %q %q", i, codes[i], outs[i], errs[i])
		}
		switch {
		case strings.Contains(outs[i], "（第2次录入，以本次为准）"), strings.Contains(outs[i], "（第2次录入，其后已有第3次录入，以第3次为准）"):
			got = append(got, "2")
		case strings.Contains(outs[i], "（第3次录入，以本次为准）"):
			got = append(got, "3")
		}
	}
	if len(got) != 2 || got[0] == got[1] {
		t.Errorf("two loads at once with --replace reported %q, want the second and the third load, one each", outs)
	}
}
