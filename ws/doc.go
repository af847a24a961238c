// Package ws speaks the WebSocket protocol, whose types, frames and decoding
// are package protocol's: the hub that fans committed events out to every
// connection, presence (its one owner, a Roster: in process on one
// instance, shared through the database's presence table on several), and
// the sessions: a reading goroutine per connection that reads requests,
// answers them and resumes from the event log. Writing (the send queue, the
// writer pool, pings and the close) is package outbox's; hijack.go holds
// what fasthttp's hand-over of the socket needs.
package ws
