package app

import (
	"livedash/handlers"
	"livedash/ws"
)

// Route is a route of the table as the external tests see it.
type Route struct{ Method, Path string }

// Routes lists the method and path of every entry of the route table. The
// handlers it is built with are never called.
func Routes() []Route {
	var out []Route
	for _, r := range routeTable(&handlers.API{}, &ws.Server{}, nil) {
		out = append(out, Route{r.method, r.path})
	}
	return out
}
