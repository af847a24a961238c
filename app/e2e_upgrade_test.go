package app_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/fasthttp/websocket"

	"livedash/app/apptest"
)

// A client that sends a frame right behind its handshake, without waiting
// for the answer (RFC 6455 says it must wait; some do not), is served like
// any other: fasthttp's request reader holds that frame, so the connection
// is read where fasthttp can still hand it over (ws/hijack.go). It gets
// its welcome and the frame's ack, then a clean close: the server closes
// the socket itself, fasthttp keeping hijacked sockets open.
func TestFrameSentWithHandshake(t *testing.T) {
	srv := apptest.MustStartServer(t)
	c := rawConn(t, srv.Addr)
	handshake := "GET /ws?name=Early HTTP/1.1\r\nHost: " + srv.Addr + "\r\nUpgrade: websocket\r\n" +
		"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	early := maskedFrame(websocket.TextMessage, []byte(`{"type":"ping","id":"early","data":{}}`))
	if _, err := c.Write(append([]byte(handshake), early...)); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, &http.Request{Method: http.MethodGet})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", resp.StatusCode)
	}
	for _, want := range []string{`"type":"welcome"`, `"type":"ack","id":"early"`} {
		readFrameContaining(t, r, want)
	}
	// fasthttp reads other requests meanwhile, with the readers of its pool;
	// the connection still reads its own socket: a second request is
	// answered too.
	for range 8 {
		if status, body := srv.Do(t, http.MethodGet, "/healthz", nil, nil); status != http.StatusOK {
			t.Fatalf("healthz: %d %s", status, body)
		}
	}
	if _, err := c.Write(maskedFrame(websocket.TextMessage, []byte(`{"type":"ping","id":"later","data":{}}`))); err != nil {
		t.Fatal(err)
	}
	readFrameContaining(t, r, `"type":"ack","id":"later"`)
	if _, err := c.Write(maskedFrame(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))); err != nil {
		t.Fatal(err)
	}
	for {
		op, payload, err := readServerFrame(r)
		if err != nil {
			t.Fatalf("no close frame: %v", err)
		}
		if op == websocket.CloseMessage {
			if code := binary.BigEndian.Uint16(payload); code != websocket.CloseNormalClosure {
				t.Fatalf("close code %d, want 1000", code)
			}
			break
		}
	}
	if _, err := r.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the close frame: %v, want the socket closed (EOF)", err)
	}
}

// readFrameContaining reads server frames until one contains want.
func readFrameContaining(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	for {
		_, payload, err := readServerFrame(r)
		if err != nil {
			t.Fatalf("waiting for a frame with %s: %v", want, err)
		}
		if bytes.Contains(payload, []byte(want)) {
			return
		}
	}
}

// readServerFrame reads one unmasked, unfragmented frame.
func readServerFrame(r *bufio.Reader) (int, []byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	payload := make([]byte, n)
	_, err := io.ReadFull(r, payload)
	return int(h[0] & 0x0f), payload, err
}

// maskedFrame is a client's frame of one message shorter than 126 bytes.
func maskedFrame(op int, payload []byte) []byte {
	mask := [4]byte{1, 2, 3, 4}
	f := append([]byte{0x80 | byte(op), 0x80 | byte(len(payload))}, mask[:]...)
	for i, b := range payload {
		f = append(f, b^mask[i%4])
	}
	return f
}
