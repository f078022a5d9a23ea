package storage_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"jlcredit/internal/storage"
)

// A delivery that got no response says why in Chinese: real failures of
// an HTTP client, and constructed ones where a real one would need the
// network.
func TestTransportError(t *testing.T) {
	post := func(u string) error {
		t.Helper()
		res, err := http.Post(u, "application/json", strings.NewReader("{}"))
		if err == nil {
			res.Body.Close()
			t.Fatalf("POST %s succeeded", u)
		}
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/hook"
	l.Close()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	wrap := func(err error) error { return &url.Error{Op: "Post", URL: "https://hooks.example.invalid/x", Err: err} }
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"refused", post(closed), "拒绝连接"},
		{"unknown CA", post(tlsSrv.URL), "不是受信任的机构签发"},
		{"https to http", post(strings.Replace(plain.URL, "http://", "https://", 1)), "不支持HTTPS"},
		{"dns", wrap(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Name: "hooks.example.invalid", Err: "no such host", IsNotFound: true}}), "无法解析接收地址的域名“hooks.example.invalid”"},
		{"timeout", wrap(context.DeadlineExceeded), "超时"},
	} {
		got := storage.TransportError(tc.err)
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want it to say %q (from %v)", tc.name, got, tc.want, tc.err)
		}
		if strings.Contains(got, "技术信息") {
			t.Errorf("%s: %q falls back to the technical detail", tc.name, got)
		}
	}
	// Anything else keeps its technical detail.
	if got := storage.TransportError(wrap(net.UnknownNetworkError("carrier pigeon"))); !strings.HasPrefix(got, "推送失败，技术信息：") || !strings.Contains(got, "carrier pigeon") {
		t.Errorf("other error: %q", got)
	}
}
