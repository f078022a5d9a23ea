// Package web is the platform's face in the browser: the public portal
// (信用门户: search, subject pages, 双公示) and the console (管理端: uploads,
// batches, the government view of archives, the query log, catalog,
// departments, users and API keys) behind a session login.
//
// Pages are server-rendered html/template, parsed once at startup, each with
// its own typed page struct, rendered into a buffer before anything is
// written. Console requests carry a session cookie (HttpOnly, SameSite=Lax,
// Secure behind TLS); every state-changing request passes
// http.CrossOriginProtection and must carry the session's synchronizer token.
// The package speaks to the platform through domain interfaces only.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/archive"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/respond"
	"jlcredit/internal/subject"
)

// Backend is everything the web pages need from the platform.
type Backend interface {
	catalog.Service
	subject.Service
	record.Service
	record.QueryService
	archive.Service
	access.DepartmentService
	access.APIKeyService
	access.UserService
	access.SessionService
	access.QueryLogService
	lists.PublicService
	lists.Service
	lists.PushService
}

// Options configure New.
type Options struct {
	Backend Backend
	Logger  *slog.Logger
	// MaxUpload limits a console upload, in bytes (default 200 MB).
	MaxUpload int64
	// TrustedOrigins may send state-changing requests from another origin
	// (e.g. "https://credit.jl.gov.cn" behind a proxy that rewrites Host).
	TrustedOrigins []string
	// TrustedProxies are the networks of the reverse proxies in front of
	// the server (see ParseTrustedProxies). A request from one is counted
	// against the client X-Forwarded-For names, not against the proxy.
	TrustedProxies []netip.Prefix
	// CacheTTL is how long the latest 双公示 are cached (default 60 s).
	CacheTTL time.Duration
	// HeadlineTTL is how long the home page's headline figures are used
	// before they are counted again in the background (default 15 min):
	// counting reads every current record.
	HeadlineTTL time.Duration
	// Now returns the current time (default time.Now).
	Now func() time.Time
	// Demo says the server runs a demo province (credit serve --demo):
	// the pages say that their data is generated.
	Demo bool
}

// Server serves the portal and the console. It is an http.Handler.
type Server struct {
	demo      bool
	backend   Backend
	logger    *slog.Logger
	maxUpload int64
	proxies   []netip.Prefix // trusted reverse proxies (Options.TrustedProxies)
	now       func() time.Time
	pages     *pages
	cop       *http.CrossOriginProtection
	handler   http.Handler

	home      cached[*homeData]
	headline  cached[*record.Headline]
	listIndex cached[[]ListGroupCount] // the counts of /lists
	depts     cached[*deptIndex]
	pubMu     sync.Mutex
	pub       map[string]*cached[*recordPage] // unfiltered first page of each 双公示 list
	logins    loginLimiter                    // failed sign-ins per client (POST /login)
}

// SessionCookie is the name of the console session cookie.
const SessionCookie = "jlc_session"

// New builds the web server; it parses every template and fails when one
// does not parse.
func New(o Options) (*Server, error) {
	if o.Backend == nil {
		return nil, errors.New("web.New: no backend")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxUpload <= 0 {
		o.MaxUpload = 200 << 20
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = time.Minute
	}
	if o.HeadlineTTL <= 0 {
		o.HeadlineTTL = 15 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{backend: o.Backend, demo: o.Demo, logger: o.Logger, maxUpload: o.MaxUpload, proxies: o.TrustedProxies, now: o.Now, pages: p,
		cop: http.NewCrossOriginProtection(), pub: map[string]*cached[*recordPage]{}}
	s.home.ttl, s.headline.ttl, s.listIndex.ttl, s.depts.ttl = o.CacheTTL, o.HeadlineTTL, o.CacheTTL, 5*time.Minute
	s.home.now, s.headline.now, s.listIndex.now, s.depts.now = o.Now, o.Now, o.Now, o.Now
	s.home.serveStale, s.headline.serveStale, s.listIndex.serveStale = true, true, true
	for _, origin := range o.TrustedOrigins {
		if err := s.cop.AddTrustedOrigin(origin); err != nil {
			return nil, credit.Errorf(credit.EINVALID, "可信来源“%s”无效：%v", origin, err)
		}
	}
	s.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, credit.Errorf(credit.EFORBIDDEN, "跨站请求被拒绝：请从本站页面提交表单"))
	}))
	s.handler = s.cop.Handler(securityHeaders(s.routes()))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// handlerFunc is a handler that returns its error; serve turns it into a
