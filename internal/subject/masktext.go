package subject

import (
	"strings"
	"unicode/utf8"

	"jlcredit/internal/credit"
)

// MaskIDsInText masks the citizen ID numbers written inside free text, as
// departments write them into a penalty's 违法事实 (“当事人刘某（身份证号
// 220102197001011117）”): every run of 18 characters — 17 digits and a
// digit or X, in ASCII or full width, with no digit or letter directly
// before or after it — that is a valid GB 11643 number (province code,
// birth date, check character) becomes its first 6 and last 4 characters
// with 8 '*' between, as MaskCitizenID shows an ID field. Other numbers
// (15-digit registration numbers, amounts, USCCs, phone numbers) are left
// as they are. Text without such a number is returned unchanged, without
// allocating.
func MaskIDsInText(s string) string {
	var b strings.Builder
	done := 0 // bytes of s already written to b
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if _, ok := idDigit(r); !ok || precededByAlnum(s[:i]) {
			i += size
			continue
		}
		// A candidate starts at i: read up to 18 ID characters.
		var id [18]byte
		j, n := i, 0
		for j < len(s) && n < 18 {
			r, size := utf8.DecodeRuneInString(s[j:])
			c, ok := idDigit(r)
			if !ok && n == 17 {
				c, ok = idCheckX(r)
			}
			if !ok {
				break
			}
			id[n] = c
			n++
			j += size
		}
		if n == 18 && !followedByAlnum(s[j:]) && CheckCitizenID(string(id[:]), credit.Date{}) == nil {
			if b.Len() == 0 {
				b.Grow(len(s))
			}
			b.WriteString(s[done:i])
			b.WriteString(MaskCitizenID(s[i:j])) // keeps the writer's width
			done = j
			i = j
			continue
		}
		// Not an ID: skip the whole run of digits.
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if _, ok := idDigit(r); !ok {
				break
			}
			i += size
		}
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
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

// isAlnum reports an ASCII or full-width letter or digit: a number glued to
// one is part of a longer code, not an ID number.
func isAlnum(r rune) bool {
	if _, ok := idDigit(r); ok {
		return true
	}
	r = halfWidth(r)
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

func precededByAlnum(before string) bool {
	r, _ := utf8.DecodeLastRuneInString(before)
	return before != "" && isAlnum(r)
}

func followedByAlnum(after string) bool {
	r, _ := utf8.DecodeRuneInString(after)
	return after != "" && isAlnum(r)
}
