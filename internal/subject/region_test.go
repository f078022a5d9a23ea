package subject

import (
	"slices"
	"strings"
	"testing"
)

func TestRegionsTable(t *testing.T) {
	all := Regions()
	if len(all) < 80 {
		t.Fatalf("len(Regions()) = %d, want at least 80", len(all))
	}
	seen := make(map[string]bool)
	for i, r := range all {
		if seen[r.Code] {
			t.Errorf("duplicate code %s", r.Code)
		}
		seen[r.Code] = true
		if i > 0 && all[i-1].Code >= r.Code {
			t.Errorf("Regions() not sorted at %s", r.Code)
		}
		if !strings.HasPrefix(r.Code, jilinPrefix) {
			t.Errorf("%s %s is outside 吉林省", r.Code, r.Name)
		}
		if r.Level == LevelProvince {
			continue
		}
		p, ok := LookupRegion(r.Parent)
		if !ok {
			t.Errorf("%s %s: parent %q not found", r.Code, r.Name, r.Parent)
			continue
		}
		switch r.Level {
		case LevelPrefecture, LevelPseudo:
			if p.Level != LevelProvince {
				t.Errorf("%s %s: parent %s is %s, want province", r.Code, r.Name, p.Code, p.Level)
			}
		case LevelCounty:
			if p.Level != LevelPrefecture {
				t.Errorf("%s %s: parent %s is %s, want prefecture", r.Code, r.Name, p.Code, p.Level)
			}
			// A current county lies under its parent by code structure too
			// (a county that changed prefecture got a new code).
			if r.Current() && r.Code[:4] != p.Code[:4] {
				t.Errorf("%s %s: code does not match parent %s", r.Code, r.Name, p.Code)
			}
		}
		if r.ValidFrom != "" && r.ValidTo != "" && r.ValidFrom > r.ValidTo {
			t.Errorf("%s %s: valid_from %s after valid_to %s", r.Code, r.Name, r.ValidFrom, r.ValidTo)
		}
	}
	// Regions returns a copy.
	all[0].Name = "changed"
	if RegionName(all[0].Code) == "changed" {
		t.Error("Regions() exposes the table")
	}
}

func TestPrefectures(t *testing.T) {
	var got []string
	for _, r := range Prefectures() {
		got = append(got, r.Code+" "+r.Name)
	}
	want := []string{
		"220100 长春市", "220200 吉林市", "220300 四平市", "220400 辽源市", "220500 通化市",
		"220600 白山市", "220700 松原市", "220800 白城市", "222400 延边朝鲜族自治州", "229900 长白山管委会",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Prefectures() = %v, want %v", got, want)
	}
}

func TestCounties(t *testing.T) {
	codes := func(rs []Region) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Code)
		}
		return out
	}
	for _, test := range []struct {
		prefecture string
		want       []string
	}{
		{"220100", []string{"220102", "220103", "220104", "220105", "220106", "220112", "220113", "220122", "220171", "220172", "220173", "220174", "220182", "220183", "220184"}},
		{"220200", []string{"220202", "220203", "220204", "220211", "220221", "220271", "220272", "220273", "220281", "220282", "220283", "220284"}},
		{"220300", []string{"220302", "220303", "220322", "220323", "220382"}},
		{"220400", []string{"220402", "220403", "220421", "220422"}},
		{"220500", []string{"220502", "220503", "220521", "220523", "220524", "220581", "220582"}},
		{"220600", []string{"220602", "220605", "220621", "220622", "220623", "220681"}},
		{"220700", []string{"220702", "220721", "220722", "220723", "220771", "220781"}},
		{"220800", []string{"220802", "220821", "220822", "220871", "220881", "220882"}},
		{"222400", []string{"222401", "222402", "222403", "222404", "222405", "222406", "222424", "222426"}},
		{"229900", nil},
		{"220000", nil},
		{"999999", nil},
	} {
		if got := codes(Counties(test.prefecture)); !slices.Equal(got, test.want) {
			t.Errorf("Counties(%s) = %v, want %v", test.prefecture, got, test.want)
		}
	}
}

