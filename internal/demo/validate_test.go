package demo

import (
	"testing"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
)

// validator returns the platform's row validator for class, submitted by d.
func validator(t *testing.T, class string, d Department) *record.Validator {
	t.Helper()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	cl, ok := cat.Class(class)
	if !ok {
		t.Fatalf("catalog has no class %s", class)
	}
	return &record.Validator{Catalog: cat, Class: cl, Department: d.Code, Today: credit.DateOf(asOf)}
}

func TestRowsValidate(t *testing.T) {
	const n = 5_000
	g := New(2024, 20_000)
	for _, class := range []string{ClassPenalty, ClassLicense} {
		t.Run(class, func(t *testing.T) {
			bad := 0
			err := g.Rows(class, n, asOf, func(i int, d Department, row map[string]string) error {
				rec, problems := validator(t, class, d).Validate(i+1, row)
				if len(problems) > 0 {
					bad++
					if bad <= 10 {
						t.Errorf("row %d by %s: %v\n%v", i, d.Name, problems, row)
					}
					return nil
				}
				if rec.DecisionDate == nil || rec.DecisionDate.After(credit.DateOf(asOf)) {
					t.Errorf("row %d: decision date %v", i, rec.DecisionDate)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if bad > 0 {
				t.Errorf("%d of %d %s rows rejected", bad, n, class)
			}
		})
	}
}

func TestBadRow(t *testing.T) {
	g := New(2024, 20_000)
	want := map[string]struct{ field, code string }{
		"missing_wsh":         {"CF_WSH", record.ProblemRequired},
		"bad_uscc_check":      {"CF_XDR_SHXYM", "uscc_check"},
		"individual_not_92":   {"CF_XDR_SHXYM", record.ProblemPrefix},
		"future_date":         {"CF_JDRQ", record.ProblemFutureDate},
		"fine_missing":        {"CF_NR_FK", record.ProblemRequired},
		"bad_id":              {"CF_XDR_ZJHM", "id_check"},
		"other_department":    {"CF_SJLYDM", record.ProblemSourceDepartment},
		"bad_date":            {"CF_JDRQ", record.ProblemBadDate},
		"expiry_before_start": {"XK_YXQZI", record.ProblemDateOrder},
	}
	if len(want) != len(BadRowKinds()) {
		t.Fatalf("BadRowKinds() = %v, want the %d kinds of this test", BadRowKinds(), len(want))
	}
	depts := g.Departments()
	for _, kind := range BadRowKinds() {
		w, ok := want[kind]
		if !ok {
			t.Errorf("BadRowKinds() has untested kind %s", kind)
			continue
		}
		// Every kind of department, including ones that issue neither class.
		for _, d := range []Department{depts[0], depts[13], depts[40], depts[len(depts)-1]} {
			class := ClassPenalty
			if kind == "expiry_before_start" {
				class = ClassLicense
			}
			row := g.BadRow(kind, d, asOf)
			_, problems := validator(t, class, d).Validate(1, row)
			if len(problems) != 1 || problems[0].Field != w.field || problems[0].Code != w.code {
				t.Errorf("BadRow(%s) by %s: problems %v, want exactly one %s on %s\n%v", kind, d.Name, problems, w.code, w.field, row)
			}
		}
	}
}

// Every generated list entry passes the platform's validation, as submitted
// by its deciding department, and covers every list of the plan.
func TestListEntriesValidate(t *testing.T) {
	g := New(2024, 20_000)
	seen := map[string]int{}
	err := g.ListEntries(300, asOf, func(i int, d Department, row map[string]string) error {
		if d.RegionCode != "220000" || d.Name == "吉林省药品监督管理局" {
			t.Errorf("entry %d decided by %s (%s), want the provincial 厅 of its kind", i, d.Name, d.RegionCode)
		}
		rec, problems := validator(t, ClassListEntry, d).Validate(i+1, row)
		if len(problems) > 0 {
			t.Errorf("entry %d by %s: %v\n%v", i, d.Name, problems, row)
			return nil
		}
		if rec.DecisionDate == nil || rec.DecisionDate.After(credit.DateOf(asOf)) {
			t.Errorf("entry %d: decision date %v", i, rec.DecisionDate)
		}
		seen[row["MD_LX"]]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(listPlan) {
		t.Errorf("list types %v, want the %d of the plan", seen, len(listPlan))
	}
}

// Every generated registration row passes the platform's validation, as
// submitted by its registration authority (市场监管, 民政 or 机构编制), and names its subject as
// the subject's other records do: one row per organisation, none for
// persons, founded before anything the demo records about the subject.
func TestRegistrationsValidate(t *testing.T) {
	const n = 20_000
	g := New(2024, n)
	// Records go back historyYears (decision dates, moved off weekends) and
	// a penalty's 违法事实 up to 120 days before its decision.
	before := credit.DateOf(asOf).AddDate(-historyYears, 0, -125)
	want, rows, bad := 0, 0, 0
	for i := range n {
		if g.Subject(i).USCC != "" {
			want++
		}
	}
	err := g.Registrations(asOf, func(i int, d Department, row map[string]string) error {
		rows++
		s := g.Subject(i)
		if want := map[byte]string{'5': KindCivilAffairs, '1': KindEstablishment}[s.USCC[0]]; d.Kind != want && (want != "" || d.Kind != KindMarket) {
			t.Errorf("subject %d (%s): registration submitted by %s (%s), want its registration authority", i, s.USCC, d.Name, d.Kind)
		}
		rec, problems := validator(t, ClassRegistration, d).Validate(i+1, row)
		if len(problems) > 0 {
			bad++
			if bad <= 10 {
				t.Errorf("subject %d by %s: %v\n%v", i, d.Name, problems, row)
			}
			return nil
		}
		// Names are stored normalised (half-width brackets), as penalties' are.
		if got := rec.Subject; got.Name != subject.NormalizeText(s.Name) || got.USCC != s.USCC || got.Type != s.Type || got.LegalRep != s.LegalRep {
			t.Errorf("subject %d: registration names %+v, want %+v", i, got, s)
		}
		if rec.DecisionDate == nil || !rec.DecisionDate.Before(before) {
			t.Errorf("subject %d: 成立日期 %v, want before %v", i, rec.DecisionDate, before.Format(credit.DateLayout))
		}
		if z := row["DJ_ZT"]; z != "存续" && z != "在业" {
			t.Errorf("subject %d: 登记状态 %s, want 存续 or 在业", i, z)
		}
		for _, f := range []string{"DJ_LX", "DJ_ZS", "DJ_JYFW", "DJ_FDDBR"} {
			if row[f] == "" {
				t.Errorf("subject %d: %s is empty: %v", i, f, row)
			}
		}
		if row["DJ_ZCZB"] == "" && s.Type != "government" {
			t.Errorf("subject %d (%s): no 注册资本", i, s.Type)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows != want {
		t.Errorf("%d registration rows, want one per organisation (%d)", rows, want)
	}
	if bad > 0 {
		t.Errorf("%d of %d registration rows rejected", bad, rows)
	}
}
