package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// crawl visits every internal link reachable from start (up to limit
// pages) and reports those that do not answer 200. Only pages under expand
// are searched for more links; links into deep paging are followed only for
// the first pages.
func crawl(t *testing.T, c *client, start, expand string, limit int) int {
	t.Helper()
	seen := map[string]bool{start: true}
	queue := []string{start}
	from := map[string]string{}
	visited := 0
	for len(queue) > 0 && visited < limit {
		path := queue[0]
		queue = queue[1:]
		visited++
		res := c.get(path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s (linked from %s): %d", path, from[path], res.StatusCode)
			continue
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.HasPrefix(path, expand) {
			continue
		}
		doc, err := goquery.NewDocumentFromReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		doc.Find("a[href], link[href], script[src]").Each(func(_ int, s *goquery.Selection) {
			href, ok := s.Attr("href")
			if !ok {
				href, _ = s.Attr("src")
			}
			u, err := url.Parse(href)
			if err != nil {
				t.Errorf("%s: bad link %q", path, href)
				return
			}
			if u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
				if !strings.HasPrefix(href, "#") && !u.IsAbs() {
					t.Errorf("%s: relative link %q", path, href)
				}
				return
			}
			if strings.HasPrefix(u.Path, "/api/") {
				return
			}
			if p := u.Query().Get("page"); p != "" && len(p) > 1 {
				return // page 10 and beyond
			}
			u.Fragment = ""
			target := u.String()
			if !seen[target] {
				seen[target] = true
				from[target] = path
				queue = append(queue, target)
			}
		})
	}
	return visited
}

func TestCrawlPortal(t *testing.T) {
	c := newClient(t)
	c.http.CheckRedirect = nil // a link may redirect, as long as it ends on a page
	n := crawl(t, c, "/", "/", 3000)
	if n < 50 {
		t.Errorf("crawled only %d pages", n)
	}
	t.Logf("portal: %d pages", n)
}

func TestCrawlConsole(t *testing.T) {
	for _, user := range []string{"admin", "opa", "region"} {
		t.Run(user, func(t *testing.T) {
			c := login(t, user)
			c.http.CheckRedirect = nil
			n := crawl(t, c, "/console/", "/console/", 3000)
			if n < 10 {
				t.Errorf("crawled only %d pages", n)
			}
			t.Logf("console as %s: %d pages", user, n)
		})
	}
}
