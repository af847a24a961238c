package client

import (
	"testing"
	"time"
)

func TestEndpoints(t *testing.T) {
	cases := []struct{ in, ws, rest string }{
		{"http://127.0.0.1:3000", "ws://127.0.0.1:3000/ws", "http://127.0.0.1:3000"},
		{"http://127.0.0.1:3000/", "ws://127.0.0.1:3000/ws", "http://127.0.0.1:3000"},
		{"https://dash.example/livedash/?x=1#top", "wss://dash.example/livedash/ws", "https://dash.example/livedash"},
		{"ws://h:1", "ws://h:1/ws", "http://h:1"},
	}
	for _, tc := range cases {
		ws, rest, err := endpoints(tc.in)
		if err != nil || ws.String() != tc.ws || rest.String() != tc.rest {
			t.Fatalf("endpoints(%q) = %v, %v, %v; want %s, %s", tc.in, ws, rest, err, tc.ws, tc.rest)
		}
	}
}

func TestBackoffGrowsWithJitterUpToTheMax(t *testing.T) {
	c := &Client{opts: Options{MinDelay: 100 * time.Millisecond, MaxDelay: time.Second}}
	for failures, want := range []time.Duration{100, 200, 400, 800, 1000, 1000, 1000} {
		want *= time.Millisecond
		for range 50 {
			if d := c.backoff(failures); d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", failures, d, want/2, want)
			}
		}
	}
	if d := c.backoff(1000); d > time.Second {
		t.Fatalf("backoff(1000) = %s", d)
	}
}
