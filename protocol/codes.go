package protocol

import "livedash/models"

// The codes the transports add to the domain's (models.CodeInvalid, ...).
const (
	CodeUnknownType      models.Code = "unknown_type"       // a request type not in the table
	CodeTooLarge         models.Code = "too_large"          // a frame or REST body over the size limit
	CodeRateLimited      models.Code = "rate_limited"       // a connection sending faster than its limit
	CodeUnauthorized     models.Code = "unauthorized"       // a credential missing, wrong, expired or revoked
	CodeForbidden        models.Code = "forbidden"          // a role that may not, or a refused Origin or Host
	CodeMethodNotAllowed models.Code = "method_not_allowed" // a path that does not take the method
	CodeRequestTimeout   models.Code = "request_timeout"    // a request not read within the read timeout
	CodeHeadersTooLarge  models.Code = "headers_too_large"  // a request line and headers over the limit
)

// WebSocket close codes the server sends (RFC 6455 §7.4.1).
const (
	CloseNormal         = 1000 // the answer to the peer's close
	CloseGoingAway      = 1001 // the server is stopping
	CloseInvalidPayload = 1007 // a text frame that is not UTF-8
	ClosePolicy         = 1008 // the credential was revoked or expired
	CloseTooLarge       = 1009 // a frame over the read limit
	CloseTryAgain       = 1013 // the send queue is full; resume with since
)

// Spec is what the contract says about one code: the HTTP status REST
// answers it with, and the close code that follows its error frame on a
// WebSocket (0: the connection stays open). The statuses are numbers, not
// net/http's names, so that the store, which imports this package, stays
// free of HTTP.
type Spec struct {
	Code   models.Code
	Status int
	Close  int
}

// Codes is the one table of the contract's error codes, in the order of
// docs/PROTOCOL.md's. A function, not a package variable, so that no caller
// can change it.
func Codes() []Spec {
	return []Spec{
		{models.CodeBadRequest, 400, 0},    // Bad Request
		{CodeUnknownType, 400, 0},          // Bad Request
		{models.CodeInvalid, 400, 0},       // Bad Request
		{models.CodeNotFound, 404, 0},      // Not Found
		{models.CodeConflict, 409, 0},      // Conflict
		{CodeTooLarge, 413, CloseTooLarge}, // Content Too Large
		{CodeRateLimited, 429, 0},          // Too Many Requests
		{CodeUnauthorized, 401, 0},         // Unauthorized
		{CodeForbidden, 403, 0},            // Forbidden
		{CodeMethodNotAllowed, 405, 0},     // Method Not Allowed
		{CodeRequestTimeout, 408, 0},       // Request Timeout
		{CodeHeadersTooLarge, 431, 0},      // Request Header Fields Too Large
		{models.CodeUnavailable, 503, 0},   // Service Unavailable
		{models.CodeInternal, 500, 0},      // Internal Server Error
	}
}

// SpecOf is the table's row for c; a code not in the table is treated as
// internal, as AsError treats an unexpected error.
func SpecOf(c models.Code) Spec {
	for _, s := range Codes() {
		if s.Code == c {
			return s
		}
	}
	return Spec{Code: c, Status: 500}
}

// HTTPStatus is the status REST answers an error of code c with.
func HTTPStatus(c models.Code) int { return SpecOf(c).Status }

// CloseAfter is the WebSocket close code that follows an error frame of
// code c, or 0 when the connection stays open.
func CloseAfter(c models.Code) int { return SpecOf(c).Close }
