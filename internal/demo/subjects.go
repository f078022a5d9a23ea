package demo

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"jlcredit/internal/subject"
)

// kind is a finer subject kind than subject.Type: it fixes the USCC category
// (positions 1–2) and the name template.
type kind int

const (
	kEnterprise    kind = iota // 91 企业
	kCoop                      // 93 农民专业合作社 (type enterprise)
	kIndividual                // 92 个体工商户
	kPerson                    // 自然人
	kAssociation               // 51 社会团体
	kNonEnterprise             // 52 民办非企业单位
	kFoundation                // 53 基金会
	kPublic                    // 12 事业单位
	kGovernment                // 11 机关
	numKinds
)

// buckets is the resolution of the kind mix: a subject's scrambled position
// mod buckets selects its kind.
const buckets = 1000

// kindWeights is the mix per 1000 subjects: 62% enterprises (incl. 3%
// cooperatives), 20% individual businesses, 10% persons, 4% social
// organisations, 3% public institutions, 1% government bodies.
var kindWeights = [numKinds]int{590, 30, 200, 100, 22, 13, 5, 30, 10}

// pow31_6 is the number of new-style subject ids (6 free characters).
const pow31_6 = 31 * 31 * 31 * 31 * 31 * 31

// Birth dates of persons and legal representatives.
var (
	birthFirst = time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	birthDays  = uint64(time.Date(2004, 12, 31, 0, 0, 0, 0, time.UTC).Sub(birthFirst).Hours()/24) + 1
)

// personSeqs is the number of ID sequence numbers used by person subjects
// (000–499); legal representatives use 500–999, so they never share an ID
// with a person subject.
const personSeqs = 500

// tier is one block of a kind's name space: a mixed-radix product of name
// parts, visited through an affine scramble x → (a·x + b) mod size.
type tier struct{ size, a, b uint64 }

// groupSpace is the part of a kind's name space whose region prefixes lie in
// one group (a 市州, or 吉林省 itself): its tiers, used in order, and their
// total; a per-group index beyond total wraps round with a number suffix.
// Tiers of a group may be empty (a county tier of 吉林省), so that tier t is
// the same block of names in every group.
type groupSpace struct {
	tiers []tier
	total uint64
}

// kindSpace is the name space of a kind, split by region group: a per-kind
// index is dealt to the groups in proportion to their population (see
// groupDeal) and numbered within its group, so a kind's first n names are
// spread over the 市州 as people are, whatever the number of name slots of
// each. The split is a bijection (per-kind index ↔ group and per-group
// index), and the groups' name sets are disjoint (their region prefixes
// are), so names stay unique.
type kindSpace struct {
	groups []groupSpace // by group index (prefecture index, then 吉林省)
	deal   *groupDeal
}

// groupDeal deals per-kind indexes to region groups: index e goes to group
// of[e mod size] as that group's index (e / size)·weight + rank[e mod size].
// The pattern is a smooth weighted round robin, so every prefix of indexes
// is split about in proportion to the weights.
type groupDeal struct {
	size    uint64
	weights []uint64
	of      []uint8
	rank    []uint16
}

func newGroupDeal(weights []int) *groupDeal {
	d := &groupDeal{weights: make([]uint64, len(weights))}
	for i, w := range weights {
		d.weights[i] = uint64(w)
		d.size += uint64(w)
	}
	acc := make([]int, len(weights))
	rank := make([]int, len(weights))
	for range d.size {
		best := -1
		for i, w := range weights {
			if w == 0 {
				continue
			}
			acc[i] += w
			if best < 0 || acc[i] > acc[best] {
				best = i
			}
		}
		acc[best] -= int(d.size)
		d.of = append(d.of, uint8(best))
		d.rank = append(d.rank, uint16(rank[best]))
		rank[best]++
	}
	return d
}

// slot is a region-name prefix of organisation names.
type slot struct {
	prefix string
	pref   int // -1 for the province
	county int // -1 for 吉林省 and 市州 prefixes
}

// brand is the 字号 of an individual business; surname, when set, is the
// operator's family name.
type brand struct{ text, surname string }

