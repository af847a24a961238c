package faults

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"livedash/internal/pgtest"
)

// binPath is the server binary every test runs. It is built once, without
// -race: the server's speed is part of what the tests put under stress, and
// the race detector already covers the server in the in-process tests.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "livedash-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "livedash")
	build := exec.Command("go", "build", "-o", binPath, "livedash")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "faults: build the server:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	pgtest.StopShared()
	os.RemoveAll(dir)
	os.Exit(code)
}

// soak reports whether the long variants run (make soak).
func soak() bool { return os.Getenv("LIVEDASH_SOAK") == "1" }

// scale picks the normal or the soak size of a test.
func scale[T any](normal, long T) T {
	if soak() {
		return long
	}
	return normal
}
