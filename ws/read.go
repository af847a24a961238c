package ws

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/fasthttp/websocket"
	"golang.org/x/time/rate"

	"livedash/models"
	"livedash/protocol"
	"livedash/store"
	"livedash/ws/outbox"
)

// reader returns c's reading: it reads until the peer goes away or a read
// fails, then ends the connection once its writing side is done (closed).
// Once the connection is closing it goes on reading, dropping what
// arrives, until the peer's close frame or the last read deadline that the
// outbox sets once its close frame is out (see outbox.Outbox.endReading). The library's own parser does this reading, so it
// stays in step with the frames (a parser of our own would start
// mid-frame, after what the library had buffered).
//
// Most connections spend their life parked in NextReader below, on a
// goroutine that runs the returned function as its whole body (a function
// value: go adds no wrapper frame then). An idle connection costs a 2 KiB
// stack only if that goroutine starts with 2 KiB and the parked chain of
// calls fits in it: the runtime never shrinks a 4 KiB stack back (it would
// have to be used under a quarter, its 800-byte reserve included), and it
// starts goroutines at the average stack in use plus 928 bytes, rounded up
// to a power of two, which idle readers keep at 2 KiB. So the loop keeps
// its frame small and the work of a frame in onFrame, set-up in
// startReading and the end in closed (none inlined): the parked chain is
// 1,096 bytes at gopark, of the 1,120 that a 2 KiB stack allows
// (GOTRACEBACK=system, docs/BENCHMARKS.md). faults' memory test checks
// the stacks of idle connections.
func (s *Server) reader(c *conn) func() {
	return func() {
		c.startReading()
		for {
			typ, r, err := c.ws.NextReader()
			if err != nil {
				c.endRead(c.peerClosed)
				break
			}
			if !c.onFrame(s.ctx, typ, r) {
				break
			}
		}
		<-c.out.Done()
		s.closed(c)
	}
}

//go:noinline
func (c *conn) startReading() {
	// No SetReadLimit: the library would close with 1009 at the frame header,
	// before we could answer too_large as the contract asks. readFrame
	// enforces the limit instead and never reads past it.
	_ = c.out.ExtendReadDeadline(c.cfg.PongWait)
	c.ws.SetPongHandler(func(string) error {
		_ = c.out.ExtendReadDeadline(c.cfg.PongWait)
		return nil
	})
	c.ws.SetPingHandler(func(data string) error {
		c.out.QueuePong(data)
		_ = c.out.ExtendReadDeadline(c.cfg.PongWait)
		return nil
	})
	// A close frame with a 1-byte payload (RFC 6455 asks for 1002) arrives
	// here as 1005 with no text, like an empty one: fasthttp/websocket drops
	// the payload before any hook sees it, so it is answered like an empty
	// close (docs/PROTOCOL.md, Close codes).
	c.ws.SetCloseHandler(func(code int, text string) error {
		c.peerClosed = true
		return nil
	})
}

// onFrame handles one frame the peer sent; false: reading is over.
//
//go:noinline
func (c *conn) onFrame(ctx context.Context, typ int, r io.Reader) bool {
	cfg := c.cfg
	if c.out.ExtendReadDeadline(cfg.PongWait) != nil {
		// Closing: this frame stays unanswered, and its sender may retry
		// it under the same id on its next connection. The library
		// skips what is left of it at the next NextReader.
		return true
	}
	msg, tooLarge, err := readFrame(r, cfg.ReadLimit)
	if err != nil {
		c.endRead(false)
		return false
	}
	if tooLarge {
		c.metrics.Error(string(protocol.CodeTooLarge))
		c.send(&outbox.Frame{Kind: "error", Data: encodeError("", models.Errorf(protocol.CodeTooLarge, "",
			"frames may have at most %d bytes", cfg.ReadLimit))})
		c.inflight.wait()
		c.finish(protocol.CloseAfter(protocol.CodeTooLarge), "frame too large", true)
		return true
	}
	// Every frame read gets a reply. A peer that pipelines faster than it
	// reads would otherwise fill its own send queue with replies and be
	// dropped as a slow consumer; instead we stop reading until the
	// writer has made room, which pushes back through TCP. Half the
	// queue stays free for broadcasts and acks still to come.
	c.out.WaitBelow(max(1, c.cfg.SendQueue/2))
	if typ != websocket.TextMessage {
		c.metrics.MessageIn("invalid")
		if c.allow("") {
			c.replyError("", models.Errorf(models.CodeBadRequest, "", "send JSON in text frames, not binary"))
		}
		return true
	}
	if !utf8.Valid(msg) {
		// RFC 6455 §8.1: a text frame that is not UTF-8 fails the
		// connection. Answering it instead would echo a request id
		// with its bad bytes replaced, which the client cannot match.
		c.metrics.MessageIn("invalid")
		c.inflight.wait()
		c.finish(protocol.CloseInvalidPayload, "text frame is not valid UTF-8", true)
		return true
	}
	c.handle(ctx, msg)
	return true
}

