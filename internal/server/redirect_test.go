package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCleanedPathRedirectZh: the root mux answers a path it cleans with a
// redirect whose body net/http writes in English (“Temporary Redirect”);
// the body is Chinese, the Location kept.
func TestCleanedPathRedirectZh(t *testing.T) {
	web := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "页面") })
	s := &Server{API: http.NotFoundHandler(), Web: web, Logger: slog.New(slog.DiscardHandler)}
	for _, path := range []string{"/lists//black", "/static/../lists"} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		body := rec.Body.String()
		if rec.Code < 300 || rec.Code >= 400 || rec.Header().Get("Location") == "" || !strings.Contains(body, "正在跳转到") || strings.Contains(body, "Redirect") {
			t.Errorf("GET %s: %d, Location %q, body %q; want a redirect with a Chinese body", path, rec.Code, rec.Header().Get("Location"), body)
		}
	}
}