// page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// Public portal: always the public audience, whoever is signed in.
	pub := func(pattern string, h handlerFunc) { mux.Handle(pattern, s.public(h)) }
	pub("GET /{$}", s.handleHome)
	pub("GET /search", s.handleSearch)
	pub("GET /subjects/{code}", s.handleSubjectView)
	pub("GET /publicity", s.handlePublicityIndex)
	pub("GET /publicity/{class}", s.handlePublicityList)
	pub("GET /records/{id}", s.handleRecordView)
	pub("GET /lists", s.handleListIndex)
	pub("GET /lists/entry/{id}", s.handleListEntry)
	pub("GET /lists/{type}", s.handleListType)
	pub("GET /login", s.handleLoginForm)
	pub("POST /login", s.handleLogin)
	mux.Handle("GET /static/", s.staticHandler())
	mux.Handle("GET /favicon.ico", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirect(w, r, "/static/favicon.svg", http.StatusMovedPermanently)
	}))

	// Console: a session is required; unsafe methods need the CSRF token.
	con := func(pattern string, h handlerFunc) { mux.Handle(pattern, s.console(h, formBody)) }
	mux.Handle("POST /logout", s.console(s.handleLogout, formBody))
	con("GET /console/{$}", s.handleDashboard)
	con("GET /console/upload", s.handleUploadForm)
	mux.Handle("POST /console/upload", s.console(s.handleUpload, uploadBody))
	con("GET /console/templates/{file}", s.handleTemplate)
	con("GET /console/lists/new", s.handleListEntryForm)
	con("POST /console/lists/new", s.handleListEntryCreate)
	con("GET /console/lists/entries", s.handleEntryIndex)
	con("GET /console/lists/entries/{id}", s.handleEntryView)
	con("POST /console/lists/entries/{id}/removal", s.handleEntryRemove)
	con("GET /console/measures", s.handleMeasureIndex)
	con("GET /console/measures/new", s.handleMeasureNew)
	con("POST /console/measures/new", s.handleMeasureSave)
	con("GET /console/measures/{code}", s.handleMeasureEdit)
	con("POST /console/measures/{code}", s.handleMeasureSave)
	con("GET /console/batches", s.handleBatchIndex)
	con("GET /console/batches/{id}", s.handleBatchView)
	con("GET /console/batches/{id}/errors.xlsx", s.handleBatchErrors)
	con("GET /console/batches/{id}/raw", s.handleBatchRaw)
	con("GET /console/subjects", s.handleLookup)
	con("GET /console/subjects/view", s.handleLookupPurpose)
	con("POST /console/subjects/archive", s.handleGovArchive)
	con("GET /console/querylog", s.handleQueryLog)
	con("GET /console/catalog", s.handleCatalogIndex)
	con("GET /console/catalog/{class}", s.handleCatalogClass)
	con("GET /console/departments", s.handleDepartmentIndex)
	con("POST /console/departments", s.handleDepartmentCreate)
	con("GET /console/departments/{code}", s.handleDepartmentView)
	con("POST /console/departments/{code}/keys", s.handleKeyCreate)
	con("POST /console/keys/{id}/revoke", s.handleKeyRevoke)
	con("GET /console/users", s.handleUserIndex)
	con("POST /console/users", s.handleUserCreate)
	con("GET /console/users/{id}", s.handleUserView)
	con("POST /console/users/{id}/reset", s.handleUserReset)
	con("POST /console/users/{id}/status", s.handleUserStatus)
	con("GET /console/verify", s.handleVerifyForm)
	mux.Handle("POST /console/verify", s.console(s.handleVerify, multipartBody))
	con("GET /console/verifications", s.handleVerificationIndex)
	con("GET /console/verifications/stats", s.handleVerificationStats)
	con("GET /console/verifications/{id}", s.handleVerificationView)
	con("POST /console/verifications/{id}/feedback", s.handleFeedbackCreate)
	con("GET /console/verifications/{id}/report.xlsx", s.handleVerificationReportXLSX)
	con("GET /console/verifications/{id}/report.html", s.handleVerificationReportHTML)
	con("GET /console/inbox", s.handleInbox)
	con("POST /console/inbox/{id}/ack", s.handleInboxAck)
	con("GET /console/subscriptions", s.handleSubscriptionIndex)
	con("POST /console/subscriptions", s.handleSubscriptionCreate)
	con("GET /console/subscriptions/{id}", s.handleSubscriptionView)
	con("POST /console/subscriptions/{id}/revoke", s.handleSubscriptionRevoke)
	con("POST /console/deliveries/{id}/retry", s.handleDeliveryRetry)
	con("GET /console/password", s.handlePasswordForm)
	con("POST /console/password", s.handlePassword)
	// A path served with other methods answers 405 with Allow, any other
	// 404: the catch-all patterns match every method, so that the mux
	// does not answer either itself (in English).
	missing := func(w http.ResponseWriter, r *http.Request) error {
		if allow := respond.AllowedMethods(mux, r, "/", "/console/"); len(allow) > 0 {
			return methodNotAllowed(r, allow)
		}
		return notFound(r)
	}
	mux.Handle("/console/", s.console(missing, formBody))
	mux.Handle("/", s.public(missing))
	// Every console path needs a session, whatever the method: a request
	// without one is answered before the mux can say 404 or 405. (GET
	// /logout, which only says to use the button, needs none.)
	return respond.ChineseRedirects(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/console" || strings.HasPrefix(r.URL.Path, "/console/") || r.URL.Path == "/logout" && !safeMethod(r.Method) {
			sess, err := s.session(r)
			if err != nil {
				s.renderError(w, r, err)
				return
			}
			if sess == nil {
				s.unauthorized(w, r)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), sessionKey, sess))
		}
		mux.ServeHTTP(w, r)
	}))
}

