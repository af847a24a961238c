// Package ws speaks the WebSocket protocol, whose types, frames and
// decoding are package protocol's: the sessions, the hub that fans
// committed events out to every connection, and the connections
// themselves: a reading goroutine each, a bounded send queue, a small pool
// of writers that drains the connections with something due (one owner at
// a time per connection), pings from one timer wheel, and resume from the
// event log.
package ws
