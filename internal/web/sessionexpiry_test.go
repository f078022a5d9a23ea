package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The console says when the session ends, and the form sent after it is
// told that what it sent was not kept.
func TestSessionExpiryShown(t *testing.T) {
	mustFixture(t)
	a := login(t, "opa")
	before := time.Now()
	doc := a.doc("/console/", http.StatusOK)
	box := doc.Find("#session-expiry")
	at, err := time.Parse(time.RFC3339, box.AttrOr("data-expires", ""))
	if err != nil || at.Before(before.Add(11*time.Hour)) || at.After(before.Add(13*time.Hour)) {
		t.Errorf("session expiry on the page = %q (%v), want about 12 hours from now", box.AttrOr("data-expires", ""), err)
	}
	if !strings.HasPrefix(text(box), "登录有效至") || box.AttrOr("data-clock", "") == "" {
		t.Errorf("session expiry text %q, clock %q", text(box), box.AttrOr("data-clock", ""))
	}
	if doc.Find(`head script[src^="/static/session.js"][defer]`).Length() != 1 || doc.Find(`#session-warning[role=alert][hidden]`).Length() != 1 {
		t.Error("console page without session.js or a hidden #session-warning box")
	}
	// The public portal has neither.
	if pub := newClient(t).doc("/", http.StatusOK); pub.Find("#session-expiry, #session-warning, script[src*=session]").Length() != 0 {
		t.Error("the portal carries the console's session warning")
	}
	res := newClient(t).post("/console/measures", url.Values{"code": {"X"}})
	if body := text(parse(t, res, http.StatusUnauthorized).Find("main")); !strings.Contains(body, "本次提交的内容未保存") {
		t.Errorf("a form sent without a session: %q, want it to say what was sent is not kept", body)
	}
}

// In a browser the warning appears in the last 15 minutes of the session,
// not before: the page's clock is moved forward by 11 h 50 min.
func TestSessionExpiryWarningInBrowser(t *testing.T) {
	f := mustFixture(t)
	ctx := newBrowser(t, 1280, 900)
	browserLogin(t, ctx, f.url, "opa")
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("session-warning").hidden`))
	if err != nil || !hidden {
		t.Fatalf("warning shown right after sign-in (hidden=%v, %v)", hidden, err)
	}
	shift := (11*time.Hour + 50*time.Minute).Milliseconds()
	err = chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `(function(){var now=Date.now;Date.now=function(){return now()+` + strconv.FormatInt(shift, 10) + `;};})();`,
		})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	// Navigate returns after the load event: the deferred script has run.
	if err := chromedp.Do(ctx, chromedp.Navigate(f.url+"/console/measures")); err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function(){var b=document.getElementById("session-warning");return b.hidden?"":b.textContent;})()`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "过期") || !strings.Contains(msg, "未提交的内容不会保留") {
		t.Errorf("warning = %q", msg)
	}
}
