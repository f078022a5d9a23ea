package demo

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

// Classes Rows can generate.
const (
	ClassPenalty = "penalty" // 行政处罚, CF_* fields
	ClassLicense = "license" // 行政许可, XK_* fields
)

// LongTerm is the 有效期至 of licences without an end (长期).
const LongTerm = "2099-12-31"

// historyYears is how far back decision dates go.
const historyYears = 5

// Salts of the row streams.
const (
	saltPenalty = 0x9e7a1
	saltLicense = 0x11ce5
	saltBad     = 0xbad0
)

// rowSpec constrains a generated row (for BadRow).
type rowSpec struct {
	dept     *Department // fixed submitter; nil = chosen
	subjType string      // required subject type; "" = any
	cats     string      // fixed 处罚类别; "" = chosen
	salt     uint64      // extra stream salt
}

// Rows calls fn for rows 0..n-1 of class (ClassPenalty or ClassLicense),
// stopping at the first error fn returns. Row i depends only on the seed, the
// class, i and the date of asOf (in Asia/Shanghai): decision dates fall in
// the five years before that date, never after it. Each row maps national
// field codes to values that pass the catalog's rules when validated for the
// department fn receives (the submitter: CF_SJLY/CF_SJLYDM or
// XK_LYDW/XK_LYDWDM carry its name and code). Subjects are drawn with a skew,
// so that a few subjects have many records. Returns EINVALID for another
// class or a negative n.
func (g *Generator) Rows(class string, n int, asOf time.Time, fn func(i int, dept Department, row map[string]string) error) error {
	if n < 0 {
		return credit.Errorf(credit.EINVALID, "演示数据的行数不能为负数（%d）", n)
	}
	var build func(i int, today credit.Date, spec rowSpec) (Department, map[string]string)
	switch class {
	case ClassPenalty:
		build = g.penalty
	case ClassLicense:
		build = g.license
	default:
		return credit.Errorf(credit.EINVALID, "演示数据只能生成行政处罚（penalty）和行政许可（license），不支持“%s”", class)
	}
	today := credit.DateOf(asOf)
	for i := range n {
		d, row := build(i, today, rowSpec{})
		if err := fn(i, d, row); err != nil {
			return err
		}
	}
	return nil
}

// pickSubject draws a subject index: 85% uniformly, 15% by a log-uniform
// popularity rank, which gives the most popular subject a share of about
// 0.15·ln(2)/ln(n+1) of all rows (≈50 of 5 000 rows for 20 000 subjects),
// the next ones ≈30, ≈20 …
func (g *Generator) pickSubject(r *rng) int {
	if !r.chance(0.15) {
		return r.intn(g.n)
	}
	rank := int(math.Exp(r.float()*math.Log(float64(g.n)+1))) - 1
	rank = max(0, min(rank, g.n-1))
	return int(g.hot.apply(uint64(rank)))
}

// subjectOf draws a subject accepted by ok: up to 1000 draws, then the
// first acceptable index from a random one on. When no subject is acceptable it returns the last draw
// and false.
func (g *Generator) subjectOf(r *rng, ok func(*SubjectSeed) bool) (SubjectSeed, bool) {
	var s SubjectSeed
	for range 1000 {
		s = g.Subject(g.pickSubject(r))
		if ok(&s) {
			return s, true
		}
	}
	// Rare subjects: scan from a random place, so that they are not always
	// the same ones.
	start := r.intn(g.n)
	for j := range g.n {
		if t := g.Subject((start + j) % g.n); ok(&t) {
			return t, true
		}
	}
	return s, false
}

// decisionDate draws a working-week day in the five years up to today.
func decisionDate(r *rng, today credit.Date) credit.Date {
	span := int(today.Sub(today.AddDate(-historyYears, 0, 0)).Hours() / 24)
	d := today.AddDate(0, 0, -r.intn(span+1))
	switch d.Weekday() {
	case time.Saturday:
		d = d.AddDate(0, 0, -1)
	case time.Sunday:
		d = d.AddDate(0, 0, -2)
	}
	return d
}

// subjectCategory is the 行政相对人类别 of a subject type.
func subjectCategory(t string) string {
	switch t {
	case string(subject.Person):
		return "自然人"
	case string(subject.IndividualBusiness):
		return "个体工商户"
	}
	return "法人及非法人组织"
}

