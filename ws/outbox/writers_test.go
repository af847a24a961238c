package outbox

import (
	"sync/atomic"
	"testing"
)

// A writer lets other goroutines run every yieldEvery outboxes of a pass, so
// that on one CPU the next event is queued while a crowd is being written
// (see yieldEvery). One writer, 100 outboxes: it yields after the 32nd,
// 64th and 96th.
func TestWriterYieldsDuringAPass(t *testing.T) {
	cfg := testConfig()
	cfg.Writers = 1
	p := NewPool(cfg)
	var yields atomic.Int64
	p.writers.yield = func() { yields.Add(1) }

	const n = 100
	due := make([]*Outbox, 0, n)
	got := make([]<-chan msg, 0, n)
	for range n {
		o, peer := open(t, p, nil)
		got = append(got, readAll(peer))
		if o.Enqueue([]*Frame{textFrame("event")}) {
			due = append(due, o)
		}
	}
	if len(due) != n {
		t.Fatalf("%d of %d outboxes took the turn", len(due), n)
	}
	HandOff(due)
	for _, g := range got {
		expect(t, g, "event")
	}
	if y := yields.Load(); y != n/yieldEvery {
		t.Errorf("a pass over %d outboxes yielded %d times, want %d", n, y, n/yieldEvery)
	}
}
