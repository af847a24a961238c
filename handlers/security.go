package handlers

import (
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// contentSecurityPolicy allows only the server's own scripts, styles and
// connections: the dashboard has no inline code and no CDN.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// SecurityHeaders sets the security headers on every response that goes
// through the routes; error responses written before routing get them from
// writeError.
func SecurityHeaders(c *fiber.Ctx) error {
	setSecurityHeaders(&c.Response().Header)
	return c.Next()
}

func setSecurityHeaders(h *fasthttp.ResponseHeader) {
	h.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
	h.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	h.Set(fiber.HeaderXFrameOptions, "DENY")
	h.Set(fiber.HeaderReferrerPolicy, "no-referrer")
}
