// Package depstest enforces the package layout of STYLE.md §1: which
// packages may import which.
package depstest

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

type pkg struct {
	ImportPath string
	Deps       []string
	Imports    []string
}

func list(t *testing.T) map[string]pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-e", "-json", "jlcredit/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

// domain packages hold types, rules and Service interfaces; they never touch
// SQL, HTTP or the outer layers.
var domain = []string{"subject", "catalog", "record", "record/ingest", "archive", "ledger", "workday", "access", "lists", "demo"}

var forbiddenForDomain = []string{
	"database/sql", "net/http", "github.com/jackc/pgx", "modernc.org/sqlite",
	"jlcredit/internal/storage", "jlcredit/internal/jsonapi", "jlcredit/internal/web", "jlcredit/internal/server", "jlcredit/internal/respond",
}

func TestDependencies(t *testing.T) {
	pkgs := list(t)
	check := func(from string, forbidden []string) {
		p, ok := pkgs[from]
		if !ok {
			return // not created yet
		}
		// Standard-library packages are checked as direct imports (a
		// third-party library may use net/http internally); the platform's
		// own layers and the drivers are checked transitively.
		for _, f := range forbidden {
			deps := p.Deps
			if !strings.Contains(strings.SplitN(f, "/", 2)[0], ".") && !strings.HasPrefix(f, "jlcredit/") {
				deps = p.Imports
			}
			for _, d := range deps {
				if d == f || strings.HasPrefix(d, f+"/") {
					t.Errorf("%s depends on %s (forbidden)", from, d)
				}
			}
		}
	}
	// The kernel imports only the standard library.
	if p, ok := pkgs["jlcredit/internal/credit"]; ok {
		for _, d := range p.Deps {
			if strings.Contains(strings.SplitN(d, "/", 2)[0], ".") || strings.HasPrefix(d, "jlcredit/") {
				t.Errorf("kernel credit depends on %s; it must use the standard library only", d)
			}
		}
	}
	for _, d := range domain {
		check("jlcredit/internal/"+d, forbiddenForDomain)
	}
	// The HTTP layers speak to the domain through interfaces, never to storage or drivers.
	for _, d := range []string{"jsonapi", "web", "respond", "server"} {
		check("jlcredit/internal/"+d, []string{"jlcredit/internal/storage", "github.com/jackc/pgx", "modernc.org/sqlite", "database/sql"})
	}
	// Nothing but the command wires storage to the HTTP layers.
	for path, p := range pkgs {
		if path == "jlcredit/cmd/credit" || strings.HasPrefix(path, "jlcredit/internal/storage") {
			continue
		}
		for _, imp := range p.Imports {
			if imp == "jlcredit/internal/storage" {
				t.Errorf("%s imports storage; only cmd/credit may", path)
			}
		}
	}
}
