// Package jsonapi is the JSON API under /api/v1. Departments authenticate
// with API keys (Authorization: Bearer …); public endpoints need none. Each
// route declares the scope a key needs (see routes), and every key is rate
// limited (see keyLimiter).
// Handlers return errors, and one adapter turns them into responses with a
// machine code and a zh-CN message.
package jsonapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/archive"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/ledger"
	"jlcredit/internal/record"
	"jlcredit/internal/respond"
	"jlcredit/internal/subject"
)

// Backend is everything the API needs from the platform.
type Backend interface {
	catalog.Service
	subject.Service
	record.Service
	archive.Service
	ledger.Service
	access.DepartmentService
}

// Server serves the JSON API.
type Server struct {
	Backend Backend
	Logger  *slog.Logger
	// MaxUpload limits a batch upload, in bytes.
	MaxUpload int64
	// SessionActor resolves a console session cookie to an actor; may be nil.
	SessionActor func(r *http.Request) (credit.Actor, bool)
	// Now is the clock of the per-key rate limiters (default time.Now);
	// tests replace it.
	Now func() time.Time
}

type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one endpoint of the API: its ServeMux pattern, the scope an API
// key needs to call it, and its handler. The route tables (routes,
// listRoutes, pushRoutes) are the one place scopes are declared.
type route struct {
	pattern string
	// scope is the access.Scope… an API key must have; public when none.
	// It restricts keys only (credit.Actor.HasScope): console sessions and
	// anonymous callers pass, and the handler decides what they may do.
	scope   string
	handler handlerFunc
}

// public marks a route any caller may use: anonymous, with a console
// session or with an API key of any scope.
const public = ""

// routes is the route table of the API.
//
// Scopes: batches (submit and read receipts) need ingest; the reads that
// show more than the public view when called with credentials (subject
// search, archives, records and their proofs) need share when called with
// a key — anonymous callers still get the public view; the catalog, the
// ledger checkpoint, list types, the measures catalog and the OpenAPI document
// are public. listRoutes and pushRoutes declare the rest.
func (s *Server) routes() []route {
	rs := []route{
		{"GET /api/v1/catalog", public, s.handleCatalog},
		{"GET /api/v1/catalog/{class}", public, s.handleCatalogClass},
		{"POST /api/v1/batches", access.ScopeIngest, s.handleBatchCreate},
		{"GET /api/v1/batches", access.ScopeIngest, s.handleBatchIndex},
		{"GET /api/v1/batches/{id}", access.ScopeIngest, s.handleBatchView},
		{"GET /api/v1/subjects", access.ScopeShare, s.handleSubjectIndex},
		{"GET /api/v1/subjects/{code}/archive", access.ScopeShare, s.handleArchive},
		{"GET /api/v1/records/{id}", access.ScopeShare, s.handleRecordView},
		{"GET /api/v1/records/{id}/proof", access.ScopeShare, s.handleRecordProof},
		{"GET /api/v1/ledger/checkpoint", public, s.handleCheckpoint},
		{"GET /api/v1/ledger/consistency", public, s.handleConsistency},
		{"GET /api/v1/openapi.json", public, s.handleOpenAPI},
	}
	rs = append(rs, s.listRoutes()...)
	return append(rs, s.pushRoutes()...)
}

// Handler returns the API's handler, to be mounted at /api/v1/. Call it
// once: the per-key rate limiters live in the handler it returns.
//
// A path the API has, called with a method none of its routes take,
// answers 405 with Allow; any other path under /api/ answers 404.
func (s *Server) Handler() http.Handler {
	now := s.Now
	if now == nil {
		now = time.Now
	}
	lim := &keyLimiter{now: now}
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, s.serve(lim, rt.scope, rt.handler))
	}
	mux.Handle("/api/", s.serve(lim, public, func(w http.ResponseWriter, r *http.Request) error {
		if allow := respond.AllowedMethods(mux, r, "/api/"); len(allow) > 0 {
			return methodNotAllowed(r, allow)
		}
		return credit.Errorf(credit.ENOTFOUND, "接口“%s %s”不存在，可查看 /api/v1/openapi.json", clip(r.Method), clip(r.URL.Path))
	}))
	return mux
}

// methodNotAllowed is the 405 answer to r, whose path the API serves with
// the methods allow only.
func methodNotAllowed(r *http.Request, allow []string) error {
	msg := fmt.Sprintf("接口 %s 不支持 %s 方法，支持：%s", clip(r.URL.Path), clip(r.Method), strings.Join(allow, "、"))
	return respond.MethodNotAllowed(msg, allow)
}

// challenge is the WWW-Authenticate value of the API's 401 answers: API
// keys are Bearer tokens (RFC 6750).
const challenge = `Bearer realm="jlcredit"`

