package app

import (
	"livedash/handlers"
	"livedash/protocol"
	"livedash/ws"
)

// Route is a route of the table as the external tests see it: Need is ""
// for a public route.
type Route struct {
	Method, Path string
	Need         protocol.Role
}

// Routes lists the method, path and role of every entry of the route
// table. The handlers it is built with are never called.
func Routes() []Route {
	var out []Route
	for _, r := range routeTable(&handlers.API{}, &ws.Server{}, nil) {
		out = append(out, Route{r.method, r.path, r.need})
	}
	return out
}
