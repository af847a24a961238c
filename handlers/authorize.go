package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"livedash/access"
	"livedash/protocol"
)

// Authorize is the check in front of a route that needs the role need: it
// reads the request's credential, asks the guard, and leaves the grant in
// the locals (access.GrantKey) for the handler. A credential comes as
// Authorization: Bearer; with fromQuery (the WebSocket, which browsers
// cannot give headers) also as ?key=.
func Authorize(g *access.Guard, need protocol.Role, fromQuery bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		cred, _ := bearerToken(c.Get(fiber.HeaderAuthorization))
		if cred == "" && fromQuery {
			// Copied: fiber's query strings alias a buffer fasthttp reuses,
			// and a WebSocket keeps its grant for its whole life.
			cred = strings.Clone(c.Query("key"))
		}
		grant, err := g.Check(cred, c.IP(), need)
		if err != nil {
			return err
		}
		c.Locals(access.GrantKey, grant)
		return c.Next()
	}
}
