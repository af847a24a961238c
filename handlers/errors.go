package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"livedash/internal/redact"
	"livedash/metrics"
	"livedash/models"
	"livedash/protocol"
)

// MaxHeaderBytes bounds the request line and headers of one request (the
// HTTP server's read buffer): room for 8 KiB of cookies and the rest.
const MaxHeaderBytes = 16 << 10

// statusErrors are the errors for the statuses the framework chooses, with
// fixed messages: the framework's own texts may quote the request.
var statusErrors = map[int]struct {
	code    models.Code
	message string
}{
	http.StatusNotFound:                    {models.CodeNotFound, "no such path"},
	http.StatusMethodNotAllowed:            {protocol.CodeMethodNotAllowed, "this path does not take that method"},
	http.StatusRequestTimeout:              {protocol.CodeRequestTimeout, "the request did not arrive within the read timeout"},
	http.StatusRequestEntityTooLarge:       {protocol.CodeTooLarge, "the body is too large"},
	http.StatusRequestHeaderFieldsTooLarge: {protocol.CodeHeadersTooLarge, fmt.Sprintf("the request line and headers may have at most %d bytes", MaxHeaderBytes)},
	http.StatusTooManyRequests:             {protocol.CodeRateLimited, "too many requests; slow down"},
	http.StatusUnauthorized:                {protocol.CodeUnauthorized, "not authorized"},
	http.StatusForbidden:                   {protocol.CodeForbidden, "forbidden"},
	http.StatusServiceUnavailable:          {models.CodeUnavailable, "unavailable; retry later"},
	http.StatusUpgradeRequired:             {models.CodeBadRequest, "not a valid WebSocket upgrade request"}, // the WebSocket library refused the handshake
}

// fromStatus is the error for a status the framework chose (statusErrors).
// Any other client error is bad_request; a server error is nil (internal).
func fromStatus(status int) *models.Error {
	if se, ok := statusErrors[status]; ok {
		return models.Errorf(se.code, "", "%s", se.message)
	}
	if status >= 400 && status < 500 {
		return models.Errorf(models.CodeBadRequest, "", "malformed HTTP request")
	}
	return nil
}

// ErrorHandler writes every error a route returns as the contract's JSON
// body, with the status its code maps to. Whatever ends as internal is
// logged with its cause; the client's message reveals nothing.
func ErrorHandler(log *slog.Logger, m *metrics.Metrics) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var e *models.Error
		var fe *fiber.Error
		switch {
		case errors.As(err, &e):
		case errors.As(err, &fe):
			e = fromStatus(fe.Code)
		}
		if e == nil || e.Code == models.CodeInternal {
			log.Error("request failed", "method", c.Method(), "url", redact.String(c.OriginalURL()), "err", err)
			e = models.AsError(err)
		}
		writeError(c.Context(), e, m)
		return nil
	}
}

// ServerErrorHandler answers what the HTTP server refuses before any
// route runs: headers over MaxHeaderBytes, a request not read within the
// read timeout, a malformed request. Its messages are fixed: the server's
// own error texts quote the request's bytes. (A connection that sends
// nothing at all is closed without an answer and never gets here.)
func ServerErrorHandler(log *slog.Logger, m *metrics.Metrics) func(*fasthttp.RequestCtx, error) {
	return func(ctx *fasthttp.RequestCtx, err error) {
		var small *fasthttp.ErrSmallBuffer
		var ne net.Error
		var e *models.Error
		switch {
		case errors.As(err, &small):
			e = fromStatus(http.StatusRequestHeaderFieldsTooLarge)
		case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, fasthttp.ErrTimeout):
			e = fromStatus(http.StatusRequestTimeout)
		case errors.Is(err, fasthttp.ErrBodyTooLarge):
			e = fromStatus(http.StatusRequestEntityTooLarge)
		default:
			// Malformed or cut short (the peer hung up mid-request): the
			// client's side either way.
			e = fromStatus(http.StatusBadRequest)
		}
		// With the server's SecureErrorLogMessage, err quotes no request bytes.
		log.Debug("request refused", "remote", ctx.RemoteAddr().String(), "code", e.Code, "err", err)
		writeError(ctx, e, m)
	}
}

// RejectUnknownMethods answers a method the router does not know with 405
// (after the Host check: a foreign Host gets 403 first). The router would
// answer it with a plain-text 400 of its own.
func RejectUnknownMethods(next fasthttp.RequestHandler, known []string, hosts Hosts, m *metrics.Metrics) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		method := ctx.Method()
		if slices.ContainsFunc(known, func(k string) bool { return k == string(method) }) { // no copy
			next(ctx)
			return
		}
		if err := hosts.check(string(ctx.Host())); err != nil {
			writeError(ctx, err, m)
			return
		}
		writeError(ctx, fromStatus(http.StatusMethodNotAllowed), m)
	}
}

// writeError writes e as the contract's error body with its status and
// the security headers, and counts it.
func writeError(ctx *fasthttp.RequestCtx, e *models.Error, m *metrics.Metrics) {
	status := protocol.HTTPStatus(e.Code)
	setSecurityHeaders(&ctx.Response.Header)
	if status == http.StatusUnauthorized {
		ctx.Response.Header.Set(fiber.HeaderWWWAuthenticate, "Bearer")
	}
	body, err := json.Marshal(struct {
		Error *models.Error `json:"error"`
	}{e})
	if err != nil { // an *Error always encodes; keep the contract's shape anyway
		body = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType(fiber.MIMEApplicationJSON)
	ctx.SetBody(body)
	m.Error(string(e.Code))
}
