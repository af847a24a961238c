package handlers

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"livedash/metrics"
	"livedash/models"
)

// The codes only REST produces; the rest come from models.
const (
	CodeTooLarge     models.Code = "too_large"
	CodeRateLimited  models.Code = "rate_limited"
	CodeUnauthorized models.Code = "unauthorized"
	CodeForbidden    models.Code = "forbidden"
)

// httpStatus is the one place where codes map to HTTP statuses.
func httpStatus(c models.Code) int {
	switch c {
	case models.CodeBadRequest, models.CodeInvalid:
		return http.StatusBadRequest
	case models.CodeNotFound:
		return http.StatusNotFound
	case models.CodeConflict:
		return http.StatusConflict
	case models.CodeUnavailable:
		return http.StatusServiceUnavailable
	case CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeRateLimited:
		return http.StatusTooManyRequests
	case CodeUnauthorized:
		return http.StatusUnauthorized
	case CodeForbidden:
		return http.StatusForbidden
	default:
		return http.StatusInternalServerError
	}
}

// ErrorHandler writes every REST error as the contract's JSON body, with the
// status its code maps to.
func ErrorHandler(log *slog.Logger, m *metrics.Metrics) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var e *models.Error
		var fe *fiber.Error
		switch {
		case errors.As(err, &e):
		case errors.As(err, &fe):
			e = fromFiber(fe)
		default:
			log.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
			e = models.AsError(err)
		}
		m.Error(string(e.Code))
		return c.Status(httpStatus(e.Code)).JSON(fiber.Map{"error": e})
	}
}

func fromFiber(fe *fiber.Error) *models.Error {
	switch fe.Code {
	case fiber.StatusNotFound:
		return models.Errorf(models.CodeNotFound, "", "no such route")
	case fiber.StatusMethodNotAllowed, fiber.StatusBadRequest, fiber.StatusUpgradeRequired:
		return models.Errorf(models.CodeBadRequest, "", "%s", fe.Message)
	case fiber.StatusRequestEntityTooLarge:
		return models.Errorf(CodeTooLarge, "", "the body is too large")
	case fiber.StatusTooManyRequests:
		return models.Errorf(CodeRateLimited, "", "too many requests; slow down")
	}
	return models.AsError(fe)
}
