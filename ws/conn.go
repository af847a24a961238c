package ws

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
	"golang.org/x/time/rate"

	"livedash/models"
)

// Close codes the server sends.
const (
	CloseNormal     = websocket.CloseNormalClosure // 1000: the peer closed
	CloseGoingAway  = websocket.CloseGoingAway     // 1001: the server is stopping
	CloseTooLarge   = websocket.CloseMessageTooBig // 1009: frame over the read limit
	CloseTryAgain   = websocket.CloseTryAgainLater // 1013: send queue full; resume with since
	noCloseFrame    = 0
	reasonQueueFull = "send queue full; reconnect with since to resume"
)

// errStopping ends the read loop when the connection is being closed.
var errStopping = errors.New("ws: connection closing")

// Params are what a connection declared when it opened.
type Params struct {
	Client   string
	Name     string
	Remember bool // the client chose its id, so its mutations are idempotent
	Since    *int64
	Epoch    string
}

// conn is one WebSocket connection. The handler's goroutine reads; one
// writer goroutine owns every write to the socket.
type conn struct {
	hub *Hub
	srv *Server
	ws  *websocket.Conn
	log *slog.Logger
	Params

	queue   *sendQueue
	pongs   chan string
	limiter *rate.Limiter

	inflight sync.WaitGroup // mutations submitted, not yet answered
	stopping atomic.Bool    // the server is shutting down

	closeOnce   sync.Once
	quit        chan struct{}
	closeCode   int
	closeReason string
	drain       bool // write what is queued before closing
	overflowed  atomic.Bool
}

func (c *conn) send(f *frame) { c.sendAll([]*frame{f}) }

// sendAll queues frames in order, all or none: a broadcast batch costs one
// lock and one wake-up per connection, not one per event.
func (c *conn) sendAll(frames []*frame) {
	if c.overflowed.Load() {
		return
	}
	if !c.queue.push(frames...) {
		// A peer that cannot keep up must not slow anyone else: drop it,
		// it resumes from the log when it reconnects.
		c.overflowed.Store(true)
		c.srv.metrics.QueueDrop()
		c.finish(CloseTryAgain, reasonQueueFull, false)
	}
}

// finish asks the writer to close the connection, once; later calls are
// ignored so the first reason wins.
func (c *conn) finish(code int, reason string, drain bool) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeReason, c.drain = code, reason, drain
		close(c.quit)
	})
}

// goingAway starts a graceful close for shutdown: stop reading, answer what
// is in flight, then close with 1001. Called with the hub's lock held, so the
// handler has not returned and the socket is still ours.
func (c *conn) goingAway() {
	c.stopping.Store(true)
	_ = c.ws.SetReadDeadline(time.Now())
}

// readLoop runs on the handler's goroutine until the peer goes away, a read
// fails, or the server stops.
func (c *conn) readLoop(ctx context.Context) {
	cfg := c.hub.cfg
	// No SetReadLimit: the library would close with 1009 at the frame header,
	// before we could answer too_large as the contract asks. readFrame
	// enforces the limit instead and never reads past it.
	_ = c.ws.SetReadDeadline(time.Now().Add(cfg.PongWait))
	c.ws.SetPongHandler(func(string) error { return c.extendReadDeadline() })
	c.ws.SetPingHandler(func(data string) error {
		select {
		case c.pongs <- data:
		default: // a pong is already due; one answers both
		}
		return c.extendReadDeadline()
	})
	peerClosed := false
	c.ws.SetCloseHandler(func(code int, text string) error {
		peerClosed = true
		return nil
	})
	for {
		typ, r, err := c.ws.NextReader()
		if err != nil {
			c.endRead(peerClosed)
			return
		}
		if c.extendReadDeadline() != nil {
			// Closing: this frame stays unanswered, and its sender may retry
			// it under the same id on its next connection.
			c.endRead(false)
			return
		}
		msg, tooLarge, err := readFrame(r, cfg.ReadLimit)
		if err != nil {
			c.endRead(false)
			return
		}
		if tooLarge {
			c.srv.metrics.Error(string(models.CodeTooLarge))
			c.send(&frame{kind: "error", data: encodeError("", models.Errorf(models.CodeTooLarge, "",
				"frames may have at most %d bytes", cfg.ReadLimit))})
			c.inflight.Wait()
			c.finish(CloseTooLarge, "frame too large", true)
			return
		}
		// Every frame read gets a reply. A peer that pipelines faster than it
		// reads would otherwise fill its own send queue with replies and be
		// dropped as a slow consumer; instead we stop reading until the
		// writer has made room, which pushes back through TCP. Half the
		// queue stays free for broadcasts and acks still to come.
		c.queue.waitBelow(max(1, c.hub.cfg.SendQueue/2), c.quit)
		if typ != websocket.TextMessage {
			c.srv.metrics.MessageIn("invalid")
			if c.allow("") {
				c.replyError("", models.Errorf(models.CodeBadRequest, "", "send JSON in text frames, not binary"))
			}
			continue
		}
		c.handle(ctx, msg)
	}
}

