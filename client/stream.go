package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"livedash/models"

	"livedash/protocol"
)

// errClosing ends the read loop of a client being closed.
var errClosing = errors.New("livedash: closing")

// gapError ends a connection whose stream skipped a seq. The next
// connection resumes from the last seq accepted, so the server replays the
// missing ones, or sends a resync when it no longer can.
type gapError struct{ have, got int64 }

func (e *gapError) Error() string {
	return fmt.Sprintf("livedash: event %d arrived after %d; resuming to fill the gap", e.got, e.have)
}

// handle files one frame: replies settle their calls, everything else goes
// to the stream in the order it arrived.
func (c *Client) handle(cn *conn, raw []byte) error {
	var f inFrame
	if err := json.Unmarshal(raw, &f); err != nil {
		c.opts.Logger.Warn("livedash: ignoring an unparsable frame", "err", err, "frame", truncate(raw))
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == Closed {
		return errClosing
	}
	switch f.Type {
	case protocol.TypeAck, protocol.TypeError:
		c.reply(cn, &f, raw)
	case protocol.TypeWelcome:
		c.welcomeFrame(cn, &f, raw)
	case protocol.TypeResync:
		var r protocol.Resync
		if err := json.Unmarshal(f.Data, &r); err != nil {
			return fmt.Errorf("livedash: bad resync %s: %w", truncate(raw), err)
		}
		c.seq, c.epoch, c.positioned = r.Seq, r.Epoch, true
		c.deliver.push(f.event(raw))
		c.opts.Logger.Info("livedash: resync", "seq", r.Seq, "epoch", r.Epoch)
	default:
		if f.Seq <= 0 {
			c.deliver.push(f.event(raw)) // presence, or a notice of a newer server
			return nil
		}
		// Repeats and gaps break the server's contract, so they are logged
		// as errors, though the client recovers from both.
		switch {
		case f.Seq <= c.seq:
			c.opts.Logger.Error("livedash: the server repeated an event; dropped", "seq", f.Seq, "have", c.seq)
		case f.Seq > c.seq+1:
			c.opts.Logger.Error("livedash: the server skipped events; resuming from before the gap", "seq", f.Seq, "have", c.seq)
			return &gapError{have: c.seq, got: f.Seq}
		default:
			c.seq = f.Seq
			c.deliver.push(f.event(raw))
		}
	}
	return nil
}

// welcomeFrame starts a connection's stream. Resumed, the replay follows
// and the position stands. Asked to resume but refused, the server's
// resync follows, and the position stays as it was until then, so that a
// drop in between asks again. Fresh, the stream starts at the welcome's
// seq, and the caller is told to load the snapshot as after a resync.
func (c *Client) welcomeFrame(cn *conn, f *inFrame, raw []byte) {
	var w protocol.Welcome
	if err := json.Unmarshal(f.Data, &w); err != nil {
		c.opts.Logger.Warn("livedash: bad welcome", "err", err, "frame", truncate(raw))
	}
	c.welcome = w
	c.state = Live
	cn.welcomedAt = time.Now()
	c.deliver.push(f.event(raw))
	if cn.since < 0 {
		c.seq, c.epoch, c.positioned = w.Seq, w.Epoch, true
		c.deliver.push(notice(protocol.TypeResync, protocol.Resync{Seq: w.Seq, Epoch: w.Epoch}))
	}
	c.opts.Logger.Info("livedash: connected", "seq", w.Seq, "resumed", w.Resumed, "since", cn.since)
	if !c.everLive {
		c.everLive = true
		close(c.welcomed)
	}
}

// reply settles the call a reply answers.
func (c *Client) reply(cn *conn, f *inFrame, raw []byte) {
	if f.ID == nil {
		// The server names no request only when it could not read the
		// frame. Ours are well formed, so that is one over its size
		// limit: it answered every frame before it and reads none after,
		// so the culprit is the oldest one unanswered on this connection.
		// Failing it keeps it from being resent forever.
		if f.Error != nil && f.Error.Code == protocol.CodeTooLarge {
			if cl := c.oldestOn(cn); cl != nil {
				c.complete(cl, 0, nil, f.Error)
				return
			}
		}
		c.opts.Logger.Warn("livedash: error for no request", "frame", truncate(raw))
		return
	}
	cl := c.calls[*f.ID]
	if cl == nil {
		// Withdrawn requests were never written, and a connection that
		// ended is read no more: a reply for no pending request means the
		// server answered one twice.
		c.opts.Logger.Error("livedash: a reply to no pending request", "id", *f.ID, "frame", truncate(raw))
		return
	}
	if f.Type == protocol.TypeError {
		err := f.Error
		if err == nil {
			err = &models.Error{Code: models.CodeInternal, Message: "error reply without an error object"}
		}
		c.complete(cl, 0, nil, err)
		return
	}
	c.complete(cl, f.Seq, f.Data, nil)
}

func truncate(raw []byte) string {
	if len(raw) > 200 {
		return string(raw[:200]) + "..."
	}
	return string(raw)
}
