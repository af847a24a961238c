package app

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"livedash/handlers"
	"livedash/metrics"
	"livedash/models"
	"livedash/public"
	"livedash/ws"
)

// routes is the whole API surface, in one table. Every request passes the
// Host check first; the server answers methods the router does not know
// itself, with the same check.
func routes(app *fiber.App, api *handlers.API, wsrv *ws.Server, m *metrics.Metrics, cfg Config) {
	hosts := handlers.NewHosts(cfg.Addr, cfg.Hosts)
	server := app.Server()
	server.Handler = handlers.RejectUnknownMethods(server.Handler, app.Config().RequestMethods, hosts, m)

	app.Use(handlers.SecurityHeaders, handlers.CheckHost(hosts), handlers.SameOrigin(cfg.Origins))
	app.Use("/api", handlers.LimitBody(cfg.WS.ReadLimit))

	app.Get("/healthz", api.Health)
	app.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})))

	app.Get("/api/limits", api.Limits)
	app.Get("/api/state", api.State)
	app.Get("/api/events", api.Events)
	app.Post("/api/reset", api.Reset)
	app.Post("/api/undo", api.Undo)

	app.Get("/api/items", api.ListItems)
	app.Post("/api/items", api.CreateItem)
	app.Get("/api/items/:id", api.GetItem)
	app.Get("/api/items/:id/history", api.ItemHistory)
	app.Patch("/api/items/:id", api.UpdateItem)
	app.Delete("/api/items/:id", api.DeleteItem)

	app.Get("/api/scores", api.ListScores)
	app.Post("/api/scores", api.CreateScore)
	app.Get("/api/scores/:id", api.GetScore)
	app.Get("/api/scores/:id/history", api.ScoreHistory)
	app.Patch("/api/scores/:id", api.UpdateScore)
	app.Delete("/api/scores/:id", api.DeleteScore)
	app.Post("/api/scores/:id/increment", api.IncrementScore)

	app.Use("/ws", dropCookies)
	app.Get("/ws", wsrv.Handlers()...)

	app.Use("/", static())
}

// static serves the embedded dashboard. A folder without an index.html is
// not_found: the files are not listed.
func static() fiber.Handler {
	files := filesystem.New(filesystem.Config{
		Root:         http.FS(public.FS()),
		Index:        "index.html",
		NotFoundFile: "",
	})
	return func(c *fiber.Ctx) error {
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
