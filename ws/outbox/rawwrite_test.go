package outbox

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(tb testing.TB) (server, client net.Conn) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		tb.Fatal("accept failed")
	}
	tb.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// TestTryWriteNeverWaits fills the socket of a peer that does not read: a
// pool write must come back with errWouldBlock and the count of what the
// socket took, never wait, and every byte it counted must reach the peer.
func TestTryWriteNeverWaits(t *testing.T) {
	server, client := tcpPair(t)
	o := &Outbox{pool: NewPool(testConfig()), raw: rawConnOf(server)}
	if o.raw == nil {
		t.Fatal("no raw socket for a *net.TCPConn")
	}
	chunk := make([]byte, 64<<10)
	sent := 0
	for {
		n, err := o.tryWrite(chunk)
		sent += n
		if errors.Is(err, errWouldBlock) {
			if n == len(chunk) {
				t.Fatalf("errWouldBlock after the whole chunk was written")
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if sent > 1<<30 {
			t.Fatal("the socket took 1 GiB without blocking")
		}
	}
	server.Close()
	got, err := io.Copy(io.Discard, client)
	if err != nil {
		t.Fatal(err)
	}
	if got != int64(sent) {
		t.Fatalf("peer read %d bytes, tryWrite reported %d", got, sent)
	}
}

// TestTryWriteAfterPastDeadline: a deadline left on the socket by another
// write, now past, sends the bytes to writeBehind instead of failing the
// connection.
func TestTryWriteAfterPastDeadline(t *testing.T) {
	server, _ := tcpPair(t)
	o := &Outbox{pool: NewPool(testConfig()), raw: rawConnOf(server)}
	if err := server.SetWriteDeadline(time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, err := o.tryWrite([]byte("x")); n != 0 || !errors.Is(err, errWouldBlock) {
		t.Fatalf("tryWrite = %d, %v; want 0, errWouldBlock", n, err)
	}
}

// TestTryWriteToClosedPeerFails: once the peer has gone (its close, then
// the reset our next write draws), a pool write reports the socket's error,
// not errWouldBlock and not a count it did not write, so the connection is
// closed instead of handed to writeBehind.
func TestTryWriteToClosedPeerFails(t *testing.T) {
	server, client := tcpPair(t)
	o := &Outbox{pool: NewPool(testConfig()), raw: rawConnOf(server)}
	client.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := o.tryWrite([]byte("x"))
		if err != nil {
			if errors.Is(err, errWouldBlock) || n != 0 {
				t.Fatalf("tryWrite to a closed peer = %d, %v; want 0 and the socket's error", n, err)
			}
			t.Logf("the socket's error: %v", err)
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("writes to a closed peer kept succeeding for 5 s")
		}
	}
}
