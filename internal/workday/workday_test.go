package workday

import (
	"slices"
	"strings"
	"testing"
	"time"

	"jlcredit/internal/credit"
)

// day parses yyyy-mm-dd or fails the test.
func day(tb testing.TB, s string) credit.Date {
	tb.Helper()
	d, err := time.Parse(credit.DateLayout, s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func TestIsWorkingDay(t *testing.T) {
	c := Default()
	for _, test := range []struct {
		date string
		want bool
		why  string
	}{
		{"2025-01-24", true, "Friday before 春节"},
		{"2025-01-25", false, "ordinary Saturday"},
		{"2025-01-26", true, "make-up Sunday before 春节 2025"},
		{"2025-01-28", false, "除夕 2025, a Tuesday"},
		{"2025-02-04", false, "last day of 春节 2025"},
		{"2025-02-05", true, "first day back"},
		{"2025-02-08", true, "make-up Saturday after 春节 2025"},
		{"2025-04-27", true, "make-up Sunday before 劳动节 2025"},
		{"2025-05-02", false, "劳动节 2025, Friday"},
		{"2025-05-05", false, "劳动节 2025, holiday Monday"},
		{"2025-06-02", false, "端午节 2025, holiday Monday"},
		{"2025-09-28", true, "make-up Sunday before 国庆 2025"},
		{"2025-10-06", false, "中秋节 2025, holiday Monday"},
		{"2025-10-08", false, "last day of 国庆 2025"},
		{"2025-10-09", true, "first day back"},
		{"2025-10-11", true, "make-up Saturday after 国庆 2025"},
		{"2026-01-01", false, "元旦 2026"},
		{"2026-01-02", false, "元旦 2026, Friday"},
		{"2026-01-04", true, "make-up Sunday after 元旦 2026"},
		{"2026-02-14", true, "make-up Saturday before 春节 2026"},
		{"2026-02-16", false, "除夕 2026"},
		{"2026-02-23", false, "春节 2026, holiday Monday"},
		{"2026-02-24", true, "first day back"},
		{"2026-02-28", true, "make-up Saturday after 春节 2026"},
		{"2026-04-06", false, "清明节 2026, holiday Monday"},
		{"2026-05-05", false, "劳动节 2026, Tuesday"},
		{"2026-05-09", true, "make-up Saturday after 劳动节 2026"},
		{"2026-06-19", false, "端午节 2026, Friday"},
		{"2026-09-20", true, "make-up Sunday before 国庆 2026"},
		{"2026-09-25", false, "中秋节 2026, Friday"},
		{"2026-10-07", false, "last day of 国庆 2026"},
		{"2026-10-08", true, "first day back"},
		{"2026-10-10", true, "make-up Saturday after 国庆 2026"},
		{"2026-10-11", false, "ordinary Sunday"},
		{"2018-12-29", true, "make-up Saturday for 元旦 2019"},
		{"2018-12-31", false, "元旦 2019 starts in 2018"},
		{"2020-01-31", false, "春节 2020 extension"},
		{"2020-02-01", false, "planned make-up Saturday cancelled by the extension"},
		{"2020-02-03", true, "first day back in 2020"},
		{"2015-09-03", false, "抗战胜利70周年纪念日"},
		{"2015-09-06", true, "make-up Sunday for 9月3日 2015"},
		{"2027-01-01", false, "not covered: 元旦 is a fixed-date statutory holiday all the same"},
		{"2014-10-01", false, "not covered: 国庆节 is a fixed-date statutory holiday all the same"},
		{"2027-01-04", true, "not covered: an ordinary Monday"},
		{"2028-05-02", false, "not covered: 劳动节's second day, a fixed date from 2025"},
		{"2014-05-02", true, "not covered: before 2025 劳动节 was one day"},
		{"2027-02-08", true, "not covered: 春节 (lunar) is unknown until the year is loaded"},
		{"2014-10-04", false, "not covered: Saturday"},
	} {
		if got := c.IsWorkingDay(day(t, test.date)); got != test.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v (%s)", test.date, got, test.want, test.why)
		}
	}
}

func TestIsWorkingDayIgnoresClock(t *testing.T) {
	c := Default()
	// 2026-02-23 23:30 in Shanghai is a holiday Monday, whatever its UTC instant.
	d := time.Date(2026, time.February, 23, 23, 30, 0, 0, credit.Shanghai)
	if c.IsWorkingDay(d) {
		t.Errorf("IsWorkingDay(%v) = true, want false", d)
	}
	if got, want := c.AddWorkingDays(d, 1), day(t, "2026-02-24"); !got.Equal(want) {
		t.Errorf("AddWorkingDays(%v, 1) = %v, want %v", d, got, want)
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := Default()
	for _, test := range []struct {
		from string
		n    int
		want string
		why  string
	}{
		{"2025-01-24", 7, "2025-02-10", "crosses 春节 2025 and both make-up days"},
		{"2025-01-27", 1, "2025-02-05", "the day before 除夕 to the first day back"},
		{"2025-01-27", 4, "2025-02-08", "lands on the make-up Saturday"},
		{"2026-02-12", 7, "2026-02-28", "crosses 春节 2026, ends on the make-up Saturday"},
		{"2026-02-13", 1, "2026-02-14", "make-up Saturday counts"},
		{"2026-02-13", 2, "2026-02-24", "9-day 春节 2026"},
		{"2025-09-26", 5, "2025-10-10", "crosses 国庆 2025"},
		{"2025-09-30", 1, "2025-10-09", "国庆 2025 is 8 days"},
		{"2025-09-30", 2, "2025-10-10", ""},
		{"2025-09-30", 3, "2025-10-11", "make-up Saturday after 国庆 2025"},
		{"2026-09-18", 1, "2026-09-20", "make-up Sunday before 国庆 2026"},
		{"2026-09-30", 3, "2026-10-10", "crosses 国庆 2026"},
		{"2026-09-30", 7, "2026-10-15", ""},
		{"2026-04-03", 1, "2026-04-07", "清明 2026: holiday Monday skipped"},
		{"2026-12-31", 1, "2027-01-04", "2027 not covered: 元旦 is still off, then the weekend"},
		{"2025-03-03", 7, "2025-03-12", "ordinary weeks"},
		{"2025-03-07", 0, "2025-03-07", "n = 0"},
		{"2025-03-08", 0, "2025-03-08", "n = 0 on a weekend"},
		{"2025-02-05", -1, "2025-01-27", "backwards across 春节 2025"},
		{"2025-02-10", -7, "2025-01-24", "backwards inverse of the first row"},
	} {
		got := c.AddWorkingDays(day(t, test.from), test.n)
		if want := day(t, test.want); !got.Equal(want) {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s (%s)", test.from, test.n, got.Format(credit.DateLayout), test.want, test.why)
		}
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := Default()
	for _, test := range []struct {
		from, to string
		want     int
	}{
		{"2026-02-13", "2026-02-28", 6},
		{"2026-02-13", "2026-02-14", 1},
		{"2026-02-14", "2026-02-23", 0},
		{"2025-09-30", "2025-10-08", 0},
		{"2025-09-30", "2025-10-09", 1},
		{"2025-09-26", "2025-10-10", 5},
		{"2025-03-03", "2025-03-10", 5},
		{"2025-03-03", "2025-03-03", 0},
		{"2025-03-10", "2025-03-03", 0},
		{"2026-01-01", "2027-01-01", 248}, // 2026: 365 − 104 weekend days − 19 weekdays off + 6 make-up days = 248; 2027-01-01 is 元旦 (fixed date), covered or not
	} {
		if got := c.WorkingDaysBetween(day(t, test.from), day(t, test.to)); got != test.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", test.from, test.to, got, test.want)
		}
	}
}

// TestWorkingDaysPerYear checks the yearly totals: 365 or 366 days minus
// weekends minus weekdays off plus make-up days. The published totals are
// 249–251 working days a year for 2015–2026.
func TestWorkingDaysPerYear(t *testing.T) {
	c := Default()
	for y := 2015; y <= 2026; y++ {
		n := c.WorkingDaysBetween(credit.MakeDate(y-1, time.December, 31), credit.MakeDate(y, time.December, 31))
		if n < 245 || n > 252 {
			t.Errorf("%d has %d working days, want 245–252", y, n)
		}
	}
}

// TestConsistency checks WorkingDaysBetween(d, AddWorkingDays(d, n)) == n and
// that every AddWorkingDays result (n > 0) is a working day, over every day
// of the table and its margins.
func TestConsistency(t *testing.T) {
	c := Default()
	for d := credit.MakeDate(2014, time.December, 1); d.Before(credit.MakeDate(2027, time.February, 1)); d = d.AddDate(0, 0, 1) {
		for _, n := range []int{0, 1, 2, 3, 5, 7, 10, 15, 20, 30, 60} {
			e := c.AddWorkingDays(d, n)
			if got := c.WorkingDaysBetween(d, e); got != n {
				t.Fatalf("WorkingDaysBetween(%s, AddWorkingDays(%s, %d) = %s) = %d", d.Format(credit.DateLayout), d.Format(credit.DateLayout), n, e.Format(credit.DateLayout), got)
			}
			if n > 0 && !c.IsWorkingDay(e) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s is not a working day", d.Format(credit.DateLayout), n, e.Format(credit.DateLayout))
			}
			if n > 0 && c.IsWorkingDay(d) {
				if back := c.AddWorkingDays(e, -n); !back.Equal(d) {
					t.Fatalf("AddWorkingDays(AddWorkingDays(%s, %d), %d) = %s", d.Format(credit.DateLayout), n, -n, back.Format(credit.DateLayout))
				}
			}
		}
	}
}

func TestCovered(t *testing.T) {
	c := Default()
	for y := 2015; y <= 2026; y++ {
		if !c.Covered(y) {
			t.Errorf("Covered(%d) = false", y)
		}
	}
	for _, y := range []int{2013, 2014, 2027, 2030} {
		if c.Covered(y) {
			t.Errorf("Covered(%d) = true", y)
		}
	}
}

// holidayNames are the names the embedded table may use.
var holidayNames = map[string]bool{
	"元旦": true, "春节": true, "清明节": true, "劳动节": true, "端午节": true,
	"中秋节": true, "国庆节": true, "国庆节、中秋节": true, "中秋节、国庆节": true,
	"抗战胜利70周年纪念日": true,
}

func TestEmbeddedTable(t *testing.T) {
	entries := Default().Entries()
	if len(entries) < 12*30 {
		t.Fatalf("len(Entries()) = %d, want at least %d", len(entries), 12*30)
	}
	for i, e := range entries {
		if i > 0 && !entries[i-1].Date.Before(e.Date) {
			t.Errorf("entries not sorted and unique at %s", e.Date.Format(credit.DateLayout))
		}
		if !holidayNames[e.Name] {
			t.Errorf("%s: unknown name %q", e.Date.Format(credit.DateLayout), e.Name)
		}
		wd := e.Date.Weekday()
		weekend := wd == time.Saturday || wd == time.Sunday
		if e.Kind == Workday && !weekend {
			t.Errorf("%s: make-up working day on a %s", e.Date.Format(credit.DateLayout), wd)
		}
	}
	// Each year has its seven holidays (the combined 中秋/国庆 counts for two).
	for y := 2015; y <= 2026; y++ {
		names := make(map[string]bool)
		for _, e := range entries {
			if e.Kind == Holiday && e.Date.Year() == y {
				for _, n := range strings.Split(e.Name, "、") {
					names[n] = true
				}
			}
		}
		for _, want := range []string{"春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"} {
			if !names[want] {
				t.Errorf("%d: no %s", y, want)
			}
		}
	}
	// Entries returns a copy.
	orig := entries[0].Kind
	entries[0].Kind = "changed"
	if got := Default().Entries()[0].Kind; got != orig {
		t.Errorf("Entries() exposes the table: Kind = %q after changing the copy", got)
	}
}

func TestNew(t *testing.T) {
	c := New([]Entry{
		{Date: time.Date(2030, time.January, 1, 15, 0, 0, 0, credit.Shanghai), Kind: Holiday, Name: "元旦"},
		{Date: credit.MakeDate(2030, time.January, 5), Kind: Workday, Name: "元旦"},
		{Date: credit.MakeDate(2030, time.January, 7), Kind: "bogus"},
		{Date: credit.MakeDate(2030, time.January, 8), Kind: Holiday, Name: "first"},
		{Date: credit.MakeDate(2030, time.January, 8), Kind: Workday, Name: "second"},
	})
	for _, test := range []struct {
		date string
		want bool
	}{
		{"2030-01-01", false}, // Tuesday holiday, given with a clock time
		{"2030-01-05", true},  // Saturday worked
		{"2030-01-06", false}, // Sunday
		{"2030-01-07", true},  // bogus kind ignored
		{"2030-01-08", true},  // later entry wins
	} {
		if got := c.IsWorkingDay(day(t, test.date)); got != test.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", test.date, got, test.want)
		}
	}
	if !c.Covered(2030) || c.Covered(2026) {
		t.Errorf("Covered(2030), Covered(2026) = %v, %v, want true, false", c.Covered(2030), c.Covered(2026))
	}
	es := c.Entries()
	if len(es) != 3 || es[2].Name != "second" || !es[0].Date.Equal(credit.MakeDate(2030, time.January, 1)) {
		t.Errorf("Entries() = %+v", es)
	}
	if got := New(nil).AddWorkingDays(credit.MakeDate(2030, time.January, 4), 1); !got.Equal(credit.MakeDate(2030, time.January, 7)) {
		t.Errorf("empty calendar: AddWorkingDays(Fri, 1) = %v, want Monday", got)
	}
}

