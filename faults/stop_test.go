package faults

import (
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// promptStop bounds SIGTERM to exit with nothing in flight. The target is
// under a second; the bound leaves room for a loaded machine while failing
// clearly both the old behaviour (waiting for a silent connection until
// --read-timeout, 30 s here, cut at the 15 s grace) and fasthttp's own rule
// (it closes a silent new connection only once it is 5 s old).
const promptStop = 3 * time.Second

// SIGTERM with nothing in flight ends the process at once, although a
// connection that never sent a byte (a browser's pre-connection), an idle
// keep-alive connection and a WebSocket are open: the WebSocket gets 1001,
// the others are closed, and the stop is clean (status 0).
func TestSIGTERMDoesNotWaitForIdleConnections(t *testing.T) {
	srv := startServer(t, filepath.Join(t.TempDir(), "stop.db"), "--read-timeout", "30s")
	p := dialPeer(t, srv, "client=stopper", peerOptions{})

	preconnect, err := net.DialTimeout("tcp", srv.addr, peerWait)
	if err != nil {
		t.Fatal(err)
	}
	defer preconnect.Close()
	// The server accepts connections in order: once a later connection is
	// answered, the silent one has been accepted too. The HTTP client keeps
	// this one open, idle, for the next request.
	srv.requireHealthy(t)

	start := time.Now()
	if err := srv.terminate(30 * time.Second); err != nil {
		t.Fatalf("the stop exited with %v\n%s", err, srv.logTail(20))
	}
	took := time.Since(start)
	t.Logf("SIGTERM to exit: %s", took)
	if took > promptStop {
		t.Fatalf("the process took %s to exit after SIGTERM with idle connections open, want under %s\n%s", took, promptStop, srv.logTail(20))
	}
	if code, err := p.waitEnd(t, peerWait); code != websocket.CloseGoingAway {
		t.Fatalf("the WebSocket ended with %v, want close 1001", err)
	}
	if err := preconnect.SetReadDeadline(time.Now().Add(peerWait)); err != nil {
		t.Fatal(err)
	}
	if n, err := preconnect.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("the pre-connection read %d bytes, %v; want it closed", n, err)
	}
}
