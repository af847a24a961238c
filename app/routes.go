package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"livedash/access"
	"livedash/handlers"
	"livedash/metrics"
	"livedash/models"
	"livedash/protocol"
	"livedash/public"
	"livedash/ws"
)

// route is one entry of the route table: a method, an exact path, and what
// serves it.
type route struct {
	method, path string
	handlers     []fiber.Handler
}

// routeTable is the whole API surface. The router serves exactly these paths
// (fiber.Config's CaseSensitive and StrictRouting), and the exact-path test
// reads this table, so a route added here is tested without being listed
// twice.
func routeTable(api *handlers.API, wsrv *ws.Server, metricsHandler fiber.Handler) []route {
	one := func(method, path string, h ...fiber.Handler) route { return route{method, path, h} }
	get, post, patch, del := fiber.MethodGet, fiber.MethodPost, fiber.MethodPatch, fiber.MethodDelete
	return []route{
		one(get, "/healthz", api.Health),
		one(get, "/metrics", metricsHandler),

		one(get, "/api/limits", api.Limits),
		one(get, "/api/state", api.State),
		one(get, "/api/events", api.Events),
		one(post, "/api/reset", api.Reset),
		one(post, "/api/undo", api.Undo),

		one(get, "/api/items", api.ListItems),
		one(post, "/api/items", api.CreateItem),
		one(get, "/api/items/:id", api.GetItem),
		one(get, "/api/items/:id/history", api.ItemHistory),
		one(patch, "/api/items/:id", api.UpdateItem),
		one(del, "/api/items/:id", api.DeleteItem),

		one(get, "/api/scores", api.ListScores),
		one(post, "/api/scores", api.CreateScore),
		one(get, "/api/scores/:id", api.GetScore),
		one(get, "/api/scores/:id/history", api.ScoreHistory),
		one(patch, "/api/scores/:id", api.UpdateScore),
		one(del, "/api/scores/:id", api.DeleteScore),
		one(post, "/api/scores/:id/increment", api.IncrementScore),

		one(get, "/ws", append([]fiber.Handler{dropCookies}, wsrv.Handlers()...)...),
	}
}

// routes installs the route table behind the checks every request passes:
// the Host check first; the server answers methods the router does not know
// itself, with the same check. What no route serves falls to the page's
// static files.
//
// Each route needs the role protocol's table gives it (routeNeed), checked
// by handlers.Authorize before anything else of the route runs.
func routes(app *fiber.App, api *handlers.API, wsrv *ws.Server, guard *access.Guard, m *metrics.Metrics, cfg Config, log *slog.Logger) error {
	hosts := handlers.NewHosts(cfg.Addr, cfg.Hosts)
	server := app.Server()
	server.Handler = handlers.RejectUnknownMethods(server.Handler, app.Config().RequestMethods, hosts, m)

	app.Use(handlers.AccessLog(log, app.Config().ErrorHandler), handlers.SecurityHeaders, handlers.CheckHost(hosts), handlers.SameOrigin(cfg.Origins))
	app.Use("/api", handlers.LimitBody(cfg.WS.ReadLimit))

	metricsHandler := adaptor.HTTPHandler(promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	for _, r := range routeTable(api, wsrv, metricsHandler) {
		need, public, err := routeNeed(r.method, r.path)
		if err != nil {
			return err
		}
		chain := r.handlers
		if !public {
			check := handlers.Authorize(guard, need, r.path == "/ws")
			chain = append([]fiber.Handler{check}, chain...)
		}
		app.Add(r.method, r.path, chain...)
	}

	app.Use("/", static())
	return nil
}

// routeNeed is the role a route needs, from protocol's one table, or
// public when it needs none. A route in neither is an error: the server
// does not start with a route nobody decided about.
func routeNeed(method, path string) (need protocol.Role, public bool, err error) {
	key := method + " " + path
	if slices.Contains(protocol.PublicRoutes(), key) {
		return "", true, nil
	}
	need, ok := protocol.RouteRoles()[key]
	if !ok {
		return "", false, fmt.Errorf("route %s has no role in protocol.RouteRoles", key)
	}
	return need, false, nil
}

// static serves the embedded dashboard. A folder without an index.html is
// not_found: the files are not listed. Names are case-sensitive (the
// embedded file system is).
func static() fiber.Handler {
	files := filesystem.New(filesystem.Config{
		Root:         http.FS(public.FS()),
		Index:        "index.html",
		NotFoundFile: "",
	})
	return func(c *fiber.Ctx) error {
		// The file server trims a trailing slash (it would serve
		// /index.html/ as /index.html); paths are exact, so only the root
		// may end in one.
		if p := c.Path(); len(p) > 1 && strings.HasSuffix(p, "/") {
			return c.Next()
		}
		err := files(c)
		if errors.Is(err, fiber.ErrForbidden) { // what it says for a folder
			return models.Errorf(models.CodeNotFound, "", "no such file")
		}
		return err
	}
}

// dropCookies removes the cookies from a WebSocket handshake before the
// upgrade: the server reads none, and the WebSocket library keeps copies
// of every cookie and header for the connection's whole life (about four
// copies of the Cookie header per idle connection, see docs/OPERATIONS.md).
func dropCookies(c *fiber.Ctx) error {
	c.Request().Header.Del(fiber.HeaderCookie)
	return c.Next()
}
