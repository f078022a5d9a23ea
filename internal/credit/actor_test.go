package credit

import "testing"

func TestHasScope(t *testing.T) {
	key := Actor{Role: RoleDepartment, KeyID: 3, Scopes: []string{"ingest"}, Channel: "api"}
	for _, test := range []struct {
		name  string
		actor Actor
		scope string
		want  bool
	}{
		{"KeyWithScope", key, "ingest", true},
		{"KeyWithoutScope", key, "verify", false},
		{"KeyWithoutScopes", Actor{Role: RoleDepartment, KeyID: 4}, "ingest", false},
		{"Session", Actor{Role: RoleDepartment, DepartmentID: 1, Channel: "web"}, "verify", true},
		{"System", System, "share", true},
		{"Public", Public, "finance", true},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := test.actor.HasScope(test.scope); got != test.want {
				t.Errorf("HasScope(%q) = %v, want %v", test.scope, got, test.want)
			}
		})
	}
	if !(RateLimit{}).Unlimited() || (RateLimit{Rate: 1, Burst: 1}).Unlimited() {
		t.Errorf("Unlimited is wrong")
	}
}
