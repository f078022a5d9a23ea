package catalog

import (
	"strings"
	"unicode"
)

// requiredMarkers are the suffixes import templates append to a header to
// mark it required or optional, after foldWidth.
var requiredMarkers = []string{"(必填)", "(选填)", "(可选)", "(非必填)", "【必填】", "【选填】"}

// NormalizeHeader returns the form of a column header used to match it
// against field codes, names and aliases: full-width forms folded to
// half-width (（）→(), ：→:), all whitespace and invisible marks (BOM,
// zero-width space) removed, Latin letters upper-cased, and the markers that
// templates add removed: leading or trailing "*" and a trailing "（必填）"
// or "（选填）".
func NormalizeHeader(h string) string {
	h = foldWidth(h)
	var b strings.Builder
	b.Grow(len(h))
	for _, r := range h {
		if unicode.IsSpace(r) || isInvisible(r) {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	s := b.String()
	for {
		before := s
		s = strings.Trim(s, "*")
		for _, m := range requiredMarkers {
			s = strings.TrimSuffix(s, m)
		}
		if s == before {
			return s
		}
	}
}

// codeKey is the form in which code-table values and aliases are compared:
// width folded, whitespace and invisible marks removed, Latin letters
// upper-cased.
func codeKey(v string) string {
	v = foldWidth(v)
	var b strings.Builder
	b.Grow(len(v))
	for _, r := range v {
		if unicode.IsSpace(r) || isInvisible(r) {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// foldWidth maps full-width ASCII variants (U+FF01..U+FF5E) to ASCII and the
// ideographic space to a space.
func foldWidth(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r == '\u3000' || r >= 0xFF01 && r <= 0xFF5E }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\u3000':
			return ' '
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		}
		return r
	}, s)
}

func isInvisible(r rune) bool {
	switch r {
	case '\uFEFF', '\u200B', '\u200C', '\u200D', '\u2060':
		return true
	}
	return false
}