func TestParseCSV(t *testing.T) {
	good := "# comment\ndate,kind,name\n\n2030-01-01,holiday,元旦\n# another\n2030-01-05,workday,元旦\n"
	es, err := ParseCSV(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[1].Kind != Workday || !es[0].Date.Equal(credit.MakeDate(2030, time.January, 1)) {
		t.Errorf("ParseCSV = %+v", es)
	}
	// As Excel writes dates when it saves the table again.
	for _, written := range []string{"2030/1/1", "2030/01/01", "2030-1-1"} {
		if es, err := ParseCSV(strings.NewReader("date,kind,name\n" + written + ",holiday,元旦\n")); err != nil || !es[0].Date.Equal(credit.MakeDate(2030, time.January, 1)) {
			t.Errorf("ParseCSV(%s) = %+v, %v; want 2030-01-01", written, es, err)
		}
	}
	for _, bad := range []string{
		"",
		"2030-01-01,holiday,元旦\n",
		"date,kind,name\n2030-13-01,holiday,元旦\n",
		"date,kind,name\n2030.01.01,holiday,元旦\n",
		"date,kind,name\n2030-01-01,off,元旦\n",
		"date,kind,name\n2030-01-01,holiday\n",
		"date,kind,name\n2030-01-01,holiday,元旦\n2030-01-01,workday,元旦\n",
	} {
		if _, err := ParseCSV(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseCSV(%q): no error", bad)
		}
	}
}

func TestParseCSVErrors(t *testing.T) {
	for _, test := range []struct {
		name, text, want string
	}{
		{"Empty", "", "工作日历为空"},
		{"NoHeader", "2030-01-01,holiday,元旦\n", "第1行应为表头"},
		{"BadDate", "date,kind,name\n# comment\n2030-13-01,holiday,元旦\n", "第3行：日期“2030-13-01”无效"},
		{"BadKind", "date,kind,name\n2030-01-01,off,元旦\n", "第2行（2030-01-01）：类型“off”无效"},
		{"TwoColumns", "date,kind,name\n2030-01-01,holiday\n", "第2行格式错误（列数不对）：应为“日期,类型,名称”三列"},
		{"Twice", "date,kind,name\n2030-01-01,holiday,元旦\n2030-01-01,workday,元旦\n", "第3行：2030-01-01已在第2行列出"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := ParseCSV(strings.NewReader(test.text))
			if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), test.want) {
				t.Errorf("ParseCSV(%q) = %v, want EINVALID with %q", test.text, err, test.want)
			}
		})
	}
}

