package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
)

// TestScreenshots saves the main pages at desktop (1280 px) and phone
// (375 px) widths under docs/screenshots. It runs only with
// CREDIT_SCREENSHOTS=1:
//
//	CREDIT_SCREENSHOTS=1 go test ./internal/web -run TestScreenshots
func TestScreenshots(t *testing.T) {
	if os.Getenv("CREDIT_SCREENSHOTS") != "1" {
		t.Skip("set CREDIT_SCREENSHOTS=1 to write docs/screenshots")
	}
	f := mustFixture(t)
	out := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	// A receipt with rejected rows, uploaded by the operator.
	op := login(t, "opa")
	data, _ := badCSV(t, 8)
	res := op.upload("penalty", "", "2026年11月行政处罚.csv", data)
	receipt := res.Header.Get("Location")
	if !strings.HasPrefix(receipt, "/console/batches/") {
		t.Fatalf("upload: %d %s", res.StatusCode, receipt)
	}
	batch := strings.SplitN(receipt, "?", 2)[0]
	subjectCode, subjectName := busiestSubject(t, f)
	search := "/search?q=" + string([]rune(subjectName)[:3])
	subscriptions, deliveries := seedDeliveries(t)
	bad := badEntry(t)
	// A verification with hits, as department B; A's entry about the
	// black-listed company.
	ls := seedLists(t)
	verification, _ := verifyAs(t, login(t, "opb"), "长春市某某政府采购项目供应商资格审查", ls.company, ls.sub, ls.red, ls.watched)
	entry := entryLink(login(t, "opa").doc("/console/lists/entries", 200), ls.companyName)
	if entry == "" {
		t.Fatal("no console entry page for the black-listed company")
	}

	type shot struct {
		name, path, user string
		prepare          func(ctx context.Context) error
	}
	shots := []shot{
		{name: "home", path: "/"},
		{name: "search", path: search},
		{name: "subject", path: "/subjects/" + subjectCode},
		{name: "publicity", path: "/publicity/penalty"},
		{name: "login", path: "/login"},
		{name: "dashboard", path: "/console/", user: "opa"},
		{name: "upload", path: "/console/upload", user: "opa"},
		{name: "receipt", path: receipt, user: "opa"},
		{name: "batch", path: batch + "?page=1", user: "admin"},
		{name: "archive", path: "/console/subjects/view?code=" + subjectCode, user: "region", prepare: func(ctx context.Context) error {
			return chromedp.Do(ctx,
				chromedp.SetValue(chromedp.ID("reason"), "行政许可审批"),
				chromedp.SendKeys(chromedp.ID("note"), "食品经营许可（新办）"),
				chromedp.Click(chromedp.CSS(`form[action="/console/subjects/archive"] button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(".alert-info")),
			)
		}},
		// The query log, with the archive view just above in it.
		{name: "querylog", path: "/console/querylog", user: "admin"},
		// The list entry form, sent back with the validator's messages.
		{name: "listentry", path: "/console/lists/new", user: "opa", prepare: func(ctx context.Context) error {
			steps := append(fillEntry(bad), chromedp.Click(chromedp.CSS(`form.entry-form button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("form-errors")))
			return chromedp.Do(ctx, steps...)
		}},
		{name: "department", path: "/console/departments/" + f.depA.Code, user: "admin"},
		{name: "subscriptions", path: subscriptions, user: "opsub"},
		{name: "subscription", path: deliveries, user: "opsub"},
		{name: "verification", path: verification, user: "opb"},
		{name: "verifications", path: "/console/verifications", user: "opb"},
		{name: "verificationstats", path: "/console/verifications/stats", user: "admin"},
		{name: "measures", path: "/console/measures", user: "admin"},
		{name: "entry", path: entry, user: "opa"},
	}
	for _, size := range []struct {
		label         string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 800, false}, {"phone", 375, 812, true}} {
		browsers := map[string]context.Context{}
		for _, s := range shots {
			ctx := browsers[s.user]
			if ctx == nil {
				ctx = newBrowser(t, int(size.width), int(size.height))
				if s.user != "" {
					browserLogin(t, ctx, f.url, s.user)
				}
				browsers[s.user] = ctx
			}
			opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
			if size.mobile {
				opts = []chromedp.EmulateViewportOption{chromedp.EmulateScale(2), chromedp.EmulateMobile}
			}
			err := chromedp.Do(ctx, chromedp.EmulateViewport(size.width, size.height, opts...), chromedp.Navigate(f.url+s.path),
				chromedp.WaitVisible(chromedp.CSS("main")))
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if s.prepare != nil {
				if err := s.prepare(ctx); err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			file := filepath.Join(out, s.name+"-"+size.label+".png")
			if err := os.WriteFile(file, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s (%d KB)", file, len(png)>>10)
		}
	}
}

// busiestSubject returns the USCC of the organisation with the most public
// 双公示 records, for a screenshot with something to show.
func busiestSubject(t *testing.T, f *fixture) (code, name string) {
	t.Helper()
	recs, _, err := f.db.FindRecords(context.Background(), record.RecordFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[credit.SubjectID]bool{}
	var list []credit.SubjectID
	for _, r := range recs {
		if !ids[r.SubjectID] {
			ids[r.SubjectID] = true
			list = append(list, r.SubjectID)
		}
	}
	counts, err := f.db.CountPublicRecords(context.Background(), list)
	if err != nil {
		t.Fatal(err)
	}
	best := 0
	code, name = f.subjectCode, f.subjectName
	for _, id := range list {
		n := 0
		for _, c := range counts[id] {
			n += c
		}
		if n > best {
			if s, err := f.db.FindSubjectByID(context.Background(), id); err == nil && s.USCC != "" {
				best, code, name = n, s.USCC, s.Name
			}
		}
	}
	return code, name
}
