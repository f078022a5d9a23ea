package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"jlcredit/internal/web"
)

// testClock is a clock tests move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestLoginRateLimit signs in against a web server of its own, whose clock
// the test moves: a client gets 20 failed attempts in any 5 minutes, then
// 429 with Retry-After; successful sign-ins do not count; the client is its
// address (IPv6: its /64), not what X-Forwarded-For claims.
func TestLoginRateLimit(t *testing.T) {
	f := mustFixture(t)
	clock := &testClock{now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
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
		// X-Forwarded-For is not believed: the proxy setting does not exist.
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
