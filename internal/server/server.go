// Package server is the platform's HTTP server: the root mux that mounts the
// JSON API under /api/ and the web pages everywhere else, and the middleware
// chain (recover → request log → security headers).
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/respond"
)

// Server serves the platform over HTTP.
type Server struct {
	Addr   string
	API    http.Handler
	Web    http.Handler
	Logger *slog.Logger

	srv *http.Server
	ln  net.Listener
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", s.API)
	if s.Web != nil {
		mux.Handle("/", s.Web)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		respond.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	// (The mux answers a path it cleans, /lists//black, with a redirect
	// whose body net/http writes in English.)
	return chain(respond.ChineseRedirects(mux), s.recover, s.logRequests, securityHeaders)
}

// Open starts listening on Addr (":0" picks a free port) and serves in the
// background.
func (s *Server) Open() error {
	if err := CheckAddr(s.Addr); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return listenError(s.Addr, err)
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("HTTP服务异常停止", slog.Any("error", err))
		}
	}()
	return nil
}

// CheckAddr refuses a listen address that is not host:port with a port in
// range, in Chinese (net.Listen says "missing port in address"), so that a
// command can refuse it before it opens anything. Port 0 (any free port) is
// for tests and not offered in the message.
func CheckAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return credit.Errorf(credit.EINVALID, "监听地址“%s”无效，应为“主机:端口”，如127.0.0.1:8080（IPv6地址写在方括号内，如[::1]:8080）", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil { // a service name ("http")
		if _, err := net.LookupPort("tcp", port); err == nil {
			return nil
		}
	}
	if err != nil || n < 0 || n > 65535 {
		return credit.Errorf(credit.EINVALID, "端口%s无效，应为1至65535", port)
	}
	return nil
}

// listenError says in Chinese why the server could not listen on addr;
// the system's words go along as its cause (errors.Is), not in the message.
func listenError(addr string, err error) error {
	host, port, _ := net.SplitHostPort(addr)
	var dns *net.DNSError
	var msg *credit.Error
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		msg = credit.Errorf(credit.EINVALID, "端口已被占用（可能已有平台在运行）：%s", addr)
	case errors.Is(err, syscall.EACCES):
		msg = credit.Errorf(credit.EINVALID, "没有监听端口%s的权限（1024以下的端口须有管理员权限），请换用1024以上的端口：%s", port, addr)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		msg = credit.Errorf(credit.EINVALID, "本机没有地址“%s”，无法在其上监听：%s", host, addr)
	case errors.As(err, &dns):
		msg = credit.Errorf(credit.EINVALID, "监听地址“%s”中的主机“%s”无法解析，请写本机的IP地址或主机名", addr, host)
	default:
		msg = credit.Errorf(credit.EINVALID, "无法监听地址%s", addr)
		return credit.WithCause(msg, err)
	}
	return credit.Explained(msg, err)
}

// URL returns the base URL the server listens on.
func (s *Server) URL() string {
	addr := s.ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, itoa(addr.Port))
}

// Close shuts the server down gracefully.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

func chain(h http.Handler, mw ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

func (s *Server) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Logger.Error("请求处理中发生内部错误（panic）", slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
				respond.Error(w, r, nil, errors.New("panic"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		s.Logger.Debug("请求已处理", slog.Group("request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.Duration("took", time.Since(start))))
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
