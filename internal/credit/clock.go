package credit

import "time"

// Shanghai is the time zone in which dates are shown and decision dates live.
var Shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// Date is a calendar date without time of day, stored as midnight UTC.
type Date = time.Time

// MakeDate returns the Date for y-m-d.
func MakeDate(y int, m time.Month, d int) Date {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DateOf returns the calendar date of t as seen in Asia/Shanghai.
func DateOf(t time.Time) Date {
	t = t.In(Shanghai)
	return MakeDate(t.Year(), t.Month(), t.Day())
}

// StartOfDay returns the first instant of date d in Asia/Shanghai: a day
// filter on timestamps keeps t with StartOfDay(from) <= t <
// StartOfDay(to.AddDate(0, 0, 1)).
func StartOfDay(d Date) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, Shanghai)
}

// Today returns the current date in Asia/Shanghai according to now.
func Today(now func() time.Time) Date { return DateOf(now()) }

// DateLayout is the canonical text form of a Date.
const DateLayout = "2006-01-02"
