package ws

import (
	"sync"
	"time"
)

// writerPool writes for the connections that have something due, with at
// most max goroutines, started when work arrives and gone when none is
// left: an idle connection costs no goroutine and no buffer on the write
// side, and a broadcast is written by several goroutines in parallel.
type writerPool struct {
	max int

	mu     sync.Mutex
	ready  []*conn // FIFO from head; each connection at most once (conn.wowned)
	head   int
	active int
}

func newWriterPool(max int) *writerPool { return &writerPool{max: max} }

// push hands connections that are due (and owned by the pool from now on)
// to the writers, starting writers as needed.
func (p *writerPool) push(cs ...*conn) {
	if len(cs) == 0 {
		return
	}
	p.mu.Lock()
	if p.head > 0 && p.head*2 >= len(p.ready) { // keep the backing array bounded
		n := copy(p.ready, p.ready[p.head:])
		clear(p.ready[n:])
		p.ready, p.head = p.ready[:n], 0
	}
	p.ready = append(p.ready, cs...)
	start := 0
	for p.active < p.max && p.active < len(p.ready)-p.head {
		p.active++
		start++
	}
	p.mu.Unlock()
	for range start {
		go p.work()
	}
}

func (p *writerPool) work() {
	var batch []*frame
	for {
		p.mu.Lock()
		if p.head == len(p.ready) {
			p.active--
			if cap(p.ready) > 1024 {
				p.ready = nil // give a broadcast's list back
			} else {
				p.ready = p.ready[:0]
			}
			p.head = 0
			p.mu.Unlock()
			return
		}
		c := p.ready[p.head]
		p.ready[p.head] = nil
		p.head++
		p.mu.Unlock()
		batch = c.writeTurn(batch, false)
	}
}

// pushDue hands connections to their pools, one lock per run of connections
// that share a pool (all of them, in practice).
func pushDue(cs []*conn) {
	for i := 0; i < len(cs); {
		j := i + 1
		for j < len(cs) && cs[j].writers == cs[i].writers {
			j++
		}
		cs[i].writers.push(cs[i:j]...)
		i = j
	}
}

// pingSlots is how many groups the ping wheel spreads connections over: one
// group is pinged every PingInterval/pingSlots, so pings go out evenly
// instead of in one burst per interval.
const pingSlots = 16

// pingWheel pings every connection once per interval from one timer, in
// place of a ticker per connection. Its goroutine runs only while it has
// connections.
type pingWheel struct {
	interval time.Duration

	mu      sync.Mutex
	slots   [pingSlots]map[*conn]struct{}
	cursor  int // the slot pinged last
	n       int
	running bool
}

func newPingWheel(interval time.Duration) *pingWheel {
	w := &pingWheel{interval: interval}
	for i := range w.slots {
		w.slots[i] = make(map[*conn]struct{})
	}
	return w
}

// add puts c in the slot pinged last, so its first ping comes about an
// interval from now.
func (w *pingWheel) add(c *conn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c.pingSlot = w.cursor
	w.slots[w.cursor][c] = struct{}{}
	w.n++
	if !w.running {
		w.running = true
		go w.run()
	}
}

func (w *pingWheel) remove(c *conn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.slots[c.pingSlot][c]; ok {
		delete(w.slots[c.pingSlot], c)
		w.n--
	}
}

func (w *pingWheel) run() {
	t := time.NewTicker(max(w.interval/pingSlots, time.Millisecond))
	defer t.Stop()
	var due []*conn
	for range t.C {
		w.mu.Lock()
		if w.n == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		w.cursor = (w.cursor + 1) % pingSlots
		for c := range w.slots[w.cursor] {
			if c.queuePing() {
				due = append(due, c)
			}
		}
		w.mu.Unlock()
		pushDue(due)
		if clear(due); cap(due) > 1024 {
			due = nil
		}
		due = due[:0]
	}
}
