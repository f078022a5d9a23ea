package lists

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/credit/credittest"
	"jlcredit/internal/record/ingest/ingesttest"
)

// 1 and 16: what a measure's effect must be, and how long its texts may be.
func TestMeasureMessagesZh(t *testing.T) {
	d := mustData(t)
	valid := Measure{Code: "JL-90", Name: "限制参加政府采购活动", Class: 1, Effect: Restrict, ListTypes: []string{"black"},
		Scenarios: []string{"政府采购"}, Basis: "《政府采购法》第二十二条", Clause: "吉林省补充清单第1项"}
	for _, test := range []struct {
		name              string
		set               func(*Measure)
		field, code, want string
	}{
		{"ErrBadEffect", func(m *Measure) { m.Effect = "foo" }, "effect", "bad_effect",
			"措施效果应为restrict（限制）、supervise（管理措施）、reference（供其他组织参考实施）或reward（守信激励）"},
		{"ErrNoEffect", func(m *Measure) { m.Effect = "" }, "effect", "bad_effect",
			"措施效果应为restrict（限制）、supervise（管理措施）、reference（供其他组织参考实施）或reward（守信激励）"},
		{"ErrLongName", func(m *Measure) { m.Name = strings.Repeat("限", 600) }, "name", "too_long", "措施名称最多100个字，实际600个字"},
		{"ErrLongBasis", func(m *Measure) { m.Basis = strings.Repeat("依", 3000) }, "basis", "too_long", "法律依据最多500个字，实际3000个字"},
		{"ErrLongClause", func(m *Measure) { m.Clause = strings.Repeat("条", 501) }, "clause", "too_long", "清单条款最多500个字，实际501个字"},
		{"ErrLongCodeClipped", func(m *Measure) { m.Code = strings.Repeat("X", 500) }, "code", "bad_code",
			"措施代码“" + strings.Repeat("X", 60) + "…”格式不对：应为大写字母开头、连字符和两位编号，如 JL-03、N1-11"},
	} {
		t.Run(test.name, func(t *testing.T) {
			m := valid
			test.set(&m)
			code, msg, p := credittest.FirstProblem(t, m.Validate(d))
			if code != credit.EINVALID || msg != test.want || p.Field != test.field || p.Code != test.code {
				t.Errorf("Validate = %s %q (%s/%s), want %s %q (%s/%s)", code, msg, p.Field, p.Code, credit.EINVALID, test.want, test.field, test.code)
			}
		})
	}
	t.Run("AtTheLimits", func(t *testing.T) {
		m := valid
		m.Name, m.Basis, m.Clause = strings.Repeat("限", MaxMeasureName), strings.Repeat("依", MaxMeasureText), strings.Repeat("条", MaxMeasureText)
		if err := m.Validate(d); err != nil {
			t.Errorf("Validate at the limits: %v", err)
		}
	})
}

// 4: a removal's own fields are checked, each problem on its request field.
func TestRemovalValidateZh(t *testing.T) {
	today := date("2026-11-20")
	for _, test := range []struct {
		name              string
		rm                Removal
		field, code, want string
	}{
		{"ErrTooLong", Removal{Reason: strings.Repeat("因", 5000)}, RemovalFieldReason, "too_long", "移出原因最多2000个字，实际5000个字"},
		{"ErrNoReason", Removal{Reason: " \n"}, RemovalFieldReason, "required", "请填写移出原因，如“已纠正失信行为并履行相关义务，经申请提前移出”"},
		{"ErrBadKind", Removal{Reason: "x", Kind: "作废"}, RemovalFieldKind, "bad_code", "移出方式“作废”无效，应为有效期届满、提前移出、信用修复或撤销认定"},
		{"ErrFuture", Removal{Reason: "x", Date: dp("2026-11-21")}, RemovalFieldDate, "future_date", "移出日期2026-11-21晚于今天（2026-11-20），不得晚于今天"},
	} {
		t.Run(test.name, func(t *testing.T) {
			code, msg, p := credittest.FirstProblem(t, test.rm.Validate(today, 2000))
			if code != credit.EINVALID || msg != test.want || p.Field != test.field || p.Code != test.code || p.FieldName == "" {
				t.Errorf("Validate = %s %q (%s/%s/%s), want %q (%s/%s)", code, msg, p.Field, p.FieldName, p.Code, test.want, test.field, test.code)
			}
		})
	}
	t.Run("Valid", func(t *testing.T) {
		rm := Removal{Reason: "  已履行  ", Kind: RemovedRepaired, Date: dp("2026-11-20")}
		if err := rm.Validate(today, 2000); err != nil || rm.Reason != "已履行" {
			t.Errorf("Validate = %v, reason %q", err, rm.Reason)
		}
		long := Removal{Reason: strings.Repeat("因", 2000)}
		if err := long.Validate(today, 2000); err != nil {
			t.Errorf("2000 characters: %v", err)
		}
	})
	t.Run("AllProblems", func(t *testing.T) {
		rm := Removal{Reason: strings.Repeat("因", 2001), Kind: "作废", Date: dp("2027-01-01")}
		var ce *credit.Error
		if !errors.As(rm.Validate(today, 2000), &ce) || len(ce.Details) != 3 {
			t.Fatalf("Validate = %v, want three problems", ce)
		}
	})
	// RemovalFields, which also serves expiry, names its fields too.
	t.Run("RemovalFields", func(t *testing.T) {
		e := entry(t, mustData(t), "重点关注名单", "2026-01-10", "2027-01-09", nil)
		_, err := RemovalFields(e, map[string]string{}, date("2025-03-01"), "", "x")
		code, msg, p := credittest.FirstProblem(t, err)
		if code != credit.EINVALID || msg != "移出日期2025-03-01早于认定日期2026-01-10，不得早于认定日期" || p.Field != RemovalFieldDate {
			t.Errorf("before decision: %s %q (%s)", code, msg, p.Field)
		}
		_, err = RemovalFields(e, map[string]string{}, date("2026-03-01"), RemovedExpired, "x")
		if _, _, p := credittest.FirstProblem(t, err); p.Field != RemovalFieldKind || p.Code != "removal_before_expiry" {
			t.Errorf("expiry before the end: %+v", p)
		}
	})
}

