package outbox

import (
	"sync/atomic"
	"testing"
	"time"
)

// push takes frames all or none, and after the first push that does not
// fit, none at all: it reports the overflow once.
func TestQueuePushAllOrNone(t *testing.T) {
	f := textFrame("f")
	cases := []struct {
		name           string
		pushes         []int // frames per push
		ok, overflowed []bool
		queued         int
	}{
		{"fits", []int{2, 2}, []bool{true, true}, []bool{false, false}, 4},
		{"exactly the limit", []int{4}, []bool{true}, []bool{false}, 4},
		{"a batch that does not fit is refused whole", []int{3, 2}, []bool{true, false}, []bool{false, true}, 3},
		{"refused after the overflow, reported once", []int{5, 1, 1}, []bool{false, false, false}, []bool{true, false, false}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var q sendQueue
			for i, n := range tc.pushes {
				batch := make([]*Frame, n)
				for j := range batch {
					batch[j] = f
				}
				ok, overflowed := q.push(4, batch)
				if ok != tc.ok[i] || overflowed != tc.overflowed[i] {
					t.Fatalf("push %d of %d = %v, %v; want %v, %v", i, n, ok, overflowed, tc.ok[i], tc.overflowed[i])
				}
			}
			if got := len(q.take(nil)); got != tc.queued {
				t.Fatalf("%d frames queued, want %d", got, tc.queued)
			}
		})
	}
}

// waitBelow returns at once below n, blocks at n or more until take makes
// room, and returns when stop turns true and the queue is woken.
func TestWaitBelow(t *testing.T) {
	f := textFrame("f")
	cases := []struct {
		name    string
		queued  int
		n       int
		release func(q *sendQueue, stop *atomic.Bool) // nil: must not block
	}{
		{"empty", 0, 1, nil},
		{"below", 2, 3, nil},
		{"at n until taken", 3, 3, func(q *sendQueue, _ *atomic.Bool) { q.take(nil) }},
		{"above n until taken", 5, 3, func(q *sendQueue, _ *atomic.Bool) { q.take(nil) }},
		{"until stopped and woken", 3, 3, func(q *sendQueue, stop *atomic.Bool) {
			stop.Store(true)
			q.wake()
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var q sendQueue
			q.push(100, make([]*Frame, tc.queued))
			for i := range q.frames {
				q.frames[i] = f
			}
			var stop atomic.Bool
			done := make(chan struct{})
			go func() {
				q.waitBelow(tc.n, stop.Load)
				close(done)
			}()
			if tc.release == nil {
				select {
				case <-done:
				case <-time.After(wait):
					t.Fatal("waitBelow blocked below n")
				}
				return
			}
			select {
			case <-done:
				t.Fatal("waitBelow returned with the queue full")
			case <-time.After(20 * time.Millisecond): // it blocks, as far as a moment shows
			}
			tc.release(&q, &stop)
			select {
			case <-done:
			case <-time.After(wait):
				t.Fatal("waitBelow did not return once released")
			}
		})
	}
}

// Finish wakes a reader waiting for room (WaitBelow), whether it is parked
// already or about to look: the wait ends on every try.
func TestFinishWakesWaitBelow(t *testing.T) {
	p := NewPool(testConfig())
	for i := range 50 {
		o, _ := open(t, p, nil)
		o.queue.push(100, []*Frame{textFrame("a"), textFrame("b")})
		done := make(chan struct{})
		go func() {
			o.WaitBelow(1)
			close(done)
		}()
		waitFor(t, "the reader to wait", func() bool {
			o.queue.mu.Lock()
			defer o.queue.mu.Unlock()
			return o.queue.room != nil
		})
		o.Finish(NoCloseFrame, "", false)
		select {
		case <-done:
		case <-time.After(wait):
			t.Fatalf("try %d: WaitBelow went on waiting after Finish", i)
		}
	}
}
