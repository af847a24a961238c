package access

import (
	"strings"
	"testing"
)

// TestDefaultMode: open only on loopback with no other host allowed.
func TestDefaultMode(t *testing.T) {
	cases := []struct {
		name  string
		addr  string
		hosts []string
		want  Mode
	}{
		{"loopback v4", "127.0.0.1:3000", nil, Open},
		{"loopback v6", "[::1]:3000", nil, Open},
		{"localhost", "localhost:3000", nil, Open},
		{"loopback behind a proxy", "127.0.0.1:3000", []string{"dash.example"}, Keys},
		{"every interface", ":3000", nil, Keys},
		{"all v4 interfaces", "0.0.0.0:3000", nil, Keys},
		{"a LAN address", "192.168.1.10:3000", nil, Keys},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMode("", tc.addr, tc.hosts)
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"closed", "token", "Open "} {
		if _, err := ParseMode(bad, "127.0.0.1:0", nil); err == nil {
			t.Errorf("--access %q accepted", bad)
		}
	}
	for _, s := range []string{"open", "keys", "jwt", "JWT"} {
		if m, err := ParseMode(s, "0.0.0.0:3000", nil); err != nil || !strings.EqualFold(string(m), s) {
			t.Errorf("--access %s: %q, %v", s, m, err)
		}
	}
	if m, err := ParseMode("open", "0.0.0.0:3000", nil); err != nil || m != Open {
		t.Errorf("--access open off loopback: %q, %v; it is allowed (with a warning)", m, err)
	}
}
