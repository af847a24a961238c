package app

import (
	"errors"
	"log/slog"
	"net/http"
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

// route is one entry of the route table: a method, an exact path, the role
// it needs (Access), and what serves it.
type route struct {
	method, path string
	need         protocol.Role // noCredential: none needed in any mode
	handlers     []fiber.Handler
}

// noCredential marks a route that needs no credential in any mode: load
// balancers probe the health check, and the page asks how to sign in. (The
// page's own files are public too; they are not routes.)
const noCredential protocol.Role = ""

// routeTable is the whole API surface. The router serves exactly these paths
// (fiber.Config's CaseSensitive and StrictRouting), and the exact-path test
// reads this table, so a route added here is tested without being listed
// twice. The role each route needs is here too, next to the route, and is
// the one place that says it; the WebSocket's requests need what
// protocol.RequestRoles says, on top of its route's role.
func routeTable(api *handlers.API, wsrv *ws.Server, metricsHandler fiber.Handler) []route {
	one := func(method, path string, need protocol.Role, h ...fiber.Handler) route {
		return route{method, path, need, h}
	}
	get, post, patch, del := fiber.MethodGet, fiber.MethodPost, fiber.MethodPatch, fiber.MethodDelete
	view, edit, admin := protocol.RoleView, protocol.RoleEdit, protocol.RoleAdmin
	return []route{
		one(get, "/healthz", noCredential, api.Health),
		one(get, "/metrics", view, metricsHandler), // counts only; no credential is ever in them

		one(get, "/api/access", noCredential, api.ShowAccess), // the page reads it before it has a credential
		one(get, "/api/limits", view, api.Limits),
		one(get, "/api/state", view, api.State),
		one(get, "/api/events", view, api.Events),
		one(post, "/api/reset", admin, api.Reset),
		one(get, "/api/share", admin, api.Share), // the share links carry keys: access management
		one(post, "/api/undo", edit, api.Undo),

		one(get, "/api/items", view, api.ListItems),
		one(post, "/api/items", edit, api.CreateItem),
		one(get, "/api/items/:id", view, api.GetItem),
		one(get, "/api/items/:id/history", view, api.ItemHistory),
		one(patch, "/api/items/:id", edit, api.UpdateItem),
		one(del, "/api/items/:id", edit, api.DeleteItem),

		one(get, "/api/scores", view, api.ListScores),
		one(post, "/api/scores", edit, api.CreateScore),
		one(get, "/api/scores/:id", view, api.GetScore),
		one(get, "/api/scores/:id/history", view, api.ScoreHistory),
		one(patch, "/api/scores/:id", edit, api.UpdateScore),
		one(del, "/api/scores/:id", edit, api.DeleteScore),
		one(post, "/api/scores/:id/increment", edit, api.IncrementScore),

		// The upgrade needs view; then each request as RequestRoles says.
		one(get, "/ws", view, append([]fiber.Handler{dropCookies}, wsrv.Handlers()...)...),
	}
}

// routes installs the route table behind the checks every request passes:
// the Host check first; the server answers methods the router does not know
// itself, with the same check. What no route serves falls to the page's
// static files.
//
// Each route but the public ones needs the role its row gives it, checked
// by handlers.Authorize before anything else of the route runs.
func routes(app *fiber.App, api *handlers.API, wsrv *ws.Server, guard *access.Guard, m *metrics.Metrics, cfg Config, log *slog.Logger) {
	hosts := handlers.NewHosts(cfg.Addr, cfg.Hosts)
	server := app.Server()
	server.Handler = handlers.RejectUnknownMethods(server.Handler, app.Config().RequestMethods, hosts, m)

	app.Use(handlers.AccessLog(log, app.Config().ErrorHandler), handlers.SecurityHeaders, handlers.CheckHost(hosts), handlers.SameOrigin(cfg.Origins))
	app.Use("/api", handlers.LimitBody(cfg.WS.ReadLimit))

	metricsHandler := adaptor.HTTPHandler(promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	for _, r := range routeTable(api, wsrv, metricsHandler) {
		chain := r.handlers
		if r.need != noCredential {
			check := handlers.Authorize(guard, r.need, r.path == "/ws")
			chain = append([]fiber.Handler{check}, chain...)
		}
		app.Add(r.method, r.path, chain...)
	}

	app.Use("/", static())
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
