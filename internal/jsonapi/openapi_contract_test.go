package jsonapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
	"jlcredit/internal/storage/storagetest"
	"jlcredit/internal/subject"
	"jlcredit/internal/subject/subjecttest"
)

// The contract tests hold openapi.json (as served: openapiJSON) to the
// route table and to the handlers' code, so that the document cannot drift
// from what the API does:
//
//   - every route of Server.routes is an operation of the document with
//     the same method and path, and every operation is a route;
//   - every operation documents 401 (with WWW-Authenticate), 405 (with
//     Allow) and 429 (with Retry-After), which any request may get;
//   - an operation documents 415, with a JSON request body, exactly when
//     its handler checks the body's Content-Type (checkJSONType), and every
//     operation with a JSON-only request body does so;
//   - every query parameter a handler reads is documented, and every
//     documented one is read; those parsed as integers are integers, and a
//     page size documents the default the handler uses;
//   - a Location header a handler sets is documented on its answer;
//   - every 2xx answer has a schema, and every $ref resolves;
//   - the enums of list types and scenarios are the list catalog's;
//   - the answers of a scenario that calls every operation with data have
//     documented statuses, media types and headers, and bodies that match
//     their schemas, with no undocumented property
//     (TestOpenAPIResponseShapes).
//
// What a handler does is read from the package's source with go/ast: the
// functions it reaches by calling functions and methods of the package,
// and in them the query parameters read (r.URL.Query().Get, intParam,
// limitParam, dateParam), the headers set and checkJSONType.

// oaDoc is the part of an OpenAPI document the contract tests read.
type oaDoc struct {
	Paths      map[string]map[string]*oaOperation `json:"paths"`
	Components struct {
		Schemas    map[string]json.RawMessage `json:"schemas"`
		Responses  map[string]*oaResponse     `json:"responses"`
		Parameters map[string]*oaParameter    `json:"parameters"`
	} `json:"components"`
}

type oaOperation struct {
	Parameters  []*oaParameter `json:"parameters"`
	RequestBody *struct {
		Content map[string]json.RawMessage `json:"content"`
	} `json:"requestBody"`
	Responses map[string]*oaResponse `json:"responses"`
}

type oaResponse struct {
	Ref         string                     `json:"$ref"`
	Description string                     `json:"description"`
	Headers     map[string]json.RawMessage `json:"headers"`
	Content     map[string]struct {
		Schema json.RawMessage `json:"schema"`
	} `json:"content"`
}

type oaParameter struct {
	Ref    string `json:"$ref"`
	Name   string `json:"name"`
	In     string `json:"in"`
	Schema struct {
		Type    string `json:"type"`
		Default any    `json:"default"`
		Enum    []any  `json:"enum"`
	} `json:"schema"`
	Required    bool   `json:"required"`
	Description string `json:"description"`
}

// loadOpenAPI parses the served document.
func loadOpenAPI(t *testing.T) *oaDoc {
	t.Helper()
	var doc oaDoc
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return &doc
}

// response resolves r, a response object or a $ref to one.
func (d *oaDoc) response(t *testing.T, r *oaResponse) *oaResponse {
	t.Helper()
	if r == nil || r.Ref == "" {
		return r
	}
	name, ok := strings.CutPrefix(r.Ref, "#/components/responses/")
	res := d.Components.Responses[name]
	if !ok || res == nil {
		t.Errorf("$ref %s does not resolve", r.Ref)
		return &oaResponse{}
	}
	return res
}

// parameter resolves p, a parameter object or a $ref to one.
func (d *oaDoc) parameter(t *testing.T, p *oaParameter) *oaParameter {
	t.Helper()
	if p.Ref == "" {
		return p
	}
	name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/")
	res := d.Components.Parameters[name]
	if !ok || res == nil {
		t.Errorf("$ref %s does not resolve", p.Ref)
		return &oaParameter{}
	}
	return res
}

// operation is a route of the route table and, when the document has it,
// its operation.
type operation struct {
	route   string // "GET /catalog/{class}", the pattern without /api/v1
	method  string // "get"
	path    string // "/catalog/{class}"
	handler string // "handleCatalogClass"
	op      *oaOperation
}

// routeOperations pairs the route table with the document's operations,
// reporting routes without an operation and operations without a route.
func routeOperations(t *testing.T, doc *oaDoc) []operation {
	t.Helper()
	var out []operation
	seen := map[string]bool{}
	for _, rt := range (&Server{}).routes() {
		method, pattern, ok := strings.Cut(rt.pattern, " ")
		path, inAPI := strings.CutPrefix(pattern, "/api/v1")
		if !ok || !inAPI {
			t.Errorf("route %q: want \"METHOD /api/v1/…\"", rt.pattern)
			continue
		}
		key := method + " " + path
		if seen[key] {
			t.Errorf("route %s is in the route table twice", rt.pattern)
		}
		seen[key] = true
		o := operation{route: key, method: strings.ToLower(method), path: path, handler: handlerName(rt.handler)}
		o.op = doc.Paths[path][o.method]
		if o.op == nil {
			t.Errorf("route %s has no operation in openapi.json (paths[%q].%s)", rt.pattern, path, o.method)
			continue
		}
		out = append(out, o)
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if key := strings.ToUpper(method) + " " + path; !seen[key] {
				t.Errorf("openapi.json describes %s, which is not a route of the API", key)
			}
		}
	}
	if len(out) < 20 {
		t.Errorf("found only %d routes with operations", len(out))
	}
	return out
}

