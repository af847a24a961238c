package ws

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/protocol"
)

// Writes. A connection has no writer goroutine of its own: whoever owns it
// writes, one owner at a time (conn.wowned):
//
//   - first the goroutine that sends the welcome and any replay (preamble);
//   - then, each time something is due (frames queued, a ping or a pong), a
//     goroutine of the writer pool, which writes what is due without waiting
//     on the peer (tryWrite) and gives the connection back;
//   - a connection whose socket does not take everything at once gets a
//     goroutine of its own until it has caught up (writeBehind), so a slow
//     peer never holds a pool writer;
//   - a closing connection gets a goroutine that writes its close and bounds
//     the reader (finishWrites); it owns the connection to the end.
//
// A pool writer never waits on a socket: it writes what the socket takes
// at once (tryWrite) and leaves the rest to writeBehind. Every other write
// has a WriteWait deadline, cleared once the write is done, so that no
// deadline is left on the socket when the pool writes next.

// tryWait bounds a pool write where tryWrite cannot be used (not a
// socket): how long it may wait for the peer to take it.
const tryWait = time.Millisecond

// errWouldBlock reports a write that the socket did not take at once.
var errWouldBlock = errors.New("ws: socket would block")

// schedule notes that c has something due and hands it to the pool unless
// an owner has it already (the owner looks again before letting go).
func (c *conn) schedule() {
	if c.markDue() {
		c.writers.push(c)
	}
}

// markDue notes that something is due and reports whether the caller must
// hand c to the pool.
func (c *conn) markDue() bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wdue = true
	if c.wowned {
		return false
	}
	c.wowned = true
	return true
}

// queuePong notes that a pong answering data is due.
func (c *conn) queuePong(data string) {
	c.wmu.Lock()
	c.pong, c.pongDue = data, true // a pong already due: the last one answers both
	c.wmu.Unlock()
	c.schedule()
}

// queuePing notes that a ping is due; the ping wheel calls it. The caller
// hands c to the pool when it reports true (see markDue).
func (c *conn) queuePing() bool {
	c.wmu.Lock()
	c.pingDue = true
	c.wmu.Unlock()
	return c.markDue()
}

