package app

import (
	"net"
	"time"

	"github.com/valyala/fasthttp"
)

// firstByteDeadline is the server's ConnState hook: it gives a new
// connection d to send the first byte of its first request. fasthttp sets
// no deadline on that byte when ReduceMemoryUsage is on, so a silent
// connection would stay open for ever. At the deadline it is closed
// without an answer: there is no request to answer (browsers open such
// connections ahead of time).
func firstByteDeadline(d time.Duration) func(net.Conn, fasthttp.ConnState) {
	return func(c net.Conn, state fasthttp.ConnState) {
		if state != fasthttp.StateNew {
			return
		}
		if err := c.SetReadDeadline(time.Now().Add(d)); err != nil {
			_ = c.Close()
		}
	}
}
