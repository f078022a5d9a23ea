package web_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// chromiumPath returns the browser for the end-to-end tests. Without one
// the tests are skipped, except in CI (CI set), where that is a failure.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CREDIT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed, and CI is set: the end-to-end tests must run (apt-get install chromium fonts-noto-cjk)")
	}
	t.Skip("chromium is not installed (apt-get install chromium fonts-noto-cjk); set CI to make this a failure")
	return ""
}

// newBrowser starts a headless Chromium with an empty profile and returns
// its context; it is stopped when the test ends.
func newBrowser(t *testing.T, width, height int) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// Script errors and console errors (such as a content security policy
	// violation) fail the test.
	var mu sync.Mutex
	var problems []string
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			problems = append(problems, "script error: "+e.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded:
			// 403, 404 and 422 (a form shown again with its validation
			// messages) are answers the tests provoke.
			if e.Entry.Level == cdplog.EntryLevelError && !strings.Contains(e.Entry.Text, "status of 403") && !strings.Contains(e.Entry.Text, "status of 404") &&
				!strings.Contains(e.Entry.Text, "status of 422") {
				problems = append(problems, "console: "+e.Entry.Text)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("browser: %s", p)
		}
	})
	return ctx
}

// browserLogin signs in through the login form.
func browserLogin(t *testing.T, ctx context.Context, base, username string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
	)
	if err != nil {
		t.Fatalf("login form: %v", err)
	}
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)))
	if err != nil {
		t.Fatalf("login submit: %v", err)
	}
	if res.Status != 200 || !strings.HasSuffix(res.URL, "/console/") {
		t.Fatalf("after login: %d %s", res.Status, res.URL)
	}
}

// downloads enables downloads into a new directory and returns it.
func downloads(t *testing.T, ctx context.Context) string {
	t.Helper()
	dir := t.TempDir()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		enabled := true
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &enabled,
		})
		return err
	}))
	if err != nil {
		t.Fatalf("enable downloads: %v", err)
	}
	return dir
}

// download clicks sel and waits for the download to complete; it returns
// the path of the file.
func download(t *testing.T, ctx context.Context, dir string, sel chromedp.CSS) string {
	t.Helper()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	if err := chromedp.Do(ctx, chromedp.Click(sel)); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download %s: %v", sel, err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			return filepath.Join(dir, ev.GUID)
		case browser.DownloadProgressStateCanceled:
			t.Fatalf("download %s canceled", sel)
		}
	}
	t.Fatalf("download %s: no completion event", sel)
	return ""
}

