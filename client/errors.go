package client

import (
	"errors"

	"livedash/models"
)

// A failure the server reports, in an error reply or a REST error body, is
// a *models.Error with one of the contract's codes: models' (CodeInvalid,
// CodeNotFound, ...) or protocol's (CodeTooLarge, CodeRateLimited, ...).
// Nothing was changed by the request that got it.

// CodeOf returns the code of the *models.Error in err's chain, or "" when
// err is not a server's answer (a closed client, an ended context, a
// network error).
func CodeOf(err error) models.Code {
	var e *models.Error
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
