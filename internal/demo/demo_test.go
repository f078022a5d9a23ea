package demo

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

// asOf is the reference time of the row tests.
var asOf = time.Date(2025, 6, 30, 15, 0, 0, 0, credit.Shanghai)

// usccPrefixes are the categories (positions 1–2) allowed per type.
var usccPrefixes = map[string][]string{
	"enterprise":          {"91", "93"},
	"individual_business": {"92"},
	"social_org":          {"51", "52", "53"},
	"public_institution":  {"12"},
	"government":          {"11"},
}

func TestSubjectCodesValid(t *testing.T) {
	const n = 20_000
	g := New(42, n)
	today := credit.DateOf(asOf)
	counts := map[string]int{}
	for i := range n {
		s := g.Subject(i)
		counts[s.Type]++
		if s.Name == "" || s.RegionCode == "" {
			t.Fatalf("Subject(%d) = %+v, want a name and a region", i, s)
		}
		if !subject.InRegion(s.RegionCode, subject.JilinCode) {
			t.Errorf("Subject(%d).RegionCode = %s, not in 吉林省", i, s.RegionCode)
		}
		if s.Type == string(subject.Person) {
			if s.USCC != "" || s.LegalRep != "" {
				t.Errorf("person %d = %+v, want no USCC and no legal rep", i, s)
			}
			if p := subject.CheckCitizenID(s.CitizenID, today); p != nil {
				t.Errorf("Subject(%d).CitizenID %s: %s", i, s.CitizenID, p.Message)
			}
			if b, _ := subject.CitizenIDBirthDate(s.CitizenID); b.Year() < 1950 || b.Year() > 2004 {
				t.Errorf("Subject(%d).CitizenID %s born %v, want 1950–2004", i, s.CitizenID, b)
			}
			if !strings.HasPrefix(s.CitizenID, "22") {
				t.Errorf("Subject(%d).CitizenID %s, want a Jilin address", i, s.CitizenID)
			}
			continue
		}
		if p := subject.CheckUSCC(s.USCC, nil); p != nil {
			t.Errorf("Subject(%d).USCC %s: %s", i, s.USCC, p.Message)
		}
		prefixes, ok := usccPrefixes[s.Type]
		if !ok {
			t.Fatalf("Subject(%d).Type = %q, unknown", i, s.Type)
		}
		if !hasAnyPrefix(s.USCC, prefixes) {
			t.Errorf("Subject(%d) %s has USCC %s, want prefix %v", i, s.Type, s.USCC, prefixes)
		}
		if !subject.InRegion(s.USCC[2:8], subject.JilinCode) {
			t.Errorf("Subject(%d).USCC %s: region not in 吉林省", i, s.USCC)
		}
		if got := string(subject.TypeFromUSCC(s.USCC)); got != s.Type {
			t.Errorf("TypeFromUSCC(%s) = %s, want %s", s.USCC, got, s.Type)
		}
		if s.CitizenID != "" || s.LegalRep == "" {
			t.Errorf("organisation %d = %+v, want a legal rep and no citizen ID", i, s)
		}
		if p := subject.CheckCitizenID(s.LegalRepID, today); p != nil {
			t.Errorf("Subject(%d).LegalRepID %s: %s", i, s.LegalRepID, p.Message)
		}
		if n := utf8.RuneCountInString(s.Name); n > 200 {
			t.Errorf("Subject(%d).Name has %d characters, over 200", i, n)
		}
	}
	for typ, want := range map[string]float64{
		"enterprise": 0.62, "individual_business": 0.20, "person": 0.10,
		"social_org": 0.04, "public_institution": 0.03, "government": 0.01,
	} {
		got := float64(counts[typ]) / n
		if got < want*0.9-0.002 || got > want*1.1+0.002 {
			t.Errorf("share of %s = %.4f, want about %.2f", typ, got, want)
		}
	}
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func TestSubjectsUnique(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	g := New(7, n)
	codes := make(map[string]int, n)
	names := make(map[string]int, n)
	ids := make(map[string]int, n/8)
	for _, d := range g.Departments() {
		codes[d.Code] = -1
	}
	for i := range n {
		s := g.Subject(i)
		if s.Type == string(subject.Person) {
			if j, dup := ids[s.CitizenID]; dup {
				t.Fatalf("subjects %d and %d share citizen ID %s", j, i, s.CitizenID)
			}
			ids[s.CitizenID] = i
			continue
		}
		if j, dup := codes[s.USCC]; dup {
			t.Fatalf("subjects %d and %d (-1 = a department) share USCC %s", j, i, s.USCC)
		}
		codes[s.USCC] = i
		if j, dup := names[s.Name]; dup {
			t.Fatalf("subjects %d and %d share the name %s", j, i, s.Name)
		}
		names[s.Name] = i
	}
}

// TestSubjectsUniqueLarge checks uniqueness of government bodies and social
// organisations in a large province, where their name spaces wrap round
// (suffix "（2）").
func TestSubjectsUniqueLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	const n = 5_000_000
	g := New(3, n)
	names := map[string]int{}
	codes := map[string]int{}
	wrapped := 0
	for i := range n {
		// Skip other kinds without building them.
		switch kind(g.kindOf[g.perm.apply(uint64(i))%buckets]) {
		case kGovernment, kAssociation, kNonEnterprise, kFoundation:
		default:
			continue
		}
		s := g.Subject(i)
		if j, dup := names[s.Name]; dup {
			t.Fatalf("subjects %d and %d share the name %s", j, i, s.Name)
		}
		names[s.Name] = i
		if j, dup := codes[s.USCC]; dup {
			t.Fatalf("subjects %d and %d share USCC %s", j, i, s.USCC)
		}
		codes[s.USCC] = i
		if strings.HasSuffix(s.Name, "（2）") {
			wrapped++
		}
	}
	if wrapped == 0 {
		t.Error("no name space wrapped round; the test no longer covers the suffix")
	}
	t.Logf("%d names, %d with suffix （2）", len(names), wrapped)
}

