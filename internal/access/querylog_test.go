package access_test

import (
	"errors"
	"strings"
	"testing"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/credit/credittest"
)

// An explanation of "其他" must have a visible character: white space,
// zero-width and control characters alone are no explanation.
func TestPurpose(t *testing.T) {
	for _, test := range []struct {
		name, reason, note string
		want               string // purpose, or the first problem's field/code
	}{
		{"Chosen", "行政许可审批", "", "行政许可审批"},
		{"ChosenWithNote", " 行政许可审批 ", " 项目A ", "行政许可审批：项目A"},
		{"OtherWithNote", "其他", "协查来函", "其他：协查来函"},
		{"ChosenBlankNoteDropped", "行政许可审批", "\u200b", "行政许可审批"},
		{"ErrNoReason", "", "x", "purpose/required"},
		{"ErrUnknownReason", "好奇", "x", "purpose/required"},
		{"ErrOtherEmpty", "其他", "", "note/required"},
		{"ErrOtherSpaces", "其他", " \u00a0\u3000", "note/required"},
		{"ErrOtherZeroWidthSpace", "其他", "\u200b", "note/required"},
		{"ErrOtherWordJoiner", "其他", "\u2060", "note/required"},
		{"ErrOtherZeroWidthJoiner", "其他", "\u200d", "note/required"},
		{"ErrOtherBOM", "其他", "\ufeff", "note/required"},
		{"ErrOtherHangulFiller", "其他", "\u3164", "note/required"},
		{"ErrOtherBEL", "其他", "\u0007", "note/required"},
		{"ErrOtherNUL", "其他", "\x00", "note/required"},
		{"ErrTooLong", "其他", strings.Repeat("查", 201), "note/too_long"},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, err := access.Purpose(test.reason, test.note)
			if err == nil {
				if got != test.want {
					t.Errorf("Purpose(%+q, %+q) = %+q, want %+q", test.reason, test.note, got, test.want)
				}
				return
			}
			code, msg, p := credittest.FirstProblem(t, err)
			if code != credit.EINVALID || p.Field+"/"+p.Code != test.want || msg == "" {
				t.Errorf("Purpose(%+q, %+q) = %s %q (%s/%s), want %s", test.reason, test.note, code, msg, p.Field, p.Code, test.want)
			}
		})
	}
}

// A department name of invisible characters only is no name.
func TestDepartmentNameBlank(t *testing.T) {
	d := &access.Department{Code: "11220100MB0000000X", Name: "\u200b\u3164", RegionCode: "220100"}
	if _, _, p := credittest.FirstProblem(t, d.Validate()); p.Field != "name" || p.Code != "required" {
		t.Errorf("Validate = %+v, want name/required", p)
	}
}

// A note holding a bidi control or a control character beside visible
// text is refused, naming the field (QA: U+202E was stored).
func TestPurposeBadCharacter(t *testing.T) {
	for _, note := range []string{"测试\u202e反转", "核查\u0007"} {
		_, err := access.Purpose("其他", note)
		ce, ok := errors.AsType[*credit.Error](err)
		if !ok || len(ce.Details) != 1 || ce.Details[0].Field != "note" || ce.Details[0].Code != "bad_character" {
			t.Errorf("Purpose(其他, %q) = %v; want note/bad_character", note, err)
		}
	}
	if p, err := access.Purpose("其他", "核查“2026年”项目——第一包"); err != nil || p == "" {
		t.Errorf("an ordinary note: %q, %v", p, err)
	}
}
