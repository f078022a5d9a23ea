// Package jsonapi is the JSON API under /api/v1. Departments authenticate
// with API keys (Authorization: Bearer …); public endpoints need none.
// Handlers return errors, and one adapter turns them into responses with a
// machine code and a zh-CN message.
package jsonapi

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

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
}

type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handler returns the API's handler, to be mounted at /api/v1/.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, fn handlerFunc) {
		mux.Handle(pattern, s.authenticate(fn))
	}
	h("GET /api/v1/catalog", s.handleCatalog)
	h("GET /api/v1/catalog/{class}", s.handleCatalogClass)
	h("POST /api/v1/batches", s.handleBatchCreate)
	h("GET /api/v1/batches", s.handleBatchIndex)
	h("GET /api/v1/batches/{id}", s.handleBatchView)
	h("GET /api/v1/subjects", s.handleSubjectIndex)
	h("GET /api/v1/subjects/{code}/archive", s.handleArchive)
	h("GET /api/v1/records/{id}", s.handleRecordView)
	h("GET /api/v1/records/{id}/proof", s.handleRecordProof)
	h("GET /api/v1/ledger/checkpoint", s.handleCheckpoint)
	h("GET /api/v1/openapi.json", s.handleOpenAPI)
	s.listRoutes(h)
	mux.Handle("/api/", s.authenticate(func(w http.ResponseWriter, r *http.Request) error {
		return credit.Errorf(credit.ENOTFOUND, "接口“%s %s”不存在，可查看 /api/v1/openapi.json", r.Method, r.URL.Path)
	}))
	return mux
}

// authenticate puts the actor of the request's credentials in the context
// and turns handler errors into JSON responses.
func (s *Server) authenticate(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor := credit.Public
		if auth := r.Header.Get("Authorization"); auth != "" {
			token, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok || strings.TrimSpace(token) == "" {
				respond.Error(w, r, s.Logger, credit.Errorf(credit.EUNAUTHORIZED, "Authorization 头应为“Bearer <API密钥>”"))
				return
			}
			a, err := s.Backend.Authenticate(r.Context(), strings.TrimSpace(token))
			if err != nil {
				respond.Error(w, r, s.Logger, err)
				return
			}
			actor = a
		} else if s.SessionActor != nil {
			if a, ok := s.SessionActor(r); ok {
				actor = a
			}
		}
		ctx := credit.NewContextWithActor(r.Context(), actor)
		if err := fn(w, r.WithContext(ctx)); err != nil {
			respond.Error(w, r, s.Logger, err)
		}
	})
}

// requireActor returns EUNAUTHORIZED for anonymous requests.
func requireActor(ctx context.Context) (credit.Actor, error) {
	a := credit.ActorFromContext(ctx)
	if a.Role == credit.RolePublic {
		return a, credit.Errorf(credit.EUNAUTHORIZED, "需要提供API密钥（Authorization: Bearer <密钥>）或登录")
	}
	return a, nil
}

func intParam(r *http.Request, name string, def, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, credit.Errorf(credit.EINVALID, "参数%s应为非负整数，实际为“%s”", name, v)
	}
	if max > 0 && n > max {
		n = max
	}
	return n, nil
}