// serve authenticates the request, applies the API key's rate limit and the
// route's scope, puts the actor in the context and turns handler errors
// into JSON responses.
func (s *Server) serve(lim *keyLimiter, scope string, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, err := s.actor(r)
		if err == nil {
			err = lim.allow(actor)
		}
		if err == nil && scope != public && !actor.HasScope(scope) {
			err = missingScope(scope)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		ctx := credit.NewContextWithActor(r.Context(), actor)
		if err := fn(w, r.WithContext(ctx)); err != nil {
			s.writeError(w, r, s.sessionRefused(r, actor, err))
		}
	})
}

// sessionRefused explains a 401 answered to an anonymous state-changing
// request that carries a console session the API ignored for want of its
// CSRF token (SessionActor ignores the cookie of such a request): the
// caller is signed in, and what it lacks is X-CSRF-Token, not a key. It
// stays a 401, the session not being accepted as credentials, with a
// problem csrf_required on field X-CSRF-Token. Any other error is
// returned unchanged.
func (s *Server) sessionRefused(r *http.Request, actor credit.Actor, err error) error {
	if credit.ErrorCode(err) != credit.EUNAUTHORIZED || actor.Role != credit.RolePublic || s.SessionActor == nil ||
		r.Header.Get("Authorization") != "" || safeMethod(r.Method) {
		return err
	}
	// The session as a read would use it: valid apart from the token?
	read := r.Clone(r.Context())
	read.Method, read.Body = http.MethodGet, http.NoBody
	if _, ok := s.SessionActor(read); !ok {
		return err
	}
	msg := "管理端会话调用接口须带X-CSRF-Token请求头：修改数据的请求（POST、PUT、DELETE）须在该请求头中带上管理端页面中的安全令牌，或改用API密钥（Authorization: Bearer <密钥>）"
	if r.Header.Get("X-CSRF-Token") != "" {
		msg = "X-CSRF-Token请求头与当前管理端会话不符，或请求来自其他站点：请刷新管理端页面取得新的安全令牌后重试"
	}
	return &credit.Error{Code: credit.EUNAUTHORIZED, Message: msg, Details: []credit.Problem{
		{Field: "X-CSRF-Token", Code: "csrf_required", Message: msg},
	}}
}

// safeMethod reports whether m changes nothing: a console session's
// requests by these methods need no CSRF token.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// writeError writes err as the API's JSON error answer, with the headers its
// kind calls for: Retry-After on 429, WWW-Authenticate on 401, and a
// respond.StatusError's status and headers.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if wait, ok := retryAfter(err); ok {
		w.Header().Set("Retry-After", wait)
	}
	if credit.ErrorCode(err) == credit.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", challenge)
	}
	var se *respond.StatusError
	if errors.As(err, &se) {
		for k, v := range se.Header {
			w.Header()[k] = v
		}
		respond.JSON(w, se.Status, respond.Body(err))
		return
	}
	respond.Error(w, r, s.Logger, err)
}

// actor returns the actor of the request's credentials: an API key, a
// console session, or the public.
func (s *Server) actor(r *http.Request) (credit.Actor, error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			return credit.Public, credit.Errorf(credit.EUNAUTHORIZED, "Authorization 头应为“Bearer <API密钥>”")
		}
		return s.Backend.Authenticate(r.Context(), strings.TrimSpace(token))
	}
	if s.SessionActor != nil {
		if a, ok := s.SessionActor(r); ok {
			return a, nil
		}
	}
	return credit.Public, nil
}

// missingScope is the error for an API key without the scope a route needs.
// Its detail names the scope in field (machine-readable) and field_name.
func missingScope(scope string) error {
	msg := "该API密钥没有“" + access.ScopeTitle(scope) + "”权限范围，请联系平台管理员为本部门生成具有该权限范围的密钥"
	return &credit.Error{Code: credit.EFORBIDDEN, Message: msg, Details: []credit.Problem{
		{Field: scope, FieldName: access.ScopeLabel(scope), Code: "scope_required", Message: msg},
	}}
}

// requireActor returns EUNAUTHORIZED for anonymous requests.
func requireActor(ctx context.Context) (credit.Actor, error) {
	a := credit.ActorFromContext(ctx)
	if a.Role == credit.RolePublic {
		return a, credit.Errorf(credit.EUNAUTHORIZED, "需要提供API密钥（Authorization: Bearer <密钥>）或登录")
	}
	return a, nil
}

// maxPathCode is the longest identifier or code in a path (a batch id, a
// subject's code, a catalog class) the API looks up: none is longer (a
// batch id has 28 characters, a code 18), and a longer one is answered
// 404 here, quoted clipped, before the backend is asked.
const maxPathCode = 64

// intParam returns the non-negative integer query parameter name, def
// when it is absent, and at most max when max > 0.
func intParam(r *http.Request, name string, def, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, credit.Errorf(credit.EINVALID, "参数%s应为非负整数，实际为“%s”", name, clip(v))
	}
	if max > 0 && n > max {
		n = max
	}
	return n, nil
}

// limitParam returns the page size of query parameter "limit": def when
// it is absent or 0 (storage reads a zero limit as none at all), at most
// max.
func limitParam(r *http.Request, def, max int) (int, error) {
	n, err := intParam(r, "limit", def, max)
	if err == nil && n == 0 {
		n = def
	}
	return n, err
}
