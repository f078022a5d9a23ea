package jsonapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"jlcredit/internal/credit"
)

// TestBatchErrorsLimitZero: limit=0 is the default page of row errors
// (1000), not all of them.
func TestBatchErrorsLimitZero(t *testing.T) {
	e := newEnv(t)
	rows := e.rows(t, e.deptA, 1)
	bad := make([]map[string]string, 1001)
	for i := range bad {
		bad[i] = map[string]string{}
		for k, v := range rows[0] {
			bad[i][k] = v
		}
		bad[i]["CF_WSH"] = ""
	}
	resp, m := e.do(t, "POST", "/api/v1/batches?class=penalty", e.keyA, "text/csv", bytes.NewReader(csvOf(bad)))
	if resp.StatusCode != http.StatusCreated || m["rejected"] != 1001.0 {
		t.Fatalf("submit: %d %v", resp.StatusCode, m)
	}
	id := m["batch"].(string)
	for _, test := range []struct {
		query string
		want  int
	}{
		{"", 1000},
		{"?limit=0", 1000},
		{"?limit=5", 5},
		{"?limit=0&offset=1000", 1},
		{"?limit=20000", 1001}, // capped at 10000
	} {
		resp, v := e.do(t, "GET", "/api/v1/batches/"+id+test.query, e.keyA, "", nil)
		errs, _ := v["errors"].([]any)
		if resp.StatusCode != http.StatusOK || len(errs) != test.want || v["errors_total"] != 1001.0 {
			t.Errorf("GET %s: %d, %d errors of %v, want %d of 1001", test.query, resp.StatusCode, len(errs), v["errors_total"], test.want)
		}
	}
}

// TestListEntryFilters: an unknown list type or kind is refused naming the
// parameter and the valid values; known ones still answer.
func TestListEntryFilters(t *testing.T) {
	e := newEnv(t)
	for _, test := range []struct {
		query  string
		status int
		want   []string
	}{
		{"type=nope", 400, []string{"参数type", "“nope”", "black", "tax_major", "abnormal"}},
		{"kind=nope", 400, []string{"参数kind", "“nope”", "black", "watch", "red", "abnormal"}},
		{"type=" + strings.Repeat("x", 5000), 400, []string{"参数type", "…"}},
		{"type=tax_major", 200, nil},
		{"kind=black", 200, nil},
		{"type=red&kind=red", 200, nil},
	} {
		t.Run(test.query[:min(len(test.query), 20)], func(t *testing.T) {
			resp, m := e.do(t, "GET", "/api/v1/lists/entries?"+test.query, e.keyA, "", nil)
			msg, _ := m["message"].(string)
			if resp.StatusCode != test.status {
				t.Fatalf("got %d %v, want %d", resp.StatusCode, m, test.status)
			}
			if test.status == 400 && m["code"] != credit.EINVALID {
				t.Errorf("code %v, want invalid", m["code"])
			}
			for _, w := range test.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q, want it to contain %q", msg, w)
				}
			}
			if len([]rune(msg)) > 400 {
				t.Errorf("message is %d characters long", len([]rune(msg)))
			}
		})
	}
}

// TestStatsDateOrder: from after to is refused; equal dates are one day.
func TestStatsDateOrder(t *testing.T) {
	e := newEnv(t)
	resp, m := e.do(t, "GET", "/api/v1/verifications/stats?from=2026-12-01&to=2026-01-01", e.keyA, "", nil)
	msg, _ := m["message"].(string)
	if resp.StatusCode != http.StatusBadRequest || m["code"] != credit.EINVALID || !strings.Contains(msg, "2026-12-01") || !strings.Contains(msg, "2026-01-01") {
		t.Errorf("from after to: %d %v, want 400 naming both dates", resp.StatusCode, m)
	}
	if resp, m := e.do(t, "GET", "/api/v1/verifications/stats?from=2026-01-01&to=2026-01-01", e.keyA, "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("one day: %d %v, want 200", resp.StatusCode, m)
	}
}

// TestLongInputsClipped: what the caller sent is quoted in a message
// clipped, never whole.
func TestLongInputsClipped(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("9", 5000)
	for _, test := range []struct {
		name, method, path, key string
		status                  int
	}{
		{"Batch", "GET", "/api/v1/batches/B" + long, e.keyA, http.StatusNotFound},
		{"Archive", "GET", "/api/v1/subjects/" + long + "/archive", "", http.StatusNotFound},
		{"Class", "GET", "/api/v1/catalog/" + long, "", http.StatusNotFound},
		{"Route", "GET", "/api/v1/" + long, "", http.StatusNotFound},
		{"Method", "POST", "/api/v1/batches/B" + long, e.keyA, http.StatusMethodNotAllowed},
		{"Record", "GET", "/api/v1/records/" + long, "", http.StatusBadRequest},
		{"Verification", "GET", "/api/v1/verifications/" + long, e.keyA, http.StatusBadRequest},
		{"Limit", "GET", "/api/v1/batches?limit=" + long + "x", e.keyA, http.StatusBadRequest},
		{"Date", "GET", "/api/v1/verifications/stats?from=" + long, e.keyA, http.StatusBadRequest},
		{"Log", "GET", "/api/v1/ledger/checkpoint?log=" + long, "", http.StatusBadRequest},
	} {
		t.Run(test.name, func(t *testing.T) {
			resp, m := e.do(t, test.method, test.path, test.key, "", nil)
			msg, _ := m["message"].(string)
			if resp.StatusCode != test.status {
				t.Fatalf("got %d %.100q, want %d", resp.StatusCode, msg, test.status)
			}
			if n := len([]rune(msg)); n > 200 || !strings.Contains(msg, "…") {
				t.Errorf("message of %d characters, want it clipped: %.100s", n, msg)
			}
		})
	}
}

