package ws

import (
	"errors"
	"livedash/metrics"
	"livedash/protocol"
	"livedash/store"
	"log/slog"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/fasthttp/websocket"
	"golang.org/x/time/rate"
)

// The close codes the server sends are protocol's (protocol.CloseNormal, ...).
const (
	noCloseFrame    = 0
	reasonQueueFull = "send queue full; reconnect with since to resume"
)

// errStopping ends the read loop when the connection is being closed.
var errStopping = errors.New("ws: connection closing")

// Params are what a connection declared when it opened.
type Params struct {
	Client   string
	PublicID string // how others see Client; never Client itself
	Name     string
	Remember bool // the client chose its id, so its mutations are idempotent
	Since    *int64
	Epoch    string
}

// conn is one WebSocket connection. Its reading goroutine (see serve) reads;
// its writes are made by one owner at a time (see write.go).
type conn struct {
	cfg     *Config // the server's
	hub     *Hub
	store   *store.Store
	metrics *metrics.Metrics
	buffers *sync.Pool // *[]byte for coalescing writes, shared by all connections
	writers *writerPool
	ws      *websocket.Conn
	raw     syscall.RawConn // ws's socket, for the pool's writes; nil: not a socket (see rawConnOf)
	baseLog *slog.Logger    // the server's; see logger
	Params

	queue   sendQueue
	limiter *rate.Limiter // made by the first message (see allow): most connections only listen

	// What the writer's owner looks at; see write.go.
	wmu      sync.Mutex
	wowned   bool          // a writer owns the connection
	wdue     bool          // something may be due since the owner last looked
	pingDue  bool          // the ping wheel asked for a ping
	pongDue  bool          // the peer pinged; pong answers it
	pong     string        //
	pingSlot int           // the ping wheel's slot, under the wheel's lock
	written  chan struct{} // closed when the writing side is done for good

	inflight    inflight     // mutations submitted, not yet answered
	stopping    atomic.Bool  // the server is shutting down
	lingerUntil atomic.Int64 // unix nanoseconds: reading ends then, once our close frame is out
	peerClosed  bool         // the peer's close frame arrived; the reader's own

	closeOnce   sync.Once
	quit        chan struct{}
	quitting    atomic.Bool // quit is closed; cheaper to test per write than quit
	closeCode   int
	closeReason string
	drain       bool // write what is queued before closing
	overflowed  atomic.Bool
}

// newConn makes a connection with everything it needs handed to it.
func (s *Server) newConn(ws *websocket.Conn, p Params) *conn {
	c := &conn{
		cfg:     &s.cfg,
		hub:     s.hub,
		store:   s.store,
		metrics: s.metrics,
		buffers: &s.buffers,
		writers: s.writers,
		ws:      ws,
		raw:     rawConnOf(ws.NetConn()),
		baseLog: s.log,
		Params:  p,
		written: make(chan struct{}),
		wowned:  true, // by the preamble, until it hands the connection over
		quit:    make(chan struct{}),
	}
	c.queue.limit = s.cfg.SendQueue
	return c
}

// logger is the connection's logger, made when something is logged: a
// logger kept per connection would cost memory for the life of every idle
// one. The client id is a secret, never logged: the public id and name say
// who.
func (c *conn) logger() *slog.Logger {
	return c.baseLog.With("id", c.PublicID, "name", c.Name, "remote", c.ws.RemoteAddr().String())
}

func (c *conn) send(f *frame) { c.sendAll(f) }

// sendAll queues frames in order, all or none, and hands the connection to
// a writer.
func (c *conn) sendAll(frames ...*frame) {
	if c.enqueue(frames) {
		c.writers.push(c)
	}
}

// enqueue queues frames in order, all or none, and reports whether the
// caller must hand c to its writer pool (see markDue): a broadcast hands
// all its connections over at once.
func (c *conn) enqueue(frames []*frame) bool {
	if c.overflowed.Load() {
		return false
	}
	if !c.queue.push(frames...) {
		// A peer that cannot keep up must not slow anyone else: drop it,
		// it resumes from the log when it reconnects.
		c.overflowed.Store(true)
		c.metrics.QueueDrop()
		c.finish(protocol.CloseTryAgain, reasonQueueFull, false)
		return false
	}
	return c.markDue()
}

// finish asks the writer to close the connection, once; later calls are
// ignored so the first reason wins.
func (c *conn) finish(code int, reason string, drain bool) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeReason, c.drain = code, reason, drain
		c.quitting.Store(true)
		close(c.quit)
		c.schedule() // the owner closes
	})
}

// goingAway starts a graceful close for shutdown: stop answering, answer
// what is in flight, then close with 1001. The reader is not woken: it goes
// on reading (and dropping) until the peer answers our close frame.
func (c *conn) goingAway() {
	c.stopping.Store(true)
	go func() {
		c.inflight.wait()
		c.finish(protocol.CloseGoingAway, "server shutting down", true)
	}()
}
