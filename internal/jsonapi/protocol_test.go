package jsonapi_test

import (
	"net/http"
	"strings"
	"testing"

	"jlcredit/internal/credit"
)

// TestMethodNotAllowed: a path the API has, called with a method it does
// not take, answers 405 with Allow (GET implies HEAD) and a Chinese
// message naming both; a path it does not have stays 404.
func TestMethodNotAllowed(t *testing.T) {
	e := newEnv(t)
	for _, test := range []struct {
		method, path string
		allow        string // "" for 404
	}{
		{"POST", "/api/v1/catalog", "GET, HEAD"},
		{"DELETE", "/api/v1/catalog/penalty", "GET, HEAD"},
		{"OPTIONS", "/api/v1/catalog", "GET, HEAD"},
		{"GET", "/api/v1/verifications", "POST"},
		{"PUT", "/api/v1/verifications/1", "GET, HEAD"},
		{"POST", "/api/v1/verifications/stats", "GET, HEAD"},
		{"DELETE", "/api/v1/verifications/1/feedback", "GET, HEAD, POST"},
		{"GET", "/api/v1/measures/N1-01", "PUT"},
		{"PATCH", "/api/v1/subscriptions/1", "DELETE"},
		{"PUT", "/api/v1/subscriptions", "GET, HEAD, POST"},
		{"OPTIONS", "/api/v1/batches", "GET, HEAD, POST"},
		{"GET", "/api/v1/nothing", ""},
		{"POST", "/api/v1/verifications/1/nothing", ""},
	} {
		t.Run(test.method+" "+test.path, func(t *testing.T) {
			resp, m := e.do(t, test.method, test.path, e.keyA, "", nil)
			msg, _ := m["message"].(string)
			if test.allow == "" {
				if resp.StatusCode != http.StatusNotFound || m["code"] != credit.ENOTFOUND || resp.Header.Get("Allow") != "" {
					t.Errorf("got %d %v Allow %q, want 404 not_found without Allow", resp.StatusCode, m, resp.Header.Get("Allow"))
				}
				return
			}
			if resp.StatusCode != http.StatusMethodNotAllowed || m["code"] != credit.EINVALID {
				t.Fatalf("got %d %v, want 405 invalid", resp.StatusCode, m)
			}
			if got := resp.Header.Get("Allow"); got != test.allow {
				t.Errorf("Allow = %q, want %q", got, test.allow)
			}
			want := "接口 " + test.path + " 不支持 " + test.method + " 方法，支持：" + strings.ReplaceAll(test.allow, ", ", "、")
			if msg != want {
				t.Errorf("message = %q, want %q", msg, want)
			}
			details, _ := m["details"].([]any)
			if len(details) != 1 || details[0].(map[string]any)["code"] != "method_not_allowed" {
				t.Errorf("details = %v, want one method_not_allowed", details)
			}
		})
	}
}

// TestMethodNotAllowedAnonymous: the 405 does not depend on credentials.
func TestMethodNotAllowedAnonymous(t *testing.T) {
	e := newEnv(t)
	resp, m := e.do(t, "DELETE", "/api/v1/lists", "", "", nil)
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("got %d %v Allow %q, want 405 with GET, HEAD", resp.StatusCode, m, resp.Header.Get("Allow"))
	}
}