// TestBrowser drives the platform in headless Chromium: a department
// operator downloads the template, uploads a file with bad rows, reads the
// receipt and downloads the error sheet; a second department's operator
// cannot open that batch; a visitor searches and opens a subject page.
func TestBrowser(t *testing.T) {
	f := mustFixture(t)
	var batchURL string

	t.Run("DepartmentOperator", func(t *testing.T) {
		ctx := newBrowser(t, 1280, 900)
		browserLogin(t, ctx, f.url, "e2ea")
		heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main h1")))
		if err != nil || heading != "工作台" {
			t.Fatalf("dashboard heading %q (%v)", heading, err)
		}
		dir := downloads(t, ctx)
		if err := chromedp.Do(ctx, chromedp.Navigate(f.url+"/console/upload"), chromedp.WaitVisible(chromedp.ID("upload-form"))); err != nil {
			t.Fatal(err)
		}
		tpl := download(t, ctx, dir, `a[href="/console/templates/penalty.xlsx"]`)
		x, err := excelize.OpenFile(tpl)
		if err != nil {
			t.Fatalf("template: %v", err)
		}
		head, _ := x.GetRows("数据")
		x.Close()
		if len(head) == 0 || !strings.Contains(strings.Join(head[0], ","), "行政处罚决定书文号") {
			t.Fatalf("template header %v", head)
		}

		data, bad := badCSV(t, 6)
		file := filepath.Join(t.TempDir(), "处罚数据.csv")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		// Note whether the page script sends the file (with its progress
		// bar) rather than the plain form post.
		_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () {
			var send = XMLHttpRequest.prototype.send;
			XMLHttpRequest.prototype.send = function (b) { sessionStorage.setItem("xhr-upload", "1"); return send.call(this, b); };
			return true;
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		err = chromedp.Do(ctx,
			chromedp.SetValue(chromedp.ID("class"), "penalty"),
			chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}),
			chromedp.Click(chromedp.CSS(`#upload-form button[type=submit]`)),
		)
		if err != nil {
			t.Fatalf("upload: %v", err)
		}
		// The script uploads with a progress bar, then opens the receipt.
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		err = chromedp.Do(wctx, chromedp.WaitVisible(chromedp.ID("errors-title")))
		cancel()
		if err != nil {
			main, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("no receipt after upload (%v) at %s: %s", err, loc, main)
		}
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		if !strings.Contains(loc, "/console/batches/B") || !strings.Contains(loc, "new=1") {
			t.Fatalf("after upload: %s", loc)
		}
		batchURL = strings.SplitN(loc, "?", 2)[0]
		if xhr, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`sessionStorage.getItem("xhr-upload") || ""`)); xhr != "1" {
			t.Errorf("the upload did not go through the progress script")
		}
		figures, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".figures")))
		figures = strings.Join(strings.Fields(figures), "")
		if !strings.Contains(figures, "10总行数") || !strings.Contains(figures, "4拒绝") {
			t.Errorf("receipt figures %q, want 10 rows and %d rejected", figures, bad)
		}
		notice, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".alert-ok")))
		if !strings.Contains(notice, "回执") {
			t.Errorf("no receipt notice: %q", notice)
		}

		sheet := download(t, ctx, dir, `#download-errors`)
		x, err = excelize.OpenFile(sheet)
		if err != nil {
			t.Fatalf("error sheet: %v", err)
		}
		defer x.Close()
		rows, _ := x.GetRows(x.GetSheetName(0))
		if len(rows) != bad+1 {
			t.Errorf("error sheet: %d rows, want %d", len(rows), bad+1)
		}
		if h := rows[0]; h[len(h)-1] != "错误信息" {
			t.Errorf("error sheet: last column %q", h[len(h)-1])
		}
	})

	t.Run("OtherDepartment", func(t *testing.T) {
		if batchURL == "" {
			t.Skip("no batch from the first operator")
		}
		ctx := newBrowser(t, 1280, 900)
		browserLogin(t, ctx, f.url, "e2eb")
		res, err := chromedp.Run(ctx, chromedp.NavigateResponse(batchURL))
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != 403 {
			t.Errorf("GET another department's batch: %d, want 403", res.Status)
		}
		heading, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main h1")))
		if heading != "无权访问" {
			t.Errorf("heading %q, want 无权访问", heading)
		}
		res, err = chromedp.Run(ctx, chromedp.NavigateResponse(batchURL+"/errors.xlsx"))
		if err == nil && res.Status != 403 {
			t.Errorf("GET another department's error sheet: %d, want 403", res.Status)
		}
		list, _ := chromedp.Run(ctx, chromedp.NavigateResponse(f.url+"/console/batches"))
		if list == nil || list.Status != 200 {
			t.Fatalf("batch history: %v", list)
		}
		table, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("table")))
		if strings.Contains(table, strings.TrimPrefix(batchURL, f.url+"/console/batches/")) {
			t.Errorf("the other department's batch is listed")
		}
	})

	t.Run("Visitor", func(t *testing.T) {
		ctx := newBrowser(t, 1280, 900)
		name := []rune(f.subjectName)
		q := string(name[:len(name)-2])
		err := chromedp.Do(ctx,
			chromedp.Navigate(f.url+"/"),
			chromedp.WaitVisible(chromedp.ID("home-q")),
			chromedp.SendKeys(chromedp.ID("home-q"), q),
		)
		if err != nil {
			t.Fatal(err)
		}
		res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.hero button[type=submit]`)))
		if err != nil || res.Status != 200 {
			t.Fatalf("search: %v %v", res, err)
		}
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		if u, _ := url.Parse(loc); u.Path != "/search" || u.Query().Get("q") != q {
			t.Errorf("search URL %s", loc)
		}
		link := chromedp.CSS(`a[href="/subjects/` + f.subjectCode + `"]`)
		res, err = chromedp.RunResponse(ctx, chromedp.Click(link))
		if err != nil || res.Status != 200 {
			t.Fatalf("open subject: %v %v", res, err)
		}
		heading, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main h1")))
		if heading != f.subjectName {
			t.Errorf("subject heading %q, want %q", heading, f.subjectName)
		}
		title, _ := chromedp.Run(ctx, chromedp.Title())
		if !strings.HasSuffix(title, "信用吉林 - 信用综合服务平台") {
			t.Errorf("title %q", title)
		}
		sections, _ := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("main section h2"), chromedp.AtLeast(0)))
		if len(sections) == 0 {
			t.Errorf("no record sections on the subject page")
		}
		// The page fits a phone: no horizontal scrolling of the page itself.
		err = chromedp.Do(ctx, chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile), chromedp.Reload())
		if err != nil {
			t.Fatal(err)
		}
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
		if err != nil || wide {
			t.Errorf("subject page scrolls sideways at 375 px (%v)", err)
		}
	})
}