// putSubject fills the subject fields of a row; p is the field prefix
// ("CF_" or "XK_").
func putSubject(row map[string]string, p string, s *SubjectSeed, r *rng) {
	row[p+"XDR_MC"] = s.Name
	row[p+"XDR_LB"] = subjectCategory(s.Type)
	if s.Type == string(subject.Person) {
		row[p+"XDR_ZJLX"] = "身份证"
		row[p+"XDR_ZJHM"] = s.CitizenID
		return
	}
	row[p+"XDR_SHXYM"] = s.USCC
	row[p+"FRDB"] = s.LegalRep
	if r.chance(0.8) {
		row[p+"FR_ZJLX"] = "身份证"
		row[p+"FR_ZJHM"] = s.LegalRepID
	}
}

// metaOf returns what the generator knows about d; a department that is not
// the generator's gets provincial 文号 prefixes.
func (g *Generator) metaOf(d *Department) deptMeta {
	if i, ok := g.deptByCode[d.Code]; ok && g.depts[i] == *d {
		return g.meta[i]
	}
	dk, ok := deptKinds[d.Kind]
	if !ok {
		dk = deptKinds[KindMarket]
	}
	return deptMeta{penAbbr: "吉" + dk.penAbbr, licAbbr: "吉" + dk.licAbbr, region: "吉", level: levelProvince, pref: -1}
}

// personShare is the share of penalties about natural persons (besides
// 行政拘留, which only persons get).
const personShare = 0.1

// mildCats are the categories a public body or social organisation gets:
// no licence to suspend, no business to close.
var mildCats = []string{"罚款", "罚款", "警告", "警告;罚款", "通报批评"}

// qualified are the industries that hold a 资质 that can be lowered.
var qualified = inds(indConstruction, indRealEstate, indProfessional, indTravel)

