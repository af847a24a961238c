package ws

import (
	"context"
	"log/slog"

	"livedash/models"
	"livedash/protocol"
	"livedash/ws/outbox"
)

// runPreamble sends the welcome and any replay on the goroutine that owns
// the connection's writing turn from the start (see newConn), then releases
// the turn, which writes what became due meanwhile. since and epoch are the
// handshake's resume point (Params), which the connection does not keep.
func (c *conn) runPreamble(ctx context.Context, welcomeSeq int64, since *int64, epoch string) {
	from := int64(-1)
	if since != nil {
		from = *since
	}
	// Logged here, not on the reader's goroutine: logging takes stack, and
	// the reader's stack lives as long as the connection.
	c.logger().Info("connection opened", "since", from)
	if err := c.preamble(ctx, welcomeSeq, since, epoch); err != nil {
		if c.baseLog.Enabled(ctx, slog.LevelDebug) {
			c.logger().Debug("preamble failed", "err", err)
		}
		c.finish(noCloseFrame, "", false)
	}
	c.out.Release()
}

// preamble writes the welcome and, for a resuming client, the events it
// missed, straight from the log. Events after welcomeSeq are already queued
// by the hub, so the replay stops there and nothing is sent twice.
func (c *conn) preamble(ctx context.Context, welcomeSeq int64, since *int64, epoch string) error {
	welcome := protocol.Welcome{Seq: welcomeSeq, Epoch: c.store.Epoch(), Client: c.Client, ID: c.PublicID, Name: c.Name, Role: c.Role}
	if since == nil {
		return c.out.Write(encodeData(protocol.TypeWelcome, welcome))
	}
	page, resumable, err := c.firstReplayPage(ctx, *since, epoch, welcomeSeq)
	if err != nil {
		return err
	}
	if !resumable {
		c.metrics.Resync()
		if err := c.out.Write(encodeData(protocol.TypeWelcome, welcome)); err != nil {
			return err
		}
		return c.resync(welcomeSeq)
	}
	c.metrics.Resume()
	welcome.Resumed = true
	if err := c.out.Write(encodeData(protocol.TypeWelcome, welcome)); err != nil {
		return err
	}
	return c.replay(ctx, page, *since+1, welcomeSeq)
}

// firstReplayPage reads the first events after since and tells whether the
// client can resume: same epoch, not ahead of the log, and nothing it needs
// pruned.
func (c *conn) firstReplayPage(ctx context.Context, since int64, epoch string, welcomeSeq int64) ([]models.Event, bool, error) {
	if epoch != c.store.Epoch() || since > welcomeSeq {
		return nil, false, nil
	}
	if since == welcomeSeq {
		return nil, true, nil
	}
	page, err := c.store.EventsSince(ctx, since, c.cfg.ReplayPage)
	return page, err == nil && len(page) > 0 && page[0].Seq == since+1, err
}

// replay sends the events next..last from the log a page at a time,
// starting with page.
func (c *conn) replay(ctx context.Context, page []models.Event, next, last int64) error {
	for next <= last {
		if len(page) == 0 || page[0].Seq != next {
			// Pruned while we replayed: the client must reload after all.
			return c.resync(last)
		}
		frames, err := eventFrames(page, last)
		if err != nil {
			return err
		}
		if err := c.out.WriteFrames(frames); err != nil {
			return err
		}
		if next = frames[len(frames)-1].Seq + 1; next > last {
			return nil
		}
		if page, err = c.store.EventsSince(ctx, next-1, c.cfg.ReplayPage); err != nil {
			return err
		}
	}
	return nil
}

func (c *conn) resync(seq int64) error {
	return c.out.Write(encodeData(protocol.TypeResync, protocol.Resync{Seq: seq, Epoch: c.store.Epoch()}))
}

// eventFrames encodes the events of page up to seq last.
func eventFrames(page []models.Event, last int64) ([]*outbox.Frame, error) {
	frames := make([]*outbox.Frame, 0, len(page))
	for _, ev := range page {
		if ev.Seq > last {
			break
		}
		b, err := ev.MarshalJSON() // json.Marshal would compact it again
		if err != nil {
			return nil, err
		}
		frames = append(frames, &outbox.Frame{Kind: ev.Type, Seq: ev.Seq, Data: b})
	}
	return frames, nil
}
