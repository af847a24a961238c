package handlers

import (
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"

	"livedash/models"
	"livedash/protocol"
)

// Hosts is the rule for the Host header, which stops DNS rebinding: a page
// on a name the attacker controls, pointed at the server's address, sends
// that name as its Host (and as its Origin, so the Origin check passes).
//
//   - On a loopback listen address (127.0.0.0/8, ::1, localhost) only
//     loopback names pass (localhost and loopback addresses, any port),
//     plus the configured names.
//   - On any other listen address (0.0.0.0, a LAN address) every Host
//     passes unless names are configured; then those, loopback names, and
//     addresses (a page loaded from an address is no foreign site) pass.
//   - A configured "*" lets every Host pass.
//
// A configured name without a port matches it on any port; "name:port"
// only on that port. Names compare case-insensitively.
type Hosts struct {
	any       bool
	addresses bool                // any IP address passes
	names     map[string]struct{} // lower-case names and name:port pairs
}

// NewHosts is the rule for a server listening on listenAddr with the
// configured names (the --hosts list).
func NewHosts(listenAddr string, allowed []string) Hosts {
	h := Hosts{names: map[string]struct{}{}}
	for _, a := range allowed {
		if a = strings.TrimSpace(a); a == "*" {
			h.any = true
		} else if a != "" {
			h.names[normalHost(a)] = struct{}{}
		}
	}
	if !isLoopbackAddr(listenAddr) {
		h.any = h.any || len(h.names) == 0
		h.addresses = true
	}
	return h
}

// Allowed reports whether a request with this Host header may be served.
func (h Hosts) Allowed(host string) bool {
	if h.any {
		return true
	}
	name, port := splitHost(host)
	if name == "" {
		return false
	}
	if name == "localhost" {
		return true
	}
	if ip := net.ParseIP(name); ip != nil && (ip.IsLoopback() || h.addresses) {
		return true
	}
	if _, ok := h.names[name]; ok {
		return true
	}
	_, ok := h.names[net.JoinHostPort(name, port)]
	return ok
}

// check is Allowed as the contract's error.
func (h Hosts) check(host string) *models.Error {
	if h.Allowed(host) {
		return nil
	}
	return models.Errorf(protocol.CodeForbidden, "", "the host %.100q is not one this server answers to; the operator can allow it with --hosts", host)
}

// CheckHost refuses every request whose Host the rule does not allow,
// pages and reads included: under DNS rebinding the attacker's page could
// otherwise read them.
func CheckHost(h Hosts) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := h.check(string(c.Request().Host())); err != nil {
			return err
		}
		return c.Next()
	}
}

// splitHost splits a Host header into its lower-case name (IPv6 without
// brackets) and port ("" when there is none).
func splitHost(host string) (name, port string) {
	host = strings.ToLower(strings.TrimSpace(host))
	if n, p, err := net.SplitHostPort(host); err == nil {
		return n, p
	}
	return strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), ""
}

// normalHost is a configured name as Allowed looks it up: "name" or
// "name:port", lower-case, IPv6 in brackets only with a port.
func normalHost(host string) string {
	name, port := splitHost(host)
	if port == "" {
		return name
	}
	return net.JoinHostPort(name, port)
}

// isLoopbackAddr reports whether a listen address (host:port) is on
// loopback only. An empty host listens on every interface.
func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
