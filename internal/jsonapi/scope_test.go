package jsonapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/credit/credittest"
	"jlcredit/internal/jsonapi"
	"jlcredit/internal/lists"
)

// wantScopes is the scope of every route of the API; "" is public. A new
// route must be added here, with its scope decided on purpose.
var wantScopes = map[string]string{
	"GET /api/v1/catalog":                        "",
	"GET /api/v1/catalog/{class}":                "",
	"GET /api/v1/ledger/checkpoint":              "",
	"GET /api/v1/ledger/consistency":             "",
	"GET /api/v1/openapi.json":                   "",
	"GET /api/v1/lists":                          "",
	"GET /api/v1/measures":                       "",
	"POST /api/v1/batches":                       access.ScopeIngest,
	"GET /api/v1/batches":                        access.ScopeIngest,
	"GET /api/v1/batches/{id}":                   access.ScopeIngest,
	"POST /api/v1/lists/entries/{id}/removal":    access.ScopeIngest,
	"PUT /api/v1/measures/{code}":                access.ScopeIngest,
	"GET /api/v1/lists/entries":                  access.ScopeVerify,
	"POST /api/v1/verifications":                 access.ScopeVerify,
	"GET /api/v1/verifications/stats":            access.ScopeVerify,
	"GET /api/v1/verifications/{id}":             access.ScopeVerify,
	"GET /api/v1/verifications/{id}/feedback":    access.ScopeVerify,
	"POST /api/v1/verifications/{id}/feedback":   access.ScopeVerify,
	"GET /api/v1/verifications/{id}/report.xlsx": access.ScopeVerify,
	"GET /api/v1/verifications/{id}/report.html": access.ScopeVerify,
	"GET /api/v1/inbox":                          access.ScopeVerify,
	"POST /api/v1/inbox/{id}/ack":                access.ScopeVerify,
	"GET /api/v1/subscriptions":                  access.ScopeVerify,
	"POST /api/v1/subscriptions":                 access.ScopeVerify,
	"DELETE /api/v1/subscriptions/{id}":          access.ScopeVerify,
	"GET /api/v1/subscriptions/{id}/deliveries":  access.ScopeVerify,
	"POST /api/v1/deliveries/{id}/retry":         access.ScopeVerify,
	"GET /api/v1/subjects":                       access.ScopeShare,
	"GET /api/v1/subjects/{code}/archive":        access.ScopeShare,
	"GET /api/v1/records/{id}":                   access.ScopeShare,
	"GET /api/v1/records/{id}/proof":             access.ScopeShare,
}

// TestRouteScopes: every route of the handler declares a known scope or is
// public, and the table is what we decided.
func TestRouteScopes(t *testing.T) {
	got := map[string]string{}
	for _, rt := range jsonapi.RouteScopes() {
		if _, dup := got[rt.Pattern]; dup {
			t.Errorf("route %s registered twice", rt.Pattern)
		}
		got[rt.Pattern] = rt.Scope
		if rt.Scope != "" && !slices.Contains(access.Scopes, rt.Scope) {
			t.Errorf("route %s: unknown scope %q", rt.Pattern, rt.Scope)
		}
	}
	if diff := cmp.Diff(wantScopes, got); diff != "" {
		t.Errorf("route scopes (-want +got):\n%s", diff)
	}
}

// samplePath turns a route pattern into a request path.
func samplePath(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	return method, regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "1")
}