// unauthorized answers a console request without a session: a browser
// page load goes to the login page, anything else gets 401.
func (s *Server) unauthorized(w http.ResponseWriter, r *http.Request) {
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !wantsJSON(r) {
		redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if r.Method == http.MethodPost {
		// Most often a form sent after the session ended (static/session.js
		// warns before): say that what was sent is not kept.
		s.renderError(w, r, credit.Errorf(credit.EUNAUTHORIZED, "登录已过期或尚未登录，本次提交的内容未保存：请先登录管理端，再重新提交"))
		return
	}
	s.renderError(w, r, credit.Errorf(credit.EUNAUTHORIZED, "请先登录管理端"))
}

func notFound(r *http.Request) error {
	return credit.Errorf(credit.ENOTFOUND, "页面“%s”不存在", r.URL.Path)
}

// pathID parses the {id} of the path, a positive integer. Anything else is
// ENOTFOUND: "what“id”不存在", or the page's own 404 when what is "".
func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		if what == "" {
			return 0, notFound(r)
		}
		return 0, credit.Errorf(credit.ENOTFOUND, "%s“%s”不存在", what, r.PathValue("id"))
	}
	return id, nil
}

// securityHeaders sets the headers of every page: a strict content security
// policy (no inline script or style), no framing, no sniffing.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

type ctxKey int

const sessionKey ctxKey = 0

// sessionOf returns the console session of a request, or nil.
func sessionOf(ctx context.Context) *access.Session {
	s, _ := ctx.Value(sessionKey).(*access.Session)
	return s
}

