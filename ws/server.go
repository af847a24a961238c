package ws

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"livedash/metrics"
	"livedash/models"
	"livedash/store"
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
	buffers sync.Pool       // *[]byte for coalescing writes, shared by all connections
	wbufs   sync.Pool       // the library's write buffers, only held while it writes
	writers *writerPool     // write for every connection with something due
	pings   *pingWheel
}

// NewServer serves connections with cfg's limits (zero values take the
// defaults) on top of st and hub, which the store already feeds.
func NewServer(ctx context.Context, cfg Config, st *store.Store, hub *Hub, m *metrics.Metrics, log *slog.Logger) *Server {
	s := &Server{cfg: cfg.withDefaults(), store: st, hub: hub, metrics: m, log: log, ctx: ctx}
	s.writers = newWriterPool(s.cfg.Writers)
	s.pings = newPingWheel(s.cfg.PingInterval)
	s.buffers.New = func() any {
		b := make([]byte, 0, 4096)
		return &b
	}
	return s
}

const (
	paramsKey  = "livedash.ws.params"
	requestKey = "livedash.ws.request" // the *fasthttp.RequestCtx, see dropRequest
)

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
	// The public id is an HMAC: computed here, on fasthttp's worker, not on
	// the connection's goroutine (see serve).
	p.PublicID = s.store.PublicID(p.Client)
	trimHandshake(c)
	c.Locals(paramsKey, p)
	c.Locals(requestKey, c.Context())
	return c.Next()
}

// upgradeHeaders are the request headers the WebSocket upgrade reads.
var upgradeHeaders = []string{fiber.HeaderConnection, fiber.HeaderUpgrade, "Sec-Websocket-Key",
	"Sec-Websocket-Version", "Sec-Websocket-Protocol", "Sec-Websocket-Extensions"}

// trimHandshake drops what the upgrade does not read, once the request is
// checked and its parameters copied: contrib copies every header and query
// value of the handshake into maps kept for the life of the connection,
// and nothing reads them.
func trimHandshake(c *fiber.Ctx) {
	h := &c.Request().Header
	var drop []string
	h.VisitAll(func(k, _ []byte) {
		if !slices.ContainsFunc(upgradeHeaders, func(u string) bool { return strings.EqualFold(u, string(k)) }) {
			drop = append(drop, string(k))
		}
	})
	for _, k := range drop {
		h.Del(k)
	}
	c.Request().URI().QueryArgs().Reset()
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

// serve runs one connection. It returns only once its writing side is done
// for good (nothing else can touch the *websocket.Conn then), since contrib
// recycles it after it. It runs on the connection's reading goroutine, so
// its one-off work is done in functions of their own (open, closed) and
// does not keep the stack large while the reader waits.
func (s *Server) serve(wc *websocket.Conn) {
	c, welcomeSeq, ok := s.open(wc)
	if !ok {
		return
	}
	go c.runPreamble(s.ctx, welcomeSeq)
	c.readLoop(s.ctx)
	<-c.written
	s.closed(c)
}

//go:noinline
func (s *Server) open(wc *websocket.Conn) (*conn, int64, bool) {
	p, _ := wc.Locals(paramsKey).(Params)
	dropRequest(wc)
	c := s.newConn(wc.Conn, p)
	if p.Since != nil && s.store.Shared() {
		// Resuming after another instance: let this one catch up first.
		ctx, cancel := context.WithTimeout(s.ctx, 2*time.Second)
		s.store.CatchUp(ctx, *p.Since)
		cancel()
	}
	welcomeSeq, err := s.hub.register(c)
	if err != nil {
		msg := websocket.FormatCloseMessage(CloseGoingAway, "server shutting down")
		_ = wc.WriteControl(websocket.CloseMessage, msg, time.Now().Add(s.cfg.WriteWait))
		return nil, 0, false
	}
	s.pings.add(c)
	return c, welcomeSeq, true
}

// dropRequest lets go of the handshake's request and response: fasthttp
// keeps its RequestCtx, and with it their header buffers (~1.5 KB), until
// the WebSocket handler returns, though nothing reads them after the
// upgrade (contrib copied what it keeps). Fresh zero values replace them;
// fasthttp resets them as usual when it recycles the context.
func dropRequest(wc *websocket.Conn) {
	if rc, ok := wc.Locals(requestKey).(*fasthttp.RequestCtx); ok {
		rc.Request = fasthttp.Request{}
		rc.Response = fasthttp.Response{}
	}
}

//go:noinline
func (s *Server) closed(c *conn) {
	s.pings.remove(c)
	s.hub.unregister(c)
	c.logger().Info("connection closed", "code", c.closeCode, "reason", c.closeReason)
}
