package ws

import (
	"context"
	"encoding/json"
	"io"
	"livedash/models"
	"livedash/store"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/fasthttp/websocket"
)

// readLoop runs on the handler's goroutine until the peer goes away, a read
// fails, or the server stops.
func (c *conn) readLoop(ctx context.Context) {
	cfg := c.cfg
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
			c.metrics.Error(string(CodeTooLarge))
			c.send(&frame{kind: "error", data: encodeError("", models.Errorf(CodeTooLarge, "",
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
		c.queue.waitBelow(max(1, c.cfg.SendQueue/2), c.quit)
		if typ != websocket.TextMessage {
			c.metrics.MessageIn("invalid")
			if c.allow("") {
				c.replyError("", models.Errorf(models.CodeBadRequest, "", "send JSON in text frames, not binary"))
			}
			continue
		}
		if !utf8.Valid(msg) {
			// RFC 6455 §8.1: a text frame that is not UTF-8 fails the
			// connection. Answering it instead would echo a request id
			// with its bad bytes replaced, which the client cannot match.
			c.metrics.MessageIn("invalid")
			c.inflight.Wait()
			c.finish(CloseInvalidPayload, "text frame is not valid UTF-8", true)
			return
		}
		c.handle(ctx, msg)
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
	if err := c.ws.SetReadDeadline(time.Now().Add(c.cfg.PongWait)); err != nil {
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
	if req.Mutation == nil {
		// Read your writes: a query waits for this connection's earlier
		// mutations, so it sees them and is answered after them.
		c.inflight.Wait()
		data, err := c.query(ctx, req)
		if err != nil {
			c.replyError(req.ID, models.AsError(err))
			return
		}
		c.send(&frame{kind: "ack", data: encodeAck(req.ID, 0, data)})
		return
	}
	origin := store.Origin{Client: c.Client, Name: c.Name, RequestID: req.ID, Remember: c.Remember}
	c.inflight.Add(1)
	started := time.Now()
	err := c.store.Submit(origin, req.Mutation, func(res store.Result, err error) {
		defer c.inflight.Done()
		if err != nil {
			c.replyError(req.ID, models.AsError(err))
			return
		}
		c.metrics.Commit(time.Since(started))
		c.send(&frame{kind: "ack", data: encodeAck(req.ID, res.Seq, res.Data)})
	})
	if err != nil {
		c.inflight.Done()
		c.replyError(req.ID, models.AsError(err))
	}
}

// query answers the requests that read, through the store's one read path.
func (c *conn) query(ctx context.Context, req Request) ([]byte, error) {
	if req.Type == typePing {
		return []byte("{}"), nil
	}
	v, err := c.store.Query(ctx, req.Query, req.RecordID)
	if err != nil {
		if models.AsError(err).Code == models.CodeInternal {
			c.log.Error("query failed", "type", req.Type, "err", err)
		}
		return nil, err
	}
	return json.Marshal(v)
}

// allow takes one token of the connection's rate limit, answering
// rate_limited when there is none.
func (c *conn) allow(id string) bool {
	if c.limiter.Allow() {
		return true
	}
	c.replyError(id, models.Errorf(CodeRateLimited, "",
		"more than %g messages a second; slow down", c.cfg.Rate))
	return false
}

// replyError answers a request with an error. Client mistakes are logged
// only at debug level: at info a hostile client could flood the log.
func (c *conn) replyError(id string, err *models.Error) {
	c.metrics.Error(string(err.Code))
	if c.log.Enabled(context.Background(), slog.LevelDebug) {
		c.log.Debug("request failed", "id", id, "code", err.Code, "message", err.Message)
	}
	c.send(&frame{kind: "error", data: encodeError(id, err)})
}
