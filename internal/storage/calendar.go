package storage

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/workday"
)

// calendarLock is the PostgreSQL advisory lock that serialises loads of
// the working-day calendar ("jlcl").
const calendarLock = 0x6a6c636c

// Sources of a calendar year (CalendarYear.Source).
const (
	CalendarEmbedded = "embedded" // the table built into the program
	CalendarDatabase = "database" // loaded with LoadCalendarYear
)

// CalendarYear describes one year the working-day calendar covers.
type CalendarYear struct {
	Year     int
	Source   string // CalendarEmbedded or CalendarDatabase
	Holidays int    // days off listed
	Workdays int    // make-up working days listed (调休上班)
	// For a year loaded into the database: its number of loads (the
	// version of the one in force), and who made the one in force and
	// when. Zero for an embedded year.
	Loads    int
	LoadedBy string
	LoadedAt time.Time
}

// LoadCalendarYear replaces the working-day calendar's entries of year with
// entries, the year's 放假安排 as the State Council General Office
// published it: every day off of the year (weekends within a 放假 period
// included) and every make-up working day. Earlier loads of the year stay
// in the database; the latest is the one in force, and the database's
// years replace the embedded table's. db.Calendar() includes the year when
// LoadCalendarYear returns.
//
// Only province administrators (and the platform itself) may load a year:
// EFORBIDDEN otherwise. It returns EINVALID, naming the entry, when an
// entry is not dated in year, a date is listed twice or a make-up working
// day is not a Saturday or Sunday (workday.ValidateYear). Loads take
// turns: of two at once, the later is the one in force.
//
// Other processes on the same database see the year when they next open
// it or call ReloadCalendar (a running `credit serve` does, hourly).
func (db *DB) LoadCalendarYear(ctx context.Context, year int, entries []workday.Entry) error {
	_, err := db.StoreCalendarYear(ctx, year, entries, true)
	return err
}

// calendarVersioned, set by tests only, runs in StoreCalendarYear's
// transaction once the load's version is known: what another load does in
// between.
var calendarVersioned func(year, version int)

