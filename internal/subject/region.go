package subject

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"jlcredit/internal/credit"
)

// Region levels (Region.Level).
const (
	LevelProvince   = "province"   // 省
	LevelPrefecture = "prefecture" // 市（州）
	LevelCounty     = "county"     // 县（市、区）, also 开发区 and 市辖区 codes
	LevelPseudo     = "pseudo"     // platform-defined region without a GB/T 2260 code
)

// JilinCode is the GB/T 2260 code of 吉林省.
const JilinCode = "220000"

// ChangbaishanCode is the platform's pseudo-region code of 长白山管委会
// (长白山保护开发区管理委员会), which Jilin addresses as a peer of the 市州 but
// which has no GB/T 2260 code. 2299xx is unused by GB/T 2260.
const ChangbaishanCode = "229900"

// jilinPrefix is the province part of every 吉林省 region code.
const jilinPrefix = "22"

// Region is one administrative division of 吉林省 (GB/T 2260), or a
// pseudo-region. ValidFrom and ValidTo are yyyy-mm-dd or empty; an empty
// ValidTo means the code is current. Historic codes are kept because USCC
// positions 3–8 keep the code that applied at registration.
type Region struct {
	Code, Name, Parent string
	Level              string
	ValidFrom, ValidTo string
	Note               string
}

// Current reports whether r is in use today (ValidTo is empty).
func (r Region) Current() bool { return r.ValidTo == "" }

//go:embed data/regions.csv
var regionsCSV string

// regionTable is the parsed, code-sorted region table with an index.
type regionTable struct {
	list   []Region
	byCode map[string]int
}

// regions parses the embedded table once. A malformed table is a build
// defect, caught by the package tests, so it panics.
var regions = sync.OnceValue(func() *regionTable {
	t, err := parseRegions(regionsCSV)
	if err != nil {
		panic(err)
	}
	return t
})

// parseRegions reads the CSV form of the region table (see data/regions.csv)
// and checks it: unique 6-digit codes, known levels, valid dates, and every
// parent present.
func parseRegions(text string) (*regionTable, error) {
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comment = '#'
	cr.FieldsPerRecord = 7
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("subject: regions.csv: %w", err)
	}
	if len(recs) == 0 || recs[0][0] != "code" {
		return nil, fmt.Errorf("subject: regions.csv: missing header")
	}
	t := &regionTable{byCode: make(map[string]int)}
	for i, rec := range recs[1:] {
		r := Region{Code: rec[0], Name: rec[1], Parent: rec[2], Level: rec[3], ValidFrom: rec[4], ValidTo: rec[5], Note: rec[6]}
		line := i + 2
		if len(r.Code) != 6 || !allDigits(r.Code) {
			return nil, fmt.Errorf("subject: regions.csv record %d: bad code %q", line, r.Code)
		}
		if _, dup := t.byCode[r.Code]; dup {
			return nil, fmt.Errorf("subject: regions.csv record %d: duplicate code %s", line, r.Code)
		}
		if r.Name == "" {
			return nil, fmt.Errorf("subject: regions.csv record %d: empty name", line)
		}
		switch r.Level {
		case LevelProvince, LevelPrefecture, LevelCounty, LevelPseudo:
		default:
			return nil, fmt.Errorf("subject: regions.csv record %d: bad level %q", line, r.Level)
		}
		for _, d := range []string{r.ValidFrom, r.ValidTo} {
			if d == "" {
				continue
			}
			if _, err := time.Parse(credit.DateLayout, d); err != nil {
				return nil, fmt.Errorf("subject: regions.csv record %d: bad date %q", line, d)
			}
		}
		t.byCode[r.Code] = len(t.list)
		t.list = append(t.list, r)
	}
	for _, r := range t.list {
		if r.Parent == "" {
			if r.Level != LevelProvince {
				return nil, fmt.Errorf("subject: regions.csv: %s has no parent", r.Code)
			}
			continue
		}
		if _, ok := t.byCode[r.Parent]; !ok {
			return nil, fmt.Errorf("subject: regions.csv: parent %s of %s not found", r.Parent, r.Code)
		}
	}
	slices.SortFunc(t.list, func(a, b Region) int { return strings.Compare(a.Code, b.Code) })
	for i, r := range t.list {
		t.byCode[r.Code] = i
	}
	return t, nil
}

// Regions returns every region of the table, including historic codes and
// the pseudo-region, sorted by code. The slice is a copy.
func Regions() []Region {
	return slices.Clone(regions().list)
}

// LookupRegion returns the region with the given code, historic codes
// included.
func LookupRegion(code string) (Region, bool) {
	t := regions()
	i, ok := t.byCode[code]
	if !ok {
		return Region{}, false
	}
	return t.list[i], true
}

// Prefectures returns the current 9 市州 of 吉林省 plus the 长白山管委会
// pseudo-region, sorted by code.
func Prefectures() []Region {
	var out []Region
	for _, r := range regions().list {
		if r.Parent == JilinCode && r.Current() && (r.Level == LevelPrefecture || r.Level == LevelPseudo) {
			out = append(out, r)
		}
	}
	return out
}

// Counties returns the current county-level entries (县、县级市、市辖区) of
// the 市州 prefecture, sorted by code. The 开发区 codes of the statistical
// division table are included; their Note says so. Historic codes are not.
func Counties(prefecture string) []Region {
	var out []Region
	for _, r := range regions().list {
		if r.Parent == prefecture && r.Level == LevelCounty && r.Current() {
			out = append(out, r)
		}
	}
	return out
}

// RegionName returns the name of the region with the given code, or "" if
// the code is unknown. Historic codes return their historic name.
func RegionName(code string) string {
	r, _ := LookupRegion(code)
	return r.Name
}

// InRegion reports whether code is scope or lies below it: 220102 is in
// 220100 and in 220000. Known codes, historic and pseudo ones included, are
// followed up their parent chain, so historic 220381 (公主岭市 before 2020) is
// in 220300, not in 220100. Codes missing from the table (other provinces,
// codes newer than the table) are compared by GB/T 2260 structure: a
// province scope xx0000 contains xx____, a prefecture scope xxxx00 contains
// xxxx__. Both arguments must be 6 digits, otherwise InRegion returns false.
func InRegion(code, scope string) bool {
	if len(code) != 6 || len(scope) != 6 || !allDigits(code) || !allDigits(scope) {
		return false
	}
	if code == scope {
		return true
	}
	t := regions()
	if i, ok := t.byCode[code]; ok {
		// The parent chain is at most 3 long; the bound guards against a cycle.
		for p, n := t.list[i].Parent, 0; p != "" && n < 10; n++ {
			if p == scope {
				return true
			}
			j, ok := t.byCode[p]
			if !ok {
				return false
			}
			p = t.list[j].Parent
		}
		return false
	}
	switch {
	case strings.HasSuffix(scope, "0000"):
		return code[:2] == scope[:2]
	case strings.HasSuffix(scope, "00"):
		return code[:4] == scope[:4]
	}
	return false
}
