package ws

// Workarounds for how fasthttp and contrib hand a WebSocket over.
//
// fasthttp upgrades by hijacking the HTTP connection, and neither it nor
// contrib was made for many thousands of idle WebSockets: whatever they
// keep until the handler returns is kept for the life of the connection,
// and a hijacked socket that fasthttp keeps open (app/run.go sets
// KeepHijackedConns) is ours to close. Each workaround below says what it
// saves or fixes; together they keep an idle connection at its measured
// cost (faults' TestIdleWebSocketMemory, docs/OPERATIONS.md) and close
// every socket once. They rely on fasthttp internals where it has no API
// (readsSocket); the tests in hijack_test.go pin those.

import (
	"net"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"

	wslib "github.com/fasthttp/websocket"
	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// hijack is what serve needs to know of fasthttp's side of the upgrade.
type hijack struct {
	request *fasthttp.RequestCtx // see dropRequest
	// fasthttp leaves hijacked sockets open when the handler returns
	// (KeepHijackedConns): the connection may then be read on a
	// goroutine of its own (see readOn).
	keepsSocket bool
}

func hijackOf(c *fiber.Ctx) hijack {
	return hijack{request: c.Context(), keepsSocket: c.App().Server().KeepHijackedConns}
}

// readOn runs read, a connection's reading, for serve. When it can, serve
// returns right after the upgrade and a goroutine of the connection's own
// reads: fasthttp then recycles its RequestCtx and contrib its wrapper
// (together ~2.8 KB, held for the life of an idle connection otherwise),
// and the reader's parked chain of calls is shallower. It can when
// fasthttp leaves the socket open after the handler (keepsSocket) and nc
// reads it directly (readsSocket). Otherwise the connection is read on the
// handler's goroutine, which returns once the connection is done.
//
// read runs as the whole body of its goroutine (go read(), not a call
// from a wrapper): see Server.reader for why its stack must stay small.
func readOn(h hijack, nc net.Conn, read func()) {
	if h.keepsSocket && readsSocket(nc) {
		go read()
		return
	}
	dropRequest(h.request)
	read()
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

// recovered ends a connection whose handler panicked. contrib's default
// would answer with the panic in a frame and leave the socket open:
// fasthttp leaves hijacked sockets to us (KeepHijackedConns).
func (s *Server) recovered(wc *websocket.Conn) {
	if r := recover(); r != nil {
		s.log.Error("websocket handler panicked", "panic", r, "stack", string(debug.Stack()))
		_ = wc.Close()
	}
}

// closeSocket closes a connection's socket once its reading and writing
// are done: fasthttp leaves that to us when it keeps hijacked sockets (with
// KeepHijackedConns off, Close does nothing and fasthttp closes it once
// the handler returns).
func closeSocket(ws *wslib.Conn) { _ = ws.Close() }
