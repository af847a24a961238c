package outbox

import (
	"bytes"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// Frames reach the peer whole, once each, and in the order each sender
// queued them: one at a time, in batches, as frames spliced from pieces,
// and as a backlog larger than one coalesced write.
func TestFramesArriveInOrder(t *testing.T) {
	big := strings.Repeat("b", maxBatchBytes/3)
	cases := []struct {
		name   string
		frames func() [][]*Frame // each Send's frames
		want   []string
	}{
		{"one at a time", func() [][]*Frame {
			return [][]*Frame{{textFrame("a")}, {textFrame("b")}, {textFrame("c")}}
		}, []string{"a", "b", "c"}},
		{"a batch", func() [][]*Frame {
			return [][]*Frame{{textFrame("a"), textFrame("b"), textFrame("c")}}
		}, []string{"a", "b", "c"}},
		{"spliced from pieces", func() [][]*Frame {
			return [][]*Frame{{{Kind: "presence", Data: []byte("head,"), Own: []byte("me,"), Rest: []byte("rest")}, textFrame("after")}}
		}, []string{"head,me,rest", "after"}},
		{"more than one write", func() [][]*Frame {
			var fs []*Frame
			for i := range 10 {
				fs = append(fs, textFrame(strconv.Itoa(i)+big))
			}
			return [][]*Frame{fs}
		}, func() []string {
			var want []string
			for i := range 10 {
				want = append(want, strconv.Itoa(i)+big)
			}
			return want
		}()},
	}
	for _, kind := range socketKinds {
		for _, tc := range cases {
			t.Run(kind.name+"/"+tc.name, func(t *testing.T) {
				o, peer := open(t, NewPool(testConfig()), kind.wrap)
				got := readAll(peer)
				for _, fs := range tc.frames() {
					o.Send(fs...)
				}
				for _, want := range tc.want {
					expect(t, got, want)
				}
			})
		}
	}
}

// Many goroutines queue frames, pongs are due and pings come from the
// wheel while pool writers and writeBehind drain: exactly one goroutine
// writes to a connection's socket at a time, every frame arrives once and
// in its sender's order, and the turn is given back at the end.
func TestOneWriterAtATime(t *testing.T) {
	const senders, each, conns = 8, 300, 3
	for _, kind := range []string{"socket", "not a socket"} {
		t.Run(kind, func(t *testing.T) {
			cfg := testConfig()
			cfg.Writers = 2
			cfg.PingInterval = 16 * time.Millisecond // a ping every millisecond somewhere
			cfg.SendQueue = senders * each
			p := NewPool(cfg)
			type watchedConn struct {
				o   *Outbox
				w   *watched
				got <-chan msg
			}
			var wg sync.WaitGroup
			var all []watchedConn
			for range conns {
				var w *watched
				o, peer := open(t, p, func(nc net.Conn) net.Conn {
					w = newWatched(smallBuffers(nc))
					if kind == "not a socket" {
						return struct{ net.Conn }{w} // hides SyscallConn
					}
					return w
				})
				o.StartPings()
				t.Cleanup(o.StopPings)
				all = append(all, watchedConn{o, w, readAll(peer)})
				for s := range senders {
					wg.Go(func() {
						for n := range each {
							o.Send(numbered(s, n))
							if n%50 == 0 {
								o.QueuePong("p")
							}
						}
					})
				}
			}
			for _, c := range all {
				last := make([]int, senders)
				for i := range last {
					last[i] = -1
				}
				for range senders * each {
					m := next(t, c.got)
					if m.err != nil {
						t.Fatalf("peer read %v", m.err)
					}
					var s, n int
					if _, err := fmt.Sscanf(string(m.data), "%d/%d", &s, &n); err != nil {
						t.Fatalf("peer read %q", m.data)
					}
					if n != last[s]+1 {
						t.Fatalf("sender %d: frame %d after %d", s, n, last[s])
					}
					last[s] = n
				}
				if most := c.w.most.Load(); most != 1 {
					t.Fatalf("%d goroutines wrote to one socket at once", most)
				}
				c.o.StopPings()
				waitFor(t, "the turn given back", func() bool {
					c.o.mu.Lock()
					defer c.o.mu.Unlock()
					return !c.o.owned
				})
			}
			wg.Wait()
		})
	}
}

// Something made due while the owner writes is written by that owner
// before it gives the turn up: the owner looks again, nobody else takes
// the turn, and nothing waits for a later hand-off.
func TestDueWhileWritingIsWritten(t *testing.T) {
	for _, kind := range socketKinds {
		t.Run(kind.name, func(t *testing.T) {
			g := newGated()
			o, peer := open(t, NewPool(testConfig()), func(nc net.Conn) net.Conn {
				g.Conn = nc
				if kind.wrap != nil {
					return kind.wrap(g)
				}
				return g
			})
			got := readAll(peer)
			g.armed.Store(true)
			o.Send(textFrame("a"))
			select {
			case <-g.entered: // the owner is writing "a"
			case <-time.After(wait):
				t.Fatal("no write started")
			}
			o.Send(textFrame("b"))
			o.QueuePong("pong")
			close(g.open)
			expect(t, got, "a")
			expect(t, got, "b")
		})
	}
}

// gated holds the first write made once it is armed until open is closed.
type gated struct {
	hooked
	armed   atomic.Bool
	once    sync.Once
	entered chan struct{}
	open    chan struct{}
}

// newGated gates writes to a socket set later, in its Conn.
func newGated() *gated {
	g := &gated{entered: make(chan struct{}), open: make(chan struct{})}
	g.hooked = hooked{enter: g.hold, leave: func() {}}
	return g
}

func (g *gated) hold() {
	if g.armed.Load() {
		g.once.Do(func() {
			close(g.entered)
			<-g.open
		})
	}
}

// A connection whose peer does not read fills its queue and is closed with
// 1013; the connections sharing its pool go on getting their frames, and
// the slow peer, once it reads, gets what was written before the close
// frame, in order and without a gap.
func TestFullQueueClosesOnlyThatConnection(t *testing.T) {
	for _, kind := range socketKinds {
		t.Run(kind.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Writers = 1
			cfg.SendQueue = 64 // the fast peer's 50 frames fit even if none is written yet
			p := NewPool(cfg)
			slow, slowPeer := open(t, p, func(nc net.Conn) net.Conn {
				nc = smallBuffers(nc)
				if kind.wrap != nil {
					nc = kind.wrap(nc)
				}
				return nc
			})
			fast, fastPeer := open(t, p, kind.wrap)
			fastGot := readAll(fastPeer)

			payload := strings.Repeat("x", 16<<10)
			sent := 0
			for slow.State() == Open {
				if sent > 100_000 {
					t.Fatal("the queue never overflowed")
				}
				slow.Send(textFrame(strconv.Itoa(sent) + " " + payload))
				sent++
			}
			if code, reason := slow.CloseCode(); code != CloseTryAgain || reason != reasonQueueFull {
				t.Fatalf("close = %d %q, want %d %q", code, reason, CloseTryAgain, reasonQueueFull)
			}
			queued := func() int {
				slow.queue.mu.Lock()
				defer slow.queue.mu.Unlock()
				return len(slow.queue.frames)
			}
			before := queued()
			if slow.Enqueue([]*Frame{textFrame("late")}) || queued() != before {
				t.Fatal("a queue that overflowed took another frame")
			}

			for i := range 50 {
				fast.Send(textFrame(strconv.Itoa(i)))
			}
			for i := range 50 {
				expect(t, fastGot, strconv.Itoa(i))
			}

			slowGot := readAll(slowPeer)
			for n := 0; ; n++ {
				m := next(t, slowGot)
				if m.err != nil {
					if !websocket.IsCloseError(m.err, CloseTryAgain) {
						t.Fatalf("after %d frames the slow peer read %v, want close %d", n, m.err, CloseTryAgain)
					}
					if n > sent { // none, if the writer met the close first
						t.Fatalf("the slow peer read %d frames of %d sent", n, sent)
					}
					break
				}
				if want := strconv.Itoa(n) + " "; !bytes.HasPrefix(m.data, []byte(want)) || len(m.data) != len(want)+len(payload) {
					t.Fatalf("frame %d of the slow peer starts %q", n, m.data[:min(len(m.data), 10)])
				}
			}
			select {
			case <-slow.Done():
			case <-time.After(wait):
				t.Fatal("the slow connection's writing never ended")
			}
		})
	}
}

