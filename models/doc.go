// Package models is livedash's domain: the records (GORM models of items,
// scores, the event log, remembered outcomes and the meta row), the mutation
// requests with their validation rules, events, the one error type with its
// codes, and the limits. It knows nothing of HTTP, WebSockets or how the
// records are stored; package store applies mutations, and the transports
// (handlers, ws through protocol.Decode) decode them from JSON with
// DecodeJSON.
package models
