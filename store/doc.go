// Package store keeps livedash's records: it opens the database, runs the
// single writer that group-commits mutations with their events and
// remembered outcomes, hands committed events in seq order to a Feed (the
// hub), prunes the log, and answers queries. What is specific to SQLite
// lives in sqlite.go. It knows nothing of HTTP or WebSockets.
package store
