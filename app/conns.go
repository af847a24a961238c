package app

import (
	"net"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// silentConns keeps the connections that have not sent a byte yet, so the
// stop can close them at once. Browsers open such connections ahead of
// time. fasthttp's stop closes idle keep-alive connections at once but a
// new one only when it is 5 s old (it may be about to send its request),
// and in its default mode not before its read times out.
//
// It relies on the server's ReduceMemoryUsage: in that mode a connection
// stays in StateNew until its first byte has arrived. Neither mode puts a
// deadline on that first byte, so track sets one.
type silentConns struct {
	firstByte time.Duration // how long a new connection may stay silent

	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	stopping bool
}

func newSilentConns(firstByte time.Duration) *silentConns {
	return &silentConns{firstByte: firstByte, conns: map[net.Conn]struct{}{}}
}

// track is the server's ConnState hook.
func (s *silentConns) track(c net.Conn, state fasthttp.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if state != fasthttp.StateNew {
		delete(s.conns, c)
		return
	}
	if s.stopping {
		_ = c.Close()
		return
	}
	// A silent connection is closed at the deadline without an answer:
	// there is no request to answer.
	if err := c.SetReadDeadline(time.Now().Add(s.firstByte)); err != nil {
		_ = c.Close()
		return
	}
	s.conns[c] = struct{}{}
}

// closeAll closes the silent connections, and any accepted from now on.
// A request whose first byte arrives in that same instant is cut without
// an answer, as with any server that closes idle connections.
func (s *silentConns) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopping = true
	for c := range s.conns {
		_ = c.Close()
		delete(s.conns, c)
	}
}