// regionGroup holds the name prefixes of one region group: a 市州 (its
// names, its counties) or 吉林省 (only the province's name).
type regionGroup struct {
	enterpriseSlots []slot // 长春, 长春市, 农安县, 长春市朝阳区 … (吉林省)
	fullSlots       []slot // 长春市, 农安县, 长春市朝阳区 … (吉林省)
	topSlots        []slot // 长春市 (吉林省)
	counties        []int  // real counties (none for 吉林省)
}

// Name-part tables derived from the geography (one per process).
type nameTables struct {
	groups []regionGroup // the 市州 by prefecture index, then 吉林省
	brands []brand
	deals  [numKinds]*groupDeal
}

// loadTables builds the name tables once per process.
var loadTables = sync.OnceValue(func() *nameTables { return buildTables(loadGeography()) })

func (g *Generator) tables() *nameTables { return g.tb }

func buildTables(geo *geography) *nameTables {
	t := &nameTables{}
	var weights []int
	for pi, p := range geo.prefs {
		gr := regionGroup{
			enterpriseSlots: []slot{{p.short, pi, -1}, {p.name, pi, -1}},
			fullSlots:       []slot{{p.name, pi, -1}},
			topSlots:        []slot{{p.name, pi, -1}},
			counties:        p.counties,
		}
		for _, ci := range p.counties {
			s := slot{geo.counties[ci].label, pi, ci}
			gr.enterpriseSlots = append(gr.enterpriseSlots, s)
			gr.fullSlots = append(gr.fullSlots, s)
		}
		t.groups = append(t.groups, gr)
		weights = append(weights, p.weight)
	}
	prov := []slot{{prefix: "吉林省", pref: -1, county: -1}}
	t.groups = append(t.groups, regionGroup{enterpriseSlots: prov, fullSlots: prov, topSlots: prov})
	for _, s := range surnames {
		t.brands = append(t.brands, brand{s + "记", s}, brand{"老" + s, s}, brand{s + "氏", s})
	}
	for _, z := range zihao {
		t.brands = append(t.brands, brand{text: z})
	}
	// The 市州 are weighted by population. Names prefixed 吉林省 keep the
	// share of the kind's name space they have (as when names were drawn
	// uniformly from the whole space): their space is small, and a larger
	// share would exhaust it, and add number suffixes, in small provinces.
	total := 0
	for _, w := range weights {
		total += w
	}
	for k := range numKinds {
		var prov, all float64
		for gi := range t.groups {
			sum := 0.0
			for _, size := range t.tierSizes(kind(k), &t.groups[gi]) {
				sum += float64(size)
			}
			all += sum
			if gi == len(t.groups)-1 {
				prov = sum
			}
		}
		pw := 0
		if prov > 0 {
			pw = max(1, int(math.Round(float64(total)*prov/(all-prov))))
		}
		t.deals[k] = newGroupDeal(append(slices.Clone(weights), pw))
	}
	return t
}

// tierSizes returns the sizes of the tiers of kind k's names in group gr.
func (t *nameTables) tierSizes(k kind, gr *regionGroup) []uint64 {
	n := func(xs ...int) uint64 {
		p := uint64(1)
		for _, x := range xs {
			p *= uint64(x)
		}
		return p
	}
	Z, I, S, F, C, T := len(zihao), len(industries), len(gr.enterpriseSlots), len(gr.fullSlots), len(gr.counties), len(towns)
	switch k {
	case kEnterprise:
		return []uint64{n(S, Z, I), n(S, Z, Z-1, I)}
	case kCoop:
		return []uint64{n(C, T, len(coopProducts))}
	case kIndividual:
		return []uint64{n(C, len(t.brands), len(shops))}
	case kPerson:
		return []uint64{n(C, personSeqs) * birthDays}
	case kAssociation:
		return []uint64{n(F, len(associations)), n(F, I, len(industryAssociations)), n(C, T, len(townAssociations))}
	case kNonEnterprise:
		return []uint64{n(F, Z, len(nonEnterprises))}
	case kFoundation:
		return []uint64{n(len(gr.topSlots), len(foundationTopics)), n(len(gr.topSlots), Z, len(foundationForms))}
	case kPublic:
		return []uint64{n(F, len(publicSuffixes)), n(C, T, len(townSuffixesPublic))}
	case kGovernment:
		return []uint64{n(F, len(regionAgencies)), n(C, T, len(townSuffixesGov))}
	}
	return nil
}

