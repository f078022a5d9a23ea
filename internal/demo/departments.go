package demo

import (
	"slices"
	"strings"

	"jlcredit/internal/subject"
)

// Department kinds.
const (
	KindMarket      = "market"            // 市场监督管理
	KindEnvironment = "environment"       // 生态环境
	KindTransport   = "transport"         // 交通运输
	KindHousing     = "housing"           // 住房和城乡建设
	KindSafety      = "safety"            // 应急管理
	KindHealth      = "health"            // 卫生健康
	KindCulture     = "culture"           // 文化广播电视和旅游
	KindAgriculture = "agriculture"       // 农业农村
	KindResources   = "natural_resources" // 自然资源
	KindHRSS        = "human_resources"   // 人力资源和社会保障
	KindPolice      = "police"            // 公安
	KindTax         = "tax"               // 税务
	KindEducation   = "education"         // 教育
	KindCommerce    = "commerce"          // 商务
	KindWater       = "water"             // 水利
	KindUrban       = "urban"             // 城市管理行政执法
	// Registration authorities that decide nothing in the demo: they
	// report the registrations of social organisations (民政) and of public
	// institutions and government bodies (机构编制).
	KindCivilAffairs  = "civil_affairs" // 民政
	KindEstablishment = "establishment" // 机构编制
)

// Kinds lists every department kind.
var Kinds = []string{
	KindMarket, KindEnvironment, KindTransport, KindHousing, KindSafety, KindHealth, KindCulture, KindAgriculture,
	KindResources, KindHRSS, KindPolice, KindTax, KindEducation, KindCommerce, KindWater, KindUrban,
	KindCivilAffairs, KindEstablishment,
}

// registrarKinds are the kinds of Kinds that only register: one body at
// the province and in each 市州, created after every other department.
var registrarKinds = []string{KindCivilAffairs, KindEstablishment}

// deptKind describes the bodies of one kind at each level.
type deptKind struct {
	province  string // 吉林省市场监督管理厅 ("" = none)
	body      string // 市州 and 长白山 suffix: 市场监督管理局
	penAbbr   string // 文号 part of penalty decisions: 市监处罚
	licAbbr   string // 文号 part of licence decisions: 市监许
	penalizes bool
	licenses  bool
}

var deptKinds = map[string]deptKind{
	KindMarket:      {"吉林省市场监督管理厅", "市场监督管理局", "市监处罚", "市监许", true, true},
	KindEnvironment: {"吉林省生态环境厅", "生态环境局", "环罚", "环许", true, true},
	KindTransport:   {"吉林省交通运输厅", "交通运输局", "交执罚", "交许", true, true},
	KindHousing:     {"吉林省住房和城乡建设厅", "住房和城乡建设局", "建罚", "建许", true, true},
	KindSafety:      {"吉林省应急管理厅", "应急管理局", "应急罚", "应急许", true, true},
	KindHealth:      {"吉林省卫生健康委员会", "卫生健康委员会", "卫健罚", "卫健许", true, true},
	KindCulture:     {"吉林省文化和旅游厅", "文化广播电视和旅游局", "文旅罚", "文旅许", true, true},
	KindAgriculture: {"吉林省农业农村厅", "农业农村局", "农罚", "农许", true, true},
	KindResources:   {"吉林省自然资源厅", "自然资源局", "自然资罚", "自然资许", true, true},
	KindHRSS:        {"吉林省人力资源和社会保障厅", "人力资源和社会保障局", "人社监罚", "人社许", true, true},
	KindPolice:      {"吉林省公安厅", "公安局", "公（治）行罚决字", "公许", true, true},
	KindTax:         {"国家税务总局吉林省税务局", "税务局", "税稽罚", "税许", true, false},
	KindEducation:   {"吉林省教育厅", "教育局", "教罚", "教许", false, true},
	KindCommerce:    {"吉林省商务厅", "商务局", "商务罚", "商务许", true, true},
	KindWater:       {"吉林省水利厅", "水利局", "水罚", "水许", true, true},
	KindUrban:       {"", "城市管理行政执法局", "城管罚", "城管许", true, true},
	// The body of a 市州 is named by registrarName.
	KindCivilAffairs:  {"吉林省民政厅", "民政局", "民罚", "民许", false, false},
	KindEstablishment: {"中共吉林省委机构编制委员会办公室", "", "编罚", "编许", false, false},
}

// registrarName returns the name of the registration body of kind k in
// the 市州 named pref (长春市).
func registrarName(k, pref string) string {
	if k == KindEstablishment {
		return "中共" + pref + "委机构编制委员会办公室"
	}
	return pref + deptKinds[k].body
}

