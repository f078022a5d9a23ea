package subject

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"jlcredit/internal/credit"
)

// testToday is the "today" of the citizen-ID tests.
var testToday = credit.MakeDate(2026, time.January, 15)

// makeUSCC appends the organisation-code check (position 17) and the USCC
// check (position 18) to the first 16 characters.
func makeUSCC(tb testing.TB, first16 string) string {
	tb.Helper()
	org, err := OrgCodeCheckChar(first16[8:16])
	if err != nil {
		tb.Fatalf("OrgCodeCheckChar(%q): %v", first16[8:16], err)
	}
	s := first16 + string(org)
	c, err := USCCCheckChar(s)
	if err != nil {
		tb.Fatalf("USCCCheckChar(%q): %v", s, err)
	}
	return s + string(c)
}

// makeCitizenID appends the check character to the first 17 digits.
func makeCitizenID(tb testing.TB, first17 string) string {
	tb.Helper()
	c, err := CitizenIDCheckChar(first17)
	if err != nil {
		tb.Fatalf("CitizenIDCheckChar(%q): %v", first17, err)
	}
	return first17 + string(c)
}

func TestNormalize(t *testing.T) {
	for _, test := range []struct {
		in, want string
	}{
		{"", ""},
		{"91220101MA0Y12340Q", "91220101MA0Y12340Q"},
		{"  91220101ma0y12340q  ", "91220101MA0Y12340Q"},
		{"9122 0101 MA0Y 1234 0Q", "91220101MA0Y12340Q"},
		{"\u3000９１２２０１０１ＭＡ０Ｙ１２３４０Ｑ\u3000", "91220101MA0Y12340Q"},
		{"ｍａ０ｙ", "MA0Y"},
		{"\uFEFF220102198001011234\t\r\n", "220102198001011234"},
		{"11010519491231002x", "11010519491231002X"},
		{"a\u00A0b\u200Bc", "ABC"},
		{"（吉林）", "(吉林)"},
	} {
		if got := Normalize(test.in); got != test.want {
			t.Errorf("Normalize(%q) = %q, want %q", test.in, got, test.want)
		}
	}
}

func TestNormalizeText(t *testing.T) {
	for _, test := range []struct {
		in, want string
	}{
		{"", ""},
		{"   ", ""},
		{"吉林省某某有限公司", "吉林省某某有限公司"},
		{"  吉林省某某（长春）有限公司 ", "吉林省某某(长春)有限公司"},
		{"吉林  某某\u3000\u3000有限公司", "吉林 某某 有限公司"},
		{"ＡＢＣ　ｃｏ．，Ｌｔｄ．", "ABC co.,Ltd."},
		{"Jilin\t\nCo", "Jilin Co"},
		{"\uFEFF长春市\u200B某某", "长春市某某"},
	} {
		if got := NormalizeText(test.in); got != test.want {
			t.Errorf("NormalizeText(%q) = %q, want %q", test.in, got, test.want)
		}
	}
}

// samples are the synthetic Jilin codes of DOMAIN.md §1.1.
var samples = []string{
	"91220101MA0Y12340Q",
	"91220201MA1C2D3EX1",
	"12220000412345670E",
	"52222401MJ1234AB4R",
	"11220800012345671G",
}

func TestUSCCCheckChar(t *testing.T) {
	for _, code := range samples {
		got, err := USCCCheckChar(code[:17])
		if err != nil {
			t.Fatalf("USCCCheckChar(%q): %v", code[:17], err)
		}
		if want := code[17]; got != want {
			t.Errorf("USCCCheckChar(%q) = %c, want %c", code[:17], got, want)
		}
	}
	for _, bad := range []string{"", "9122010", "91220101MA0Y12340QQ", "91220101MA0Y1234I", "91220101ma0y12340"} {
		if _, err := USCCCheckChar(bad); err == nil {
			t.Errorf("USCCCheckChar(%q): no error", bad)
		}
	}
}

