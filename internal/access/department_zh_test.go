package access

import (
	"errors"
	"strings"
	"testing"

	"jlcredit/internal/credit"
)

// 16: a department's name is at most 100 characters.
func TestDepartmentNameLength(t *testing.T) {
	d := Department{Code: "11220000MB0000001X", Name: strings.Repeat("局", 3000), RegionCode: "220000"}
	var ce *credit.Error
	if err := d.Validate(); !errors.As(err, &ce) || ce.Code != credit.EINVALID || ce.Message != "部门名称最多100个字，实际3000个字" ||
		len(ce.Details) != 1 || ce.Details[0].Field != "name" || ce.Details[0].Code != "too_long" {
		t.Errorf("Validate = %v", err)
	}
	d.Name = strings.Repeat("局", 100)
	if err := d.Validate(); err != nil {
		t.Errorf("a name of 100 characters: %v", err)
	}
	d.Kind = strings.Repeat("k", 500)
	if err := d.Validate(); !errors.As(err, &ce) || len([]rune(ce.Message)) > 100 {
		t.Errorf("a long kind is quoted in full: %v", err)
	}
}