// penalty builds penalty row i.
func (g *Generator) penalty(i int, today credit.Date, spec rowSpec) (Department, map[string]string) {
	r := newRNG(g.seed^saltPenalty^spec.salt, uint64(i))
	cats := spec.cats
	if cats == "" {
		cats = penaltyMix[r.weighted(penaltyMixWeights)].cats
	}
	if spec.dept != nil && spec.dept.Kind != KindPolice && hasCategory(cats, "行政拘留") {
		cats = "罚款"
	}
	detention := hasCategory(cats, "行政拘留")
	want := spec.subjType
	if detention || want == "" && r.chance(personShare) {
		want = string(subject.Person)
	}
	var domain string
	switch {
	case spec.dept != nil:
		domain = g.domainOf(spec.dept)
	case detention:
		domain = KindPolice
	case want == string(subject.Person):
		domain = personKinds[r.weighted(personKindWeights)]
	default:
		domain = penaltyKinds[r.weighted(penaltyKindWeights)]
	}
	v, s, domain := g.penaltyCase(&r, domain, want, spec.dept == nil)
	isPerson := s.Type == string(subject.Person)
	if detention && !isPerson {
		cats = "罚款"
	}
	if spec.cats == "" {
		switch {
		case isPerson:
			for _, c := range orgOnly {
				if hasCategory(cats, c) {
					cats = pick(&r, personMix)
					break
				}
			}
		case s.Type != string(subject.Enterprise) && s.Type != string(subject.IndividualBusiness):
			if !slices.Contains(mildCats, cats) {
				cats = pick(&r, mildCats)
			}
		case hasCategory(cats, "降低资质等级") && !qualified.has(s.Industry):
			cats = "罚款"
		}
	}

	// Submitting department and deciding authority.
	var dept Department
	var meta deptMeta
	authority := -1
	if spec.dept != nil {
		dept, meta = *spec.dept, g.metaOf(spec.dept)
	} else {
		d := g.deptFor(&r, domain, &s, true)
		dept, meta = g.depts[d], g.meta[d]
		authority = g.authorityFor(&r, d)
	}
	auth, authMeta := dept, meta
	if authority >= 0 {
		auth, authMeta = g.depts[authority], g.meta[authority]
	}

	jd := decisionDate(&r, today)
	happened := jd.AddDate(0, 0, -r.between(10, 120))

	// A licence to suspend or revoke must be one the subject may hold from
	// this kind of department; without one, the case is fined instead.
	var certName, certNo string
	if hasCategory(cats, "暂扣许可证件") || hasCategory(cats, "吊销许可证件") {
		var ok bool
		certName, certNo, ok = g.certificate(&r, domain, &s, jd.Year(), authMeta.region)
		if !ok {
			cats = "警告;罚款"
		}
	}

	row := map[string]string{}
	putSubject(row, "CF_", &s, &r)
	row["CF_WSH"] = fmt.Sprintf("%s〔%d〕%d号", authMeta.penAbbr, jd.Year(), i+1)
	row["CF_WFXW"] = v.wfxw
	row["CF_SY"] = fmt.Sprintf("经查，当事人%s于%d年%d月%d日在%s%s，违反了%s的规定。",
		s.Name, happened.Year(), happened.Month(), happened.Day(), g.address(&r, s.RegionCode), v.act, v.rule)
	yj := "依据" + v.basis + "的规定"
	if r.chance(0.2) {
		yj += "，参照《中华人民共和国行政处罚法》第三十二条第（一）项关于从轻处罚的规定"
	}
	row["CF_YJ"] = yj
	row["CF_CFLB"] = cats

	var items []string
	var seized uint64
	for _, c := range strings.Split(cats, ";") {
		switch c {
		case "警告", "通报批评", "责令关闭":
			items = append(items, c)
		case "罚款":
			fen := fineFen(&r, &v, isPerson)
			row["CF_NR_FK"] = wan(fen)
			items = append(items, "罚款人民币"+yuan(fen)+"元")
		case "没收违法所得":
			fen := roundFen(&r, uint64(logUniform(&r, 100, 100_000)*100))
			seized += fen
			items = append(items, "没收违法所得人民币"+yuan(fen)+"元")
		case "没收非法财物":
			fen := roundFen(&r, uint64(logUniform(&r, 200, 50_000)*100))
			seized += fen
			items = append(items, "没收非法财物（涉案物品一批，价值人民币"+yuan(fen)+"元）")
		case "暂扣许可证件":
			row["CF_NR_ZKDX"] = certName + "（" + certNo + "）"
			items = append(items, fmt.Sprintf("暂扣%s%d个月", certName, r.between(1, 6)))
		case "吊销许可证件":
			row["CF_NR_ZKDX"] = certName + "（" + certNo + "）"
			items = append(items, "吊销"+certName)
		case "降低资质等级":
			items = append(items, "降低资质等级一级")
		case "限制开展生产经营活动":
			items = append(items, fmt.Sprintf("限制开展生产经营活动%d个月", r.between(1, 6)))
		case "责令停产停业":
			items = append(items, fmt.Sprintf("责令停产停业%d日", 5*r.between(1, 6)))
		case "限制从业":
			items = append(items, fmt.Sprintf("相关责任人员%d年内不得从事相关生产经营活动", r.between(1, 5)))
		case "行政拘留":
			items = append(items, fmt.Sprintf("行政拘留%d日", r.between(3, 15)))
		default:
			items = append(items, "责令限期改正并依法予以其他行政处罚")
		}
	}
	if seized > 0 {
		row["CF_NR_WFFF"] = wan(seized)
	}
	row["CF_NR"] = "对当事人作出如下行政处罚：" + strings.Join(items, "；") + "。"
	row["CF_JDRQ"] = jd.Format(credit.DateLayout)
	years := 3
	if cats == "警告" || cats == "通报批评" {
		years = 1
	}
	row["CF_YXQ"] = jd.AddDate(years, 0, -1).Format(credit.DateLayout)
	row["CF_CFJG"] = auth.Name
	row["CF_CFJGDM"] = auth.Code
	row["CF_SJLY"] = dept.Name
	row["CF_SJLYDM"] = dept.Code
	if r.chance(0.05) {
		row["BZ"] = "当事人已履行处罚决定"
	}
	return dept, row
}

// penaltyCase draws a violation of department kind domain and a subject
// that may have committed it (of type want, when set). When free, another
// kind may be tried if no subject of the province fits; the kind of the
// returned violation is returned with it. A province too small for any
// fitting subject gets a late tax return, which anyone may file.
func (g *Generator) penaltyCase(r *rng, domain, want string, free bool) (violation, SubjectSeed, string) {
	wantPerson := want == string(subject.Person)
	fits := func(v *violation) func(*SubjectSeed) bool {
		return func(s *SubjectSeed) bool {
			switch {
			case want != "" && s.Type != want:
				return false
			case s.Type == string(subject.Person):
				return v.person
			case firmOnly[v.wfxw] && s.Type != string(subject.Enterprise):
				return false
			}
			return v.fits.has(s.Industry)
		}
	}
	var cands []violation
	for try := range 4 {
		cands = cands[:0]
		for _, v := range violations[domain] {
			if wantPerson && v.person || !wantPerson && v.fits != 0 {
				cands = append(cands, v)
			}
		}
		if len(cands) > 0 {
			v := pick(r, cands)
			if s, ok := g.subjectOf(r, fits(&v)); ok {
				return v, s, domain
			}
		}
		if !free {
			if try > 0 {
				break
			}
			continue
		}
		if wantPerson {
			domain = personKinds[r.weighted(personKindWeights)]
		} else {
			domain = penaltyKinds[r.weighted(penaltyKindWeights)]
		}
	}
	v := violations[KindTax][0]
	s, _ := g.subjectOf(r, func(s *SubjectSeed) bool { return want == "" || s.Type == want })
	if free {
		domain = KindTax
	}
	return v, s, domain
}