func TestOrgCodeCheckChar(t *testing.T) {
	for _, test := range []struct {
		in   string
		want byte
	}{
		{"MA0Y1234", '0'},
		{"MA1C2D3E", 'X'},
		{"41234567", '0'},
		{"MJ1234AB", '4'},
		{"01234567", '1'},
		{"00000000", '0'}, // 11 → '0'
		{"00000006", 'X'}, // 10 → 'X'
		{"D2143569", 'X'},
		{"Z0000000", '5'}, // Z = 35 counts, though a USCC cannot contain it
	} {
		got, err := OrgCodeCheckChar(test.in)
		if err != nil {
			t.Fatalf("OrgCodeCheckChar(%q): %v", test.in, err)
		}
		if got != test.want {
			t.Errorf("OrgCodeCheckChar(%q) = %c, want %c", test.in, got, test.want)
		}
	}
	for _, bad := range []string{"", "1234567", "123456789", "1234567a", "1234-567"} {
		if _, err := OrgCodeCheckChar(bad); err == nil {
			t.Errorf("OrgCodeCheckChar(%q): no error", bad)
		}
	}
}

func TestCheckUSCC(t *testing.T) {
	legacy := func(code string) bool { return code == "91220101MA0Y12341Q" || code == "91220101MA0Y12340A" }
	for _, test := range []struct {
		name     string
		code     string
		wantCode string // "" = valid
		wantMsg  string // substring of the message
	}{
		{"Sample1", samples[0], "", ""},
		{"Sample2", samples[1], "", ""},
		{"Sample3", samples[2], "", ""},
		{"Sample4", samples[3], "", ""},
		{"Sample5", samples[4], "", ""},
		{"OtherProvince", makeUSCC(t, "9111010800000000"), "", ""},
		{"National", makeUSCC(t, "5110000050000000"), "", ""},
		{"HistoricJiutai", makeUSCC(t, "9122018100000000"), "", ""},
		{"HistoricGongzhuling", makeUSCC(t, "91220381MA000000"), "", ""},
		{"DevelopmentZone", makeUSCC(t, "91220173MA000000"), "", ""},
		{"Prefecture", makeUSCC(t, "11222400MB000000"), "", ""},
		{"Empty", "", ProblemUSCCLength, "统一社会信用代码应为18位，实际为0位"},
		{"Short", "91220101MA0Y1234", ProblemUSCCLength, "实际为16位"},
		{"Long", "91220101MA0Y12340QX", ProblemUSCCLength, "实际为19位"},
		{"FullWidthCounted", "９1220101MA0Y1234", ProblemUSCCLength, "实际为16位"},
		{"LetterI", "91220101MI0Y12340Q", ProblemUSCCCharset, "统一社会信用代码第10位“I”不是合法字符（不得使用I、O、S、V、Z）"},
		{"LetterO", "O1220101MA0Y12340Q", ProblemUSCCCharset, "第1位“O”"},
		{"LetterZ", "91220101MA0Y1234ZQ", ProblemUSCCCharset, "第17位“Z”"},
		{"Lowercase", "91220101ma0y12340q", ProblemUSCCCharset, "第9位“m”"},
		{"NonASCII", "9122010１MA0Y12340Q", ProblemUSCCCharset, "第8位“１”"},
		{"Control", "91220101MA0Y1234\t0", ProblemUSCCCharset, "第17位“U+0009”"},
		{"RegionLetter", "91A20101MA0Y12340Q", ProblemUSCCRegion, "统一社会信用代码第3–8位“A20101”不是有效的行政区划代码"},
		{"RegionUnknownJilin", makeUSCC(t, "91229999MA000000"), ProblemUSCCRegion, "“229999”"},
		{"RegionPseudo", makeUSCC(t, "91229900MA000000"), ProblemUSCCRegion, "“229900”"},
		{"RegionBadProvince", makeUSCC(t, "91990108MA000000"), ProblemUSCCRegion, "“990108”"},
		{"RegionZero", makeUSCC(t, "91000000MA000000"), ProblemUSCCRegion, "“000000”"},
		{"CheckWrong", "91220101MA0Y12340X", ProblemUSCCCheck, "统一社会信用代码校验位（第18位）应为“Q”，实际为“X”"},
		{"Typo", "91220101MA0Y12350Q", ProblemUSCCCheck, "应为“"},
		{"OrgCheckWrong", "91220101MA0Y12341" + string(mustUSCCCheck(t, "91220101MA0Y12341")), ProblemUSCCOrgCheck, "统一社会信用代码第17位（组织机构代码校验码）应为“0”，实际为“1”"},
		{"LegacyCheck", "91220101MA0Y12340A", "", ""},
		{"LegacyOrgCheck", "91220101MA0Y12341Q", "", ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			p := CheckUSCC(test.code, legacy)
			if test.wantCode == "" {
				if p != nil {
					t.Fatalf("CheckUSCC(%q) = %+v, want nil", test.code, p)
				}
				return
			}
			if p == nil {
				t.Fatalf("CheckUSCC(%q) = nil, want %s", test.code, test.wantCode)
			}
			if p.Code != test.wantCode {
				t.Errorf("CheckUSCC(%q).Code = %q, want %q (message %q)", test.code, p.Code, test.wantCode, p.Message)
			}
			if !strings.Contains(p.Message, test.wantMsg) {
				t.Errorf("CheckUSCC(%q).Message = %q, want it to contain %q", test.code, p.Message, test.wantMsg)
			}
		})
	}
}

