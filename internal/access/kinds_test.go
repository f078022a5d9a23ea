package access_test

import (
	"slices"
	"testing"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/demo"
)

// The department kinds are one vocabulary: codes unique, every name
// Chinese, every kind the demo province uses known; a department with an
// unknown kind is refused.
func TestDepartmentKinds(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range access.DepartmentKinds {
		if seen[k.Code] || k.Code == "" || k.Name == "" {
			t.Errorf("kind %+v: duplicate or empty", k)
		}
		seen[k.Code] = true
	}
	for _, k := range demo.Kinds {
		if _, ok := access.DepartmentKindName(k); !ok {
			t.Errorf("demo kind %q is not a department kind", k)
		}
	}
	d := &access.Department{Code: "11220100MB0000000X", Name: "长春市某局", RegionCode: "220100", Kind: "hrss"}
	err := d.Validate()
	var codes []string
	if e, ok := err.(*credit.Error); ok {
		for _, p := range e.Details {
			codes = append(codes, p.Code)
		}
	}
	if !slices.Contains(codes, "bad_kind") {
		t.Errorf("unknown kind: %v, want a bad_kind problem", err)
	}
	d.Kind = "human_resources"
	if err := d.Validate(); err != nil {
		t.Errorf("known kind: %v", err)
	}
}
