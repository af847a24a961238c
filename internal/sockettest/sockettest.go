// Package sockettest makes real WebSockets for the tests and benchmarks of
// the write engine (ws/outbox) and the hub (ws) without an HTTP server:
// the library upgrades the server's side of a connection exactly as it
// does behind the server, so what is written to it is what a browser
// would read.
package sockettest

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// handshakeWait bounds the handshake of Pair.
const handshakeWait = 10 * time.Second

// Pair returns both ends of a WebSocket over a loopback TCP connection,
// closed when the test ends. wrap, when not nil, wraps the server's side of
// the TCP connection before the upgrade (to watch or slow its writes).
func Pair(tb testing.TB, wrap func(net.Conn) net.Conn) (server, client *websocket.Conn) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	type dialed struct {
		c   *websocket.Conn
		err error
	}
	got := make(chan dialed, 1)
	go func() {
		nc, err := net.DialTimeout("tcp", ln.Addr().String(), handshakeWait)
		if err != nil {
			got <- dialed{err: err}
			return
		}
		_ = nc.SetDeadline(time.Now().Add(handshakeWait))
		u := &url.URL{Scheme: "ws", Host: ln.Addr().String(), Path: "/ws"}
		d := websocket.Dialer{
			NetDial:         func(string, string) (net.Conn, error) { return nc, nil },
			ReadBufferSize:  1024,
			WriteBufferSize: 1024,
		}
		c, _, err := d.Dial(u.String(), nil)
		if err != nil {
			nc.Close()
			got <- dialed{err: err}
			return
		}
		_ = nc.SetDeadline(time.Time{})
		got <- dialed{c: c}
	}()
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(handshakeWait))
	sc, err := ln.Accept()
	if err != nil {
		tb.Fatalf("accept: %v", err)
	}
	if wrap != nil {
		sc = wrap(sc)
	}
	br := bufio.NewReader(sc)
	_ = sc.SetReadDeadline(time.Now().Add(handshakeWait))
	req, err := http.ReadRequest(br)
	if err != nil {
		sc.Close()
		tb.Fatalf("read the upgrade request: %v", err)
	}
	_ = sc.SetReadDeadline(time.Time{})
	server = upgrade(tb, sc, br, req)
	d := <-got // the dial has its own deadline
	if d.err != nil {
		tb.Fatalf("client handshake: %v", d.err)
	}
	tb.Cleanup(func() { d.c.Close() })
	return server, d.c
}

// Discard returns the server's side of a WebSocket whose peer takes every
// write at once and never sends anything: for benchmarks that must not
// measure a peer.
func Discard(tb testing.TB) *websocket.Conn {
	tb.Helper()
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/ws"}, Host: "127.0.0.1", Header: http.Header{
		"Connection":            {"Upgrade"},
		"Upgrade":               {"websocket"},
		"Sec-Websocket-Version": {"13"},
		"Sec-Websocket-Key":     {base64.StdEncoding.EncodeToString(key)},
	}}
	nc := &discardConn{closed: make(chan struct{})}
	return upgrade(tb, nc, bufio.NewReader(nc), req)
}

// upgrade answers req on nc as the server does and returns the server's
// side; it is closed when the test ends.
func upgrade(tb testing.TB, nc net.Conn, br *bufio.Reader, req *http.Request) *websocket.Conn {
	tb.Helper()
	up := websocket.Upgrader{ReadBufferSize: 256, WriteBufferSize: 1024}
	w := &hijacker{nc: nc, rw: bufio.NewReadWriter(br, bufio.NewWriter(nc)), header: http.Header{}}
	c, err := up.Upgrade(w, req, nil)
	if err != nil {
		nc.Close()
		tb.Fatalf("upgrade: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// hijacker is the http.ResponseWriter that the library's upgrade needs: it
// hands over the connection.
type hijacker struct {
	nc     net.Conn
	rw     *bufio.ReadWriter
	header http.Header
	status int
}

func (h *hijacker) Header() http.Header         { return h.header }
func (h *hijacker) Write(b []byte) (int, error) { return h.nc.Write(b) }
func (h *hijacker) WriteHeader(status int)      { h.status = status }
func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return h.nc, h.rw, nil
}

// discardConn takes every write at once; reads wait until it is closed.
type discardConn struct {
	once   sync.Once
	closed chan struct{}
}

func (c *discardConn) Read([]byte) (int, error) {
	<-c.closed
	return 0, net.ErrClosed
}

func (c *discardConn) Write(b []byte) (int, error) {
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	default:
		return len(b), nil
	}
}

func (c *discardConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

func (c *discardConn) LocalAddr() net.Addr              { return discardAddr{} }
func (c *discardConn) RemoteAddr() net.Addr             { return discardAddr{} }
func (c *discardConn) SetDeadline(time.Time) error      { return nil }
func (c *discardConn) SetReadDeadline(time.Time) error  { return nil }
func (c *discardConn) SetWriteDeadline(time.Time) error { return nil }

type discardAddr struct{}

func (discardAddr) Network() string { return "discard" }
func (discardAddr) String() string  { return "discard" }
