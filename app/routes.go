package app

import (
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

// contentSecurityPolicy allows only the server's own scripts, styles and
// connections: the dashboard has no inline code and no CDN.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// routes is the whole API surface, in one table.
func routes(app *fiber.App, api *handlers.API, wsrv *ws.Server, m *metrics.Metrics, cfg Config) {
	app.Use(securityHeaders)
	app.Use("/api", limitBody(cfg.WS.ReadLimit), sameOriginWrites(cfg.WS.Origins))

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

// sameOriginWrites refuses REST changes that a browser sends on behalf of a
// foreign page: browsers always send Origin on cross-site writes, and a
// plain form POST needs no CORS preflight. Scripts send no Origin.
func sameOriginWrites(allowed []string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
			return c.Next()
		}
		origin := c.Get(fiber.HeaderOrigin)
		if origin != "" && !ws.OriginAllowed(allowed, origin, string(c.Request().Host())) {
			return models.Errorf(models.CodeForbidden, "", "origin %s may not change data here", origin)
		}
		return c.Next()
	}
}

// limitBody refuses bodies over the read limit with the contract's
// too_large.
func limitBody(limit int64) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if int64(len(c.Body())) > limit {
			return models.Errorf(models.CodeTooLarge, "", "bodies may have at most %d bytes", limit)
		}
		return c.Next()
	}
}
