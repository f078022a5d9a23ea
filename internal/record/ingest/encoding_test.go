package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"

	"jlcredit/internal/credit"
)

// encHeader is the header of the files in TestCSVEncoding.
const encHeader = "行政相对人名称,统一社会信用代码,处罚决定日期\n"

// encName is the name in row num of the files in TestCSVEncoding.
func encName(num int) string { return fmt.Sprintf("长春测试税务法人%d号", num) }

// encRows writes data rows 2..n+1 after header. In row bad, bad is put
// inside the name, after its second character.
func encRows(header string, n, bad int, stray string) string {
	var b strings.Builder
	b.WriteString(header)
	for num := 2; num < n+2; num++ {
		name := encName(num)
		if num == bad {
			i := len(string([]rune(name)[:2]))
			name = name[:i] + stray + name[i:]
		}
		fmt.Fprintf(&b, "%s,91220101MA%08dX,2024-01-31\n", name, num)
	}
	return b.String()
}

// encWant is the rows encRows wrote, row bad holding U+FFFD and a
// bad_encoding problem.
func encWant(n, bad int) []Row {
	var rows []Row
	for num := 2; num < n+2; num++ {
		name := encName(num)
		row := Row{Num: num}
		if num == bad {
			i := len(string([]rune(name)[:2]))
			name = name[:i] + "\uFFFD" + name[i:]
			row.Problems = []credit.Problem{{
				Row: num, FieldName: "行政相对人名称", Code: "bad_encoding",
				Message: fmt.Sprintf("第%d行第1列（行政相对人名称）含有无法识别的字符，请检查文件编码", num),
			}}
		}
		row.Values = vals("行政相对人名称", name, "统一社会信用代码", fmt.Sprintf("91220101MA%08dX", num), "处罚决定日期", "2024-01-31")
		rows = append(rows, row)
	}
	return rows
}

