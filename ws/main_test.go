package ws

import (
	"os"
	"testing"

	"livedash/internal/pgtest"
)

// TestMain stops the PostgreSQL server the shared roster's tests start.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
