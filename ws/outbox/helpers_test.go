package outbox

import (
	"fmt"
	"net"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/internal/sockettest"
)

// wait bounds every wait of these tests.
const wait = 10 * time.Second

func testConfig() Config {
	return Config{Writers: 4, WriteWait: wait, PingInterval: time.Hour, SendQueue: 1024}
}

// open readies an outbox over a fresh loopback WebSocket and passes its
// turn on, as the session does after its preamble; it returns the peer.
func open(tb testing.TB, p *Pool, wrap func(net.Conn) net.Conn) (*Outbox, *websocket.Conn) {
	tb.Helper()
	server, client := sockettest.Pair(tb, wrap)
	o := new(Outbox)
	p.Open(o, server)
	o.Release()
	return o, client
}

// socketKinds are the two ways a pool writer writes: straight to the
// socket (tryWrite), or through net.Conn with a tryWait deadline when the
// connection is not a socket.
var socketKinds = []struct {
	name string
	wrap func(net.Conn) net.Conn
}{
	{"socket", nil},
	{"not a socket", func(nc net.Conn) net.Conn { return struct{ net.Conn }{nc} }},
}

// smallBuffers shrinks the kernel's socket buffers so that a peer that
// does not read fills them after a few KB.
func smallBuffers(nc net.Conn) net.Conn {
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4 << 10)
	}
	return nc
}

// msg is one message the peer read, or the error that ended its reading.
type msg struct {
	data []byte
	err  error
}

// readAll reads every message the peer gets, in order, until its reading
// fails; the channel is closed then.
func readAll(c *websocket.Conn) <-chan msg {
	out := make(chan msg, 1024)
	go func() {
		defer close(out)
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				out <- msg{err: err}
				return
			}
			out <- msg{data: b}
		}
	}()
	return out
}

// next returns the next message the peer read, failing after wait.
func next(tb testing.TB, got <-chan msg) msg {
	tb.Helper()
	select {
	case m, ok := <-got:
		if !ok {
			tb.Fatal("the peer stopped reading")
		}
		return m
	case <-time.After(wait):
		tb.Fatal("no message within the wait")
	}
	return msg{}
}

// expect reads the next message and fails unless it is want.
func expect(tb testing.TB, got <-chan msg, want string) {
	tb.Helper()
	m := next(tb, got)
	if m.err != nil {
		tb.Fatalf("want %q, the peer read %v", want, m.err)
	}
	if string(m.data) != want {
		tb.Fatalf("peer read %q, want %q", m.data, want)
	}
}

// expectClose reads the next message and fails unless it is a close frame
// with code.
func expectClose(tb testing.TB, got <-chan msg, code int) {
	tb.Helper()
	m := next(tb, got)
	if !websocket.IsCloseError(m.err, code) {
		tb.Fatalf("peer read %q, %v; want close %d", m.data, m.err, code)
	}
}

func textFrame(s string) *Frame { return &Frame{Kind: "test", Data: []byte(s)} }

func numbered(sender, n int) *Frame { return textFrame(fmt.Sprintf("%d/%d", sender, n)) }

// waitFor waits until done reports true, looking every millisecond, or
// fails after wait: for states that no channel announces.
func waitFor(tb testing.TB, what string, done func() bool) {
	tb.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(wait)
	for !done() {
		select {
		case <-tick.C:
		case <-deadline:
			tb.Fatalf("%s: not within %v", what, wait)
		}
	}
}

// hooked is a socket that calls enter before each write and leave after
// it, through net.Conn and through its raw socket alike: SyscallConn lets
// rawConnOf find the socket, so that pool writes go the tryWrite way.
type hooked struct {
	net.Conn
	enter, leave func()
}

func (h *hooked) Write(b []byte) (int, error) {
	h.enter()
	defer h.leave()
	return h.Conn.Write(b)
}

func (h *hooked) SyscallConn() (syscall.RawConn, error) {
	raw, err := h.Conn.(syscall.Conn).SyscallConn()
	return hookedRaw{raw, h}, err
}

type hookedRaw struct {
	syscall.RawConn
	h *hooked
}

func (r hookedRaw) Write(f func(fd uintptr) bool) error {
	r.h.enter()
	defer r.h.leave()
	return r.RawConn.Write(f)
}

// watched counts how many goroutines write to a socket at once and keeps
// the largest count seen. Each write yields once inside the count, so that
// a second writer, if there could be one, gets its chance to overlap.
type watched struct {
	hooked
	writing atomic.Int32
	most    atomic.Int32
}

func newWatched(nc net.Conn) *watched {
	w := &watched{}
	w.hooked = hooked{Conn: nc, enter: w.enter, leave: func() { w.writing.Add(-1) }}
	return w
}

func (w *watched) enter() {
	n := w.writing.Add(1)
	for m := w.most.Load(); n > m && !w.most.CompareAndSwap(m, n); m = w.most.Load() {
	}
	runtime.Gosched()
}

// socketPair is both ends of a loopback WebSocket, no outbox yet.
func socketPair(tb testing.TB) (server, client *websocket.Conn) {
	tb.Helper()
	return sockettest.Pair(tb, nil)
}
