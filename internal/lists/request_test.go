package lists

import (
	"errors"
	"strings"
	"testing"

	"jlcredit/internal/credit"
)

// TestValidateSubjects: a subject that names no one (no code, no name) or
// whose code or name is over its limit is refused with a problem that names
// the item by its place in the request (subjects[i], as the JSON decoder's
// errors do), so the caller can find it among up to 1,000.
func TestValidateSubjects(t *testing.T) {
	d := mustData(t)
	const valid = "91220101MA0Y56781J"
	for _, test := range []struct {
		name     string
		subjects []Query
		field    string // field of the only problem; "" for no error
		code     string // its code
		msg      string // part of the message
	}{
		{"OK", []Query{{Code: valid}, {Name: "长春北辰汽车零部件有限公司"}}, "", "", ""},
		{"ErrEmptyObject", []Query{{Code: valid}, {}}, "subjects[1]", "required", "第2个核查对象（subjects[1]）缺少"},
		{"ErrBlankCode", []Query{{Code: "  "}, {Code: valid}}, "subjects[0]", "required", "第1个核查对象（subjects[0]）缺少"},
		{"CodeAtLimit", []Query{{Code: strings.Repeat("9", MaxQueryCode)}}, "", "", ""},
		{"ErrCodeTooLong", []Query{{Code: valid}, {Code: valid}, {Code: strings.Repeat("9", MaxQueryCode+1)}}, "subjects[2].code", "too_long",
			"第3个核查对象（subjects[2]）的代码最多64个字符，实际65个"},
		{"ErrCodeHuge", []Query{{Code: strings.Repeat("A", 3<<20)}}, "subjects[0].code", "too_long", "实际3145728个"},
		{"NameAtLimit", []Query{{Name: strings.Repeat("名", MaxQueryName)}}, "", "", ""},
		{"ErrNameTooLong", []Query{{Name: strings.Repeat("名", MaxQueryName+1)}}, "subjects[0].name", "too_long",
			"第1个核查对象（subjects[0]）的名称最多200字，实际201字"},
		{"ErrNameTooLongBesideCode", []Query{{Code: valid, Name: strings.Repeat("名", MaxQueryName+1)}}, "subjects[0].name", "too_long", "名称最多200字"},
	} {
		t.Run(test.name, func(t *testing.T) {
			r := VerificationRequest{Scenario: "政府采购", Purpose: "供应商资格审查", Subjects: test.subjects}
			err := r.Validate(d)
			if test.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var ce *credit.Error
			if !errors.As(err, &ce) || ce.Code != credit.EINVALID {
				t.Fatalf("Validate = %v, want EINVALID", err)
			}
			if len(ce.Details) != 1 || ce.Details[0].Field != test.field || ce.Details[0].Code != test.code {
				t.Fatalf("details = %+v, want one %s problem of %s", ce.Details, test.code, test.field)
			}
			if !strings.Contains(ce.Message, test.msg) || !strings.Contains(ce.Details[0].Message, test.msg) {
				t.Errorf("message = %q, want it to hold %q", ce.Message, test.msg)
			}
			if n := len([]rune(ce.Message)); n > 200 {
				t.Errorf("message is %d characters long: the input is echoed", n)
			}
		})
	}
}

// TestValidateSubjectsAllProblems: every bad item is named, each once.
func TestValidateSubjectsAllProblems(t *testing.T) {
	r := VerificationRequest{Scenario: "政府采购", Purpose: "供应商资格审查",
		Subjects: []Query{{}, {Code: "91220101MA0Y56781J"}, {Name: " "}, {Code: strings.Repeat("1", 100)}}}
	var ce *credit.Error
	if err := r.Validate(mustData(t)); !errors.As(err, &ce) {
		t.Fatalf("Validate = %v, want *credit.Error", err)
	}
	var got []string
	for _, p := range ce.Details {
		got = append(got, p.Field)
	}
	if want := "subjects[0] subjects[2] subjects[3].code"; strings.Join(got, " ") != want {
		t.Errorf("fields = %v, want %s", got, want)
	}
}

// TestValidateTrims: white space around the scenario and the purpose is
// not part of them; Validate trims both in place, so what is stored is
// trimmed too.
func TestValidateTrims(t *testing.T) {
	d := mustData(t)
	r := VerificationRequest{Scenario: " 政府采购\t", Purpose: "\u3000 2026年办公设备采购 \n", Subjects: []Query{{Code: "91220101MA0Y56781J"}}}
	if err := r.Validate(d); err != nil {
		t.Fatalf("Validate = %v, want nil", err)
	}
	if r.Scenario != "政府采购" || r.Purpose != "2026年办公设备采购" {
		t.Errorf("scenario %q, purpose %q, want them trimmed", r.Scenario, r.Purpose)
	}
	r = VerificationRequest{Scenario: "  ", Purpose: "x", Subjects: []Query{{Code: "91220101MA0Y56781J"}}}
	if err := r.Validate(d); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "应用场景") {
		t.Errorf("blank scenario: Validate = %v, want EINVALID naming the scenario", err)
	}
}

