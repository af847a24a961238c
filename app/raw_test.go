package app_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"livedash/models"
)

// rawWait bounds one hand-made exchange: a request the server times out
// included.
const rawWait = 10 * time.Second

// rawConn is a plain TCP connection to addr whose reads and writes fail
// after rawWait; it is closed at cleanup, if not before.
func rawConn(tb testing.TB, addr string) net.Conn {
	tb.Helper()
	c, err := net.DialTimeout("tcp", addr, rawWait)
	if err != nil {
		tb.Fatalf("dial %s: %v", addr, err)
	}
	tb.Cleanup(func() { c.Close() })
	if err := c.SetDeadline(time.Now().Add(rawWait)); err != nil {
		tb.Fatal(err)
	}
	return c
}

// rawExchange sends req exactly as given on a fresh connection and parses
// the response. It writes from a goroutine while it reads: the server may
// answer and hang up before it has read the whole request.
func rawExchange(tb testing.TB, addr string, req []byte) (*http.Response, []byte) {
	tb.Helper()
	c := rawConn(tb, addr)
	defer c.Close()
	go func() { _, _ = c.Write(req) }()         // fails once the server hangs up
	method, _, _ := bytes.Cut(req, []byte(" ")) // a HEAD answer has no body
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: string(method)})
	if err != nil {
		tb.Fatalf("read the response to %.80q: %v", req, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("read the body: %v", err)
	}
	return resp, raw
}

// requireErrorResponse fails unless the response is the contract's error
// body with the status and code, carries the security headers, and does
// not echo what the request held (marker).
func requireErrorResponse(tb testing.TB, resp *http.Response, raw []byte, status int, code models.Code, marker string) {
	tb.Helper()
	if resp.StatusCode != status {
		tb.Fatalf("status %d, want %d: %s", resp.StatusCode, status, raw)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Fatalf("Content-Type %q, want JSON: %s", ct, raw)
	}
	var body struct {
		Error *models.Error `json:"error"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || body.Error == nil || body.Error.Code != code || body.Error.Message == "" {
		tb.Fatalf("body %s, want an error with code %s", raw, code)
	}
	if marker != "" && bytes.Contains(raw, []byte(marker)) {
		tb.Fatalf("the error echoes the request: %s", raw)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
		if resp.Header.Get(h) == "" {
			tb.Fatalf("no %s header on %d %s", h, status, raw)
		}
	}
}