// Kinds present at 长白山管委会 and at the counties that have departments.
var (
	changbaishanKinds = []string{KindMarket, KindEnvironment, KindTransport, KindHousing, KindSafety, KindHealth, KindCulture, KindResources, KindPolice, KindTax}
	countyKinds       = []string{KindMarket, KindSafety, KindUrban, KindPolice, KindTax}
	// departmentCounties are the counties (and one district) whose own
	// departments submit records.
	departmentCounties = []string{"220104", "220122", "220182", "220183", "220184", "220281", "220322", "220581", "220721", "220881", "222401", "222403"}
)

// prefectureAbbr is the region part of 文号 (长市监处罚〔2023〕12号).
var prefectureAbbr = map[string]string{
	"220100": "长", "220200": "吉市", "220300": "四", "220400": "辽", "220500": "通",
	"220600": "白山", "220700": "松", "220800": "白城", "222400": "延州",
}

// Department levels.
const (
	levelProvince = iota
	levelPrefecture
	levelChangbaishan
	levelCounty
)

// deptMeta is what the generator knows about a department beyond Department.
type deptMeta struct {
	penAbbr, licAbbr string // full 文号 prefixes: 长市监处罚, 长市监许
	region           string // region part of them: 长
	level            int
	pref             int    // prefecture index, -1 for province and 长白山
	domain           string // the templates it decides: Kind, or kindDrug for 吉林省药品监督管理局
}

// buildDepartments creates the department list: the province, every 市州,
// 长白山管委会 and twelve counties. Codes are "11" + the region code of the
// level (220000 for 长白山管委会, a provincial agency whose pseudo-region has
// no GB/T 2260 code) + "0" + 7 digits, the last 5 a bijection of the index,
// so they are unique; subjects' codes never have 0 at position 9.
func (g *Generator) buildDepartments() {
	geo := g.geo
	add := func(d Department, usccRegion string, meta deptMeta) {
		if meta.domain == "" {
			meta.domain = d.Kind
		}
		dk := deptKinds[d.Kind]
		d.Penalizes, d.Licenses = dk.penalizes, dk.licenses
		i := len(g.depts)
		r := newRNG(g.seed^0xde9a27, uint64(i))
		var b [18]byte
		copy(b[0:2], "11")
		copy(b[2:8], usccRegion)
		b[8] = '0'
		putDigits(b[9:11], r.intn(100))
		putDigits(b[11:16], int(mulmod(7919, uint64(i), mix(g.seed)%100000, 100000)))
		d.Code = finishUSCC(b)
		g.depts = append(g.depts, d)
		g.meta = append(g.meta, meta)
	}
	for _, k := range Kinds {
		dk := deptKinds[k]
		if dk.province == "" || slices.Contains(registrarKinds, k) {
			continue
		}
		add(Department{Name: dk.province, RegionCode: subject.JilinCode, Kind: k},
			subject.JilinCode, deptMeta{penAbbr: "吉" + dk.penAbbr, licAbbr: "吉" + dk.licAbbr, region: "吉", level: levelProvince, pref: -1})
		if k == KindMarket {
			add(Department{Name: "吉林省药品监督管理局", RegionCode: subject.JilinCode, Kind: k},
				subject.JilinCode, deptMeta{penAbbr: "吉药监罚", licAbbr: "吉药监许", region: "吉", level: levelProvince, pref: -1, domain: kindDrug})
		}
	}
	for pi, p := range geo.prefs {
		ab := prefectureAbbr[p.code]
		for _, k := range Kinds {
			if slices.Contains(registrarKinds, k) {
				continue
			}
			dk := deptKinds[k]
			name := p.name + dk.body
			if k == KindTax {
				name = "国家税务总局" + p.name + "税务局"
			}
			add(Department{Name: name, RegionCode: p.code, Kind: k},
				p.code, deptMeta{penAbbr: ab + dk.penAbbr, licAbbr: ab + dk.licAbbr, region: ab, level: levelPrefecture, pref: pi})
		}
	}
	for _, k := range changbaishanKinds {
		dk := deptKinds[k]
		name := "长白山管委会" + dk.body
		if k == KindTax {
			name = "国家税务总局长白山保护开发区税务局"
		}
		add(Department{Name: name, RegionCode: subject.ChangbaishanCode, Kind: k},
			subject.JilinCode, deptMeta{penAbbr: "长白山" + dk.penAbbr, licAbbr: "长白山" + dk.licAbbr, region: "长白山", level: levelChangbaishan, pref: -1})
	}
	for _, code := range departmentCounties {
		ci, ok := geo.byCode[code]
		if !ok {
			panic("demo: department county " + code + " missing from the region table")
		}
		c := geo.counties[ci]
		pf := geo.prefs[c.pref]
		for _, k := range countyKinds {
			dk := deptKinds[k]
			name := c.label + dk.body
			switch {
			case k == KindTax:
				name = "国家税务总局" + c.label + "税务局"
			case k == KindPolice && strings.HasSuffix(c.name, "区"):
				name = pf.name + "公安局" + c.stem + "分局"
			}
			add(Department{Name: name, RegionCode: c.code, Kind: k},
				c.code, deptMeta{penAbbr: c.stem + dk.penAbbr, licAbbr: c.stem + dk.licAbbr, region: c.stem, level: levelCounty, pref: c.pref})
		}
	}
	// The registration bodies last, so that adding them kept every other
	// department's index (and so its code) as it was.
	for _, k := range registrarKinds {
		dk := deptKinds[k]
		add(Department{Name: dk.province, RegionCode: subject.JilinCode, Kind: k},
			subject.JilinCode, deptMeta{penAbbr: "吉" + dk.penAbbr, licAbbr: "吉" + dk.licAbbr, region: "吉", level: levelProvince, pref: -1})
		for pi, p := range geo.prefs {
			ab := prefectureAbbr[p.code]
			add(Department{Name: registrarName(k, p.name), RegionCode: p.code, Kind: k},
				p.code, deptMeta{penAbbr: ab + dk.penAbbr, licAbbr: ab + dk.licAbbr, region: ab, level: levelPrefecture, pref: pi})
		}
	}
	g.deptByCode = make(map[string]int, len(g.depts))
	g.deptByName = make(map[string]int, len(g.depts))
	g.deptByKey = map[string][]int{}
	for i, d := range g.depts {
		g.deptByCode[d.Code] = i
		g.deptByName[d.Name] = i
		// By domain: 吉林省药品监督管理局 is not picked for market cases.
		key := g.meta[i].domain + "|" + d.RegionCode
		g.deptByKey[key] = append(g.deptByKey[key], i)
	}
}

