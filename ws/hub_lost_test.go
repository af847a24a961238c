package ws

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/protocol"
)

// When the store could not read events before publishing later ones (Lost),
// every connection is closed with 1013 before the later events reach it, so
// none sees a silent gap; one registered afterwards is welcomed past the
// hole.
func TestHubLostClosesEveryConnection(t *testing.T) {
	h := NewHub(nil, NewLocalRoster(time.Hour))
	h.Start(0)
	s := NewServer(t.Context(), Config{Writers: 1}, nil, h, nil, nil)
	_, peerA := openTestConn(t, s)
	_, peerB := openTestConn(t, s)
	h.Publish(events(t, 1, 3))
	h.Lost(3, 10)
	h.Publish(events(t, 10, 12))
	for name, peer := range map[string]*websocket.Conn{"a": peerA, "b": peerB} {
		t.Run(name, func(t *testing.T) {
			if err := peer.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
				t.Fatal(err)
			}
			var seen []int64
			for {
				_, b, err := peer.ReadMessage()
				var ce *websocket.CloseError
				if errors.As(err, &ce) {
					if ce.Code != protocol.CloseTryAgain {
						t.Fatalf("closed with %d, want %d", ce.Code, protocol.CloseTryAgain)
					}
					break
				}
				if err != nil {
					t.Fatalf("read after events %v: %v (want a close with %d)", seen, err, protocol.CloseTryAgain)
				}
				seen = append(seen, frameSeq(t, b))
			}
			for _, seq := range seen {
				if seq > 3 {
					t.Fatalf("got seq %d after the lost events (frames %v)", seq, seen)
				}
			}
		})
	}
	// register welcomes a new connection with the hub's seq.
	h.mu.Lock()
	seq := h.seq
	h.mu.Unlock()
	if seq != 12 {
		t.Errorf("welcome seq after the lost events = %d, want 12", seq)
	}
}

// frameSeq is the seq of an event frame.
func frameSeq(tb testing.TB, b []byte) int64 {
	tb.Helper()
	var f struct{ Seq int64 }
	if err := json.Unmarshal(b, &f); err != nil {
		tb.Fatalf("frame %s: %v", b, err)
	}
	return f.Seq
}