// TestUnauthorizedChallenge: every 401 of the API carries the Bearer
// challenge.
func TestUnauthorizedChallenge(t *testing.T) {
	e := newEnv(t)
	for _, test := range []struct {
		name, method, path, auth string
	}{
		{"Anonymous", "POST", "/api/v1/verifications", ""},
		{"AnonymousRead", "GET", "/api/v1/lists/entries", ""},
		{"NotBearer", "GET", "/api/v1/catalog", "Basic eDp5"},
		{"UnknownKey", "GET", "/api/v1/batches", "Bearer nope"},
	} {
		t.Run(test.name, func(t *testing.T) {
			req, _ := http.NewRequest(test.method, e.srv.URL+test.path, strings.NewReader(`{}`))
			req.Header.Set("Content-Type", "application/json")
			if test.auth != "" {
				req.Header.Set("Authorization", test.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", resp.StatusCode)
			}
			if got, want := resp.Header.Get("WWW-Authenticate"), `Bearer realm="jlcredit"`; got != want {
				t.Errorf("WWW-Authenticate = %q, want %q", got, want)
			}
		})
	}
	resp, _ := e.do(t, "GET", "/api/v1/catalog", "", "", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("public read: %d WWW-Authenticate %q, want 200 without a challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

// TestJSONContentType: a JSON body declared as something else is refused
// with 415 before it is read; JSON types with any parameters, +json types
// and a missing Content-Type are accepted.
func TestJSONContentType(t *testing.T) {
	e := newEnv(t)
	verification := `{"scenario": "政府采购", "purpose": "供应商资格审查", "subjects": [{"code": "91220101MA0Y56781J"}]}`
	for _, test := range []struct {
		name, method, path, ctype, body string
		status                          int
	}{
		{"JSON", "POST", "/api/v1/verifications", "application/json", verification, http.StatusCreated},
		{"JSONCharset", "POST", "/api/v1/verifications", "application/json; charset=UTF-8", verification, http.StatusCreated},
		{"JSONUpperCase", "POST", "/api/v1/verifications", "Application/JSON", verification, http.StatusCreated},
		{"PlusJSON", "POST", "/api/v1/verifications", "application/vnd.jlcredit+json", verification, http.StatusCreated},
		{"None", "POST", "/api/v1/verifications", "", verification, http.StatusCreated},
		{"ErrTextPlain", "POST", "/api/v1/verifications", "text/plain", verification, http.StatusUnsupportedMediaType},
		{"ErrXML", "POST", "/api/v1/verifications", "application/xml", verification, http.StatusUnsupportedMediaType},
		{"ErrForm", "POST", "/api/v1/verifications", "application/x-www-form-urlencoded", verification, http.StatusUnsupportedMediaType},
		{"ErrMultipart", "POST", "/api/v1/verifications", "multipart/form-data; boundary=x", verification, http.StatusUnsupportedMediaType},
		{"JSONBadParameter", "POST", "/api/v1/verifications", "application/json; charset", verification, http.StatusCreated},
		{"ErrMalformed", "POST", "/api/v1/verifications", "application/json charset=utf-8", verification, http.StatusUnsupportedMediaType},
		{"ErrNoSubtype", "POST", "/api/v1/verifications", "json", verification, http.StatusUnsupportedMediaType},
		{"ErrJSONText", "POST", "/api/v1/verifications", "text/json", verification, http.StatusUnsupportedMediaType},
		{"ErrFeedback", "POST", "/api/v1/verifications/1/feedback", "text/plain", `{"feedback": []}`, http.StatusUnsupportedMediaType},
		{"ErrSubscription", "POST", "/api/v1/subscriptions", "application/xml", `{"url": "https://example.com/hook"}`, http.StatusUnsupportedMediaType},
		{"ErrMeasure", "PUT", "/api/v1/measures/N1-01", "text/plain", `{"code": "N1-01"}`, http.StatusUnsupportedMediaType},
		{"ErrRemoval", "POST", "/api/v1/lists/entries/1/removal", "text/plain", `{"reason": "x"}`, http.StatusUnsupportedMediaType},
		{"ErrAck", "POST", "/api/v1/inbox/1/ack", "text/plain", `{"feedback": "x"}`, http.StatusUnsupportedMediaType},
	} {
		t.Run(test.name, func(t *testing.T) {
			resp, m := e.do(t, test.method, test.path, e.keyA, test.ctype, strings.NewReader(test.body))
			if resp.StatusCode != test.status {
				t.Fatalf("got %d %v, want %d", resp.StatusCode, m, test.status)
			}
			if test.status != http.StatusUnsupportedMediaType {
				return
			}
			msg, _ := m["message"].(string)
			if m["code"] != credit.EINVALID || !strings.Contains(msg, "Content-Type") || !strings.Contains(msg, "application/json") || !hasHan(msg) {
				t.Errorf("got %v %q, want invalid with a Chinese message naming application/json", m["code"], msg)
			}
			details, _ := m["details"].([]any)
			if len(details) != 1 || details[0].(map[string]any)["code"] != "unsupported_media_type" {
				t.Errorf("details = %v, want one unsupported_media_type", details)
			}
		})
	}
}
