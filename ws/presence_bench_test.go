package ws

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkPresenceRound sends one presence round to n connections, half
// of them past the cap (each gets its own spliced frame). The queues are
// emptied untimed after each round.
func BenchmarkPresenceRound(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			h := NewHub(nil, NewLocalRoster(time.Hour))
			h.Start(0)
			conns := benchConns(b, h, n, 16)
			b.ReportAllocs()
			for b.Loop() {
				h.sendPresence()
				b.StopTimer()
				for _, c := range conns {
					if err := c.out.Flush(); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
			}
		})
	}
}
