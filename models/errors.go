package models

import (
	"errors"
	"fmt"
)

// Code is the machine-readable kind of a failure. The same codes travel in
// WebSocket error frames and REST error bodies. Package protocol adds the
// codes the transports produce (too_large, rate_limited, ...) and holds the
// one table of every code's HTTP status.
type Code string

// The codes the domain produces.
const (
	CodeBadRequest  Code = "bad_request"
	CodeInvalid     Code = "invalid"
	CodeNotFound    Code = "not_found"
	CodeConflict    Code = "conflict"
	CodeUnavailable Code = "unavailable"
	CodeInternal    Code = "internal"
)

// Error is the single error type callers see. Its JSON form is the contract's
// error object: {"code", "message", "field"?}.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf builds an *Error; field may be empty.
func Errorf(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// errInternalMessage is what a client sees for failures it cannot act on; the
// cause is logged, never sent, so it reveals no internals.
const errInternalMessage = "internal error; the request was not applied"

// AsError returns err as an *Error, turning anything unexpected into an
// internal error whose message reveals nothing.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternal, Message: errInternalMessage}
}