// TestValidateScenarioClipped: a long scenario is not echoed whole.
func TestValidateScenarioClipped(t *testing.T) {
	r := VerificationRequest{Scenario: strings.Repeat("场", 5000), Purpose: "x", Subjects: []Query{{Code: "91220101MA0Y56781J"}}}
	err := r.Validate(mustData(t))
	if credit.ErrorCode(err) != credit.EINVALID {
		t.Fatalf("Validate = %v, want EINVALID", err)
	}
	if n := len([]rune(credit.ErrorMessage(err))); n > 400 {
		t.Errorf("message is %d characters long: the scenario is echoed whole", n)
	}
}

func feedbackVerification() *Verification {
	return &Verification{At: date("2026-11-02"), Results: []SubjectResult{
		{Seq: 1, Hit: true, Measures: []AppliedMeasure{{Measure: Measure{Code: "N1-01"}}, {Measure: Measure{Code: "N1-02"}}}},
		{Seq: 2, Hit: true, Measures: []AppliedMeasure{{Measure: Measure{Code: "N1-01"}}}},
		{Seq: 3, Query: Query{Code: "91220101MA0Y3XQJ2U"}, SameAs: 2, Measures: []AppliedMeasure{{Measure: Measure{Code: "N1-01"}}}},
		{Seq: 4, Query: Query{Code: "91220101MA0Y3XQJ2U"}},
		{Seq: 5, Query: Query{Code: "91220101MA0Y3XQJ2U"}, SameAs: 4},
	}}
}

// TestValidateFeedbackItems: repeated and contradictory items of one
// request are refused, each naming the item (feedback[i]) and the one it
// repeats or contradicts.
func TestValidateFeedbackItems(t *testing.T) {
	applied := func(seq int, code string) Feedback {
		return Feedback{Seq: seq, MeasureCode: code, Applied: true, AppliedOn: "2026-11-03"}
	}
	none := Feedback{Seq: 1, Reason: "仅关联人员，未采取措施"}
	for _, test := range []struct {
		name  string
		fb    []Feedback
		field string // field of the only problem; "" for no error
		code  string
		msg   string
	}{
		{"OK", []Feedback{applied(1, "N1-01"), applied(1, "N1-02"), applied(2, "N1-01")}, "", "", ""},
		{"ErrRepeated", []Feedback{applied(1, "N1-01"), applied(2, "N1-01"), applied(1, "N1-01")}, "feedback[2]", "duplicate",
			"第3条反馈：与第1条重复"},
		{"ErrRepeatedAsTyped", []Feedback{applied(1, "N1-01"), {Seq: 1, MeasureCode: " ｎ1-01 ", Reason: "项目终止"}}, "feedback[1]", "duplicate",
			"与第1条重复"},
		{"ErrNoneTwice", []Feedback{none, none}, "feedback[1]", "duplicate", "与第1条重复"},
		{"ErrNoneAndApplied", []Feedback{applied(1, "N1-01"), none}, "feedback[1]", "contradictory", "与第1条矛盾"},
		{"ErrAppliedAfterNone", []Feedback{none, applied(1, "N1-02")}, "feedback[1]", "contradictory", "与第1条矛盾"},
		{"NoneAndNotApplied", []Feedback{{Seq: 1, MeasureCode: "N1-01", Reason: "项目终止"}, none}, "", "", ""},
		{"ErrSameSubject", []Feedback{applied(3, "N1-01")}, "feedback[0].seq", "same_subject",
			"核查对象“91220101MA0Y3XQJ2U”与第2个核查对象为同一主体，请对第2个反馈"},
		{"ErrSameSubjectNotHit", []Feedback{applied(5, "N1-01")}, "feedback[0].seq", "not_hit", "未命中名单，无需反馈"},
		{"ErrFieldPath", []Feedback{applied(1, "N1-01"), {Seq: 9, MeasureCode: "N1-01", Reason: "x"}}, "feedback[1].seq", "bad_seq", "第2条反馈"},
	} {
		t.Run(test.name, func(t *testing.T) {
			err := ValidateFeedback(feedbackVerification(), test.fb, date("2026-11-20"))
			if test.field == "" {
				if err != nil {
					t.Fatalf("ValidateFeedback = %v, want nil", err)
				}
				return
			}
			var ce *credit.Error
			if !errors.As(err, &ce) || ce.Code != credit.EINVALID {
				t.Fatalf("ValidateFeedback = %v, want EINVALID", err)
			}
			if len(ce.Details) != 1 || ce.Details[0].Field != test.field || ce.Details[0].Code != test.code {
				t.Fatalf("details = %+v, want one %s problem of %s", ce.Details, test.code, test.field)
			}
			if !strings.Contains(ce.Details[0].Message, test.msg) {
				t.Errorf("message = %q, want it to hold %q", ce.Details[0].Message, test.msg)
			}
		})
	}
}

// TestValidateFeedbackCap: one request carries at most MaxFeedback items.
func TestValidateFeedbackCap(t *testing.T) {
	v := feedbackVerification()
	fb := make([]Feedback, MaxFeedbackItems+1)
	for i := range fb {
		fb[i] = Feedback{Seq: 1, MeasureCode: "N1-01", Reason: "x"}
	}
	err := ValidateFeedback(v, fb, date("2026-11-20"))
	if credit.ErrorCode(err) != credit.ETOOLARGE || !strings.Contains(credit.ErrorMessage(err), "最多提交1000条反馈，实际1001条") {
		t.Errorf("ValidateFeedback = %v, want ETOOLARGE naming the limit", err)
	}
}
