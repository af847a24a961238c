package app_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"livedash/app/apptest"
	"livedash/models"
	"livedash/protocol"
)

// errorCount is livedash_errors_total for code, 0 while it has no series.
func errorCount(tb testing.TB, srv *apptest.Server, code models.Code) float64 {
	tb.Helper()
	status, body := srv.Do(tb, http.MethodGet, "/metrics", nil, nil)
	if status != http.StatusOK {
		tb.Fatalf("/metrics: %d", status)
	}
	prefix := fmt.Sprintf("livedash_errors_total{code=%q} ", code)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				tb.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return 0
}

// What the HTTP layer refuses before any handler runs gets the contract's
// JSON error with its own status, never 500: folders of the static files,
// unknown methods, oversized or malformed headers, requests that do not
// arrive in time. None of it is counted or logged as internal, and no
// message echoes the request.
func TestFrameworkErrorsAreJSONWithTheirStatus(t *testing.T) {
	srv := apptest.MustStartServer(t, "--read-timeout", "1s")
	const marker = "zz-marker-zz"
	request := func(method, path, headers string) []byte {
		return fmt.Appendf(nil, "%s %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", method, path, srv.Addr, headers)
	}
	cases := []struct {
		name   string
		req    []byte
		status int
		code   models.Code
	}{
		{"a folder", request("GET", "/css", ""), http.StatusNotFound, models.CodeNotFound},
		{"a folder with a slash", request("GET", "/js/", ""), http.StatusNotFound, models.CodeNotFound},
		{"a folder, HEAD", request("HEAD", "/css", ""), http.StatusNotFound, models.CodeNotFound},
		{"no such path", request("GET", "/"+marker, ""), http.StatusNotFound, models.CodeNotFound},
		{"an unknown method", request("PROPFIND", "/api/items", ""), http.StatusMethodNotAllowed, protocol.CodeMethodNotAllowed},
		{"a method the path does not take", request("PUT", "/api/items", "Content-Length: 0\r\n"), http.StatusMethodNotAllowed, protocol.CodeMethodNotAllowed},
		{"headers over the limit", request("GET", "/api/state", "Cookie: c="+strings.Repeat(marker, 3000)+"\r\n"),
			http.StatusRequestHeaderFieldsTooLarge, protocol.CodeHeadersTooLarge},
		{"a malformed Content-Length", request("POST", "/api/items", "Content-Length: "+marker+"\r\n"), http.StatusBadRequest, models.CodeBadRequest},
		{"a malformed request line", []byte("GET /" + marker + "\r\n\r\n"), http.StatusBadRequest, models.CodeBadRequest},
		{"headers not finished within the read timeout", fmt.Appendf(nil, "GET /api/state HTTP/1.1\r\nHost: %s\r\nX-Slow: %s\r\n", srv.Addr, marker),
			http.StatusRequestTimeout, protocol.CodeRequestTimeout},
		{"a body not finished within the read timeout", request("POST", "/api/items", "Content-Type: application/json\r\nContent-Length: 100\r\n"),
			http.StatusRequestTimeout, protocol.CodeRequestTimeout},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, raw := rawExchange(t, srv.Addr, tc.req)
			if resp.Request.Method == http.MethodHead {
				if resp.StatusCode != tc.status || resp.Header.Get("Content-Security-Policy") == "" {
					t.Fatalf("HEAD: %d %v", resp.StatusCode, resp.Header)
				}
				return
			}
			requireErrorResponse(t, resp, raw, tc.status, tc.code, marker)
		})
	}
	t.Run("headers of 8 KiB are accepted", func(t *testing.T) {
		resp, raw := rawExchange(t, srv.Addr, request("GET", "/api/limits", "Cookie: c="+strings.Repeat("c", 8<<10)+"\r\n"))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, raw)
		}
	})
	t.Run("a method the path does not take says which it takes", func(t *testing.T) {
		resp, raw := rawExchange(t, srv.Addr, request("PUT", "/api/items", "Content-Length: 0\r\n"))
		if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "POST") {
			t.Fatalf("Allow %q: %s", allow, raw)
		}
	})
	if n := errorCount(t, srv, models.CodeInternal); n != 0 {
		t.Fatalf("livedash_errors_total{code=\"internal\"} = %v, want 0\n%s", n, srv.Log())
	}
	if log := srv.Log(); strings.Contains(log, "request failed") {
		t.Fatalf("a client's mistake was logged as a failure:\n%s", log)
	}
}

// A connection that never sends a byte (browsers open such connections
// ahead of time) is closed after --read-timeout without an answer: there
// is no request to answer, and nothing is counted.
func TestSilentConnectionIsClosedWithoutAnAnswer(t *testing.T) {
	srv := apptest.MustStartServer(t, "--read-timeout", "1s")
	c := rawConn(t, srv.Addr)
	got, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept a silent connection open for %s with --read-timeout 1s", rawWait)
	}
	if len(got) != 0 {
		t.Fatalf("the server answered a connection that sent nothing: %q", got)
	}
	if n := errorCount(t, srv, models.CodeInternal); n != 0 {
		t.Fatalf("livedash_errors_total{code=\"internal\"} = %v, want 0", n)
	}
}

// A client that announces a body over the limit with Expect: 100-continue
// gets 413 too_large at once, not "100 Continue": it need not send the body
// the server would refuse. One within the limit gets 100 Continue, and its
// body is applied. (issue 17, nits)
func TestExpectContinueOverTheLimitGets413(t *testing.T) {
	srv := apptest.MustStartServer(t, "--read-limit", "1024")
	before := srv.State(t).Seq
	for _, tc := range []struct {
		name, path string
		length     int
	}{
		{"create an item", "/api/items", 200 << 10},
		{"one byte over", "/api/items", 1025},
		{"increment", "/api/scores/1/increment", 200 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", tc.path, srv.Addr, tc.length)
			resp, raw := rawExchange(t, srv.Addr, []byte(req))
			requireErrorResponse(t, resp, raw, http.StatusRequestEntityTooLarge, protocol.CodeTooLarge, "")
		})
	}
	if after := srv.State(t).Seq; after != before {
		t.Fatalf("refused bodies moved the seq %d -> %d", before, after)
	}

	t.Run("within the limit", func(t *testing.T) {
		body := `{"name":"Continued"}`
		c, err := net.DialTimeout("tcp", srv.Addr, rawWait)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.SetDeadline(time.Now().Add(rawWait)); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "POST /api/items HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", srv.Addr, len(body))
		br := bufio.NewReader(c)
		interim, err := http.ReadResponse(br, nil)
		if err != nil || interim.StatusCode != http.StatusContinue {
			t.Fatalf("interim response %v, %v; want 100 Continue", interim, err)
		}
		if _, err := io.WriteString(c, body); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("status %d %s, want 201", resp.StatusCode, raw)
		}
		if after := srv.State(t).Seq; after != before+1 {
			t.Fatalf("seq %d after the continued body, want %d", after, before+1)
		}
	})
}
