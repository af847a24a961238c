package ws

import (
	"livedash/protocol"

	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/internal/sockettest"
	"livedash/models"
	"livedash/ws/outbox"
)

// handoffWait bounds every wait of the hub's tests.
const handoffWait = 10 * time.Second

// openTestConn registers a connection of s over a loopback WebSocket, its
// writing turn passed to the writers as after the preamble, and returns it
// with its peer.
func openTestConn(tb testing.TB, s *Server) (*conn, *websocket.Conn) {
	tb.Helper()
	server, client := sockettest.Pair(tb, nil)
	c := s.newConn(server, Params{Client: "c-" + client.LocalAddr().String(), PublicID: "p-" + client.LocalAddr().String()})
	if _, err := s.hub.register(c); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.hub.unregister(c) })
	c.out.Release()
	return c, client
}

// readSeqs reads event frames and sends their seqs, until reading fails.
func readSeqs(tb testing.TB, peer *websocket.Conn) <-chan int64 {
	tb.Helper()
	seqs := make(chan int64, 1024)
	go func() {
		defer close(seqs)
		for {
			_, b, err := peer.ReadMessage()
			if err != nil {
				return
			}
			// The seq is near the start; the payload may be large.
			_, after, ok := bytes.Cut(b, []byte(`"seq":`))
			end := bytes.IndexAny(after, ",}")
			if !ok || end < 0 {
				return
			}
			seq, err := strconv.ParseInt(string(after[:end]), 10, 64)
			if err != nil {
				return
			}
			seqs <- seq
		}
	}()
	return seqs
}

// expectSeqs fails unless the peer reads exactly from..to, in order.
func expectSeqs(tb testing.TB, seqs <-chan int64, from, to int64) {
	tb.Helper()
	for want := from; want <= to; want++ {
		select {
		case got, ok := <-seqs:
			if !ok {
				tb.Fatalf("the peer's reading ended before seq %d", want)
			}
			if got != want {
				tb.Fatalf("peer read seq %d, want %d", got, want)
			}
		case <-time.After(handoffWait):
			tb.Fatalf("seq %d never arrived", want)
		}
	}
}

func events(tb testing.TB, from, to int64) []models.Event {
	tb.Helper()
	var evs []models.Event
	for seq := from; seq <= to; seq++ {
		evs = append(evs, benchEvent(tb, seq))
	}
	return evs
}

// Publish hands every connection its events through the writers, in seq
// order, once: one at a time, in batches, and with a batch that repeats
// what was delivered (a feed replaying itself after a restart).
func TestHubHandsEventsOffInOrder(t *testing.T) {
	h := NewHub(nil, NewLocalRoster(time.Hour)) // no presence frames during the test
	h.Start(0)
	s := NewServer(t.Context(), Config{Writers: 2}, nil, h, nil, nil)
	var peers []<-chan int64
	for range 3 {
		_, peer := openTestConn(t, s)
		peers = append(peers, readSeqs(t, peer))
	}
	for seq := int64(1); seq <= 50; seq++ {
		h.Publish(events(t, seq, seq))
	}
	h.Publish(events(t, 51, 80))
	h.Publish(events(t, 71, 100)) // 71..80 again
	h.Publish(events(t, 90, 95))  // nothing new
	for _, seqs := range peers {
		expectSeqs(t, seqs, 1, 100)
		select {
		case seq := <-seqs:
			t.Fatalf("peer read seq %d after the last", seq)
		default:
		}
	}
}

// A connection whose peer reads nothing overflows its queue and is closed
// with 1013; Publish does not wait for it, and another connection on the
// same writers gets every event (its peer kept under a queue behind).
func TestHubSlowConnectionClosesAlone(t *testing.T) {
	const queue, most = 64, 5000
	h := NewHub(nil, NewLocalRoster(time.Hour))
	h.Start(0)
	s := NewServer(t.Context(), Config{Writers: 1, SendQueue: queue}, nil, h, nil, nil)
	slow, _ := openTestConn(t, s) // its peer reads nothing
	_, fastPeer := openTestConn(t, s)
	fast := readSeqs(t, fastPeer)
	big := json.RawMessage(`"` + strings.Repeat("x", 16<<10) + `"`) // the slow peer's socket fills after a few hundred
	next, seq := int64(1), int64(0)
	publish := func() {
		seq++
		ev := benchEvent(t, seq)
		ev.Data = big
		h.Publish([]models.Event{ev})
		if seq >= queue/2 { // keep the fast peer under half a queue behind
			expectSeqs(t, fast, next, next)
			next++
		}
	}
	for slow.out.State() == outbox.Open {
		if seq == most {
			t.Fatalf("the slow connection is still open after %d events", most)
		}
		publish()
	}
	for range queue {
		publish()
	}
	expectSeqs(t, fast, next, seq)
	if code, _ := slow.out.CloseCode(); code != protocol.CloseTryAgain {
		t.Fatalf("the slow connection closes with %d, want %d", code, protocol.CloseTryAgain)
	}
}
