package lists

import (
	"errors"
	"strings"
	"testing"

	"jlcredit/internal/credit"
)

func TestCodeProblemShape(t *testing.T) {
	today := date("2026-11-20")
	for _, test := range []struct {
		name, code string
		want       string // part of the message, "" for a valid code
		notWant    string // must not be in the message
	}{
		{"ValidUSCC", "91220101MA0Y56781J", "", ""},
		{"ValidID", "220102198001011234", "", ""},
		// 17 digits and an X, but 91 is no province: a mistyped USCC, with
		// the USCC check's message.
		{"DigitUSCCTypo", "91220802873925803X", "统一社会信用代码校验位", "公民身份号码"},
		{"DigitUSCCTypoDigit", "912208028739258030", "统一社会信用代码", "公民身份号码"},
		{"NoProvince10", "100102198001011234", "统一社会信用代码", "公民身份号码"},
		{"NoProvince99", "990102198001011234", "统一社会信用代码", "公民身份号码"},
		// With a province code the number is an ID number, mistyped.
		{"IDCheck", "220102198001011231", "公民身份号码校验位", ""},
		{"IDBirth", "220102198013011234", "出生日期", ""},
		{"Province82", "820102198001011231", "公民身份号码", ""},
		{"Province71", "710102198001011231", "公民身份号码", ""},
		{"OldID", "220102800101123", "18位身份证号码", ""},
		{"LettersUSCC", "91220101MA0Y56781X", "校验位", "公民身份号码"},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := CodeProblem(test.code, today)
			if (test.want == "") != (got == "") || !strings.Contains(got, test.want) || test.notWant != "" && strings.Contains(got, test.notWant) {
				t.Errorf("CodeProblem(%s) = %q, want %q without %q", test.code, got, test.want, test.notWant)
			}
		})
	}
}

func TestIDShaped(t *testing.T) {
	for _, test := range []struct {
		code string
		want bool
	}{
		{"220102198001011234", true},
		{"22010219800101123X", true},
		{"110102198001011234", true},
		{"650102198001011234", true},
		{"91220802873925803X", false}, // 91 is no province
		{"100102198001011234", false},
		{"160102198001011234", false},
		{"700102198001011234", false},
		{"830102198001011234", false},
		{"2201021980010112X4", false},
		{"22010219800101123", false},
		{"AB0102198001011234", false},
	} {
		if got := idShaped(test.code); got != test.want {
			t.Errorf("idShaped(%s) = %v, want %v", test.code, got, test.want)
		}
	}
}

func TestValidatePurposeLength(t *testing.T) {
	d := mustData(t)
	req := func(purpose string) VerificationRequest {
		return VerificationRequest{Scenario: "政府采购", Purpose: purpose, Subjects: []Query{{Code: "91220101MA0Y56781J"}}}
	}
	for _, test := range []struct {
		name    string
		purpose string
		msg     string // part of the message, "" for none
	}{
		{"OK", "某某采购项目供应商资格审查", ""},
		{"Max", strings.Repeat("审", MaxPurpose), ""},
		{"MaxWithSpaces", "  " + strings.Repeat("a", MaxPurpose) + "\n", ""},
		{"ErrTooLong", strings.Repeat("审", MaxPurpose+1), "最多200字，实际201字"},
		{"ErrHuge", strings.Repeat("x", 100000), "最多200字，实际100000字"},
	} {
		t.Run(test.name, func(t *testing.T) {
			r := req(test.purpose)
			err := r.Validate(d)
			if test.msg == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var ce *credit.Error
			if !errors.As(err, &ce) || ce.Code != credit.EINVALID {
				t.Fatalf("Validate = %v, want EINVALID", err)
			}
			if !strings.Contains(ce.Message, test.msg) || !strings.Contains(ce.Message, "核查事由") {
				t.Errorf("message = %q, want it to hold %q", ce.Message, test.msg)
			}
			if len(ce.Details) != 1 || ce.Details[0].Code != "too_long" || ce.Details[0].Field != "purpose" {
				t.Errorf("details = %+v, want one too_long problem of purpose", ce.Details)
			}
		})
	}
}

func TestProvincePrefix(t *testing.T) {
	// Every province code of GB/T 2260 and nothing else.
	want := map[string]bool{}
	for _, p := range strings.Fields("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82") {
		want[p] = true
	}
	for i := range 100 {
		p := string(rune('0'+i/10)) + string(rune('0'+i%10))
		if got := provincePrefix(p + "0102"); got != want[p] {
			t.Errorf("provincePrefix(%s…) = %v, want %v", p, got, want[p])
		}
	}
	if provincePrefix("2") || provincePrefix("X2") {
		t.Error("provincePrefix accepts a code that does not start with two digits")
	}
}
