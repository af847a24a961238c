package app

import (
	"io"
	"strings"
	"testing"
)

func TestBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"negative gc heap", []string{"--gc-heap-mb", "-1"}, "--gc-heap-mb"},
		{"no retention", []string{"--retention", "0"}, "--retention"},
		{"empty send queue", []string{"--send-queue", "0"}, "--send-queue"},
		{"pong before ping", []string{"--ping-interval", "10s", "--pong-wait", "5s"}, "--pong-wait"},
		{"unknown level", []string{"--log-level", "loud"}, "loud"},
		{"stray argument", []string{"extra"}, "unexpected arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseConfig(tc.args, func(string) string { return "" }, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("parseConfig(%q) = %v, want an error naming %s", tc.args, err, tc.want)
			}
		})
	}
}