// TestScopeEnforced calls every route with a key that has none of the
// route's scope: scoped routes answer 403 scope_required naming the scope,
// public ones never do.
func TestScopeEnforced(t *testing.T) {
	e := newEnv(t)
	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	dep, err := e.db.FindDepartmentByCode(ctx, e.deptA.Code)
	if err != nil {
		t.Fatal(err)
	}
	finance, _, err := e.db.CreateAPIKey(ctx, dep.ID, []string{access.ScopeFinance})
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range jsonapi.RouteScopes() {
		t.Run(rt.Pattern, func(t *testing.T) {
			method, path := samplePath(rt.Pattern)
			resp, m := e.do(t, method, path, finance, "application/json", strings.NewReader("{}"))
			details, _ := m["details"].([]any)
			var d map[string]any
			if len(details) == 1 {
				d, _ = details[0].(map[string]any)
			}
			if rt.Scope == "" {
				if d["code"] == "scope_required" {
					t.Errorf("public route refused a key: %v", m)
				}
				return
			}
			if resp.StatusCode != http.StatusForbidden || m["code"] != credit.EFORBIDDEN || d["code"] != "scope_required" || d["field"] != rt.Scope {
				t.Fatalf("got %d %v, want 403 scope_required for %s", resp.StatusCode, m, rt.Scope)
			}
			want := "该API密钥没有“" + access.ScopeLabel(rt.Scope) + "（" + rt.Scope + "）”权限范围"
			if msg, _ := m["message"].(string); !strings.HasPrefix(msg, want) {
				t.Errorf("message %q, want it to start with %q", msg, want)
			}
		})
	}
}

