package ws

import (
	"log/slog"
	"time"

	"github.com/fasthttp/websocket"
	"golang.org/x/time/rate"

	"livedash/access"
	"livedash/metrics"
	"livedash/protocol"
	"livedash/store"
	"livedash/ws/outbox"
)

// noCloseFrame closes the socket without a close frame. The close codes
// the server sends are protocol's; the outbox keeps its own copies of the
// two it decides itself (TestOutboxCloseCodesAreProtocols holds them equal).
const noCloseFrame = outbox.NoCloseFrame

// Params are what a connection declared when it opened.
type Params struct {
	Client   string
	PublicID string // how others see Client; never Client itself
	Name     string
	Remember bool // the client chose its id, so its mutations are idempotent
	Since    *int64
	Epoch    string
	Grant    access.Grant // what its credential allows, and which key it was
}

// identity is what a connection keeps of its handshake for its whole life.
// The rest of Params is used once, while the connection opens (the grant's
// expiry and subject, the resume point), and is not kept: in a crowd of idle
// connections every byte of conn is paid ten thousand times, and conn is
// 344 bytes (the 352-byte size class) with identity, 424 (448) with Params.
type identity struct {
	Client     string
	PublicID   string // how others see Client; never Client itself
	Name       string
	Remember   bool          // the client chose its id, so its mutations are idempotent
	Role       protocol.Role // what its credential allows
	KeyRole    protocol.Role // the key it used ("" without one): see Hub.Revoke
	KeyVersion int64
}

func (p Params) identity() identity {
	return identity{Client: p.Client, PublicID: p.PublicID, Name: p.Name, Remember: p.Remember,
		Role: p.Grant.Role, KeyRole: p.Grant.KeyRole, KeyVersion: p.Grant.KeyVersion}
}

// conn is one WebSocket connection: a session that reads requests and
// answers them. Its reading goroutine (see Server.reader) reads; out writes,
// one owner at a time (see package outbox).
type conn struct {
	cfg     *Config // the server's
	store   *store.Store
	hub     *Hub // for presence.set; the hub owns the connection's seat
	metrics *metrics.Metrics
	ws      *websocket.Conn
	baseLog *slog.Logger // the server's; see logger
	identity

	out        outbox.Outbox // the writing side, and how far closing is
	limiter    *rate.Limiter // made by the first message (see allow): most connections only listen
	inflight   inflight      // mutations submitted, not yet answered
	peerClosed bool          // the peer's close frame arrived; the reader's own
	expiry     *time.Timer   // jwt mode: closes the connection when its token expires
}

// newConn makes a connection with everything it needs handed to it. The
// caller owns its writing turn (the preamble) until it releases it.
func (s *Server) newConn(ws *websocket.Conn, p Params) *conn {
	c := &conn{
		cfg:      &s.cfg,
		store:    s.store,
		hub:      s.hub,
		metrics:  s.metrics,
		ws:       ws,
		baseLog:  s.log,
		identity: p.identity(),
	}
	s.writers.Open(&c.out, ws)
	return c
}

// logger is the connection's logger, made when something is logged: a
// logger kept per connection would cost memory for the life of every idle
// one. The client id is a secret, never logged: the public id and name say
// who.
func (c *conn) logger() *slog.Logger {
	return c.baseLog.With("id", c.PublicID, "name", c.Name, "remote", c.ws.RemoteAddr().String())
}

func (c *conn) send(f *outbox.Frame) { c.out.Send(f) }

// finish decides how the connection closes; the first call wins (see
// outbox.Outbox.Finish).
func (c *conn) finish(code int, reason string, drain bool) { c.out.Finish(code, reason, drain) }

// Reasons of the 1008 closes: the credential stopped being valid.
const (
	reasonKeyRevoked   = "key revoked"
	reasonTokenExpired = "token expired"
)

// policyClose closes a connection whose credential stopped being valid (a
// rotated key, an expired token): stop answering, answer what is in
// flight, then close with 1008 and reason.
func (c *conn) policyClose(reason string) {
	c.out.Stop()
	go func() {
		c.inflight.wait()
		c.finish(protocol.ClosePolicy, reason, true)
	}()
}

// goingAway starts a graceful close for shutdown: stop answering, answer
// what is in flight, then close with 1001. The reader is not woken: it goes
// on reading (and dropping) until the peer answers our close frame.
func (c *conn) goingAway() {
	c.out.Stop()
	go func() {
		c.inflight.wait()
		c.finish(protocol.CloseGoingAway, "server shutting down", true)
	}()
}
