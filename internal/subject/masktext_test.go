package subject

import (
	"testing"
	"unicode/utf8"
)

func TestMaskIDsInText(t *testing.T) {
	id := "220102197001011117" // valid: check character 7
	for _, test := range []struct{ in, want string }{
		{"当事人刘大（身份证号" + id + "）无证经营", "当事人刘大（身份证号220102********1117）无证经营"},
		{id, "220102********1117"},
		{"身份证号：" + id + "。", "身份证号：220102********1117。"},
		{"两人：" + id + "、" + id, "两人：220102********1117、220102********1117"},
		{"小写x：11010519491231002x", "小写x：110105********002x"},
		{"全角：２２０１０２１９７００１０１１１１７", "全角：２２０１０２********１１１７"},
		// A wrong check character hides the 17 right digits all the same.
		{"错误校验位220102197001011118", "错误校验位220102********1118"},
		// Written in groups; a 15-digit number after 身份证.
		{"身份证号：220102 19700101 1117，", "身份证号：220102 ******** 1117，"},
		{"证件号220102-19700101-1117", "证件号220102-********-1117"},
		// 15 digits: the whole birth date (yymmdd) hidden, the sequence shown.
		{"身份证号码为220102700101111。", "身份证号码为220102******111。"},
		{"身份证 220102700101111", "身份证 220102******111"},
		// Glued to letters, or grouped by dots or slashes: still an ID.
		{"ID" + id, "ID220102********1117"},
		{id + "A", "220102********1117A"},
		{"220102.19700101.1117", "220102.********.1117"},
		{"220102/19700101/1117", "220102/********/1117"},
		{"身份证：220102．19700101．1117", "身份证：220102．********．1117"},
		// Not IDs: no birth date or province, longer runs, codes, other numbers.
		{"编号990102197001011117", "编号990102197001011117"},
		{"编号220102197013011117", "编号220102197013011117"},
		{"注册号220102700101111", "注册号220102700101111"},
		{"220102 1970 0101 1117 5", "220102 1970 0101 1117 5"},
		{"19位2201021970010111170", "19位2201021970010111170"},
		{"编号A220102197001011117", "编号A220102********1117"}, // an ID-shaped run inside a code: masked rather than shown
		{"日期2026/11/27，金额1.5万元", "日期2026/11/27，金额1.5万元"},
		{"统一社会信用代码91220101MA0Y1234XQ", "统一社会信用代码91220101MA0Y1234XQ"},
		{"注册号220102000012345", "注册号220102000012345"},
		{"罚款5000元，电话13912345678", "罚款5000元，电话13912345678"},
		{"", ""},
	} {
		if got := MaskIDsInText(test.in); got != test.want {
			t.Errorf("MaskIDsInText(%q) = %q, want %q", test.in, got, test.want)
		}
	}
}

func TestMaskIDsInTextNoAllocation(t *testing.T) {
	s := "该公司未按规定期限公示2025年度报告，罚款5000元。"
	if n := testing.AllocsPerRun(100, func() { MaskIDsInText(s) }); n != 0 {
		t.Errorf("%v allocations for text without an ID", n)
	}
}

// FuzzMaskIDsInText: the result has as many characters as the input, keeps
// every character that is not a digit of an ID, never contains a valid ID
// number in clear, and masking again changes nothing.
func FuzzMaskIDsInText(f *testing.F) {
	for _, s := range []string{"身份证号220102197001011117）", "11010519491231002x", "２２０１０２１９７００１０１１１１７", "a220102197001011117", "220102197001011117220102197001011117"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		got := MaskIDsInText(s)
		if utf8.RuneCountInString(got) != utf8.RuneCountInString(s) {
			t.Fatalf("MaskIDsInText(%q) = %q: length changed", s, got)
		}
		// No maskable ID survives: one would be masked by a second pass.
		if again := MaskIDsInText(got); again != got {
			t.Fatalf("an ID survived: %q -> %q -> %q", s, got, again)
		}
		rs, gs := []rune(s), []rune(got)
		for i := range rs {
			if rs[i] != gs[i] && gs[i] != '*' {
				t.Fatalf("MaskIDsInText(%q) = %q: rune %d changed to %q", s, got, i, gs[i])
			}
		}
	})
}
