package access

import (
	"crypto/subtle"
	"slices"
	"strings"
	"sync"
	"time"

	"livedash/metrics"
	"livedash/models"
	"livedash/protocol"
	"livedash/store"
)

// GrantKey names the Grant in a request's locals: the route's check puts
// it there for the handler (the WebSocket's connection keeps it).
const GrantKey = "livedash.access.grant"

// Grant is what a credential gave: the role; in keys mode which key (its
// role and version), so the connection it opened can be closed when that
// key is rotated; in jwt mode who the token names and when it expires, so
// the connection can be closed then.
type Grant struct {
	Role       protocol.Role
	KeyRole    protocol.Role // "" when no key was used (open and jwt modes)
	KeyVersion int64
	Subject    string    // jwt mode: the token's sub, which the public id derives from
	Name       string    // jwt mode: the token's name, if it has one
	Expires    time.Time // jwt mode: the token's exp; zero otherwise
}

// Reasons a credential is refused, as metrics count them.
const (
	ReasonMissing = "missing"
	ReasonWrong   = "wrong"
	ReasonExpired = "expired" // tokens (jwt mode)
	ReasonRevoked = "revoked" // a key replaced by a rotation
	ReasonLimited = "limited" // refused unread: the address failed too often
)

// Defaults of the failed-credential limit per remote address: a burst of
// failures, then one forgiven every interval.
const (
	DefaultFailBurst = 10
	DefaultFailEvery = 2 * time.Second
)

// Config configures a Guard; zero values take the defaults.
type Config struct {
	Mode       Mode
	AdminToken string // open mode: the bearer token that makes an admin
	FailBurst  int
	FailEvery  time.Duration
	Metrics    *metrics.Metrics
	Tokens     TokenConfig // jwt mode
}

// Guard checks credentials. In keys mode it holds the current keys, which
// SetKeys replaces when the database's change.
type Guard struct {
	cfg    Config
	fails  *failures
	tokens *tokens // jwt mode
	mu     sync.RWMutex
	keys   []store.AccessKey
}

