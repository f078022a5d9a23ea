package record

import (
	"testing"
	"time"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/workday"
)

func d(y int, m time.Month, day int) credit.Date { return credit.MakeDate(y, m, day) }

func dstr(p *credit.Date) string {
	if p == nil {
		return "nil"
	}
	return p.Format(credit.DateLayout)
}

func TestAddMonths(t *testing.T) {
	for _, test := range []struct {
		from credit.Date
		n    int
		want credit.Date
	}{
		{d(2024, 1, 15), 3, d(2024, 4, 15)},
		{d(2024, 1, 31), 1, d(2024, 2, 29)},
		{d(2023, 1, 31), 1, d(2023, 2, 28)},
		{d(2023, 8, 31), 6, d(2024, 2, 29)},
		{d(2024, 2, 29), 12, d(2025, 2, 28)},
		{d(2024, 2, 29), 36, d(2027, 2, 28)},
		{d(2024, 2, 29), 48, d(2028, 2, 29)},
		{d(2024, 3, 31), 3, d(2024, 6, 30)},
		{d(2024, 11, 30), 3, d(2025, 2, 28)},
		{d(2024, 10, 31), 12, d(2025, 10, 31)},
		{d(2024, 5, 31), 0, d(2024, 5, 31)},
		{d(2024, 3, 31), -1, d(2024, 2, 29)},
	} {
		if got := AddMonths(test.from, test.n); !got.Equal(test.want) {
			t.Errorf("AddMonths(%s, %d) = %s, want %s", test.from.Format(credit.DateLayout), test.n,
				got.Format(credit.DateLayout), test.want.Format(credit.DateLayout))
		}
	}
}

// validPenalty validates a penalty row after mutate and fails on problems.
func validPenalty(t *testing.T, mutate func(map[string]string)) (*Record, *catalog.Class) {
	t.Helper()
	v := newValidator(t, "penalty")
	v.Today = d(2030, 1, 1)
	row := penaltyRow()
	mutate(row)
	r, probs := v.Validate(1, row)
	if len(probs) > 0 {
		t.Fatalf("unexpected problems:\n%s", problemList(probs))
	}
	return r, v.Class
}

func TestApplyPolicyPenaltyWindow(t *testing.T) {
	received := d(2024, 2, 2)
	for _, test := range []struct {
		name              string
		mutate            func(map[string]string)
		severity          catalog.Severity
		repairable, until string
		publicFrom        string
	}{
		{"MinorWarning", func(r map[string]string) {
			r["CF_CFLB"] = "警告"
			delete(r, "CF_NR_FK")
		}, catalog.Minor, "2024-01-31", "2024-04-30", "2024-01-31"},
		{"GeneralFine", func(map[string]string) {}, catalog.General, "2024-04-30", "2025-01-31", "2024-01-31"},
		{"SeriousRevocation", func(r map[string]string) {
			r["CF_CFLB"] = "警告;吊销许可证件"
			r["CF_NR_ZKDX"] = "营业执照"
		}, catalog.Serious, "2025-01-31", "2027-01-31", "2024-01-31"},
		{"SeriousFine100", func(r map[string]string) { r["CF_NR_FK"] = "100" },
			catalog.Serious, "2025-01-31", "2027-01-31", "2024-01-31"},
		{"GeneralFineBelow100", func(r map[string]string) { r["CF_NR_FK"] = "99.999999" },
			catalog.General, "2024-04-30", "2025-01-31", "2024-01-31"},
		{"ExplicitSeverityWins", func(r map[string]string) { r["SXYZCD"] = "严重" },
			catalog.Serious, "2025-01-31", "2027-01-31", "2024-01-31"},
		{"LeapDay", func(r map[string]string) {
			r["CF_JDRQ"] = "2024-02-29"
			r["CF_YXQ"] = "2024-02-29"
			r["SXYZCD"] = "严重"
		}, catalog.Serious, "2025-02-28", "2027-02-28", "2024-02-29"},
		{"ExplicitEndInsideWindow", func(r map[string]string) { r["CF_GSJZQ"] = "2024-09-30" },
			catalog.General, "2024-04-30", "2024-10-01", "2024-01-31"},
		{"ExplicitEndOnMinimum", func(r map[string]string) { r["CF_GSJZQ"] = "2024-04-29" },
			catalog.General, "2024-04-30", "2024-04-30", "2024-01-31"},
		// Shorter than the law allows: the least publicity allowed, not
		// the most (the department asked for less).
		{"ExplicitEndBeforeMinimumRaised", func(r map[string]string) { r["CF_GSJZQ"] = "2024-03-31" },
			catalog.General, "2024-04-30", "2024-04-30", "2024-01-31"},
		{"ExplicitEndOnMaximum", func(r map[string]string) { r["CF_GSJZQ"] = "2025-01-30" },
			catalog.General, "2024-04-30", "2025-01-31", "2024-01-31"},
		{"ExplicitEndAfterMaximumCapped", func(r map[string]string) { r["CF_GSJZQ"] = "2026-12-31" },
			catalog.General, "2024-04-30", "2025-01-31", "2024-01-31"},
		{"ExplicitEndMinor", func(r map[string]string) {
			r["CF_CFLB"] = "通报批评"
			delete(r, "CF_NR_FK")
			r["CF_GSJZQ"] = "2024-01-31"
		}, catalog.Minor, "2024-01-31", "2024-02-01", "2024-01-31"},
	} {
		t.Run(test.name, func(t *testing.T) {
			r, cl := validPenalty(t, func(row map[string]string) {
				row["CF_JDRQ"] = "2024-01-31"
				row["CF_YXQ"] = "2024-12-31"
				test.mutate(row)
			})
			ApplyPolicy(r, cl, workday.Default(), received)
			if r.Severity != test.severity {
				t.Errorf("Severity = %q, want %q", r.Severity, test.severity)
			}
			if got := dstr(r.PublicFrom); got != test.publicFrom {
				t.Errorf("PublicFrom = %s, want %s", got, test.publicFrom)
			}
			if got := dstr(r.RepairableFrom); got != test.repairable {
				t.Errorf("RepairableFrom = %s, want %s", got, test.repairable)
			}
			if got := dstr(r.PublicUntil); got != test.until {
				t.Errorf("PublicUntil = %s, want %s", got, test.until)
			}
			if r.Status != Active {
				t.Errorf("Status = %q, want active", r.Status)
			}
		})
	}
}

