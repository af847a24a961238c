package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/models"
)

const (
	handshakeTimeout = 10 * time.Second
	writeWait        = 10 * time.Second // a write that takes longer means a dead peer
	// drainWait is how long the reader may still read after a write
	// failed: what the server sent before it closed (replies, its close
	// frame) is usually there already.
	drainWait = time.Second
)

// conn is one WebSocket connection. The run goroutine reads it; a writer
// goroutine of its own writes requests and pings.
type conn struct {
	ws    *websocket.Conn
	since int64         // the since this connection asked for; -1 for none
	wake  chan struct{} // holds a token while out may be non-empty
	quit  chan struct{} // closed when the connection has ended
	// drainBy is when the reader must give up, in Unix nanoseconds, once a
	// write failed; 0 while writes succeed.
	drainBy atomic.Int64

	// Guarded by Client.mu.
	out        []*call // requests to write, in order
	welcomedAt time.Time
}

// abandon gives up writing to cn. Closing the socket now would throw away
// what the reader has not read yet, the server's close frame among it; the
// reader gets drainWait to read it instead of its full timeout.
func (cn *conn) abandon() {
	by := time.Now().Add(drainWait)
	cn.drainBy.Store(by.UnixNano())
	_ = cn.ws.SetReadDeadline(by)
}

func (cn *conn) enqueue(cl *call) {
	cn.out = append(cn.out, cl)
	select {
	case cn.wake <- struct{}{}:
	default:
	}
}

// connect dials one connection, resuming from the current position, and
// queues every pending request on it in the order they were first made.
func (c *Client) connect(ctx context.Context) (*conn, error) {
	c.mu.Lock()
	q := url.Values{}
	if c.opts.ClientID != "" {
		q.Set("client", c.opts.ClientID)
	}
	if c.opts.Name != "" {
		q.Set("name", c.opts.Name)
	}
	since := int64(-1)
	if c.positioned {
		since = c.seq
		q.Set("since", strconv.FormatInt(c.seq, 10))
		q.Set("epoch", c.epoch)
	}
	c.mu.Unlock()
	u := *c.wsURL
	u.RawQuery = q.Encode()
	ws, resp, err := c.dialer.DialContext(ctx, u.String(), c.opts.Header)
	if err != nil {
		return nil, handshakeError(err, resp)
	}
	cn := &conn{ws: ws, since: since, wake: make(chan struct{}, 1), quit: make(chan struct{})}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == Closed {
		_ = ws.Close()
		return nil, ErrClosed
	}
	c.cur = cn
	for _, cl := range c.pendingInOrder() {
		cn.enqueue(cl)
	}
	c.wg.Add(1) // under mu: Close has not started waiting yet
	go func() {
		defer c.wg.Done()
		c.writeLoop(cn)
	}()
	return cn, nil
}

// handshakeError turns a refused upgrade into the server's *models.Error when its
// body carries one.
func handshakeError(err error, resp *http.Response) error {
	if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil {
		return fmt.Errorf("livedash: connect: %w", err)
	}
	var body struct {
		Error *models.Error `json:"error"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if json.Unmarshal(raw, &body) == nil && body.Error != nil {
		return fmt.Errorf("livedash: connect: HTTP %d: %w", resp.StatusCode, body.Error)
	}
	return fmt.Errorf("livedash: connect: HTTP %d: %w", resp.StatusCode, err)
}

// run serves connections one after the other until Close: read one until
// it ends, wait, dial the next, which resumes where the last one stopped.
func (c *Client) run(cn *conn) {
	failures := 0
	for {
		err := c.serve(cn)
		first, stable := c.dropped(cn, err)
		if c.ctx.Err() != nil {
			return
		}
		if first {
			// Dial reports the first connection's failure; later ones,
			// welcomed or not, only lengthen the wait.
			c.failed <- fmt.Errorf("livedash: connection ended before the welcome: %w", err)
			return
		}
		if stable {
			failures = 0
		}
		for {
			if !c.sleep(c.backoff(failures)) {
				return
			}
			failures++
			next, err := c.connect(c.ctx)
			if err == nil {
				cn = next
				break
			}
			if c.ctx.Err() != nil {
				return
			}
			c.opts.Logger.Warn("livedash: reconnect failed", "attempt", failures, "err", err)
		}
	}
}

// serve reads frames until the connection ends or the stream breaks.
func (c *Client) serve(cn *conn) error {
	ws := cn.ws
	readTimeout := c.opts.KeepAlive * 5 / 2
	extend := func() {
		_ = ws.SetReadDeadline(time.Now().Add(readTimeout))
		// After abandon's deadline, whichever of the two ran first.
		if by := cn.drainBy.Load(); by != 0 {
			_ = ws.SetReadDeadline(time.Unix(0, by))
		}
	}
	extend()
	ws.SetPingHandler(func(data string) error {
		extend()
		// Best effort, as the library's own handler: a failed pong shows
		// up as a failed read soon enough.
		_ = ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeWait))
		return nil
	})
	ws.SetPongHandler(func(string) error {
		extend()
		return nil
	})
	for {
		_, raw, err := ws.ReadMessage()
		if err != nil {
			return err
		}
		extend()
		if err := c.handle(cn, raw); err != nil {
			return err
		}
	}
}

// dropped cleans up after a connection ended and reports whether no
// connection was ever welcomed (Dial's failure), and whether this one lived
// long enough to reset the backoff.
func (c *Client) dropped(cn *conn, cause error) (first, stable bool) {
	_ = cn.ws.Close()
	close(cn.quit)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == cn {
		c.cur = nil
	}
	first = !c.everLive
	stable = !cn.welcomedAt.IsZero() && time.Since(cn.welcomedAt) >= stableAfter
	if c.state == Closed {
		return first, stable
	}
	if c.everLive {
		c.state = Reconnecting
		d := Disconnect{Error: cause.Error()}
		var ce *websocket.CloseError
		if errors.As(cause, &ce) {
			d.Code = ce.Code
		}
		c.deliver.push(notice(TypeDisconnected, d))
		c.opts.Logger.Info("livedash: connection lost; reconnecting", "err", cause, "seq", c.seq)
	}
	if c.opts.Anonymous {
		c.failUnrecognisable()
	}
	return first, stable
}

// writeLoop is the only writer of data frames on cn.
func (c *Client) writeLoop(cn *conn) {
	ping := time.NewTicker(c.opts.KeepAlive)
	defer ping.Stop()
	var batch, spare []*call
	var frames [][]byte
	for {
		select {
		case <-cn.quit:
			return
		case <-ping.C:
			if err := cn.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				cn.abandon()
				return
			}
		case <-cn.wake:
			c.mu.Lock()
			batch, cn.out = cn.out, spare[:0]
			frames = frames[:0]
			for _, cl := range batch {
				if c.calls[cl.id] != cl {
					continue // answered or withdrawn meanwhile
				}
				cl.sent, cl.conn = true, cn
				frames = append(frames, cl.frame)
			}
			c.mu.Unlock()
			clear(batch)
			spare = batch
			for i, f := range frames {
				frames[i] = nil
				err := cn.ws.SetWriteDeadline(time.Now().Add(writeWait))
				if err == nil {
					err = cn.ws.WriteMessage(websocket.TextMessage, f)
				}
				if err != nil {
					cn.abandon()
					return
				}
			}
		}
	}
}
