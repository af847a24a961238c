package faults

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/app/apptest"
)

// peerWait bounds every wait of a peer for something the server must send.
const peerWait = 10 * time.Second

// frame is one server frame as the tests read it, with its arrival time.
type frame struct {
	apptest.Frame
	At time.Time `json:"-"`
}

func (f frame) isReply() bool { return (f.Type == "ack" || f.Type == "error") && f.ID != nil }

type welcomeData struct {
	Seq     int64  `json:"seq"`
	Epoch   string `json:"epoch"`
	Client  string `json:"client"`
	Name    string `json:"name"`
	Resumed bool   `json:"resumed"`
}

// peerOptions tune what a peer keeps. Parsing every broadcast costs a lot
// under -race, so peers that only need their replies skip the events.
type peerOptions struct {
	events bool // keep every event frame with its arrival time
	noPong bool // ignore the server's pings, as a dead peer would
}

// peer is a raw WebSocket client that records replies by request id and,
// optionally, every event in arrival order. Tests use it where the wire
// itself is under test (hostile frames, slow and dead peers) or where a
// connection must not quietly reconnect (the churn test's listeners);
// writers use livedash/client.
type peer struct {
	conn  *websocket.Conn
	query string
	opts  peerOptions
	wmu   sync.Mutex
	done  chan struct{} // closed when the read loop ends

	mu       sync.Mutex
	changed  chan struct{}
	welcome  *welcomeData
	replies  map[string]frame
	repeated []string // request ids answered more than once
	events   []frame
	others   []frame // resync, unparsable and unknown frames
	presence []int   // presence counts, in order
	frames   int
	readErr  error
	endedAt  time.Time
}

// dialPeer connects to /ws and waits for the welcome.
func dialPeer(tb testing.TB, s *server, query string, opts peerOptions) *peer {
	tb.Helper()
	p, err := tryDialPeer(tb, s, query, opts)
	if err != nil {
		tb.Fatalf("dial %s: %v\n%s", query, err, s.logTail(20))
	}
	if err := p.waitFor("welcome", peerWait, func() bool { return p.welcome != nil }); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return p
}

// tryDialPeer connects without waiting for anything.
func tryDialPeer(tb testing.TB, s *server, query string, opts peerOptions) (*peer, error) {
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, _, err := d.Dial(s.wsURL(query), nil)
	if err != nil {
		return nil, err
	}
	p := &peer{conn: conn, query: query, opts: opts, done: make(chan struct{}),
		changed: make(chan struct{}), replies: map[string]frame{}}
	tb.Cleanup(func() { conn.Close() })
	if opts.noPong {
		conn.SetPingHandler(func(string) error { return nil })
	}
	go p.readLoop()
	return p, nil
}

func (p *peer) readLoop() {
	defer close(p.done)
	for {
		_, data, err := p.conn.ReadMessage()
		now := time.Now()
		if err != nil {
			p.mu.Lock()
			p.readErr, p.endedAt = err, now
			p.notify()
			p.mu.Unlock()
			return
		}
		if !p.opts.events && isEventType(frameType(data)) {
			p.mu.Lock()
			p.frames++
			p.mu.Unlock()
			continue
		}
		f := frame{Frame: apptest.Frame{Raw: data}, At: now}
		if err := json.Unmarshal(data, &f); err != nil {
			f.Type = "!unparsable"
		}
		p.mu.Lock()
		p.frames++
		p.record(f)
		p.notify()
		p.mu.Unlock()
	}
}

// record files one frame; callers hold p.mu.
func (p *peer) record(f frame) {
	switch {
	case f.isReply():
		if _, dup := p.replies[*f.ID]; dup {
			p.repeated = append(p.repeated, *f.ID)
			return
		}
		p.replies[*f.ID] = f
	case f.Type == "welcome" && p.welcome == nil:
		var w welcomeData
		if json.Unmarshal(f.Data, &w) == nil {
			p.welcome = &w
		}
	case f.Type == "presence":
		var pr struct {
			Count int `json:"count"`
		}
		if json.Unmarshal(f.Data, &pr) == nil {
			p.presence = append(p.presence, pr.Count)
		}
	case isEventType(f.Type) && f.Seq > 0:
		p.events = append(p.events, f)
	default:
		p.others = append(p.others, f)
	}
}