// linger reads and drops what the peer still sends after our close frame,
// until its own close frame arrives, it hangs up, or a second passes.
// Closing a socket with unread data makes the kernel send a reset, which can
// destroy our close frame before the peer has read it; and a browser waits
// for the server to hang up first, so stopping at its close frame matters.
func (c *conn) linger() {
	nc := c.ws.NetConn()
	if nc.SetReadDeadline(time.Now().Add(min(c.hub.cfg.WriteWait, time.Second))) != nil {
		return
	}
	skipToClose(bufio.NewReaderSize(nc, 512))
}

// skipToClose reads client frames (RFC 6455 §5.2) until a close frame or an
// error, discarding their payloads.
func skipToClose(r *bufio.Reader) {
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(r, hdr[:2]); err != nil {
			return
		}
		opcode, masked, n := hdr[0]&0x0F, hdr[1]&0x80 != 0, uint64(hdr[1]&0x7F)
		if opcode == websocket.CloseMessage {
			return
		}
		switch n {
		case 126:
			if _, err := io.ReadFull(r, hdr[:2]); err != nil {
				return
			}
			n = uint64(binary.BigEndian.Uint16(hdr[:2]))
		case 127:
			if _, err := io.ReadFull(r, hdr[:8]); err != nil {
				return
			}
			n = binary.BigEndian.Uint64(hdr[:8])
		}
		if masked {
			n += 4 // the masking key
		}
		if _, err := r.Discard(int(min(n, 1<<30))); err != nil {
			return
		}
	}
}

// endRead picks how the connection closes once reading stops. Graceful
// closes answer every mutation in flight first.
func (c *conn) endRead(peerClosed bool) {
	switch {
	case c.stopping.Load():
		c.inflight.Wait()
		c.finish(CloseGoingAway, "server shutting down", true)
	case peerClosed:
		c.inflight.Wait()
		c.finish(CloseNormal, "", true)
	default:
		c.finish(noCloseFrame, "", false)
	}
}

// extendReadDeadline gives the peer another PongWait, unless the connection
// is ending. Whoever ends it sets the deadline to now after marking it, and we
// check the marks after setting ours, so one of the two always wins.
func (c *conn) extendReadDeadline() error {
	if err := c.ws.SetReadDeadline(time.Now().Add(c.hub.cfg.PongWait)); err != nil {
		return err
	}
	if c.stopping.Load() {
		return errStopping
	}
	select {
	case <-c.quit:
		return errStopping
	default:
		return nil
	}
}

// readFrame reads at most limit bytes; a longer frame is reported, not read.
func readFrame(r io.Reader, limit int64) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, false, err
	}
	return b, int64(len(b)) > limit, nil
}