// newKindSpace sizes the name space of k in every region group.
func (g *Generator) newKindSpace(k kind) kindSpace {
	t := g.tables()
	ks := kindSpace{deal: t.deals[k]}
	for gi := range t.groups {
		var gs groupSpace
		for i, size := range t.tierSizes(k, &t.groups[gi]) {
			tr := tier{size: size}
			if size > 0 {
				tr.a, tr.b = affine(size, mix(g.seed^uint64(k)<<8^uint64(i)^uint64(gi)<<16^0x7a3e))
			}
			gs.tiers = append(gs.tiers, tr)
			gs.total += size
		}
		ks.groups = append(ks.groups, gs)
	}
	return ks
}

// locate maps a per-kind index to a region group, a tier, a scrambled
// position in it and a wrap-around level (0 unless the group's name space is
// exhausted).
func (ks *kindSpace) locate(e uint64) (grp, t int, x, level uint64) {
	d := ks.deal
	b := e % d.size
	grp = int(d.of[b])
	e = (e/d.size)*d.weights[grp] + uint64(d.rank[b])
	gs := &ks.groups[grp]
	level, e = e/gs.total, e%gs.total
	for i, tr := range gs.tiers {
		if e < tr.size {
			return grp, i, mulmod(tr.a, e, tr.b, tr.size), level
		}
		e -= tr.size
	}
	panic("demo: locate out of range")
}

// Subject returns subject i of the province. It panics if i is out of
// [0, Subjects()). The result depends only on the seed and i.
func (g *Generator) Subject(i int) SubjectSeed {
	if i < 0 || i >= g.n {
		panic(fmt.Sprintf("demo.Generator.Subject(%d): index out of range [0, %d)", i, g.n))
	}
	k, grp, t, x, level, p := g.place(i)
	r := newRNG(g.seed^0x5ab1ec7, uint64(i))
	gr := &g.tb.groups[grp]
	var s SubjectSeed
	switch k {
	case kEnterprise:
		g.enterprise(&s, &r, gr, t, x, p)
	case kCoop:
		g.coop(&s, &r, gr, x, p)
	case kIndividual:
		g.individual(&s, &r, gr, x, p)
	case kPerson:
		g.person(&s, &r, gr, x)
	case kAssociation, kNonEnterprise, kFoundation:
		g.socialOrg(&s, &r, gr, k, t, x, p)
	case kPublic:
		g.publicInstitution(&s, &r, gr, t, x, p)
	case kGovernment:
		g.government(&s, &r, gr, t, x, p)
	}
	if level > 0 {
		s.Name += "（" + strconv.FormatUint(level+1, 10) + "）"
	}
	return s
}

// place locates subject i (in range): its kind, the region group, tier and
// scrambled position of its name in the kind's name space, the wrap-around
// level of the group's space, and the subject's scrambled position in the
// province.
func (g *Generator) place(i int) (k kind, grp, t int, x, level, p uint64) {
	p = g.perm.apply(uint64(i))
	b := p % buckets
	k = kind(g.kindOf[b])
	e := (p/buckets)*uint64(kindWeights[k]) + uint64(g.rankOf[b])
	grp, t, x, level = g.kinds[k].locate(e)
	return k, grp, t, x, level, p
}

func (g *Generator) enterprise(s *SubjectSeed, r *rng, gr *regionGroup, t int, x, p uint64) {
	Z, I, S := uint64(len(zihao)), uint64(len(industries)), uint64(len(gr.enterpriseSlots))
	ind := industries[x%I]
	s.Industry = enterpriseIndustries[x%I]
	x /= I
	sl := gr.enterpriseSlots[x%S]
	x /= S
	zh := zihao[x%Z]
	if t == 1 {
		a, off := x%Z, x/Z
		zh = zihao[a] + zihao[(a+1+off)%Z]
	}
	form := enterpriseForms[r.weighted(enterpriseFormWeights)]
	s.Type = string(subject.Enterprise)
	s.Name = sl.prefix + zh + ind + form
	region, usccRegion := g.slotRegion(r, sl)
	s.RegionCode = region
	s.USCC = g.uscc("91", usccRegion, "MA", p, r.chance(0.25), r)
	s.LegalRep, s.LegalRepID = g.legalRep(r, region, "")
}

