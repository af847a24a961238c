package handlers

import (
	"bytes"

	"github.com/valyala/fasthttp"
)

// DeclineContinue is a fasthttp Server.HeaderReceived hook for the REST
// body limit (LimitBody's limit). A client that sends `Expect:
// 100-continue` waits for "100 Continue" before it sends its body, so that
// a server can refuse the body unread. fasthttp sends 100 Continue for
// every such request, and its ContinueHandler can only refuse with a 417
// and an empty body, not the contract's 413 too_large. So for an /api
// request whose Content-Length is over limit, the hook drops the Expect
// header and caps the body at limit: fasthttp then refuses the body by its
// length alone, before reading any of it and without a 100 Continue, and
// ServerErrorHandler answers 413 too_large (and closes the connection,
// which is now safe: the client has not sent the body). Every other
// request keeps the server's settings (the zero RequestConfig).
func DeclineContinue(limit int64) func(*fasthttp.RequestHeader) fasthttp.RequestConfig {
	return func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
		n := h.ContentLength()
		if int64(n) <= limit || !bytes.EqualFold(h.Peek(fasthttp.HeaderExpect), []byte("100-continue")) || !underAPI(h.RequestURI()) {
			return fasthttp.RequestConfig{}
		}
		h.Del(fasthttp.HeaderExpect)
		return fasthttp.RequestConfig{MaxRequestBodySize: int(limit)}
	}
}

// underAPI reports whether uri is /api or a path below it: where LimitBody
// applies. Paths are case-sensitive, as the router's.
func underAPI(uri []byte) bool {
	rest, ok := bytes.CutPrefix(uri, []byte("/api"))
	return ok && (len(rest) == 0 || rest[0] == '/' || rest[0] == '?')
}
