package demo

import (
	"math"
	"testing"

	"jlcredit/internal/subject"
)

// prefShares returns each 市州's share (by prefecture index) of the
// subjects of New(seed, n), the share of subjects outside any 市州
// (吉林省 itself, 长白山) and the organisations' shares alone.
func prefShares(seed uint64, n int) (all, orgs []float64, other float64) {
	g := New(seed, n)
	geo := g.geo
	cntAll := make([]int, len(geo.prefs))
	cntOrg := make([]int, len(geo.prefs))
	orgN, rest := 0, 0
	for i := range n {
		s := g.Subject(i)
		org := s.Type != string(subject.Person)
		if org {
			orgN++
		}
		pi := geo.prefIndex(s.RegionCode)
		if pi < 0 {
			rest++
			continue
		}
		cntAll[pi]++
		if org {
			cntOrg[pi]++
		}
	}
	all = make([]float64, len(cntAll))
	orgs = make([]float64, len(cntAll))
	for pi := range cntAll {
		all[pi] = float64(cntAll[pi]) / float64(n)
		orgs[pi] = float64(cntOrg[pi]) / float64(orgN)
	}
	return all, orgs, float64(rest) / float64(n)
}

// TestRegionsFollowPopulation: subjects are spread over the 市州 about as
// the population is (prefectureInfo), in a small and in a large province;
// 长春 has the most.
func TestRegionsFollowPopulation(t *testing.T) {
	geo := loadGeography()
	total := 0
	for _, p := range geo.prefs {
		total += p.weight
	}
	sizes := []int{3_000, 100_000}
	if testing.Short() {
		sizes = sizes[:1]
	}
	for _, n := range sizes {
		for _, seed := range []uint64{1, 42} {
			all, orgs, other := prefShares(seed, n)
			t.Logf("n=%d seed=%d outside the 市州: %.1f%%", n, seed, 100*other)
			largest := 0
			for pi, p := range geo.prefs {
				want := float64(p.weight) / float64(total)
				t.Logf("  %s population %.1f%%, subjects %.1f%%, organisations %.1f%%", p.short, 100*want, 100*all[pi], 100*orgs[pi])
				for what, got := range map[string]float64{"subjects": all[pi], "organisations": orgs[pi]} {
					if math.Abs(got-want) > 0.04 {
						t.Errorf("n=%d seed=%d: %s has %.1f%% of the %s, population share %.1f%%", n, seed, p.name, 100*got, what, 100*want)
					}
				}
				if all[pi] > all[largest] {
					largest = pi
				}
			}
			if geo.prefs[largest].short != "长春" {
				t.Errorf("n=%d seed=%d: the largest 市州 is %s, not 长春", n, seed, geo.prefs[largest].name)
			}
		}
	}
}