func (g *Generator) coop(s *SubjectSeed, r *rng, gr *regionGroup, x, p uint64) {
	P, T := uint64(len(coopProducts)), uint64(len(towns))
	prod := coopProducts[x%P]
	s.Industry = coopIndustries[x%P]
	x /= P
	town := towns[x%T]
	c := g.geo.counties[gr.counties[x/T]]
	s.Type = string(subject.Enterprise)
	s.Name = c.label + town + prod + "农民专业合作社"
	s.RegionCode = c.code
	s.USCC = g.uscc("93", c.code, "MA", p, false, r)
	s.LegalRep, s.LegalRepID = g.legalRep(r, c.code, "")
}

func (g *Generator) individual(s *SubjectSeed, r *rng, gr *regionGroup, x, p uint64) {
	tb := g.tables()
	Sh, B := uint64(len(shops)), uint64(len(tb.brands))
	shop := shops[x%Sh]
	s.Industry = shopIndustries[x%Sh]
	x /= Sh
	br := tb.brands[x%B]
	c := g.geo.counties[gr.counties[x/B]]
	prefix := c.label
	if c.label != c.name && r.chance(0.5) {
		prefix = c.name // 朝阳区张记面馆 as well as 长春市朝阳区张记面馆
	}
	s.Type = string(subject.IndividualBusiness)
	s.Name = prefix + br.text + shop
	s.RegionCode = c.code
	s.USCC = g.uscc("92", c.code, "MA", p, r.chance(0.1), r)
	s.LegalRep, s.LegalRepID = g.legalRep(r, c.code, br.surname)
}

func (g *Generator) person(s *SubjectSeed, r *rng, gr *regionGroup, x uint64) {
	C := uint64(len(gr.counties))
	c := g.geo.counties[gr.counties[x%C]]
	x /= C
	seq := int(x % personSeqs)
	birth := birthFirst.AddDate(0, 0, int(x/personSeqs))
	s.Type = string(subject.Person)
	s.CitizenID = citizenID(c.code, birth, seq)
	s.Name = personName(r, seq%2 == 1, g.geo.yanbian(c.pref), "")
	s.RegionCode = c.code
}

func (g *Generator) socialOrg(s *SubjectSeed, r *rng, gr *regionGroup, k kind, t int, x, p uint64) {
	Z, I, T := uint64(len(zihao)), uint64(len(industries)), uint64(len(towns))
	var sl slot
	var cat string
	switch k {
	case kAssociation:
		cat = "51"
		switch t {
		case 0:
			A := uint64(len(associations))
			sl = gr.fullSlots[x/A]
			s.Name = sl.prefix + associations[x%A]
		case 1:
			IA := uint64(len(industryAssociations))
			form := industryAssociations[x%IA]
			x /= IA
			sl = gr.fullSlots[x/I]
			s.Name = sl.prefix + industries[x%I] + form
		default:
			TA := uint64(len(townAssociations))
			form := townAssociations[x%TA]
			x /= TA
			ci := gr.counties[x/T]
			sl = slot{g.geo.counties[ci].label, g.geo.counties[ci].pref, ci}
			s.Name = sl.prefix + towns[x%T] + form
		}
	case kNonEnterprise:
		cat = "52"
		N := uint64(len(nonEnterprises))
		ne := nonEnterprises[x%N]
		s.Industry = nonEnterpriseIndustries[x%N]
		x /= N
		sl = gr.fullSlots[x/Z]
		s.Name = sl.prefix + zihao[x%Z] + ne
	case kFoundation:
		cat = "53"
		if t == 0 {
			FT := uint64(len(foundationTopics))
			sl = gr.topSlots[x/FT]
			s.Name = sl.prefix + foundationTopics[x%FT]
		} else {
			FF := uint64(len(foundationForms))
			form := foundationForms[x%FF]
			x /= FF
			sl = gr.topSlots[x/Z]
			s.Name = sl.prefix + zihao[x%Z] + form
		}
	}
	s.Type = string(subject.SocialOrg)
	switch k {
	case kAssociation:
		s.Industry = indAssociation
	case kFoundation:
		s.Industry = indFoundation
	}
	region, usccRegion := g.slotRegion(r, sl)
	s.RegionCode = region
	s.USCC = g.uscc(cat, usccRegion, "MJ", p, r.chance(0.2), r)
	s.LegalRep, s.LegalRepID = g.legalRep(r, region, "")
}

