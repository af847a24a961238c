package store

import (
	"context"
	"math"
	"time"

	"livedash/models"
)

// committedBatch is a batch whose transaction has ended, on its way to the
// publisher.
type committedBatch struct {
	reqs    []*request
	replies []reply
	events  []models.Event
}

// catchUpPage is how many events one read of the log takes.
const catchUpPage = 1000

// publisher feeds the hub from the log, in seq order, and answers senders
// after their events went out. It keeps the last seq published; a batch of
// this instance's own, [a..b], goes out from memory when a follows it (on
// SQLite, always), else the log from there to a-1 goes out first. It also
// reads the log when woken (a notification from another instance, the
// fallback poll, a LISTEN reconnect). It runs beside the writer so the
// next transaction does not wait for the fan-out; and since a sender is
// answered only after the feed has the event, once any client holds an
// ack, every connection opened later is subscribed past it.
func (s *Store) publisher() {
	defer close(s.done)
	for {
		select {
		case c, ok := <-s.committed:
			if !ok {
				return
			}
			s.publishOwn(c)
		case <-s.wake:
			s.catchUp(0)
		}
	}
}

func (s *Store) publishOwn(c committedBatch) {
	if len(c.events) > 0 {
		first := c.events[0].Seq
		if first > s.seq.Load()+1 {
			s.catchUp(first - 1)
		}
		s.publish(c.events)
	}
	for i, r := range c.reqs {
		r.done(c.replies[i].res, c.replies[i].err)
	}
}

// publish hands the events past the last published seq to the feed.
func (s *Store) publish(events []models.Event) {
	last := s.seq.Load()
	for len(events) > 0 && events[0].Seq <= last {
		events = events[1:]
	}
	if len(events) == 0 {
		return
	}
	if events[0].Seq != last+1 {
		// Pruned by another instance before this one read them (this
		// instance's writer never prunes past what it has published):
		// only after a long outage or a tiny retention.
		s.log.Warn("events missing from the log; closing connections so they resume", "after", last, "next", events[0].Seq)
		s.opts.Feed.Lost(last, events[0].Seq)
	}
	s.opts.Feed.Publish(events)
	s.seq.Store(events[len(events)-1].Seq)
	s.pubMu.Lock()
	close(s.pubSignal)
	s.pubSignal = make(chan struct{})
	s.pubMu.Unlock()
}

// catchUp publishes the log past the last published seq, up to seq upTo
// (0: all of it). If the database cannot be read, it retries until the
// events are there: events must go out in order, so nothing later may go
// out first.
func (s *Store) catchUp(upTo int64) {
	for wait := 50 * time.Millisecond; ; wait = min(wait*2, time.Second) {
		err := s.readLog(upTo)
		if err == nil {
			return
		}
		if upTo == 0 {
			// A wake-up: the next one (the poll) tries again.
			s.log.Debug("read the log", "err", err)
			return
		}
		s.log.Warn("read the log before publishing own events", "err", err)
		time.Sleep(wait)
	}
}

func (s *Store) readLog(upTo int64) error {
	for upTo == 0 || s.seq.Load() < upTo {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		events, err := s.EventsSince(ctx, s.seq.Load(), catchUpPage)
		cancel()
		if err != nil {
			return err
		}
		if upTo != 0 {
			for i, ev := range events {
				if ev.Seq > upTo {
					events = events[:i]
					break
				}
			}
		}
		if len(events) == 0 {
			return nil
		}
		s.publish(events)
		if len(events) < catchUpPage && upTo == 0 {
			return nil
		}
	}
	return nil
}

// CatchUpCommitted waits until the feed has published every event committed
// when it is called, on any instance, or until ctx ends. A connection
// subscribed afterwards is welcomed at a seq at least as high as anything
// another instance has told its client (read-your-writes on every
// instance). On SQLite every ack already follows its publication.
func (s *Store) CatchUpCommitted(ctx context.Context) {
	if s.d.shared() {
		s.CatchUp(ctx, math.MaxInt64)
	}
}

// CatchUp waits until the feed has published seq, reading the log for it,
// or until ctx ends. A client that resumes here after leaving another
// instance may know a seq this instance has not published yet.
func (s *Store) CatchUp(ctx context.Context, seq int64) {
	if s.seq.Load() >= seq {
		return
	}
	// Wait only for what is in the log: a seq beyond it is the client's
	// mistake, and the connection will tell it so.
	var top int64
	if err := s.read.WithContext(ctx).Raw("SELECT seq FROM seq_counter WHERE id = 1").Scan(&top).Error; err != nil {
		return
	}
	seq = min(seq, top)
	for s.seq.Load() < seq {
		s.pubMu.Lock()
		signal := s.pubSignal
		s.pubMu.Unlock()
		if s.seq.Load() >= seq {
			return
		}
		s.Wake()
		select {
		case <-signal:
		case <-ctx.Done():
			return
		}
	}
}
