package client

import (
	"errors"
	"fmt"
)

// Code is the machine-readable kind of a failure, as the server sends it in
// error replies and REST error bodies.
type Code string

// The codes of the wire contract.
const (
	CodeBadRequest  Code = "bad_request"
	CodeUnknownType Code = "unknown_type"
	CodeInvalid     Code = "invalid"
	CodeNotFound    Code = "not_found"
	CodeConflict    Code = "conflict"
	CodeTooLarge    Code = "too_large"
	CodeRateLimited Code = "rate_limited"
	CodeUnavailable Code = "unavailable"
	CodeInternal    Code = "internal"

	// REST only: a reset without the admin token, a refused Origin.
	CodeUnauthorized Code = "unauthorized"
	CodeForbidden    Code = "forbidden"
)

// Error is a failure the server reported. Nothing was changed by the
// request that got it.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"` // the one field at fault, if any
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("livedash: %s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("livedash: %s: %s", e.Code, e.Message)
}

// CodeOf returns the code of the *Error in err's chain, or "" when err is
// not a server's answer (a closed client, an ended context, a network error).
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

var (
	// ErrClosed is returned by requests made after Close, and by requests
	// still waiting when Close was called.
	ErrClosed = errors.New("livedash: client closed")

	// ErrConnectionLost is returned only with Options.Anonymous: a mutation
	// was written to a connection that dropped before its reply, and
	// without a client id the server could not tell a resend from a new
	// request, so the client does not resend it. It may or may not have
	// been applied; the event stream tells.
	ErrConnectionLost = errors.New("livedash: connection lost before the reply; the mutation may have been applied")
)