// public serves a portal page: the public audience, with the session (if
// any) only used to show the user's name in the header.
func (s *Server) public(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := credit.NewContextWithActor(r.Context(), credit.Public)
		if sess, _ := s.session(r); sess != nil { // a public page does without the user's name
			ctx = context.WithValue(ctx, sessionKey, sess)
		}
		r = r.WithContext(ctx)
		if err := s.checkText(r, r.URL.Query(), false); err != nil {
			s.renderError(w, r, err)
			return
		}
		if err := h(w, r); err != nil {
			s.renderError(w, r, err)
		}
	})
}

// session returns the live session of the request's cookie, or nil. err
// is set when the session could not be looked up (the database is down):
// the request is then not answered as if signed out.
func (s *Server) session(r *http.Request) (*access.Session, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	sess, err := s.backend.FindSession(r.Context(), c.Value)
	if err != nil {
		switch credit.ErrorCode(err) {
		case credit.EINTERNAL, credit.EUNAVAILABLE:
			s.logger.Error("查询登录会话失败", slog.Any("error", err))
			return nil, err
		}
		return nil, nil
	}
	return sess, nil
}

// bodyKind is what body a console route's state-changing requests carry.
type bodyKind int

const (
	formBody      bodyKind = iota // a url-encoded form
	multipartBody                 // a url-encoded or multipart form (one that may carry a file)
	uploadBody                    // a multipart form with a file, nothing else
)

// console serves a console page: without a session a browser is sent to
// the login page and other clients get 401; a state-changing request must
// carry the session's CSRF token (in the X-CSRF-Token header or the
// csrf_token form field; for multipart forms, the handler checks the
// form's parts).
func (s *Server) console(h handlerFunc, body bodyKind) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := sessionOf(r.Context())
		if sess == nil {
			var err error
			if sess, err = s.session(r); err != nil {
				s.renderError(w, r, err)
				return
			}
		}
		if sess == nil {
			s.unauthorized(w, r)
			return
		}
		ctx := credit.NewContextWithActor(r.Context(), sess.Actor())
		ctx = context.WithValue(ctx, sessionKey, sess)
		r = r.WithContext(ctx)
		if !safeMethod(r.Method) {
			if err := s.checkCSRF(w, r, sess, body); err != nil {
				s.renderError(w, r, err)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		if err := s.checkText(r, r.URL.Query(), false); err != nil {
			s.renderError(w, r, err)
			return
		}
		if sess.User.MustChangePassword && r.URL.Path != "/console/password" && r.URL.Path != "/logout" {
			// A one-time password opens nothing but the page that replaces it.
			if safeMethod(r.Method) && !wantsJSON(r) {
				redirect(w, r, "/console/password", http.StatusSeeOther)
				return
			}
			s.renderError(w, r, errMustChangePassword)
			return
		}
		if err := h(w, r); err != nil {
			s.renderError(w, r, err)
		}
	})
}

// errMustChangePassword answers a request of a user who still has a
// one-time password, other than changing it.
var errMustChangePassword = credit.Errorf(credit.EFORBIDDEN, "请先修改一次性密码，再使用管理端")

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// errCSRF is the answer to a state-changing request without a valid token.
var errCSRF = credit.Errorf(credit.EFORBIDDEN, "请求缺少有效的安全令牌（CSRF），请刷新页面后重试")

// errNotUpload answers an upload whose body is not a multipart form: no
// file and no token can be read from it.
var errNotUpload = credit.Errorf(credit.EINVALID, "上传请求格式错误，请从“数据上传”页面选择文件上传")

