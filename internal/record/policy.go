package record

import (
	"strconv"
	"strings"
	"time"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/workday"
)

// ApplyPolicy sets the policy members of a validated record of class c:
// Severity, the publicity window (PublicFrom, PublicUntil, RepairableFrom),
// timeliness (Late, LateDays) and Status (Active). received is the date the
// platform received the batch; cal is the working-day calendar (nil = the
// default calendar).
//
// Severity: adverse classes only, by catalog.Publicity.Classify from the
// categories, the fine and the explicit 失信严重程度 of the record; None for
// other classes.
//
// Publicity window (DOMAIN.md §3.1, §11.5): the period is the class's period
// for the severity (adverse classes) or its Default period. PublicFrom is the
// decision date (the receipt date when the record has none). RepairableFrom
// is PublicFrom + Min months (adverse classes only). PublicUntil is exclusive:
// PublicFrom + Max months, or nil when Max is 0 (public while the record
// stands). An explicit 公示截止期 E (the record is shown through E, so the
// exclusive end is E + 1 day) sets the end within the legal range: a
// department may shorten publicity down to the minimum but never below it
// (an earlier E ends it at the minimum), and never extend it beyond the
// maximum (a later E ends it at the maximum).
// Months are calendar months that clamp to the end of a shorter month
// (2024-01-31 + 1 month = 2024-02-29).
//
// Timeliness: LateDays is the number of working days in (decision date,
// received]; Late is set when the class has TimelinessDays and LateDays
// exceeds it (双公示: 7 working days).
//
// Status is Active for every new version. A licence whose 当前状态 is 无效 is
// still stored as an active record with the default (open-ended) window: the
// archive decides visibility and hides 无效 licences from the public, so
// that the history of the licence stays intact and queryable by departments.
func ApplyPolicy(r *Record, c *catalog.Class, cal *workday.Calendar, received credit.Date) {
	if cal == nil {
		cal = workday.Default()
	}
	roles := c.Roles
	pub := c.Publicity

	r.Severity = catalog.None
	period := pub.Default
	if pub.Adverse {
		var cats []string
		if v := r.Fields[roles.Categories]; roles.Categories != "" && v != "" {
			cats = strings.Split(v, ";")
		}
		var fine float64
		if roles.Fine != "" {
			fine, _ = strconv.ParseFloat(r.Fields[roles.Fine], 64) // validated; "" gives 0
		}
		explicit := ""
		if roles.Severity != "" {
			explicit = r.Fields[roles.Severity]
		}
		r.Severity = pub.Classify(cats, fine, explicit)
		if p, ok := pub.Periods[r.Severity]; ok {
			period = p
		}
	}

	from := civilDate(received)
	if r.DecisionDate != nil {
		from = civilDate(*r.DecisionDate)
	}
	// An entry is not published before it is in force: a validity that
	// starts after the decision (a listing that takes effect later) starts
	// publicity with it.
	r.PublicFrom = datePtr(from)
	if roles.ValidFrom != "" {
		if v, ok := ParseDate(r.Fields[roles.ValidFrom]); ok && v.After(from) {
			r.PublicFrom = datePtr(v)
		}
	}
	r.PublicUntil, r.RepairableFrom = nil, nil
	if pub.Adverse {
		r.RepairableFrom = datePtr(AddMonths(from, period.Min))
	}
	minEnd := AddMonths(from, period.Min)
	var until *credit.Date
	if period.Max > 0 {
		until = datePtr(AddMonths(from, period.Max))
	}
	if roles.PublicityEnd != "" {
		if e, ok := ParseDate(r.Fields[roles.PublicityEnd]); ok {
			end := e.AddDate(0, 0, 1)
			if end.Before(minEnd) {
				end = minEnd
			}
			if until == nil || !end.After(*until) {
				until = datePtr(end)
			}
		}
	}
	// A validity end ends publicity the day after (the last valid day is
	// still listed), a removal on the day itself (from its date the entry is
	// no longer listed, and verification already answers so), whatever the
	// class's periods say (list entries).
	for _, end := range []struct {
		field string
		days  int
	}{{roles.ValidTo, 1}, {roles.RemovedOn, 0}} {
		if end.field == "" {
			continue
		}
		if e, ok := ParseDate(r.Fields[end.field]); ok {
			e = e.AddDate(0, 0, end.days)
			if until == nil || e.Before(*until) {
				until = datePtr(e)
			}
		}
	}
	r.PublicUntil = until

	r.LateDays, r.Late = 0, false
	if r.DecisionDate != nil {
		r.LateDays = cal.WorkingDaysBetween(*r.DecisionDate, received)
		r.Late = c.TimelinessDays > 0 && r.LateDays > c.TimelinessDays
	}
	r.Status = Active
}

// AddMonths returns d plus n calendar months, clamping the day to the last
// day of the resulting month: 2024-01-31 + 1 = 2024-02-29, 2023-08-31 + 6 =
// 2024-02-29, 2024-02-29 + 12 = 2025-02-28.
func AddMonths(d credit.Date, n int) credit.Date {
	y, m, day := d.Date()
	first := credit.MakeDate(y, m, 1).AddDate(0, n, 0)
	last := first.AddDate(0, 1, -1).Day()
	return credit.MakeDate(first.Year(), first.Month(), min(day, last))
}

func civilDate(t time.Time) credit.Date {
	y, m, d := t.Date()
	return credit.MakeDate(y, m, d)
}

func datePtr(d credit.Date) *credit.Date { return &d }