// writeTurn writes whatever is due until nothing is, then gives the
// connection up. It runs on its owner: a pool writer (blocking false) or
// a goroutine of the connection's own (blocking true). batch is scratch
// space, returned for reuse.
func (c *conn) writeTurn(batch []*frame, blocking bool) []*frame {
	for {
		c.wmu.Lock()
		if !c.wdue {
			c.wowned = false
			c.wmu.Unlock()
			return batch
		}
		c.wdue = false
		ping, pongDue, pong := c.pingDue, c.pongDue, c.pong
		c.pingDue, c.pongDue, c.pong = false, false, ""
		c.wmu.Unlock()
		if c.finishing() {
			if blocking {
				c.finishWrites()
			} else {
				go c.finishWrites()
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
		batch = c.queue.take(batch)
		rest, err := c.writeFrames(ctl, batch, blocking)
		if errors.Is(err, errWouldBlock) {
			go c.writeBehind(rest)
		} else if err != nil {
			c.finish(noCloseFrame, "", false)
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
func (c *conn) writeBehind(rest *[]byte) {
	err := c.writeRaw(*rest, c.cfg.WriteWait)
	c.buffers.Put(rest)
	if err != nil {
		c.finish(noCloseFrame, "", false)
	}
	c.writeTurn(nil, true)
}

// finishing reports whether finish was called.
func (c *conn) finishing() bool { return c.quitting.Load() }

// finishWrites closes the connection's writing side: what a graceful close
// drains, the close frame, then the reader's bound. It owns the connection
// to the end, so nothing else writes after it.
func (c *conn) finishWrites() {
	defer close(c.written)
	defer c.endReading()
	c.close()
}

// endReading bounds the reader once the writer is done. The socket is
// closed only once the reader is done (Server.closed), so a read deadline
// is what ends it. After our own close frame the reader
// gets a moment to read the peer's answer (see Server.reader); otherwise it stops
// at once.
func (c *conn) endReading() {
	if c.closeCode == noCloseFrame || c.closeCode == protocol.CloseNormal {
		_ = c.ws.SetReadDeadline(time.Now())
		return
	}
	until := time.Now().Add(min(c.cfg.WriteWait, time.Second))
	c.lingerUntil.Store(until.UnixNano())
	_ = c.ws.SetReadDeadline(until)
}

func (c *conn) close() {
	if c.drain && c.flushQueue() != nil {
		return
	}
	if c.closeCode != noCloseFrame {
		msg := websocket.FormatCloseMessage(c.closeCode, c.closeReason)
		_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.cfg.WriteWait))
	}
}

// flushQueue writes what is queued now; on a graceful close it carries the
// last acks out before the close frame.
func (c *conn) flushQueue() error {
	_, err := c.writeFrames(nil, c.queue.take(nil), true)
	return err
}

// writeFrames sends control bytes ctl, then frames, coalesced into as few
// writes as possible. The bytes go straight to the socket: the library has
// no batch write, and one syscall per frame was most of the server's CPU
// under fan-out. Only the connection's owner writes, and control frames
// other than the close go the same way, so frames never interleave.
//
// When blocking is false and the socket does not take a write at once, it
// returns errWouldBlock and the bytes still to write (the rest
// of that write and every frame after it), in a buffer from c.buffers.
func (c *conn) writeFrames(ctl []byte, frames []*frame, blocking bool) (*[]byte, error) {
	buf := c.buffers.Get().(*[]byte)
	b := append((*buf)[:0], ctl...)
	now := time.Now()
	for i, f := range frames {
		if !f.committed.IsZero() {
			c.metrics.Delivery(now.Sub(f.committed))
		}
		c.metrics.MessageOut(f.kind)
		b = f.appendTo(b)
		if len(b) < maxBatchBytes && i < len(frames)-1 {
			continue
		}
		n, err := c.writeSome(b, blocking)
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
			c.buffers.Put(buf)
			return nil, err
		}
		b = b[:0]
	}
	var err error
	if len(b) > 0 { // control frames alone
		var n int
		if n, err = c.writeSome(b, blocking); errors.Is(err, errWouldBlock) {
			*buf = append(b[:0], b[n:]...)
			return buf, errWouldBlock
		}
	}
	*buf = b[:0]
	c.buffers.Put(buf)
	return nil, err
}

// writeSome writes b, waiting up to WriteWait when blocking; otherwise it
// writes what the socket takes at once and reports errWouldBlock, with how
// much was written, when that is not all of b.
func (c *conn) writeSome(b []byte, blocking bool) (int, error) {
	if blocking {
		return c.writeWithin(b, c.cfg.WriteWait)
	}
	if c.raw == nil {
		n, err := c.writeWithin(b, tryWait)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = errWouldBlock
		}
		return n, err
	}
	return c.tryWrite(b)
}

// writeWithin writes b with a deadline of wait, then clears the deadline:
// the pool's writes (tryWrite) would fail on one left behind once it is
// past.
func (c *conn) writeWithin(b []byte, wait time.Duration) (int, error) {
	nc := c.ws.NetConn()
	if err := nc.SetWriteDeadline(time.Now().Add(wait)); err != nil {
		return 0, err
	}
	n, err := nc.Write(b)
	if derr := nc.SetWriteDeadline(time.Time{}); err == nil {
		err = derr
	}
	return n, err
}

func (c *conn) writeRaw(b []byte, wait time.Duration) error {
	_, err := c.writeWithin(b, wait)
	return err
}

// write sends one frame; the preamble uses it before the queue takes over.
func (c *conn) write(data []byte) error {
	return c.writeRaw(appendTextFrame(make([]byte, 0, len(data)+10), data), c.cfg.WriteWait)
}

// runPreamble sends the welcome and any replay on a goroutine that owns the
// connection from the start, then writes what became due meanwhile and
// hands the connection to the pool.
func (c *conn) runPreamble(ctx context.Context, welcomeSeq int64) {
	since := int64(-1)
	if c.Since != nil {
		since = *c.Since
	}
	// Logged here, not on the reader's goroutine: logging takes stack, and
	// the reader's stack lives as long as the connection.
	c.logger().Info("connection opened", "since", since)
	if err := c.preamble(ctx, welcomeSeq); err != nil {
		if c.baseLog.Enabled(ctx, slog.LevelDebug) {
			c.logger().Debug("preamble failed", "err", err)
		}
		c.finish(noCloseFrame, "", false)
	}
	c.wmu.Lock()
	c.wdue = true // look at least once: the queue may hold frames
	c.wmu.Unlock()
	c.writeTurn(nil, true)
}
