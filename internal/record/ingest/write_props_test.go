package ingest_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"jlcredit/internal/record/ingest"
	"jlcredit/internal/record/ingest/ingesttest"
)

// The error sheet names the platform as its author and application, not
// excelize's defaults (author xuri, created 2006, Go Excelize).
func TestWriteErrorsXLSXProps(t *testing.T) {
	if ingest.WorkbookAuthor != "吉林省公共信用信息平台" || ingest.WorkbookApplication != "信用综合服务平台" {
		t.Errorf("author %q, application %q", ingest.WorkbookAuthor, ingest.WorkbookApplication)
	}
	var b bytes.Buffer
	before := time.Now()
	rows := []ingest.ErrorRow{
		{Row: 2, Values: map[string]string{"名称": "长春某某有限公司", "代码": "91220101MA0Y12340X", "事实": "="}, Messages: []string{"统一社会信用代码校验位错误", "处罚决定日期不能晚于今天"}},
	}
	if err := ingest.WriteErrorsXLSX(&b, []string{"名称", "代码", "事实"}, slices.Values(rows)); err != nil {
		t.Fatal(err)
	}
	f := ingesttest.WorkbookProps(t, b.Bytes(), "错误数据", before)
	// The content is the sheet's as before.
	got, err := f.GetRows("错误数据")
	if err != nil || len(got) != 2 || got[0][3] != ingest.HeaderRow || got[1][4] != "统一社会信用代码校验位错误；处罚决定日期不能晚于今天" {
		t.Errorf("rows = %q, %v", got, err)
	}
}

// The import template, too.
func TestWriteTemplateXLSXProps(t *testing.T) {
	var b bytes.Buffer
	before := time.Now()
	if err := ingest.WriteTemplateXLSX(&b, "行政处罚", []ingest.TemplateColumn{{Header: "行政处罚决定书文号"}}); err != nil {
		t.Fatal(err)
	}
	ingesttest.WorkbookProps(t, b.Bytes(), "行政处罚导入模板", before)
}
