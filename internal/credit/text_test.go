package credit

import (
	"strings"
	"testing"
	"unicode"
)

func TestBlank(t *testing.T) {
	for _, test := range []struct {
		s    string
		want bool
	}{
		{"", true},
		{" ", true},
		{"\t\r\n", true},
		{"\u00a0", true},       // no-break space
		{"\u3000", true},       // ideographic space
		{"\u200b", true},       // zero-width space
		{"\u200c", true},       // zero-width non-joiner
		{"\u200d", true},       // zero-width joiner
		{"\u2060", true},       // word joiner
		{"\ufeff", true},       // byte order mark
		{"\u200e\u200f", true}, // bidi marks
		{"\u202e", true},       // right-to-left override
		{"\u00ad", true},       // soft hyphen
		{"\u115f", true},       // Hangul choseong filler
		{"\u1160", true},       // Hangul jungseong filler
		{"\u3164", true},       // Hangul filler
		{"\uffa0", true},       // halfwidth Hangul filler
		{"\ufe0f", true},       // variation selector
		{"\u0007", true},       // BEL
		{"\x00", true},         // NUL
		{"\u0085", true},       // next line
		{" \u200b\u3000\ufeff\x00 ", true},
		{"x", false},
		{"无", false},
		{"。", false},
		{"\u200b说明\u200b", false},
		{" 0 ", false},
		{"\ufffd", false}, // a replaced invalid byte is something
		{"\xff", false},
		{"🙂", false},
	} {
		if got := Blank(test.s); got != test.want {
			t.Errorf("Blank(%+q) = %v, want %v", test.s, got, test.want)
		}
	}
}

func FuzzBlank(f *testing.F) {
	for _, s := range []string{"", " ", "\u200b", "\u3164\u115f", "a", "\x00\u0007", "说明", "\xff\xfe", "\u200d🙂"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		blank := Blank(s)
		if Blank(s+"x") || Blank("说"+s) {
			t.Fatalf("Blank(%+q + a visible character) = true", s)
		}
		if Blank(s+" \u200b\x00") != blank || Blank("\ufeff"+s) != blank {
			t.Fatalf("Blank(%+q) changed by adding invisible characters", s)
		}
		if blank && strings.TrimSpace(s) != "" {
			// Every character left must be one that shows nothing.
			for _, r := range s {
				visible := unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsMark(r)
				if visible && !unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) && !unicode.Is(unicode.Variation_Selector, r) {
					t.Fatalf("Blank(%+q) = true, but %U is visible", s, r)
				}
			}
		}
		if !blank && !strings.ContainsFunc(s, func(r rune) bool { return !Invisible(r) }) {
			t.Fatalf("Blank(%+q) = false, but every character is invisible", s)
		}
	})
}