// 5: an invalid date of an applied measure is said to be invalid, not
// missing.
func TestFeedbackDateZh(t *testing.T) {
	v := &Verification{At: date("2026-11-02"), Results: []SubjectResult{{Seq: 1, Hit: true, Measures: []AppliedMeasure{{Measure: Measure{Code: "N1-01"}}}}}}
	for _, test := range []struct {
		on, code, want string
	}{
		{"2026-13-01", "bad_date", "第1条反馈：实施日期“2026-13-01”无效，应为“年-月-日”格式，如2026-11-27"},
		{"", "required", "第1条反馈：已实施的措施须填写实施日期，如2026-11-27"},
		{strings.Repeat("9", 500), "bad_date", "第1条反馈：实施日期“" + strings.Repeat("9", 60) + "…”无效，应为“年-月-日”格式，如2026-11-27"},
	} {
		err := ValidateFeedback(v, []Feedback{{Seq: 1, MeasureCode: "N1-01", Applied: true, AppliedOn: test.on}}, date("2026-11-20"))
		code, msg, p := credittest.FirstProblem(t, err)
		if code != credit.EINVALID || msg != test.want || p.Field != "feedback[0].applied_on" || p.Code != test.code {
			t.Errorf("applied_on %.20q: %s %q (%s/%s), want %q (%s)", test.on, code, msg, p.Field, p.Code, test.want, test.code)
		}
	}
}

// 9: the purpose's messages name it as the console does, not by the API's
// field (the problem carries field purpose).
func TestPurposeMessagesZh(t *testing.T) {
	d := mustData(t)
	req := VerificationRequest{Scenario: "政府采购", Subjects: []Query{{Name: "某公司"}}}
	code, msg, p := credittest.FirstProblem(t, req.Validate(d))
	if code != credit.EINVALID || msg != "请说明核查事由，如采购项目名称或审批事项" || p.Field != "purpose" || p.Code != "required" {
		t.Errorf("no purpose: %s %q (%s/%s)", code, msg, p.Field, p.Code)
	}
	code, msg, p = credittest.FirstProblem(t, CheckPurpose(strings.Repeat("购", 201)))
	if code != credit.EINVALID || msg != "核查事由最多200字，实际201字" || p.Field != "purpose" || p.Code != "too_long" {
		t.Errorf("long purpose: %s %q (%s/%s)", code, msg, p.Field, p.Code)
	}
	req = VerificationRequest{Scenario: "买菜", Purpose: "x", Subjects: []Query{{Name: "某公司"}}}
	if _, msg, p := credittest.FirstProblem(t, req.Validate(d)); p.Field != "scenario" || strings.Contains(msg, "scenario") {
		t.Errorf("bad scenario: %q (%s)", msg, p.Field)
	}
}

// 14: the report workbook names the platform as its author and
// application, not excelize's defaults.
func TestReportXLSXProps(t *testing.T) {
	var b bytes.Buffer
	before := time.Now()
	if err := WriteReportXLSX(&b, reportVerification()); err != nil {
		t.Fatal(err)
	}
	ingesttest.WorkbookProps(t, b.Bytes(), "信用核查报告", before)
}
