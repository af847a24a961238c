package faults

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"livedash/models"
)

// do sends one REST request to the current process. A transport error is
// returned, not fatal: some tests expect the server to cut them off.
func (s *server) do(method, path string, body []byte, header http.Header) (int, []byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://"+s.addr+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	s.mu.Lock()
	client := s.client
	s.mu.Unlock()
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, resp.Header, err
}

// mustDo is do that fails the test on a transport error.
func (s *server) mustDo(tb testing.TB, method, path string, body []byte, header http.Header) (int, []byte) {
	tb.Helper()
	status, raw, _, err := s.do(method, path, body, header)
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", method, path, err, s.logTail(20))
	}
	return status, raw
}

// getJSON requires 200 from a GET and decodes the body into out.
func (s *server) getJSON(tb testing.TB, path string, out any) []byte {
	tb.Helper()
	status, raw := s.mustDo(tb, http.MethodGet, path, nil, nil)
	if status != http.StatusOK {
		tb.Fatalf("GET %s: status %d: %s", path, status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			tb.Fatalf("GET %s: decode %.200s: %v", path, raw, err)
		}
	}
	return raw
}

// state is GET /api/state; raw is its body, for byte-for-byte comparisons.
func (s *server) state(tb testing.TB) (st models.State, raw []byte) {
	tb.Helper()
	raw = s.getJSON(tb, "/api/state", &st)
	return st, raw
}

// logEvent is one event as GET /api/events returns it.
type logEvent struct {
	Seq   int64           `json:"seq"`
	Type  string          `json:"type"`
	Data  json.RawMessage `json:"data"`
	Actor *models.Actor   `json:"actor"`
}

// events reads the whole event log, a page at a time.
func (s *server) events(tb testing.TB) []logEvent {
	tb.Helper()
	var all []logEvent
	var since int64
	for page := 0; page < 1_000_000; page++ {
		var resp struct {
			Events []logEvent `json:"events"`
		}
		s.getJSON(tb, fmt.Sprintf("/api/events?since=%d&limit=1000", since), &resp)
		if len(resp.Events) == 0 {
			return all
		}
		all = append(all, resp.Events...)
		since = resp.Events[len(resp.Events)-1].Seq
	}
	tb.Fatal("the event log never ended")
	return nil
}

// requireConsecutive fails unless the log holds seqs 1..n with no gap.
func requireConsecutive(tb testing.TB, events []logEvent) {
	tb.Helper()
	for i, ev := range events {
		if ev.Seq != int64(i)+1 {
			tb.Fatalf("event log: position %d holds seq %d, want %d (gap or repeat)", i, ev.Seq, i+1)
		}
	}
}

// metric reads one unlabelled sample from GET /metrics.
func (s *server) metric(tb testing.TB, name string) float64 {
	tb.Helper()
	status, raw := s.mustDo(tb, http.MethodGet, "/metrics", nil, nil)
	if status != http.StatusOK {
		tb.Fatalf("/metrics: status %d", status)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				tb.Fatalf("metric %s: %q: %v", name, line, err)
			}
			return f
		}
	}
	tb.Fatalf("metric %s not found", name)
	return 0
}

// requireHealthy fails unless the process is running and /healthz says 200.
func (s *server) requireHealthy(tb testing.TB) {
	tb.Helper()
	if !s.alive() {
		tb.Fatalf("the server process is gone\n%s", s.logTail(40))
	}
	if status, raw := s.mustDo(tb, http.MethodGet, "/healthz", nil, nil); status != http.StatusOK {
		tb.Fatalf("/healthz: %d %s", status, raw)
	}
}

// compactJSON normalises JSON for comparisons; invalid JSON stays as is so
// that the comparison fails loudly.
func compactJSON(raw []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// rawHTTP sends one HTTP/1.1 request on a fresh connection, writing it from
// a goroutine while it reads the response. The server answers 413 before it
// has read a body over the limit and then closes; Go's HTTP client writes
// the whole body before it reads and often sees the reset instead of the
// answer.
func rawHTTP(addr, method, path string, header http.Header, body []byte, chunked bool) (*http.Response, []byte, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(peerWait)); err != nil {
		return nil, nil, err
	}
	var req bytes.Buffer
	fmt.Fprintf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n", method, path, addr)
	for k, vs := range header {
		for _, v := range vs {
			fmt.Fprintf(&req, "%s: %s\r\n", k, v)
		}
	}
	if chunked {
		req.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		for chunk := range slices.Chunk(body, 64<<10) {
			fmt.Fprintf(&req, "%x\r\n%s\r\n", len(chunk), chunk)
		}
		req.WriteString("0\r\n\r\n")
	} else {
		fmt.Fprintf(&req, "Content-Length: %d\r\n\r\n%s", len(body), body)
	}
	go func() { _, _ = c.Write(req.Bytes()) }() // fails once the server closes
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp, raw, err
}