func (c *conn) handle(ctx context.Context, msg []byte) {
	req, derr := Decode(msg)
	if derr != nil && derr.Code != models.CodeInvalid {
		c.srv.metrics.MessageIn("invalid") // client-chosen types must not become labels
	} else {
		c.srv.metrics.MessageIn(req.Type)
	}
	if !c.allow(req.ID) {
		return
	}
	if derr != nil {
		c.replyError(req.ID, derr)
		return
	}
	if req.Mutation == nil {
		// Read your writes: a query waits for this connection's earlier
		// mutations, so it sees them and is answered after them.
		c.inflight.Wait()
		data, err := c.srv.query(ctx, req)
		if err != nil {
			c.replyError(req.ID, models.AsError(err))
			return
		}
		c.send(&frame{kind: "ack", data: encodeAck(req.ID, 0, data)})
		return
	}
	origin := models.Origin{Client: c.Client, Name: c.Name, RequestID: req.ID, Remember: c.Remember}
	c.inflight.Add(1)
	started := time.Now()
	err := c.srv.store.Submit(origin, req.Mutation, func(res models.Result, err error) {
		defer c.inflight.Done()
		if err != nil {
			c.replyError(req.ID, models.AsError(err))
			return
		}
		c.srv.metrics.Commit(time.Since(started))
		c.send(&frame{kind: "ack", data: encodeAck(req.ID, res.Seq, res.Data)})
	})
	if err != nil {
		c.inflight.Done()
		c.replyError(req.ID, models.AsError(err))
	}
}

// allow takes one token of the connection's rate limit, answering
// rate_limited when there is none.
func (c *conn) allow(id string) bool {
	if c.limiter.Allow() {
		return true
	}
	c.replyError(id, models.Errorf(models.CodeRateLimited, "",
		"more than %g messages a second; slow down", c.hub.cfg.Rate))
	return false
}

// replyError answers a request with an error. Client mistakes are logged
// only at debug level: at info a hostile client could flood the log.
func (c *conn) replyError(id string, err *models.Error) {
	c.srv.metrics.Error(string(err.Code))
	if c.log.Enabled(context.Background(), slog.LevelDebug) {
		c.log.Debug("request failed", "id", id, "code", err.Code, "message", err.Message)
	}
	c.send(&frame{kind: "error", data: encodeError(id, err)})
}

// writeLoop is the only writer of the socket. It sends the welcome and any
// replay first, then queued frames and pings, until finish is called.
func (c *conn) writeLoop(ctx context.Context, welcomeSeq int64) {
	cfg := c.hub.cfg
	// fasthttp closes a hijacked socket only after the handler returns, so
	// Close would not wake the reader; a past read deadline does.
	defer func() { _ = c.ws.SetReadDeadline(time.Now()) }()
	if err := c.preamble(ctx, welcomeSeq); err != nil {
		c.log.Debug("preamble failed", "err", err)
		c.finish(noCloseFrame, "", false)
		return
	}
	ping := time.NewTicker(cfg.PingInterval)
	defer ping.Stop()
	var batch []*frame
	for {
		select {
		case <-c.queue.ready:
			if batch = c.queue.take(batch); c.writeFrames(batch) != nil {
				c.finish(noCloseFrame, "", false)
				return
			}
			// Idle connections are most of them: hold no frames between
			// batches, and no large slice after a burst.
			if clear(batch); cap(batch) > 64 {
				batch = nil
			}
		case data := <-c.pongs:
			if err := c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(cfg.WriteWait)); err != nil {
				c.finish(noCloseFrame, "", false)
				return
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(cfg.WriteWait)); err != nil {
				c.finish(noCloseFrame, "", false)
				return
			}
		case <-c.quit:
			c.close()
			return
		}
	}
}

func (c *conn) close() {
	if c.drain && c.flushQueue() != nil {
		return
	}
	if c.closeCode != noCloseFrame {
		msg := websocket.FormatCloseMessage(c.closeCode, c.closeReason)
		_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.hub.cfg.WriteWait))
	}
}

