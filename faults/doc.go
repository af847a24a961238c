// Package faults holds livedash's fault-injection tests. They run the real
// server binary as a process on real SQLite files and real sockets, then
// break things around it: SIGKILL in the middle of a write storm, SIGTERM
// with requests in flight, connection churn, slow and dead peers, hostile
// input and a full disk. Each test checks the guarantees of the wire
// contract (docs/PROTOCOL.md) from the outside: acked means durable, the
// event log is gap-free, retries are exactly-once, and no peer can hurt
// another.
//
// The package has only tests. Longer runs of the same tests are behind
// LIVEDASH_SOAK=1:
//
//	LIVEDASH_SOAK=1 go test -race -count=1 -timeout 30m ./faults/
package faults
