// Package access decides who may do what (contract: Access): the mode the
// server runs in, the credential each request carries, and the role it
// grants. The roles and what each may do are protocol's table.
package access

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
)

// Mode is how credentials are given.
type Mode string

const (
	// Open needs no credential: everyone edits, and the admin token, if
	// one is set, guards reset (as in 1.1).
	Open Mode = "open"
	// Keys gives each role a secret key kept in the database.
	Keys Mode = "keys"
	// JWT takes JSON Web Tokens from the operator's sign-in system: the
	// token says who someone is and what role they have.
	JWT Mode = "jwt"
)

// ParseMode reads --access; "" picks the default for the listen address
// and the allowed hosts (DefaultMode).
func ParseMode(s, addr string, hosts []string) (Mode, error) {
	switch Mode(strings.ToLower(s)) {
	case "":
		return DefaultMode(addr, hosts), nil
	case Open:
		return Open, nil
	case Keys:
		return Keys, nil
	case JWT:
		return JWT, nil
	}
	return "", fmt.Errorf("--access must be open, keys or jwt, not %q", s)
}

// DefaultMode is open only when the server listens on a loopback address
// and answers to no other host name: a server behind a proxy (--hosts) is
// reachable from outside even on loopback.
func DefaultMode(addr string, hosts []string) Mode {
	if IsLoopback(addr) && len(hosts) == 0 {
		return Open
	}
	return Keys
}

// IsLoopback reports whether a listen address is on loopback only.
// "localhost" counts; an empty host (every interface) does not.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// WarnIfExposed logs the warning for open mode off loopback: anyone who can
// reach the server may change everything.
func WarnIfExposed(log *slog.Logger, mode Mode, addr string, hosts []string) {
	if mode == Open && DefaultMode(addr, hosts) != Open {
		log.Warn("access is open on an address others can reach: anyone who can connect may change or delete every record; use --access keys",
			"addr", addr)
	}
}
