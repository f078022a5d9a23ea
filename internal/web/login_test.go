package web_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"jlcredit/internal/access"
	"jlcredit/internal/credit/credittest"
	"jlcredit/internal/web"
)

// TestLoginRateLimit signs in against a web server of its own, whose clock
// the test moves: a client gets 20 failed attempts in any 5 minutes, then
// 429 with Retry-After; successful sign-ins do not count; the client is its
// address (IPv6: its /64), not what X-Forwarded-For claims.
func TestLoginRateLimit(t *testing.T) {
	f := mustFixture(t)
	clock := credittest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	w, err := web.New(web.Options{Backend: f.db, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	post := func(remote, username, password string, header ...string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"username": {username}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		req.RemoteAddr = remote
		rec := httptest.NewRecorder()
		w.ServeHTTP(rec, req)
		return rec
	}
	// fail makes a failed attempt; without a password it costs no
	// password hash, and counts the same.
	fail := func(remote string, header ...string) {
		t.Helper()
		if rec := post(remote, "nobody-at-all", "", header...); rec.Code != http.StatusUnauthorized {
			t.Fatalf("failed sign-in from %s: %d, want 401", remote, rec.Code)
		}
	}
	throttled := func(rec *httptest.ResponseRecorder, retryAfter, minutes string) {
		t.Helper()
		if rec.Code != http.StatusTooManyRequests {
			t.Fatalf("status %d, want 429", rec.Code)
		}
		if got := rec.Header().Get("Retry-After"); got != retryAfter {
			t.Errorf("Retry-After = %q, want %q", got, retryAfter)
		}
		doc, err := goquery.NewDocumentFromReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		want := "登录尝试过于频繁，请" + minutes + "分钟后再试"
		if got := text(doc.Find(".alert-error")); got != want {
			t.Errorf("message %q, want %q", got, want)
		}
		if doc.Find(`form[action="/login"]`).Length() != 1 {
			t.Errorf("the 429 page has no sign-in form")
		}
	}

	t.Run("Limit", func(t *testing.T) {
		const ip = "192.0.2.10:50000"
		for range 18 {
			fail(ip)
		}
		if rec := post(ip, "opa", "wrong-password-1"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d, want 401", rec.Code)
		}
		// Signing in does not use up the client's attempts.
		for range 3 {
			if rec := post(ip, "opa", testPassword); rec.Code != http.StatusSeeOther {
				t.Fatalf("sign-in: %d, want 303", rec.Code)
			}
		}
		fail(ip) // the 20th
		throttled(post(ip, "nobody-at-all", "wrong-password-1"), "300", "5")
		// Nor does the right password get through meanwhile.
		throttled(post(ip, "opa", testPassword), "300", "5")
		// X-Forwarded-For is not believed: no proxy is trusted.
		throttled(post(ip, "opa", testPassword, "X-Forwarded-For", "198.51.100.1"), "300", "5")
		// Another client is not affected.
		fail("192.0.2.11:50000")
		clock.Add(4*time.Minute + 30*time.Second)
		throttled(post(ip, "nobody-at-all", "wrong-password-1"), "30", "1")
		clock.Add(30 * time.Second)
		fail(ip)
	})

	t.Run("SlidingWindow", func(t *testing.T) {
		const ip = "192.0.2.20:1"
		for range 10 {
			fail(ip)
		}
		clock.Add(3 * time.Minute)
		for range 10 {
			fail(ip)
		}
		throttled(post(ip, "nobody-at-all", "wrong-password-1"), "120", "2")
		clock.Add(2 * time.Minute) // the first ten leave the window
		for range 10 {
			fail(ip)
		}
		throttled(post(ip, "nobody-at-all", "wrong-password-1"), "180", "3")
	})

	t.Run("IPv6Network", func(t *testing.T) {
		for i := range 20 {
			fail("[2001:db8:1:2::" + string(rune('a'+i%6)) + "]:443")
		}
		throttled(post("[2001:db8:1:2:ffff::1]:443", "nobody-at-all", "wrong-password-1"), "300", "5")
		fail("[2001:db8:1:3::1]:443")
	})
}

// TestLoginRateLimitBehindProxy checks the sign-in limit behind trusted
// reverse proxies (Options.TrustedProxies): each client X-Forwarded-For
// names has its own 20 failures, so one client over its limit does not
// lock the others out through the shared proxy; a client cannot move to a
// fresh key by putting addresses of its own left of what the proxy
// appended; and from a peer that is not a trusted proxy the header is
// ignored.
func TestLoginRateLimitBehindProxy(t *testing.T) {
	f := mustFixture(t)
	clock := credittest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	proxies, err := web.ParseTrustedProxies("10.0.0.0/8,127.0.0.1/32")
	if err != nil {
		t.Fatal(err)
	}
	w, err := web.New(web.Options{Backend: f.db, Now: clock.Now, TrustedProxies: proxies})
	if err != nil {
		t.Fatal(err)
	}
	post := func(remote, xff, username, password string) int {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"username": {username}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		req.RemoteAddr = remote
		rec := httptest.NewRecorder()
		w.ServeHTTP(rec, req)
		return rec.Code
	}
	const proxy, inner = "10.0.0.5:40000", "127.0.0.1:40000"

	// The sprayer, behind two proxies, puts a new address of its own on
	// the left of the header each time; the proxies append what they saw.
	for i := range 20 {
		xff := "203.0.113." + strconv.Itoa(i) + ", 198.51.100.66, 10.0.0.5"
		if code := post(inner, xff, "nobody-at-all", ""); code != http.StatusUnauthorized {
			t.Fatalf("failed sign-in %d: %d, want 401", i+1, code)
		}
	}
	if code := post(proxy, "203.0.113.200, 198.51.100.66", "nobody-at-all", ""); code != http.StatusTooManyRequests {
		t.Errorf("the sprayer's 21st attempt: %d, want 429", code)
	}
	if code := post(proxy, "198.51.100.66", "opa", testPassword); code != http.StatusTooManyRequests {
		t.Errorf("the sprayer with the right password: %d, want 429", code)
	}
	// Everyone else behind the same proxy still signs in.
	if code := post(proxy, "198.51.100.67", "opa", testPassword); code != http.StatusSeeOther {
		t.Errorf("another client behind the proxy: %d, want 303", code)
	}
	if code := post(proxy, "198.51.100.68", "nobody-at-all", ""); code != http.StatusUnauthorized {
		t.Errorf("another client's failed sign-in: %d, want 401", code)
	}
	// IPv6 clients behind the proxy count by their /64, as direct ones do.
	for i := range 20 {
		post(proxy, "2001:db8:5:6::"+strconv.Itoa(i+1), "nobody-at-all", "")
	}
	if code := post(proxy, "2001:db8:5:6::ffff", "nobody-at-all", ""); code != http.StatusTooManyRequests {
		t.Errorf("an IPv6 client's /64 behind the proxy: %d, want 429", code)
	}
	// Not a trusted proxy: the header is the client's own claim, ignored.
	const direct = "192.0.2.50:1234"
	for i := range 20 {
		post(direct, "198.51.100."+strconv.Itoa(100+i), "nobody-at-all", "")
	}
	if code := post(direct, "198.51.100.250", "nobody-at-all", ""); code != http.StatusTooManyRequests {
		t.Errorf("a direct client naming a new X-Forwarded-For: %d, want 429", code)
	}
	// The proxies themselves, sending without the header, are one client
	// each and were not charged for their clients.
	if code := post(proxy, "", "nobody-at-all", ""); code != http.StatusUnauthorized {
		t.Errorf("the proxy's own failed sign-in: %d, want 401", code)
	}
}

// TestUserSearchTooLong checks that a console search text over 100
// characters is a 400 page saying so, not a 500 (SQLite refuses a long
// LIKE pattern as too complex).
func TestUserSearchTooLong(t *testing.T) {
	c := login(t, "admin")
	for _, path := range []string{
		"/console/users?q=" + url.QueryEscape(strings.Repeat("张%_", 20000)),
		"/console/users?q=" + strings.Repeat("a", 101),
		"/console/departments?q=" + strings.Repeat("a", 101),
	} {
		doc := c.doc(path, http.StatusBadRequest)
		if got := text(doc.Find("main")); !strings.Contains(got, "搜索内容不能超过100个字符") {
			t.Errorf("GET %.60s…: page %q, want it to say the search is too long", path, got)
		}
	}
	for _, path := range []string{
		"/console/users?q=" + strings.Repeat("a", 100),
		"/console/departments?q=" + strings.Repeat("a", 100),
	} {
		c.doc(path, http.StatusOK)
	}
}

// TestSecureCookieBehindProxy checks that the session cookie is Secure when
// a trusted proxy says the browser came over HTTPS, and not when the same
// header comes from any other peer.
func TestSecureCookieBehindProxy(t *testing.T) {
	f := mustFixture(t)
	proxies, err := web.ParseTrustedProxies("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	w, err := web.New(web.Options{Backend: f.db, TrustedProxies: proxies})
	if err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		remote string
		secure bool
	}{
		{"10.0.0.5:40000", true},
		{"192.0.2.50:1234", false},
	} {
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"username": {"opa"}, "password": {testPassword}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-For", "198.51.100.7")
		req.RemoteAddr = test.remote
		rec := httptest.NewRecorder()
		w.ServeHTTP(rec, req)
		cookie := rec.Header().Get("Set-Cookie")
		if rec.Code != http.StatusSeeOther || cookie == "" {
			t.Fatalf("sign-in from %s: %d, cookie %q", test.remote, rec.Code, cookie)
		}
		if got := strings.Contains(cookie, "Secure"); got != test.secure {
			t.Errorf("from %s with X-Forwarded-Proto https: Secure %v, want %v (%q)", test.remote, got, test.secure, cookie)
		}
	}
}

// downSessions is a backend whose session store cannot be reached.
type downSessions struct{ web.Backend }

func (downSessions) FindSession(context.Context, string) (*access.Session, error) {
	return nil, fmt.Errorf("storage: connect: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
}

// TestSessionStoreDown checks that a signed-in user is not sent to the
// login page, as if signed out, when the database is down: the console
// answers 503 with Retry-After and says so in Chinese.
func TestSessionStoreDown(t *testing.T) {
	f := mustFixture(t)
	w, err := web.New(web.Options{Backend: downSessions{f.db}})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/console/", "/console/batches"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: "some-session-token"})
		rec := httptest.NewRecorder()
		w.ServeHTTP(rec, req)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("GET %s with the database down: %d (Location %q, Retry-After %q), want 503 with Retry-After",
				path, rec.Code, rec.Header().Get("Location"), rec.Header().Get("Retry-After"))
		}
		if body := rec.Body.String(); !strings.Contains(body, "数据库暂时不可用") {
			t.Errorf("GET %s: page does not say the database is unavailable", path)
		}
	}
	// Without a cookie the session store is not asked: the login page.
	req := httptest.NewRequest(http.MethodGet, "/console/", nil)
	rec := httptest.NewRecorder()
	w.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Errorf("GET /console/ without a session: %d, want 303 to the login page", rec.Code)
	}
}
