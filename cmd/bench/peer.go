package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// peerFiles are the yardstick's sources: copied, never changed, and hashed
// to name the built copy.
func peerFiles() []string { return []string{"package.json", "package-lock.json", "server.js"} }

// peerModule is what `npm ci` builds (better-sqlite3 from source): its
// presence says a copy is ready.
const peerModule = "node_modules/better-sqlite3/build/Release/better_sqlite3.node"

func defaultPeerCache() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "livedash-bench")
}

// preparePeer makes the Node yardstick at src runnable: src is read-only
// and must not be built in place, and its code must not land in the
// repository, so it is copied into cache/peer-<hash of its files> outside
// repo and built there with `npm ci` (minutes, once per version of the
// files; later runs reuse the copy).
func preparePeer(ctx context.Context, src, cache, repo string, log io.Writer) (serverCmd, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return serverCmd{}, err
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return serverCmd{}, err
	}
	cache, err = filepath.Abs(cache)
	if err != nil {
		return serverCmd{}, err
	}
	if inside(cache, repo) {
		return serverCmd{}, fmt.Errorf("--peer-cache %s is inside the repository: the yardstick's copy and its node_modules must stay out of it", cache)
	}
	h := sha256.New()
	for _, f := range peerFiles() {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			return serverCmd{}, err
		}
		fmt.Fprintf(h, "%s %d\n", f, len(b))
		h.Write(b)
	}
	dir := filepath.Join(cache, "peer-"+hex.EncodeToString(h.Sum(nil))[:16])
	if _, err := os.Stat(filepath.Join(dir, peerModule)); err == nil {
		fmt.Fprintf(log, "bench: the yardstick is built in %s\n", dir)
	} else if err := buildPeer(ctx, npm, src, cache, dir, log); err != nil {
		return serverCmd{}, err
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return serverCmd{}, fmt.Errorf("node --version: %w", err)
	}
	return serverCmd{
		Name:    "node",
		Version: "Node " + strings.TrimSpace(string(out)),
		Dir:     dir,
		Argv: func(addr, db string) []string {
			return []string{node, "server.js", "--addr", addr, "--db", db}
		},
	}, nil
}

// buildPeer copies src's files into a fresh directory under cache, runs
// `npm ci` there, and only then moves it to dir, so that an interrupted
// build is never taken for a finished one.
func buildPeer(ctx context.Context, npm, src, cache, dir string, log io.Writer) error {
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(cache, "building-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, f := range peerFiles() {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tmp, f), b, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(log, "bench: npm ci in %s (builds better-sqlite3: a few minutes, once)\n", tmp)
	start := time.Now()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = tmp
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm ci: %w", err)
	}
	if _, err := os.Stat(filepath.Join(tmp, peerModule)); err != nil {
		return fmt.Errorf("npm ci did not build better-sqlite3 (%s missing)", peerModule)
	}
	fmt.Fprintf(log, "bench: npm ci took %.0fs\n", time.Since(start).Seconds())
	if err := os.Rename(tmp, dir); err != nil {
		// Another run finished first: use its copy.
		if _, statErr := os.Stat(filepath.Join(dir, peerModule)); statErr == nil {
			return nil
		}
		return err
	}
	return nil
}

// inside says whether path is dir or below it.
func inside(path, dir string) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
