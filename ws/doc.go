// Package ws speaks the WebSocket protocol: the message types and their
// decoding, the hub that fans committed events out to every connection, and
// the connections themselves (one reader, one writer goroutine each, a
// bounded send queue, resume from the event log).
package ws
