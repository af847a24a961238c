// Package models owns the database: the GORM models, the contract's
// validation rules, the event log, idempotent outcomes, and the Store whose
// single writer goroutine commits mutations in batches and hands committed
// events, in seq order, to whoever publishes them. It knows nothing of HTTP
// or WebSockets.
package models
