package apptest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/protocol"
)

// Frame is one server frame as a test sees it: the fields of a reply,
// which a notice's type and data and an event's seq share, and the frame's
// bytes.
type Frame struct {
	protocol.Reply
	Raw []byte `json:"-"`
}

// Client is a raw WebSocket client that records every frame it receives,
// for tests of the wire itself (malformed frames, handshakes, close codes);
// ordinary requests and events go through DialClient.
type Client struct {
	tb   testing.TB
	Conn *websocket.Conn

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced whenever something arrives
	frames   []Frame
	closeErr error // set when the read loop ends
	next     int   // request id counter
}

// DefaultWait bounds every wait of a test client.
const DefaultWait = 10 * time.Second

// Dial connects to s's /ws with the query and waits for the welcome.
func (s *Server) Dial(tb testing.TB, query string) *Client {
	tb.Helper()
	c, resp, err := s.TryDial(tb, query, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		tb.Fatalf("dial %s: %v (status %d)", query, err, status)
	}
	c.WaitType(protocol.TypeWelcome)
	return c
}

// TryDial connects without waiting for anything; header may set Origin.
func (s *Server) TryDial(tb testing.TB, query string, header http.Header) (*Client, *http.Response, error) {
	tb.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(s.WSURL(query), header)
	if err != nil {
		return nil, resp, err
	}
	c := &Client{tb: tb, Conn: conn, changed: make(chan struct{})}
	go c.readLoop()
	tb.Cleanup(func() { c.Conn.Close() })
	return c, resp, nil
}

func (c *Client) readLoop() {
	for {
		_, data, err := c.Conn.ReadMessage()
		c.mu.Lock()
		if err != nil {
			c.closeErr = err
		} else {
			var f Frame
			if jerr := json.Unmarshal(data, &f); jerr != nil {
				f = Frame{Reply: protocol.Reply{Type: "!unparsable"}}
			}
			f.Raw = data
			c.frames = append(c.frames, f)
		}
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// waitUntil calls check (under the lock) whenever something arrives, until it
// reports done or the wait runs out.
func (c *Client) waitUntil(what string, check func() bool) {
	c.tb.Helper()
	deadline := time.NewTimer(DefaultWait)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		done, changed, closeErr := check(), c.changed, c.closeErr
		c.mu.Unlock()
		if done {
			return
		}
		if closeErr != nil {
			c.tb.Fatalf("connection ended while waiting for %s: %v", what, closeErr)
		}
		select {
		case <-changed:
		case <-deadline.C:
			c.tb.Fatalf("no %s within %s; got %d frames", what, DefaultWait, c.Len())
		}
	}
}

// Len is the number of frames received.
func (c *Client) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.frames)
}

// WaitFrames waits until at least n frames arrived.
func (c *Client) WaitFrames(n int) {
	c.tb.Helper()
	c.waitUntil(fmt.Sprintf("%d frames", n), func() bool { return len(c.frames) >= n })
}

// Frames returns a copy of every frame received.
func (c *Client) Frames() []Frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Frame(nil), c.frames...)
}

// WaitType waits for the first frame of the given type and returns it.
func (c *Client) WaitType(typ string) Frame {
	c.tb.Helper()
	var got Frame
	c.waitUntil("frame "+typ, func() bool {
		for _, f := range c.frames {
			if f.Type == typ {
				got = f
				return true
			}
		}
		return false
	})
	return got
}

// Events returns the frames that carry a seq (events), in arrival order.
func (c *Client) Events() []Frame {
	var out []Frame
	for _, f := range c.Frames() {
		if f.Seq > 0 && f.Type != protocol.TypeAck {
			out = append(out, f)
		}
	}
	return out
}

// WaitSeq waits until an event with seq >= seq arrived and returns the events.
func (c *Client) WaitSeq(seq int64) []Frame {
	c.tb.Helper()
	c.waitUntil(fmt.Sprintf("event with seq %d", seq), func() bool {
		for i := len(c.frames) - 1; i >= 0; i-- {
			if f := c.frames[i]; f.Seq >= seq && f.Type != protocol.TypeAck {
				return true
			}
		}
		return false
	})
	return c.Events()
}

// Send writes v as a JSON text frame.
func (c *Client) Send(v any) {
	c.tb.Helper()
	if err := c.Conn.WriteJSON(v); err != nil {
		c.tb.Fatalf("send: %v", err)
	}
}

// SendRaw writes a frame of the given message type.
func (c *Client) SendRaw(messageType int, data []byte) {
	c.tb.Helper()
	if err := c.Conn.WriteMessage(messageType, data); err != nil {
		c.tb.Fatalf("send: %v", err)
	}
}

// Reply waits for the ack or error answering request id.
func (c *Client) Reply(id string) Frame {
	c.tb.Helper()
	var got Frame
	c.waitUntil("reply to "+id, func() bool {
		for _, f := range c.frames {
			if (f.Type == protocol.TypeAck || f.Type == protocol.TypeError) && f.ID != nil && *f.ID == id {
				got = f
				return true
			}
		}
		return false
	})
	return got
}

// Request sends a request under a fresh id and waits for its reply.
func (c *Client) Request(typ string, data any) Frame {
	c.tb.Helper()
	id := c.NewID()
	c.Send(map[string]any{"type": typ, "id": id, "data": data})
	return c.Reply(id)
}

// MustAck is Request that fails the test unless the reply is an ack.
func (c *Client) MustAck(typ string, data any) Frame {
	c.tb.Helper()
	f := c.Request(typ, data)
	if f.Type != protocol.TypeAck {
		c.tb.Fatalf("%s: want ack, got %s", typ, f.Raw)
	}
	return f
}

// NewID returns a request id unique within this client.
func (c *Client) NewID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next++
	return fmt.Sprintf("r%d", c.next)
}

// WaitClose waits for the connection to end and returns the close code the
// server sent (0 when it ended without a close frame) and its reason.
func (c *Client) WaitClose() (int, string) {
	c.tb.Helper()
	c.waitUntil("close", func() bool { return c.closeErr != nil })
	c.mu.Lock()
	defer c.mu.Unlock()
	var ce *websocket.CloseError
	if errors.As(c.closeErr, &ce) {
		return ce.Code, ce.Text
	}
	return 0, c.closeErr.Error()
}
