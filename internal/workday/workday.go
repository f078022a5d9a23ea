// Package workday is the platform's one working-day calendar (工作日): Chinese
// statutory holidays (放假) and the weekend days that are worked instead
// (调休上班), as announced each year by the State Council General Office.
// Every time limit counted in working days (ingest, repair, objection,
// publicity, reporting) uses it.
//
// Dates are credit.Date values; only their year, month and day are read.
package workday

import (
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"jlcredit/internal/credit"
)

// Entry kinds.
const (
	Holiday = "holiday" // a day off, whatever the day of the week
	Workday = "workday" // a working day, whatever the day of the week (调休上班)
)

// Entry is one exceptional day of the calendar. Name is the holiday it
// belongs to (元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节 …); a
// make-up working day carries the name of the holiday it makes up for.
type Entry struct {
	Date credit.Date
	Kind string // Holiday or Workday
	Name string
}

// dayKey identifies a calendar date independent of time of day and location.
type dayKey struct {
	y int
	m time.Month
	d int
}

func keyOf(d credit.Date) dayKey {
	y, m, dd := d.Date()
	return dayKey{y, m, dd}
}

// Calendar answers working-day questions. Days listed as Holiday are not
// working days, days listed as Workday are; any other day is a working day
// when it falls on Monday to Friday. A Calendar is immutable and safe for
// concurrent use.
type Calendar struct {
	days    map[dayKey]string // Kind by date
	entries []Entry           // sorted by date
	years   map[int]bool      // years with at least one entry
	// cum[i] is the number of working days in [prefixStart, prefixStart+i
	// days), so that counting between two dates in range is a subtraction:
	// ingestion counts working days for every row.
	cum []int32
}

// The range of dates WorkingDaysBetween answers by prefix sums; outside it
// the calendar counts day by day.
var (
	prefixStart = credit.MakeDate(1990, 1, 1)
	prefixEnd   = credit.MakeDate(2100, 1, 1)
)

func (c *Calendar) buildPrefix() {
	n := int(prefixEnd.Sub(prefixStart).Hours()/24) + 1
	c.cum = make([]int32, n+1)
	d := prefixStart
	for i := 0; i < n; i++ {
		c.cum[i+1] = c.cum[i]
		if c.IsWorkingDay(d) {
			c.cum[i+1]++
		}
		d = d.AddDate(0, 0, 1)
	}
}

// dayIndex returns d's offset from prefixStart and whether it is in range.
func (c *Calendar) dayIndex(d credit.Date) (int, bool) {
	if c.cum == nil || d.Before(prefixStart) || !d.Before(prefixEnd) {
		return 0, false
	}
	return int(d.Sub(prefixStart).Hours() / 24), true
}

//go:embed data/holidays.csv
var holidaysCSV string

var defaultCalendar = sync.OnceValue(func() *Calendar {
	entries, err := ParseCSV(strings.NewReader(holidaysCSV))
	if err != nil {
		panic(err) // a build defect, caught by the package tests
	}
	return New(entries)
})

// Default returns the calendar of the embedded table (data/holidays.csv,
// 2015–2026), parsed once.
func Default() *Calendar { return defaultCalendar() }

// New returns a calendar with the given entries. Entries whose Kind is
// neither Holiday nor Workday are ignored; when a date is listed twice, the
// later entry wins.
func New(entries []Entry) *Calendar {
	c := &Calendar{days: make(map[dayKey]string), years: make(map[int]bool)}
	byDay := make(map[dayKey]int) // index into c.entries
	for _, e := range entries {
		if e.Kind != Holiday && e.Kind != Workday {
			continue
		}
		y, m, d := e.Date.Date()
		e.Date = credit.MakeDate(y, m, d)
		k := dayKey{y, m, d}
		c.days[k] = e.Kind
		c.years[y] = true
		if i, ok := byDay[k]; ok {
			c.entries[i] = e
			continue
		}
		byDay[k] = len(c.entries)
		c.entries = append(c.entries, e)
	}
	slices.SortFunc(c.entries, func(a, b Entry) int { return a.Date.Compare(b.Date) })
	c.buildPrefix()
	return c
}