// handlerName returns the name of the method a route's handler is a
// method value of: "handleCatalog" for s.handleCatalog.
func handlerName(h handlerFunc) string {
	name := runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name()
	name = strings.TrimSuffix(name, "-fm")
	return name[strings.LastIndex(name, ".")+1:]
}

// TestOpenAPIRoutes: the document's operations are the route table's
// routes, and each documents its path parameters and the answers any
// request may get: 401 with WWW-Authenticate (a bad key is refused on
// every route, public ones too), 405 with Allow and 429 with Retry-After.
func TestOpenAPIRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	wildcard := regexp.MustCompile(`\{([^}]+)\}`)
	for _, o := range routeOperations(t, doc) {
		for status, header := range map[string]string{"401": "WWW-Authenticate", "405": "Allow", "429": "Retry-After"} {
			r := doc.response(t, o.op.Responses[status])
			if r == nil {
				t.Errorf("%s: %s not documented", o.route, status)
				continue
			}
			if _, ok := r.Headers[header]; !ok {
				t.Errorf("%s: %s does not document the %s header", o.route, status, header)
			}
			if _, ok := r.Content["application/json"]; !ok {
				t.Errorf("%s: %s has no JSON error body", o.route, status)
			}
		}
		var want, got []string
		for _, m := range wildcard.FindAllStringSubmatch(o.path, -1) {
			want = append(want, m[1])
		}
		for _, p := range o.op.Parameters {
			if p := doc.parameter(t, p); p.In == "path" {
				got = append(got, p.Name)
				if !p.Required {
					t.Errorf("%s: path parameter %s is not required", o.route, p.Name)
				}
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			t.Errorf("%s: path parameters %v documented, the pattern has %v", o.route, got, want)
		}
	}
}

// TestOpenAPIResponses: every 2xx answer describes its body with a schema,
// and every $ref of the document resolves.
func TestOpenAPIResponses(t *testing.T) {
	doc := loadOpenAPI(t)
	for _, o := range routeOperations(t, doc) {
		n := 0
		for status, r := range o.op.Responses {
			if !strings.HasPrefix(status, "2") {
				continue
			}
			n++
			r = doc.response(t, r)
			if len(r.Content) == 0 {
				t.Errorf("%s: %s has no content", o.route, status)
			}
			for mt, c := range r.Content {
				if len(c.Schema) == 0 {
					t.Errorf("%s: %s %s has no schema", o.route, status, mt)
				}
			}
		}
		if n != 1 {
			t.Errorf("%s: %d success answers documented, want 1", o.route, n)
		}
	}
	var whole any
	if err := json.Unmarshal(openapiJSON, &whole); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if ref, ok := x.(string); ok && k == "$ref" {
					if !resolves(whole, ref) {
						t.Errorf("$ref %s does not resolve", ref)
					}
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(whole)
}

// resolves reports whether ref, a local JSON pointer ("#/components/…"),
// names a value of doc.
func resolves(doc any, ref string) bool {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return false
	}
	for _, part := range strings.Split(rest, "/") {
		m, ok := doc.(map[string]any)
		if !ok {
			return false
		}
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		if doc, ok = m[part]; !ok {
			return false
		}
	}
	return true
}

