package outbox

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// pinged counts the pings a peer gets and when the first came; it reads
// (and drops) everything else.
type pinged struct {
	n     atomic.Int64
	first atomic.Int64 // unix nanoseconds
}

func countPings(peer *websocket.Conn) *pinged {
	p := new(pinged)
	peer.SetPingHandler(func(string) error {
		if p.n.Add(1) == 1 {
			p.first.Store(time.Now().UnixNano())
		}
		return nil
	})
	go func() {
		for {
			if _, _, err := peer.NextReader(); err != nil {
				return
			}
		}
	}()
	return p
}

// The wheel pings each connection once per interval, the first about an
// interval after it joined, and no more once it left.
func TestPingsFromTheWheel(t *testing.T) {
	const interval = 64 * time.Millisecond
	cfg := testConfig()
	cfg.PingInterval = interval
	p := NewPool(cfg)
	a, aPeer := open(t, p, nil)
	b, bPeer := open(t, p, nil)
	aPings, bPings := countPings(aPeer), countPings(bPeer)
	start := time.Now()
	a.StartPings()
	b.StartPings()
	t.Cleanup(a.StopPings)
	t.Cleanup(b.StopPings)

	waitFor(t, "three pings each", func() bool { return aPings.n.Load() >= 3 && bPings.n.Load() >= 3 })
	elapsed := time.Since(start)
	// A ticker is never early: the first ping comes after the slot it
	// joined comes round again (pingSlots-1 ticks at least), and each
	// later one a whole interval after the one before.
	for name, pp := range map[string]*pinged{"a": aPings, "b": bPings} {
		if first := time.Unix(0, pp.first.Load()).Sub(start); first < interval*(pingSlots-1)/pingSlots {
			t.Errorf("%s: first ping %v after joining, want about %v", name, first, interval)
		}
		if n := pp.n.Load(); time.Duration(n-1)*interval*(pingSlots-1)/pingSlots > elapsed {
			t.Errorf("%s: %d pings in %v, more than one per interval of %v", name, n, elapsed, interval)
		}
	}

	a.StopPings()
	left := aPings.n.Load()
	target := bPings.n.Load() + 3
	waitFor(t, "three more pings of b", func() bool { return bPings.n.Load() >= target })
	// One may have been due already, and one written but not yet read.
	if got := aPings.n.Load(); got > left+2 {
		t.Fatalf("a got %d pings after it left the wheel", got-left)
	}
}

// A ping due while the connection is busy waits for its owner, which sends
// it with what else is due.
func TestPingDueWhileOwned(t *testing.T) {
	server, client := socketPair(t)
	o := new(Outbox)
	NewPool(testConfig()).Open(o, server) // owned by the opener from here
	pings := countPings(client)
	if o.queuePing() {
		t.Fatal("queuePing took the turn from its owner")
	}
	o.Release()
	waitFor(t, "the ping", func() bool { return pings.n.Load() == 1 })
}
