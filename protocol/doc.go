// Package protocol is the wire contract (docs/PROTOCOL.md), declared once:
// the error codes the transports add to the domain's, with every code's
// HTTP status and WebSocket close; the name of every request, reply,
// notice and event; the frames that the server, the Go client and the
// tests share; and Decode with the argument rules of the requests.
//
// It imports only models and the standard library, so that every side of
// the wire (ws, handlers, client, store, tests) can import it; the
// boundary test keeps it so. The domain's codes (invalid, not_found, ...)
// and its query names stay in models, which cannot import this package and
// produces them; the mutations' shapes and rules are models' too.
package protocol
