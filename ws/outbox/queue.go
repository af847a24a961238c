package outbox

import "sync"

// sendQueue is a connection's bounded FIFO of frames. Unlike a buffered
// channel it holds memory only for what is queued, which matters with
// thousands of mostly idle connections. Its limit is the pool's, the same
// for every connection, so it is passed in rather than kept per queue.
type sendQueue struct {
	mu     sync.Mutex
	frames []*Frame
	room   chan struct{} // gets a token whenever frames are taken or the queue wakes; made by the first waitBelow
	full   bool          // a push did not fit: the queue takes nothing more
}

// push appends frames, or none and reports false when they do not fit
// under limit. The push that first does not fit reports overflowed too;
// from then on every push is refused, so the connection is closed once.
func (q *sendQueue) push(limit int, frames []*Frame) (ok, overflowed bool) {
	q.mu.Lock()
	if q.full || len(q.frames)+len(frames) > limit {
		overflowed = !q.full
		q.full = true
		q.mu.Unlock()
		return false, overflowed
	}
	q.frames = append(q.frames, frames...)
	q.mu.Unlock()
	return true, false
}

// take moves everything queued into dst (reused between calls) and returns it.
func (q *sendQueue) take(dst []*Frame) []*Frame {
	q.mu.Lock()
	dst = append(dst[:0], q.frames...)
	clear(q.frames)
	if cap(q.frames) > 64 {
		q.frames = nil // give a burst's memory back
	} else {
		q.frames = q.frames[:0]
	}
	room := q.room
	q.mu.Unlock()
	wake(room)
	return dst
}

// wake lets a waitBelow look again (at stop, after the caller changed it).
func (q *sendQueue) wake() {
	q.mu.Lock()
	room := q.room
	q.mu.Unlock()
	wake(room)
}

func wake(room chan struct{}) {
	select {
	case room <- struct{}{}: // never chosen while room is nil
	default:
	}
}

// waitBelow blocks until fewer than n frames are queued or stop reports
// true. It has one caller per queue, the connection's reader. A caller of
// wake or take after stop turned true ends the wait: room is made before
// stop is looked at, so either that look sees it or the wake finds room.
func (q *sendQueue) waitBelow(n int, stop func() bool) {
	for {
		q.mu.Lock()
		queued := len(q.frames)
		if q.room == nil {
			q.room = make(chan struct{}, 1)
		}
		room := q.room
		q.mu.Unlock()
		if queued < n || stop() {
			return
		}
		<-room
	}
}