// TestScopesIngestVerify: an ingest-only key submits batches but cannot
// verify; a verify-only key verifies but cannot submit; a share key reads a
// person's archive that the others may not; sessions and anonymous callers
// are not restricted by scopes.
func TestScopesIngestVerify(t *testing.T) {
	e := newEnv(t)
	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	dep, err := e.db.FindDepartmentByCode(ctx, e.deptA.Code)
	if err != nil {
		t.Fatal(err)
	}
	key := func(scopes ...string) string {
		k, _, err := e.db.CreateAPIKey(ctx, dep.ID, scopes)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	ingest, verify, share := key(access.ScopeIngest), key(access.ScopeVerify), key(access.ScopeShare)
	rows := e.rows(t, e.deptA, 5)
	body, _ := json.Marshal(rows)

	vreq, _ := json.Marshal(lists.VerificationRequest{Scenario: "日常监管", Purpose: "日常监管抽查",
		Subjects: []lists.Query{{Code: rows[0]["CF_XDR_SHXYM"]}}})
	resp, m := e.do(t, "POST", "/api/v1/verifications", ingest, "application/json", bytes.NewReader(vreq))
	if resp.StatusCode != http.StatusForbidden || m["code"] != credit.EFORBIDDEN {
		t.Errorf("ingest key verifies: %d %v, want 403", resp.StatusCode, m)
	}
	if msg, _ := m["message"].(string); !strings.Contains(msg, "该API密钥没有“信用核查（verify）”权限范围") {
		t.Errorf("message %q does not name the missing scope", msg)
	}
	if resp, m := e.do(t, "POST", "/api/v1/batches?class=penalty", ingest, "application/json", bytes.NewReader(body)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("ingest key submits: %d %v, want 201", resp.StatusCode, m)
	}
	if resp, m := e.do(t, "POST", "/api/v1/verifications", verify, "application/json", bytes.NewReader(vreq)); resp.StatusCode != http.StatusCreated {
		t.Errorf("verify key verifies: %d %v, want 201", resp.StatusCode, m)
	}
	resp, m = e.do(t, "POST", "/api/v1/batches?class=penalty", verify, "application/json", bytes.NewReader(body))
	if msg, _ := m["message"].(string); resp.StatusCode != http.StatusForbidden || !strings.Contains(msg, "数据报送（ingest）") {
		t.Errorf("verify key submits: %d %v, want 403 naming ingest", resp.StatusCode, m)
	}
	if resp, _ := e.do(t, "GET", "/api/v1/batches", ingest, "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("ingest key lists batches: %d", resp.StatusCode)
	}

	// A person's archive: government view with share, refused without it,
	// not found for the public.
	var person string
	for _, r := range rows {
		if r["CF_XDR_LB"] == "自然人" {
			person = r["CF_XDR_ZJHM"]
			break
		}
	}
	if person == "" {
		t.Skip("no person among the generated rows")
	}
	path := "/api/v1/subjects/" + person + "/archive?purpose=test"
	if resp, a := e.do(t, "GET", path, share, "", nil); resp.StatusCode != http.StatusOK || a["audience"] != "government" {
		t.Errorf("share key reads a person's archive: %d %v", resp.StatusCode, a["audience"])
	}
	if resp, _ := e.do(t, "GET", path, ingest, "", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("ingest key reads a person's archive: %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.do(t, "GET", path, "", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("public reads a person's archive: %d, want 404", resp.StatusCode)
	}
}

// TestRateLimit: a key with burst 3 gets three requests at one instant and
// then 429 with Retry-After; the bucket refills with the (injected) clock;
// keys are limited separately and an unlimited key never is.
func TestRateLimit(t *testing.T) {
	e := newEnv(t)
	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	dep, err := e.db.FindDepartmentByCode(ctx, e.deptA.Code)
	if err != nil {
		t.Fatal(err)
	}
	slow, _, err := e.db.CreateAPIKeyWithLimit(ctx, dep.ID, nil, credit.RateLimit{Rate: 0.25, Burst: 3})
	if err != nil {
		t.Fatal(err)
	}
	unlimited, _, err := e.db.CreateAPIKeyWithLimit(ctx, dep.ID, nil, credit.RateLimit{})
	if err != nil {
		t.Fatal(err)
	}
	clock := credittest.NewClock(time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC))
	srv := httptest.NewServer((&jsonapi.Server{Backend: e.db, Now: clock.Now}).Handler())
	defer srv.Close()
	get := func(key string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/catalog/penalty", nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for i := range 3 {
		if resp := get(slow); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d within the burst: %d", i+1, resp.StatusCode)
		}
	}
	resp := get(slow)
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || body["code"] != credit.ETOOMANY {
		t.Fatalf("over the limit: %d %v, want 429 %s", resp.StatusCode, body, credit.ETOOMANY)
	}
	// One token takes 4 s at 0.25/s.
	if got := resp.Header.Get("Retry-After"); got != "4" {
		t.Errorf("Retry-After = %q, want 4", got)
	}
	if msg, _ := body["message"].(string); !strings.Contains(msg, "请求过于频繁") || !strings.Contains(msg, "4秒后重试") {
		t.Errorf("message %q", msg)
	}
	// Other callers are not affected.
	for range 20 {
		if resp := get(unlimited); resp.StatusCode != http.StatusOK {
			t.Fatalf("unlimited key: %d", resp.StatusCode)
		}
		if resp := get(""); resp.StatusCode != http.StatusOK {
			t.Fatalf("anonymous: %d", resp.StatusCode)
		}
	}
	clock.Add(3 * time.Second)
	if resp := get(slow); resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("after 3 s: %d Retry-After %q, want 429 and 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	clock.Add(time.Second)
	if resp := get(slow); resp.StatusCode != http.StatusOK {
		t.Errorf("after 4 s: %d, want 200", resp.StatusCode)
	}
	if resp := get(slow); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("second request after 4 s: %d, want 429", resp.StatusCode)
	}
}

// TestDefaultKeyLimit: a key created without a limit gets the default and
// is refused once its burst is used up at one instant.
func TestDefaultKeyLimit(t *testing.T) {
	e := newEnv(t)
	clock := credittest.NewClock(time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC))
	srv := httptest.NewServer((&jsonapi.Server{Backend: e.db, Now: clock.Now}).Handler())
	defer srv.Close()
	n := 0
	for ; n <= access.DefaultKeyLimit.Burst; n++ {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/ledger/checkpoint", nil)
		req.Header.Set("Authorization", "Bearer "+e.keyA)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			break
		}
	}
	if n != access.DefaultKeyLimit.Burst {
		t.Errorf("refused after %d requests, want %d", n, access.DefaultKeyLimit.Burst)
	}
}
