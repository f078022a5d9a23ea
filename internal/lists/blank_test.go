package lists

import (
	"errors"
	"strings"
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/credit/credittest"
)

// invisibleTexts are texts without a visible character: each counts as
// not given where a text is required.
var invisibleTexts = []string{"", " ", "\u00a0\u3000", "\u200b", "\u2060", "\u200d", "\ufeff", "\u3164", "\u0007", "\x00", " \u200b\x00 "}

// A required free text without a visible character is refused as
// missing, naming its field, wherever one is required.
func TestRequiredTextBlank(t *testing.T) {
	d := mustData(t)
	today := date("2026-11-20")
	v := &Verification{At: date("2026-11-02"), Results: []SubjectResult{{Seq: 1, Hit: true, Measures: []AppliedMeasure{{Measure: Measure{Code: "N1-01"}}}}}}
	e := entry(t, d, "重点关注名单", "2026-01-10", "2027-01-09", nil)
	measure := Measure{Code: "JL-90", Name: "限制参加政府采购活动", Class: 1, Effect: Restrict, ListTypes: []string{"black"},
		Scenarios: []string{"政府采购"}, Basis: "《政府采购法》第二十二条", Clause: "吉林省补充清单第1项"}
	for _, s := range invisibleTexts {
		for _, test := range []struct {
			name              string
			err               error
			field, code, want string
		}{
			{"FeedbackReason", ValidateFeedback(v, []Feedback{{Seq: 1, MeasureCode: "N1-01", Reason: s}}, today),
				"feedback[0].reason", "required", "第1条反馈：未实施措施的须说明原因"},
			{"RemovalReason", (&Removal{Reason: s}).Validate(today, 2000),
				RemovalFieldReason, "required", "请填写移出原因，如“已纠正失信行为并履行相关义务，经申请提前移出”"},
			{"RemovalFieldsReason", func() error { _, err := RemovalFields(e, map[string]string{}, today, "", s); return err }(),
				RemovalFieldReason, "required", "请填写移出原因，如“已纠正失信行为并履行相关义务，经申请提前移出”"},
			{"VerificationPurpose", (&VerificationRequest{Scenario: "政府采购", Purpose: s, Subjects: []Query{{Name: "某公司"}}}).Validate(d),
				"purpose", "required", "请说明核查事由，如采购项目名称或审批事项"},
			{"VerificationSubject", (&VerificationRequest{Scenario: "政府采购", Purpose: "采购", Subjects: []Query{{Name: s, Code: s}}}).Validate(d),
				"subjects[0]", "required", "第1个核查对象（subjects[0]）缺少代码（统一社会信用代码或身份证号码）和名称"},
			{"MeasureName", func() error { m := measure; m.Name = s; return m.Validate(d) }(),
				"name", "required", "措施名称不能为空"},
			{"MeasureBasis", func() error { m := measure; m.Basis = s; return m.Validate(d) }(),
				"basis", "no_basis", ""},
			{"MeasureClause", func() error { m := measure; m.Clause = s; return m.Validate(d) }(),
				"clause", "no_clause", ""},
		} {
			t.Run(test.name, func(t *testing.T) {
				if test.err == nil {
					t.Fatalf("%+q accepted, want %s/%s", s, test.field, test.code)
				}
				code, msg, p := credittest.FirstProblem(t, test.err)
				if code != credit.EINVALID || p.Field != test.field || p.Code != test.code || test.want != "" && msg != test.want {
					t.Errorf("%+q: %s %q (%s/%s), want %q (%s/%s)", s, code, msg, p.Field, p.Code, test.want, test.field, test.code)
				}
			})
		}
	}
}

// A visible reason stays as written, apart from the white space around it.
func TestRequiredTextVisible(t *testing.T) {
	v := &Verification{At: date("2026-11-02"), Results: []SubjectResult{{Seq: 1, Hit: true, Measures: []AppliedMeasure{{Measure: Measure{Code: "N1-01"}}}}}}
	fb := []Feedback{{Seq: 1, MeasureCode: "N1-01", Reason: " 非本部门职责\u200b "}}
	if err := ValidateFeedback(v, fb, date("2026-11-20")); err != nil || fb[0].Reason != "非本部门职责\u200b" {
		t.Errorf("ValidateFeedback = %v, reason %+q", err, fb[0].Reason)
	}
	// An applied measure's note may be left out; an invisible one is none.
	fb = []Feedback{{Seq: 1, MeasureCode: "N1-01", Applied: true, AppliedOn: "2026-11-03", Reason: "\u200b"}}
	if err := ValidateFeedback(v, fb, date("2026-11-20")); err != nil || fb[0].Reason != "" {
		t.Errorf("ValidateFeedback = %v, note %+q, want it dropped", err, fb[0].Reason)
	}
	if got, err := ValidateAck(" \u200b "); err != nil || got != "" {
		t.Errorf("ValidateAck = %+q, %v, want no feedback", got, err)
	}
}

