// Package demo generates a deterministic, realistic 吉林省 for demos, tests
// and benchmarks: government departments, credit subjects (企业, 个体工商户,
// 自然人, 社会组织, 事业单位, 政府机构), the registration row of every
// organisation (登记注册基本信息 "registration"), 双公示 rows (行政处罚
// "penalty" and 行政许可 "license") and list entries, keyed by national field
// code, which pass the catalog's validation.
//
// Everything derives from a seed through math/rand/v2 PCG streams with fixed
// seeds, so the same arguments give byte-identical output. Subjects are
// produced lazily: Subject(i) is computed from i alone in constant time, so a
// province of a million subjects is never held in memory. Codes are unique by
// construction (a bijective scramble of i is encoded into the subject-id
// positions of the USCC), and so are organisation names (a bijective scramble
// of the per-type index is decoded into name parts).
//
// The data is synthetic: codes pass the check-character algorithms but
// belong to no real entity.
package demo

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"jlcredit/internal/subject"
)

// Department is a government body that submits (and usually decides)
// records.
type Department struct {
	Code       string // USCC of the body: prefix 11, the region code of its level, valid check characters
	Name       string // e.g. 长春市市场监督管理局
	RegionCode string // 220000, a 市州 code, a county code, or 229900 (长白山管委会)
	Kind       string // market, environment, transport, housing, safety, health, culture, agriculture, resources, hrss, police, tax, education, commerce, water, urban
	Penalizes  bool   // issues 行政处罚
	Licenses   bool   // issues 行政许可
}

// SubjectSeed is one generated credit subject.
type SubjectSeed struct {
	Type       string // subject.Type value: enterprise, individual_business, person, social_org, public_institution, government
	Name       string // unique among organisations; persons' names repeat
	USCC       string // organisations only
	CitizenID  string // persons only
	RegionCode string // county, 市州 or 220000
	LegalRep   string // organisations only: 法定代表人、经营者或负责人
	LegalRepID string // citizen ID of LegalRep
	// Industry is what the name says the subject does (restaurant, hotel,
	// school, hospital, government …; see industry.go), which decides the
	// penalties and licences it may get; "" for persons.
	Industry string
}

// MaxSubjects is the largest province New accepts: the USCC encoding has
// 31^6 distinct subject ids.
const MaxSubjects = 887_503_681

// Generator produces a province from a seed. It is safe for concurrent use:
// all methods only read it.
type Generator struct {
	seed  uint64
	n     int
	perm  feistel // subject index → scrambled position
	hot   feistel // popularity rank → subject index
	kinds [numKinds]kindSpace
	// kindOf and rankOf map a bucket (scrambled position mod 1000) to a kind
	// and its rank among that kind's buckets.
	kindOf [buckets]uint8
	rankOf [buckets]uint16

	usccA, usccB     uint64 // affine scramble of the new-style subject id (mod 31^6)
	usccA10, usccB10 uint64 // affine scramble of the old-style subject id (mod 10^7)

	geo *geography
	tb  *nameTables

	depts      []Department
	meta       []deptMeta       // per department: 文号 prefixes, level
	deptByCode map[string]int   // code → index
	deptByName map[string]int   // name → index
	deptByKey  map[string][]int // kind|region → indexes
}

// New returns a generator for a province with n subjects. It panics if n is
// not in [1, MaxSubjects].
func New(seed uint64, subjects int) *Generator {
	if subjects < 1 || subjects > MaxSubjects {
		panic(fmt.Sprintf("demo.New(%d, %d): subjects must be in [1, %d]", seed, subjects, MaxSubjects))
	}
	g := &Generator{seed: seed, n: subjects, geo: loadGeography(), tb: loadTables()}
	g.perm = newFeistel(uint64(subjects), mix(seed^0x5eed0001))
	g.hot = newFeistel(uint64(subjects), mix(seed^0x5eed0002))
	// Interleave the kinds over the buckets (smooth weighted round robin),
	// so that a small province (fewer than 1000 subjects, whose positions
	// are the first buckets) still has every kind in about the right mix.
	var acc, rank [numKinds]int
	for b := range buckets {
		best := 0
		for k := range numKinds {
			acc[k] += kindWeights[k]
			if acc[k] > acc[best] {
				best = int(k)
			}
		}
		acc[best] -= buckets
		g.kindOf[b] = uint8(best)
		g.rankOf[b] = uint16(rank[best])
		rank[best]++
	}
	for k := range numKinds {
		g.kinds[k] = g.newKindSpace(kind(k))
	}
	g.usccA, g.usccB = affine(pow31_6, mix(seed^0x5eed0003))
	g.usccA10, g.usccB10 = affine(1e7, mix(seed^0x5eed0004))
	g.buildDepartments()
	return g
}

// Subjects returns the number of subjects of the province.
func (g *Generator) Subjects() int { return g.n }

// Departments returns the departments of the province (province, 市州,
// 长白山管委会 and some counties), in a fixed order. The slice is a copy.
func (g *Generator) Departments() []Department { return slices.Clone(g.depts) }

// ---------------------------------------------------------------------------
// Randomness.

// rng is a PCG stream that lives on the stack.
type rng struct{ p rand.PCG }

// newRNG returns the stream for (a, b); the seeds are mixed first so that
// neighbouring indexes give unrelated streams.
func newRNG(a, b uint64) rng {
	var r rng
	r.p.Seed(mix(a), mix(b^0x9e3779b97f4a7c15))
	return r
}

func (r *rng) u64() uint64 { return r.p.Uint64() }

// intn returns a number in [0, n) (n > 0).
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.u64(), uint64(n))
	return int(hi)
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// float returns a number in [0, 1).
func (r *rng) float() float64 { return float64(r.u64()>>11) * 0x1p-53 }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// pick returns a random element of list.
func pick[T any](r *rng, list []T) T { return list[r.intn(len(list))] }

