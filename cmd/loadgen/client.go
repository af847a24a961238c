package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/protocol"
)

// client is one WebSocket connection, listener or writer. All it keeps is
// the conn, its seqLog and a couple of counters: a listener costs the
// goroutine, the conn's 1 KB read buffer and 4 bytes per event received.
type client struct {
	idx      int
	name     string
	addr     string // the server it connects to
	conn     *websocket.Conn
	log      seqLog       // only touched by the reader goroutine until the run is over
	maxSeen  atomic.Int64 // highest event seq seen, for the drain wait
	dropped  atomic.Bool  // the connection failed before we closed it
	presence int64        // presence frames received (reader goroutine only)
	w        *writer      // nil for listeners
}

// Buffer sizes: the conn's bufio buffers. Frames larger than that are
// still read whole (into a pooled buffer), they just take more reads. The
// server coalesces a batch's events into one socket write (tens of KB under
// the writes scenario); with 1 KiB, loadgen made one read system call per
// two or three events, 40 % of its CPU. Only the touched part of a buffer
// costs memory, so a crowd's idle listeners do not pay for the size.
const (
	connReadBuf  = 32 << 10
	connWriteBuf = 1024
)

func newDialer(addr string) *websocket.Dialer {
	nd := &net.Dialer{Timeout: 10 * time.Second}
	return &websocket.Dialer{
		// Whatever the URL says, dial only the configured address.
		NetDialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return nd.DialContext(ctx, network, addr)
		},
		Proxy:            nil,
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   connReadBuf,
		WriteBufferSize:  connWriteBuf,
		// Listeners almost never write: share write buffers between conns.
		WriteBufferPool: &sync.Pool{},
	}
}

func wsURL(addr, name string) string {
	q := url.Values{}
	q.Set("client", name)
	q.Set("name", name)
	return "ws://" + addr + "/ws?" + q.Encode()
}

// dial connects and reads the welcome; it returns the conn and welcome.
func dial(ctx context.Context, d *websocket.Dialer, addr, name string) (*websocket.Conn, *welcomeFrame, error) {
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	conn, resp, err := d.DialContext(dctx, wsURL(addr, name), nil)
	if err != nil {
		if resp != nil {
			return nil, nil, &codedError{"connect_http_" + strconv.Itoa(resp.StatusCode), err}
		}
		return nil, nil, &codedError{"connect_failed", err}
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	mt, b, err := conn.ReadMessage()
	if err != nil {
		conn.Close()
		return nil, nil, &codedError{"no_welcome", err}
	}
	var w welcomeFrame
	if mt != websocket.TextMessage || json.Unmarshal(b, &w) != nil || w.Type != protocol.TypeWelcome {
		conn.Close()
		return nil, nil, &codedError{"bad_welcome", fmt.Errorf("first frame is not a welcome: %.200s", b)}
	}
	_ = conn.SetReadDeadline(time.Time{})
	return conn, &w, nil
}

// codedError is an error with the short code it is counted under.
type codedError struct {
	code string
	err  error
}

func (e *codedError) Error() string { return e.code + ": " + e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

func errCode(err error, fallback string) string {
	var ce *codedError
	if errors.As(err, &ce) {
		return ce.code
	}
	return fallback
}

var presencePrefixes = [][]byte{[]byte(`{"type":"presence"`), []byte(`{"type": "presence"`)}

func isPresencePrefix(b []byte) bool {
	for _, p := range presencePrefixes {
		if bytes.HasPrefix(b, p) {
			return true
		}
	}
	return false
}

// headLen is how much of each frame is read before deciding whether the
// rest is worth buffering (presence frames, which can list thousands of
// users, are discarded without being held in memory).
const headLen = 20

var framePool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readLoop reads frames until the connection ends.
func (r *runner) readLoop(c *client) {
	defer r.readers.Done()
	var head [headLen]byte
	for {
		mt, rd, err := c.conn.NextReader()
		if err != nil {
			if !r.closing.Load() {
				c.dropped.Store(true)
				r.addErr("disconnected", 1)
				r.noteErr(fmt.Sprintf("%s disconnected: %v", c.name, err))
			}
			return
		}
		if mt != websocket.TextMessage {
			_, _ = io.Copy(io.Discard, rd)
			continue
		}
		n, err := io.ReadFull(rd, head[:])
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			r.handleFrame(c, head[:n])
			continue
		case err != nil:
			continue // the next NextReader reports the failure
		}
		if isPresencePrefix(head[:n]) {
			c.presence++
			_, _ = io.Copy(io.Discard, rd)
			continue
		}
		bb := framePool.Get().(*bytes.Buffer)
		bb.Reset()
		bb.Write(head[:n])
		if _, err := bb.ReadFrom(rd); err == nil {
			r.handleFrame(c, bb.Bytes())
		}
		if bb.Cap() <= 64<<10 {
			framePool.Put(bb)
		}
	}
}

func (r *runner) handleFrame(c *client, b []byte) {
	now := r.nowUs()
	f, err := scanFrame(b)
	if err != nil {
		r.addErr("bad_frame", 1)
		r.noteErr(fmt.Sprintf("%s: unparsable frame %.120q", c.name, b))
		return
	}
	switch string(f.Type) {
	case protocol.TypeAck:
		if c.w != nil {
			c.w.onAck(f, b, now)
		} else {
			r.addErr("unexpected_ack", 1)
		}
	case protocol.TypeError:
		if c.w != nil {
			c.w.onError(f, b, now)
		} else {
			r.addErr(errorCode(b), 1)
		}
	case protocol.TypePresence:
		c.presence++
	case protocol.TypeResync:
		r.addErr("resync", 1)
	case protocol.TypeWelcome:
		r.addErr("second_welcome", 1)
	default:
		if !f.HasSeq {
			return // a frame type we do not know and that is not an event
		}
		c.log.record(f.Seq, uint32(now))
		if f.Seq > c.maxSeen.Load() {
			c.maxSeen.Store(f.Seq)
		}
	}
}
