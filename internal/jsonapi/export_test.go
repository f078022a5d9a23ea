package jsonapi

// RouteScope is a route of the API with the scope it declares ("" for
// public), for tests.
type RouteScope struct{ Pattern, Scope string }

// RouteScopes returns the route table, in registration order.
func RouteScopes() []RouteScope {
	var out []RouteScope
	for _, rt := range (&Server{}).routes() {
		out = append(out, RouteScope{rt.pattern, rt.scope})
	}
	return out
}