// endRead picks how the connection closes once reading stops. Graceful
// closes answer every mutation in flight first.
func (c *conn) endRead(peerClosed bool) {
	switch {
	case c.out.State() == outbox.Stopping:
		c.inflight.wait()
		c.finish(protocol.CloseGoingAway, "server shutting down", true)
	case peerClosed:
		c.inflight.wait()
		c.finish(protocol.CloseNormal, "", true)
	default:
		c.finish(noCloseFrame, "", false)
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
	req, derr := protocol.Decode(msg)
	if derr != nil && derr.Code != models.CodeInvalid {
		c.metrics.MessageIn("invalid") // client-chosen types must not become labels
	} else {
		c.metrics.MessageIn(req.Type)
	}
	if !c.allow(req.ID) {
		return
	}
	if derr != nil {
		c.replyError(req.ID, derr)
		return
	}
	if need := protocol.RequestRole(req.Type); !c.Role.Allows(need) {
		c.replyError(req.ID, protocol.Forbidden(c.Role, req.Type, need))
		return
	}
	if req.Type == protocol.TypePresenceSet {
		c.hub.edit(c, req.Editing)
		c.send(&outbox.Frame{Kind: "ack", Data: encodeAck(req.ID, 0, nil)})
		return
	}
	if req.Mutation == nil {
		// Read your writes: a query waits for this connection's earlier
		// mutations, so it sees them and is answered after them.
		c.inflight.wait()
		data, err := c.query(ctx, req)
		if err != nil {
			c.replyError(req.ID, models.AsError(err))
			return
		}
		c.send(&outbox.Frame{Kind: "ack", Data: encodeAck(req.ID, 0, data)})
		return
	}
	origin := store.Origin{Client: c.Client, Name: c.Name, RequestID: req.ID, Remember: c.Remember, PublicID: c.PublicID}
	c.inflight.add()
	started := time.Now()
	err := c.store.Submit(origin, req.Mutation, func(res store.Result, err error) {
		defer c.inflight.done()
		if err != nil {
			c.replyError(req.ID, models.AsError(err))
			return
		}
		c.metrics.Commit(time.Since(started))
		c.send(&outbox.Frame{Kind: "ack", Data: encodeAck(req.ID, res.Seq, res.Data)})
	})
	if err != nil {
		c.inflight.done()
		c.replyError(req.ID, models.AsError(err))
	}
}

// query answers the requests that read, through the store's one read path.
func (c *conn) query(ctx context.Context, req protocol.Request) ([]byte, error) {
	if req.Type == protocol.TypePing {
		return []byte("{}"), nil
	}
	v, err := c.store.Query(ctx, req.Query, models.Args{ID: req.RecordID, Limit: req.Limit})
	if err != nil {
		if models.AsError(err).Code == models.CodeInternal {
			c.logger().Error("query failed", "type", req.Type, "err", err)
		}
		return nil, err
	}
	return json.Marshal(v)
}

// allow takes one token of the connection's rate limit, answering
// rate_limited when there is none.
func (c *conn) allow(id string) bool {
	if c.limiter == nil { // only the reader calls allow
		c.limiter = rate.NewLimiter(rate.Limit(c.cfg.Rate), c.cfg.Burst)
	}
	if c.limiter.Allow() {
		return true
	}
	c.replyError(id, models.Errorf(protocol.CodeRateLimited, "",
		"more than %g messages a second; slow down", c.cfg.Rate))
	return false
}

// replyError answers a request with an error. Client mistakes are logged
// only at debug level: at info a hostile client could flood the log.
func (c *conn) replyError(id string, err *models.Error) {
	c.metrics.Error(string(err.Code))
	if c.baseLog.Enabled(context.Background(), slog.LevelDebug) {
		c.logger().Debug("request failed", "id", id, "code", err.Code, "message", err.Message)
	}
	c.send(&outbox.Frame{Kind: "error", Data: encodeError(id, err)})
}
