package ws

// Benchmarks of the broadcast hot path, piece by piece: encode an event once
// (BenchmarkEncodeEvent), queue it for every connection (BenchmarkFanout),
// hand it to the connection's writer (BenchmarkSendQueue), frame it
// (BenchmarkAppendTextFrame) and write it to the socket
// (BenchmarkWriteFrames). Compare runs with benchstat; see docs/BENCHMARKS.md:
//
//	go test -run '^$' -bench . -count 6 ./ws/ > new.txt
//	benchstat old.txt new.txt

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/models"
)

// benchEvent is a typical event as the store commits it: a score.increment's
// score.updated, with its actor and delta (about 300 bytes on the wire).
func benchEvent(tb testing.TB, seq int64) models.Event {
	tb.Helper()
	at := time.Date(2026, 11, 22, 10, 0, 0, 123456000, time.UTC)
	data, err := json.Marshal(models.Score{ID: 3, Player: "lg-3f9a1c2e-seed-3", Points: 12345, Version: 4321,
		CreatedAt: at.Add(-time.Hour), UpdatedAt: at})
	if err != nil {
		tb.Fatal(err)
	}
	delta := int64(1)
	return models.Event{Seq: seq, Type: "score.updated", Data: data, ActorID: "p-0123456789abcdef",
		ActorName: "loadgen-w12", Delta: &delta, At: at}
}

// BenchmarkEncodeEvent encodes one event: json.Marshal is what the hub does
// for every published event, MarshalJSON what the replay of a resuming
// client does. The difference is encoding/json re-scanning and compacting
// the Marshaler's output.
func BenchmarkEncodeEvent(b *testing.B) {
	ev := benchEvent(b, 120)
	b.Run("via=json.Marshal", func(b *testing.B) {
		out, _ := json.Marshal(ev)
		b.SetBytes(int64(len(out)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(ev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("via=MarshalJSON", func(b *testing.B) {
		out, _ := ev.MarshalJSON()
		b.SetBytes(int64(len(out)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ev.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAppendTextFrame frames payloads of the sizes the server sends
// (an ack, an event, a presence list, a large state) into a reused buffer,
// and a batch of 16 events as one coalesced write holds them.
func BenchmarkAppendTextFrame(b *testing.B) {
	for _, size := range []int{100, 300, 4 << 10, 70 << 10} {
		b.Run(fmt.Sprintf("bytes=%d", size), func(b *testing.B) {
			payload := []byte(strings.Repeat("x", size))
			buf := make([]byte, 0, size+16)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				buf = appendTextFrame(buf[:0], payload)
			}
		})
	}
	b.Run("batch=16x300", func(b *testing.B) {
		payload := []byte(strings.Repeat("x", 300))
		buf := make([]byte, 0, 16*310)
		b.SetBytes(16 * 300)
		b.ReportAllocs()
		for b.Loop() {
			buf = buf[:0]
			for range 16 {
				buf = appendTextFrame(buf, payload)
			}
		}
	})
}

// benchConns registers n connections that have a queue and no socket: the
// publish path only queues, it never touches the socket.
func benchConns(tb testing.TB, h *Hub, n, queue int) []*conn {
	tb.Helper()
	conns := make([]*conn, n)
	for i := range conns {
		// wowned: as if a writer had it, so publishing only queues (the
		// hand-off to the writer pool is not measured).
		c := &conn{hub: h, queue: sendQueue{limit: queue}, wowned: true, quit: make(chan struct{}),
			Params: Params{Client: fmt.Sprintf("bench-%d", i), PublicID: fmt.Sprintf("p-bench-%d", i), Name: fmt.Sprintf("bench-%d", i)}}
		if _, err := h.register(c); err != nil {
			tb.Fatal(err)
		}
		conns[i] = c
	}
	tb.Cleanup(func() {
		for _, c := range conns {
			h.unregister(c)
		}
	})
	return conns
}

// BenchmarkFanout publishes one event to n registered connections: encode
// once, then push the shared frame onto every connection's queue under the
// hub's lock. The queues are emptied (untimed) every 64 events, so, as in
// the server where writers drain them continuously, they stay small and
// keep their memory. ns/delivery is ns/op divided by n.
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			const queue, drainEvery = 1024, 64
			// Presence is coalesced over the presence delay: an hour keeps
			// its frames out of the measurement.
			h := NewHub(nil, NewLocalRoster(time.Hour))
			h.Start(0)
			conns := benchConns(b, h, n, queue)
			ev := benchEvent(b, 0)
			batch := make([]*frame, 0, queue)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ev.Seq = int64(i + 1)
				h.Publish([]models.Event{ev})
				if (i+1)%drainEvery == 0 {
					b.StopTimer()
					for _, c := range conns {
						batch = c.queue.take(batch)
					}
					b.StartTimer()
				}
			}
			b.StopTimer()
			for _, c := range conns {
				if c.overflowed.Load() {
					b.Fatal("a queue overflowed: the benchmark measured drops, not deliveries")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/delivery")
		})
	}
}

// BenchmarkSendQueue moves frames through one connection's queue: pushed
// and taken one at a time, and in bursts of 64 (as when the writer is
// behind). ns/op is per frame.
func BenchmarkSendQueue(b *testing.B) {
	f := &frame{kind: "score.updated", seq: 1, data: []byte(`{}`)}
	b.Run("mode=push-take", func(b *testing.B) {
		q := newSendQueue(1024)
		var dst []*frame
		b.ReportAllocs()
		for b.Loop() {
			q.push(f)
			dst = q.take(dst)
		}
	})
	b.Run("mode=burst-64", func(b *testing.B) {
		q := newSendQueue(1024)
		var dst []*frame
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			q.push(f)
			if i%64 == 63 {
				dst = q.take(dst)
			}
		}
	})
}

// benchSocket returns a connection whose socket is the server side of a
// real WebSocket over loopback TCP; the client side discards what it reads.
func benchSocket(b *testing.B) *conn {
	b.Helper()
	up := &websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024}
	got := make(chan *websocket.Conn, 1)
	hold := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		got <- c
		<-hold
	}))
	client, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http"), nil)
	if err != nil {
		b.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, client.NetConn()) }()
	sc := <-got
	b.Cleanup(func() {
		client.Close()
		sc.Close()
		close(hold)
		ts.Close()
	})
	h := NewHub(nil, nil)
	srv := NewServer(b.Context(), Config{}, nil, h, nil, nil)
	return srv.newConn(sc, Params{})
}

