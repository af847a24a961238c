package client_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"livedash/app"
)

// serverURL is the server the examples talk to, started by TestMain on a
// fresh database. Tests start their own, so that none depends on another.
var serverURL string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "livedash-client-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	url, err := runServer(ctx, done, "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "examples.db"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "start the examples' server:", err)
		os.Exit(1)
	}
	serverURL = url
	code := m.Run()
	stop()
	if err := <-done; err != nil {
		fmt.Fprintln(os.Stderr, "the examples' server stopped with:", err)
		code = max(code, 1)
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// runServer runs app.Run until ctx ends and returns its URL once it
// listens; done receives Run's result.
func runServer(ctx context.Context, done chan<- error, args ...string) (string, error) {
	pr, pw := io.Pipe()
	urls := make(chan string, 1)
	go func() {
		listening := regexp.MustCompile(`url=(http://\S+)`)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	exited := make(chan error, 1)
	go func() {
		err := app.Run(ctx, args, func(string) string { return "" }, pw)
		pw.Close()
		exited <- err
	}()
	select {
	case url := <-urls:
		go func() { done <- <-exited }()
		return url, nil
	case err := <-exited:
		return "", fmt.Errorf("exited: %v", err)
	}
}