func encode(t testing.TB, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A UTF-8 file with a stray byte stays UTF-8: only the row holding the
// byte is refused. GBK and GB18030 files, short or long, and even when
// some of their bytes are valid UTF-8 by chance, are read as GB18030.
func TestCSVEncoding(t *testing.T) {
	cnHeaders := []string{"行政相对人名称", "统一社会信用代码", "处罚决定日期"}
	gbkRows := func(n int) []Row { return encWant(n, 0) }
	for _, test := range []struct {
		name    string
		data    []byte
		headers []string
		rows    []Row
	}{
		{
			name:    "UTF8StrayByteManyRows",
			data:    []byte(encRows(encHeader, 50, 12, "\xE9")),
			headers: cnHeaders, rows: encWant(50, 12),
		},
		{
			name:    "UTF8StrayByteFirstOfTwoRows",
			data:    []byte(encRows(encHeader, 2, 2, "\xE9")),
			headers: cnHeaders, rows: encWant(2, 2),
		},
		{
			name:    "UTF8StrayByteASCIIHeader",
			data:    []byte(encRows("a,b,c\n", 2, 2, "\xE9")),
			headers: []string{"a", "b", "c"},
			rows: func() []Row {
				rows := encWant(2, 2)
				for i := range rows {
					rows[i].Values = map[string]string{
						"a": rows[i].Values["行政相对人名称"],
						"b": rows[i].Values["统一社会信用代码"],
						"c": rows[i].Values["处罚决定日期"],
					}
					for j := range rows[i].Problems {
						rows[i].Problems[j].FieldName = "a"
						rows[i].Problems[j].Message = strings.Replace(rows[i].Problems[j].Message, "行政相对人名称", "a", 1)
					}
				}
				return rows
			}(),
		},
		{
			// E9 E9 BF: a lead byte, then a lead with one continuation.
			name:    "UTF8CorruptedRune",
			data:    []byte(encRows(encHeader, 20, 7, "\xE9\xE9\xBF")),
			headers: cnHeaders, rows: encWant(20, 7),
		},
		{
			// The stray byte is in the sample, the file is longer.
			name:    "UTF8StrayByteLongFile",
			data:    []byte(encRows(encHeader, 3000, 40, "\xE9")),
			headers: cnHeaders, rows: encWant(3000, 40),
		},
		{
			name:    "UTF8BOMStrayByte",
			data:    append([]byte("\xEF\xBB\xBF"), encRows(encHeader, 2, 2, "\xE9")...),
			headers: cnHeaders, rows: encWant(2, 2),
		},
		{
			// A byte order mark decides, however the rest looks.
			name:    "UTF8BOMThenGBK",
			data:    append([]byte("\xEF\xBB\xBF"), encode(t, simplifiedchinese.GBK, "a\n吉林\n")...),
			headers: []string{"a"},
			rows: []Row{{Num: 2, Values: vals("a", "\uFFFD"), Problems: []credit.Problem{{
				Row: 2, FieldName: "a", Code: "bad_encoding", Message: "第2行第1列（a）含有无法识别的字符，请检查文件编码",
			}}}},
		},
		{
			name:    "GBKTwoCharacters",
			data:    encode(t, simplifiedchinese.GBK, "name,code\n吉林,1\n"),
			headers: []string{"name", "code"},
			rows:    []Row{{Num: 2, Values: vals("name", "吉林", "code", "1")}},
		},
		{
			name:    "GBKOneCharacter",
			data:    encode(t, simplifiedchinese.GBK, "name\n吉\n"),
			headers: []string{"name"},
			rows:    []Row{{Num: 2, Values: vals("name", "吉")}},
		},
		{
			name:    "GBKManyRows",
			data:    encode(t, simplifiedchinese.GBK, encRows(encHeader, 3000, 0, "")),
			headers: cnHeaders, rows: gbkRows(3000),
		},
		{
			name:    "GB18030FourByte",
			data:    encode(t, simplifiedchinese.GB18030, "名称\n㐀䶮𠀀\n"),
			headers: []string{"名称"},
			rows:    []Row{{Num: 2, Values: vals("名称", "㐀䶮𠀀")}},
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			headers, rows, err := readAll(t, test.data, "data.csv", "", Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(test.headers, headers); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(test.rows, rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

// GBK text whose bytes hold valid UTF-8 sequences by chance is still
// GBK.
func TestCSVGBKLooksPartlyUTF8(t *testing.T) {
	for _, test := range []struct {
		name, text string
	}{
		// 统一 is CD B3 D2 BB and 食品 CA B3 C6 B7: each a valid 2-byte
		// UTF-8 sequence.
		{"TwoByte", "名称,类别\n吉林统一公司,食品\n长春某某公司,食品药品\n"},
		{"TwoByteASCIIHeader", "name,type\n统一吉林,食品\n"},
		// 岐 is E1 AA and 春 B4 BA: E1 AA B4 is a valid 3-byte sequence.
		{"ThreeByte", "name\n王岐春\n"},
		{"ThreeByteRepeated", "name,code\n" + strings.Repeat("王岐春,1\n", 100)},
	} {
		t.Run(test.name, func(t *testing.T) {
			data := encode(t, simplifiedchinese.GBK, test.text)
			if !hasValidMultiByte(data) {
				t.Fatalf("test data % X hold no valid UTF-8 multi-byte sequence", data)
			}
			got := decodeAll(t, data)
			if got != test.text {
				t.Errorf("read %q, want %q", got, test.text)
			}
		})
	}
}

func hasValidMultiByte(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if n > 1 && r != utf8.RuneError {
			return true
		}
		b = b[n:]
	}
	return false
}

// decodeAll reads data through decodeText.
func decodeAll(t testing.TB, data []byte) string {
	t.Helper()
	out, err := io.ReadAll(decodeText(bufio.NewReaderSize(bytes.NewReader(data), 64<<10)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestLooksUTF8(t *testing.T) {
	gbk := func(s string) []byte { return encode(t, simplifiedchinese.GBK, s) }
	cn := "行政相对人名称长春测试税务法人"
	for _, test := range []struct {
		name   string
		sample []byte
		atEOF  bool
		want   bool
	}{
		{"Valid", []byte(cn), true, true},
		{"CutInsideRune", []byte(cn)[:len(cn)-1], false, true},
		{"CutInsideRuneAtEOF", []byte(cn)[:len(cn)-1], true, true}, // 14 runes to one bad one
		{"ShortCutInsideRune", []byte("名")[:2], false, true},
		{"ShortCutInsideRuneAtEOF", []byte("名")[:2], true, false},
		{"StrayByte", []byte("长春\xE9" + cn), true, true},
		{"TwoStrayBytes", []byte("长\xE9春\xFF" + cn), true, true},
		// Half the runes broken, and GB18030 reads every byte: too
		// little to call it UTF-8.
		{"StrayBytesEverywhere", []byte("长\xE9春\xE9测\xE9试\xE9"), true, false},
		{"GBK", gbk(cn), true, false},
		{"GBKCutInsideCharacter", gbk(cn)[:len(gbk(cn))-1], false, false},
		{"GBKOneCharacter", gbk("吉"), true, false},
		{"GBKTwoByteUTF8", gbk("统一吉林"), true, false},
		{"GBKThreeByteUTF8", gbk("王岐春"), true, false},
		{"GB18030", encode(t, simplifiedchinese.GB18030, "㐀䶮𠀀吉林"), true, false},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := looksUTF8(test.sample, test.atEOF); got != test.want {
				long, bad := utf8Counts(test.sample, test.atEOF)
				t.Errorf("looksUTF8(% X, %v) = %v, want %v (UTF-8: %d long, %d bad; GB18030: %d bad)",
					test.sample, test.atEOF, got, test.want, long, bad, gb18030Errors(test.sample, test.atEOF))
			}
		})
	}
}

// Random GBK text that is not valid UTF-8 by chance is GB18030; random
// UTF-8 text with one stray byte is UTF-8 once it has 17 Chinese
// characters. (One stray byte leaves at most two runs of invalid bytes,
// with a valid 2-byte sequence between them, and breaks one character.)
func TestLooksUTF8Random(t *testing.T) {
	var han []rune // GB2312 hanzi
	dec := simplifiedchinese.GBK.NewDecoder()
	for c0 := 0xB0; c0 <= 0xF7; c0++ {
		for c1 := 0xA1; c1 <= 0xFE; c1++ {
			b, _ := dec.Bytes([]byte{byte(c0), byte(c1)})
			if r, _ := utf8.DecodeRune(b); r != utf8.RuneError {
				han = append(han, r)
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	text := func(k int) string {
		var b strings.Builder
		for range k {
			b.WriteRune(han[rng.IntN(len(han))])
			b.WriteString([]string{"", "", "", ",", "12,", "\n"}[rng.IntN(6)])
		}
		return b.String()
	}
	for range 3000 {
		k := 1 + rng.IntN(300)
		s := text(k)
		if g := encode(t, simplifiedchinese.GBK, s); !utf8.Valid(g) && looksUTF8(g, true) {
			t.Errorf("GBK %q looks like UTF-8", s)
		}
		u := []byte(s)
		i := rng.IntN(len(u) + 1)
		u = append(u[:i:i], append([]byte{byte(0x80 + rng.IntN(0x80))}, u[i:]...)...)
		if k >= 17 && !looksUTF8(u, true) {
			t.Errorf("UTF-8 %q does not look like UTF-8", u)
		}
	}
}

func TestUTF8Counts(t *testing.T) {
	for _, test := range []struct {
		in        string
		atEOF     bool
		long, bad int
	}{
		{"", true, 0, 0},
		{"abc", true, 0, 0},
		{"名称·", true, 2, 0},
		{"\U00020000", true, 1, 0},
		{"\uFFFD", true, 1, 0},
		{"名\xE9称", true, 2, 1},
		{"\xE9\xBF", false, 0, 0},     // cut by the end of the sample
		{"\xE9\xBF", true, 0, 1},      // one run
		{"\xE9\xBFa", false, 0, 1},    // not cut: a is no continuation
		{"\xF0\x90\x80", false, 0, 0}, // cut
		{"\xF0\x90\x80a", true, 0, 1}, // one run
		{"\xF0\x80\x80", true, 0, 1},  // F0 80 is overlong: three bad bytes, one run
		{"\xED\xA0\x80", true, 0, 1},  // a surrogate
		{"\xC0\xAF\xFF\xFE", true, 0, 1},
		{"\xC0a\xAF名\xFF", true, 1, 3},
		{"名\xE5\xFF\x90\x8D", true, 1, 1}, // FF inside 名 leaves four bad bytes
		{"\x80名", false, 1, 1},
	} {
		long, bad := utf8Counts([]byte(test.in), test.atEOF)
		if long != test.long || bad != test.bad {
			t.Errorf("utf8Counts(%q, %v) = %d, %d, want %d, %d", test.in, test.atEOF, long, bad, test.long, test.bad)
		}
	}
}

func TestGB18030Errors(t *testing.T) {
	gb := string(encode(t, simplifiedchinese.GB18030, "吉林㐀"))
	for _, test := range []struct {
		in    string
		atEOF bool
		want  int
	}{
		{"", true, 0},
		{gb, true, 0},
		{gb[:len(gb)-1], false, 0}, // cut inside a 4-byte character
		{gb[:len(gb)-1], true, 2},  // 81, then 39 is ASCII, then EE
		{gb[:1], false, 0},
		{gb[:1], true, 1},
		{"\x80", true, 0}, // the euro sign in code page 936
		{"\xFF", true, 1},
		{"\xB0,", true, 1},
	} {
		if got := gb18030Errors([]byte(test.in), test.atEOF); got != test.want {
			t.Errorf("gb18030Errors(% X, %v) = %d, want %d", test.in, test.atEOF, got, test.want)
		}
	}
}

// FuzzLooksUTF8 checks that the sniff never panics, that cutting a sample
// never finds more errors than reading it whole, that valid UTF-8 is
// UTF-8, and that decodeText reads any input to its end.
func FuzzLooksUTF8(f *testing.F) {
	for _, s := range []string{
		"", "a", "名称", "名\xE9称", "\xE9\xBF", "\xF0\x90\x80a", "\x80\xFF",
		encRows(encHeader, 3, 2, "\xE9"),
		string(encode(f, simplifiedchinese.GB18030, "名称,代码\n吉林,1\n㐀\n")),
	} {
		f.Add([]byte(s), uint16(len(s)/2))
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		long, bad := utf8Counts(data, true)
		gbBad := gb18030Errors(data, true)
		if utf8.Valid(data) && (bad != 0 || !looksUTF8(data, true)) {
			t.Fatalf("valid UTF-8 %q: %d bad, looksUTF8 = %v", data, bad, looksUTF8(data, true))
		}
		k := int(cut) % (len(data) + 1)
		pl, pb := utf8Counts(data[:k], false)
		if pl > long || pb > bad {
			t.Fatalf("utf8Counts(%q) = %d, %d but its first %d bytes give %d, %d", data, long, bad, k, pl, pb)
		}
		if g := gb18030Errors(data[:k], false); g > gbBad {
			t.Fatalf("gb18030Errors(%q) = %d but its first %d bytes give %d", data, gbBad, k, g)
		}
		if utf8.Valid(data[:k]) && !looksUTF8(data[:k], false) {
			t.Fatalf("looksUTF8(%q, false) = false", data[:k])
		}

		out := decodeAll(t, data)
		if !bytes.HasPrefix(data, []byte{0xFF, 0xFE}) && !bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
			if want := string(bytes.TrimPrefix(data, utf8BOM)); utf8.Valid(data) && out != want {
				t.Fatalf("valid UTF-8 %q read as %q", data, out)
			}
			if out != string(bytes.TrimPrefix(data, utf8BOM)) && !utf8.ValidString(out) {
				t.Fatalf("%q decoded as GB18030 to invalid UTF-8 %q", data, out)
			}
		}
	})
}
