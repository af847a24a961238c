package ws

import (
	"bufio"
	"bytes"
	"io"
	"testing"
	"time"
)

// skipToClose stops at the peer's close frame, whatever frames come first,
// and never reads past it.
func TestSkipToClose(t *testing.T) {
	masked := func(opcode byte, payload []byte) []byte {
		b := []byte{0x80 | opcode}
		switch n := len(payload); {
		case n < 126:
			b = append(b, 0x80|byte(n))
		case n <= 0xFFFF:
			b = append(b, 0x80|126, byte(n>>8), byte(n))
		default:
			b = append(b, 0x80|127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
		}
		b = append(b, 1, 2, 3, 4) // masking key; payload bytes are not checked
		return append(b, payload...)
	}
	cases := []struct {
		name   string
		before [][]byte
	}{
		{"close first", nil},
		{"after a text frame", [][]byte{masked(1, []byte(`{"type":"ping"}`))}},
		{"after a 16-bit length", [][]byte{masked(1, bytes.Repeat([]byte("x"), 300))}},
		{"after a 64-bit length", [][]byte{masked(2, bytes.Repeat([]byte("y"), 70000))}},
		{"after a pong", [][]byte{masked(10, nil)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stream []byte
			for _, f := range tc.before {
				stream = append(stream, f...)
			}
			stream = append(stream, masked(8, []byte{0x03, 0xE8})...)
			stream = append(stream, "after the close"...)
			r := bufio.NewReaderSize(bytes.NewReader(stream), 512)
			done := make(chan struct{})
			go func() { skipToClose(r); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("skipToClose did not return")
			}
			// It stopped right after the close frame's header.
			rest, _ := io.ReadAll(r)
			if want := "\x01\x02\x03\x04\x03\xe8after the close"; string(rest) != want {
				t.Fatalf("left %q, want %q", rest, want)
			}
		})
	}
}
