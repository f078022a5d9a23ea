package demo

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

// Every name part a business scope is chosen by has one.
func TestRegistrationScopeTables(t *testing.T) {
	for _, w := range industries {
		if s, ok := industryScopes[w]; !ok || s.general == "" {
			t.Errorf("industry %s has no scope", w)
		}
	}
	if len(industryScopes) != len(industries) {
		t.Errorf("%d industry scopes for %d industries", len(industryScopes), len(industries))
	}
	for _, w := range shops {
		if s, ok := shopScopes[w]; !ok || s.general == "" {
			t.Errorf("shop %s has no scope", w)
		}
	}
	if len(shopScopes) != len(shops) {
		t.Errorf("%d shop scopes for %d shops (a scope for a shop that does not exist?)", len(shopScopes), len(shops))
	}
	for _, w := range nonEnterprises {
		if nonEnterpriseScopes[w] == "" {
			t.Errorf("民办非企业单位 %s has no scope", w)
		}
	}
	for p := range coopWork {
		if !contains(coopProducts, p) {
			t.Errorf("coopWork rewrites %s, which is not a product", p)
		}
	}
	for _, rules := range [][]keywordScope{associationScopes, publicScopes, governmentScopes} {
		if rules[len(rules)-1].keywords != "" {
			t.Errorf("keyword rules %v end without a default", rules)
		}
	}
}

func contains(list []string, w string) bool {
	for _, x := range list {
		if x == w {
			return true
		}
	}
	return false
}

