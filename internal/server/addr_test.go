package server_test

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/server"
)

// A listen address that cannot be used stops the server with a Chinese
// message saying what is wrong and what is expected; the system's words
// ("bind: address already in use") are the cause, never the message.
func TestOpenAddrErrorsChinese(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		addr, want string
		cause      error
	}{
		{busy.Addr().String(), "端口已被占用（可能已有平台在运行）：" + busy.Addr().String(), syscall.EADDRINUSE},
		{"bad", "监听地址“bad”无效，应为“主机:端口”，如127.0.0.1:8080", nil},
		{"127.0.0.1", "监听地址“127.0.0.1”无效，应为“主机:端口”，如127.0.0.1:8080", nil},
		{"127.0.0.1:99999", "端口99999无效，应为1至65535", nil},
		{"127.0.0.1:-1", "端口-1无效，应为1至65535", nil},
		{"127.0.0.1:abc", "端口abc无效，应为1至65535", nil},
	} {
		s := &server.Server{Addr: tc.addr, API: http.NotFoundHandler(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		err := s.Open()
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", tc.addr)
			continue
		}
		msg := credit.ErrorMessage(err)
		if credit.ErrorCode(err) != credit.EINVALID || !strings.HasPrefix(msg, tc.want) {
			t.Errorf("Open(%q): %s %q, want invalid %q", tc.addr, credit.ErrorCode(err), msg, tc.want)
		}
		for _, w := range []string{"listen", "bind", "address already", "missing port", "invalid port"} {
			if strings.Contains(msg, w) {
				t.Errorf("Open(%q): message %q has %q", tc.addr, msg, w)
			}
		}
		if tc.cause != nil && !errors.Is(err, tc.cause) {
			t.Errorf("Open(%q): %v does not wrap %v", tc.addr, err, tc.cause)
		}
		var td interface{ TechnicalDetail() string }
		if errors.As(err, &td) && td.TechnicalDetail() != "" {
			t.Errorf("Open(%q): 技术信息 %q for a cause the message names", tc.addr, td.TechnicalDetail())
		}
	}
	// What is valid stays valid: any free port (tests), a service name.
	for _, addr := range []string{"127.0.0.1:0", ":0", "[::1]:0", "localhost:http"} {
		if err := server.CheckAddr(addr); err != nil {
			t.Errorf("CheckAddr(%q): %v", addr, err)
		}
	}
	s := &server.Server{Addr: "127.0.0.1:0", API: http.NotFoundHandler(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := s.Open(); err != nil {
		t.Fatalf("Open(127.0.0.1:0): %v", err)
	}
	s.Close()
}
