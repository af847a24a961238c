// Package store keeps livedash's records: it opens the database, runs the
// single writer that group-commits mutations with their events and
// remembered outcomes, hands committed events in seq order to a Feed (the
// hub) from the log, prunes it, answers queries, history included, and
// keeps the presence table through which instances share presence. The
// differences between SQLite (one process owns a file) and PostgreSQL
// (several instances share one database) live behind the dialect
// (dialect.go, sqlite.go, postgres.go), and in the PostgreSQL writer's own
// way through a batch, which begins with its lock, reads and locks its rows
// up front and writes the batch in one statement at its end, which also
// notifies and commits (pg_tx.go, pg_prefetch.go, pending_items.go,
// pg_tail.go); every other statement is written to run unchanged on both.
// The writer hands each mutation one txn (txn.go): the transaction, the
// dialect, the batch's time and what it holds in memory (its merged
// increments; on PostgreSQL also its items).
// The store knows nothing of HTTP or WebSockets.
package store