func TestYears(t *testing.T) {
	want := []int{2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026}
	if got := Default().Years(); !slices.Equal(got, want) {
		t.Errorf("Default().Years() = %v, want %v", got, want)
	}
	if got := New(nil).Years(); len(got) != 0 {
		t.Errorf("New(nil).Years() = %v, want none", got)
	}
}

// A made-up table for years past the embedded one; the dates are not the
// State Council's.
func madeUp2027() []Entry {
	return []Entry{
		{Date: credit.MakeDate(2027, time.January, 1), Kind: Holiday, Name: "元旦"}, // Friday
		{Date: credit.MakeDate(2027, time.January, 4), Kind: Holiday, Name: "元旦"}, // Monday
		{Date: credit.MakeDate(2027, time.January, 9), Kind: Workday, Name: "元旦"}, // Saturday
	}
}

func TestWithYears(t *testing.T) {
	def := Default()
	// A year the embedded table lacks is added.
	c := def.WithYears(madeUp2027())
	for _, test := range []struct {
		date string
		want bool
		why  string
	}{
		{"2027-01-01", false, "loaded holiday"},
		{"2027-01-04", false, "loaded holiday Monday"},
		{"2027-01-09", true, "loaded make-up Saturday"},
		{"2027-01-10", false, "ordinary Sunday"},
		{"2026-02-16", false, "embedded 2026 untouched"},
		{"2026-02-14", true, "embedded 2026 make-up day untouched"},
	} {
		if got := c.IsWorkingDay(day(t, test.date)); got != test.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v (%s)", test.date, got, test.want, test.why)
		}
	}
	if !c.Covered(2027) || !c.Covered(2026) || def.Covered(2027) {
		t.Errorf("Covered(2027), Covered(2026), Default().Covered(2027) = %v, %v, %v, want true, true, false", c.Covered(2027), c.Covered(2026), def.Covered(2027))
	}
	if got, want := c.AddWorkingDays(day(t, "2026-12-31"), 1), day(t, "2027-01-05"); !got.Equal(want) {
		t.Errorf("AddWorkingDays(2026-12-31, 1) = %s, want %s", got.Format(credit.DateLayout), want.Format(credit.DateLayout))
	}

	// A year the embedded table has is replaced as a whole: its other
	// days off are gone, the years around it stay.
	c = def.WithYears([]Entry{{Date: credit.MakeDate(2026, time.March, 2), Kind: Holiday, Name: "test"}})
	for _, test := range []struct {
		date string
		want bool
		why  string
	}{
		{"2026-03-02", false, "the replacing entry"},
		{"2026-02-16", true, "embedded 2026 holiday (a Monday) replaced"},
		{"2026-02-14", false, "embedded 2026 make-up Saturday replaced"},
		{"2026-10-01", true, "embedded 国庆 2026 replaced"},
		{"2025-01-28", false, "2025 untouched"},
		{"2025-01-26", true, "2025 make-up Sunday untouched"},
	} {
		if got := c.IsWorkingDay(day(t, test.date)); got != test.want {
			t.Errorf("replaced 2026: IsWorkingDay(%s) = %v, want %v (%s)", test.date, got, test.want, test.why)
		}
	}
	if got, want := len(c.Entries()), len(def.Entries())-countYear(def, 2026)+1; got != want {
		t.Errorf("len(Entries()) = %d, want %d", got, want)
	}
	if !slices.Equal(c.Years(), def.Years()) {
		t.Errorf("Years() = %v, want %v", c.Years(), def.Years())
	}

	// The receiver is not changed, and no years means the same calendar.
	if def.IsWorkingDay(day(t, "2027-01-09")) || def.IsWorkingDay(day(t, "2026-02-16")) {
		t.Errorf("WithYears changed its receiver")
	}
	if got, want := len(def.WithYears(nil).Entries()), len(def.Entries()); got != want {
		t.Errorf("WithYears(nil): %d entries, want %d", got, want)
	}
}