// pickDepartment returns a department of kind k for a subject in region,
// able to issue penalties (penalty) or licences: usually the body of the
// subject's 市州, sometimes its county's, the province's or 长白山's.
func (g *Generator) pickDepartment(r *rng, k, region string, penalty, local bool) int {
	able := func(i int) bool {
		if penalty {
			return g.depts[i].Penalizes
		}
		return g.depts[i].Licenses
	}
	from := func(regionCode string) int {
		var ok []int
		for _, i := range g.deptByKey[k+"|"+regionCode] {
			if able(i) {
				ok = append(ok, i)
			}
		}
		if len(ok) == 0 {
			return -1
		}
		return pick(r, ok)
	}
	pi := g.geo.prefIndex(region)
	x := r.float()
	var tries []string
	switch {
	case (x < 0.1 || pi < 0 && x < 0.5) && !local:
		tries = []string{subject.JilinCode}
	case x < 0.12 && pi >= 0 && (g.geo.prefs[pi].code == "220600" || g.geo.prefs[pi].code == "222400"):
		tries = []string{subject.ChangbaishanCode}
	case x < 0.5:
		tries = []string{region}
	}
	if pi >= 0 {
		tries = append(tries, g.geo.prefs[pi].code)
	} else {
		tries = append(tries, "220100")
	}
	tries = append(tries, subject.JilinCode)
	for _, code := range tries {
		if i := from(code); i >= 0 {
			return i
		}
	}
	for i := range g.depts { // a kind without any able body: any able one
		if able(i) && g.depts[i].Kind == k {
			return i
		}
	}
	for i := range g.depts {
		if able(i) {
			return i
		}
	}
	return 0
}

// deptFor returns a department deciding cases of domain (a Kind or
// kindDrug) for subject s: drug and medical-device cases go to
// 吉林省药品监督管理局 or, as drug retail is supervised locally, to a
// market-regulation department. A small subject (an individual business,
// a shop front) is a case for the department of its county or 市州, never
// a provincial 厅's.
func (g *Generator) deptFor(r *rng, domain string, s *SubjectSeed, penalty bool) int {
	local := s.Type == string(subject.IndividualBusiness) || shopsFront.has(s.Industry)
	if domain == kindDrug {
		if ds := g.deptByKey[kindDrug+"|"+subject.JilinCode]; len(ds) > 0 && r.chance(0.35) && !local {
			return ds[0]
		}
		domain = KindMarket
	}
	return g.pickDepartment(r, domain, s.RegionCode, penalty, local)
}

// domainOf returns the templates department d decides: its kind, or
// kindDrug for 吉林省药品监督管理局.
func (g *Generator) domainOf(d *Department) string {
	if i, ok := g.deptByCode[d.Code]; ok && g.depts[i] == *d {
		return g.meta[i].domain
	}
	return d.Kind
}

// authorityFor returns the body that decided a record submitted by dept d:
// usually d itself, sometimes (5%) a county body of the same kind in d's
// 市州, whose decisions the city department reports.
func (g *Generator) authorityFor(r *rng, d int) int {
	m := g.meta[d]
	if m.level != levelPrefecture || !r.chance(0.05) {
		return d
	}
	var ok []int
	for _, ci := range g.geo.prefs[m.pref].counties {
		ok = append(ok, g.deptByKey[g.depts[d].Kind+"|"+g.geo.counties[ci].code]...)
	}
	if len(ok) == 0 {
		return d
	}
	return pick(r, ok)
}
