package models

import (
	"crypto/rand"
	"encoding/base64"
)

// NewID returns a random id of n URL-safe characters.
func NewID(n int) string {
	b := make([]byte, (n*6+7)/8)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}
