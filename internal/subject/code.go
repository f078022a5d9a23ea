package subject

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"jlcredit/internal/credit"
)

// Problem codes returned by CheckUSCC and CheckCitizenID. Their messages are
// zh-CN sentences without row or field prefix; the caller adds
// "第N行“字段名”：".
const (
	ProblemUSCCLength   = "uscc_length"    // not 18 characters
	ProblemUSCCCharset  = "uscc_charset"   // a character outside the 31-symbol set
	ProblemUSCCRegion   = "uscc_region"    // positions 3–8 are not a region code
	ProblemUSCCOrgCheck = "uscc_org_check" // position 17 (GB 11714 check) wrong
	ProblemUSCCCheck    = "uscc_check"     // position 18 (GB 32100 check) wrong

	ProblemIDLength  = "id_length"  // not 18 characters
	ProblemIDCharset = "id_charset" // not 17 digits + digit or X
	ProblemIDRegion  = "id_region"  // first two digits are not a province code
	ProblemIDBirth   = "id_birth"   // birth date invalid, in the future or before 1900
	ProblemIDCheck   = "id_check"   // check character wrong
)

// USCCCharset is the 31-symbol alphabet of the unified social credit code
// (GB 32100-2015). The index of a character is its value; I, O, S, V and Z
// are not used.
const USCCCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are the GB 32100 weights of positions 1–17: 3^(i-1) mod 31.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// orgWeights are the GB 11714 weights of the first 8 organisation-code chars.
var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// idWeights are the GB 11643 weights of positions 1–17: 2^(17-i) mod 11.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps (Σ mod 11) to the GB 11643 check character.
const idCheckChars = "10X98765432"

// usccValue returns the value of c in USCCCharset, or -1.
func usccValue(c byte) int {
	return strings.IndexByte(USCCCharset, c)
}

// isInvisible reports whether r is a zero-width character or byte-order mark
// that spreadsheets and web forms leave in pasted text, or a NUL, which no
// text holds (and PostgreSQL refuses in text).
func isInvisible(r rune) bool {
	switch r {
	case 0, '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF':
		return true
	}
	return false
}

// halfWidth maps a full-width ASCII variant (U+FF01–U+FF5E) to its ASCII
// character and U+3000 (ideographic space) to ' '; other runes are returned
// unchanged.
func halfWidth(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFEE0
	case r == '\u3000':
		return ' '
	}
	return r
}

// Normalize trims spaces (incl. U+3000 and inner spaces), converts full-width
// ASCII (FF01–FF5E) to half-width, and upper-cases.
//
// It is meant for codes (USCC, citizen ID, region codes): every white-space
// character (unicode.IsSpace, which includes U+3000 and U+00A0) and every
// zero-width character or byte-order mark is removed, wherever it occurs.
// Only ASCII letters are upper-cased. Normalize is idempotent.
func Normalize(s string) string {
	if isNormalCode(s) {
		return s
	}
	return normalize(s)
}

