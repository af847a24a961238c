package faults

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fasthttp/websocket"
)

// What an idle WebSocket costs the server, in live heap after a collection
// and in goroutine stacks (the figures in docs/OPERATIONS.md, "Memory per
// connection"). The server must not keep its 16 KiB HTTP read buffer for
// the life of a WebSocket, and an idle connection's reader must stay on its
// first 2 KiB stack (ws.Server.reader).
func TestIdleWebSocketMemory(t *testing.T) {
	const conns = 500
	cases := []struct {
		name      string
		cookie    int     // bytes of Cookie header on each handshake
		maxPerKiB float64 // bound on live heap per connection
	}{
		// 2.4-2.7 KiB measured; 5.3-5.5 while the WebSocket handler kept
		// fasthttp's RequestCtx and contrib's wrapper, 13.9 with fasthttp's
		// 4 KiB reader kept too, 25.9 with a 16 KiB one.
		{"no cookies", 0, 12},
		// 2.5-2.7 KiB measured; 22.2 when fasthttp kept the handshake's
		// headers for the connection's life (twice), 46.6 when the WebSocket
		// library also kept its copies of the cookies.
		{"6 KB of cookies", 6000, 28},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pprof := freeAddr(t)
			srv := startServer(t, filepath.Join(t.TempDir(), "mem.db"), "--pprof-addr", pprof)
			h := http.Header{}
			if tc.cookie > 0 {
				h.Set("Cookie", "session="+strings.Repeat("c", tc.cookie))
			}
			dial := func() *websocket.Conn {
				c, _, err := websocket.DefaultDialer.Dial(srv.wsURL(""), h)
				if err != nil {
					t.Fatalf("dial: %v\n%s", err, srv.logTail(20))
				}
				t.Cleanup(func() { c.Close() })
				go func() { // read, so that queued frames and pings flow
					for {
						if _, _, err := c.NextReader(); err != nil {
							return
						}
					}
				}()
				return c
			}
			for range 20 { // warm the server's pools up
				dial().Close()
			}
			waitMetric(t, srv, "livedash_connections", peerWait, func(v float64) bool { return v == 0 })
			before := liveHeap(t, srv, pprof)
			stacksBefore := srv.metric(t, "go_memstats_stack_inuse_bytes")
			for range conns {
				dial()
			}
			waitMetric(t, srv, "livedash_connections", peerWait, func(v float64) bool { return v == conns })
			after := liveHeap(t, srv, pprof)
			per := (after - before) / conns / 1024
			stacks := (srv.metric(t, "go_memstats_stack_inuse_bytes") - stacksBefore) / conns / 1024
			t.Logf("%d idle WebSockets, %d bytes of cookies each: %.1f KiB of live heap and %.1f KiB of stacks per connection", conns, tc.cookie, per, stacks)
			// One goroutine per connection: 2 KiB, or 4 if its reader's
			// parked chain of calls outgrew 2 KiB.
			if stacks > 3 {
				t.Fatalf("%.1f KiB of goroutine stacks per idle WebSocket, want its reader's 2", stacks)
			}
			if per > tc.maxPerKiB {
				t.Fatalf("%.1f KiB of live heap per idle WebSocket, want at most %.0f", per, tc.maxPerKiB)
			}
		})
	}
}

// liveHeap collects the server's garbage (through pprof) and returns the
// heap allocated afterwards, in bytes.
func liveHeap(tb testing.TB, srv *server, pprof string) float64 {
	tb.Helper()
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/heap?gc=1", pprof))
	if err != nil {
		tb.Fatalf("force a collection: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return srv.metric(tb, "go_memstats_heap_alloc_bytes")
}
