// Package store keeps livedash's records: it opens the database, runs the
// single writer that group-commits mutations with their events and
// remembered outcomes, hands committed events in seq order to a Feed (the
// hub) from the log, prunes it, answers queries, history included, and
// keeps the presence table through which instances share presence. The
// differences between SQLite (one process owns a file) and PostgreSQL
// (several instances share one database) live behind the dialect
// (dialect.go, sqlite.go, postgres.go). It knows nothing of HTTP or
// WebSockets.
package store