// TestOpenAPIHandlers: what the handlers' code does is documented, and
// nothing else: 415 and JSON request bodies, query parameters and their
// types, the page sizes' defaults, and Location headers.
func TestOpenAPIHandlers(t *testing.T) {
	doc := loadOpenAPI(t)
	src := parsePackage(t)
	for _, o := range routeOperations(t, doc) {
		if _, ok := src.funcs[o.handler]; !ok {
			t.Errorf("%s: handler %s not found in the package's source", o.route, o.handler)
			continue
		}
		facts := src.reach(o.handler)

		// 415 and the JSON body.
		_, has415 := o.op.Responses["415"]
		jsonOnly := o.op.RequestBody != nil && len(o.op.RequestBody.Content) > 0
		if o.op.RequestBody != nil {
			for mt := range o.op.RequestBody.Content {
				jsonOnly = jsonOnly && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
			}
		}
		switch {
		case facts.checksJSON && !has415:
			t.Errorf("%s: the handler refuses a non-JSON body with 415, which is not documented", o.route)
		case !facts.checksJSON && has415:
			t.Errorf("%s: 415 documented, but the handler never answers it", o.route)
		case jsonOnly && !facts.checksJSON:
			t.Errorf("%s: a JSON request body is documented, but the handler does not check its Content-Type", o.route)
		}
		if facts.checksJSON {
			if o.op.RequestBody == nil || o.op.RequestBody.Content["application/json"] == nil {
				t.Errorf("%s: the handler reads a JSON body, which is not documented", o.route)
			}
		}

		// Query parameters.
		documented := map[string]*oaParameter{}
		for _, p := range o.op.Parameters {
			if p := doc.parameter(t, p); p.In == "query" {
				documented[p.Name] = p
			}
		}
		for name := range facts.query {
			if documented[name] == nil {
				t.Errorf("%s: the handler reads query parameter %q, which is not documented", o.route, name)
			}
		}
		for name, p := range documented {
			if !facts.query[name] {
				t.Errorf("%s: query parameter %q documented, but the handler does not read it", o.route, name)
			}
			if facts.intQuery[name] && p.Schema.Type != "integer" {
				t.Errorf("%s: query parameter %q is parsed as an integer, documented as %q", o.route, name, p.Schema.Type)
			}
		}
		if def, ok := facts.limitDefault(); ok {
			if p := documented["limit"]; p != nil {
				if got, _ := p.Schema.Default.(float64); int(got) != def.def {
					t.Errorf("%s: limit default documented as %v, the handler's is %d", o.route, p.Schema.Default, def.def)
				}
				if !strings.Contains(p.Description, "为0时为"+strconv.Itoa(def.def)) || !strings.Contains(p.Description, "大于"+strconv.Itoa(def.max)) {
					t.Errorf("%s: limit's description %q does not say 0 means %d and the most is %d", o.route, p.Description, def.def, def.max)
				}
			}
		} else if !facts.limitUnknown && documented["limit"] != nil && facts.query["limit"] {
			t.Errorf("%s: limit documented, but no limitParam call with constant default and maximum found", o.route)
		}

		// Location.
		for status, r := range o.op.Responses {
			if !strings.HasPrefix(status, "2") {
				continue
			}
			_, documented := doc.response(t, r).Headers["Location"]
			if facts.headers["Location"] && !documented {
				t.Errorf("%s: the handler sets Location, which %s does not document", o.route, status)
			}
			if !facts.headers["Location"] && documented {
				t.Errorf("%s: %s documents Location, which the handler does not set", o.route, status)
			}
		}
	}
}

