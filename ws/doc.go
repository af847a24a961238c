// Package ws speaks the WebSocket protocol: the message types and their
// decoding, the hub that fans committed events out to every connection,
// presence (its one owner, a Roster: in process on one instance, shared
// through the database's presence table on several), and the connections
// themselves: a reading goroutine each, a bounded send queue, a small pool
// of writers that drains the connections with something due (one owner at
// a time per connection), pings from one timer wheel, and resume from the
// event log.
package ws
