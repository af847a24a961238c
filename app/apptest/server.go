// Package apptest starts the real server for tests and talks to it over real
// connections.
package apptest

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"livedash/app"
)

// Server is a livedash server started through app.Run.
type Server struct {
	URL    string // http://127.0.0.1:port
	Addr   string // 127.0.0.1:port
	DBPath string

	tb     testing.TB
	cancel context.CancelFunc
	done   chan error
	logMu  sync.Mutex
	log    strings.Builder
	logged chan struct{} // closed and replaced whenever a line arrives
	once   sync.Once
}

// MustStartServer starts a server on a fresh database in tb's temp dir and a
// free port. Later args override earlier ones, so tests may pass --db or
// --addr to reuse a file or a port. The server stops at cleanup.
func MustStartServer(tb testing.TB, args ...string) *Server {
	tb.Helper()
	db := filepath.Join(tb.TempDir(), "livedash.db")
	return start(tb, append([]string{"--addr", "127.0.0.1:0", "--db", db}, args...))
}

func start(tb testing.TB, args []string) *Server {
	tb.Helper()
	urlPattern := regexp.MustCompile(`url=(http://\S+)`)
	s := &Server{tb: tb, done: make(chan error, 1), logged: make(chan struct{})}
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "--db" {
			s.DBPath = args[i+1]
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	pr, pw := io.Pipe()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.logMu.Lock()
			s.log.WriteString(line + "\n")
			close(s.logged)
			s.logged = make(chan struct{})
			s.logMu.Unlock()
			if m := urlPattern.FindStringSubmatch(line); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
	}()
	go func() {
		err := app.Run(ctx, args, func(string) string { return "" }, pw)
		pw.Close()
		s.done <- err
	}()
	select {
	case s.URL = <-urls:
	case err := <-s.done:
		tb.Fatalf("server did not start: %v\n%s", err, s.Log())
	case <-time.After(20 * time.Second):
		tb.Fatalf("server did not start within 20s\n%s", s.Log())
	}
	s.Addr = strings.TrimPrefix(s.URL, "http://")
	tb.Cleanup(func() { s.Stop() })
	s.waitHealthy()
	return s
}

// waitHealthy checks /healthz once: the listening line is logged after the
// socket is bound, so the server answers from then on.
func (s *Server) waitHealthy() {
	s.tb.Helper()
	resp, err := http.Get(s.URL + "/healthz")
	if err != nil {
		s.tb.Fatalf("/healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.tb.Fatalf("/healthz answered %d", resp.StatusCode)
	}
}

// Stop stops the server gracefully, as SIGTERM would, and fails the test if
// it does not stop cleanly.
func (s *Server) Stop() {
	s.once.Do(func() {
		s.cancel()
		select {
		case err := <-s.done:
			if err != nil {
				s.tb.Errorf("server stopped with error: %v\n%s", err, s.Log())
			}
		case <-time.After(30 * time.Second):
			s.tb.Errorf("server did not stop within 30s\n%s", s.Log())
		}
	})
}

// Restart stops the server and starts a new one on the same port and file,
// with the same extra args.
func (s *Server) Restart(args ...string) *Server {
	s.tb.Helper()
	s.Stop()
	return start(s.tb, append([]string{"--addr", s.Addr, "--db", s.DBPath}, args...))
}

// Log is what the server logged so far.
func (s *Server) Log() string {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return s.log.String()
}

// WaitOutput waits until what the server wrote (its log and the lines it
// prints) matches re, and returns the matches of every line that does.
func (s *Server) WaitOutput(re *regexp.Regexp, lines int) [][]string {
	s.tb.Helper()
	deadline := time.NewTimer(DefaultWait)
	defer deadline.Stop()
	for {
		s.logMu.Lock()
		all := re.FindAllStringSubmatch(s.log.String(), -1)
		changed := s.logged
		s.logMu.Unlock()
		if len(all) >= lines {
			return all
		}
		select {
		case <-changed:
		case <-deadline.C:
			s.tb.Fatalf("the server did not write %d lines matching %s within %v\n%s", lines, re, DefaultWait, s.Log())
			return nil
		}
	}
}

// WSURL is the WebSocket endpoint with the given query (without '?').
func (s *Server) WSURL(query string) string {
	u := "ws://" + s.Addr + "/ws"
	if query != "" {
		u += "?" + query
	}
	return u
}
