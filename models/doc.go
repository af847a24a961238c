// Package models is livedash's domain: the records (GORM models of items,
// scores, the event log, remembered outcomes and the meta row), the mutation
// requests with their validation rules, events, the one error type with its
// codes, and the limits. The records carry their GORM schema in struct
// tags, as models do in a Fiber + GORM project, but models imports no
// database package and runs no statement: package store does, and applies
// the mutations. It knows nothing of HTTP or WebSockets; the transports
// (handlers, and ws through protocol.Decode) decode mutations from JSON
// with DecodeJSON.
package models
