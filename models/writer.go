package models

import (
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"
)

// pruneChunk bounds how many rows one pruning transaction deletes, so pruning
// never holds the writer for long.
const pruneChunk = 1000

type reply struct {
	res Result
	err error
}

// writer is the only goroutine that writes. It takes whatever mutations are
// waiting (group commit), applies them in one transaction, and only after the
// commit publishes their events in seq order and answers their senders.
func (s *Store) writer() {
	defer close(s.done)
	outcomeTick := time.NewTicker(time.Minute)
	defer outcomeTick.Stop()
	outcomesDue := false
	batch := make([]*request, 0, s.opts.MaxBatch)
	for {
		select {
		case r, ok := <-s.reqs:
			if !ok {
				return
			}
			batch = append(batch[:0], r)
		drain:
			for len(batch) < s.opts.MaxBatch {
				select {
				case r, ok := <-s.reqs:
					if !ok {
						break drain
					}
					batch = append(batch, r)
				default:
					break drain
				}
			}
			s.commit(batch)
			s.pruneEvents()
			if outcomesDue {
				outcomesDue = s.pruneOutcomes()
			}
		case <-outcomeTick.C:
			outcomesDue = s.pruneOutcomes()
		}
	}
}

func (s *Store) commit(batch []*request) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	replies := make([]reply, len(batch))
	events := make([]Event, 0, len(batch))
	seq := s.seq.Load()
	err := s.transaction(func(tx *gorm.DB) error {
		for i, r := range batch {
			if r.origin.Remember {
				if o, ok, err := findOutcome(tx, r.origin); err != nil {
					return err
				} else if ok {
					replies[i] = o
					continue
				}
			}
			ch, err := r.mut.apply(tx, now)
			var appErr *Error
			if errors.As(err, &appErr) {
				replies[i].err = appErr
				if err := saveOutcome(tx, r.origin, now, 0, appErr); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
			data, err := json.Marshal(ch.record)
			if err != nil {
				return err
			}
			seq++
			ev := Event{Seq: seq, Type: ch.eventType, Data: data, ActorClient: r.origin.Client,
				ActorName: r.origin.Name, Delta: ch.delta, At: now}
			if err := tx.Create(&ev).Error; err != nil {
				return err
			}
			if err := saveOutcome(tx, r.origin, now, seq, data); err != nil {
				return err
			}
			replies[i].res = Result{Seq: seq, Data: data}
			events = append(events, ev)
		}
		return nil
	})
	if err != nil {
		// Nothing of the batch was committed, so nothing is published; every
		// sender learns it failed and may retry under the same request id.
		s.log.Error("commit failed", "mutations", len(batch), "err", err)
		for i := range batch {
			batch[i].done(Result{}, AsError(err))
		}
		return
	}
	s.seq.Store(seq)
	if s.oldest == 0 && len(events) > 0 {
		s.oldest = events[0].Seq
	}
	if len(events) > 0 {
		s.opts.Publish(events)
	}
	for i, r := range batch {
		r.done(replies[i].res, replies[i].err)
	}
}

// transaction runs fn between BEGIN IMMEDIATE and COMMIT on the writer's
// only connection. database/sql transactions would re-prepare every
// statement each time (a prepared statement cannot be reused across
// transactions there), which cost the writer a fifth of its time; with one
// connection, plain statements between BEGIN and COMMIT are the same
// transaction and keep GORM's prepared statements.
func (s *Store) transaction(fn func(tx *gorm.DB) error) error {
	if err := s.write.Exec("BEGIN IMMEDIATE").Error; err != nil {
		return err
	}
	if err := fn(s.write); err != nil {
		if rerr := s.write.Exec("ROLLBACK").Error; rerr != nil {
			s.log.Error("rollback failed", "err", rerr)
		}
		return err
	}
	if err := s.write.Exec("COMMIT").Error; err != nil {
		// A failed COMMIT may leave the transaction open; make sure it ends.
		_ = s.write.Exec("ROLLBACK").Error
		return err
	}
	return nil
}

func findOutcome(tx *gorm.DB, o Origin) (reply, bool, error) {
	var out Outcome
	res := tx.Where("client = ? AND request_id = ?", o.Client, o.RequestID).Limit(1).Find(&out)
	if res.Error != nil || res.RowsAffected == 0 {
		return reply{}, false, res.Error
	}
	if out.Failed {
		var e Error
		if err := json.Unmarshal(out.Reply, &e); err != nil {
			return reply{}, false, err
		}
		return reply{err: &e}, true, nil
	}
	return reply{res: Result{Seq: out.Seq, Data: out.Reply}}, true, nil
}

// saveOutcome remembers a reply; data is either the ack's JSON record or the
// *Error that was returned.
func saveOutcome(tx *gorm.DB, o Origin, now time.Time, seq int64, data any) error {
	if !o.Remember {
		return nil
	}
	out := Outcome{Client: o.Client, RequestID: o.RequestID, Seq: seq, CreatedAt: now}
	switch v := data.(type) {
	case []byte:
		out.Reply = v
	case *Error:
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		out.Reply, out.Failed = b, true
	}
	return tx.Create(&out).Error
}

// pruneEvents deletes one chunk of events beyond the retention. It runs
// between batches, so a backlog is worked off a chunk at a time without
// stalling mutations.
func (s *Store) pruneEvents() {
	keepFrom := s.seq.Load() - s.opts.Retention + 1
	if s.oldest == 0 || s.oldest >= keepFrom {
		return
	}
	upTo := min(keepFrom-1, s.oldest+pruneChunk-1)
	err := s.write.Where("seq >= ? AND seq <= ?", s.oldest, upTo).Delete(&Event{}).Error
	if err != nil {
		s.log.Error("prune events", "err", err)
		return
	}
	s.oldest = upTo + 1
}

// pruneOutcomes deletes one chunk of expired outcomes and reports whether
// more are due. Chunks are cut by time so the SQL stays portable.
func (s *Store) pruneOutcomes() bool {
	cutoff := time.Now().UTC().Add(-s.opts.OutcomeTTL)
	var edge []time.Time
	err := s.write.Model(&Outcome{}).Where("created_at < ?", cutoff).Order("created_at").
		Offset(pruneChunk-1).Limit(1).Pluck("created_at", &edge).Error
	if err != nil {
		s.log.Error("prune outcomes", "err", err)
		return false
	}
	del := s.write.Where("created_at < ?", cutoff)
	if len(edge) > 0 {
		del = s.write.Where("created_at <= ?", edge[0])
	}
	if err := del.Delete(&Outcome{}).Error; err != nil {
		s.log.Error("prune outcomes", "err", err)
		return false
	}
	return len(edge) > 0
}