// A date before 1900 is refused for what it is, not for its format, as a
// batch's date is (record.ParseDate).
func TestDateBefore1900(t *testing.T) {
	for _, test := range []struct {
		in   string
		ok   bool
		want string
	}{
		{"2026-11-27", true, ""},
		{"1900-01-01", true, ""},
		{"2026/11/27", true, ""},
		{"1899-12-31", false, "实施日期“1899-12-31”早于1900年1月1日，平台不接收：应为1900年及以后的日期，请核对年份"},
		{"0001-01-01", false, "实施日期“0001-01-01”早于1900年1月1日，平台不接收：应为1900年及以后的日期，请核对年份"},
		{"18991231", false, "实施日期“18991231”早于1900年1月1日，平台不接收：应为1900年及以后的日期，请核对年份"},
		{"1899年2月3日", false, "实施日期“1899年2月3日”早于1900年1月1日，平台不接收：应为1900年及以后的日期，请核对年份"},
		{"1896-02-29", false, "实施日期“1896-02-29”早于1900年1月1日，平台不接收：应为1900年及以后的日期，请核对年份"},
		{"1899-02-29", false, "实施日期“1899-02-29”无效，应为“年-月-日”格式，如2026-11-27"}, // no such day
		{"1800-02-29", false, "实施日期“1800-02-29”无效，应为“年-月-日”格式，如2026-11-27"}, // 1800 is no leap year
		{"0000-01-01", false, "实施日期“0000-01-01”无效，应为“年-月-日”格式，如2026-11-27"},
		{"2026-13-01", false, "实施日期“2026-13-01”无效，应为“年-月-日”格式，如2026-11-27"},
		{"x", false, "实施日期“x”无效，应为“年-月-日”格式，如2026-11-27"},
	} {
		d, msg := ReadDate("实施日期", test.in)
		if ok := msg == ""; ok != test.ok || msg != test.want || ok && d.IsZero() {
			t.Errorf("ReadDate(%q) = %v %q, want %q", test.in, d, msg, test.want)
		}
	}
	v := &Verification{At: date("2026-11-02"), Results: []SubjectResult{{Seq: 1, Hit: true, Measures: []AppliedMeasure{{Measure: Measure{Code: "N1-01"}}}}}}
	err := ValidateFeedback(v, []Feedback{{Seq: 1, MeasureCode: "N1-01", Applied: true, AppliedOn: "1899-12-31"}}, date("2026-11-20"))
	code, msg, p := credittest.FirstProblem(t, err)
	if want := "第1条反馈：实施日期“1899-12-31”早于1900年1月1日，平台不接收：应为1900年及以后的日期，请核对年份"; code != credit.EINVALID || msg != want || p.Field != "feedback[0].applied_on" || p.Code != "bad_date" {
		t.Errorf("applied_on 1899-12-31: %s %q (%s/%s), want %q", code, msg, p.Field, p.Code, want)
	}
}

// A list type that is null, empty or blank is no list type: refused
// naming its place, not taken as "every list".
func TestSubscriptionListTypeBlank(t *testing.T) {
	d := mustData(t)
	for _, test := range []struct {
		types []string
		field string
	}{
		{[]string{""}, "list_types[0]"},
		{[]string{"black", " "}, "list_types[1]"},
		{[]string{"black", "\u200b"}, "list_types[1]"},
		{[]string{"black", "nope"}, "list_types[1]"},
	} {
		s := Subscription{URL: "https://x.gov.cn/h", ListTypes: test.types}
		code, msg, p := credittest.FirstProblem(t, s.Validate(d))
		if code != credit.EINVALID || p.Field != test.field || p.Code != "bad_list_type" || !strings.Contains(msg, "名单类型") {
			t.Errorf("list types %+q: %s %q (%s/%s), want %s/bad_list_type", test.types, code, msg, p.Field, p.Code, test.field)
		}
	}
}

// A signing secret is of visible characters, at least MinSecret of them.
func TestSubscriptionSecretCharacters(t *testing.T) {
	d := mustData(t)
	const bad = "签名密钥只能由可见字符组成，不能含空格、控制字符或零宽字符等不可见字符；不提供时由平台生成"
	for _, test := range []struct {
		secret, code, message string
	}{
		{strings.Repeat("\x00", 40), "bad_secret", bad},
		{strings.Repeat("s", 39) + "\u0007", "bad_secret", bad},
		{strings.Repeat("s", 20) + " " + strings.Repeat("s", 20), "bad_secret", bad},
		{strings.Repeat("s", 40) + "\u200b", "bad_secret", bad},
		{strings.Repeat("s", 40) + "\xff", "bad_secret", bad},
		{strings.Repeat("密", 11), "short_secret", "签名密钥至少32个字符；不提供时由平台生成"}, // 33 bytes, 11 characters
		{strings.Repeat("密", MinSecret), "", ""},
		{"whsec_" + strings.Repeat("a1B2", 8), "", ""},
	} {
		s := Subscription{URL: "https://x.gov.cn/h", Secret: test.secret}
		err := s.Validate(d)
		if test.code == "" {
			if err != nil {
				t.Errorf("secret %+q: %v, want it accepted", test.secret, err)
			}
			continue
		}
		code, msg, p := credittest.FirstProblem(t, err)
		if code != credit.EINVALID || p.Field != "secret" || p.Code != test.code || msg != test.message {
			t.Errorf("secret %+q: %s %q (%s/%s), want %q (secret/%s)", test.secret, code, msg, p.Field, p.Code, test.message, test.code)
		}
	}
}