// TestMeasureCodeMismatchClipped: the code of a PUT measure is quoted
// clipped.
func TestMeasureCodeMismatchClipped(t *testing.T) {
	e := newEnv(t)
	body, _ := json.Marshal(map[string]string{"code": strings.Repeat("N", 5000)})
	resp, m := e.do(t, "PUT", "/api/v1/measures/N1-01", e.keyA, "application/json", bytes.NewReader(body))
	msg, _ := m["message"].(string)
	if resp.StatusCode != http.StatusBadRequest || len([]rune(msg)) > 200 {
		t.Errorf("got %d, message of %d characters, want 400 clipped", resp.StatusCode, len([]rune(msg)))
	}
}

// TestListDataNote: the list catalog's note is for its users, without
// development remarks.
func TestListDataNote(t *testing.T) {
	e := newEnv(t)
	resp, m := e.do(t, "GET", "/api/v1/lists", "", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/lists: %d", resp.StatusCode)
	}
	note, _ := m["note"].(string)
	for _, bad := range []string{"DOMAIN.md", "§", "[P/M]", "正式上线前"} {
		if strings.Contains(note, bad) {
			t.Errorf("note %q holds the development remark %q", note, bad)
		}
	}
	if m["list_types"] == nil || m["scenarios"] == nil || m["measures"] == nil {
		t.Errorf("answer lacks the catalog: %v", m)
	}
}

// TestArchivePurposeLength: an archive's purpose is capped as a
// verification's is.
func TestArchivePurposeLength(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/subjects/91220101MA0Y56781J/archive?purpose="
	resp, m := e.do(t, "GET", path+url.QueryEscape(strings.Repeat("查", 201)), "", "", nil)
	msg, _ := m["message"].(string)
	if resp.StatusCode != http.StatusBadRequest || m["code"] != credit.EINVALID || !strings.Contains(msg, "最多200字，实际201字") {
		t.Errorf("201 characters: %d %v %q, want 400 naming the limit", resp.StatusCode, m["code"], msg)
	}
	resp, m = e.do(t, "GET", path+url.QueryEscape(" "+strings.Repeat("查", 200)+" "), "", "", nil)
	if resp.StatusCode == http.StatusBadRequest {
		t.Errorf("200 characters: %d %v, want it accepted", resp.StatusCode, m)
	}
}

// TestVerificationInput: the scenario and purpose are trimmed; a subject
// without code and name, or over a length limit, is refused naming its
// place.
func TestVerificationInput(t *testing.T) {
	e := newEnv(t)
	post := func(body map[string]any) (*http.Response, map[string]any) {
		b, _ := json.Marshal(body)
		return e.do(t, "POST", "/api/v1/verifications", e.keyA, "application/json", bytes.NewReader(b))
	}
	resp, m := post(map[string]any{"scenario": " 政府采购 ", "purpose": "  供应商资格审查 ", "subjects": []map[string]string{{"code": "91220101MA0Y56781J"}}})
	if resp.StatusCode != http.StatusCreated || m["scenario"] != "政府采购" || m["purpose"] != "供应商资格审查" {
		t.Fatalf("padded scenario: %d scenario %q purpose %q, want 201 trimmed", resp.StatusCode, m["scenario"], m["purpose"])
	}
	for _, test := range []struct {
		name     string
		subjects []map[string]string
		field    string
	}{
		{"EmptyCode", []map[string]string{{"code": "91220101MA0Y56781J"}, {"code": ""}}, "subjects[1]"},
		{"EmptyObject", []map[string]string{{}, {"code": "91220101MA0Y56781J"}}, "subjects[0]"},
		{"LongCode", []map[string]string{{"code": strings.Repeat("9", 65)}}, "subjects[0].code"},
		{"LongName", []map[string]string{{"code": "91220101MA0Y56781J"}, {"name": strings.Repeat("名", 201)}}, "subjects[1].name"},
	} {
		t.Run(test.name, func(t *testing.T) {
			resp, m := post(map[string]any{"scenario": "政府采购", "purpose": "供应商资格审查", "subjects": test.subjects})
			details, _ := m["details"].([]any)
			if resp.StatusCode != http.StatusBadRequest || len(details) != 1 || details[0].(map[string]any)["field"] != test.field {
				t.Errorf("got %d %v, want 400 with one problem of %s", resp.StatusCode, m, test.field)
			}
		})
	}
}