// TestOpenAPIListEnums: the enums of list type codes, list kinds and
// scenarios are the list catalog's.
func TestOpenAPIListEnums(t *testing.T) {
	doc := loadOpenAPI(t)
	d, err := lists.Default()
	if err != nil {
		t.Fatal(err)
	}
	var types, kinds, scenarios []string
	for _, lt := range d.ListTypes {
		types = append(types, lt.Code)
		if !slices.Contains(kinds, string(lt.Kind)) {
			kinds = append(kinds, string(lt.Kind))
		}
	}
	for _, s := range d.Scenarios {
		scenarios = append(scenarios, s.Code)
	}
	op := doc.Paths["/lists/entries"]["get"]
	if op == nil {
		t.Fatal("GET /lists/entries not documented")
	}
	for name, want := range map[string][]string{"type": types, "kind": kinds} {
		var got []string
		for _, p := range op.Parameters {
			if p := doc.parameter(t, p); p.Name == name {
				for _, v := range p.Schema.Enum {
					s, _ := v.(string)
					got = append(got, s)
				}
			}
		}
		if !sameSet(got, want) {
			t.Errorf("GET /lists/entries: %s enum = %v, the list catalog has %v", name, got, want)
		}
	}
	var req struct {
		Properties struct {
			Scenario struct {
				Enum []string `json:"enum"`
			} `json:"scenario"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(doc.Components.Schemas["VerificationRequest"], &req); err != nil {
		t.Fatalf("VerificationRequest: %v", err)
	}
	if got := req.Properties.Scenario.Enum; !sameSet(got, scenarios) {
		t.Errorf("VerificationRequest.scenario enum = %v, the list catalog has %v", got, scenarios)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// source is the package's non-test source: its functions and methods by
// name, and what each does directly.
type source struct {
	funcs map[string]*funcFacts
}

// funcFacts is what a function does by itself, or (from reach) together
// with the functions it reaches.
type funcFacts struct {
	calls      map[string]bool // functions and methods called, by name
	query      map[string]bool // query parameters read
	intQuery   map[string]bool // query parameters parsed as integers
	headers    map[string]bool // response headers set
	checksJSON bool            // calls checkJSONType
	limits     []limitCall     // limitParam calls with constant arguments
	// limitUnknown: a limitParam call whose default or maximum is not a
	// constant.
	limitUnknown bool
}

type limitCall struct{ def, max int }

// limitDefault returns the default and maximum of the one page size the
// handler reads.
func (f *funcFacts) limitDefault() (limitCall, bool) {
	if len(f.limits) != 1 || f.limitUnknown {
		return limitCall{}, false
	}
	return f.limits[0], true
}

func newFacts() *funcFacts {
	return &funcFacts{calls: map[string]bool{}, query: map[string]bool{}, intQuery: map[string]bool{}, headers: map[string]bool{}}
}

// parsePackage reads the package's non-test source.
func parsePackage(t *testing.T) *source {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	src := &source{funcs: map[string]*funcFacts{}}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			facts := src.funcs[fd.Name.Name]
			if facts == nil {
				facts = newFacts()
				src.funcs[fd.Name.Name] = facts
			}
			inspectFunc(fd.Body, facts)
		}
	}
	return src
}

// stringArg returns call's i-th argument when it is a string literal.
func stringArg(call *ast.CallExpr, i int) (string, bool) {
	if i >= len(call.Args) {
		return "", false
	}
	lit, ok := call.Args[i].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// intArg returns call's i-th argument when it is an integer literal.
func intArg(call *ast.CallExpr, i int) (int, bool) {
	if i >= len(call.Args) {
		return 0, false
	}
	lit, ok := call.Args[i].(*ast.BasicLit)
	if !ok || lit.Kind != token.INT {
		return 0, false
	}
	n, err := strconv.Atoi(lit.Value)
	return n, err == nil
}

// isQueryCall reports whether e is a call of a method Query (r.URL.Query()).
func isQueryCall(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Query"
}

// inspectFunc records in facts what the function with body does.
func inspectFunc(body *ast.BlockStmt, facts *funcFacts) {
	queryVars := map[string]bool{} // variables holding r.URL.Query()
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, rhs := range n.Rhs {
				if i >= len(n.Lhs) || !isQueryCall(rhs) {
					continue
				}
				if id, ok := n.Lhs[i].(*ast.Ident); ok {
					queryVars[id.Name] = true
				}
			}
		case *ast.CallExpr:
			var name string
			switch fn := n.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
				if fn.Sel.Name == "Get" {
					if s, ok := stringArg(n, 0); ok {
						if isQueryCall(fn.X) {
							facts.query[s] = true
						} else if id, ok := fn.X.(*ast.Ident); ok && queryVars[id.Name] {
							facts.query[s] = true
						}
					}
				}
				if fn.Sel.Name == "Set" {
					if s, ok := stringArg(n, 0); ok {
						facts.headers[s] = true
					}
				}
			}
			if name == "" {
				return true
			}
			facts.calls[name] = true
			switch name {
			case "checkJSONType":
				facts.checksJSON = true
			case "intParam", "idParam", "dateParam":
				if s, ok := stringArg(n, 1); ok {
					facts.query[s] = true
					if name == "intParam" || name == "idParam" {
						facts.intQuery[s] = true
					}
				}
			case "limitParam":
				facts.query["limit"], facts.intQuery["limit"] = true, true
				def, ok1 := intArg(n, 1)
				max, ok2 := intArg(n, 2)
				if ok1 && ok2 {
					facts.limits = append(facts.limits, limitCall{def, max})
				} else {
					facts.limitUnknown = true
				}
			}
		}
		return true
	})
}

// reach returns what the function name does together with every function
// of the package it reaches through calls. The helpers that read a query
// parameter named by their argument (intParam, idParam, limitParam,
// dateParam) are accounted for at their call sites, not followed.
func (s *source) reach(name string) *funcFacts {
	out := newFacts()
	seen := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		f, ok := s.funcs[n]
		if !ok || seen[n] {
			return
		}
		seen[n] = true
		for k := range f.query {
			out.query[k] = true
		}
		for k := range f.intQuery {
			out.intQuery[k] = true
		}
		for k := range f.headers {
			out.headers[k] = true
		}
		out.checksJSON = out.checksJSON || f.checksJSON
		out.limits = append(out.limits, f.limits...)
		out.limitUnknown = out.limitUnknown || f.limitUnknown
		for c := range f.calls {
			switch c {
			case "intParam", "idParam", "limitParam", "dateParam":
				continue
			}
			visit(c)
		}
	}
	visit(name)
	return out
}

// TestOpenAPIResponseShapes calls every operation of the route table with
// success, and some with their errors, in a scenario with data (a
// department lists a company, another subscribed and verified it, is
// alerted, verifies again and gives feedback), and checks each answer
// against the document: its status, media type and headers are
// documented, and its JSON body matches the schema — required properties
// present, types, formats and enums right, and no property the schema
// does not describe.
func TestOpenAPIResponseShapes(t *testing.T) {
	doc := loadOpenAPI(t)
	var whole map[string]any
	if err := json.Unmarshal(openapiJSON, &whole); err != nil {
		t.Fatal(err)
	}
	sv := &schemaValidator{doc: whole}

	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	db := storagetest.SQLite(t, time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC))
	a := &access.Department{Code: testUSCC(t, "11220000MB000077"), Name: "吉林省人力资源和社会保障厅", RegionCode: "220000", Kind: "human_resources"}
	b := &access.Department{Code: testUSCC(t, "11220000MB000088"), Name: "吉林省政府采购中心", RegionCode: "220000", Kind: "procurement"}
	keys := map[*access.Department]string{}
	for _, d := range []*access.Department{a, b} {
		if err := db.UpsertDepartment(ctx, d); err != nil {
			t.Fatal(err)
		}
		k, _, err := db.CreateAPIKey(ctx, d.ID, []string{access.ScopeIngest, access.ScopeVerify, access.ScopeShare})
		if err != nil {
			t.Fatal(err)
		}
		keys[d] = k
	}
	// A console session of a province administrator, for what API keys
	// (always a department's) may not do.
	const province = "session:province"
	session := func(r *http.Request) (credit.Actor, bool) {
		c, err := r.Cookie("session")
		return credit.Actor{Role: credit.RoleProvince, Name: "省级管理员", Channel: "web"}, err == nil && c.Value == "province"
	}
	srv := httptest.NewServer((&Server{Backend: db, SessionActor: session}).Handler())
	defer srv.Close()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer receiver.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	defer failing.Close()
	t.Cleanup(lists.SetWebhookNetworks(&lists.WebhookPolicy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}))

	answered := map[string]bool{} // operations answered with 2xx

	// send sends a request to path, of the document's path template, with
	// a body (JSON-encoded unless it is a string) and checks the answer
	// against the operation docMethod of the template: its status (want, or
	// any 2xx when want is 0) is documented, with its media type, headers
	// and body schema. It returns the decoded JSON body.
	send := func(docMethod, method, template, path, key, ctype string, body any, want int) map[string]any {
		t.Helper()
		var rd io.Reader
		switch body := body.(type) {
		case nil:
		case string:
			rd = strings.NewReader(body)
		default:
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, srv.URL+"/api/v1"+path, rd)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		switch key {
		case "":
		case province:
			req.AddCookie(&http.Cookie{Name: "session", Value: "province"})
		default:
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		what := method + " " + path
		op := doc.Paths[template][docMethod]
		if op == nil {
			t.Fatalf("%s: no operation %s %s", what, docMethod, template)
		}
		if want == 0 && resp.StatusCode/100 != 2 || want != 0 && resp.StatusCode != want {
			t.Fatalf("%s: %d %s, want %d", what, resp.StatusCode, raw, want)
		}
		r := doc.response(t, op.Responses[strconv.Itoa(resp.StatusCode)])
		if r == nil {
			t.Fatalf("%s: status %d not documented for %s %s", what, resp.StatusCode, docMethod, template)
		}
		if resp.StatusCode/100 == 2 {
			answered[strings.ToUpper(docMethod)+" "+template] = true
		}
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if _, ok := r.Content[mt]; !ok {
			t.Errorf("%s: media type %q not documented for %d", what, mt, resp.StatusCode)
		}
		for name := range r.Headers {
			if resp.Header.Get(name) == "" {
				t.Errorf("%s: documented header %s not sent with %d", what, name, resp.StatusCode)
			}
		}
		if mt != "application/json" || method == http.MethodHead {
			return nil
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var schema any
		if err := json.Unmarshal(r.Content[mt].Schema, &schema); err != nil {
			t.Fatal(err)
		}
		for _, p := range sv.check("", schema, v) {
			t.Errorf("%s: %s", what, p)
		}
		m, _ := v.(map[string]any)
		return m
	}
	call := func(method, template, path, key string, body any) map[string]any {
		t.Helper()
		ctype := ""
		if body != nil {
			ctype = "application/json"
		}
		return send(strings.ToLower(method), method, template, path, key, ctype, body, 0)
	}
	// detail returns field and code of the first detail of an error body.
	detail := func(m map[string]any) (field, code string) {
		details, _ := m["details"].([]any)
		if len(details) == 0 {
			return "", ""
		}
		d, _ := details[0].(map[string]any)
		field, _ = d["field"].(string)
		code, _ = d["code"].(string)
		return field, code
	}
	id := func(m map[string]any, key string) string {
		t.Helper()
		f, ok := m[key].(float64)
		if !ok {
			t.Fatalf("%s missing in %v", key, m)
		}
		return strconv.FormatInt(int64(f), 10)
	}

	call("GET", "/catalog", "/catalog", "", nil)
	call("GET", "/catalog/{class}", "/catalog/list_entry", "", nil)
	call("GET", "/catalog/{class}", "/catalog/penalty", "", nil)
	call("GET", "/lists", "/lists", "", nil)
	ms := call("GET", "/measures", "/measures", "", nil)
	measure := ms["measures"].([]any)[0].(map[string]any)
	measure["name"] = measure["name"].(string) + "（修订）"
	saved := call("PUT", "/measures/{code}", "/measures/"+measure["code"].(string), province, measure)
	if saved["version"] == measure["version"] || saved["version"] == "" {
		t.Errorf("PUT /measures: version %v after saving over %v; want a new one", saved["version"], measure["version"])
	}
	// The same edit again from the version read before: someone (the
	// first PUT) changed it since.
	measure["name"] = measure["name"].(string) + "（再次修订）"
	send("put", "PUT", "/measures/{code}", "/measures/"+measure["code"].(string), province, "application/json", measure, http.StatusConflict)
	call("GET", "/openapi.json", "/openapi.json", "", nil)

	sub := call("POST", "/subscriptions", "/subscriptions", keys[b], map[string]any{"url": receiver.URL + "/hook", "list_types": []string{"black"}})
	broken := call("POST", "/subscriptions", "/subscriptions", keys[b], map[string]any{"url": failing.URL + "/hook"})
	call("GET", "/subscriptions", "/subscriptions", keys[b], nil)

	company := testUSCC(t, "91220101MA0Y8888")
	if err := db.EnsureSubjects(ctx, []record.SubjectRef{{Name: "长春（宏远）劳务派遣有限公司", Type: string(subject.Enterprise), USCC: company}}); err != nil {
		t.Fatal(err)
	}
	verify := map[string]any{"scenario": "政府采购", "purpose": "2026年劳务外包服务采购", "subjects": []map[string]string{{"code": company}, {"name": "不存在的公司"}}}
	call("POST", "/verifications", "/verifications", keys[b], verify)

	row := map[string]string{
		"名单类型": "拖欠农民工工资失信联合惩戒对象", "主体名称": "长春（宏远）劳务派遣有限公司", "主体类别": "法人及非法人组织", "统一社会信用代码": company,
		"法定代表人": "赵宏远", "法定代表人证件类型": "身份证", "法定代表人证件号码": testCitizenID(t, "22010219750303123"),
		"认定文书号": "吉人社失〔2026〕21号", "认定日期": "2026-11-02", "认定部门": a.Name, "认定部门统一社会信用代码": a.Code,
		"列入事由": "拒不支付农民工工资，情节严重", "列入依据": "《保障农民工工资支付条例》第四十八条",
		"失信惩戒措施提示": "限制参加政府采购", "移出条件和程序": "满1年且已清偿的可申请提前移出", "救济措施": "可依法申请行政复议或提起行政诉讼",
		"有效期起": "2026-11-02", "有效期止": "2029-11-01", "数据来源单位统一社会信用代码": a.Code,
	}
	bad := maps.Clone(row)
	delete(bad, "认定文书号")
	rc := call("POST", "/batches", "/batches?class=list_entry", keys[a], []map[string]string{row, bad})
	batch, _ := rc["batch"].(string)
	call("GET", "/batches", "/batches?class=list_entry", keys[a], nil)
	if v := call("GET", "/batches/{id}", "/batches/"+batch, keys[a], nil); v["errors_total"] != 1.0 {
		t.Errorf("errors_total = %v, want 1", v["errors_total"])
	}

	if _, err := (&storage.Pusher{DB: db}).DeliverDue(context.Background(), db.Now()); err != nil {
		t.Fatal(err)
	}
	call("GET", "/subscriptions/{id}/deliveries", "/subscriptions/"+id(sub, "id")+"/deliveries", keys[b], nil)

	v := call("POST", "/verifications", "/verifications", keys[b], verify)
	call("GET", "/verifications/{id}", "/verifications/"+id(v, "id"), keys[b], nil)
	call("GET", "/verifications/{id}/feedback", "/verifications/"+id(v, "id")+"/feedback", keys[b], nil)
	results, _ := v["results"].([]any)
	first, _ := results[0].(map[string]any)
	measures, _ := first["measures"].([]any)
	if len(measures) == 0 {
		t.Fatalf("the verification found no measures: %v", first)
	}
	code := measures[0].(map[string]any)["code"]
	call("POST", "/verifications/{id}/feedback", "/verifications/"+id(v, "id")+"/feedback", keys[b],
		map[string]any{"feedback": []map[string]any{{"seq": 1, "measure_code": code, "applied": true, "applied_on": "2026-11-20"}}})
	call("GET", "/verifications/{id}/feedback", "/verifications/"+id(v, "id")+"/feedback", keys[b], nil)
	call("GET", "/verifications/stats", "/verifications/stats?from=2026-11-01&to=2026-11-20", keys[b], nil)
	call("GET", "/verifications/{id}/report.xlsx", "/verifications/"+id(v, "id")+"/report.xlsx", keys[b], nil)
	call("GET", "/verifications/{id}/report.html", "/verifications/"+id(v, "id")+"/report.html", keys[b], nil)

	entries := call("GET", "/lists/entries", "/lists/entries?type=wage_arrears&kind=black&active=2026-11-20", keys[b], nil)
	list, _ := entries["entries"].([]any)
	if len(list) != 1 {
		t.Fatalf("entries = %v", entries)
	}
	entry := list[0].(map[string]any)
	removed := call("POST", "/lists/entries/{id}/removal", "/lists/entries/"+id(entry, "record_id")+"/removal", keys[a], map[string]any{"reason": "已清偿全部拖欠工资", "date": "2026-11-20"})

	// The webhooks to the failing receiver are given up after the last
	// retry; one is retried.
	for i := range len(lists.RetrySchedule) + 2 {
		if _, err := (&storage.Pusher{DB: db}).DeliverDue(context.Background(), db.Now().Add(time.Duration(i)*7*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	failed := call("GET", "/subscriptions/{id}/deliveries", "/subscriptions/"+id(broken, "id")+"/deliveries?status=failed&limit=0", keys[b], nil)
	fl, _ := failed["deliveries"].([]any)
	if len(fl) == 0 {
		t.Fatalf("no failed delivery: %v", failed)
	}
	retried := "/deliveries/" + id(fl[0].(map[string]any), "id") + "/retry"
	call("POST", "/deliveries/{id}/retry", retried, keys[b], nil)

	inbox := call("GET", "/inbox", "/inbox?limit=0", keys[b], nil)
	call("GET", "/inbox", "/inbox?unacked=1&kind=alert&department_id="+strconv.FormatInt(int64(b.ID), 10), province, nil)
	notes, _ := inbox["notifications"].([]any)
	if len(notes) == 0 {
		t.Fatalf("inbox = %v", inbox)
	}
	call("POST", "/inbox/{id}/ack", "/inbox/"+id(notes[0].(map[string]any), "id")+"/ack", keys[b], map[string]any{"feedback": "已暂停其参与本部门采购项目"})

	call("GET", "/subjects", "/subjects?q="+company, "", nil)
	call("GET", "/subjects", "/subjects?q="+url.QueryEscape("劳务派遣")+"&region=220000", keys[a], nil)
	call("GET", "/subjects/{code}/archive", "/subjects/"+company+"/archive", "", nil)
	call("GET", "/subjects/{code}/archive", "/subjects/"+company+"/archive?purpose="+url.QueryEscape("审核"), keys[b], nil)
	rec := id(removed, "record_id") // the current version
	call("GET", "/records/{id}", "/records/"+rec, keys[a], nil)
	call("GET", "/records/{id}/proof", "/records/"+rec+"/proof", keys[a], nil)
	call("GET", "/ledger/checkpoint", "/ledger/checkpoint", "", nil)
	call("GET", "/ledger/checkpoint", "/ledger/checkpoint?log=audit&format=json", "", nil)
	call("GET", "/ledger/checkpoint", "/ledger/checkpoint?format=note", "", nil)
	call("GET", "/ledger/consistency", "/ledger/consistency?old=1", "", nil)
	call("GET", "/ledger/consistency", "/ledger/consistency?old=1&log=audit", "", nil)
	call("DELETE", "/subscriptions/{id}", "/subscriptions/"+id(sub, "id"), keys[b], nil)

	// Errors: documented, with their headers and details.
	send("get", "GET", "/catalog/{class}", "/catalog/penalty", "bad-key", "", nil, http.StatusUnauthorized)
	send("get", "GET", "/openapi.json", "/openapi.json", "bad-key", "", nil, http.StatusUnauthorized)
	for _, m := range []string{"OPTIONS", "POST", "DELETE"} {
		send("get", m, "/catalog", "/catalog", "", "", nil, http.StatusMethodNotAllowed)
	}
	send("post", "HEAD", "/verifications", "/verifications", keys[b], "", nil, http.StatusMethodNotAllowed)
	if m := send("post", "PUT", "/verifications", "/verifications", keys[b], "", nil, http.StatusMethodNotAllowed); m["code"] != "invalid" {
		t.Errorf("405 code = %v, want invalid", m["code"])
	} else if f, c := detail(m); f != "method" || c != "method_not_allowed" {
		t.Errorf("405 detail = %s %s", f, c)
	}
	m := send("post", "POST", "/verifications", "/verifications", keys[b], "text/plain", `{}`, http.StatusUnsupportedMediaType)
	if f, c := detail(m); f != "Content-Type" || c != "unsupported_media_type" {
		t.Errorf("415 detail = %s %s", f, c)
	}
	long := map[string]any{"scenario": " 政府采购 ", "purpose": "审核", "subjects": []map[string]string{{"code": company}, {"code": strings.Repeat("9", 65)}}}
	if f, c := detail(send("post", "POST", "/verifications", "/verifications", keys[b], "", long, http.StatusBadRequest)); f != "subjects[1].code" || c != "too_long" {
		t.Errorf("too long code: detail = %s %s", f, c)
	}
	send("post", "POST", "/inbox/{id}/ack", "/inbox/"+id(notes[0].(map[string]any), "id")+"/ack", keys[b], "", nil, http.StatusConflict)
	send("post", "POST", "/deliveries/{id}/retry", retried, keys[b], "", nil, http.StatusConflict)
	send("put", "PUT", "/measures/{code}", "/measures/"+measure["code"].(string), keys[a], "", measure, http.StatusForbidden)
	many := make([]map[string]any, lists.MaxFeedbackItems+1)
	for i := range many {
		many[i] = map[string]any{"seq": 1, "measure_code": code, "applied": true, "applied_on": "2026-11-20"}
	}
	send("post", "POST", "/verifications/{id}/feedback", "/verifications/"+id(v, "id")+"/feedback", keys[b], "", map[string]any{"feedback": many}, http.StatusRequestEntityTooLarge)
	if f, c := detail(send("get", "GET", "/lists/entries", "/lists/entries?type=nope", keys[b], "", nil, http.StatusBadRequest)); f != "type" || c != "bad_list_type" {
		t.Errorf("bad type: detail = %s %s", f, c)
	}
	if f, c := detail(send("get", "GET", "/subjects/{code}/archive", "/subjects/"+company+"/archive?purpose="+strings.Repeat("x", 201), "", "", nil, http.StatusBadRequest)); f != "purpose" || c != "too_long" {
		t.Errorf("long purpose: detail = %s %s", f, c)
	}
	send("get", "GET", "/subjects/{code}/archive", "/subjects/"+strings.Repeat("9", 65)+"/archive", "", "", nil, http.StatusNotFound)
	send("get", "GET", "/batches", "/batches?limit=x", keys[a], "", nil, http.StatusBadRequest)
	send("get", "GET", "/batches/{id}", "/batches/"+batch+"?offset=-1", keys[a], "", nil, http.StatusBadRequest)
	send("get", "GET", "/verifications/stats", "/verifications/stats?from=2026-11-20&to=2026-11-01", keys[b], "", nil, http.StatusBadRequest)
	send("post", "POST", "/subscriptions", "/subscriptions", "", "", map[string]any{"url": receiver.URL}, http.StatusUnauthorized)

	for _, o := range routeOperations(t, doc) {
		if !answered[o.route] {
			t.Errorf("%s: not called with success in this test; add it to the scenario", o.route)
		}
	}
}

// schemaValidator checks JSON values against the schemas of an OpenAPI
// 3.0 document: $ref, allOf, nullable, type, format (date, date-time,
// byte), enum, required, properties and items. An object schema with
// properties admits no other property, unless additionalProperties is a
// schema; an object schema without properties admits anything.
type schemaValidator struct {
	doc map[string]any
}

func (sv *schemaValidator) resolve(s map[string]any) map[string]any {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		var cur any = sv.doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			m, _ := cur.(map[string]any)
			cur = m[part]
		}
		next, ok := cur.(map[string]any)
		if !ok {
			return map[string]any{}
		}
		s = next
	}
}

// properties returns the properties a schema describes, with those of the
// schemas it combines with allOf.
func (sv *schemaValidator) properties(s map[string]any) (props map[string]any, described bool) {
	s = sv.resolve(s)
	props = map[string]any{}
	if p, ok := s["properties"].(map[string]any); ok {
		described = true
		for k, v := range p {
			props[k] = v
		}
	}
	if _, ok := s["additionalProperties"].(map[string]any); ok {
		described = false
	}
	all, _ := s["allOf"].([]any)
	for _, part := range all {
		ps, d := sv.properties(part.(map[string]any))
		described = described || d
		for k, v := range ps {
			props[k] = v
		}
	}
	return props, described
}

var dayPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func (sv *schemaValidator) check(at string, schema any, v any) []string {
	s, _ := schema.(map[string]any)
	s = sv.resolve(s)
	var out []string
	fail := func(format string, args ...any) {
		where := at
		if where == "" {
			where = "body"
		}
		out = append(out, where+": "+fmt.Sprintf(format, args...))
	}
	if v == nil {
		if s["nullable"] != true {
			fail("null, but the schema is not nullable")
		}
		return out
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, part := range all {
			p := part.(map[string]any)
			// Each part checks its own required properties and types; the
			// properties it does not know are checked against the whole.
			out = append(out, sv.check(at, sv.withoutClosedProperties(p), v)...)
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		fail("%v is not one of %v", v, enum)
	}
	switch typ, _ := s["type"].(string); typ {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			fail("%T, want an object", v)
			return out
		}
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := m[r.(string)]; !ok {
				fail("required property %q missing", r)
			}
		}
		props, described := sv.properties(s)
		extra, _ := s["additionalProperties"].(map[string]any)
		for k, x := range m {
			switch p, ok := props[k]; {
			case ok:
				out = append(out, sv.check(at+"."+k, p, x)...)
			case extra != nil:
				out = append(out, sv.check(at+"."+k, extra, x)...)
			case described && s["x-open"] != true:
				fail("property %q is not documented", k)
			}
		}
	case "array":
		xs, ok := v.([]any)
		if !ok {
			fail("%T, want an array", v)
			return out
		}
		for i, x := range xs {
			out = append(out, sv.check(fmt.Sprintf("%s[%d]", at, i), s["items"], x)...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			fail("%T, want a string", v)
			return out
		}
		switch s["format"] {
		case "date":
			if !dayPattern.MatchString(str) {
				fail("%q is not a date (yyyy-MM-dd)", str)
			}
		case "date-time":
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				fail("%q is not an RFC 3339 time", str)
			}
		case "byte":
			if _, err := base64.StdEncoding.DecodeString(str); err != nil {
				fail("%q is not base64", str)
			}
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != math.Trunc(f) {
			fail("%v, want an integer", v)
		}
	case "number":
		if _, ok := v.(float64); !ok {
			fail("%v, want a number", v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			fail("%v, want a boolean", v)
		}
	}
	return out
}

// withoutClosedProperties returns schema s (a part of an allOf) marked to
// admit properties it does not describe: the other parts describe them.
func (sv *schemaValidator) withoutClosedProperties(s map[string]any) map[string]any {
	r := maps.Clone(sv.resolve(s))
	r["x-open"] = true
	return r
}

func testUSCC(tb testing.TB, prefix16 string) string { return subjecttest.USCC(tb, prefix16) }

func testCitizenID(tb testing.TB, first17 string) string { return subjecttest.CitizenID(tb, first17) }
