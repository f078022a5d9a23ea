package storage

import (
	"testing"

	"jlcredit/internal/lists"
)

// TestOrganisations: only an organisation's entry is named by its current
// registered name; a 自然人 listed with the code of his individual
// business keeps his own name (QA: his name was shown as the business's
// 列入时名称).
func TestOrganisations(t *testing.T) {
	company := &lists.Entry{SubjectUSCC: "91220101MA0Y12340Q", SubjectCategory: "法人及非法人组织"}
	shop := &lists.Entry{SubjectUSCC: "92220103705847252X", SubjectCategory: "个体工商户"}
	operator := &lists.Entry{SubjectUSCC: "92220103705847252X", SubjectCategory: "自然人"}
	person := &lists.Entry{SubjectCategory: "自然人"}
	got := organisations([]*lists.Entry{company, shop, operator, person})
	if len(got) != 2 || got[0] != company || got[1] != shop {
		t.Errorf("organisations = %v; want the company and the shop", got)
	}
}
