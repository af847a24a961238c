package ws

import "livedash/models"

// The codes only the WebSocket transport produces; the rest come from models.
const (
	CodeUnknownType models.Code = "unknown_type"
	CodeTooLarge    models.Code = "too_large"
	CodeRateLimited models.Code = "rate_limited"
)
