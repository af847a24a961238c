package handlers

import (
	"errors"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"livedash/metrics"
	"livedash/models"
)

// ErrorHandler writes every REST error as the contract's JSON body, with the
// status its code maps to (models.Code.HTTPStatus).
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
		return c.Status(e.Code.HTTPStatus()).JSON(fiber.Map{"error": e})
	}
}

func fromFiber(fe *fiber.Error) *models.Error {
	switch fe.Code {
	case fiber.StatusNotFound:
		return models.Errorf(models.CodeNotFound, "", "no such route")
	case fiber.StatusMethodNotAllowed, fiber.StatusBadRequest, fiber.StatusUpgradeRequired:
		return models.Errorf(models.CodeBadRequest, "", "%s", fe.Message)
	case fiber.StatusRequestEntityTooLarge:
		return models.Errorf(models.CodeTooLarge, "", "the body is too large")
	case fiber.StatusTooManyRequests:
		return models.Errorf(models.CodeRateLimited, "", "too many requests; slow down")
	}
	return models.AsError(fe)
}
