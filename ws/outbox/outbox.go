package outbox

import (
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/fasthttp/websocket"
)

// Outbox is one connection's writing side: its send queue, what else is due
// (a ping, a pong, the close), and who owns the writing turn (see the
// package doc). It is kept by value in the session's connection, so an idle
// connection costs one allocation for both; Pool.Open readies it.
type Outbox struct {
	pool  *Pool
	ws    *websocket.Conn
	raw   syscall.RawConn // ws's socket, for the pool's writes; nil: not a socket (see rawConnOf)
	queue sendQueue

	mu        sync.Mutex // guards owned to pong, writesDone and done
	owned     bool       // a goroutine owns the writing turn
	due       bool       // something may be due since the owner last looked
	pingDue   bool       // the ping wheel asked for a ping
	pongDue   bool       // the peer pinged; pong answers it
	drain     bool       // set with closeCode: write what is queued before the close frame
	pingSlot  uint8      // the ping wheel's slot, under the wheel's lock
	closeCode uint16     // set once, before state becomes Closing; 0: no close frame
	state     atomic.Uint32
	// writesDone: finishWrites is over; Done's channel, made by its first
	// call, is closed then.
	writesDone bool
	pong       string
	reason     string        // the close frame's reason, set with closeCode
	finalRead  atomic.Int64  // unix nanoseconds: the reader's last deadline, once writing is done
	done       chan struct{} // nil until Done is called
}

// Enqueue queues frames in order, all or none, and reports whether the
// caller took the writing turn and must hand o to the writers (HandOff): a
// broadcast hands all its connections over at once. A queue that cannot
// take them closes the connection with 1013: a peer that cannot keep up
// must not slow anyone else, and it resumes from the log when it
// reconnects.
func (o *Outbox) Enqueue(frames []*Frame) bool {
	ok, overflowed := o.queue.push(o.pool.sendQueue, frames)
	if !ok {
		if overflowed {
			o.pool.metrics.QueueDrop()
			o.Finish(CloseTryAgain, reasonQueueFull, false)
		}
		return false
	}
	return o.markDue()
}

// Send queues frames in order, all or none, and hands o to the writers if
// it took the turn.
func (o *Outbox) Send(frames ...*Frame) {
	if o.Enqueue(frames) {
		o.pool.writers.push(o)
	}
}

// QueuePong notes that a pong answering data is due.
func (o *Outbox) QueuePong(data string) {
	o.mu.Lock()
	o.pong, o.pongDue = data, true // a pong already due: the last one answers both
	o.mu.Unlock()
	o.schedule()
}

// queuePing notes that a ping is due; the ping wheel calls it and hands o
// to the writers when it reports true (see markDue).
func (o *Outbox) queuePing() bool {
	o.mu.Lock()
	o.pingDue = true
	o.mu.Unlock()
	return o.markDue()
}

// schedule notes that something is due and hands o to the writers unless
// an owner has the turn already (the owner looks again before letting go).
func (o *Outbox) schedule() {
	if o.markDue() {
		o.pool.writers.push(o)
	}
}

// markDue notes that something is due and reports whether the caller took
// the turn and must hand o to the writers.
func (o *Outbox) markDue() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.due = true
	if o.owned {
		return false
	}
	o.owned = true
	return true
}

// WaitBelow blocks until fewer than n frames are queued or the connection
// is Closing. The reader calls it to push back on a peer that sends faster
// than it reads its replies; it is the queue's one waiter.
func (o *Outbox) WaitBelow(n int) {
	o.queue.waitBelow(n, o.closing)
}

func (o *Outbox) closing() bool { return o.State() >= Closing }

// StartPings has the pool's ping wheel ping o once per interval, the
// first about an interval from now.
func (o *Outbox) StartPings() { o.pool.pings.add(o) }

// StopPings takes o off the ping wheel.
func (o *Outbox) StopPings() { o.pool.pings.remove(o) }
