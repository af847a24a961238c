// Package client is a Go client for livedash servers: typed requests over
// one WebSocket that is kept up across drops, and the server's ordered event
// stream, resumed without gaps or repeats.
//
// # Life of a Client
//
// A Client moves through four states (ConnState):
//
//	connecting ──welcome──▶ live ──drop──▶ reconnecting ──welcome──▶ live ...
//	     │                   │                  │
//	     └─ Dial fails       └──── Close ───────┴──────▶ closed
//
// In each of them:
//
//   - connecting: Dial opens the first connection and returns once the
//     server has welcomed it. If that fails, Dial returns the error and
//     nothing is left running: a wrong URL or a refused handshake should be
//     seen at once, not retried in the background.
//   - live: requests are written as they are made.
//   - reconnecting: the connection ended (the server stopped, the network
//     broke, a ping went unanswered, the stream skipped a seq). The client
//     waits a backoff (Options.MinDelay doubling up to Options.MaxDelay,
//     with jitter) and dials again, asking to resume from the last seq it
//     accepted. Requests made meanwhile wait for the next connection.
//   - closed: Close stops everything; requests still waiting fail with
//     ErrClosed, and no goroutine of the client outlives Close.
//
// # The stream
//
// Options.OnEvent receives, on one goroutine and in order: a
// protocol.TypeWelcome notice for every connection, protocol.TypeResync when
// the events so far do not lead to the server's state,
// protocol.TypePresence, TypeDisconnected, and the events of the server's
// log. Guarantees:
//
//   - Every event with a seq after the client's position is delivered
//     exactly once, in seq order, across any number of reconnects: a new
//     connection resumes with since and epoch, and the server replays what
//     was missed. Repeats are dropped; a gap ends the connection, and the
//     next one resumes from before the gap. A correct server sends neither,
//     so both are logged as errors.
//   - When the server cannot resume (another database, events pruned from
//     its log) it says so and the client delivers protocol.TypeResync:
//     load the snapshot (State) and apply only events with a seq above the
//     snapshot's. A Client started without Options.Epoch delivers one
//     protocol.TypeResync after its first welcome for the same reason: it
//     has no state yet.
//
// Frames are read while OnEvent runs, so a slow handler delays only the
// stream, never replies; the stream waits for it in memory.
//
// # Requests
//
// Each typed method (State, Items, CreateItem, IncrementScore, ...) sends
// one request and waits for its reply; a failure the server reports is a
// *models.Error with one of the contract's codes (models' and protocol's).
// Mutations return the seq of the event they caused; WaitSeq waits until
// OnEvent has processed it. Calls made one after the other by one
// goroutine reach the server in that order; concurrent calls go out
// pipelined on the one connection, in no set order. A request refused with
// protocol.CodeRateLimited, models.CodeUnavailable or models.CodeInternal
// was not applied: the client leaves the retry to the caller.
//
// A request unanswered when its connection drops is written again on the
// next connection, under its original request id and in its original
// order. The Client connects with a client id (random unless
// Options.ClientID gives one), and the server remembers the outcome of each
// (client id, request id), so a resent mutation is answered with its first
// outcome instead of being applied twice: every mutation applies exactly
// once however often the connection drops. Request ids carry a random
// prefix per Client, so that a program restarted with a stored client id
// never repeats an id the server remembers. With Options.Anonymous there is
// no such memory, and a mutation caught by a drop fails with
// ErrConnectionLost.
//
// When a request's context ends the method returns ctx.Err() at once. A
// request that was never written is then withdrawn and never applies. One
// that was written stays pending and keeps being resent until answered, so
// it may still apply, once; to learn its outcome, retry it under the same
// id with WithRequestID, or watch the stream.
package client
