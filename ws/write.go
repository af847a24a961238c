package ws

import (
	"context"
	"time"

	"github.com/fasthttp/websocket"
)

// writeLoop is the only writer of the socket. It sends the welcome and any
// replay first, then queued frames and pings, until finish is called.
func (c *conn) writeLoop(ctx context.Context, welcomeSeq int64) {
	cfg := c.cfg
	defer c.endReading()
	if err := c.preamble(ctx, welcomeSeq); err != nil {
		c.log.Debug("preamble failed", "err", err)
		c.finish(noCloseFrame, "", false)
		return
	}
	ping := time.NewTicker(cfg.PingInterval)
	defer ping.Stop()
	var batch []*frame
	for {
		select {
		case <-c.queue.ready:
			if batch = c.queue.take(batch); c.writeFrames(batch) != nil {
				c.finish(noCloseFrame, "", false)
				return
			}
			// Idle connections are most of them: hold no frames between
			// batches, and no large slice after a burst.
			if clear(batch); cap(batch) > 64 {
				batch = nil
			}
		case data := <-c.pongs:
			if err := c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(cfg.WriteWait)); err != nil {
				c.finish(noCloseFrame, "", false)
				return
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(cfg.WriteWait)); err != nil {
				c.finish(noCloseFrame, "", false)
				return
			}
		case <-c.quit:
			c.close()
			return
		}
	}
}

// endReading bounds the reader once the writer is done. fasthttp closes a
// hijacked socket only after the handler returns, so Close would not wake
// the reader; a read deadline does. After our own close frame the reader
// gets a moment to read the peer's answer (see readLoop); otherwise it stops
// at once.
func (c *conn) endReading() {
	if c.closeCode == noCloseFrame || c.closeCode == CloseNormal {
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
	return c.writeFrames(c.queue.take(nil))
}

// writeFrames sends frames coalesced into as few writes as possible. The
// bytes go straight to the socket: the library has no batch write, and one
// syscall per frame was most of the server's CPU under fan-out. Only this
// goroutine writes data frames, and each socket write is atomic, so frames
// never interleave with the library's control frames.
func (c *conn) writeFrames(frames []*frame) error {
	buf := c.buffers.Get().(*[]byte)
	defer c.buffers.Put(buf)
	b := (*buf)[:0]
	now := time.Now()
	for i, f := range frames {
		if !f.committed.IsZero() {
			c.metrics.Delivery(now.Sub(f.committed))
		}
		c.metrics.MessageOut(f.kind)
		b = appendTextFrame(b, f.data)
		if len(b) >= maxBatchBytes || i == len(frames)-1 {
			if err := c.writeRaw(b); err != nil {
				*buf = b[:0]
				return err
			}
			b = b[:0]
		}
	}
	*buf = b
	return nil
}

func (c *conn) writeRaw(b []byte) error {
	nc := c.ws.NetConn()
	if err := nc.SetWriteDeadline(time.Now().Add(c.cfg.WriteWait)); err != nil {
		return err
	}
	_, err := nc.Write(b)
	return err
}

// write sends one frame; the preamble uses it before the queue takes over.
func (c *conn) write(data []byte) error {
	return c.writeRaw(appendTextFrame(make([]byte, 0, len(data)+10), data))
}