// Registrations of market subjects are reported by the market-regulation
// department of the subject's county, else of its 市州, else the provincial
// 厅; those of social organisations by the 民政 body, of public
// institutions and government bodies by the 机构编制 body, of the 市州 or
// else the province (the registration authorities whose records verify a
// subject, catalog registered_by); a 登记机关 that is one of the province's
// departments carries its code.
func TestRegistrationDepartments(t *testing.T) {
	g := New(2024, 20_000)
	codes := map[string]Department{}
	for _, d := range g.Departments() {
		codes[d.Code] = d
	}
	seen := map[string]int{}
	err := g.Registrations(asOf, func(i int, d Department, row map[string]string) error {
		s := g.Subject(i)
		if rk := map[byte]string{'5': KindCivilAffairs, '1': KindEstablishment}[s.USCC[0]]; rk != "" {
			want := subject.JilinCode
			if pi := g.geo.prefIndex(s.RegionCode); pi >= 0 {
				want = g.geo.prefs[pi].code
			}
			if d.Kind != rk || d.RegionCode != want {
				t.Errorf("subject %s in %s: submitted by %s (%s %s), want the %s body of %s", s.USCC, s.RegionCode, d.Name, d.Kind, d.RegionCode, rk, want)
			}
			if c := row["DJ_DJJGDM"]; c != "" {
				if a, ok := codes[c]; !ok || a.Name != row["DJ_DJJG"] || a.Kind != rk {
					t.Errorf("subject %d: 登记机关 %s %s is not a %s department of the province", i, row["DJ_DJJG"], c, rk)
				}
			}
			seen[s.USCC[:2]+" "+authorityKind(row["DJ_DJJG"])]++
			return nil
		}
		var want string
		switch {
		case g.deptByKey[KindMarket+"|"+s.RegionCode] != nil:
			want = s.RegionCode
		case s.RegionCode == subject.JilinCode:
			t.Fatalf("no provincial market department")
		default:
			want = g.geo.prefs[g.geo.prefIndex(s.RegionCode)].code
		}
		if d.RegionCode != want || d.Kind != KindMarket {
			t.Errorf("subject %d in %s: submitted by %s (%s %s), want the market department of %s", i, s.RegionCode, d.Name, d.Kind, d.RegionCode, want)
		}
		if s.RegionCode == subject.JilinCode && d.Name != "吉林省市场监督管理厅" {
			t.Errorf("subject %d of the province submitted by %s", i, d.Name)
		}
		if row["DJ_SJLYDM"] != d.Code {
			t.Errorf("subject %d: DJ_SJLYDM %s, want the submitter's %s", i, row["DJ_SJLYDM"], d.Code)
		}
		if c := row["DJ_DJJGDM"]; c != "" {
			if a, ok := codes[c]; !ok || a.Name != row["DJ_DJJG"] || a.Kind != KindMarket {
				t.Errorf("subject %d: 登记机关 %s %s is not a market department of the province", i, row["DJ_DJJG"], c)
			}
		}
		seen[s.USCC[:2]+" "+authorityKind(row["DJ_DJJG"])]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"91 市场监督管理", "92 市场监督管理", "93 市场监督管理", "51 民政", "52 民政", "53 民政", "12 事业单位登记管理局", "11 机构编制委员会办公室"} {
		if seen[k] == 0 {
			t.Errorf("no subject registered as %s (seen %v)", k, seen)
		}
	}
	if len(seen) != 8 {
		t.Errorf("categories and authorities %v, want the 8 pairs", seen)
	}
}

func authorityKind(name string) string {
	for _, k := range []string{"市场监督管理", "民政", "事业单位登记管理局", "机构编制委员会办公室"} {
		if strings.Contains(name, k) {
			return k
		}
	}
	return name
}

// 成立日期 is a working-week day, after the USCC reform for new-style codes
// and before it for old-style ones, before any record of the subject also
// for a province generated as of a date soon after the reform.
func TestRegistrationDates(t *testing.T) {
	for _, at := range []time.Time{asOf, time.Date(2019, 3, 1, 10, 0, 0, 0, credit.Shanghai)} {
		g := New(5, 5_000)
		latest := credit.DateOf(at).AddDate(-historyYears-1, 0, 0).Format(credit.DateLayout)
		epoch := usccEpoch.Format(credit.DateLayout)
		status := map[string]int{}
		err := g.Registrations(at, func(i int, _ Department, row map[string]string) error {
			s := g.Subject(i)
			d, err := time.Parse(credit.DateLayout, row["DJ_CLRQ"])
			if err != nil {
				t.Fatalf("subject %d: DJ_CLRQ %q", i, row["DJ_CLRQ"])
			}
			if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
				t.Errorf("subject %d founded on a %v (%s)", i, wd, row["DJ_CLRQ"])
			}
			c := row["DJ_CLRQ"]
			if c > latest {
				t.Errorf("subject %d founded %s, after %s", i, c, latest)
			}
			newStyle := s.USCC[8] > '9'
			if latest >= epoch && newStyle && c < epoch || !newStyle && c >= epoch {
				t.Errorf("subject %d with code %s founded %s", i, s.USCC, c)
			}
			if c < "1985" {
				t.Errorf("subject %d founded %s", i, c)
			}
			status[row["DJ_ZT"]]++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if status["存续"] == 0 || status["在业"] == 0 || len(status) != 2 {
			t.Errorf("登记状态 %v, want 存续 and 在业", status)
		}
	}
}

// Registration(i) is the row Registrations gives for i, whatever the order
// of calls and the time of day of asOf; persons have none.
func TestRegistrationDeterminism(t *testing.T) {
	g := New(3, 3_000)
	rows := map[int]string{}
	err := g.Registrations(asOf, func(i int, d Department, row map[string]string) error {
		rows[i] = fmt.Sprint(d.Code, row)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	morning := time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 5, 0, 0, credit.Shanghai)
	fresh := New(3, 3_000)
	for j := range 3_000 {
		i := 3_000 - 1 - j // backwards
		d, row, ok := fresh.Registration(i, morning)
		if ok != (g.Subject(i).Type != string(subject.Person)) {
			t.Fatalf("Registration(%d) ok = %v for a %s", i, ok, g.Subject(i).Type)
		}
		if got := fmt.Sprint(d.Code, row); ok && got != rows[i] {
			t.Fatalf("Registration(%d) = %s, Registrations gave %s", i, got, rows[i])
		}
	}
	var other, all strings.Builder
	New(4, 3_000).Registrations(asOf, func(i int, d Department, row map[string]string) error {
		fmt.Fprint(&other, d.Code, row)
		return nil
	})
	for i := range 3_000 {
		all.WriteString(rows[i])
	}
	if other.String() == all.String() {
		t.Error("seeds 3 and 4 give the same registrations")
	}
}