// TestApplyPolicyLate counts working days across the 2024 国庆 holiday
// (10-01..10-07 off; Sunday 09-29 and Saturday 10-12 worked).
func TestApplyPolicyLate(t *testing.T) {
	for _, test := range []struct {
		name     string
		decision string
		received credit.Date
		days     int
		late     bool
	}{
		{"SameDay", "2024-09-27", d(2024, 9, 27), 0, false},
		{"MakeUpSundayCounts", "2024-09-27", d(2024, 9, 29), 1, false},
		{"HolidayNotCounted", "2024-09-27", d(2024, 10, 7), 2, false},
		{"AfterHoliday", "2024-09-27", d(2024, 10, 10), 5, false},
		{"SeventhWorkingDayOnMakeUpSaturday", "2024-09-27", d(2024, 10, 12), 7, false},
		{"EighthWorkingDayLate", "2024-09-27", d(2024, 10, 14), 8, true},
		{"OrdinaryWeekLate", "2024-03-01", d(2024, 3, 12), 7, false},
		{"OrdinaryWeekLateByOne", "2024-03-01", d(2024, 3, 13), 8, true},
		{"ReceivedBeforeDecision", "2024-03-01", d(2024, 2, 28), 0, false},
	} {
		t.Run(test.name, func(t *testing.T) {
			r, cl := validPenalty(t, func(row map[string]string) {
				row["CF_JDRQ"] = test.decision
				row["CF_YXQ"] = test.decision
			})
			ApplyPolicy(r, cl, workday.Default(), test.received)
			if r.LateDays != test.days || r.Late != test.late {
				t.Errorf("LateDays, Late = %d, %v; want %d, %v", r.LateDays, r.Late, test.days, test.late)
			}
		})
	}
	t.Run("NilCalendarIsDefault", func(t *testing.T) {
		r, cl := validPenalty(t, func(row map[string]string) {
			row["CF_JDRQ"] = "2024-09-27"
			row["CF_YXQ"] = "2024-09-27"
		})
		ApplyPolicy(r, cl, nil, d(2024, 10, 14))
		if r.LateDays != 8 || !r.Late {
			t.Errorf("LateDays, Late = %d, %v; want 8, true", r.LateDays, r.Late)
		}
	})
}

