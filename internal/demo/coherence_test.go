package demo

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"jlcredit/internal/subject"
)

// province indexes the subjects of g by code (USCC or citizen ID).
func province(g *Generator) map[string]int {
	m := make(map[string]int, g.Subjects())
	for i := range g.Subjects() {
		s := g.Subject(i)
		if s.USCC != "" {
			m[s.USCC] = i
		} else if _, seen := m[s.CitizenID]; !seen {
			m[s.CitizenID] = i
		}
	}
	return m
}

// Every organisation has an industry that its name bears out; persons have
// none.
func TestSubjectIndustries(t *testing.T) {
	g := New(11, 20_000)
	seen := map[string]int{}
	for i := range g.Subjects() {
		s := g.Subject(i)
		seen[s.Industry]++
		if s.Type == string(subject.Person) {
			if s.Industry != "" {
				t.Errorf("person %d has industry %s", i, s.Industry)
			}
			continue
		}
		if _, ok := industryBit[s.Industry]; !ok {
			t.Fatalf("subject %d %s: unknown industry %q", i, s.Name, s.Industry)
		}
		var words string
		switch s.Industry {
		case indHotel:
			words = "酒店 旅馆 宾馆"
		case indSchool:
			words = "学 幼儿园"
		case indHospital:
			words = "医院 卫生院 保健院"
		case indInternetCafe:
			words = "网吧"
		case indGovernment:
			if s.Type != string(subject.Government) {
				t.Errorf("subject %d %s (%s) tagged government", i, s.Name, s.Type)
			}
		}
		if words != "" && !containsAny(s.Name, words) {
			t.Errorf("subject %d %s tagged %s", i, s.Name, s.Industry)
		}
	}
	for _, ind := range []string{indHotel, indInternetCafe, indSchool, indHospital, indPharmacy, indRestaurant, indConstruction} {
		if seen[ind] == 0 {
			t.Errorf("no subject of industry %s among 20 000", ind)
		}
	}
}