// StoreCalendarYear loads year as LoadCalendarYear does, but replaces a
// year the calendar covers already (the embedded table's, or loaded
// before) only when replace is set, and returns ECONFLICT otherwise. That
// is decided in the transaction that stores the load, after the loads
// before it: of two loads at once of a year not yet loaded, without
// replace, one is stored and the other refused. It returns the load it
// stored: its version (Loads), its days, who made it and when — the year
// in force, unless a load stored after it meanwhile replaced it.
func (db *DB) StoreCalendarYear(ctx context.Context, year int, entries []workday.Entry, replace bool) (*CalendarYear, error) {
	actor := credit.ActorFromContext(ctx)
	if !access.Can(actor, access.ActionManageCatalog, access.Target{}) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "只有省级管理员可以录入工作日历（放假安排）")
	}
	if err := workday.ValidateYear(year, entries); err != nil {
		return nil, err
	}
	covered := func() error {
		return credit.Errorf(credit.ECONFLICT, "%d年已有工作日历（用 credit calendar list 查看）；确认以本文件替换，请加 --replace", year)
	}
	if !replace && workday.Default().Covered(year) {
		return nil, covered() // the embedded table's
	}
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b workday.Entry) int { return a.Date.Compare(b.Date) })
	var holidays, workdays int
	for _, e := range entries {
		if e.Kind == workday.Holiday {
			holidays++
		} else {
			workdays++
		}
	}
	loaded := &CalendarYear{Year: year, Source: CalendarDatabase, Holidays: holidays, Workdays: workdays, LoadedBy: actor.Label()}
	err := db.transact(ctx, func(tx *Tx) error {
		// Loads of the calendar take turns (SQLite's write transaction
		// does that already): two at once would both take the next
		// version, and a year would end up the union of two tables.
		if db.dialect == Postgres {
			if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock($1)`, calendarLock); err != nil {
				return err
			}
		}
		var version int
		if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM calendar_entries WHERE year = $1`, year).Scan(&version); err != nil {
			return err
		}
		if calendarVersioned != nil {
			calendarVersioned(year, version)
		}
		if version > 1 && !replace {
			return covered() // loaded before, perhaps by a load at the same time
		}
		loaded.Loads, loaded.LoadedAt = version, tx.now
		for _, e := range entries {
			_, err := tx.exec(ctx, `INSERT INTO calendar_entries (year, version, day, kind, name, added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				year, version, e.Date.Format(credit.DateLayout), e.Kind, e.Name, actor.Label(), tx.now)
			if err != nil {
				return err
			}
		}
		// Every entry, so that the audit log shows which days a load
		// changed and verifyState can rebuild the load (a year lists
		// about forty days).
		listed := make([]calendarDay, len(entries))
		for i, e := range entries {
			listed[i] = calendarDay{Day: e.Date.Format(credit.DateLayout), Kind: e.Kind, Name: e.Name}
		}
		return tx.audit(ctx, "calendar.load", "calendar", strconv.Itoa(year), map[string]any{
			"year": year, "version": version, "holidays": holidays, "workdays": workdays, "entries": listed})
	})
	if isUniqueViolation(err) {
		return nil, credit.Errorf(credit.ECONFLICT, "%d年的工作日历正在被另一操作录入，请稍后重试", year)
	}
	if credit.ErrorCode(err) == credit.ECONFLICT {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("storage.StoreCalendarYear(%d): %w", year, err)
	}
	if err := db.loadCalendar(ctx); err != nil {
		return nil, err
	}
	return loaded, nil
}

// calendarRows returns the entries of the load in force of every year in
// the database, in date order, with who loaded them and when.
func (db *DB) calendarRows(ctx context.Context) ([]workday.Entry, map[int]CalendarYear, error) {
	var entries []workday.Entry
	years := make(map[int]CalendarYear)
	err := scanAll(db.rows(ctx, `SELECT c.year, c.day, c.kind, c.name, c.added_by, c.added_at, l.version
		FROM calendar_entries c
		JOIN (SELECT year, MAX(version) AS version FROM calendar_entries GROUP BY year) l ON l.year = c.year AND l.version = c.version
		ORDER BY c.day`), func(rows *sql.Rows) error {
		var (
			year, loads    int
			day, kind      string
			name, loadedBy string
			loadedAt       time.Time
		)
		if err := rows.Scan(&year, &day, &kind, &name, &loadedBy, &loadedAt, &loads); err != nil {
			return err
		}
		d, err := time.Parse(credit.DateLayout, day)
		if err != nil {
			return fmt.Errorf("calendar_entries: year %d: bad day %q", year, day)
		}
		entries = append(entries, workday.Entry{Date: d, Kind: kind, Name: name})
		y := years[year]
		y.Year, y.Source, y.Loads, y.LoadedBy, y.LoadedAt = year, CalendarDatabase, loads, loadedBy, loadedAt.UTC()
		if kind == workday.Holiday {
			y.Holidays++
		} else {
			y.Workdays++
		}
		years[year] = y
		return nil
	})
	return entries, years, err
}

// Calendar returns the working-day calendar in force: the embedded table
// with the database's years in place of its own, as last loaded.
func (db *DB) Calendar() *workday.Calendar { return db.calendar.Load() }

// UncoveredYear returns the year of the day 60 days ahead when the
// working-day calendar lacks its 放假安排, else 0. Deadlines in working
// days reach weeks ahead, and a late flag is fixed when a record is
// received: without the coming year's arrangement its holidays would count
// as working days. serve logs it, the console's 工作台 and `credit import`
// say it.
func (db *DB) UncoveredYear() int {
	if y := credit.DateOf(db.Now()).AddDate(0, 0, 60).Year(); !db.Calendar().Covered(y) {
		return y
	}
	return 0
}

// CalendarWarning is UncoveredYear's warning in Chinese, or "".
func (db *DB) CalendarWarning() string {
	y := db.UncoveredYear()
	if y == 0 {
		return ""
	}
	return fmt.Sprintf("工作日历未包含%d年的放假安排，涉及该年的期限（超期报送、反馈期限等）将只扣除周末和元旦、劳动节、国庆节等固定日期的假日（春节等农历节日和调休尚不可知）；请尽快用 credit calendar load 录入国务院办公厅公布的安排", y)
}

// ReloadCalendar reads the database's calendar years again, for a process
// that keeps running while `credit calendar load` adds a year (serve does,
// hourly). Requests in flight keep the calendar they started with.
func (db *DB) ReloadCalendar(ctx context.Context) error { return db.loadCalendar(ctx) }

// loadCalendar sets the calendar to the embedded table with the database's
// years in place of its own. Migrate and RequireSchema call it, so that a
// DB ready for use counts deadlines with every loaded year.
func (db *DB) loadCalendar(ctx context.Context) error {
	entries, _, err := db.calendarRows(ctx)
	if err != nil {
		return fmt.Errorf("storage: loading the calendar: %w", err)
	}
	cal := workday.Default()
	if len(entries) > 0 {
		cal = cal.WithYears(entries)
	}
	db.calendar.Store(cal)
	return nil
}

// CalendarYears lists the years the working-day calendar covers, in order:
// each from the database when it was loaded there, else from the embedded
// table.
func (db *DB) CalendarYears(ctx context.Context) ([]CalendarYear, error) {
	_, stored, err := db.calendarRows(ctx)
	if err != nil {
		return nil, fmt.Errorf("storage.CalendarYears: %w", err)
	}
	byYear := make(map[int]CalendarYear)
	for _, e := range workday.Default().Entries() {
		y := byYear[e.Date.Year()]
		y.Year, y.Source = e.Date.Year(), CalendarEmbedded
		if e.Kind == workday.Holiday {
			y.Holidays++
		} else {
			y.Workdays++
		}
		byYear[y.Year] = y
	}
	for year, y := range stored {
		byYear[year] = y
	}
	out := make([]CalendarYear, 0, len(byYear))
	for _, y := range byYear {
		out = append(out, y)
	}
	slices.SortFunc(out, func(a, b CalendarYear) int { return a.Year - b.Year })
	return out, nil
}
