// Package ingesttest holds test helpers for the workbooks the platform
// writes.
package ingesttest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"jlcredit/internal/record/ingest"
)

// WorkbookProps opens a workbook written at or after since and checks its
// document properties as ingest.SetWorkbookProps sets them: the platform as
// author and application, zh-CN, created and modified at the time of
// writing in UTC, and a title starting with title. It returns the open
// workbook (closed when the test ends) for further checks.
func WorkbookProps(tb testing.TB, workbook []byte, title string, since time.Time) *excelize.File {
	tb.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(workbook))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	doc, err := f.GetDocProps()
	if err != nil {
		tb.Fatal(err)
	}
	if doc.Creator != ingest.WorkbookAuthor || doc.LastModifiedBy != ingest.WorkbookAuthor || doc.Language != "zh-CN" || !strings.HasPrefix(doc.Title, title) {
		tb.Errorf("doc props = %+v, want the platform as author, zh-CN, a title starting %q", doc, title)
	}
	for _, at := range []string{doc.Created, doc.Modified} {
		tm, err := time.Parse(time.RFC3339, at)
		if err != nil || tm.Before(since.Add(-time.Second)) || tm.After(time.Now().Add(time.Second)) || !strings.HasSuffix(at, "Z") {
			tb.Errorf("created/modified %q, want the time of writing in UTC", at)
		}
	}
	app, err := f.GetAppProps()
	if err != nil {
		tb.Fatal(err)
	}
	if app.Application != ingest.WorkbookApplication {
		tb.Errorf("application = %q, want %q", app.Application, ingest.WorkbookApplication)
	}
	return f
}