// flushQueue writes what is queued now; on a graceful close it carries the
// last acks out before the close frame.
func (c *conn) flushQueue() error {
	return c.writeFrames(c.queue.take(nil))
}

// writeFrames sends frames coalesced into as few writes as possible. The
// bytes go straight to the socket: the library has no batch write, and one
// syscall per frame was most of the server's CPU under fan-out. Only this
// goroutine writes data frames, and each socket write is atomic, so frames
// never interleave with the library's control frames.
func (c *conn) writeFrames(frames []*frame) error {
	buf := c.srv.buffers.Get().(*[]byte)
	defer c.srv.buffers.Put(buf)
	b := (*buf)[:0]
	now := time.Now()
	for i, f := range frames {
		if !f.committed.IsZero() {
			c.srv.metrics.Delivery(now.Sub(f.committed))
		}
		c.srv.metrics.MessageOut(f.kind)
		b = appendTextFrame(b, f.data)
		if len(b) >= maxBatchBytes || i == len(frames)-1 {
			if err := c.writeRaw(b); err != nil {
				*buf = b[:0]
				return err
			}
			b = b[:0]
		}
	}
	*buf = b
	return nil
}

func (c *conn) writeRaw(b []byte) error {
	nc := c.ws.NetConn()
	if err := nc.SetWriteDeadline(time.Now().Add(c.hub.cfg.WriteWait)); err != nil {
		return err
	}
	_, err := nc.Write(b)
	return err
}

// write sends one frame; the preamble uses it before the queue takes over.
func (c *conn) write(data []byte) error {
	return c.writeRaw(appendTextFrame(make([]byte, 0, len(data)+10), data))
}

// preamble writes the welcome and, for a resuming client, the events it
// missed, straight from the log. Events after welcomeSeq are already queued
// by the hub, so the replay stops there and nothing is sent twice.
func (c *conn) preamble(ctx context.Context, welcomeSeq int64) error {
	store := c.srv.store
	welcome := Welcome{Seq: welcomeSeq, Epoch: store.Epoch(), Client: c.Client, Name: c.Name}
	if c.Since == nil {
		return c.write(encodeData("welcome", welcome))
	}
	since := *c.Since
	var page []models.Event
	resumable := c.Epoch == welcome.Epoch && since <= welcomeSeq
	if resumable && since < welcomeSeq {
		var err error
		if page, err = store.EventsSince(ctx, since, c.hub.cfg.ReplayPage); err != nil {
			return err
		}
		resumable = len(page) > 0 && page[0].Seq == since+1
	}
	if !resumable {
		c.srv.metrics.Resync()
		if err := c.write(encodeData("welcome", welcome)); err != nil {
			return err
		}
		return c.write(encodeData("resync", Resync{Seq: welcomeSeq, Epoch: welcome.Epoch}))
	}
	c.srv.metrics.Resume()
	welcome.Resumed = true
	if err := c.write(encodeData("welcome", welcome)); err != nil {
		return err
	}
	next := since + 1
	for next <= welcomeSeq {
		if len(page) == 0 || page[0].Seq != next {
			// Pruned while we replayed: the client must reload after all.
			return c.write(encodeData("resync", Resync{Seq: welcomeSeq, Epoch: welcome.Epoch}))
		}
		frames := make([]*frame, 0, len(page))
		for _, ev := range page {
			if ev.Seq > welcomeSeq {
				break
			}
			b, err := ev.MarshalJSON()
			if err != nil {
				return err
			}
			frames = append(frames, &frame{kind: ev.Type, seq: ev.Seq, data: b})
			next = ev.Seq + 1
		}
		if err := c.writeFrames(frames); err != nil || next > welcomeSeq {
			return err
		}
		var err error
		if page, err = store.EventsSince(ctx, next-1, c.hub.cfg.ReplayPage); err != nil {
			return err
		}
	}
	return nil
}
