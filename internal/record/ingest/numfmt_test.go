package ingest

import "testing"

func TestFormatKind(t *testing.T) {
	for _, test := range []struct {
		code string
		want numKind
	}{
		{"General", kindGeneral},
		{"0.00", kindGeneral},
		{"#,##0.00_);[Red](#,##0.00)", kindGeneral},
		{"0.00E+00", kindGeneral},
		{`0.000000"万元"`, kindGeneral},
		{`[$¥-804]#,##0.00`, kindGeneral},
		{"@", kindGeneral},
		{`0"d"`, kindGeneral},
		{`\d0`, kindGeneral},
		{"yyyy-mm-dd", kindDate},
		{"yyyy/m/d;@", kindDate},
		{`yyyy"年"m"月"d"日"`, kindDate},
		{`[DBNum1][$-804]yyyy"年"m"月"d"日"`, kindDate},
		{"mmm-yy", kindDate},
		{"d-mmm", kindDate},
		{"[$-F800]dddd, mmmm dd, yyyy", kindDate},
		{"yyyy-mm-dd hh:mm:ss", kindDateTime},
		{"m/d/yy h:mm AM/PM", kindDateTime},
		{"h:mm AM/PM", kindTime},
		{"mm:ss", kindTime},
		{"[h]:mm:ss", kindTime},
		{"[mm]", kindTime},
		{`上午/下午h"时"mm"分"`, kindTime},
		{"[Red]yyyy-mm-dd", kindDate},
	} {
		if got := formatKind(test.code); got != test.want {
			t.Errorf("formatKind(%q) = %d, want %d", test.code, got, test.want)
		}
	}
}

func TestBuiltinKind(t *testing.T) {
	for id, want := range map[int]numKind{
		0: kindGeneral, 1: kindGeneral, 4: kindGeneral, 9: kindGeneral, 11: kindGeneral, 49: kindGeneral,
		14: kindDate, 17: kindDate, 22: kindDateTime, 18: kindTime, 21: kindTime, 45: kindTime, 47: kindTime,
		27: kindDate, 31: kindDate, 32: kindTime, 35: kindTime, 36: kindDate, 50: kindDate, 55: kindTime, 58: kindDate,
	} {
		if got := builtinKind(id); got != want {
			t.Errorf("builtinKind(%d) = %d, want %d", id, got, want)
		}
	}
}

func TestSerialDate(t *testing.T) {
	for _, test := range []struct {
		v        string
		k        numKind
		date1904 bool
		want     string
	}{
		{"1", kindDate, false, "1900-01-01"},
		{"59", kindDate, false, "1900-02-28"},
		{"60", kindDate, false, "1900-02-29"},
		{"61", kindDate, false, "1900-03-01"},
		{"45322", kindDate, false, "2024-01-31"},
		{"45322.99999", kindDate, false, "2024-01-31"},
		{"45322.999999999", kindDateTime, false, "2024-02-01"},
		{"45322.5", kindDateTime, false, "2024-01-31 12:00:00"},
		{"45322", kindDateTime, false, "2024-01-31"},
		{"0.75", kindTime, false, "18:00:00"},
		{"0.75", kindDateTime, false, "18:00:00"},
		{"0", kindDate, false, "0"},
		{"-1", kindDate, false, "-1"},
		{"2958465", kindDate, false, "9999-12-31"},
		{"2958466", kindDate, false, "2958466"},
		{"1e400", kindDate, false, "1e400"},
		{"NaN", kindDate, false, "NaN"},
		{"abc", kindDate, false, "abc"},
		{"0", kindDate, true, "1904-01-01"},
		{"43860", kindDate, true, "2024-01-31"},
	} {
		if got := serialDate(test.v, test.k, test.date1904); got != test.want {
			t.Errorf("serialDate(%q, %d, %v) = %q, want %q", test.v, test.k, test.date1904, got, test.want)
		}
	}
}

func TestPlainNumber(t *testing.T) {
	for v, want := range map[string]string{
		"220102199001011234":   "220102199001011234",
		"+42":                  "42",
		"-42":                  "-42",
		"007":                  "007",
		"2.20102199001011E+17": "220102199001011000",
		"0.30000000000000004":  "0.3",
		"1.5":                  "1.5",
		"1E-7":                 "0.0000001",
		"12345678.9":           "12345678.9",
		"-0":                   "-0",
		"0.0":                  "0",
		"1e400":                "1e400",
		"x":                    "x",
		"":                     "",
	} {
		if got := plainNumber(v); got != want {
			t.Errorf("plainNumber(%q) = %q, want %q", v, got, want)
		}
	}
}

func TestISODate(t *testing.T) {
	for _, test := range []struct {
		v    string
		k    numKind
		want string
	}{
		{"2024-01-31T00:00:00Z", kindGeneral, "2024-01-31"},
		{"2024-01-31T13:45:30", kindDateTime, "2024-01-31 13:45:30"},
		{"2024-01-31", kindDate, "2024-01-31"},
		{"13:45:30", kindTime, "13:45:30"},
		{"1899-12-31T13:45:30", kindTime, "13:45:30"},
		{"garbage", kindDate, "garbage"},
	} {
		if got := isoDate(test.v, test.k); got != test.want {
			t.Errorf("isoDate(%q) = %q, want %q", test.v, got, test.want)
		}
	}
}

func TestUnescapeXString(t *testing.T) {
	for v, want := range map[string]string{
		"plain":          "plain",
		"a_x000D_b":      "a\rb",
		"_x005F_x0041_":  "_x0041_",
		"_x00":           "_x00",
		"_xZZZZ_":        "_xZZZZ_",
		"_x4E2D__x6587_": "中文",
	} {
		if got := unescapeXString(v); got != want {
			t.Errorf("unescapeXString(%q) = %q, want %q", v, got, want)
		}
	}
}