// weighted returns an index of weights chosen with probability proportional
// to its weight.
func (r *rng) weighted(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := r.intn(total)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// mix is the splitmix64 finaliser.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// feistel is a keyed permutation of [0, n): a balanced 4-round Feistel
// network on the smallest even number of bits covering n, with cycle walking
// back into range. It is a bijection, so distinct inputs give distinct
// outputs.
type feistel struct {
	n    uint64
	half uint
	mask uint64
	keys [4]uint64
}

func newFeistel(n, key uint64) feistel {
	b := uint(bits.Len64(n - 1))
	if b < 2 {
		b = 2
	}
	b += b & 1
	f := feistel{n: n, half: b / 2, mask: 1<<(b/2) - 1}
	for i := range f.keys {
		key = mix(key + uint64(i))
		f.keys[i] = key
	}
	return f
}

func (f *feistel) apply(x uint64) uint64 {
	for {
		l, r := x>>f.half, x&f.mask
		for _, k := range f.keys {
			l, r = r, l^(mix(r^k)&f.mask)
		}
		x = l<<f.half | r
		if x < f.n {
			return x
		}
	}
}

// affine returns a multiplier coprime to m and an offset, so that
// x → (a·x + b) mod m is a bijection of [0, m).
func affine(m, key uint64) (a, b uint64) {
	a = (mix(key)|1)%m + 1
	for gcd(a, m) != 1 {
		a++
	}
	return a % m, mix(key^0xa5a5a5a5) % m
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// mulmod returns (a·x + b) mod m for a, x, b < m.
func mulmod(a, x, b, m uint64) uint64 {
	hi, lo := bits.Mul64(a, x)
	lo, carry := bits.Add64(lo, b, 0)
	hi += carry
	_, rem := bits.Div64(hi, lo, m)
	return rem
}

// ---------------------------------------------------------------------------
// Geography, from the region table of package subject.

// prefecture is a 市州 of the province.
type prefecture struct {
	code, name, short string
	weight            int    // population in 10 000s, for weighted picks
	district          string // the historic 市辖区 code (xx01) that city-level registration authorities still use, or ""
	counties          []int  // real counties (indexes into geography.counties)
	zones             []int  // 开发区 codes
}

// county is a county-level division.
type county struct {
	code, name string
	label      string // prefix in names: 农安县, 长春市朝阳区
	stem       string // short form for 文号: 农安, 朝阳
	pref       int
}

type geography struct {
	prefs    []prefecture
	counties []county
	prefW    []int
	byCode   map[string]int // county code → index
	prefOf   map[string]int // any region code → prefecture index
}

// prefectureInfo holds what the region table lacks: short names (长春 for
// 长春市) and population in 10 000s (2020 census, rounded).
var prefectureInfo = map[string]struct {
	short  string
	weight int
}{
	"220100": {"长春", 906}, "220200": {"吉林", 362}, "220300": {"四平", 181},
	"220400": {"辽源", 100}, "220500": {"通化", 130}, "220600": {"白山", 95},
	"220700": {"松原", 225}, "220800": {"白城", 155}, "222400": {"延边", 194},
}

var loadGeography = sync.OnceValue(func() *geography {
	geo := &geography{byCode: map[string]int{}, prefOf: map[string]int{}}
	for _, p := range subject.Prefectures() {
		if p.Level == subject.LevelPseudo {
			continue
		}
		info, ok := prefectureInfo[p.Code]
		if !ok {
			panic("demo: no prefecture info for " + p.Code)
		}
		pi := len(geo.prefs)
		pf := prefecture{code: p.Code, name: p.Name, short: info.short, weight: info.weight}
		if d, ok := subject.LookupRegion(p.Code[:4] + "01"); ok && d.Parent == p.Code {
			pf.district = d.Code
		}
		geo.prefOf[p.Code] = pi
		for _, c := range subject.Counties(p.Code) {
			geo.prefOf[c.Code] = pi
			if strings.Contains(c.Note, "开发区") || strings.Contains(c.Name, "开发区") || strings.Contains(c.Name, "食品区") {
				pf.zones = append(pf.zones, len(geo.counties))
			} else {
				pf.counties = append(pf.counties, len(geo.counties))
			}
			label := c.Name
			if strings.HasSuffix(c.Name, "区") {
				label = p.Name + c.Name
			}
			geo.byCode[c.Code] = len(geo.counties)
			geo.counties = append(geo.counties, county{code: c.Code, name: c.Name, label: label, stem: countyStem(c.Name), pref: pi})
		}
		if pf.district != "" {
			geo.prefOf[pf.district] = pi
		}
		geo.prefs = append(geo.prefs, pf)
		geo.prefW = append(geo.prefW, pf.weight)
	}
	return geo
})

// countyStem shortens a county name for document numbers: 农安县 → 农安,
// 梅河口市 → 梅河口, 前郭尔罗斯蒙古族自治县 → 前郭, 长白朝鲜族自治县 → 长白.
func countyStem(name string) string {
	r := []rune(name)
	if strings.HasSuffix(name, "自治县") {
		return string(r[:2])
	}
	return string(r[:len(r)-1])
}

// randomPref returns a prefecture index weighted by population.
func (geo *geography) randomPref(r *rng) int { return r.weighted(geo.prefW) }

// randomCounty returns a real county of prefecture p.
func (geo *geography) randomCounty(r *rng, p int) int { return pick(r, geo.prefs[p].counties) }

// prefIndex returns the prefecture of a region code, or -1 for 220000 and
// unknown codes.
func (geo *geography) prefIndex(code string) int {
	if p, ok := geo.prefOf[code]; ok {
		return p
	}
	return -1
}
