package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A server whose port was taken by another process between freeAddr and
// its bind must not pass for ready because the other one answers /healthz.
func TestWaitReadyIgnoresAStrangerOnThePort(t *testing.T) {
	t.Setenv("BENCH_FAKE", "1")
	t.Setenv("GORACE", "atexit_sleep_ms=0")
	stranger, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = http.Serve(stranger, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	}()
	t.Cleanup(func() { stranger.Close() })

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	addr := stranger.Addr().String()
	s, err := spawnServer(context.Background(), []string{self, "--addr", addr, "--db", filepath.Join(dir, "db")}, dir, filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	s.addr = addr
	t.Cleanup(func() { s.stop(5 * time.Second) })
	err = s.waitReady(context.Background(), 20*time.Second)
	if err == nil || !strings.Contains(err.Error(), "exited at start-up") {
		t.Fatalf("waitReady with %s held by another process: %v, want the server's exit", addr, err)
	}
}