// BenchmarkWriteFrames writes a batch of 16 event frames to a loopback
// WebSocket: one library WriteMessage (one write syscall) per frame, as the
// connection's writer did before, or coalesced into one socket write, as it
// does now (benchstat -col /write compares them). ns/op is per batch;
// ns/frame divides by 16.
func BenchmarkWriteFrames(b *testing.B) {
	out, err := json.Marshal(benchEvent(b, 1))
	if err != nil {
		b.Fatal(err)
	}
	frames := make([]*frame, 16)
	for i := range frames {
		frames[i] = &frame{kind: "score.updated", seq: int64(i + 1), data: out}
	}
	b.Run("frames=16/write=per-frame", func(b *testing.B) {
		c := benchSocket(b)
		b.SetBytes(int64(16 * len(out)))
		b.ReportAllocs()
		for b.Loop() {
			for _, f := range frames {
				_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
				if err := c.ws.WriteMessage(websocket.TextMessage, f.data); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/16, "ns/frame")
	})
	b.Run("frames=16/write=coalesced", func(b *testing.B) {
		c := benchSocket(b)
		b.SetBytes(int64(16 * len(out)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.writeFrames(nil, frames, true); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/16, "ns/frame")
	})
}

// BenchmarkPoolWrite writes one event frame per write to a loopback
// WebSocket, as a pool writer does for each connection of a broadcast:
// with a write deadline of tryWait per write (before) or through the raw
// socket without one (tryWrite).
func BenchmarkPoolWrite(b *testing.B) {
	out, err := json.Marshal(benchEvent(b, 1))
	if err != nil {
		b.Fatal(err)
	}
	msg := appendTextFrame(nil, out)
	for _, tc := range []struct {
		name  string
		write func(c *conn) (int, error)
	}{
		{"via=deadline", func(c *conn) (int, error) {
			nc := c.ws.NetConn()
			if err := nc.SetWriteDeadline(time.Now().Add(tryWait)); err != nil {
				return 0, err
			}
			return nc.Write(msg)
		}},
		{"via=tryWrite", func(c *conn) (int, error) { return c.tryWrite(msg) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c := benchSocket(b)
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				n, err := tc.write(c)
				if err != nil && n < len(msg) { // the reader fell behind
					_, err = c.writeWithin(msg[max(n, 0):], time.Second)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
