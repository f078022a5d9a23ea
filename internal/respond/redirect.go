package respond

import (
	"html"
	"io"
	"net/http"
)

// RedirectBody is the HTML body of a redirect to target, in Chinese, for
// the rare client that shows it (http.Redirect writes English: “See
// Other”).
func RedirectBody(target string) string {
	t := html.EscapeString(target)
	return "<!doctype html>\n<meta charset=\"utf-8\"><title>正在跳转</title>\n<p>正在跳转到 <a href=\"" + t + "\">" + t + "</a>……</p>\n"
}

// ChineseRedirects rewrites the body of the redirects h writes for GET
// requests into RedirectBody's: net/http's own (a ServeMux's, to a cleaned
// path or one with a trailing slash) are English, “Moved Permanently”.
// Only GET requests get a body from http.Redirect, and only they are
// wrapped.
func ChineseRedirects(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w = &zhRedirects{ResponseWriter: w}
		}
		h.ServeHTTP(w, r)
	})
}

type zhRedirects struct {
	http.ResponseWriter
	redirected bool
}

func (w *zhRedirects) WriteHeader(code int) {
	loc := w.Header().Get("Location")
	if w.redirected || code < 300 || code >= 400 || loc == "" {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.redirected = true
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Del("Content-Length")
	w.ResponseWriter.WriteHeader(code)
	_, _ = io.WriteString(w.ResponseWriter, RedirectBody(loc))
}

func (w *zhRedirects) Write(b []byte) (int, error) {
	if w.redirected {
		return len(b), nil // the English body, replaced
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *zhRedirects) Unwrap() http.ResponseWriter { return w.ResponseWriter }
