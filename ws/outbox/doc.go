// Package outbox writes a WebSocket server's frames: each connection's
// bounded send queue (Outbox), a small pool of writers shared by all
// connections (Pool), the pings of one timer wheel, coalesced socket writes
// that never wait on a slow peer, and the close. It knows frames as bytes
// and nothing of what they say: the session (package ws) decides what to
// send and when to close.
//
// # One writer at a time
//
// A connection has no writer goroutine of its own. Exactly one goroutine at
// a time owns an Outbox's writing turn, and only the owner writes to its
// socket. The turn is a flag (owned) under the Outbox's lock; whoever sets
// it hands the Outbox to exactly one goroutine, and only the owner clears
// it. The owners, in the order they can hold the turn:
//
//  1. The opener. Pool.Open gives the turn to its caller (the session's
//     preamble: welcome and replay), which writes with Write and
//     WriteFrames and passes the turn on with Release, writing what
//     became due meanwhile.
//  2. A pool writer. Whoever makes something due (Enqueue, Send, QueuePong,
//     the ping wheel, Finish) while nobody owns the turn takes it and hands
//     the Outbox to the pool (Enqueue's report, then HandOff). The writer
//     writes what the socket takes at once and gives the turn up when
//     nothing is due. Something made due while the turn is owned only sets
//     the due flag: the owner looks again before it lets go.
//  3. writeBehind. A pool writer whose write would block gives the turn,
//     with the bytes still to write, to a new goroutine of the Outbox's
//     own, which writes with WriteWait deadlines until nothing is due: a
//     slow peer never holds a pool writer.
//  4. The closer. The owner that finds the Outbox Closing (see State)
//     writes what a graceful close drains and the close frame, bounds the
//     reader, and keeps the turn for good: nothing is written after the
//     close frame.
//
// Because one goroutine writes at a time, frames leave in the order they
// were queued and never interleave on the socket, and pool writes need no
// lock of their own.
package outbox