func countYear(c *Calendar, year int) int {
	n := 0
	for _, e := range c.Entries() {
		if e.Date.Year() == year {
			n++
		}
	}
	return n
}

// rest2027 is the rest of a made-up 2027 table: 劳动节 from 1 to 5 May and
// 国庆节 from 1 to 7 October, so that it reaches the statutory minimum.
func rest2027() []Entry {
	var out []Entry
	for d := 1; d <= 5; d++ {
		out = append(out, Entry{Date: credit.MakeDate(2027, time.May, d), Kind: Holiday, Name: "劳动节"})
	}
	for d := 1; d <= 7; d++ {
		out = append(out, Entry{Date: credit.MakeDate(2027, time.October, d), Kind: Holiday, Name: "国庆节"})
	}
	return out
}

func TestValidateYear(t *testing.T) {
	if err := ValidateYear(2027, append(madeUp2027(), rest2027()...)); err != nil {
		t.Fatalf("ValidateYear(2027, made-up table) = %v", err)
	}
	// Entries after the first three, then the rest of the year.
	with := func(es ...Entry) []Entry { return append(append(madeUp2027(), es...), rest2027()...) }
	for _, test := range []struct {
		name    string
		year    int
		entries []Entry
		want    string
	}{
		{"ErrYear", 19, madeUp2027(), "年份19无效"},
		{"ErrEmpty", 2027, nil, "2027年的工作日历没有任何条目"},
		{"ErrOtherYear", 2027, with(Entry{Date: credit.MakeDate(2026, time.December, 31), Kind: Holiday, Name: "元旦"}), "第4条（2026-12-31）不在2027年内"},
		{"ErrKind", 2027, with(Entry{Date: credit.MakeDate(2027, time.May, 3), Kind: "off", Name: "劳动节"}), "第4条（2027-05-03）：类型“off”无效"},
		{"ErrName", 2027, with(Entry{Date: credit.MakeDate(2027, time.May, 3), Kind: Holiday, Name: " "}), "第4条（2027-05-03）：缺少节日名称"},
		{"ErrTwice", 2027, with(Entry{Date: credit.MakeDate(2027, time.January, 1), Kind: Holiday, Name: "元旦"}), "第4条（2027-01-01）：该日期已在第1条列出"},
		{"ErrTwiceOtherKind", 2027, with(Entry{Date: credit.MakeDate(2027, time.January, 9), Kind: Holiday, Name: "元旦"}), "第4条（2027-01-09）：该日期已在第3条列出"},
		{"ErrWorkdayOnWeekday", 2027, with(Entry{Date: credit.MakeDate(2027, time.January, 5), Kind: Workday, Name: "元旦"}), "第4条（2027-01-05）是星期二：调休上班日应为周六或周日"},
		// Fewer days off than the law gives every citizen: not a whole
		// year's 放假安排.
		{"ErrTooFewHolidays", 2027, madeUp2027(), "2027年只列出2个放假日，少于全国年节及纪念日放假办法规定的13天"},
		// Enough days, but only the first festivals: 劳动节 and 国庆节 missing.
		{"ErrPartOfYear", 2027, func() []Entry {
			var es []Entry
			for d := 1; d <= 3; d++ {
				es = append(es, Entry{Date: credit.MakeDate(2027, time.January, d), Kind: Holiday, Name: "元旦"})
			}
			for d := 5; d <= 13; d++ {
				es = append(es, Entry{Date: credit.MakeDate(2027, time.February, d), Kind: Holiday, Name: "春节"})
			}
			for d := 4; d <= 6; d++ {
				es = append(es, Entry{Date: credit.MakeDate(2027, time.April, d), Kind: Holiday, Name: "清明节"})
			}
			return es
		}(), "2027年的放假安排缺少劳动节（2027-05-01）"},
	} {
		t.Run(test.name, func(t *testing.T) {
			err := ValidateYear(test.year, test.entries)
			if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), test.want) {
				t.Errorf("ValidateYear = %v, want EINVALID with %q", err, test.want)
			}
		})
	}
	// A holiday may fall on a weekend: every day of a 放假 period is listed.
	if err := ValidateYear(2027, with(Entry{Date: credit.MakeDate(2027, time.January, 2), Kind: Holiday, Name: "元旦"})); err != nil {
		t.Errorf("holiday on a Saturday: %v", err)
	}
	// The embedded table passes, year by year.
	byYear := make(map[int][]Entry)
	for _, e := range Default().Entries() {
		byYear[e.Date.Year()] = append(byYear[e.Date.Year()], e)
	}
	for y, es := range byYear {
		if err := ValidateYear(y, es); err != nil {
			t.Errorf("embedded %d: %v", y, err)
		}
	}
}
