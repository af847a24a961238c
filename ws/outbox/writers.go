package outbox

import "sync"

// writerPool writes for the connections that have something due, with at
// most max goroutines, started when work arrives and gone when none is
// left: an idle connection costs no goroutine and no buffer on the write
// side, and a broadcast is written by several goroutines in parallel.
type writerPool struct {
	max int
	// yield lets other goroutines run every yieldEvery outboxes a writer
	// writes (runtime.Gosched; tests count the calls).
	yield func()

	mu     sync.Mutex
	ready  []*Outbox // FIFO from head; each outbox at most once (its turn is taken)
	head   int
	active int
}

// push hands outboxes whose turn was taken to the writers, starting
// writers as needed.
func (p *writerPool) push(os ...*Outbox) {
	if len(os) == 0 {
		return
	}
	p.mu.Lock()
	if p.head > 0 && p.head*2 >= len(p.ready) { // keep the backing array bounded
		n := copy(p.ready, p.ready[p.head:])
		clear(p.ready[n:])
		p.ready, p.head = p.ready[:n], 0
	}
	p.ready = append(p.ready, os...)
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

// yieldEvery is how many outboxes a writer writes before it lets other
// goroutines run. The writers' system calls never block, so on one CPU
// (GOMAXPROCS 1, as the benchmarks pin the server) a pass over a crowd
// kept the goroutines that queue the next event (the reader, the store's
// writer, the publisher) waiting for the scheduler's 10 ms slices: in a
// 10,000-connection crowd the next broadcast's first delivery came up to
// 230 ms after its send, and a presence round (a 7 KB frame to everyone)
// held an event back for its whole pass. Yielding every 32 outboxes (about
// half a millisecond of writes) brought the first delivery under 20 ms and
// the last of every broadcast to 112-143 ms, where it was 119-267 ms. The
// event queued meanwhile rides along in the same write as what is still
// queued.
const yieldEvery = 32

func (p *writerPool) work() {
	var batch []*Frame
	for n := 1; ; n++ {
		if n%yieldEvery == 0 {
			p.yield()
		}
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
		o := p.ready[p.head]
		p.ready[p.head] = nil
		p.head++
		p.mu.Unlock()
		batch = o.writeTurn(batch, false)
	}
}