// notify wakes the waiters; callers hold p.mu.
func (p *peer) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// frameType reads the type from a frame's start without decoding it: the
// server writes "type" first in every frame.
func frameType(data []byte) string {
	rest, ok := bytes.CutPrefix(data, []byte(`{"type":"`))
	if !ok {
		return ""
	}
	if i := bytes.IndexByte(rest, '"'); i >= 0 {
		return string(rest[:i])
	}
	return ""
}

func isEventType(typ string) bool {
	switch typ {
	case "", "ack", "error", "welcome", "presence", "resync":
		return false
	}
	return true
}

// waitFor waits until check (called with p.mu held) reports true. It
// fails when the wait runs out or the connection ends first.
func (p *peer) waitFor(what string, timeout time.Duration, check func() bool) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		ok, changed, readErr, n := check(), p.changed, p.readErr, p.frames
		p.mu.Unlock()
		if ok {
			return nil
		}
		if readErr != nil {
			return fmt.Errorf("connection ended while waiting for %s (%d frames): %w", what, n, readErr)
		}
		select {
		case <-changed:
		case <-deadline.C:
			return fmt.Errorf("no %s within %s (%d frames)", what, timeout, n)
		}
	}
}

// send writes v as one JSON text frame.
func (p *peer) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return p.sendRaw(websocket.TextMessage, b)
}

func (p *peer) sendRaw(messageType int, b []byte) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if err := p.conn.SetWriteDeadline(time.Now().Add(peerWait)); err != nil {
		return err
	}
	return p.conn.WriteMessage(messageType, b)
}

// request is the wire form of a client request.
func request(typ, id string, data any) map[string]any {
	return map[string]any{"type": typ, "id": id, "data": data}
}

// mustSend is send that fails the test; only for the test's goroutine.
func (p *peer) mustSend(tb testing.TB, v any) {
	tb.Helper()
	if err := p.send(v); err != nil {
		tb.Fatalf("%s: send: %v", p.query, err)
	}
}

// waitReply waits for the reply to id.
func (p *peer) waitReply(tb testing.TB, id string) frame {
	tb.Helper()
	var got frame
	err := p.waitFor("reply to "+id, peerWait, func() bool {
		var ok bool
		got, ok = p.replies[id]
		return ok
	})
	if err != nil {
		tb.Fatalf("%s: %v", p.query, err)
	}
	return got
}

// call sends a request and waits for its reply.
func (p *peer) call(tb testing.TB, id, typ string, data any) frame {
	tb.Helper()
	p.mustSend(tb, request(typ, id, data))
	return p.waitReply(tb, id)
}

// waitSeq waits until an event with seq >= seq arrived; only for peers
// that keep events.
func (p *peer) waitSeq(tb testing.TB, seq int64) {
	tb.Helper()
	err := p.waitFor(fmt.Sprintf("event %d", seq), peerWait, func() bool {
		return len(p.events) > 0 && p.events[len(p.events)-1].Seq >= seq
	})
	if err != nil {
		tb.Fatalf("%s: %v", p.query, err)
	}
}

// snapshot copies what the peer recorded so far.
func (p *peer) snapshot() (replies map[string]frame, events []frame, repeated []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	replies = make(map[string]frame, len(p.replies))
	for k, v := range p.replies {
		replies[k] = v
	}
	return replies, append([]frame(nil), p.events...), append([]string(nil), p.repeated...)
}

// welcomed returns the welcome's data.
func (p *peer) welcomed(tb testing.TB) welcomeData {
	tb.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.welcome == nil {
		tb.Fatalf("%s: no welcome", p.query)
	}
	return *p.welcome
}

// ended returns when the read loop ended, zero if it has not.
func (p *peer) ended() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.endedAt
}

// waitEnd waits for the connection to end and returns the close code the
// server sent (0 when there was no close frame) and the read error.
func (p *peer) waitEnd(tb testing.TB, timeout time.Duration) (int, error) {
	tb.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		tb.Fatalf("%s: the connection did not end within %s", p.query, timeout)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var ce *websocket.CloseError
	if errors.As(p.readErr, &ce) {
		return ce.Code, p.readErr
	}
	return 0, p.readErr
}

// requireGapFree fails unless events are consecutive seqs from first to
// last, each exactly once.
func requireGapFree(tb testing.TB, who string, events []frame, first, last int64) {
	tb.Helper()
	next := first
	for _, ev := range events {
		if ev.Seq != next {
			tb.Fatalf("%s: event %s seq %d, want %d (gap or repeat)", who, ev.Type, ev.Seq, next)
		}
		next++
	}
	if next != last+1 {
		tb.Fatalf("%s: events end at seq %d, want %d", who, next-1, last)
	}
}
