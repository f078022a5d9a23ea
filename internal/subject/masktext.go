package subject

import (
	"strings"
	"unicode/utf8"

	"jlcredit/internal/credit"
)

// MaskIDsInText masks the citizen ID numbers written inside free text, as
// departments write them into a penalty's 违法事实 (“当事人刘某（身份证号
// 220102197001011117）”), with the birth date and sequence hidden as
// MaskCitizenID shows an ID field (220102********1117). A number is masked
// when it stands alone (no digit glued to it: a letter may be, as in
// “ID220102…”) and is
//   - 18 characters, 17 digits and a digit or X, in ASCII or full width, or
//     so written in groups separated by single spaces, hyphens, dots or
//     slashes (220102 19850312 1230, 220102.19850312.1230), whose first two digits are a province code and
//     whose digits 7–14 a real birth date — whatever its check character, so
//     that a mistyped number does not show its 17 right digits; or
//   - 15 digits (the numbers issued before 1999) with a province code and a
//     real birth date (yymmdd), written within a few characters after
//     身份证, 证件号 or 身份号码 (15-digit registration numbers are public).
//
// Text without such a number is returned unchanged, without allocating.
func MaskIDsInText(s string) string {
	var b strings.Builder
	done := 0 // bytes of s already written to b
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if _, ok := idDigit(r); !ok || precededByDigit(s[:i]) {
			i += size
			continue
		}
		var run idRun
		end := run.read(s, i)
		digits, spans := run.digits[:run.n], run.spans[:run.n]
		if mask := idMaskRange(s[:i], digits); mask[1] > mask[0] && !followedByDigit(s[end:]) {
			if b.Len() == 0 {
				b.Grow(len(s))
			}
			b.WriteString(s[done:i])
			for k, sp := range spans {
				b.WriteString(s[sp[0]:sp[1]]) // separators before this digit
				if k >= mask[0] && k < mask[1] {
					b.WriteByte('*')
				} else {
					b.WriteString(s[sp[1]:sp[2]])
				}
			}
			done = spans[len(spans)-1][2]
		}
		i = max(end, i+size)
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// idRun is a run of up to 19 digits read by read (19: longer than any ID
// number, so that a longer number is not taken for one), kept on the stack.
type idRun struct {
	n      int
	digits [19]byte   // in ASCII
	spans  [19][3]int // per digit: start of the separators before it, start, end
}

// read reads, from byte i of s, digits (ASCII or full width) in groups
// separated by single spaces, ideographic spaces, hyphens, dots or slashes
// (either width), and a final X,
// and returns where the run ends.
func (run *idRun) read(s string, i int) (end int) {
	sepFrom := i
	for j := i; j < len(s); {
		r, size := utf8.DecodeRuneInString(s[j:])
		c, ok := idDigit(r)
		if !ok && run.n == 17 {
			c, ok = idCheckX(r)
		}
		if ok {
			run.digits[run.n] = c
			run.spans[run.n] = [3]int{sepFrom, j, j + size}
			run.n++
			j += size
			sepFrom, end = j, j
			if c == 'X' || run.n == len(run.digits) {
				break
			}
			continue
		}
		// One separator between two groups of digits.
		if isIDSeparator(r) && j == sepFrom && run.n > 0 {
			if r2, _ := utf8.DecodeRuneInString(s[j+size:]); isIDDigitOrX(r2) {
				j += size
				continue
			}
		}
		break
	}
	return end
}

func isIDDigitOrX(r rune) bool {
	_, d := idDigit(r)
	_, x := idCheckX(r)
	return d || x
}

// idMaskRange returns which digits of a run to mask ([from, to), to <= from
// for none): the birth date and sequence of an ID number (see
// MaskIDsInText). before is the text before the run.
func idMaskRange(before string, digits []byte) [2]int {
	n := len(digits)
	if n != 18 && n != 15 {
		return [2]int{}
	}
	for _, c := range digits[:n-1] {
		if c == 'X' {
			return [2]int{}
		}
	}
	if !provinceCodes[string(digits[:2])] {
		return [2]int{}
	}
	hide := n - 4 // the birth date and the sequence; the check character shows
	if n == 15 {
		hide = 12 // the birth date (yymmdd); the sequence shows
	}
	birth := string(digits[6:14])
	if n == 15 {
		if digits[14] == 'X' || !afterIDWord(before) {
			return [2]int{}
		}
		birth = "19" + string(digits[6:12])
	}
	if d, ok := parseBirth(birth); !ok || d.Before(minBirthDate) || d.After(credit.MakeDate(2100, 1, 1)) {
		return [2]int{}
	}
	return [2]int{6, hide}
}

// isIDSeparator reports a character that may separate the groups of an ID
// number written in text.
func isIDSeparator(r rune) bool {
	switch r {
	case ' ', '\u3000', '-', '.', '/', '．', '／':
		return true
	}
	return false
}

// afterIDWord reports whether before ends, within a few characters, with a
// word that announces an identity number.
func afterIDWord(before string) bool {
	for k := 0; k < 8 && before != ""; k++ {
		for _, w := range []string{"身份证", "证件号", "身份号码"} {
			if strings.HasSuffix(before, w) {
				return true
			}
		}
		_, size := utf8.DecodeLastRuneInString(before)
		before = before[:len(before)-size]
	}
	return false
}

// idDigit maps an ASCII or full-width digit to its ASCII form.
func idDigit(r rune) (byte, bool) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r), true
	case r >= '０' && r <= '９':
		return byte('0' + r - '０'), true
	}
	return 0, false
}

// idCheckX maps the check character X (either case, either width) to 'X'.
func idCheckX(r rune) (byte, bool) {
	switch r {
	case 'X', 'x', 'Ｘ', 'ｘ':
		return 'X', true
	}
	return 0, false
}

// precededByDigit and followedByDigit report a digit (ASCII or full
// width) glued to a run: the run is then part of a longer number, not an ID
// number. A letter may be glued (“ID220102…”, “…1117A”): an ID-shaped run of
// digits inside a code is masked rather than an ID shown.
func precededByDigit(before string) bool {
	r, _ := utf8.DecodeLastRuneInString(before)
	_, ok := idDigit(r)
	return before != "" && ok
}

func followedByDigit(after string) bool {
	r, _ := utf8.DecodeRuneInString(after)
	_, ok := idDigit(r)
	return after != "" && ok
}