// individualChanges are the changes an individual business registers.
var individualChanges = []string{"准予变更登记（经营范围变更）", "准予变更登记（经营场所变更）", "准予变更登记（经营者变更）", "准予变更登记（资金数额变更）"}

// license builds licence row i.
func (g *Generator) license(i int, today credit.Date, spec rowSpec) (Department, map[string]string) {
	r := newRNG(g.seed^saltLicense^spec.salt, uint64(i))
	wantPerson := spec.subjType == string(subject.Person) || spec.subjType == "" && r.chance(0.04)
	var k string
	switch {
	case spec.dept != nil:
		k = g.domainOf(spec.dept)
	case wantPerson:
		k = personLicenseKinds[r.weighted(personLicenseWeight)]
	default:
		k = licenseKinds[r.weighted(licenseKindWeights)]
	}
	t, s, k := g.licenseCase(&r, k, wantPerson, spec.subjType, spec.dept == nil)

	var dept Department
	var meta deptMeta
	authority := -1
	if spec.dept != nil {
		dept, meta = *spec.dept, g.metaOf(spec.dept)
	} else {
		d := g.deptFor(&r, k, &s, false)
		dept, meta = g.depts[d], g.meta[d]
		authority = g.authorityFor(&r, d)
	}
	auth, authMeta := dept, meta
	if authority >= 0 {
		auth, authMeta = g.depts[authority], g.meta[authority]
	}

	jd := decisionDate(&r, today)
	row := map[string]string{}
	putSubject(row, "XK_", &s, &r)
	row["XK_XKWS"] = t.ws
	row["XK_WSH"] = fmt.Sprintf("%s字〔%d〕第%05d号", authMeta.licAbbr, jd.Year(), i+1)
	row["XK_XKLB"] = t.lb
	if t.zs != "" {
		row["XK_XKZS"] = t.zs
		if t.num != nil {
			c := licCtx{r: &r, year: jd.Year(), region: s.RegionCode, abbr: authMeta.region, s: &s}
			row["XK_XKBH"] = t.num(&c)
		}
	}
	nr := t.content(&s)
	if t.zs == "营业执照" && s.Type == string(subject.IndividualBusiness) {
		nr = individualChanges
	}
	row["XK_NR"] = pick(&r, nr)
	row["XK_JDRQ"] = jd.Format(credit.DateLayout)
	from := jd
	if r.chance(0.2) {
		from = jd.AddDate(0, 0, r.between(1, 10))
	}
	row["XK_YXQZ"] = from.Format(credit.DateLayout)
	until := LongTerm
	if m := pick(&r, t.months); m > 0 {
		until = from.AddDate(0, m, -1).Format(credit.DateLayout)
	}
	row["XK_YXQZI"] = until
	status := "有效"
	if until < today.Format(credit.DateLayout) || r.chance(0.02) {
		status = "无效"
	}
	row["XK_ZT"] = status
	row["XK_XKJG"] = auth.Name
	row["XK_XKJGDM"] = auth.Code
	row["XK_LYDW"] = dept.Name
	row["XK_LYDWDM"] = dept.Code
	return dept, row
}

