package handlers

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"livedash/internal/redact"
)

// AccessLog logs every request at debug level, with its URL redacted: a
// query may carry a client id, a key or a token (/ws?client=...&key=...).
// Below debug it costs one level check.
func AccessLog(log *slog.Logger, answerError fiber.ErrorHandler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !log.Enabled(c.Context(), slog.LevelDebug) {
			return c.Next()
		}
		start := time.Now()
		err := c.Next()
		if err != nil {
			// Answered here so that the line has the status sent.
			err = answerError(c, err)
		}
		log.Debug("request", "method", c.Method(), "url", redact.String(c.OriginalURL()),
			"status", c.Response().StatusCode(), "remote", c.IP(), "took", time.Since(start))
		return err
	}
}