// mustUSCCCheck returns USCCCheckChar(first17) or fails the test.
func mustUSCCCheck(tb testing.TB, first17 string) byte {
	tb.Helper()
	c, err := USCCCheckChar(first17)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestCheckUSCCNoWhitelist(t *testing.T) {
	// Without a whitelist, the codes that LegacyCheck/LegacyOrgCheck accept fail.
	for _, test := range []struct{ code, want string }{
		{"91220101MA0Y12340A", ProblemUSCCCheck},
		{"91220101MA0Y12341" + string(mustUSCCCheck(t, "91220101MA0Y12341")), ProblemUSCCOrgCheck},
	} {
		p := CheckUSCC(test.code, nil)
		if p == nil || p.Code != test.want {
			t.Errorf("CheckUSCC(%q, nil) = %+v, want %s", test.code, p, test.want)
		}
		p = CheckUSCC(test.code, func(string) bool { return false })
		if p == nil || p.Code != test.want {
			t.Errorf("CheckUSCC(%q, never) = %+v, want %s", test.code, p, test.want)
		}
	}
	// The whitelist does not excuse a bad region.
	code := makeUSCC(t, "91229999MA000000")
	if p := CheckUSCC(code, func(string) bool { return true }); p == nil || p.Code != ProblemUSCCRegion {
		t.Errorf("CheckUSCC(%q, always) = %+v, want %s", code, p, ProblemUSCCRegion)
	}
}

// TestCheckUSCCNamesExpected checks that every wrong 18th character is
// reported with the expected one.
func TestCheckUSCCNamesExpected(t *testing.T) {
	for _, code := range samples {
		for i := 0; i < len(USCCCharset); i++ {
			c := USCCCharset[i]
			if c == code[17] {
				continue
			}
			bad := code[:17] + string(c)
			p := CheckUSCC(bad, nil)
			want := "应为“" + code[17:] + "”，实际为“" + string(c) + "”"
			if p == nil || p.Code != ProblemUSCCCheck || !strings.Contains(p.Message, want) {
				t.Fatalf("CheckUSCC(%q) = %+v, want %s naming %q", bad, p, ProblemUSCCCheck, want)
			}
		}
	}
}

func TestCitizenIDCheckChar(t *testing.T) {
	for _, test := range []struct {
		in   string
		want byte
	}{
		{"11010519491231002", 'X'},
		{"22010219800101123", '4'},
	} {
		got, err := CitizenIDCheckChar(test.in)
		if err != nil {
			t.Fatalf("CitizenIDCheckChar(%q): %v", test.in, err)
		}
		if got != test.want {
			t.Errorf("CitizenIDCheckChar(%q) = %c, want %c", test.in, got, test.want)
		}
	}
	for _, bad := range []string{"", "1101051949123100", "110105194912310021", "1101051949123100X"} {
		if _, err := CitizenIDCheckChar(bad); err == nil {
			t.Errorf("CitizenIDCheckChar(%q): no error", bad)
		}
	}
}

func TestCheckCitizenID(t *testing.T) {
	for _, test := range []struct {
		name     string
		id       string
		today    credit.Date
		wantCode string
		wantMsg  string
	}{
		{"Standard", "11010519491231002X", testToday, "", ""},
		{"Jilin", "220102198001011234", testToday, "", ""},
		{"LeapDay", makeCitizenID(t, "22010220000229123"), testToday, "", ""},
		{"BornToday", makeCitizenID(t, "22010220260115123"), testToday, "", ""},
		{"Born1900", makeCitizenID(t, "22010219000101123"), testToday, "", ""},
		{"ZeroToday", makeCitizenID(t, "22010220990101123"), credit.Date{}, "", ""},
		{"Length15", "220102800101123", testToday, ProblemIDLength, "公民身份号码应为18位，实际为15位"},
		{"Empty", "", testToday, ProblemIDLength, "实际为0位"},
		{"Lowercase", "11010519491231002x", testToday, ProblemIDCharset, "公民身份号码第18位“x”不是合法字符"},
		{"XInside", "1101051949123100X2", testToday, ProblemIDCharset, "第17位“X”"},
		{"Letter", "22010A198001011234", testToday, ProblemIDCharset, "第6位“A”"},
		{"FullWidth", "２20102198001011234", testToday, ProblemIDCharset, "第1位“２”"},
		{"Province", makeCitizenID(t, "99010219800101123"), testToday, ProblemIDRegion, "前2位“99”"},
		{"Province10", makeCitizenID(t, "10010219800101123"), testToday, ProblemIDRegion, "前2位“10”"},
		{"Feb31", makeCitizenID(t, "22010219800231123"), testToday, ProblemIDBirth, "公民身份号码中的出生日期“19800231”无效"},
		{"Month13", makeCitizenID(t, "22010219801301123"), testToday, ProblemIDBirth, "“19801301”"},
		{"Day00", makeCitizenID(t, "22010219800100123"), testToday, ProblemIDBirth, "“19800100”"},
		{"NotLeap", makeCitizenID(t, "22010219000229123"), testToday, ProblemIDBirth, "“19000229”"},
		{"Before1900", makeCitizenID(t, "22010218991231123"), testToday, ProblemIDBirth, "早于1900年"},
		{"Tomorrow", makeCitizenID(t, "22010220260116123"), testToday, ProblemIDBirth, "晚于当前日期"},
		{"CheckWrong", "110105194912310021", testToday, ProblemIDCheck, "公民身份号码校验位应为“X”，实际为“1”"},
		{"CheckWrongDigit", "220102198001011235", testToday, ProblemIDCheck, "应为“4”，实际为“5”"},
	} {
		t.Run(test.name, func(t *testing.T) {
			p := CheckCitizenID(test.id, test.today)
			if test.wantCode == "" {
				if p != nil {
					t.Fatalf("CheckCitizenID(%q) = %+v, want nil", test.id, p)
				}
				return
			}
			if p == nil {
				t.Fatalf("CheckCitizenID(%q) = nil, want %s", test.id, test.wantCode)
			}
			if p.Code != test.wantCode {
				t.Errorf("CheckCitizenID(%q).Code = %q, want %q (message %q)", test.id, p.Code, test.wantCode, p.Message)
			}
			if !strings.Contains(p.Message, test.wantMsg) {
				t.Errorf("CheckCitizenID(%q).Message = %q, want it to contain %q", test.id, p.Message, test.wantMsg)
			}
		})
	}
}

func TestCitizenIDBirthDate(t *testing.T) {
	for _, test := range []struct {
		id     string
		want   credit.Date
		wantOK bool
	}{
		{"11010519491231002X", credit.MakeDate(1949, time.December, 31), true},
		{"220102198001011234", credit.MakeDate(1980, time.January, 1), true},
		{"220102198002311234", credit.Date{}, false},
		{"2201021980010112", credit.Date{}, false},
		{"220102ABCD01011234", credit.Date{}, false},
	} {
		got, ok := CitizenIDBirthDate(test.id)
		if ok != test.wantOK || !got.Equal(test.want) {
			t.Errorf("CitizenIDBirthDate(%q) = %v, %v, want %v, %v", test.id, got, ok, test.want, test.wantOK)
		}
	}
}

func TestMaskCitizenID(t *testing.T) {
	for _, test := range []struct{ in, want string }{
		{"220102198001011234", "220102********1234"},
		{"11010519491231002X", "110105********002X"},
		{"220102800101123", "220102*****1123"},
		{"1234567890", "**********"},
		{"", ""},
	} {
		if got := MaskCitizenID(test.in); got != test.want {
			t.Errorf("MaskCitizenID(%q) = %q, want %q", test.in, got, test.want)
		}
	}
}

func TestTypeFromUSCC(t *testing.T) {
	for _, test := range []struct {
		code string
		want Type
	}{
		{"91220101MA0Y12340Q", Enterprise},
		{"92220101MA0Y12340Q", IndividualBusiness},
		{"93220101MA0Y12340Q", Enterprise},
		{"99220101MA0Y12340Q", Enterprise},
		{"9A220101MA0Y12340Q", Enterprise}, // unknown 9x category
		{"11220800012345671G", Government},
		{"12220000412345670E", PublicInstitution},
		{"13220000412345670E", Government},
		{"19220000412345670E", Government},
		{"1A220000412345670E", Government},
		{"21220000412345670E", SocialOrg},
		{"31220000412345670E", SocialOrg},
		{"51220000412345670E", SocialOrg},
		{"52222401MJ1234AB4R", SocialOrg},
		{"53220000412345670E", SocialOrg},
		{"54220000412345670E", SocialOrg},
		{"71220000412345670E", SocialOrg},
		{"81220000412345670E", SocialOrg},
		{"A1220000412345670E", SocialOrg},
		{"G1220000412345670E", SocialOrg},
		{"J1220000412345670E", SocialOrg},
		{"N2220000412345670E", SocialOrg},
		{"Q1220000412345670E", SocialOrg},
		{"Y1220000412345670E", SocialOrg},
		{"B1220000412345670E", ""},
		{"0", ""},
		{"", ""},
	} {
		if got := TypeFromUSCC(test.code); got != test.want {
			t.Errorf("TypeFromUSCC(%q) = %q, want %q", test.code, got, test.want)
		}
	}
	for _, code := range samples {
		if got := TypeFromUSCC(code); !got.Valid() {
			t.Errorf("TypeFromUSCC(%q) = %q, not a valid type", code, got)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", " 9122 0101 ma0y12340q ", "\u3000ＡＢＣ\u3000（吉林）", "\xff\xfe", "a\u00A0b\u200Bc", "ǅ"} {
		f.Add(s)
	}
	for _, s := range []string{"北辰 科技", "A B", "A  B", "abc", "ABC-1", "ＡＢ", "a\tb", "\uFFFD", "长\x00春", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		// The fast paths (already normalised input) agree with the full
		// conversion.
		if slow := normalize(s); n != slow {
			t.Fatalf("Normalize(%q) = %q, full conversion %q", s, n, slow)
		}
		if txt, ref := NormalizeText(s), normalizeTextRef(s); txt != ref {
			t.Fatalf("NormalizeText(%q) = %q, rune by rune %q", s, txt, ref)
		}
		if again := Normalize(n); again != n {
			t.Fatalf("Normalize not idempotent: %q → %q → %q", s, n, again)
		}
		for _, r := range n {
			if r == ' ' || r == '\u3000' || (r >= 'a' && r <= 'z') || (r >= 0xFF01 && r <= 0xFF5E) {
				t.Fatalf("Normalize(%q) = %q contains %q", s, n, r)
			}
		}
		txt := NormalizeText(s)
		if again := NormalizeText(txt); again != txt {
			t.Fatalf("NormalizeText not idempotent: %q → %q → %q", s, txt, again)
		}
		if strings.HasPrefix(txt, " ") || strings.HasSuffix(txt, " ") || strings.Contains(txt, "  ") {
			t.Fatalf("NormalizeText(%q) = %q has untrimmed or doubled spaces", s, txt)
		}
		// TidyText keeps widths but is otherwise NormalizeText: normalising
		// its result gives the same, it is idempotent, and it changes
		// nothing NormalizeText leaves alone.
		tidy := TidyText(s)
		if NormalizeText(tidy) != txt {
			t.Fatalf("NormalizeText(TidyText(%q)) = %q, want %q", s, NormalizeText(tidy), txt)
		}
		if again := TidyText(tidy); again != tidy {
			t.Fatalf("TidyText not idempotent: %q → %q → %q", s, tidy, again)
		}
		if txt == s && tidy != s {
			t.Fatalf("TidyText(%q) = %q changes a normal value", s, tidy)
		}
		if n2, t2 := NormalizeAndTidy(s); n2 != txt || t2 != tidy {
			t.Fatalf("NormalizeAndTidy(%q) = %q, %q; want %q, %q", s, n2, t2, txt, tidy)
		}
	})
}

func TestTidyText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{" 经查，当事人（分公司）：罚款；警告 ", "经查，当事人（分公司）：罚款；警告"},
		{"白山公（治）行罚决字\u200B〔2026〕1号", "白山公（治）行罚决字〔2026〕1号"},
		{"ＡＢＣ\u3000\u3000公司", "ＡＢＣ 公司"},
		{"plain text", "plain text"},
		{"长春\x00市", "长春市"}, // NUL: no text holds one, and PostgreSQL refuses it
	} {
		if got := TidyText(tc.in); got != tc.want {
			t.Errorf("TidyText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// fuzzRegions are region codes the fuzz targets build valid codes from.
var fuzzRegions = []string{"220101", "220102", "220181", "220381", "222426", "220000", "220800", "110108", "100000", "650102", "820000"}

func FuzzCheckUSCC(f *testing.F) {
	for _, s := range append(slicesOf(samples), "", "91220101MA0Y1234", "O1220101MA0Y12340Q", "９1220101MA0Y12340Q", "\x00\xff") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = CheckUSCC(s, nil)
		_ = CheckUSCC(Normalize(s), func(string) bool { return true })
		_ = TypeFromUSCC(s)

		// Build a code from the input bytes; with both check characters
		// appended it must be valid.
		b := []byte(s)
		at := func(i int) byte {
			if i < len(b) {
				return b[i]
			}
			return byte(i * 7)
		}
		var first16 strings.Builder
		first16.WriteByte(USCCCharset[int(at(0))%len(USCCCharset)])
		first16.WriteByte(USCCCharset[int(at(1))%len(USCCCharset)])
		first16.WriteString(fuzzRegions[int(at(2))%len(fuzzRegions)])
		for i := 8; i < 16; i++ {
			first16.WriteByte(USCCCharset[int(at(i))%len(USCCCharset)])
		}
		code := makeUSCC(t, first16.String())
		if p := CheckUSCC(code, nil); p != nil {
			t.Fatalf("CheckUSCC(%q) = %+v, want nil", code, p)
		}
		// Any other 18th character is reported, naming the expected one.
		wrong := USCCCharset[(strings.IndexByte(USCCCharset, code[17])+1+int(at(3))%30)%len(USCCCharset)]
		bad := code[:17] + string(wrong)
		if p := CheckUSCC(bad, nil); p == nil || p.Code != ProblemUSCCCheck || !strings.Contains(p.Message, "应为“"+code[17:]+"”") {
			t.Fatalf("CheckUSCC(%q) = %+v, want %s naming %q", bad, p, ProblemUSCCCheck, code[17:])
		}
	})
}

// slicesOf copies ss so that appending to it leaves ss alone.
func slicesOf(ss []string) []string { return append([]string(nil), ss...) }

func FuzzCheckCitizenID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "220102198001011234", "", "22010219800231123X", "\xff"} {
		f.Add(s)
	}
	provinces := []string{"11", "22", "23", "37", "65", "82"}
	f.Fuzz(func(t *testing.T, s string) {
		_ = CheckCitizenID(s, testToday)
		_ = CheckCitizenID(Normalize(s), credit.Date{})
		_, _ = CitizenIDBirthDate(s)
		_ = MaskCitizenID(s)

		b := []byte(s)
		at := func(i int) int {
			if i < len(b) {
				return int(b[i])
			}
			return i * 13
		}
		var first17 strings.Builder
		first17.WriteString(provinces[at(0)%len(provinces)])
		for i := 1; i <= 4; i++ {
			first17.WriteByte(byte('0' + at(i)%10))
		}
		// A birth date between 1900-01-01 and testToday.
		span := int(testToday.Sub(minBirthDate).Hours() / 24)
		birth := minBirthDate.AddDate(0, 0, (at(5)<<16|at(6)<<8|at(7))%(span+1))
		first17.WriteString(birth.Format("20060102"))
		for i := 8; i <= 10; i++ {
			first17.WriteByte(byte('0' + at(i)%10))
		}
		id := makeCitizenID(t, first17.String())
		if p := CheckCitizenID(id, testToday); p != nil {
			t.Fatalf("CheckCitizenID(%q) = %+v, want nil", id, p)
		}
		if got, ok := CitizenIDBirthDate(id); !ok || !got.Equal(birth) {
			t.Fatalf("CitizenIDBirthDate(%q) = %v, %v, want %v", id, got, ok, birth)
		}
		if m := MaskCitizenID(id); m[:6] != id[:6] || m[14:] != id[14:] || m[6:14] != "********" {
			t.Fatalf("MaskCitizenID(%q) = %q", id, m)
		}
	})
}