func containsAny(s, words string) bool {
	for _, w := range strings.Fields(words) {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// violationsByName maps 违法行为类型 to the violation and its kind.
func violationsByName(t *testing.T) (map[string]violation, map[string]string) {
	vs, kinds := map[string]violation{}, map[string]string{}
	for k, list := range violations {
		for _, v := range list {
			if _, dup := vs[v.wfxw]; dup {
				t.Fatalf("违法行为类型 %s in two templates", v.wfxw)
			}
			if v.lo <= 0 || v.hi < v.lo {
				t.Errorf("%s: fine range [%d, %d]", v.wfxw, v.lo, v.hi)
			}
			if v.fits == 0 && !v.person {
				t.Errorf("%s fits nobody", v.wfxw)
			}
			vs[v.wfxw], kinds[v.wfxw] = v, k
		}
	}
	return vs, kinds
}

// fenOf parses a 万元 amount (CF_NR_FK) into fen.
func fenOf(t *testing.T, wan string) uint64 {
	t.Helper()
	whole, frac, _ := strings.Cut(wan, ".")
	w, err := strconv.ParseUint(whole, 10, 64)
	if err != nil || len(frac) > 6 {
		t.Fatalf("bad 万元 amount %q", wan)
	}
	frac += strings.Repeat("0", 6-len(frac))
	f, _ := strconv.ParseUint(frac, 10, 64)
	return w*1_000_000 + f
}

// publicCases are the only cases of public institutions: hospitals'
// medical waste and devices, canteens' staff.
var publicCases = map[string]bool{"医疗废物管理不规范": true, "经营使用无合格证明文件的医疗器械": true, "食品从业人员未取得健康证明上岗": true}

var fineText = regexp.MustCompile(`罚款人民币([0-9]+(?:\.[0-9]{2})?)元`)

// Penalties fit their subject, their department and their provision: an
// organisation is penalised only for what its industry can commit (no
// hotel-registration case on a non-hotel, no market case on a government
// body), by a department of the violation's kind (吉林省药品监督管理局 for
// drug cases only), with a fine within the range of the applied provision,
// written the same in CF_NR and CF_NR_FK, and suspends or revokes only a
// licence the subject may hold.
func TestPenaltiesFitSubjectAndLaw(t *testing.T) {
	g := New(11, 20_000)
	codes := province(g)
	vs, kinds := violationsByName(t)
	byCode := map[string]Department{}
	for _, d := range g.Departments() {
		byCode[d.Code] = d
	}
	fines, withFen, public := 0, 0, 0
	const n = 6_000
	err := g.Rows(ClassPenalty, n, asOf, func(i int, d Department, row map[string]string) error {
		code := row["CF_XDR_SHXYM"] + row["CF_XDR_ZJHM"]
		idx, ok := codes[code]
		if !ok {
			t.Fatalf("row %d: subject %s not in the province", i, code)
		}
		s := g.Subject(idx)
		v, ok := vs[row["CF_WFXW"]]
		if !ok {
			t.Fatalf("row %d: unknown 违法行为类型 %s", i, row["CF_WFXW"])
		}
		switch {
		case s.Type == string(subject.Person):
			if !v.person {
				t.Errorf("row %d: person %s penalised for %s", i, s.Name, v.wfxw)
			}
		case !v.fits.has(s.Industry):
			t.Errorf("row %d: %s (%s) penalised for %s", i, s.Name, s.Industry, v.wfxw)
		}
		if v.wfxw == "旅馆未按规定登记住宿旅客信息" && !containsAny(s.Name, "酒店 旅馆 宾馆") {
			t.Errorf("row %d: hotel-registration case on %s", i, s.Name)
		}
		switch s.Type {
		case string(subject.Government):
			t.Errorf("row %d: government body %s penalised for %s", i, s.Name, v.wfxw)
		case string(subject.PublicInstitution):
			public++
			if !publicCases[v.wfxw] {
				t.Errorf("row %d: public institution %s penalised for %s", i, s.Name, v.wfxw)
			}
		}
		// The department's kind, and level: a shop is a local case.
		auth := byCode[row["CF_CFJGDM"]]
		drugAgency := auth.Name == "吉林省药品监督管理局"
		if (s.Type == string(subject.IndividualBusiness) || shopsFront.has(s.Industry)) && auth.RegionCode == subject.JilinCode {
			t.Errorf("row %d: provincial %s decided a case of the shop %s", i, auth.Name, s.Name)
		}
		switch k := kinds[v.wfxw]; {
		case k == kindDrug:
			if auth.Kind != KindMarket {
				t.Errorf("row %d: drug case %s decided by %s", i, v.wfxw, auth.Name)
			}
		case drugAgency:
			t.Errorf("row %d: %s decided %s (%s)", i, auth.Name, v.wfxw, k)
		case auth.Kind != k:
			t.Errorf("row %d: %s case %s decided by %s (%s)", i, k, v.wfxw, auth.Name, auth.Kind)
		}
		// The fine.
		if fk := row["CF_NR_FK"]; fk != "" {
			fines++
			fen := fenOf(t, fk)
			lo, hi := uint64(v.lo)*100, uint64(v.hi)*100
			if c, ok := personFineCap[v.wfxw]; ok && s.Type == string(subject.Person) {
				lo, hi = min(lo, 5_000), uint64(c)*100
			}
			if fen < lo || fen > hi {
				t.Errorf("row %d: %s fined %s 万元, outside [%d, %d] 元", i, v.wfxw, fk, lo/100, hi/100)
			}
			if fen%100 != 0 {
				withFen++
			}
			m := fineText.FindStringSubmatch(row["CF_NR"])
			if m == nil || m[1] != yuan(fen) {
				t.Errorf("row %d: CF_NR %q, CF_NR_FK %s", i, row["CF_NR"], fk)
			}
		}
		// The licence suspended or revoked.
		if z := row["CF_NR_ZKDX"]; z != "" {
			name, found := z, false
			for _, tp := range licenseTemplates[kinds[v.wfxw]] {
				if tp.zs != "" && strings.HasPrefix(z, tp.zs+"（") && tp.grants(&s) {
					name, found = tp.zs, true
				}
			}
			if !found {
				t.Errorf("row %d: %s (%s) loses a %s for %s", i, s.Name, s.Industry, name, v.wfxw)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fines < n/3 {
		t.Errorf("%d fines in %d rows", fines, n)
	}
	if withFen*20 > fines {
		t.Errorf("%d of %d fines with fen, want whole yuan but rarely", withFen, fines)
	}
	if public*50 > n {
		t.Errorf("%d of %d penalties on public institutions, want almost none", public, n)
	}
}

// Licences fit their subject and their department, and change a
// registration rather than make one: a 设立登记 is the subject's
// registration record, dated on its founding, before every licence.
func TestLicencesFitSubject(t *testing.T) {
	g := New(11, 20_000)
	codes := province(g)
	byCode := map[string]Department{}
	for _, d := range g.Departments() {
		byCode[d.Code] = d
	}
	founded := map[int]string{}
	const n = 6_000
	err := g.Rows(ClassLicense, n, asOf, func(i int, d Department, row map[string]string) error {
		code := row["XK_XDR_SHXYM"] + row["XK_XDR_ZJHM"]
		idx, ok := codes[code]
		if !ok {
			t.Fatalf("row %d: subject %s not in the province", i, code)
		}
		s := g.Subject(idx)
		var tpl *licenseTemplate
		var kind string
		for k, list := range licenseTemplates {
			for j := range list {
				if list[j].ws == row["XK_XKWS"] && list[j].zs == row["XK_XKZS"] {
					tpl, kind = &list[j], k
				}
			}
		}
		if tpl == nil {
			t.Fatalf("row %d: unknown licence %s", i, row["XK_XKWS"])
		}
		if !tpl.grants(&s) {
			t.Errorf("row %d: %s (%s %s) granted %s", i, s.Name, s.Type, s.Industry, tpl.ws)
		}
		if strings.Contains(row["XK_XKWS"]+row["XK_NR"], "设立") {
			t.Errorf("row %d: %s / %s", i, row["XK_XKWS"], row["XK_NR"])
		}
		if strings.Contains(row["XK_XKWS"], "变更登记") != strings.HasPrefix(row["XK_NR"], "准予变更登记") {
			t.Errorf("row %d: title %s, content %s", i, row["XK_XKWS"], row["XK_NR"])
		}
		auth := byCode[row["XK_XKJGDM"]]
		switch {
		case kind == kindDrug:
			if auth.Kind != KindMarket {
				t.Errorf("row %d: %s issued by %s", i, tpl.ws, auth.Name)
			}
		case auth.Name == "吉林省药品监督管理局":
			t.Errorf("row %d: %s issued %s", i, auth.Name, tpl.ws)
		case auth.Kind != kind:
			t.Errorf("row %d: %s (%s) issued by %s", i, tpl.ws, kind, auth.Name)
		}
		if s.USCC != "" {
			clrq, ok := founded[idx]
			if !ok {
				_, reg, _ := g.Registration(idx, asOf)
				clrq, founded[idx] = reg["DJ_CLRQ"], reg["DJ_CLRQ"]
			}
			if row["XK_JDRQ"] <= clrq {
				t.Errorf("row %d: %s decided %s, on or before %s was founded (%s)", i, tpl.ws, row["XK_JDRQ"], s.Name, clrq)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Lists of enterprises name enterprises only.
func TestListEntriesFitSubject(t *testing.T) {
	g := New(2024, 20_000)
	err := g.ListEntries(600, asOf, func(i int, d Department, row map[string]string) error {
		switch row["MD_LX"] {
		case "守合同重信用企业", "经营异常名录", "纳税信用A级纳税人":
			if row["MD_ZTLB"] != "法人及非法人组织" || !hasAnyPrefix(row["MD_TYSHXYDM"], []string{"91", "93"}) {
				t.Errorf("entry %d: %s on %s", i, row["MD_ZTMC"], row["MD_LX"])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
