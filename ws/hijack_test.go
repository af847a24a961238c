package ws

import (
	"net"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// TestReadsSocket pins what readsSocket relies on in fasthttp: a hijacked
// connection reads the socket itself after a request that left nothing
// buffered in ReduceMemoryUsage mode, and reads through fasthttp's pooled
// request reader otherwise (which fasthttp takes back when the hijack
// handler returns). A fasthttp upgrade that changes this fails here: serve
// would keep every connection on its handler's goroutine.
func TestReadsSocket(t *testing.T) {
	const request = "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, tc := range []struct {
		name        string
		reduce      bool
		sent        string
		readsSocket bool
	}{
		{"request alone", true, request, true},
		{"bytes after the request", true, request + "early", false},
		{"reader kept between requests", false, request, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hijackedReadsSocket(t, tc.reduce, tc.sent); got != tc.readsSocket {
				t.Fatalf("readsSocket = %v, want %v", got, tc.readsSocket)
			}
		})
	}
}

// hijackedReadsSocket sends sent in one write to a fasthttp server that
// hijacks every request, and reports what readsSocket says of the hijacked
// connection.
func hijackedReadsSocket(t *testing.T, reduceMemory bool, sent string) bool {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan bool, 1)
	srv := &fasthttp.Server{
		ReduceMemoryUsage: reduceMemory,
		KeepHijackedConns: true,
		Handler: func(ctx *fasthttp.RequestCtx) {
			ctx.Hijack(func(nc net.Conn) {
				got <- readsSocket(nc)
				_ = nc.Close()
			})
		},
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(sent)); err != nil {
		t.Fatal(err)
	}
	select {
	case v := <-got:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("the request was not hijacked")
		return false
	}
}