// A removal's row refused by the catalog's rules (a placeholder such as
// “无” for a reason, a control character) is told as a problem of the
// request's field, without the row of a batch the request never sent.
func TestRemovalError(t *testing.T) {
	row := func(field, name, code, text string) credit.Problem {
		return credit.Problem{Row: 1, Field: field, FieldName: name, Code: code, Message: "第1行“" + name + "”（" + field + "）：" + text}
	}
	for _, test := range []struct {
		name              string
		p                 credit.Problem
		field, code, want string
	}{
		{"Placeholder", row(FieldRemovalReason, "移出原因", "required", "填写了“移出日期”时为必填项，不能为空（“无”视为未填写）"),
			RemovalFieldReason, "required", "请填写移出原因，如“已纠正失信行为并履行相关义务，经申请提前移出”（“无”视为未填写）"},
		{"Control", row(FieldRemovalReason, "移出原因", "control_char", "含有不可见的控制字符（U+0007），请删除后重新报送"),
			RemovalFieldReason, "control_char", "移出原因：含有不可见的控制字符（U+0007），请删除后重新报送"},
		{"Date", row(FieldRemovedOn, "移出日期", "date_order", "不得早于有效期起"),
			RemovalFieldDate, "date_order", "移出日期：不得早于有效期起"},
		{"OtherField", row(FieldDocNo, "认定文书号", "too_long", "长度为300个字符，超过了最大长度200个字符"),
			FieldDocNo, "too_long", "移出信息未通过校验：第1行“认定文书号”（MD_RDWH）：长度为300个字符，超过了最大长度200个字符"},
	} {
		t.Run(test.name, func(t *testing.T) {
			err := RemovalError(credit.Invalid("移出信息未通过校验："+test.p.Message, test.p))
			code, msg, p := credittest.FirstProblem(t, err)
			if code != credit.EINVALID || msg != test.want || p.Field != test.field || p.Code != test.code {
				t.Errorf("RemovalError = %s %q (%s/%s), want %q (%s/%s)", code, msg, p.Field, p.Code, test.want, test.field, test.code)
			}
			if p.Field != FieldDocNo && (p.Row != 0 || p.Message != msg || p.FieldName == "") {
				t.Errorf("problem %+v, want no row, the message and the field's name", p)
			}
		})
	}
	if err := RemovalError(nil); err != nil {
		t.Errorf("RemovalError(nil) = %v", err)
	}
	other := credit.Errorf(credit.ECONFLICT, "该名单信息已于2026-06-01移出")
	if err := RemovalError(other); err != other {
		t.Errorf("RemovalError(%v) = %v, want it unchanged", other, err)
	}
}

// A free text with a control or bidi-control character is refused as
// bad_character (QA: a purpose and a feedback reason stored with U+202E
// and BEL, which would turn the text around where it is shown).
func TestFreeTextBadCharacter(t *testing.T) {
	d := mustData(t)
	today := date("2026-11-20")
	v := &Verification{At: date("2026-11-02"), Results: []SubjectResult{{Seq: 1, Hit: true, Measures: []AppliedMeasure{{Measure: Measure{Code: "N1-01"}}}}}}
	for _, s := range []string{"测试\u202e反转", "未实施\u0007", "原因\u2067"} {
		for _, test := range []struct {
			name  string
			err   error
			field string
		}{
			{"Purpose", (&VerificationRequest{Scenario: "政府采购", Purpose: s, Subjects: []Query{{Name: "某公司"}}}).Validate(d), "purpose"},
			{"FeedbackReason", ValidateFeedback(v, []Feedback{{Seq: 1, MeasureCode: "N1-01", Reason: s}}, today), "feedback[0].reason"},
		} {
			var ps []credit.Problem
			if ce, ok := errors.AsType[*credit.Error](test.err); ok {
				ps = ce.Details
			}
			if credit.ErrorCode(test.err) != credit.EINVALID || len(ps) == 0 || ps[0].Field != test.field || ps[0].Code != "bad_character" || !strings.Contains(ps[0].Message, "U+") {
				t.Errorf("%s %q: %v %+v; want bad_character on %s naming the character", test.name, s, test.err, ps, test.field)
			}
		}
		if _, err := ValidateAck(s); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "U+") {
			t.Errorf("ValidateAck(%q) = %v; want refused naming the character", s, err)
		}
	}
	// Line breaks and Chinese punctuation are text.
	if err := (&VerificationRequest{Scenario: "政府采购", Purpose: "“2026年”办公设备采购——第一包\n（复核）", Subjects: []Query{{Name: "某公司"}}}).Validate(d); err != nil {
		t.Errorf("an ordinary purpose: %v", err)
	}
}