// A pool writer that meets a full socket returns at once and leaves the
// rest of the write to writeBehind: with one pool writer, another
// connection is written while the first peer reads nothing, and the first
// peer, once it reads, gets the whole frame and what was queued after it.
func TestWouldBlockLeavesRestToWriteBehind(t *testing.T) {
	for _, kind := range socketKinds {
		t.Run(kind.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Writers = 1
			cfg.WriteWait = 3 * wait // a pool writer that waited would hold "meanwhile" past the wait
			p := NewPool(cfg)
			blocked, blockedPeer := open(t, p, func(nc net.Conn) net.Conn {
				nc = smallBuffers(nc)
				if kind.wrap != nil {
					return kind.wrap(nc)
				}
				return nc
			})
			other, otherPeer := open(t, p, kind.wrap)
			otherGot := readAll(otherPeer)

			huge := strings.Repeat("h", 4<<20) // far more than the socket takes
			blocked.Send(textFrame(huge))
			blocked.Send(textFrame("after"))

			other.Send(textFrame("meanwhile"))
			expect(t, otherGot, "meanwhile")
			if blocked.State() != Open {
				t.Fatalf("the blocked connection is %v, want it open", blocked.State())
			}

			blockedGot := readAll(blockedPeer)
			expect(t, blockedGot, huge)
			expect(t, blockedGot, "after")
		})
	}
}