// licenseCase draws a licence template of department kind k (for a person
// or not) and a subject it may be granted to (of type subjType, when set).
// When free, another kind may be tried if no subject of the province fits;
// the kind of the returned template is returned with it. A province too
// small for any fitting subject gets a change of registration.
func (g *Generator) licenseCase(r *rng, k string, wantPerson bool, subjType string, free bool) (*licenseTemplate, SubjectSeed, string) {
	var fit []*licenseTemplate
	for try := range 4 {
		tpls := licenseTemplates[k]
		if len(tpls) == 0 {
			k, tpls = KindMarket, licenseTemplates[KindMarket]
		}
		fit = fit[:0]
		for j := range tpls {
			if tpls[j].types.has(string(subject.Person)) == wantPerson {
				fit = append(fit, &tpls[j])
			}
		}
		if len(fit) > 0 {
			t := pick(r, fit)
			if s, ok := g.subjectOf(r, func(s *SubjectSeed) bool {
				return t.grants(s) && (subjType == "" || s.Type == subjType)
			}); ok {
				return t, s, k
			}
		}
		if !free {
			if try > 0 {
				break
			}
			continue
		}
		if wantPerson {
			k = personLicenseKinds[r.weighted(personLicenseWeight)]
		} else {
			k = licenseKinds[r.weighted(licenseKindWeights)]
		}
	}
	if !free && len(fit) > 0 {
		t := fit[0]
		s, _ := g.subjectOf(r, func(s *SubjectSeed) bool { return subjType == "" || s.Type == subjType })
		return t, s, k
	}
	t := &licenseTemplates[KindMarket][0]
	s, ok := g.subjectOf(r, func(s *SubjectSeed) bool { return t.grants(s) && (subjType == "" || s.Type == subjType) })
	if !ok {
		s, _ = g.subjectOf(r, func(s *SubjectSeed) bool { return subjType == "" || s.Type == subjType })
	}
	if free {
		k = KindMarket
	}
	return t, s, k
}

// certificate returns a licence the subject may hold from a department of
// kind k, for 暂扣/吊销: its name and number; false when there is none.
func (g *Generator) certificate(r *rng, k string, s *SubjectSeed, year int, abbr string) (name, number string, ok bool) {
	var fit []*licenseTemplate
	tpls := licenseTemplates[k]
	for j := range tpls {
		if t := &tpls[j]; t.zs != "" && t.num != nil && t.grants(s) {
			fit = append(fit, t)
		}
	}
	if len(fit) == 0 {
		return "", "", false
	}
	t := pick(r, fit)
	c := licCtx{r: r, year: year, region: s.RegionCode, abbr: abbr, s: s}
	return t.zs, t.num(&c), true
}

// address returns a street address in region.
func (g *Generator) address(r *rng, region string) string {
	prefix := "吉林省长春市"
	if ci, ok := g.geo.byCode[region]; ok {
		c := g.geo.counties[ci]
		prefix = g.geo.prefs[c.pref].name + c.name
	} else if pi := g.geo.prefIndex(region); pi >= 0 {
		prefix = g.geo.prefs[pi].name
	}
	return prefix + pick(r, streets) + strconv.Itoa(r.between(1, 2999)) + "号"
}

// logUniform returns a number between lo and hi with a log-uniform density.
func logUniform(r *rng, lo, hi float64) float64 {
	return math.Exp(math.Log(lo) + r.float()*(math.Log(hi)-math.Log(lo)))
}

// fineFen draws the fine of a case of v in fen (0.01 元), within the range
// its provision gives (a person's cap, where lower): log-uniform, as
// decisions write it: mostly a round number, sometimes whole yuan, rarely
// with fen.
func fineFen(r *rng, v *violation, person bool) uint64 {
	lo, hi := v.lo, v.hi
	if c, ok := personFineCap[v.wfxw]; ok && person && c < hi {
		hi, lo = c, min(lo, 50)
	}
	if hi <= lo {
		return uint64(lo) * 100
	}
	y := logUniform(r, float64(lo), float64(hi))
	switch x := r.float(); {
	case x < 0.02: // with fen
		return min(max(uint64(y*100), uint64(lo)*100), uint64(hi)*100)
	case x < 0.25: // whole yuan
		return min(max(uint64(y), uint64(lo)), uint64(hi)) * 100
	}
	step := uint64(math.Pow(10, math.Floor(math.Log10(y))-1))
	if y >= 2_000 && r.chance(0.5) {
		step *= 10 // 3000, 20000 as well as 3400, 23000
	}
	step = max(step, 1)
	v64 := uint64(y) / step * step
	if v64 < uint64(lo) {
		v64 = (uint64(lo) + step - 1) / step * step
	}
	if v64 > uint64(hi) {
		v64 = uint64(hi)
	}
	return v64 * 100
}

// roundFen rounds an amount as decisions do: mostly to 100 元, sometimes to
// 1 元, rarely not at all.
func roundFen(r *rng, fen uint64) uint64 {
	switch x := r.float(); {
	case x < 0.7:
		fen = max(10_000, fen/10_000*10_000)
	case x < 0.9:
		fen = max(100, fen/100*100)
	}
	return max(fen, 1)
}