func TestLookupRegion(t *testing.T) {
	for _, test := range []struct {
		code, name, parent string
		current            bool
	}{
		{"220000", "吉林省", "", true},
		{"220102", "南关区", "220100", true},
		{"222426", "安图县", "222400", true},
		{"220184", "公主岭市", "220100", true},
		{"220181", "九台市", "220100", false},
		{"220724", "扶余县", "220700", false},
		{"220381", "公主岭市", "220300", false},
		{"220625", "江源县", "220600", false},
		{"220101", "市辖区", "220100", false},
		{"229900", "长白山管委会", "220000", true},
	} {
		r, ok := LookupRegion(test.code)
		if !ok {
			t.Errorf("LookupRegion(%s): not found", test.code)
			continue
		}
		if r.Name != test.name || r.Parent != test.parent || r.Current() != test.current {
			t.Errorf("LookupRegion(%s) = %+v, want name %s parent %s current %v", test.code, r, test.name, test.parent, test.current)
		}
	}
	for _, code := range []string{"", "22", "229999", "110000", "2201O2"} {
		if r, ok := LookupRegion(code); ok {
			t.Errorf("LookupRegion(%q) = %+v, want not found", code, r)
		}
	}
	if got := RegionName("222400"); got != "延边朝鲜族自治州" {
		t.Errorf("RegionName(222400) = %q", got)
	}
	if got := RegionName("123456"); got != "" {
		t.Errorf("RegionName(123456) = %q, want empty", got)
	}
}

func TestInRegion(t *testing.T) {
	for _, test := range []struct {
		code, scope string
		want        bool
	}{
		{"220102", "220102", true},
		{"220102", "220100", true},
		{"220102", "220000", true},
		{"220100", "220000", true},
		{"220000", "220000", true},
		{"220000", "220100", false},
		{"220100", "220102", false},
		{"220102", "220200", false},
		{"222401", "222400", true},
		{"222401", "220000", true},
		{"220184", "220100", true},
		{"220184", "220300", false},
		{"220381", "220300", true}, // historic 公主岭市 was under 四平市
		{"220381", "220100", false},
		{"220381", "220000", true},
		{"220181", "220100", true},
		{"220724", "220700", true},
		{"220101", "220100", true},
		{"220173", "220100", true},
		{"229900", "229900", true},
		{"229900", "220000", true},
		{"229900", "222400", false},
		{"220199", "220100", true}, // unknown code: by structure
		{"220199", "220000", true},
		{"110108", "110000", true},
		{"110108", "110100", true},
		{"110108", "220000", false},
		{"220102", "110000", false},
		{"220102", "", false},
		{"", "220000", false},
		{"22010A", "220000", false},
		{"2201", "220000", false},
	} {
		if got := InRegion(test.code, test.scope); got != test.want {
			t.Errorf("InRegion(%q, %q) = %v, want %v", test.code, test.scope, got, test.want)
		}
	}
}

func TestParseRegionsErrors(t *testing.T) {
	const header = "code,name,parent,level,valid_from,valid_to,note\n"
	for _, test := range []struct{ name, csv string }{
		{"NoHeader", "220000,吉林省,,province,,,\n"},
		{"BadCode", header + "22000,吉林省,,province,,,\n"},
		{"Duplicate", header + "220000,吉林省,,province,,,\n220000,吉林省,,province,,,\n"},
		{"BadLevel", header + "220000,吉林省,,state,,,\n"},
		{"BadDate", header + "220000,吉林省,,province,2020-13-01,,\n"},
		{"MissingParent", header + "220000,吉林省,,province,,,\n220102,南关区,220100,county,,,\n"},
		{"NoParent", header + "220100,长春市,,prefecture,,,\n"},
		{"Fields", header + "220000,吉林省,,province,,\n"},
	} {
		if _, err := parseRegions(test.csv); err == nil {
			t.Errorf("%s: parseRegions: no error", test.name)
		}
	}
}