// ParseCSV reads a table in the form of data/holidays.csv: a header
// "date,kind,name", then one row per date (yyyy-mm-dd, holiday|workday,
// name). Lines starting with '#' are comments. It returns an EINVALID error
// naming the line of the first bad row.
func ParseCSV(r io.Reader) ([]Entry, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = 3
	cr.TrimLeadingSpace = true
	var entries []Entry
	seen := make(map[string]int) // line by date
	header := false
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			what := "列数不对"
			switch {
			case errors.Is(pe.Err, csv.ErrQuote), errors.Is(pe.Err, csv.ErrBareQuote):
				what = "引号不配对"
			case !errors.Is(pe.Err, csv.ErrFieldCount):
				what = "无法读取"
			}
			return nil, credit.Errorf(credit.EINVALID, "工作日历第%d行格式错误（%s）：应为“日期,类型,名称”三列", pe.Line, what)
		}
		if err != nil {
			return nil, fmt.Errorf("workday.ParseCSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if !header {
			if rec[0] != "date" || rec[1] != "kind" || rec[2] != "name" {
				return nil, credit.Errorf(credit.EINVALID, "工作日历第%d行应为表头“date,kind,name”", line)
			}
			header = true
			continue
		}
		d, err := parseDay(rec[0])
		if err != nil {
			return nil, credit.Errorf(credit.EINVALID, "工作日历第%d行：日期“%s”无效，应为“年-月-日”，如2026-10-01", line, credit.Clip(rec[0], 40))
		}
		if rec[1] != Holiday && rec[1] != Workday {
			return nil, credit.Errorf(credit.EINVALID, "工作日历第%d行（%s）：类型“%s”无效，应为 holiday（放假）或 workday（调休上班）", line, rec[0], rec[1])
		}
		if first, ok := seen[rec[0]]; ok {
			return nil, credit.Errorf(credit.EINVALID, "工作日历第%d行：%s已在第%d行列出", line, rec[0], first)
		}
		seen[rec[0]] = line
		entries = append(entries, Entry{Date: d, Kind: rec[1], Name: rec[2]})
	}
	if !header {
		return nil, credit.Errorf(credit.EINVALID, "工作日历为空：应以表头“date,kind,name”开始")
	}
	return entries, nil
}

