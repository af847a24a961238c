package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportBoundaries keeps the layers apart: the domain knows no storage
// or transport, the store no transport, the Go client no server code but
// the domain's types, and the WebSocket write engine nothing of what it
// writes. A violation is an import, direct or indirect.
func TestImportBoundaries(t *testing.T) {
	transports := []string{"github.com/gofiber/", "github.com/valyala/fasthttp", "net/http", "livedash/ws", "livedash/handlers", "livedash/app"}
	tests := []struct {
		pkg       string
		forbidden []string
	}{
		{"livedash/models", append([]string{"livedash/store", "livedash/metrics"}, transports...)},
		{"livedash/store", append([]string{"livedash/metrics"}, transports...)},
		// The client speaks the wire like any program would; of the server
		// it knows only the domain's types.
		{"livedash/client", []string{"livedash/store", "livedash/ws", "livedash/handlers", "livedash/app", "livedash/metrics", "livedash/public", "livedash/faults", "livedash/cmd"}},
		// The outbox writes frames as bytes: it knows nothing of what they
		// say (the contract and its decoding, the domain) or of where they
		// come from (the store, the session, the handlers).
		{"livedash/ws/outbox", []string{"livedash/store", "livedash/handlers", "livedash/app", "livedash/protocol", "livedash/models", "livedash/ws", "livedash/client"}},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			for _, dep := range deps(t, tt.pkg) {
				for _, bad := range tt.forbidden {
					if dep == bad || strings.HasSuffix(bad, "/") && strings.HasPrefix(dep, bad) || strings.HasPrefix(dep, bad+"/") {
						t.Errorf("%s imports %s", tt.pkg, dep)
					}
				}
			}
		})
	}
}

// deps lists every package pkg imports, directly or not, as go list sees it.
func deps(tb testing.TB, pkg string) []string {
	tb.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).Output()
	if err != nil {
		tb.Fatalf("go list %s: %v", pkg, err)
	}
	var list []string
	for _, p := range strings.Fields(string(out)) {
		if p != pkg {
			list = append(list, p)
		}
	}
	if len(list) == 0 {
		tb.Fatalf("go list %s listed no dependencies", pkg)
	}
	return list
}