func TestApplyPolicyLicense(t *testing.T) {
	for _, status := range []string{"有效", "无效"} {
		t.Run(status, func(t *testing.T) {
			v := newValidator(t, "license")
			row := licenseRow()
			row["XK_ZT"] = status
			r, probs := v.Validate(1, row)
			if len(probs) > 0 {
				t.Fatal(problemList(probs))
			}
			ApplyPolicy(r, v.Class, workday.Default(), d(2024, 3, 4))
			if r.Severity != catalog.None || r.RepairableFrom != nil || r.PublicUntil != nil {
				t.Errorf("Severity %q RepairableFrom %s PublicUntil %s, want none", r.Severity, dstr(r.RepairableFrom), dstr(r.PublicUntil))
			}
			if dstr(r.PublicFrom) != "2024-03-01" || r.Status != Active {
				t.Errorf("PublicFrom %s Status %s, want 2024-03-01 active", dstr(r.PublicFrom), r.Status)
			}
			if r.LateDays != 1 || r.Late {
				t.Errorf("LateDays, Late = %d, %v; want 1, false", r.LateDays, r.Late)
			}
		})
	}
}

func TestApplyPolicyWithoutDecisionDate(t *testing.T) {
	r := &Record{Class: "penalty", Fields: map[string]string{"CF_CFLB": "警告"}}
	cl, _ := mustCatalog(t).Class("penalty")
	ApplyPolicy(r, cl, nil, d(2024, 5, 6))
	if dstr(r.PublicFrom) != "2024-05-06" || dstr(r.PublicUntil) != "2024-08-06" || r.Late || r.Severity != catalog.Minor {
		t.Errorf("PublicFrom %s PublicUntil %s Late %v Severity %s", dstr(r.PublicFrom), dstr(r.PublicUntil), r.Late, r.Severity)
	}
}

// TestApplyPolicyListEntryEnds: a list entry leaves publicity the day after
// its validity ends, or on the day it is removed, whichever is first.
func TestApplyPolicyListEntryEnds(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	cl, ok := c.Class("list_entry")
	if !ok {
		t.Skip("no list_entry class")
	}
	decided := d(2025, 3, 3)
	for _, test := range []struct {
		name           string
		validTo, moved string
		want           string
	}{
		{"Open", "", "", "nil"},
		{"ValidTo", "2028-03-02", "", "2028-03-03"},
		// Removed on a day: no longer listed from that day (as verification
		// answers), so no longer public from that day either.
		{"Removed", "2028-03-02", "2026-01-15", "2026-01-15"},
		{"RemovedAfterValidity", "2027-01-01", "2027-06-30", "2027-01-02"},
		{"RemovedTheDayAfterValidity", "2027-01-01", "2027-01-02", "2027-01-02"},
	} {
		t.Run(test.name, func(t *testing.T) {
			r := &Record{Class: "list_entry", DecisionDate: &decided, Fields: map[string]string{"MD_YXQZ": test.validTo, "MD_YCRQ": test.moved}}
			ApplyPolicy(r, cl, workday.Default(), d(2025, 3, 4))
			if got := dstr(r.PublicUntil); got != test.want {
				t.Errorf("PublicUntil = %s, want %s", got, test.want)
			}
		})
	}
}

// TestApplyPolicyListEntryStarts checks that a list entry whose validity
// starts after its decision is not public before it is in force (and that
// a start on or before the decision changes nothing).
func TestApplyPolicyListEntryStarts(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	cl, ok := c.Class("list_entry")
	if !ok {
		t.Fatal("no list_entry class")
	}
	decided := d(2026, 11, 20)
	for _, test := range []struct{ from, want string }{
		{"", "2026-11-20"},
		{"2026-11-20", "2026-11-20"},
		{"2026-11-01", "2026-11-20"},
		{"2031-01-01", "2031-01-01"},
	} {
		r := &Record{Class: "list_entry", DecisionDate: &decided, Fields: map[string]string{"MD_YXQQ": test.from, "MD_YXQZ": "2033-12-31"}}
		ApplyPolicy(r, cl, workday.Default(), d(2026, 11, 27))
		if got := dstr(r.PublicFrom); got != test.want {
			t.Errorf("有效期起 %q: PublicFrom = %s, want %s", test.from, got, test.want)
		}
	}
}