// IsWorkingDay reports whether d is a working day.
//
// A year whose 放假安排 is not in the calendar still has the statutory
// days off on fixed dates (元旦, 1 May — and 2 May from 2025 — and 1–3
// October): counting them as
// working days flagged a decision received after 元旦 as late. Its lunar
// holidays and its 调休 are unknown until the year is loaded.
func (c *Calendar) IsWorkingDay(d credit.Date) bool {
	k := keyOf(d)
	switch c.days[k] {
	case Holiday:
		return false
	case Workday:
		return true
	}
	if !c.years[k.y] {
		for _, f := range fixedHolidays {
			if k.m == f.month && k.d == f.day && k.y >= f.since {
				return false
			}
		}
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// civil returns d as midnight UTC of its calendar date.
func civil(d credit.Date) credit.Date {
	y, m, dd := d.Date()
	return credit.MakeDate(y, m, dd)
}

// AddWorkingDays returns the n-th working day after d (n>0); n=0 returns d.
// A negative n returns the |n|-th working day before d. d itself is never
// counted, so a deadline of "7 working days from the decision date" is
// AddWorkingDays(decision, 7). The result is midnight UTC.
func (c *Calendar) AddWorkingDays(d credit.Date, n int) credit.Date {
	d = civil(d)
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDate(0, 0, step)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// WorkingDaysBetween returns the number of working days in (from, to]; 0 if
// to <= from. Only calendar dates are compared.
func (c *Calendar) WorkingDaysBetween(from, to credit.Date) int {
	from, to = civil(from), civil(to)
	if !to.After(from) {
		return 0
	}
	if i, ok := c.dayIndex(from); ok {
		if j, ok := c.dayIndex(to); ok {
			// working days in (from, to] = cum[to+1] - cum[from+1]
			return int(c.cum[j+1] - c.cum[i+1])
		}
	}
	n := 0
	for d := from.AddDate(0, 0, 1); !d.After(to); d = d.AddDate(0, 0, 1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}

// Covered reports whether the calendar has entries for year, that is,
// whether that year's holiday notice is in the table. For a year that is not
// covered only weekends and the fixed-date statutory holidays are days off
// (see IsWorkingDay), which callers may want to flag.
func (c *Calendar) Covered(year int) bool { return c.years[year] }

// Entries returns the calendar's entries sorted by date. The slice is a copy.
func (c *Calendar) Entries() []Entry { return slices.Clone(c.entries) }

// Years returns the years the calendar covers (see Covered), in order.
func (c *Calendar) Years() []int {
	ys := make([]int, 0, len(c.years))
	for y := range c.years {
		ys = append(ys, y)
	}
	slices.Sort(ys)
	return ys
}

// WithYears returns a new calendar in which each year that has an entry in
// entries is replaced as a whole: c's entries dated in that year are
// dropped and entries' are taken instead. c's other years are kept as they
// are. This is how a year loaded into the database overrides the embedded
// table.
func (c *Calendar) WithYears(entries []Entry) *Calendar {
	replaced := make(map[int]bool)
	for _, e := range entries {
		replaced[e.Date.Year()] = true
	}
	merged := make([]Entry, 0, len(c.entries)+len(entries))
	for _, e := range c.entries {
		if !replaced[e.Date.Year()] {
			merged = append(merged, e)
		}
	}
	return New(append(merged, entries...))
}

// The years a table may be loaded for: those whose working days are
// counted by prefix sums.
const (
	minYear = 1990
	maxYear = 2099
)

// ValidateYear checks a year's table before it replaces that year: at
// least one entry; every entry dated in year, of kind Holiday or Workday
// and named; no date listed twice; a make-up working day (Workday) only on
// a Saturday or Sunday, since a weekday is a working day anyway. It
// returns an EINVALID error naming the first bad entry by its date and
// position (1 = the first entry).
//
// A notice sometimes reaches into the year before (the 2019 notice made
// 2018-12-29 a working day and 2018-12-30/31 days off); such days belong
// to the table of the year they fall in.
func ValidateYear(year int, entries []Entry) error {
	if year < minYear || year > maxYear {
		return credit.Errorf(credit.EINVALID, "年份%d无效：应在%d至%d年之间", year, minYear, maxYear)
	}
	if len(entries) == 0 {
		return credit.Errorf(credit.EINVALID, "%d年的工作日历没有任何条目", year)
	}
	seen := make(map[dayKey]int) // position by date
	for i, e := range entries {
		n := i + 1
		day := e.Date.Format(credit.DateLayout)
		if e.Date.Year() != year {
			return credit.Errorf(credit.EINVALID, "第%d条（%s）不在%d年内：每次只能录入一年的放假安排", n, day, year)
		}
		if e.Kind != Holiday && e.Kind != Workday {
			return credit.Errorf(credit.EINVALID, "第%d条（%s）：类型“%s”无效，应为 holiday（放假）或 workday（调休上班）", n, day, e.Kind)
		}
		if strings.TrimSpace(e.Name) == "" {
			return credit.Errorf(credit.EINVALID, "第%d条（%s）：缺少节日名称", n, day)
		}
		if first, ok := seen[keyOf(e.Date)]; ok {
			return credit.Errorf(credit.EINVALID, "第%d条（%s）：该日期已在第%d条列出", n, day, first)
		}
		seen[keyOf(e.Date)] = n
		if wd := e.Date.Weekday(); e.Kind == Workday && wd != time.Saturday && wd != time.Sunday {
			return credit.Errorf(credit.EINVALID, "第%d条（%s）是%s：调休上班日应为周六或周日", n, day, weekdayNames[wd])
		}
	}
	holidays := 0
	off := make(map[dayKey]bool)
	for _, e := range entries {
		if e.Kind == Holiday {
			holidays++
			off[keyOf(e.Date)] = true
		}
	}
	if min := statutoryDays(year); holidays < min {
		return credit.Errorf(credit.EINVALID, "%d年只列出%d个放假日，少于全国年节及纪念日放假办法规定的%d天全体公民假日：放假安排应列出每一个放假日（含放假期间的周末）", year, holidays, min)
	}
	// The holidays on fixed dates (全国年节及纪念日放假办法) are in every
	// year's arrangement, on a weekend too: a table without one of them is
	// a part of the year (a file of the first festivals only would
	// otherwise pass as the whole year and end the warning that it is
	// missing).
	for _, f := range fixedHolidays {
		if year < f.since {
			continue
		}
		if d := credit.MakeDate(year, f.month, f.day); !off[keyOf(d)] {
			return credit.Errorf(credit.EINVALID, "%d年的放假安排缺少%s（%s）：应列出全国年节及纪念日放假办法规定的每一个放假日", year, f.name, d.Format(credit.DateLayout))
		}
	}
	return nil
}

// fixedHolidays are the statutory days off on fixed dates; since is the
// first year of one (the 2024 revision of the 全国年节及纪念日放假办法 gave
// 劳动节 a second day from 2025).
var fixedHolidays = []struct {
	month time.Month
	day   int
	name  string
	since int
}{
	{time.January, 1, "元旦", 0},
	{time.May, 1, "劳动节", 0}, {time.May, 2, "劳动节", 2025},
	{time.October, 1, "国庆节", 0}, {time.October, 2, "国庆节", 0}, {time.October, 3, "国庆节", 0},
}

// statutoryDays is the number of days off for every citizen that the
// 全国年节及纪念日放假办法 sets for year: 11 from 2014, 13 from 2025 (two
// more: 除夕 and a second day of 劳动节). A year's table lists at least as
// many holidays, weekends within a 放假 period included.
func statutoryDays(year int) int {
	if year >= 2025 {
		return 13
	}
	return 11
}

var weekdayNames = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// parseDay reads a calendar date written yyyy-mm-dd, or yyyy/m/d and yyyy-m-d
// as Excel writes them when it saves a table again.
func parseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{credit.DateLayout, "2006/1/2", "2006-1-2"} {
		if d, err := time.Parse(layout, s); err == nil {
			return d, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad date %q", s)
}
