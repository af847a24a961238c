package ws

import (
	"context"
	"log/slog"
	"net"
	"reflect"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	wslib "github.com/fasthttp/websocket"
	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"livedash/metrics"
	"livedash/models"
	"livedash/protocol"
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

// handshakeKey names the handshake in contrib's locals: checkUpgrade hands
// it to serve through them.
const handshakeKey = "livedash.ws.handshake"

// handshake is what checkUpgrade learned, for serve.
type handshake struct {
	params  Params
	request *fasthttp.RequestCtx // see dropRequest
	// fasthttp leaves hijacked sockets open when the handler returns
	// (KeepHijackedConns): serve may then hand the connection to a
	// goroutine of its own (see serve).
	keepsSocket bool
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

// recovered ends a connection whose handler panicked. contrib's default
// would answer with the panic in a frame and leave the socket open:
// fasthttp leaves hijacked sockets to us (KeepHijackedConns).
func (s *Server) recovered(wc *websocket.Conn) {
	if r := recover(); r != nil {
		s.log.Error("websocket handler panicked", "panic", r, "stack", string(debug.Stack()))
		_ = wc.Close()
	}
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
	c.Locals(handshakeKey, handshake{params: p, request: c.Context(), keepsSocket: c.App().Server().KeepHijackedConns})
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

// serve runs one connection on the library's connection (wc.Conn) alone:
// contrib recycles its wrapper wc once serve returns, so nothing keeps wc.
//
// When it can, serve returns right after the upgrade and a goroutine of
// the connection's own reads: fasthttp then recycles its RequestCtx and
// contrib its wrapper (together ~2.8 KB, held for the life of an idle
// connection otherwise), and the reader's parked chain of calls is
// shallower. It can when fasthttp leaves the socket open after the handler
// (keepsSocket) and reads it directly (readsSocket). Otherwise the
// connection is read on the handler's goroutine, which returns once the
// connection is done.
//
// The handler's one-off work is done in functions of their own (open,
// closed) so that it does not keep the reading stack large.
func (s *Server) serve(wc *websocket.Conn) {
	h, _ := wc.Locals(handshakeKey).(handshake)
	c, welcomeSeq, ok := s.open(wc.Conn, h.params)
	if !ok {
		return
	}
	go c.runPreamble(s.ctx, welcomeSeq)
	read := s.reader(c)
	if h.keepsSocket && readsSocket(c.ws.NetConn()) {
		go read()
		return
	}
	dropRequest(h.request)
	read()
}

//go:noinline
func (s *Server) open(ws *wslib.Conn, p Params) (*conn, int64, bool) {
	c := s.newConn(ws, p)
	if p.Since != nil && s.store.Shared() {
		// Resuming after another instance: let this one catch up first.
		ctx, cancel := context.WithTimeout(s.ctx, 2*time.Second)
		s.store.CatchUp(ctx, *p.Since)
		cancel()
	}
	welcomeSeq, err := s.hub.register(c)
	if err != nil {
		msg := websocket.FormatCloseMessage(protocol.CloseGoingAway, "server shutting down")
		_ = ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(s.cfg.WriteWait))
		_ = ws.Close()
		return nil, 0, false
	}
	s.pings.add(c)
	return c, welcomeSeq, true
}

// readsSocket reports whether nc, the connection fasthttp hijacked, reads
// straight from the socket. When the client sent bytes after its handshake
// without waiting for our answer, fasthttp's request reader holds them and
// nc reads through that reader, which fasthttp puts back in its pool when
// the hijack handler returns (hijackConnHandler: releaseReader), for
// another connection to fill: such a connection must be read on the
// handler's goroutine. fasthttp has no API that tells, so this looks at
// the reader field (r) of its hijackConn and compares it with the socket;
// anything unexpected counts as not reading the socket, which only costs
// memory. TestReadsSocket pins fasthttp's side.
func readsSocket(nc net.Conn) bool {
	u, ok := nc.(interface{ UnsafeConn() net.Conn })
	if !ok {
		return false
	}
	v := reflect.ValueOf(nc)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return false
	}
	r := v.Elem().FieldByName("r")
	if r.Kind() != reflect.Interface || r.IsNil() {
		return false
	}
	sock := reflect.ValueOf(u.UnsafeConn())
	return sock.Kind() == reflect.Pointer && r.Elem().Type() == sock.Type() && r.Elem().Pointer() == sock.Pointer()
}

// dropRequest lets go of the handshake's request and response when the
// handler's goroutine reads the connection: fasthttp keeps its RequestCtx,
// and with it their header buffers (~1.5 KB), until the handler returns,
// though nothing reads them after the upgrade (contrib copied what it
// keeps). Fresh zero values replace them; fasthttp resets them as usual
// when it recycles the context.
func dropRequest(rc *fasthttp.RequestCtx) {
	if rc != nil {
		rc.Request = fasthttp.Request{}
		rc.Response = fasthttp.Response{}
	}
}

// closed ends a connection whose reading and writing are done. It closes
// the socket: fasthttp leaves that to us when it keeps hijacked sockets
// (with KeepHijackedConns off, Close does nothing and fasthttp closes it
// once the handler returns).
//
//go:noinline
func (s *Server) closed(c *conn) {
	s.pings.remove(c)
	s.hub.unregister(c)
	c.logger().Info("connection closed", "code", c.closeCode, "reason", c.closeReason)
	_ = c.ws.Close()
}