func (g *Generator) publicInstitution(s *SubjectSeed, r *rng, gr *regionGroup, t int, x, p uint64) {
	var sl slot
	if t == 0 {
		PS := uint64(len(publicSuffixes))
		sl = gr.fullSlots[x/PS]
		s.Name = sl.prefix + publicSuffixes[x%PS]
		s.Industry = publicIndustries[x%PS]
	} else {
		TS, T := uint64(len(townSuffixesPublic)), uint64(len(towns))
		sfx := townSuffixesPublic[x%TS]
		s.Industry = townPublicIndustries[x%TS]
		x /= TS
		ci := gr.counties[x/T]
		sl = slot{g.geo.counties[ci].label, g.geo.counties[ci].pref, ci}
		s.Name = sl.prefix + towns[x%T] + "镇" + sfx
	}
	s.Type = string(subject.PublicInstitution)
	region := regionOfSlot(g.geo, sl)
	s.RegionCode = region
	s.USCC = g.uscc("12", region, "MB", p, r.chance(0.5), r)
	s.LegalRep, s.LegalRepID = g.legalRep(r, region, "")
}

func (g *Generator) government(s *SubjectSeed, r *rng, gr *regionGroup, t int, x, p uint64) {
	var sl slot
	if t == 0 {
		RA := uint64(len(regionAgencies))
		sl = gr.fullSlots[x/RA]
		ag := regionAgencies[x%RA]
		if ag == "人民法院" {
			switch {
			case sl.pref < 0:
				ag = "高级人民法院"
			case sl.county < 0:
				ag = "中级人民法院"
			}
		}
		s.Name = sl.prefix + ag
	} else {
		TS, T := uint64(len(townSuffixesGov)), uint64(len(towns))
		sfx := townSuffixesGov[x%TS]
		x /= TS
		ci := gr.counties[x/T]
		sl = slot{g.geo.counties[ci].label, g.geo.counties[ci].pref, ci}
		s.Name = sl.prefix + towns[x%T] + sfx
	}
	s.Type = string(subject.Government)
	s.Industry = indGovernment
	region := regionOfSlot(g.geo, sl)
	s.RegionCode = region
	s.USCC = g.uscc("11", region, "MB", p, r.chance(0.7), r)
	s.LegalRep, s.LegalRepID = g.legalRep(r, region, "")
}

// regionOfSlot is the region a public body named after sl sits in.
func regionOfSlot(geo *geography, sl slot) string {
	switch {
	case sl.county >= 0:
		return geo.counties[sl.county].code
	case sl.pref >= 0:
		return geo.prefs[sl.pref].code
	}
	return subject.JilinCode
}

// slotRegion returns where a company named after sl is located and the
// region code of its registration authority (USCC positions 3–8). Firms named
// 吉林省… are registered by the province or a 市州; firms named after a 市州
// by the city (historic 市辖区 code xx01, still used in USCCs), the 市州
// code itself, or one of its counties and 开发区.
func (g *Generator) slotRegion(r *rng, sl slot) (region, usccRegion string) {
	geo := g.geo
	if sl.county >= 0 {
		c := geo.counties[sl.county].code
		return c, c
	}
	pi := sl.pref
	if pi < 0 {
		if r.chance(0.3) {
			return subject.JilinCode, subject.JilinCode
		}
		pi = geo.randomPref(r)
	}
	pf := &geo.prefs[pi]
	switch x := r.float(); {
	case x < 0.45 && pf.district != "":
		return pf.code, pf.district
	case x < 0.6:
		return pf.code, pf.code
	case x < 0.68 && len(pf.zones) > 0:
		c := geo.counties[pick(r, pf.zones)].code
		return c, c
	default:
		c := geo.counties[geo.randomCounty(r, pi)].code
		return c, c
	}
}

