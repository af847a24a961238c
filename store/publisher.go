package store

import "livedash/models"

// committedBatch is a batch whose transaction has ended, on its way to the
// publisher.
type committedBatch struct {
	reqs    []*request
	replies []reply
	events  []models.Event
}

// publisher hands committed events to the feed, then answers their senders,
// batch after batch in commit order. It runs beside the writer so the next
// transaction does not wait for the fan-out; and since a sender is answered
// only after the feed has the event, once any client holds an ack, every
// connection opened later is subscribed past it.
func (s *Store) publisher() {
	defer close(s.done)
	for c := range s.committed {
		if len(c.events) > 0 {
			s.opts.Feed.Publish(c.events)
		}
		for i, r := range c.reqs {
			r.done(c.replies[i].res, c.replies[i].err)
		}
	}
}
