package app_test

import (
	"os"
	"testing"

	"livedash/internal/pgtest"
)

// TestMain stops the PostgreSQL server the cluster tests share.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