func TestDeterminism(t *testing.T) {
	dump := func(seed uint64) string {
		g := New(seed, 5_000)
		var b strings.Builder
		for _, d := range g.Departments() {
			fmt.Fprintln(&b, d)
		}
		for i := range 5_000 {
			fmt.Fprintln(&b, g.Subject(i))
		}
		for _, class := range []string{ClassPenalty, ClassLicense} {
			err := g.Rows(class, 300, asOf, func(i int, d Department, row map[string]string) error {
				fmt.Fprintln(&b, i, d.Code, row) // fmt prints maps sorted by key
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, k := range BadRowKinds() {
			fmt.Fprintln(&b, k, g.BadRow(k, g.Departments()[20], asOf))
		}
		err := g.Registrations(asOf, func(i int, d Department, row map[string]string) error {
			fmt.Fprintln(&b, i, d.Code, row)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	a, b := dump(1), dump(1)
	if a != b {
		t.Fatal("two generators with seed 1 differ")
	}
	if c := dump(2); c == a {
		t.Fatal("seeds 1 and 2 give the same output")
	}
	// Subject(i) does not depend on the order of calls or on other rows.
	g := New(1, 5_000)
	want := g.Subject(4321)
	g.Rows(ClassPenalty, 50, asOf, func(int, Department, map[string]string) error { return nil })
	if got := New(1, 5_000).Subject(4321); got != want {
		t.Errorf("Subject(4321) = %+v, want %+v", got, want)
	}
	// Row i does not depend on n.
	var first, again map[string]string
	g.Rows(ClassLicense, 10, asOf, func(i int, _ Department, row map[string]string) error {
		if i == 7 {
			first = row
		}
		return nil
	})
	g.Rows(ClassLicense, 8, asOf, func(i int, _ Department, row map[string]string) error {
		if i == 7 {
			again = row
		}
		return nil
	})
	if fmt.Sprint(first) != fmt.Sprint(again) {
		t.Errorf("row 7 differs with n: %v and %v", first, again)
	}
}

func TestDepartments(t *testing.T) {
	g := New(9, 100)
	ds := g.Departments()
	if len(ds) < 150 || len(ds) > 250 {
		t.Errorf("len(Departments()) = %d, want 150–250", len(ds))
	}
	codes, names := map[string]bool{}, map[string]bool{}
	regions := map[string]bool{}
	kinds := map[string]bool{}
	for _, d := range ds {
		if p := subject.CheckUSCC(d.Code, nil); p != nil {
			t.Errorf("%s: code %s: %s", d.Name, d.Code, p.Message)
		}
		if !strings.HasPrefix(d.Code, "11") {
			t.Errorf("%s: code %s, want prefix 11", d.Name, d.Code)
		}
		if codes[d.Code] || names[d.Name] {
			t.Errorf("%s %s: duplicate code or name", d.Code, d.Name)
		}
		codes[d.Code], names[d.Name] = true, true
		regions[d.RegionCode] = true
		kinds[d.Kind] = true
		if _, ok := deptKinds[d.Kind]; !ok {
			t.Errorf("%s: unknown kind %q", d.Name, d.Kind)
		}
		if !d.Penalizes && !d.Licenses && !slices.Contains(registrarKinds, d.Kind) {
			t.Errorf("%s neither penalizes nor licenses", d.Name)
		}
		if d.RegionCode == subject.ChangbaishanCode {
			if !strings.Contains(d.Name, "长白山") || d.Code[2:8] != subject.JilinCode {
				t.Errorf("长白山 department %+v", d)
			}
		} else if d.Code[2:8] != d.RegionCode {
			t.Errorf("%s: code %s, want region %s in positions 3–8", d.Name, d.Code, d.RegionCode)
		}
	}
	for _, p := range subject.Prefectures() {
		if !regions[p.Code] {
			t.Errorf("no department in %s %s", p.Code, p.Name)
		}
	}
	if !regions[subject.JilinCode] || !regions[subject.ChangbaishanCode] {
		t.Error("no provincial or 长白山 department")
	}
	for _, k := range Kinds {
		if !kinds[k] {
			t.Errorf("no department of kind %s", k)
		}
	}
	// Departments returns a copy.
	ds[0].Name = "x"
	if g.Departments()[0].Name == "x" {
		t.Error("Departments() shares its slice")
	}
}

// Required fields (Req = Y) of DOMAIN.md §2.2.
var required = map[string][]string{
	ClassPenalty: {"CF_XDR_MC", "CF_XDR_LB", "CF_WSH", "CF_WFXW", "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR",
		"CF_JDRQ", "CF_YXQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM"},
	ClassLicense: {"XK_XDR_MC", "XK_XDR_LB", "XK_XKWS", "XK_WSH", "XK_XKLB", "XK_NR", "XK_JDRQ", "XK_YXQZ",
		"XK_YXQZI", "XK_XKJG", "XK_XKJGDM", "XK_ZT", "XK_LYDW", "XK_LYDWDM"},
}

func TestRows(t *testing.T) {
	const subjects, n = 20_000, 5_000
	g := New(11, subjects)
	today := credit.DateOf(asOf).Format(credit.DateLayout)
	for _, class := range []string{ClassPenalty, ClassLicense} {
		t.Run(class, func(t *testing.T) {
			p := "CF_"
			decision, source, authority, wsh := "CF_JDRQ", "CF_SJLYDM", "CF_CFJGDM", "CF_WSH"
			if class == ClassLicense {
				p = "XK_"
				decision, source, authority, wsh = "XK_JDRQ", "XK_LYDWDM", "XK_XKJGDM", "XK_WSH"
			}
			keys := map[string]bool{}
			perSubject := map[string]int{}
			types := map[string]int{}
			oldest := today
			err := g.Rows(class, n, asOf, func(i int, d Department, row map[string]string) error {
				for _, f := range required[class] {
					if row[f] == "" {
						t.Errorf("row %d: %s is empty: %v", i, f, row)
					}
				}
				for f, v := range row {
					if !strings.HasPrefix(f, p) && f != "BZ" {
						t.Errorf("row %d: field %s of another class", i, f)
					}
					if strings.HasSuffix(f, "RQ") || strings.HasSuffix(f, "YXQZ") {
						if _, err := time.Parse(credit.DateLayout, v); err != nil {
							t.Errorf("row %d: %s = %q, not yyyy-MM-dd", i, f, v)
						}
					}
				}
				if jd := row[decision]; jd > today {
					t.Errorf("row %d: %s = %s after %s", i, decision, jd, today)
				} else if jd < oldest {
					oldest = jd
				}
				if row[source] != d.Code {
					t.Errorf("row %d: %s = %s, want the submitter's %s", i, source, row[source], d.Code)
				}
				if class == ClassPenalty && !d.Penalizes || class == ClassLicense && !d.Licenses {
					t.Errorf("row %d submitted by %s, which does not issue %s", i, d.Name, class)
				}
				key := row[authority] + "|" + row[wsh]
				if keys[key] {
					t.Errorf("row %d: duplicate document number %s", i, key)
				}
				keys[key] = true
				perSubject[row[p+"XDR_MC"]+row[p+"XDR_SHXYM"]+row[p+"XDR_ZJHM"]]++
				types[row[p+"XDR_LB"]]++
				if class == ClassPenalty {
					if hasCategory(row["CF_CFLB"], "行政拘留") && (row["CF_XDR_LB"] != "自然人" || d.Kind != KindPolice) {
						t.Errorf("row %d: 行政拘留 of %s by %s", i, row["CF_XDR_LB"], d.Name)
					}
					if row["CF_YXQ"] < row["CF_JDRQ"] {
						t.Errorf("row %d: CF_YXQ %s before CF_JDRQ %s", i, row["CF_YXQ"], row["CF_JDRQ"])
					}
				} else if row["XK_YXQZI"] < row["XK_YXQZ"] {
					t.Errorf("row %d: XK_YXQZI %s before XK_YXQZ %s", i, row["XK_YXQZI"], row["XK_YXQZ"])
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if min := credit.DateOf(asOf).AddDate(-historyYears, 0, -3).Format(credit.DateLayout); oldest < min {
				t.Errorf("oldest decision %s, before %s", oldest, min)
			}
			if oldest > credit.DateOf(asOf).AddDate(-historyYears, 1, 0).Format(credit.DateLayout) {
				t.Errorf("oldest decision %s, want dates spread over %d years", oldest, historyYears)
			}
			most := 0
			for _, c := range perSubject {
				most = max(most, c)
			}
			if most < 20 {
				t.Errorf("the busiest subject has %d of %d rows, want a skew (≥ 20)", most, n)
			}
			for _, lb := range []string{"法人及非法人组织", "个体工商户", "自然人"} {
				if types[lb] == 0 {
					t.Errorf("no row with 行政相对人类别 %s", lb)
				}
			}
			t.Logf("busiest subject: %d rows; 类别: %v", most, types)
		})
	}
}

func TestPenaltyMix(t *testing.T) {
	g := New(5, 10_000)
	const n = 10_000
	counts := map[string]int{}
	big := 0
	g.Rows(ClassPenalty, n, asOf, func(i int, d Department, row map[string]string) error {
		counts[row["CF_CFLB"]]++
		if fk := row["CF_NR_FK"]; fk != "" {
			if dot := strings.IndexByte(fk, '.'); dot >= 0 && len(fk)-dot-1 > 6 {
				t.Errorf("row %d: fine %s has more than 6 decimals", i, fk)
			}
			if v, err := strconv.ParseFloat(fk, 64); err != nil || v <= 0 {
				t.Errorf("row %d: fine %q", i, fk)
			} else if v >= 100 {
				big++
			}
		}
		return nil
	})
	if got := float64(counts["罚款"]) / n; got < 0.3 || got > 0.5 {
		t.Errorf("share of 罚款 only = %.3f, want about 0.4", got)
	}
	if counts["警告"] == 0 || counts["行政拘留"] == 0 || counts["吊销许可证件"] == 0 {
		t.Errorf("category mix %v lacks 警告, 行政拘留 or 吊销许可证件", counts)
	}
	if big == 0 {
		t.Error("no fine of 100 万元 or more")
	}
}

func TestRowsErrors(t *testing.T) {
	g := New(1, 10)
	if err := g.Rows("registration", 1, asOf, nil); credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("Rows(registration) = %v, want EINVALID", err)
	}
	if err := g.Rows(ClassPenalty, -1, asOf, nil); credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("Rows(-1) = %v, want EINVALID", err)
	}
	stop := errors.New("stop")
	calls := 0
	err := g.Rows(ClassPenalty, 10, asOf, func(int, Department, map[string]string) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Rows with a failing fn = %v after %d calls, want stop after 1", err, calls)
	}
	if g.BadRow("no_such_kind", g.Departments()[0], asOf) != nil {
		t.Error("BadRow(no_such_kind) != nil")
	}
}

func TestNew(t *testing.T) {
	for _, n := range []int{0, -1, MaxSubjects + 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(1, %d) did not panic", n)
				}
			}()
			New(1, n)
		}()
	}
	g := New(1, 1)
	if s := g.Subject(0); s.Name == "" {
		t.Errorf("Subject(0) of a one-subject province = %+v", s)
	}
	g.Rows(ClassPenalty, 3, asOf, func(int, Department, map[string]string) error { return nil })
	big := New(1, MaxSubjects)
	if s := big.Subject(MaxSubjects - 1); s.Name == "" {
		t.Errorf("Subject(MaxSubjects-1) = %+v", s)
	}
}

// TestWordLists checks the properties name uniqueness rests on.
func TestWordLists(t *testing.T) {
	zh := map[string]bool{}
	for _, z := range zihao {
		if utf8.RuneCountInString(z) != 2 {
			t.Errorf("字号 %q is not two characters", z)
		}
		if strings.ContainsAny(z[:3], "省市县区州") {
			t.Errorf("字号 %q starts with a region word", z)
		}
		zh[z] = true
	}
	for name, list := range map[string][]string{
		"industries": industries, "shops": shops, "coopProducts": coopProducts, "nonEnterprises": nonEnterprises,
		"foundationForms": foundationForms,
	} {
		seen := map[string]bool{}
		for _, w := range list {
			if seen[w] {
				t.Errorf("%s: duplicate %q", name, w)
			}
			seen[w] = true
			if r := []rune(w); len(r) >= 2 && zh[string(r[:2])] {
				t.Errorf("%s: %q starts with a 字号", name, w)
			}
		}
	}
	for name, list := range map[string][]string{
		"towns": towns, "associations": associations, "publicSuffixes": publicSuffixes, "regionAgencies": regionAgencies,
		"foundationTopics": foundationTopics, "surnames": surnames, "zihao": zihao,
	} {
		seen := map[string]bool{}
		for _, w := range list {
			if seen[w] {
				t.Errorf("%s: duplicate %q", name, w)
			}
			seen[w] = true
		}
	}
	for k, vs := range violations {
		for _, v := range vs {
			if v.wfxw == "" || v.act == "" || !strings.HasPrefix(v.rule, "《") || !strings.HasPrefix(v.basis, "《") {
				t.Errorf("%s: incomplete violation %+v", k, v)
			}
		}
	}
}

func BenchmarkSubject(b *testing.B) {
	g := New(1, 1_000_000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = g.Subject(i)
		i++
		if i == 1_000_000 {
			i = 0
		}
	}
}

func BenchmarkRows(b *testing.B) {
	g := New(1, 1_000_000)
	for _, class := range []string{ClassPenalty, ClassLicense} {
		b.Run(class, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g.Rows(class, 1, asOf, func(int, Department, map[string]string) error { return nil })
			}
		})
	}
}

// TestSmallProvinceHasEveryType: a province of a few hundred subjects (tests,
// quick demos) still has persons, individual businesses and organisations.
func TestSmallProvinceHasEveryType(t *testing.T) {
	g := New(7, 200)
	seen := map[string]int{}
	for i := range g.Subjects() {
		seen[g.Subject(i).Type]++
	}
	for _, typ := range []string{"enterprise", "individual_business", "person", "social_org", "public_institution"} {
		if seen[typ] == 0 {
			t.Errorf("no %s among 200 subjects: %v", typ, seen)
		}
	}
}

// An organisation is never punished for an offence only a person commits
// (殴打他人 and the like).
func TestPenaltyCasesFitTheSubject(t *testing.T) {
	g := New(7, 500)
	asOf := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	orgs := 0
	err := g.Rows("penalty", 3000, asOf, func(i int, _ Department, row map[string]string) error {
		if row["CF_XDR_LB"] == "自然人" {
			return nil
		}
		orgs++
		if personOnly[row["CF_WFXW"]] {
			t.Errorf("row %d: %s (%s) punished for %s", i, row["CF_XDR_MC"], row["CF_XDR_LB"], row["CF_WFXW"])
		}
		return nil
	})
	if err != nil || orgs < 1000 {
		t.Fatalf("%d organisations' rows, %v", orgs, err)
	}
}

// TestNoSubjectIsADepartment: no subject bears a department's name under
// another code (one body, two codes).
func TestNoSubjectIsADepartment(t *testing.T) {
	g := New(2024, 50_000)
	depts := map[string]string{}
	for _, d := range g.Departments() {
		depts[d.Name] = d.Code
	}
	for i := range g.Subjects() {
		s := g.Subject(i)
		if code, ok := depts[s.Name]; ok && code != s.USCC {
			t.Errorf("subject %d %s (%s) is department %s", i, s.Name, s.USCC, code)
		}
	}
}