// normalize is Normalize without the fast path.
func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = halfWidth(r)
		if unicode.IsSpace(r) || isInvisible(r) {
			continue
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// NormalizeText converts full-width ASCII letters/digits/punctuation and （）to
// half-width, collapses runs of whitespace to one space and trims; it does not
// change case. Used for names.
//
// Zero-width characters and byte-order marks are removed. NormalizeText is
// idempotent.
func NormalizeText(s string) string { n, _ := tidy(s, true); return n }

// NameKey returns the form in which organisation names are compared: a
// normalised name (NormalizeText) without its spaces and with its Latin
// letters in upper case. “长岭县 第一人民医院” and “长岭县第一人民医院” name
// one organisation, a space inside a Chinese name being a typing slip, and
// so do “长春abc电子有限公司” and “长春ABC电子有限公司”: a verification by
// the lower-case name must not answer “not held” for a listed company.
// Storage indexes the stored name in this form (names compared in SQL use
// its expression for the dialect, storage.nameKeySQL).
func NameKey(name string) string {
	i := strings.IndexFunc(name, func(r rune) bool { return r == ' ' || 'a' <= r && r <= 'z' })
	if i < 0 {
		return name
	}
	b := make([]byte, 0, len(name))
	for j := 0; j < len(name); j++ {
		switch c := name[j]; {
		case c == ' ':
		case 'a' <= c && c <= 'z':
			b = append(b, c-'a'+'A')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// TidyText is NormalizeText without the conversion to half-width: it
// removes invisible characters, collapses white space and trims, and keeps
// the full-width punctuation of Chinese text (，：；（）) as written. The
// form in which a decision's text is published.
func TidyText(s string) string { t, _ := tidy(s, false); return t }

// NormalizeAndTidy returns NormalizeText(s) and TidyText(s), in one pass
// over s when the only changes are conversions to half-width (the common
// case of Chinese text with full-width punctuation).
func NormalizeAndTidy(s string) (normalized, tidied string) {
	n, widthOnly := tidy(s, true)
	if widthOnly {
		return n, s
	}
	t, _ := tidy(s, false)
	return n, t
}

// tidy is NormalizeText, or TidyText when half is false. widthOnly reports
// that s has no white space, invisible or invalid characters, so that the
// only changes (if any) are conversions to half-width: TidyText(s) == s.
func tidy(s string, half bool) (out string, widthOnly bool) {
	// One pass that copies runs of unchanged characters: most values come
	// already normalised, and then s itself is returned.
	var b []byte
	run := 0 // start of the run of unchanged characters not yet copied, or -1
	space := false
	other := false // a change that is not a conversion to half-width
	flush := func(i int) {
		if run >= 0 {
			b = append(b, s[run:i]...)
			run = -1
		}
	}
	for i := 0; i < len(s); {
		// Fast paths for the characters of most values: ASCII other than
		// white space, and the runes between U+3000 and U+FEFF (CJK and its
		// punctuation), which are neither white space, invisible nor
		// full-width variants.
		if c := s[i]; c < utf8.RuneSelf && c != 0 && !asciiSpace(c) || c >= 0xE3 && c <= 0xEF && plainWide(s[i:]) {
			if space {
				flush(i)
				b = append(b, ' ')
				space = false
			}
			if run < 0 {
				run = i
			}
			if c < utf8.RuneSelf {
				i++
			} else {
				i += 3
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		h := r
		if half {
			h = halfWidth(r)
		}
		switch {
		case isInvisible(h):
			flush(i)
			other = true
		case unicode.IsSpace(h):
			flush(i)
			space = len(b) > 0
			other = true
		default:
			if space {
				b = append(b, ' ')
				space = false
			}
			if r == utf8.RuneError && size == 1 {
				other = true
			}
			if h != r || (r == utf8.RuneError && size == 1) {
				flush(i)
				b = utf8.AppendRune(b, h)
			} else if run < 0 {
				run = i
			}
		}
		i += size
	}
	if run == 0 {
		return s, !other // nothing changed
	}
	flush(len(s))
	return string(b), !other
}

// asciiSpace reports whether c is ASCII white space (unicode.IsSpace).
func asciiSpace(c byte) bool {
	return c == ' ' || c >= '\t' && c <= '\r'
}

// plainWide reports whether s starts with a valid 3-byte rune in
// U+3001–U+FEFE, which NormalizeText keeps as it is.
//
// It reads the bytes instead of decoding the rune (ingestion calls it for
// every CJK character of every field): U+3000–U+FFFF are E3–EF followed by
// two continuation bytes; ED A0–BF would be surrogates (invalid).
func plainWide(s string) bool {
	if len(s) < 3 {
		return false
	}
	c0, c1, c2 := s[0], s[1], s[2]
	if c1&0xC0 != 0x80 || c2&0xC0 != 0x80 {
		return false
	}
	switch {
	case c0 == 0xE3:
		return c1 != 0x80 || c2 != 0x80 // not U+3000, the ideographic space
	case c0 >= 0xE4 && c0 <= 0xEC, c0 == 0xEE:
		return true
	case c0 == 0xED:
		return c1 < 0xA0
	case c0 == 0xEF:
		return c1 < 0xBB || c1 == 0xBB && c2 < 0xBF // below U+FEFF
	}
	return false
}

// isNormalCode reports whether Normalize(s) == s: only printable ASCII
// without spaces or lower-case letters.
func isNormalCode(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7F || (c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// USCCCheckChar returns the GB 32100 check character (position 18) for the
// first 17 characters. Error if a char is outside the 31-symbol charset.
//
// The check value is 31 − (Σ value(c_i)·W_i mod 31), with 31 mapped to 0,
// converted back through USCCCharset. It is also an error if first17 is not
// exactly 17 bytes long.
func USCCCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("subject.USCCCheckChar(%q): need 17 characters, got %d bytes", first17, len(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := usccValue(first17[i])
		if v < 0 {
			return 0, fmt.Errorf("subject.USCCCheckChar(%q): invalid character %q at position %d", first17, first17[i], i+1)
		}
		sum += v * usccWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return USCCCharset[c], nil
}

// OrgCodeCheckChar returns the GB 11714 check character for the first 8
// chars of the organisation code (USCC positions 9–16): digits 0–9, A–Z =
// 10–35, weights [3,7,9,10,5,8,4,2], C = 11 − (sum mod 11); 10 → 'X', 11 → '0'.
//
// It is an error if first8 is not exactly 8 bytes of 0–9 and A–Z.
func OrgCodeCheckChar(first8 string) (byte, error) {
	if len(first8) != 8 {
		return 0, fmt.Errorf("subject.OrgCodeCheckChar(%q): need 8 characters, got %d bytes", first8, len(first8))
	}
	sum := 0
	for i := 0; i < 8; i++ {
		c := first8[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		default:
			return 0, fmt.Errorf("subject.OrgCodeCheckChar(%q): invalid character %q at position %d", first8, c, i+1)
		}
		sum += v * orgWeights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X', nil
	case 11:
		return '0', nil
	default:
		return byte('0' + c), nil
	}
}

// showRune renders r for a message: the character itself when printable,
// otherwise its code point (U+0009).
func showRune(r rune) string {
	if r == utf8.RuneError || !unicode.IsPrint(r) {
		return fmt.Sprintf("U+%04X", r)
	}
	return string(r)
}

// CheckUSCC validates an already normalised code: length 18, charset
// 0123456789ABCDEFGHJKLMNPQRTUWXY (no I O S V Z) at every position, positions
// 3–8 digits forming a region code known to the region table (historic codes
// allowed; a code whose region is outside 吉林 but is a syntactically valid
// 6-digit code with a plausible province prefix 11–82 is accepted — only Jilin
// codes 22xxxx are checked against the table), position 17 = org-code check
// char, position 18 = USCC check char. Returns nil when valid. legacy(code)
// true means the code is on the administrator whitelist and is accepted
// despite failed check characters (nil legacy = no whitelist).
//
// The checks run in that order and the first failure is returned, except
// that position 18 is checked before position 17: a typo anywhere in the
// first 17 characters is then reported as a wrong check character naming
// the expected one, not as a wrong organisation-code check. "Plausible
// province prefix" means one of the GB/T 2260 province codes (11–15, 21–23,
// 31–37, 41–46, 50–54, 61–65, 71, 81, 82); region 100000 (national-level
// registration authorities) is accepted too. The pseudo-region of
// 长白山管委会 is not a GB/T 2260 code and is rejected.
func CheckUSCC(code string, legacy func(string) bool) *credit.Problem {
	if n := utf8.RuneCountInString(code); n != 18 {
		return credit.Problemf(ProblemUSCCLength, "统一社会信用代码应为18位，实际为%d位", n)
	}
	pos := 0
	for _, r := range code {
		pos++
		if r >= utf8.RuneSelf || usccValue(byte(r)) < 0 {
			return credit.Problemf(ProblemUSCCCharset, "统一社会信用代码第%d位“%s”不是合法字符（不得使用I、O、S、V、Z）", pos, showRune(r))
		}
	}
	// All 18 runes are ASCII, so code is 18 bytes from here on.
	if region := code[2:8]; !usccRegionValid(region) {
		return credit.Problemf(ProblemUSCCRegion, "统一社会信用代码第3–8位“%s”不是有效的行政区划代码", region)
	}
	whitelisted := func() bool { return legacy != nil && legacy(code) }
	want, _ := USCCCheckChar(code[:17]) // cannot fail: charset checked above
	if code[17] != want && !whitelisted() {
		return credit.Problemf(ProblemUSCCCheck, "统一社会信用代码校验位（第18位）应为“%c”，实际为“%c”", want, code[17])
	}
	wantOrg, _ := OrgCodeCheckChar(code[8:16]) // cannot fail: the charset is a subset of 0–9A–Z
	if code[16] != wantOrg && !whitelisted() {
		return credit.Problemf(ProblemUSCCOrgCheck, "统一社会信用代码第17位（组织机构代码校验码）应为“%c”，实际为“%c”", wantOrg, code[16])
	}
	return nil
}

// provinceCodes are the first two digits of the GB/T 2260 province-level
// divisions (including 71 台湾, 81 香港, 82 澳门).
var provinceCodes = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true,
}

// nationalRegion is the region code used by national-level registration
// authorities in USCC positions 3–8.
const nationalRegion = "100000"

// allDigits reports whether s is non-empty and consists of ASCII digits only.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// usccRegionValid reports whether the 6 characters are an acceptable region
// code of a registration authority (see CheckUSCC).
func usccRegionValid(region string) bool {
	if len(region) != 6 || !allDigits(region) {
		return false
	}
	if region == nationalRegion {
		return true
	}
	if !provinceCodes[region[:2]] {
		return false
	}
	if region[:2] != jilinPrefix {
		return true
	}
	r, ok := LookupRegion(region)
	return ok && r.Level != LevelPseudo
}

// CitizenIDCheckChar returns the GB 11643 check char for the first 17 digits
// (weights [7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2], "10X98765432"[sum mod 11]).
//
// It is an error if first17 is not exactly 17 ASCII digits.
func CitizenIDCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("subject.CitizenIDCheckChar(%q): need 17 digits, got %d bytes", first17, len(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("subject.CitizenIDCheckChar(%q): invalid character %q at position %d", first17, c, i+1)
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheckChars[sum%11], nil
}

// minBirthDate is the earliest birth date CheckCitizenID accepts.
var minBirthDate = credit.MakeDate(1900, 1, 1)

// CheckCitizenID validates a normalised 18-character ID: digits, last char
// digit or X, address code region prefix plausible (first 2 digits a province
// code 11–82), birth date a real date not after today and not before
// 1900-01-01, check char. today is the current date.
//
// "Province code" means one of the GB/T 2260 province codes listed for
// CheckUSCC. A zero today disables the "not after today" check. Returns nil
// when valid.
func CheckCitizenID(id string, today credit.Date) *credit.Problem {
	if n := utf8.RuneCountInString(id); n != 18 {
		return credit.Problemf(ProblemIDLength, "公民身份号码应为18位，实际为%d位", n)
	}
	pos := 0
	for _, r := range id {
		pos++
		if (r >= '0' && r <= '9') || (r == 'X' && pos == 18) {
			continue
		}
		return credit.Problemf(ProblemIDCharset, "公民身份号码第%d位“%s”不是合法字符（前17位应为数字，第18位应为数字或X）", pos, showRune(r))
	}
	// id is 18 ASCII bytes from here on.
	if !provinceCodes[id[:2]] {
		return credit.Problemf(ProblemIDRegion, "公民身份号码前2位“%s”不是有效的省级行政区划代码", id[:2])
	}
	birth, ok := parseBirth(id[6:14])
	if !ok {
		return credit.Problemf(ProblemIDBirth, "公民身份号码中的出生日期“%s”无效", id[6:14])
	}
	if birth.Before(minBirthDate) {
		return credit.Problemf(ProblemIDBirth, "公民身份号码中的出生日期“%s”无效（早于1900年1月1日）", id[6:14])
	}
	if !today.IsZero() {
		y, m, d := today.Date()
		if birth.After(credit.MakeDate(y, m, d)) {
			return credit.Problemf(ProblemIDBirth, "公民身份号码中的出生日期“%s”无效（晚于当前日期）", id[6:14])
		}
	}
	want, _ := CitizenIDCheckChar(id[:17]) // cannot fail: digits checked above
	if id[17] != want {
		return credit.Problemf(ProblemIDCheck, "公民身份号码校验位应为“%c”，实际为“%c”", want, id[17])
	}
	return nil
}

// parseBirth parses yyyymmdd and reports whether it is a real calendar date.
func parseBirth(s string) (credit.Date, bool) {
	if len(s) != 8 || !allDigits(s) {
		return credit.Date{}, false
	}
	atoi := func(s string) int {
		n := 0
		for i := 0; i < len(s); i++ {
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	y, m, d := atoi(s[:4]), atoi(s[4:6]), atoi(s[6:])
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return credit.Date{}, false
	}
	t := credit.MakeDate(y, time.Month(m), d)
	if t.Day() != d || int(t.Month()) != m || t.Year() != y {
		return credit.Date{}, false // e.g. 0231 rolled over into March
	}
	return t, true
}

// CitizenIDBirthDate returns the birth date encoded in a valid ID.
//
// It reads positions 7–14 of an 18-character ID and reports false when the
// ID is not 18 bytes long or the digits are not a real date; it does not
// verify the check character.
func CitizenIDBirthDate(id string) (credit.Date, bool) {
	if len(id) != 18 {
		return credit.Date{}, false
	}
	return parseBirth(id[6:14])
}

// MaskCitizenID returns e.g. "220102********1234" (first 6, last 4).
//
// Every character between the first 6 and the last 4 becomes '*'. An input
// of 10 characters or fewer is masked completely, so that no input is ever
// returned in clear.
func MaskCitizenID(id string) string {
	r := []rune(id)
	if len(r) <= 10 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:6]) + strings.Repeat("*", len(r)-10) + string(r[len(r)-4:])
}

// categoryTypes maps USCC positions 1–2 (登记管理部门码 + 机构类别码,
// DOMAIN.md §1.1) to a subject type. The category table is revised from time
// to time; a category that is missing here falls back to authorityTypes.
var categoryTypes = map[string]Type{
	// 1 机构编制
	"11": Government,        // 机关
	"12": PublicInstitution, // 事业单位
	"13": Government,        // 编办直接管理机构编制的群众团体
	"19": Government,        // 其他
	// 2 外交
	"21": SocialOrg, // 外国常驻新闻机构
	"29": SocialOrg, // 其他
	// 3 司法行政
	"31": SocialOrg, // 律师执业机构
	"36": SocialOrg, // 商事调解组织
	"39": SocialOrg, // 其他
	// 4 文化
	"41": SocialOrg, // 外国在华文化中心
	"49": SocialOrg, // 其他
	// 5 民政
	"51": SocialOrg, // 社会团体
	"52": SocialOrg, // 民办非企业单位
	"53": SocialOrg, // 基金会
	"54": SocialOrg, // 村民委员会
	"55": SocialOrg, // 居民委员会
	"59": SocialOrg, // 其他
	// 6 旅游
	"61": SocialOrg, // 外国政府旅游部门常驻代表机构
	"62": SocialOrg, // 港澳台地区旅游部门常驻代表机构
	"69": SocialOrg, // 其他
	// 7 宗教
	"71": SocialOrg, // 宗教活动场所
	"72": SocialOrg, // 宗教院校
	"79": SocialOrg, // 其他
	// 8 工会
	"81": SocialOrg, // 基层工会
	"82": SocialOrg, // 非法人工会组织
	"89": SocialOrg, // 其他
	// 9 工商 / 市场监管
	"91": Enterprise,         // 企业
	"92": IndividualBusiness, // 个体工商户
	"93": Enterprise,         // 农民专业合作社
	"99": Enterprise,         // 其他
	// A 中央军委改革和编制办公室
	"A1": SocialOrg, // 军队文职人员用人单位
	"A9": SocialOrg, // 其他
	// G 公安
	"G1": SocialOrg, // 境外非政府组织代表机构
	"G9": SocialOrg, // 其他
	// J 住房城乡建设
	"J1": SocialOrg, // 业主大会
	"J9": SocialOrg, // 其他
	// N 农业农村
	"N1": SocialOrg, // 组级集体经济组织
	"N2": SocialOrg, // 村级集体经济组织
	"N3": SocialOrg, // 乡镇级集体经济组织
	"N9": SocialOrg, // 其他
	// Q 侨联
	"Q1": SocialOrg, // 区县级侨联组织
	"Q2": SocialOrg, // 乡镇级侨联组织
	"Q3": SocialOrg, // 村级侨联组织
	"Q9": SocialOrg, // 其他
	// Y 其他
	"Y1": SocialOrg, // 其他
}

// authorityTypes maps USCC position 1 (登记管理部门码) to the subject type of
// categories that categoryTypes does not list.
var authorityTypes = map[byte]Type{
	'1': Government, // 机构编制
	'2': SocialOrg,  // 外交
	'3': SocialOrg,  // 司法行政
	'4': SocialOrg,  // 文化
	'5': SocialOrg,  // 民政
	'6': SocialOrg,  // 旅游
	'7': SocialOrg,  // 宗教
	'8': SocialOrg,  // 工会
	'9': Enterprise, // 工商 / 市场监管
	'A': SocialOrg,  // 中央军委改革和编制办公室
	'G': SocialOrg,  // 公安
	'J': SocialOrg,  // 住房城乡建设
	'N': SocialOrg,  // 农业农村
	'Q': SocialOrg,  // 侨联
	'Y': SocialOrg,  // 其他
}

// TypeFromUSCC returns the subject type implied by positions 1–2 of a USCC,
// looked up in a data table built from the registration-authority/category
// table of DOMAIN.md §1.1.
//
// The mapping, by 登记管理部门码 (position 1) and 机构类别码 (position 2):
//
//	91 企业, 93 农民专业合作社, 9x other      → Enterprise
//	92 个体工商户                              → IndividualBusiness
//	11 机关, 13 群众团体, 19 and 1x other      → Government
//	12 事业单位                                → PublicInstitution
//	2x–8x, Ax, Gx, Jx, Nx, Qx, Yx             → SocialOrg
//
// code should be normalised. TypeFromUSCC returns "" when code has fewer than
// two characters or position 1 is not a registration authority of the table.
func TypeFromUSCC(code string) Type {
	if len(code) < 2 {
		return ""
	}
	if t, ok := categoryTypes[code[:2]]; ok {
		return t
	}
	return authorityTypes[code[0]]
}