// normalizeTextRef is NormalizeText written rune by rune, the obvious way:
// the reference the one-pass version is fuzzed against.
func normalizeTextRef(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		r = halfWidth(r)
		if isInvisible(r) {
			continue
		}
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// BenchmarkNormalizeText normalises the values of a typical penalty row:
// names, a 文书号, codes, dates, amounts and a long reason.
func BenchmarkNormalizeText(b *testing.B) {
	values := []string{"长春市北辰建筑工程有限公司", "吉长市监罚〔2026〕1234号", "91220101MA0Y12340Q", "2026-03-02", "12.500000",
		"违反《中华人民共和国食品安全法》第三十四条第（十）项的规定，经营超过保质期的食品", "罚款;警告", "吉林省长春市朝阳区市场监督管理局", "王建国"}
	n := 0
	for _, v := range values {
		n += len(v)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, v := range values {
			_ = NormalizeText(v)
		}
	}
}

// TestPlainWide checks the byte test of plainWide against decoding, for
// every lead byte and pair of following bytes.
func TestPlainWide(t *testing.T) {
	want := func(s string) bool {
		r, size := utf8.DecodeRuneInString(s)
		return size == 3 && r > 0x3000 && r < 0xFEFF
	}
	b := make([]byte, 4)
	for c0 := 0xC0; c0 <= 0xFF; c0++ {
		for c1 := 0; c1 <= 0xFF; c1++ {
			for c2 := 0; c2 <= 0xFF; c2++ {
				b[0], b[1], b[2], b[3] = byte(c0), byte(c1), byte(c2), 'x'
				if got, w := plainWide(string(b)), want(string(b[:3])); got != w {
					t.Fatalf("plainWide(% x) = %v, want %v", b[:3], got, w)
				}
			}
		}
	}
}

func TestNameKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"长岭县 第一人民医院", "长岭县第一人民医院"},
		{"长岭县第一人民医院", "长岭县第一人民医院"},
		{"长春 ABC 科技有限公司", "长春ABC科技有限公司"},
		{"长春abc电子有限公司", "长春ABC电子有限公司"},
		{"长春ａｂｃ电子有限公司", "长春ABC电子有限公司"}, // full-width, made half-width first
		{"ABC Trading (Changchun) Co", "ABCTRADING(CHANGCHUN)CO"},
		{"吉林 省 长春 市", "吉林省长春市"},
		{"Åbo ß 公司", "ÅBOß公司"}, // only ASCII letters: as SQLite's upper() and the PostgreSQL expression fold
		{"", ""},
	} {
		if got := NameKey(NormalizeText(tc.in)); got != tc.want {
			t.Errorf("NameKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := NameKey(NameKey(NormalizeText(tc.in))); got != tc.want {
			t.Errorf("NameKey is not idempotent on %q: %q", tc.in, got)
		}
	}
}
