package outbox

// Benchmarks of the write engine's hot path: frame an event
// (BenchmarkAppendTextFrame), move it through a connection's queue
// (BenchmarkSendQueue) and write it to the socket (BenchmarkWriteFrames,
// BenchmarkPoolWrite). The hub's side is in ws/bench_test.go. Compare runs
// with benchstat; see docs/BENCHMARKS.md:
//
//	go test -run '^$' -bench . -count 6 ./ws/ ./ws/outbox/ > new.txt
//	benchstat old.txt new.txt

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// benchPayload is a typical event frame's payload: a score.updated with its
// actor and delta, about 300 bytes on the wire.
var benchPayload = []byte(`{"type":"score.updated","seq":1,"data":{"id":3,"player":"lg-3f9a1c2e-seed-3","points":12345,"version":4321,` +
	`"created_at":"2026-11-22T09:00:00.123456Z","updated_at":"2026-11-22T10:00:00.123456Z"},` +
	`"actor":{"id":"p-0123456789abcdef","name":"loadgen-w12"},"delta":1,"at":"2026-11-22T10:00:00.123456Z"}`)

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

// BenchmarkSendQueue moves frames through one connection's queue: pushed
// and taken one at a time, and in bursts of 64 (as when the writer is
// behind). ns/op is per frame.
func BenchmarkSendQueue(b *testing.B) {
	f := []*Frame{{Kind: "score.updated", Seq: 1, Data: []byte(`{}`)}}
	b.Run("mode=push-take", func(b *testing.B) {
		var q sendQueue
		var dst []*Frame
		b.ReportAllocs()
		for b.Loop() {
			q.push(1024, f)
			dst = q.take(dst)
		}
	})
	b.Run("mode=burst-64", func(b *testing.B) {
		var q sendQueue
		var dst []*Frame
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			q.push(1024, f)
			if i%64 == 63 {
				dst = q.take(dst)
			}
		}
	})
}

// benchSocket returns an outbox, owned by the benchmark, whose socket is
// the server side of a real WebSocket over loopback TCP; the peer discards
// what it reads.
func benchSocket(b *testing.B) *Outbox {
	b.Helper()
	server, client := socketPair(b)
	go func() { _, _ = io.Copy(io.Discard, client.NetConn()) }()
	o := new(Outbox)
	NewPool(testConfig()).Open(o, server)
	return o
}

// BenchmarkWriteFrames writes a batch of 16 event frames to a loopback
// WebSocket: one library WriteMessage (one write syscall) per frame, as the
// connection's writer did before, or coalesced into one socket write, as it
// does now (benchstat -col /write compares them). ns/op is per batch;
// ns/frame divides by 16.
func BenchmarkWriteFrames(b *testing.B) {
	frames := make([]*Frame, 16)
	for i := range frames {
		frames[i] = &Frame{Kind: "score.updated", Seq: int64(i + 1), Data: benchPayload}
	}
	b.Run("frames=16/write=per-frame", func(b *testing.B) {
		o := benchSocket(b)
		b.SetBytes(int64(16 * len(benchPayload)))
		b.ReportAllocs()
		for b.Loop() {
			for _, f := range frames {
				_ = o.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
				if err := o.ws.WriteMessage(websocket.TextMessage, f.Data); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/16, "ns/frame")
	})
	b.Run("frames=16/write=coalesced", func(b *testing.B) {
		o := benchSocket(b)
		b.SetBytes(int64(16 * len(benchPayload)))
		b.ReportAllocs()
		for b.Loop() {
			if err := o.WriteFrames(frames); err != nil {
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
	msg := appendTextFrame(nil, benchPayload)
	for _, tc := range []struct {
		name  string
		write func(o *Outbox) (int, error)
	}{
		{"via=deadline", func(o *Outbox) (int, error) {
			nc := o.ws.NetConn()
			if err := nc.SetWriteDeadline(time.Now().Add(tryWait)); err != nil {
				return 0, err
			}
			return nc.Write(msg)
		}},
		{"via=tryWrite", func(o *Outbox) (int, error) { return o.tryWrite(msg) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			o := benchSocket(b)
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				n, err := tc.write(o)
				if err != nil && n < len(msg) { // the reader fell behind
					_, err = o.writeWithin(msg[max(n, 0):], time.Second)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
