package lists

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"jlcredit/internal/credit"
)

// reportHTML is the printable verification report (信用核查报告): a
// standalone zh-CN page with its own print CSS, no script and nothing
// loaded. The console and the JSON API both serve it (WriteReportHTML).
//
//go:embed report.html
var reportHTML string

var reportTemplate = template.Must(template.New("report.html").Parse(reportHTML))

// ReportHTMLPolicy is the Content-Security-Policy to serve the printable
// report with: nothing loaded, no script, and only the page's own inline
// style, allowed by its hash.
var ReportHTMLPolicy = "default-src 'none'; style-src '" + styleHash(reportHTML) + "'; img-src data:; base-uri 'none'; form-action 'none'"

// styleHash returns the CSP source ('sha256-…' without the quotes) of the
// one <style> element of page.
func styleHash(page string) string {
	_, css, ok := strings.Cut(page, "<style>")
	css, _, ok2 := strings.Cut(css, "</style>")
	if !ok || !ok2 || strings.Contains(css, "{{") {
		panic("lists: report.html needs one constant <style> element")
	}
	sum := sha256.Sum256([]byte(css))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// ReportHTMLOptions are what differs between the channels serving the
// printable report; its content is the same for all.
type ReportHTMLOptions struct {
	// Back is a link back to the verification, shown on screen above the
	// report and not printed; none when empty.
	Back string
	// Feedback is a sentence of the closing note telling how hits' 执行反馈
	// is reported through the channel; none when empty.
	Feedback string
	// Generated is when the report is written; shown in Asia/Shanghai.
	Generated time.Time
}

// reportHTMLData is the data of report.html.
type reportHTMLData struct {
	Title     string
	Back      string
	Feedback  string
	Info      [][2]string
	Header    []string
	Rows      []ReportRow
	Generated string
}

// VerdictClass returns the CSS class of a row by its verdict.
func (reportHTMLData) VerdictClass(v Verdict) string {
	switch v {
	case Restricted:
		return "restricted"
	case Caution:
		return "caution"
	case Incentive:
		return "incentive"
	case Undetermined:
		return "undetermined"
	}
	return "none"
}

// WriteReportHTML writes the verification report as a printable page: the
// verification's information (ReportInfo, with the data version), one row
// per subject under ReportHeader (ReportRows: identity numbers of persons
// masked), and a closing note. Serve it with ReportHTMLPolicy. The JSON API
// and the console both serve it.
func WriteReportHTML(w io.Writer, v *Verification, o ReportHTMLOptions) error {
	d := reportHTMLData{
		Title:     "信用核查报告-" + strconv.FormatInt(v.ID, 10),
		Back:      o.Back,
		Feedback:  o.Feedback,
		Info:      ReportInfo(v),
		Header:    ReportHeader,
		Rows:      ReportRows(v),
		Generated: o.Generated.In(credit.Shanghai).Format("2006-01-02 15:04"),
	}
	return reportTemplate.Execute(w, d)
}
