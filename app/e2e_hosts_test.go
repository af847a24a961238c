package app_test

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/fasthttp/websocket"

	"livedash/app/apptest"
	"livedash/protocol"
)

// The Host rule stops DNS rebinding: a page on a name that resolves to the
// server may not reach it under that name. On a loopback address only
// loopback names and the --hosts list pass; on all interfaces any name
// passes unless --hosts is given. The rule covers every request: the page,
// reads, writes and WebSocket upgrades, even when the Origin matches the
// Host as it does for a rebinding page.
func TestHostCheck(t *testing.T) {
	type config struct {
		listen string // host part of --addr
		hosts  string // --hosts; empty: not given
	}
	loopback := config{"127.0.0.1", ""}
	cases := []struct {
		name string
		cfg  config
		host string // Host header; %s is the server's port
		ok   bool
	}{
		{"loopback: 127.0.0.1", loopback, "127.0.0.1:%s", true},
		{"loopback: localhost", loopback, "localhost:%s", true},
		{"loopback: localhost, any case, no port", loopback, "LocalHost", true},
		{"loopback: [::1] on another port", loopback, "[::1]:8080", true},
		{"loopback: a rebinding name", loopback, "evil.example:%s", false},
		{"loopback: a LAN address", loopback, "192.168.1.10:%s", false},
		{"loopback: a name under localhost", loopback, "localhost.evil.example:%s", false},
		{"loopback with --hosts: a listed name", config{"127.0.0.1", "dash.example, other.example"}, "DASH.example:%s", true},
		{"loopback with --hosts: still loopback", config{"127.0.0.1", "dash.example, other.example"}, "localhost:%s", true},
		{"loopback with --hosts: another name", config{"127.0.0.1", "dash.example, other.example"}, "evil.example:%s", false},
		{"loopback with --hosts *", config{"127.0.0.1", "*"}, "evil.example:%s", true},
		{"all interfaces: any name", config{"0.0.0.0", ""}, "evil.example:%s", true},
		{"all interfaces with --hosts: a listed name", config{"0.0.0.0", "dash.example"}, "dash.example", true},
		{"all interfaces with --hosts: loopback", config{"0.0.0.0", "dash.example"}, "127.0.0.1:%s", true},
		{"all interfaces with --hosts: an address", config{"0.0.0.0", "dash.example"}, "10.1.2.3:%s", true},
		{"all interfaces with --hosts: another name", config{"0.0.0.0", "dash.example"}, "evil.example:%s", false},
	}
	servers := map[config]*apptest.Server{} // one per config
	for _, tc := range cases {
		if servers[tc.cfg] == nil {
			// Open access: the Host check comes first in every mode,
			// and open lets the test see what passes it.
			args := []string{"--addr", tc.cfg.listen + ":0", "--access", "open"}
			if tc.cfg.hosts != "" {
				args = append(args, "--hosts", tc.cfg.hosts)
			}
			servers[tc.cfg] = apptest.MustStartServer(t, args...)
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := servers[tc.cfg]
			_, port, _ := net.SplitHostPort(srv.Addr)
			addr := net.JoinHostPort("127.0.0.1", port)
			host := strings.ReplaceAll(tc.host, "%s", port)
			before := srv.State(t).Seq
			for _, r := range []struct{ method, path string }{
				{http.MethodGet, "/"},
				{http.MethodGet, "/api/state"},
				{http.MethodPost, "/api/reset"},
			} {
				status, body := hostRequest(t, addr, host, r.method, r.path)
				if !tc.ok {
					if status != http.StatusForbidden || !strings.Contains(string(body), `"`+string(protocol.CodeForbidden)+`"`) {
						t.Fatalf("%s %s with Host %s: %d %.200s, want 403 forbidden", r.method, r.path, host, status, body)
					}
				} else if status != http.StatusOK {
					t.Fatalf("%s %s with Host %s: %d %.200s, want 200", r.method, r.path, host, status, body)
				}
			}
			// The rebinding page's upgrade: its Origin is its own Host.
			h := http.Header{"Host": {host}, "Origin": {"http://" + host}}
			c, resp, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", h)
			if tc.ok {
				if err != nil {
					t.Fatalf("upgrade with Host %s: %v", host, err)
				}
				c.Close()
			} else if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("upgrade with Host %s: %v %v, want 403", host, err, resp)
			}
			if after := srv.State(t).Seq; !tc.ok && after != before {
				t.Fatalf("a refused Host changed the seq: %d -> %d", before, after)
			}
		})
	}
}

// hostRequest sends one request to addr with the Host header set.
func hostRequest(tb testing.TB, addr, host, method, path string) (int, []byte) {
	tb.Helper()
	req := fmt.Appendf(nil, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", method, path, host)
	resp, raw := rawExchange(tb, addr, req)
	if resp.StatusCode == http.StatusForbidden {
		requireErrorResponse(tb, resp, raw, http.StatusForbidden, protocol.CodeForbidden, "")
	}
	return resp.StatusCode, raw
}
