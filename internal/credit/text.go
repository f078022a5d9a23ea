package credit

import "unicode"

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
