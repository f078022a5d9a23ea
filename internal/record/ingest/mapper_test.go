package ingest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"jlcredit/internal/credit"
)

// penaltyMatch matches a few 行政处罚 headers by code, name or alias.
func penaltyMatch(h string) (string, bool) {
	code, ok := map[string]string{
		"CF_XDR_MC": "CF_XDR_MC", "行政相对人名称": "CF_XDR_MC",
		"CF_XDR_SHXYM": "CF_XDR_SHXYM", "统一社会信用代码": "CF_XDR_SHXYM", "行政相对人代码_1": "CF_XDR_SHXYM",
		"CF_JDRQ": "CF_JDRQ", "处罚决定日期": "CF_JDRQ",
	}[h]
	return code, ok
}

func TestMapper(t *testing.T) {
	m, unknown, err := NewMapper([]string{"行政相对人名称", "", "备注说明", "统一社会信用代码*", "处罚决定日期（必填）", "序号"}, penaltyMatch)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"备注说明", "序号"}, unknown); diff != "" {
		t.Errorf("unknown (-want +got):\n%s", diff)
	}
	got := m.Map(Row{Num: 2, Values: vals("行政相对人名称", "某公司", "备注说明", "x", "统一社会信用代码*", "91220101MA0000000X", "处罚决定日期（必填）", "", "序号", "1")})
	want := map[string]string{"CF_XDR_MC": "某公司", "CF_XDR_SHXYM": "91220101MA0000000X"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Map (-want +got):\n%s", diff)
	}
	if h, ok := m.Header("CF_XDR_SHXYM"); !ok || h != "统一社会信用代码*" {
		t.Errorf("Header(CF_XDR_SHXYM) = %q, %v", h, ok)
	}
	if c, ok := m.Code("处罚决定日期（必填）"); !ok || c != "CF_JDRQ" {
		t.Errorf("Code = %q, %v", c, ok)
	}

	// JSON keys seen later.
	unknown, err = m.Extend([]string{"行政相对人名称", "CF_XDR_MC_X", "序号"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"CF_XDR_MC_X"}, unknown); diff != "" {
		t.Errorf("Extend unknown (-want +got):\n%s", diff)
	}
	_, err = m.Extend([]string{"CF_JDRQ"})
	wantCode(t, err, credit.EINVALID, "表头“处罚决定日期（必填）”与“CF_JDRQ”对应同一字段")
}

func TestMapperSameField(t *testing.T) {
	_, _, err := NewMapper([]string{"统一社会信用代码", "行政相对人名称", "CF_XDR_SHXYM"}, penaltyMatch)
	wantCode(t, err, credit.EINVALID, "表头“统一社会信用代码”与“CF_XDR_SHXYM”对应同一字段")
}
