package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"jlcredit/internal/pgtest"
)

// The bench commands are how the speed targets are measured (BENCHMARKS.md);
// these tests run them at a tiny size so that they keep working and keep
// printing the last line the issues and BENCHMARKS.md rely on. They assert
// the shape and the arithmetic, never a speed.

func TestBenchIngestSQLite(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))
	testBenchIngest(t, "sqlite:"+filepath.Join(dir, "b.db"))
}

func TestBenchIngestPostgres(t *testing.T) {
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(t.TempDir(), "k.key"))
	testBenchIngest(t, pgtest.DSN(t))
}

func testBenchIngest(t *testing.T, dsn string) {
	out, errs, code := run(t, "bench", "ingest", "--db", dsn, "--records", "1500")
	if code != 0 {
		t.Fatalf("bench ingest exit %d: %s", code, errs)
	}
	var r struct {
		Records  *int     `json:"records"`
		EndToEnd *float64 `json:"end_to_end_rows_per_s"`
		Raw      *float64 `json:"raw_rows_per_s"`
		Ratio    *float64 `json:"ratio"`
	}
	line := lastLine(out)
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, line)
	}
	if r.Records == nil || r.EndToEnd == nil || r.Raw == nil || r.Ratio == nil {
		t.Fatalf("last line lacks records, end_to_end_rows_per_s, raw_rows_per_s or ratio: %s", line)
	}
	if *r.Records != 1500 {
		t.Errorf("records = %d, want 1500", *r.Records)
	}
	if *r.EndToEnd <= 0 || *r.Raw <= 0 {
		t.Fatalf("rates must be positive: %s", line)
	}
	if want := *r.EndToEnd / *r.Raw; math.Abs(*r.Ratio-want) > 0.001 {
		t.Errorf("ratio = %v, want end_to_end/raw = %.4f", *r.Ratio, want)
	}
	// Again on the same database: every row a duplicate, no rate to give.
	if _, errs, code := run(t, "bench", "ingest", "--db", dsn, "--records", "1500"); code != 1 || !strings.Contains(errs, "1500行重复") {
		t.Errorf("bench ingest again on the same database: exit %d, %q; want 1 naming the duplicates", code, errs)
	}
}

func TestBenchVerifySQLite(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))
	out, errs, code := run(t, "bench", "verify", "--db", "sqlite:"+filepath.Join(dir, "v.db"),
		"--subjects", "2000", "--entries", "200", "--requests", "200", "--batches", "1", "--rate", "400")
	if code != 0 {
		t.Fatalf("bench verify exit %d: %s", code, errs)
	}
	var r map[string]json.RawMessage
	line := lastLine(out)
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, line)
	}
	phase := func(name string) map[string]float64 {
		t.Helper()
		var p map[string]float64
		if err := json.Unmarshal(r[name], &p); err != nil {
			t.Fatalf("phase %s: %v\n%s", name, err, line)
		}
		return p
	}
	for _, name := range []string{"single", "single_at_rate", "single_sequential", "server_side", "batch_1000"} {
		p := phase(name)
		if p["n"] <= 0 || p["p50_ms"] <= 0 || p["p99_ms"] < p["p50_ms"] || p["max_ms"] < p["p99_ms"] {
			t.Errorf("phase %s: implausible figures %v", name, p)
		}
	}
	if p := phase("single_at_rate"); p["offered_per_s"] != 400 || p["n"] != 200 {
		t.Errorf("single_at_rate = %v, want 200 requests offered at 400/s", p)
	} else if _, ok := p["late_p99_ms"]; !ok {
		t.Errorf("single_at_rate lacks the load generator's lateness: %v", p)
	}
	// A fifth of the subjects verified are taken from the list entries, so
	// at least a fifth of the answers are hits; the others are drawn from
	// every subject (a few of them listed too) or unknown.
	if p := phase("single"); p["hit_rate"] < 0.2 || p["hit_rate"] > 0.5 {
		t.Errorf("hit rate = %v, want at least 0.2 (listed subjects) and well under 1", p["hit_rate"])
	}
}

func TestBenchReadSQLite(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))
	out, errs, code := run(t, "bench", "read", "--db", "sqlite:"+filepath.Join(dir, "r.db"), "--subjects", "2000", "--queries", "40")
	if code != 0 {
		t.Fatalf("bench read exit %d: %s", code, errs)
	}
	var r map[string]json.RawMessage
	line := lastLine(out)
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, line)
	}
	for _, name := range []string{"archive", "archive_50", "archive_50_gov"} {
		var p map[string]float64
		if err := json.Unmarshal(r[name], &p); err != nil || p["p50_ms"] <= 0 || p["p99_ms"] < p["p50_ms"] {
			t.Errorf("phase %s: %v %v", name, p, err)
		}
	}
}
