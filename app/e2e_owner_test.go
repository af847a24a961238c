package app_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"livedash/app"
	"livedash/app/apptest"
)

// A second server on the same SQLite file exits at once with a clear error,
// instead of saying it is healthy and then failing every write.
func TestSecondServerOnTheSameFileExits(t *testing.T) {
	srv := apptest.MustStartServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := app.Run(ctx, []string{"--addr", "127.0.0.1:0", "--db", srv.DBPath}, func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "in use by another livedash process") {
		t.Fatalf("second server: %v, want a refusal", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the second server did not exit by itself")
	}
	srv.MustJSON(t, "POST", "/api/items", map[string]any{"name": "first still works"}, 201, nil)
}
