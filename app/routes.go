package app

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"livedash/handlers"
	"livedash/metrics"
	"livedash/public"
	"livedash/ws"
)

// contentSecurityPolicy allows only the server's own scripts, styles and
// connections: the dashboard has no inline code and no CDN.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// routes is the whole API surface, in one table.
func routes(app *fiber.App, api *handlers.API, wsrv *ws.Server, m *metrics.Metrics, cfg Config) {
	app.Use(securityHeaders, handlers.CheckHost(handlers.NewHosts(cfg.Addr, cfg.Hosts)), handlers.SameOrigin(cfg.Origins))
	app.Use("/api", handlers.LimitBody(cfg.WS.ReadLimit))

	app.Get("/healthz", api.Health)
	app.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})))

	app.Get("/api/limits", api.Limits)
	app.Get("/api/state", api.State)
	app.Get("/api/events", api.Events)
	app.Post("/api/reset", api.Reset)

	app.Get("/api/items", api.ListItems)
	app.Post("/api/items", api.CreateItem)
	app.Get("/api/items/:id", api.GetItem)
	app.Patch("/api/items/:id", api.UpdateItem)
	app.Delete("/api/items/:id", api.DeleteItem)

	app.Get("/api/scores", api.ListScores)
	app.Post("/api/scores", api.CreateScore)
	app.Get("/api/scores/:id", api.GetScore)
	app.Patch("/api/scores/:id", api.UpdateScore)
	app.Delete("/api/scores/:id", api.DeleteScore)
	app.Post("/api/scores/:id/increment", api.IncrementScore)

	app.Get("/ws", wsrv.Handlers()...)

	app.Use("/", filesystem.New(filesystem.Config{
		Root:         http.FS(public.FS()),
		Index:        "index.html",
		NotFoundFile: "",
	}))
}

func securityHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	return c.Next()
}
