package outbox

import (
	"errors"
	"os"
	"time"

	"github.com/fasthttp/websocket"
)

// How the owner writes (who owns the turn: see the package doc). A pool
// writer never waits on a socket: it writes what the socket takes at once
// (tryWrite) and leaves the rest to writeBehind. Every other write has a
// WriteWait deadline, cleared once the write is done, so that no deadline
// is left on the socket when the pool writes next.

// tryWait bounds a pool write where tryWrite cannot be used (not a
// socket): how long it may wait for the peer to take it.
const tryWait = time.Millisecond

// errWouldBlock reports a write that the socket did not take at once.
var errWouldBlock = errors.New("outbox: socket would block")

// Release passes the opener's turn on: it writes, with deadlines, what
// became due while the opener wrote, then lets go (or closes, if Finish
// was called). Only the opener calls it, once.
func (o *Outbox) Release() {
	o.mu.Lock()
	o.due = true // look at least once: the queue may hold frames
	o.mu.Unlock()
	o.writeTurn(nil, true)
}

// writeTurn writes whatever is due until nothing is, then gives the turn
// up. It runs on the owner: a pool writer (blocking false), or the opener
// or writeBehind (blocking true). batch is scratch space, returned for
// reuse.
func (o *Outbox) writeTurn(batch []*Frame, blocking bool) []*Frame {
	for {
		o.mu.Lock()
		if !o.due {
			o.owned = false
			o.mu.Unlock()
			return batch
		}
		o.due = false
		ping, pongDue, pong := o.pingDue, o.pongDue, o.pong
		o.pingDue, o.pongDue, o.pong = false, false, ""
		o.mu.Unlock()
		if o.closing() {
			if blocking {
				o.finishWrites()
			} else {
				go o.finishWrites()
			}
			return batch
		}
		var ctl []byte
		if pongDue {
			ctl = appendControlFrame(ctl, websocket.PongMessage, pong)
		}
		if ping {
			ctl = appendControlFrame(ctl, websocket.PingMessage, "")
		}
		batch = o.queue.take(batch)
		rest, err := o.writeFrames(ctl, batch, blocking)
		if errors.Is(err, errWouldBlock) {
			go o.writeBehind(rest)
		} else if err != nil {
			o.Finish(NoCloseFrame, "", false)
		}
		// Idle connections are most of them: hold no frames between
		// turns, and no large slice after a burst.
		if clear(batch); cap(batch) > 64 {
			batch = nil
		}
		if errors.Is(err, errWouldBlock) {
			return batch
		}
	}
}

// writeBehind finishes, on a goroutine of the connection's own, what a pool
// writer could not write at once, then goes on writing with WriteWait
// deadlines until nothing is due. A peer that does not read long enough
// for a write to time out, or fills its queue, is closed.
func (o *Outbox) writeBehind(rest *[]byte) {
	_, err := o.writeWithin(*rest, o.pool.writeWait)
	o.pool.buffers.Put(rest)
	if err != nil {
		o.Finish(NoCloseFrame, "", false)
	}
	o.writeTurn(nil, true)
}

// Write sends data as one text frame, waiting up to WriteWait. Only the
// owner calls it: the opener, before Release.
func (o *Outbox) Write(data []byte) error {
	_, err := o.writeWithin(appendTextFrame(make([]byte, 0, len(data)+10), data), o.pool.writeWait)
	return err
}

// WriteFrames sends frames, coalesced, waiting up to WriteWait for each
// write. Only the owner calls it: the opener, before Release.
func (o *Outbox) WriteFrames(frames []*Frame) error {
	_, err := o.writeFrames(nil, frames, true)
	return err
}

// Flush writes what is queued now, waiting up to WriteWait for each
// write; a draining close carries the last acks out this way before its
// close frame. Only the owner calls it.
func (o *Outbox) Flush() error { return o.WriteFrames(o.queue.take(nil)) }

// writeFrames sends control bytes ctl, then frames, coalesced into as few
// writes as possible. The bytes go straight to the socket: the library has
// no batch write, and one syscall per frame was most of the server's CPU
// under fan-out. Only the owner writes, and control frames other than the
// close go the same way, so frames never interleave.
//
// When blocking is false and the socket does not take a write at once, it
// returns errWouldBlock and the bytes still to write (the rest of that
// write and every frame after it), in a buffer from the pool's buffers.
func (o *Outbox) writeFrames(ctl []byte, frames []*Frame, blocking bool) (*[]byte, error) {
	m := o.pool.metrics
	buf := o.pool.buffers.Get().(*[]byte)
	b := append((*buf)[:0], ctl...)
	now := time.Now()
	for i, f := range frames {
		if !f.Committed.IsZero() {
			m.Delivery(now.Sub(f.Committed))
		}
		m.MessageOut(f.Kind)
		b = f.appendTo(b)
		if len(b) < maxBatchBytes && i < len(frames)-1 {
			continue
		}
		n, err := o.writeSome(b, blocking)
		if errors.Is(err, errWouldBlock) {
			rest := append(b[:0], b[n:]...)
			for _, f := range frames[i+1:] {
				rest = f.appendTo(rest)
			}
			*buf = rest
			return buf, errWouldBlock
		}
		if err != nil {
			*buf = b[:0]
			o.pool.buffers.Put(buf)
			return nil, err
		}
		b = b[:0]
	}
	var err error
	if len(b) > 0 { // control frames alone
		var n int
		if n, err = o.writeSome(b, blocking); errors.Is(err, errWouldBlock) {
			*buf = append(b[:0], b[n:]...)
			return buf, errWouldBlock
		}
	}
	*buf = b[:0]
	o.pool.buffers.Put(buf)
	return nil, err
}

// writeSome writes b, waiting up to WriteWait when blocking; otherwise it
// writes what the socket takes at once and reports errWouldBlock, with how
// much was written, when that is not all of b.
func (o *Outbox) writeSome(b []byte, blocking bool) (int, error) {
	if blocking {
		return o.writeWithin(b, o.pool.writeWait)
	}
	if o.raw == nil {
		n, err := o.writeWithin(b, tryWait)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = errWouldBlock
		}
		return n, err
	}
	return o.tryWrite(b)
}

// writeWithin writes b with a deadline of wait, then clears the deadline:
// the pool's writes (tryWrite) would fail on one left behind once it is
// past.
func (o *Outbox) writeWithin(b []byte, wait time.Duration) (int, error) {
	nc := o.ws.NetConn()
	if err := nc.SetWriteDeadline(time.Now().Add(wait)); err != nil {
		return 0, err
	}
	n, err := nc.Write(b)
	if derr := nc.SetWriteDeadline(time.Time{}); err == nil {
		err = derr
	}
	return n, err
}
