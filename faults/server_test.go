package faults

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startWait bounds a server start: open the database, migrate, listen.
const startWait = 20 * time.Second

// server is one livedash process on a fixed address and database file, so
// it can be killed and started again in place.
type server struct {
	tb   testing.TB
	addr string // 127.0.0.1:port, the same across restarts
	db   string
	args []string

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every log line
	lines   []logLine     // every process's output, in order
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the current process is gone
	exitErr error
	starts  int
	client  *http.Client
}

type logLine struct {
	at   time.Time
	text string
}

// startServer runs the binary on db with the extra flags and waits until
// it listens. The process is killed at cleanup if it is still running.
func startServer(tb testing.TB, db string, args ...string) *server {
	tb.Helper()
	s := &server{tb: tb, addr: freeAddr(tb), db: db, args: args, changed: make(chan struct{})}
	tb.Cleanup(s.cleanup)
	s.start()
	return s
}

// freeAddr reserves a loopback port by listening on it once. Restarts reuse
// it, so clients reconnect to the same address.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("reserve a port: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// start runs a new process on the same address and file and waits for its
// listening line.
func (s *server) start() {
	s.tb.Helper()
	s.mu.Lock()
	if s.cmd != nil && !isClosed(s.exited) {
		s.mu.Unlock()
		s.tb.Fatal("start: the previous process is still running")
	}
	s.starts++
	from := len(s.lines)
	s.lines = append(s.lines, logLine{time.Now(), fmt.Sprintf("--- start %d", s.starts)})
	cmd := exec.Command(binPath, append([]string{"--addr", s.addr, "--db", s.db}, s.args...)...)
	cmd.Stdout = &lineWriter{s: s}
	cmd.Stderr = &lineWriter{s: s, prefix: "stderr: "}
	exited := make(chan struct{})
	s.cmd, s.exited, s.exitErr = cmd, exited, nil
	s.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	s.mu.Unlock()

	if err := cmd.Start(); err != nil {
		s.tb.Fatalf("start %s: %v", binPath, err)
	}
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.exitErr = err
		close(exited)
		s.notify()
		s.mu.Unlock()
	}()
	if _, ok := s.waitLog(from, startWait, "url=http://"+s.addr); !ok {
		s.tb.Fatalf("server did not listen within %s\n%s", startWait, s.logTail(40))
	}
}

// lineWriter feeds the process's output into the log, a line at a time.
type lineWriter struct {
	s      *server
	prefix string
	buf    []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	now := time.Now()
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.s.lines = append(w.s.lines, logLine{now, w.prefix + string(w.buf[:i])})
		w.buf = w.buf[i+1:]
	}
	w.s.notify()
	return len(p), nil
}

// notify wakes the waiters; callers hold s.mu.
func (s *server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// waitLog waits for a line at index from or later that contains every one
// of parts and returns when it was written. It gives up when the process
// exits.
func (s *server) waitLog(from int, timeout time.Duration, parts ...string) (time.Time, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for i := from; i < len(s.lines); i++ {
			if containsAll(s.lines[i].text, parts) {
				at := s.lines[i].at
				s.mu.Unlock()
				return at, true
			}
		}
		from = len(s.lines)
		changed, exited := s.changed, s.exited
		s.mu.Unlock()
		if isClosed(exited) {
			return time.Time{}, false
		}
		select {
		case <-changed:
		case <-deadline.C:
			return time.Time{}, false
		}
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// logMark is the index the next log line will have, for waitLog.
func (s *server) logMark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.lines)
}

// logTail is the last n lines of output, for failure messages.
func (s *server) logTail(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, l := range s.lines[max(0, len(s.lines)-n):] {
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	return b.String()
}

// alive reports whether the current process is still running.
func (s *server) alive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil && !isClosed(s.exited)
}

// kill sends SIGKILL and waits until the process is gone.
func (s *server) kill() {
	s.tb.Helper()
	if err := s.signal(syscall.SIGKILL, 10*time.Second); err != nil && !isSignalExit(err, syscall.SIGKILL) {
		s.tb.Fatalf("kill: %v", err)
	}
}

// terminate sends SIGTERM and waits for the graceful stop; it returns how
// the process exited (nil for status 0).
func (s *server) terminate(timeout time.Duration) error {
	s.tb.Helper()
	return s.signal(syscall.SIGTERM, timeout)
}

func (s *server) signal(sig syscall.Signal, timeout time.Duration) error {
	s.tb.Helper()
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil || isClosed(exited) {
		s.tb.Fatalf("signal %v: the server is not running\n%s", sig, s.logTail(40))
	}
	if err := cmd.Process.Signal(sig); err != nil {
		s.tb.Fatalf("signal %v: %v", sig, err)
	}
	select {
	case <-exited:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-exited
		s.tb.Fatalf("the server did not exit within %s of %v\n%s", timeout, sig, s.logTail(60))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.client.CloseIdleConnections()
	return s.exitErr
}

func isSignalExit(err error, sig syscall.Signal) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}

func (s *server) cleanup() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil || isClosed(exited) {
		return
	}
	_ = cmd.Process.Kill()
	<-exited
}

// wsURL is the WebSocket endpoint with a query (without '?').
func (s *server) wsURL(query string) string {
	u := "ws://" + s.addr + "/ws"
	if query != "" {
		u += "?" + query
	}
	return u
}
