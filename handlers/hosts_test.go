package handlers

import "testing"

func TestHostsAllowed(t *testing.T) {
	cases := []struct {
		name    string
		listen  string
		allowed []string
		host    string
		want    bool
	}{
		{"loopback ip", "127.0.0.1:3000", nil, "127.0.0.1:3000", true},
		{"other loopback ip", "127.0.0.1:3000", nil, "127.0.0.2", true},
		{"localhost, any port", "127.0.0.1:3000", nil, "localhost:9999", true},
		{"localhost in capitals", "127.0.0.1:3000", nil, "LOCALHOST:3000", true},
		{"ipv6 loopback", "127.0.0.1:3000", nil, "[::1]:3000", true},
		{"ipv6 loopback without a port", "127.0.0.1:3000", nil, "[::1]", true},
		{"rebinding name", "127.0.0.1:3000", nil, "evil.example:3000", false},
		{"name under localhost", "127.0.0.1:3000", nil, "localhost.evil.example", false},
		{"lan address", "127.0.0.1:3000", nil, "192.168.1.5:3000", false},
		{"empty", "127.0.0.1:3000", nil, "", false},
		{"listen on localhost", "localhost:3000", nil, "evil.example", false},
		{"listen on ::1", "[::1]:3000", nil, "evil.example", false},
		{"listen on 127.0.0.5", "127.0.0.5:3000", nil, "evil.example", false},
		{"listed name, any port", "127.0.0.1:3000", []string{"dash.example"}, "Dash.Example:8443", true},
		{"listed name:port, that port", "127.0.0.1:3000", []string{"dash.example:8443"}, "dash.example:8443", true},
		{"listed name:port, another port", "127.0.0.1:3000", []string{"dash.example:8443"}, "dash.example:3000", false},
		{"listed name:port, no port", "127.0.0.1:3000", []string{"dash.example:8443"}, "dash.example", false},
		{"listed ipv6", "127.0.0.1:3000", []string{"[fd00::1]"}, "[fd00::1]:3000", true},
		{"star", "127.0.0.1:3000", []string{"*"}, "evil.example", true},
		{"all interfaces, nothing listed", "0.0.0.0:3000", nil, "evil.example", true},
		{"all interfaces (empty host), nothing listed", ":3000", nil, "evil.example", true},
		{"all interfaces, empty Host", "0.0.0.0:3000", nil, "", true},
		{"all interfaces, listed", "0.0.0.0:3000", []string{"dash.example"}, "dash.example", true},
		{"all interfaces, another name", "0.0.0.0:3000", []string{"dash.example"}, "evil.example", false},
		{"all interfaces, loopback", "0.0.0.0:3000", []string{"dash.example"}, "localhost:3000", true},
		{"all interfaces, an address", "0.0.0.0:3000", []string{"dash.example"}, "10.0.0.7:3000", true},
		{"lan listen address, an address", "10.0.0.7:3000", []string{"dash.example"}, "10.0.0.7:3000", true},
		{"lan listen address, a name", "10.0.0.7:3000", []string{"dash.example"}, "evil.example", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := NewHosts(tc.listen, tc.allowed).Allowed(tc.host); got != tc.want {
				t.Fatalf("listen %s, allowed %q, Host %q: %v, want %v", tc.listen, tc.allowed, tc.host, got, tc.want)
			}
		})
	}
}
