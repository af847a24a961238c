package ws

// Benchmarks of the broadcast hot path, the hub's side: encode an event once
// (BenchmarkEncodeEvent) and queue it for every connection
// (BenchmarkFanout). Framing, the queue and the socket writes are the
// outbox's (ws/outbox/bench_test.go). Compare runs with benchstat; see
// docs/BENCHMARKS.md:
//
//	go test -run '^$' -bench . -count 6 ./ws/ ./ws/outbox/ > new.txt
//	benchstat old.txt new.txt

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"livedash/internal/sockettest"
	"livedash/models"
	"livedash/ws/outbox"
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

// benchConns registers n connections whose sockets take every write and
// whose writing turn the benchmark keeps (never released), as if a writer
// had it: publishing only queues, and the hand-off to the writer pool is
// not measured.
func benchConns(tb testing.TB, h *Hub, n, queue int) []*conn {
	tb.Helper()
	pool := outbox.NewPool(outbox.Config{Writers: 1, WriteWait: time.Second, PingInterval: time.Hour, SendQueue: queue})
	conns := make([]*conn, n)
	for i := range conns {
		c := &conn{identity: identity{Client: fmt.Sprintf("bench-%d", i), PublicID: fmt.Sprintf("p-bench-%d", i), Name: fmt.Sprintf("bench-%d", i)}}
		pool.Open(&c.out, sockettest.Discard(tb))
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
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ev.Seq = int64(i + 1)
				h.Publish([]models.Event{ev})
				if (i+1)%drainEvery == 0 {
					b.StopTimer()
					for _, c := range conns {
						if err := c.out.Flush(); err != nil {
							b.Fatal(err)
						}
					}
					b.StartTimer()
				}
			}
			b.StopTimer()
			for _, c := range conns {
				if c.out.State() != outbox.Open {
					b.Fatal("a queue overflowed: the benchmark measured drops, not deliveries")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/delivery")
		})
	}
}
