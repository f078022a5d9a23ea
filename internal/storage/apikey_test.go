package storage_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/storage"
)

// TestAPIKeyScopesAndLimits: a key's scopes and rate limit round-trip
// through CreateAPIKeyWithLimit, FindAPIKeys and Authenticate on both
// dialects; defaults apply to keys created without them and to keys that
// predate migration 0005; bad scopes and limits are refused.
func TestAPIKeyScopesAndLimits(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		ctx := sys()
		type key struct {
			Scopes []string
			Limit  credit.RateLimit
		}
		for _, test := range []struct {
			name   string
			scopes []string
			limit  credit.RateLimit
			want   key
		}{
			{"Scoped", []string{"share", " verify"}, credit.RateLimit{Rate: 2.5, Burst: 7}, key{[]string{"verify", "share"}, credit.RateLimit{Rate: 2.5, Burst: 7}}},
			{"Unlimited", []string{"finance"}, credit.RateLimit{Burst: 9}, key{[]string{"finance"}, credit.RateLimit{}}},
			{"Defaults", nil, access.DefaultKeyLimit, key{access.DefaultScopes, access.DefaultKeyLimit}},
		} {
			t.Run(test.name, func(t *testing.T) {
				secret, k, err := f.db.CreateAPIKeyWithLimit(ctx, f.dept.ID, test.scopes, test.limit)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(test.want, key{k.Scopes, k.Limit}); diff != "" {
					t.Errorf("created key (-want +got):\n%s", diff)
				}
				a, err := f.db.Authenticate(context.Background(), secret)
				if err != nil {
					t.Fatal(err)
				}
				if a.KeyID != k.ID || a.DepartmentID != f.dept.ID || a.Channel != "api" {
					t.Errorf("Authenticate = %+v, want key %d of department %d", a, k.ID, f.dept.ID)
				}
				if diff := cmp.Diff(test.want, key{a.Scopes, a.Limit}); diff != "" {
					t.Errorf("authenticated actor (-want +got):\n%s", diff)
				}
				for _, s := range access.Scopes {
					if got, want := a.HasScope(s), slices.Contains(test.want.Scopes, s); got != want {
						t.Errorf("HasScope(%s) = %v, want %v", s, got, want)
					}
				}
				keys, err := f.db.FindAPIKeys(ctx, f.dept.ID)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(test.want, key{keys[0].Scopes, keys[0].Limit}); keys[0].ID != k.ID || diff != "" {
					t.Errorf("FindAPIKeys[0] = key %d (-want +got):\n%s", keys[0].ID, diff)
				}
			})
		}
		// CreateAPIKey gives the default limit.
		_, k, err := f.db.CreateAPIKey(ctx, f.dept.ID, []string{access.ScopeIngest})
		if err != nil {
			t.Fatal(err)
		}
		if k.Limit != access.DefaultKeyLimit {
			t.Errorf("CreateAPIKey limit = %+v, want %+v", k.Limit, access.DefaultKeyLimit)
		}
		// A key written without the columns, as before migration 0005,
		// gets the default from the column defaults.
		storage.Tamper(t, f.db, `INSERT INTO api_keys (department_id, prefix, hash, scopes, created_at)
			SELECT department_id, 'jlc_old000', hash || hash, scopes, created_at FROM api_keys WHERE id = `+strconv.FormatInt(k.ID, 10))
		keys, err := f.db.FindAPIKeys(ctx, f.dept.ID)
		if err != nil {
			t.Fatal(err)
		}
		var old *access.APIKey
		for _, k := range keys {
			if k.Prefix == "jlc_old000" {
				old = k
			}
		}
		if old == nil || old.Limit != access.DefaultKeyLimit {
			t.Errorf("pre-0005 key = %+v, want limit %+v", old, access.DefaultKeyLimit)
		}
		// Refused input.
		for _, test := range []struct {
			name   string
			scopes []string
			limit  credit.RateLimit
		}{
			{"UnknownScope", []string{"ingest", "admin"}, access.DefaultKeyLimit},
			{"NegativeRate", nil, credit.RateLimit{Rate: -1, Burst: 1}},
			{"NoBurst", nil, credit.RateLimit{Rate: 5}},
		} {
			if _, _, err := f.db.CreateAPIKeyWithLimit(ctx, f.dept.ID, test.scopes, test.limit); credit.ErrorCode(err) != credit.EINVALID {
				t.Errorf("%s: err = %v, want EINVALID", test.name, err)
			}
		}
	})
}