// uscc builds a valid code: category (positions 1–2), region (3–8), subject
// id (9–16), org-code check (17), check (18). The subject id encodes the
// subject's scrambled position p, so codes never repeat: new-style ids are
// style (MA, MJ, MB) + 6 characters of a bijective scramble of p; old-style
// ids (oldStyle, when p < 10^7) are a digit 1–8 + 7 digits of another. The
// departments' ids start with 0, so they never meet a subject's.
func (g *Generator) uscc(cat, region, style string, p uint64, oldStyle bool, r *rng) string {
	var b [18]byte
	copy(b[0:2], cat)
	copy(b[2:8], region)
	if oldStyle && p < 1e7 {
		b[8] = byte('1' + r.intn(8))
		v := mulmod(g.usccA10, p, g.usccB10, 1e7)
		for j := 15; j >= 9; j-- {
			b[j] = byte('0' + v%10)
			v /= 10
		}
	} else {
		b[8], b[9] = style[0], style[1]
		v := mulmod(g.usccA, p, g.usccB, pow31_6)
		for j := 15; j >= 10; j-- {
			b[j] = subject.USCCCharset[v%31]
			v /= 31
		}
	}
	return finishUSCC(b)
}

// finishUSCC fills in positions 17 and 18 of b.
func finishUSCC(b [18]byte) string {
	s16 := string(b[:16])
	oc, err := subject.OrgCodeCheckChar(s16[8:])
	if err != nil {
		panic(err)
	}
	b[16] = oc
	cc, err := subject.USCCCheckChar(string(b[:17]))
	if err != nil {
		panic(err)
	}
	b[17] = cc
	return string(b[:])
}

// citizenID builds a valid 18-character ID.
func citizenID(address string, birth time.Time, seq int) string {
	var b [18]byte
	copy(b[:6], address)
	y, m, d := birth.Date()
	putDigits(b[6:10], y)
	putDigits(b[10:12], int(m))
	putDigits(b[12:14], d)
	putDigits(b[14:17], seq)
	c, err := subject.CitizenIDCheckChar(string(b[:17]))
	if err != nil {
		panic(err)
	}
	b[17] = c
	return string(b[:])
}

// putDigits writes v right-aligned with leading zeros into dst.
func putDigits(dst []byte, v int) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte('0' + v%10)
		v /= 10
	}
}

// personName returns a plausible name; surname, when set, is used as the
// family name. In 延边 (yanbian) Korean family names are more frequent.
func personName(r *rng, male, yanbian bool, surname string) string {
	if surname == "" {
		if yanbian && r.chance(0.4) {
			surname = pick(r, koreanSurnames)
		} else {
			surname = pick(r, surnames)
		}
	}
	if male {
		return surname + pick(r, maleNames)
	}
	return surname + pick(r, femaleNames)
}

// yanbian reports whether prefecture index pi is 延边朝鲜族自治州.
func (geo *geography) yanbian(pi int) bool { return pi >= 0 && geo.prefs[pi].code == "222400" }

// legalRep returns a legal representative living in the prefecture of
// region, born 1955–1998, with an ID whose sequence is 500–999.
func (g *Generator) legalRep(r *rng, region, surname string) (name, id string) {
	pi := g.geo.prefIndex(region)
	if pi < 0 {
		pi = g.geo.randomPref(r)
	}
	c := g.geo.counties[g.geo.randomCounty(r, pi)]
	birth := time.Date(1955+r.intn(44), time.Month(1+r.intn(12)), 1+r.intn(28), 0, 0, 0, 0, time.UTC)
	seq := personSeqs + r.intn(1000-personSeqs)
	return personName(r, seq%2 == 1, g.geo.yanbian(pi), surname), citizenID(c.code, birth, seq)
}
