package ws

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	wslib "github.com/fasthttp/websocket"
	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"livedash/access"
	"livedash/metrics"
	"livedash/models"
	"livedash/protocol"
	"livedash/store"
	"livedash/ws/outbox"
)

// Server serves /ws: it checks the upgrade request, then runs one connection
// per WebSocket on top of the hub and the store.
type Server struct {
	cfg     Config
	store   *store.Store
	hub     *Hub
	metrics *metrics.Metrics
	log     *slog.Logger
	ctx     context.Context // ends at shutdown; bounds reads made for connections
	wbufs   sync.Pool       // the library's write buffers, only held while it writes
	writers *outbox.Pool    // write for every connection, and ping it

	// Current tells whether a grant's key is still its role's key (nil:
	// always). A connection checked against the old keys that registers
	// just after a rotation's Revoke is closed by this second look.
	Current func(access.Grant) bool
}

// NewServer serves connections with cfg's limits (zero values take the
// defaults) on top of st and hub, which the store already feeds.
func NewServer(ctx context.Context, cfg Config, st *store.Store, hub *Hub, m *metrics.Metrics, log *slog.Logger) *Server {
	s := &Server{cfg: cfg.withDefaults(), store: st, hub: hub, metrics: m, log: log, ctx: ctx}
	s.writers = outbox.NewPool(outbox.Config{Writers: s.cfg.Writers, WriteWait: s.cfg.WriteWait,
		PingInterval: s.cfg.PingInterval, SendQueue: s.cfg.SendQueue, Metrics: m})
	return s
}

// handshakeKey names the handshake in contrib's locals: checkUpgrade hands
// it to serve through them.
const handshakeKey = "livedash.ws.handshake"

// handshake is what checkUpgrade learned, for serve.
type handshake struct {
	params Params
	hijack hijack
}

// Handlers returns the chain for the /ws route: the upgrade check, then the
// WebSocket handler.
func (s *Server) Handlers() []fiber.Handler {
	return []fiber.Handler{s.checkUpgrade, websocket.New(s.serve, websocket.Config{
		// Origins are checked before this handler, by the app's origin
		// rule: it needs the request's Host, which contrib's exact-match
		// list cannot express.
		Origins: []string{"*"},
		// Frames larger than the read buffer are read in several reads;
		// 256 bytes hold a typical request, and idle connections are most.
		ReadBufferSize:  256,
		WriteBufferSize: 1024,
		WriteBufferPool: &s.wbufs,
		RecoverHandler:  s.recovered,
	})}
}

func (s *Server) checkUpgrade(c *fiber.Ctx) error {
	if !websocket.IsWebSocketUpgrade(c) {
		return models.Errorf(models.CodeBadRequest, "", "this endpoint speaks WebSocket; send an upgrade request")
	}
	p, err := parseParams(c)
	if err != nil {
		return err
	}
	// The route's check (handlers.Authorize) left the grant; a route
	// without it is a wiring mistake, refused rather than let in.
	grant, ok := c.Locals(access.GrantKey).(access.Grant)
	if !ok {
		return models.Errorf(models.CodeInternal, "", "no access check on this route")
	}
	p.Grant = grant
	// The public id is an HMAC: computed here, on fasthttp's worker, not on
	// the connection's goroutine (see serve). A token says who someone is
	// (jwt mode): its sub, not the client id, makes the public id, and its
	// name, if it has one, is the name.
	var idOf string
	idOf, p.Name = grant.Identity(p.Client, p.Name)
	p.PublicID = s.store.PublicID(idOf)
	trimHandshake(c)
	c.Locals(handshakeKey, handshake{params: p, hijack: hijackOf(c)})
	return c.Next()
}

// parseParams copies what it keeps: fiber's query strings alias the
// request's buffer, which fasthttp reuses for the next request while the
// connection lives on (its actor would change under a later upgrade).
func parseParams(c *fiber.Ctx) (Params, error) {
	var p Params
	query := func(key string) string { return strings.Clone(c.Query(key)) }
	who, err := models.NewIdentity(query("client"), query("name"))
	if err != nil {
		return p, err
	}
	p.Client, p.Name, p.Remember = who.Client, who.Name, who.Client != ""
	if !p.Remember {
		p.Client = "anon-" + models.NewID(9)
	}
	if v := c.Query("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return p, models.Errorf(models.CodeInvalid, "since", "since must be a seq: an integer of 0 or more")
		}
		p.Since = &n
	}
	p.Epoch = query("epoch")
	return p, nil
}

// serve runs one connection on the library's connection (wc.Conn) alone:
// contrib recycles its wrapper wc once serve returns, so nothing keeps wc.
// Its reading runs on a goroutine of its own when fasthttp allows it
// (readOn, with the other hijack workarounds).
//
// The handler's one-off work is done in functions of their own (open,
// closed) so that it does not keep the reading stack large.
func (s *Server) serve(wc *websocket.Conn) {
	h, _ := wc.Locals(handshakeKey).(handshake)
	c, welcomeSeq, ok := s.open(wc.Conn, h.params)
	if !ok {
		return
	}
	go c.runPreamble(s.ctx, welcomeSeq, h.params.Since, h.params.Epoch)
	readOn(h.hijack, c.ws.NetConn(), s.reader(c))
}

//go:noinline
func (s *Server) open(ws *wslib.Conn, p Params) (*conn, int64, bool) {
	c := s.newConn(ws, p)
	if s.store.Shared() {
		// Another instance may have told the client of a later seq (an ack,
		// or the since it resumes from): subscribe only once this instance
		// has published everything committed so far, so the welcome is at
		// least that new. Bounded: a stalled database must not hold the
		// upgrade forever, and a resume then still gets no gap.
		ctx, cancel := context.WithTimeout(s.ctx, 2*time.Second)
		s.store.CatchUpCommitted(ctx)
		cancel()
	}
	welcomeSeq, err := s.hub.register(c)
	if err != nil {
		msg := websocket.FormatCloseMessage(protocol.CloseGoingAway, "server shutting down")
		_ = ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(s.cfg.WriteWait))
		_ = ws.Close()
		return nil, 0, false
	}
	c.out.StartPings()
	if s.Current != nil && !s.Current(p.Grant) {
		c.policyClose(reasonKeyRevoked)
	}
	if !p.Grant.Expires.IsZero() {
		c.expiry = time.AfterFunc(time.Until(p.Grant.Expires), func() { c.policyClose(reasonTokenExpired) })
	}
	return c, welcomeSeq, true
}

// closed ends a connection whose reading and writing are done, its socket
// last (closeSocket).
//
//go:noinline
func (s *Server) closed(c *conn) {
	c.out.StopPings()
	if c.expiry != nil {
		c.expiry.Stop()
	}
	s.hub.unregister(c)
	code, reason := c.out.CloseCode()
	c.logger().Info("connection closed", "code", code, "reason", reason)
	closeSocket(c.ws)
}
