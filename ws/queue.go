package ws

import (
	"sync"
	"time"
)

// frame is an encoded server frame. Broadcast frames are built once and the
// same *frame is queued for every recipient, so they must not be changed.
type frame struct {
	kind      string    // frame type, for metrics
	seq       int64     // events only
	committed time.Time // events only: when the hub got it, for latency
	data      []byte
	// A frame made for one recipient from shared pieces: its payload is
	// data, then own, then rest (see presenceFrames).
	own, rest []byte
}

// appendTo appends f as a WebSocket text frame.
func (f *frame) appendTo(b []byte) []byte {
	if f.own == nil {
		return appendTextFrame(b, f.data)
	}
	return appendTextFrameParts(b, f.data, f.own, f.rest)
}

// payload is f's whole payload (a copy only for frames made of pieces).
func (f *frame) payload() []byte {
	if f.own == nil {
		return f.data
	}
	return append(append(append([]byte(nil), f.data...), f.own...), f.rest...)
}

// sendQueue is a connection's bounded FIFO of frames. Unlike a buffered
// channel it holds memory only for what is queued, which matters with
// thousands of mostly idle connections.
type sendQueue struct {
	mu     sync.Mutex
	frames []*frame
	limit  int
	room   chan struct{} // gets a token whenever the writer takes frames; made by the first waitBelow
}

func newSendQueue(limit int) *sendQueue {
	return &sendQueue{limit: limit}
}

// push appends frames, or none and reports false when they do not fit.
func (q *sendQueue) push(frames ...*frame) bool {
	q.mu.Lock()
	if len(q.frames)+len(frames) > q.limit {
		q.mu.Unlock()
		return false
	}
	q.frames = append(q.frames, frames...)
	q.mu.Unlock()
	return true
}

// take moves everything queued into dst (reused between calls) and returns it.
func (q *sendQueue) take(dst []*frame) []*frame {
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
	select {
	case room <- struct{}{}: // never chosen while room is nil
	default:
	}
	return dst
}

// waitBelow blocks until fewer than n frames are queued or quit is closed.
// It has one caller per queue, the connection's reader.
func (q *sendQueue) waitBelow(n int, quit <-chan struct{}) {
	for {
		q.mu.Lock()
		queued := len(q.frames)
		if q.room == nil {
			q.room = make(chan struct{}, 1)
		}
		room := q.room
		q.mu.Unlock()
		if queued < n {
			return
		}
		select {
		case <-room:
		case <-quit:
			return
		}
	}
}
