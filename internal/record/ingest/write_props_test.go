package ingest

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// The error sheet names the platform as its author and application, not
// excelize's defaults (author xuri, created 2006, Go Excelize).
func TestWriteErrorsXLSXProps(t *testing.T) {
	var b bytes.Buffer
	before := time.Now().UTC().Add(-time.Second)
	if err := WriteErrorsXLSX(&b, []string{"名称", "代码", "事实"}, slices.Values(errorRows)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	if doc.Creator != WorkbookAuthor || doc.LastModifiedBy != WorkbookAuthor || doc.Title != "错误数据" || doc.Language != "zh-CN" {
		t.Errorf("doc props = %+v", doc)
	}
	if WorkbookAuthor != "吉林省公共信用信息平台" || WorkbookApplication != "信用综合服务平台" {
		t.Errorf("author %q, application %q", WorkbookAuthor, WorkbookApplication)
	}
	for _, at := range []string{doc.Created, doc.Modified} {
		tm, err := time.Parse(time.RFC3339, at)
		if err != nil || tm.Before(before) || tm.After(time.Now().Add(time.Second)) || !strings.HasSuffix(at, "Z") {
			t.Errorf("created/modified %q, want now in UTC", at)
		}
	}
	app, err := f.GetAppProps()
	if err != nil {
		t.Fatal(err)
	}
	if app.Application != WorkbookApplication {
		t.Errorf("application = %q", app.Application)
	}
	// The content is the sheet's as before.
	rows, err := f.GetRows("错误数据")
	if err != nil || len(rows) != len(errorRows)+1 || rows[0][3] != HeaderRow || rows[1][4] != "统一社会信用代码校验位错误；处罚决定日期不能晚于今天" {
		t.Errorf("rows = %q, %v", rows, err)
	}
}

// The import template, too: the platform as author and application, now
// as created, zh-CN.
func TestWriteTemplateXLSXProps(t *testing.T) {
	var b bytes.Buffer
	before := time.Now().UTC().Add(-time.Second)
	if err := WriteTemplateXLSX(&b, "行政处罚", []TemplateColumn{{Header: "行政处罚决定书文号"}}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	if doc.Creator != WorkbookAuthor || doc.LastModifiedBy != WorkbookAuthor || doc.Title != "行政处罚导入模板" || doc.Language != "zh-CN" {
		t.Errorf("doc props = %+v", doc)
	}
	if tm, err := time.Parse(time.RFC3339, doc.Created); err != nil || tm.Before(before) {
		t.Errorf("created %q, want now", doc.Created)
	}
	if app, err := f.GetAppProps(); err != nil || app.Application != WorkbookApplication {
		t.Errorf("application = %+v, %v", app, err)
	}
}
