package app_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"livedash/app/apptest"
	"livedash/protocol"
)

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