// checkCSRF checks the synchronizer token of an unsafe request, and then
// that the text of its form is UTF-8 without NUL (checkText). Multipart
// bodies are left to the handler (which reads the token from the first
// part) when the route takes them; an upload route answers a body that is
// not multipart with errNotUpload, as it holds nothing to act on.
func (s *Server) checkCSRF(w http.ResponseWriter, r *http.Request, sess *access.Session, body bodyKind) error {
	isMultipart := strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")
	if body == uploadBody && !isMultipart {
		return errNotUpload
	}
	header := r.Header.Get("X-CSRF-Token")
	if body != formBody && isMultipart {
		if header != "" && !access.TokensEqual(header, sess.CSRFToken) {
			return errCSRF
		}
		return nil // checked by the handler on the first part
	}
	// The form is read here whether the token comes in it or in the
	// header, so that its text is checked once for every handler.
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return formError(err, errBadForm)
	}
	if header == "" {
		header = r.PostForm.Get("csrf_token")
	}
	if !access.TokensEqual(header, sess.CSRFToken) {
		return errCSRF
	}
	return s.checkText(r, r.PostForm, true)
}

func wantsJSON(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return strings.Contains(a, "application/json") && !strings.Contains(a, "text/html")
}

// SessionActor resolves the console session cookie of an API request to
// its actor, for the JSON API. State-changing API requests made with a
// cookie must pass the cross-origin check and carry the session's token in
// X-CSRF-Token; otherwise the cookie is ignored.
func (s *Server) SessionActor(r *http.Request) (credit.Actor, bool) {
	sess, _ := s.session(r) // a database that is down fails the API request itself
	if sess == nil || sess.User.MustChangePassword {
		return credit.Public, false
	}
	if !safeMethod(r.Method) {
		if s.cop.Check(r) != nil || !access.TokensEqual(r.Header.Get("X-CSRF-Token"), sess.CSRFToken) {
			return credit.Public, false
		}
	}
	a := sess.Actor()
	a.Channel = "api"
	return a, true
}

// cached is a value computed at most once per ttl; concurrent callers wait
// for one computation instead of each running the query. With serveStale,
// callers of an expired value get it at once and one of them starts
// computing the next in the background: the headline counts and first
// pages scan the record tables, and at production scale no visitor should
// wait for that. Only while there is no value yet do they wait.
type cached[T any] struct {
	mu         sync.Mutex
	ttl        time.Duration
	now        func() time.Time
	serveStale bool
	at         time.Time
	val        T
	ok         bool
	refreshing bool
	// gen counts resets: a background refresh that began before a reset
	// read the data before the change, so its value is kept but not
	// counted fresh (the next caller refreshes again).
	gen uint64
	// refreshed, when set, is called after each background refresh (tests).
	refreshed func()
}

func (c *cached[T]) get(ctx context.Context, fill func(context.Context) (T, error)) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok {
		fresh := c.now().Sub(c.at) < c.ttl
		if fresh || c.serveStale {
			if !fresh && !c.refreshing {
				c.refreshing = true
				go c.refresh(context.WithoutCancel(ctx), fill, c.gen)
			}
			return c.val, nil
		}
	}
	v, err := fill(ctx)
	if err != nil {
		return v, err
	}
	c.val, c.at, c.ok = v, c.now(), true
	return v, nil
}

// refresh computes the next value in the background; on error the old
// one stays and the next caller tries again.
func (c *cached[T]) refresh(ctx context.Context, fill func(context.Context) (T, error), gen uint64) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	v, err := fill(ctx)
	c.mu.Lock()
	if err == nil {
		c.val = v
		if c.gen == gen {
			c.at = c.now()
		}
	}
	c.refreshing = false
	done := c.refreshed
	c.mu.Unlock()
	if done != nil {
		done()
	}
}

// resetCaches forgets the cached portal lists after a change. The headline
// figures stay until they expire: counting them reads every record, and
// they say when they were counted.
func (s *Server) resetCaches() {
	s.home.reset()
	s.listIndex.reset()
	s.pubMu.Lock()
	for _, c := range s.pub {
		c.reset()
	}
	s.pubMu.Unlock()
}

// reset expires the value: the next caller computes a fresh one, or with
// serveStale still gets this one and starts computing the next.
func (c *cached[T]) reset() {
	c.mu.Lock()
	c.gen++
	c.at = time.Time{}
	if !c.serveStale {
		c.ok = false
	}
	c.mu.Unlock()
}
