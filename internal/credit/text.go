package credit

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Invisible reports whether r shows nothing when a text is displayed: white
// space, a control character (NUL, BEL …), a format character (Unicode
// category Cf: zero-width space and joiners, word joiner, byte order mark,
// bidi marks, soft hyphen), a variation selector, or another character
// Unicode says to ignore when it cannot be shown (the Hangul fillers U+115F,
// U+1160, U+3164 and U+FFA0, the combining grapheme joiner).
func Invisible(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Variation_Selector, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// Blank reports whether s has no visible character: it is empty or made of
// Invisible characters only. A required free text (a reason, an
// explanation, a purpose) that is Blank counts as not given. Invalid UTF-8
// is not blank: its bytes read as U+FFFD, which shows.
func Blank(s string) bool {
	for _, r := range s {
		if !Invisible(r) {
			return false
		}
	}
	return true
}

// BadRune returns the first character of s that no text the platform
// stores and shows may hold: a control character other than tab, line
// feed and carriage return, a bidirectional control (U+202E and its kind
// reorder the text around them wherever it is shown, a name or a file
// name made to read otherwise), or U+FFFD, what an undecodable byte
// became. s is scanned by byte: the characters of most text (ASCII above
// the controls, CJK from E3) cannot start one of these.
func BadRune(s string) (rune, bool) {
	if !utf8.ValidString(s) { // rare: rune by rune, an invalid byte being U+FFFD
		for _, r := range s {
			if badRune(r) {
				return r, true
			}
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7F:
			return rune(c), true
		case c == 0xC2 || c == 0xD8 || c == 0xE2 || c == 0xEF: // C1 controls, U+061C, U+200E–U+2069, U+FFFD
			if r, _ := utf8.DecodeRuneInString(s[i:]); badRune(r) {
				return r, true
			}
		}
	}
	return 0, false
}

func badRune(r rune) bool {
	return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' && r != 0x85 || unicode.Is(unicode.Bidi_Control, r) || r == utf8.RuneError
}

// BadRuneMessage says, in a message's words, what BadRune found: “含有…”.
func BadRuneMessage(r rune) string {
	switch {
	case r == utf8.RuneError:
		return "含有无法识别的字符（“\uFFFD”），请检查文件或文本的编码（应为UTF-8或GB18030）"
	case unicode.Is(unicode.Bidi_Control, r):
		return fmt.Sprintf("含有文字方向控制符（U+%04X），它不显示却会改变文字的显示顺序，请删除", r)
	}
	return fmt.Sprintf("含有不可见的控制字符（U+%04X），请删除", r)
}
