package credit

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
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

func TestBadRune(t *testing.T) {
	for _, c := range []struct {
		s    string
		want rune // 0: none
	}{
		{"", 0},
		{"长春市北辰汽车零部件有限公司", 0},
		{"“引号”…—（）、，《》【】·×℃‰№①Ⅱ㎡μ§※→★😀", 0},
		{"第一行\n第二行\r\n\t缩进", 0},
		{"a\u00a0b\u3000c\u200bd\ufeff", 0}, // spaces and zero-width characters are not refused here
		{"测试\u202e有限公司", 0x202E},
		{"测试\u2066有限公司", 0x2066},
		{"a\u200fb", 0x200F},
		{"a\u061cb", 0x061C},
		{"名称\u0007", 0x07},
		{"名称\x00", 0},
		{"x\x1bx", 0x1B},
		{"x\x7fx", 0x7F},
		{"x\u0090x", 0x90},
		{"x\ufffdx", 0xFFFD},
		{"x\xffx", 0xFFFD},
	} {
		r, bad := BadRune(c.s)
		if c.s == "名称\x00" {
			c.want = 0 // NUL is a control character too
			if !bad || r != 0 {
				t.Errorf("BadRune(%q) = %U, %v; want U+0000", c.s, r, bad)
			}
			continue
		}
		if bad != (c.want != 0) || bad && r != c.want {
			t.Errorf("BadRune(%q) = %U, %v; want %U", c.s, r, bad, c.want)
		}
	}
	for _, r := range []rune{0x202E, 0x07, 0xFFFD} {
		if m := BadRuneMessage(r); !strings.HasPrefix(m, "含有") {
			t.Errorf("BadRuneMessage(%U) = %q", r, m)
		}
	}
}

func FuzzBadRune(f *testing.F) {
	f.Add("测试\u202e有限公司")
	f.Add("abc")
	f.Fuzz(func(t *testing.T, s string) {
		r, bad := BadRune(s)
		slow := false
		var want rune
		for _, c := range s {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7F || unicode.IsControl(c) && c != 0x85 && c != '\t' && c != '\n' && c != '\r' || unicode.Is(unicode.Bidi_Control, c) || c == utf8.RuneError {
				slow, want = true, c
				break
			}
		}
		if bad != slow || bad && r != want {
			t.Errorf("BadRune(%q) = %U, %v; the rune-by-rune scan says %U, %v", s, r, bad, want, slow)
		}
	})
}
