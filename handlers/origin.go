package handlers

import (
	"net"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"livedash/models"
	"livedash/protocol"
)

// SameOrigin refuses what a browser sends on behalf of a foreign page:
// WebSocket upgrades and REST changes. Browsers always send Origin on
// cross-site writes and upgrades, and a plain form POST needs no CORS
// preflight; scripts send no Origin. GETs other than upgrades pass, since
// a foreign page cannot read their answers.
func SameOrigin(allowed []string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		read := c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead
		if read && !strings.EqualFold(c.Get(fiber.HeaderUpgrade), "websocket") {
			return c.Next()
		}
		origin := c.Get(fiber.HeaderOrigin)
		if origin != "" && !OriginAllowed(allowed, origin, string(c.Request().Host())) {
			return models.Errorf(protocol.CodeForbidden, "", "origin %s is not allowed here", origin)
		}
		return c.Next()
	}
}

// OriginAllowed is the server's Origin rule: the request's own host, any
// localhost or loopback origin, or one of the configured origins ("*"
// allows all).
func OriginAllowed(allowed []string, origin, host string) bool {
	for _, o := range allowed {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, host) {
		return true
	}
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// LimitBody refuses bodies over limit with the contract's too_large.
func LimitBody(limit int64) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if int64(len(c.Body())) > limit {
			return models.Errorf(protocol.CodeTooLarge, "", "bodies may have at most %d bytes", limit)
		}
		return c.Next()
	}
}
