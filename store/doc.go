// Package store keeps livedash's records: it opens the database, runs the
// single writer that group-commits mutations with their events and
// remembered outcomes, hands committed events in seq order to a Feed (the
// hub) from the log, prunes it, answers queries, history included, and
// keeps the presence table through which instances share presence. The
// differences between SQLite (one process owns a file) and PostgreSQL
// (several instances share one database) live behind the dialect
// (dialect.go, sqlite.go, postgres.go); every other statement is written to
// run unchanged on both. The writer hands each mutation one txn (txn.go):
// the transaction, the dialect, the batch's time and its merged increments.
// The store knows nothing of HTTP or WebSockets.
package store