// wan writes fen as 万元 without trailing zeros (at most 6 decimals).
func wan(fen uint64) string {
	s := strconv.FormatUint(fen/1_000_000, 10)
	frac := fen % 1_000_000
	if frac == 0 {
		return s
	}
	return s + "." + strings.TrimRight(fmt.Sprintf("%06d", frac), "0")
}

// yuan writes fen as 元 (5000, 12345.67).
func yuan(fen uint64) string {
	s := strconv.FormatUint(fen/100, 10)
	if f := fen % 100; f != 0 {
		s += fmt.Sprintf(".%02d", f)
	}
	return s
}

// BadRowKinds returns the kinds BadRow knows, each breaking one rule:
// missing_wsh (CF_WSH empty), bad_uscc_check (CF_XDR_SHXYM with a wrong check
// character), individual_not_92 (个体工商户 with a 91 code), future_date
// (CF_JDRQ after asOf), fine_missing (罚款 without CF_NR_FK), bad_id
// (自然人 with a wrong ID check character), other_department (CF_SJLYDM of
// another department), bad_date (CF_JDRQ not a real date) — all penalties —
// and expiry_before_start (a licence whose XK_YXQZI is before XK_YXQZ).
func BadRowKinds() []string {
	return []string{"missing_wsh", "bad_uscc_check", "individual_not_92", "future_date", "fine_missing", "bad_id", "other_department", "bad_date", "expiry_before_start"}
}

// BadRow returns a row submitted by dept that breaks exactly one rule, the
// one named by kind (see BadRowKinds); it returns nil for an unknown kind.
// The row is otherwise valid when the province has subjects of the type the
// kind needs (organisations, individual businesses or persons), which holds
// for any province of a few hundred subjects or more.
func (g *Generator) BadRow(kind string, dept Department, asOf time.Time) map[string]string {
	today := credit.DateOf(asOf)
	spec := rowSpec{dept: &dept, salt: saltBad}
	var idx int
	for j, k := range BadRowKinds() {
		if k == kind {
			idx = j + 1
		}
	}
	if idx == 0 {
		return nil
	}
	switch kind {
	case "bad_uscc_check":
		spec.subjType = string(subject.Enterprise)
	case "individual_not_92":
		spec.subjType = string(subject.IndividualBusiness)
	case "bad_id":
		spec.subjType = string(subject.Person)
	case "fine_missing":
		spec.cats = "罚款"
	}
	if kind == "expiry_before_start" {
		_, row := g.license(idx, today, spec)
		from, _ := time.Parse(credit.DateLayout, row["XK_YXQZ"])
		row["XK_YXQZI"] = from.AddDate(0, 0, -1).Format(credit.DateLayout)
		return row
	}
	_, row := g.penalty(idx, today, spec)
	switch kind {
	case "missing_wsh":
		delete(row, "CF_WSH")
	case "bad_uscc_check":
		code := row["CF_XDR_SHXYM"]
		c := strings.IndexByte(subject.USCCCharset, code[17])
		row["CF_XDR_SHXYM"] = code[:17] + string(subject.USCCCharset[(c+1)%len(subject.USCCCharset)])
	case "individual_not_92":
		var b [18]byte
		copy(b[:], row["CF_XDR_SHXYM"])
		b[1] = '1'
		row["CF_XDR_SHXYM"] = finishUSCC(b)
	case "future_date":
		jd := today.AddDate(0, 0, 30)
		row["CF_JDRQ"] = jd.Format(credit.DateLayout)
		row["CF_YXQ"] = jd.AddDate(1, 0, 0).Format(credit.DateLayout)
	case "fine_missing":
		delete(row, "CF_NR_FK")
	case "bad_id":
		id := row["CF_XDR_ZJHM"]
		const checks = "0123456789X"
		c := strings.IndexByte(checks, id[17])
		row["CF_XDR_ZJHM"] = id[:17] + string(checks[(c+1)%len(checks)])
	case "other_department":
		for _, d := range g.depts {
			if d.Code != dept.Code {
				row["CF_SJLY"], row["CF_SJLYDM"] = d.Name, d.Code
				break
			}
		}
	case "bad_date":
		jd, _ := time.Parse(credit.DateLayout, row["CF_JDRQ"])
		row["CF_JDRQ"] = fmt.Sprintf("%d-02-30", jd.Year())
	}
	return row
}