// NewGuard makes a guard; in keys mode it refuses every key until SetKeys.
// In jwt mode, a token configuration it cannot use is an error.
func NewGuard(cfg Config) (*Guard, error) {
	if cfg.FailBurst < 1 {
		cfg.FailBurst = DefaultFailBurst
	}
	if cfg.FailEvery <= 0 {
		cfg.FailEvery = DefaultFailEvery
	}
	g := &Guard{cfg: cfg, fails: newFailures(cfg.FailEvery, cfg.FailBurst)}
	if cfg.Mode == JWT {
		var err error
		if g.tokens, err = newTokens(cfg.Tokens); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// Mode is the guard's mode.
func (g *Guard) Mode() Mode { return g.cfg.Mode }

// SetKeys installs the keys read from the database and returns those whose
// version changed since the last call (rotated, on this instance or
// another); the first call returns none.
func (g *Guard) SetKeys(keys []store.AccessKey) []store.AccessKey {
	g.mu.Lock()
	defer g.mu.Unlock()
	var rotated []store.AccessKey
	for _, k := range keys {
		for _, old := range g.keys {
			if old.Role == k.Role && old.Version != k.Version {
				rotated = append(rotated, k)
			}
		}
	}
	g.keys = keys
	return rotated
}

// Check decides what a request from remote (an IP address) with the
// credential cred ("" for none) may do, when it needs at least the role
// need. It answers unauthorized, forbidden or rate_limited, and counts
// refused credentials by reason. In open mode a role short of need is
// unauthorized, not forbidden: only the admin token is missing (as in 1.1).
func (g *Guard) Check(cred, remote string, need protocol.Role) (Grant, *models.Error) {
	if g.cfg.Mode == Open {
		return g.checkOpen(cred, remote, need)
	}
	if g.fails.blocked(remote) {
		g.cfg.Metrics.AuthFailure(ReasonLimited)
		return Grant{}, limited()
	}
	grant, reason := g.lookup(cred)
	if reason != "" {
		return Grant{}, g.refuse(reason, remote)
	}
	if !grant.Role.Allows(need) {
		return grant, protocol.Forbidden(grant.Role, "this request", need)
	}
	return grant, nil
}

// checkOpen: everyone edits; admin is everyone too unless an admin token
// is set, which then must come as the credential.
func (g *Guard) checkOpen(cred, remote string, need protocol.Role) (Grant, *models.Error) {
	grant := Grant{Role: protocol.RoleEdit}
	if g.cfg.AdminToken == "" || (cred != "" && equal(cred, g.cfg.AdminToken)) {
		grant.Role = protocol.RoleAdmin
	}
	if grant.Role.Allows(need) {
		return grant, nil
	}
	if g.fails.blocked(remote) {
		g.cfg.Metrics.AuthFailure(ReasonLimited)
		return Grant{}, limited()
	}
	reason := ReasonWrong
	if cred == "" {
		reason = ReasonMissing
	}
	err := g.refuse(reason, remote)
	if err.Code == protocol.CodeUnauthorized {
		err.Message = "this needs the admin token: Authorization: Bearer <token>"
	}
	return Grant{}, err
}

// lookup reads cred: a token in jwt mode, else a key.
func (g *Guard) lookup(cred string) (Grant, string) {
	switch {
	case cred == "":
		return Grant{}, ReasonMissing
	case g.tokens != nil:
		return g.tokens.check(cred)
	}
	return g.lookupKey(cred)
}

// lookupKey finds the key cred is, comparing it with every key and every
// replaced key in constant time, whatever matches first.
func (g *Guard) lookupKey(cred string) (Grant, string) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	var grant Grant
	revoked := false
	for _, k := range g.keys {
		if equal(cred, k.Key) {
			grant = Grant{Role: k.Role, KeyRole: k.Role, KeyVersion: k.Version}
		}
		if k.Previous != "" && equal(cred, k.Previous) {
			revoked = true
		}
	}
	switch {
	case grant.Role != "":
		return grant, ""
	case revoked:
		return Grant{}, ReasonRevoked
	}
	return Grant{}, ReasonWrong
}

// Keys is a copy of the current keys, for the admin's share links.
func (g *Guard) Keys() []store.AccessKey {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return slices.Clone(g.keys)
}

// ShareLink is the link that opens the page with key: the one form of a
// share link, printed at start and shown to admins.
func ShareLink(base, key string) string { return strings.TrimRight(base, "/") + "/?key=" + key }

// Current reports whether a key grant is still the key of its role.
func (g *Guard) Current(grant Grant) bool {
	if grant.KeyRole == "" {
		return true
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	for _, k := range g.keys {
		if k.Role == grant.KeyRole {
			return k.Version == grant.KeyVersion
		}
	}
	return false
}

func (g *Guard) refuse(reason, remote string) *models.Error {
	g.cfg.Metrics.AuthFailure(reason)
	if !g.fails.fail(remote) {
		return limited()
	}
	switch reason {
	case ReasonMissing:
		if g.tokens != nil {
			return models.Errorf(protocol.CodeUnauthorized, "", "this needs a credential: a token as ?key= or Authorization: Bearer <token>")
		}
		return models.Errorf(protocol.CodeUnauthorized, "", "this needs a credential: a key as ?key= or Authorization: Bearer <key>")
	case ReasonRevoked:
		return models.Errorf(protocol.CodeUnauthorized, "", "this key was replaced; ask for a new link")
	case ReasonExpired:
		return models.Errorf(protocol.CodeUnauthorized, "", "this token expired; sign in again")
	}
	return models.Errorf(protocol.CodeUnauthorized, "", "the credential is not valid")
}

func limited() *models.Error {
	return models.Errorf(protocol.CodeRateLimited, "", "too many failed credentials from this address; wait and try again")
}

// equal compares in constant time for strings of the same length.
func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// Identity is who a request with this grant acts as, given the client id
// and name it claims: the id its public id derives from, and its name. A
// token (jwt mode) says it instead, on both transports: its sub stands
// where a client id would, as "sub:"+sub (':' is never in a client id, so
// no client can take the public id of a token's holder), and its name, if
// it has one, is the name.
func (g Grant) Identity(client, name string) (idOf, shown string) {
	if g.Subject == "" {
		return client, name
	}
	if g.Name != "" {
		name = g.Name
	}
	return "sub:" + g.Subject, name
}
