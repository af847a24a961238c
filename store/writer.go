package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"livedash/models"
)

type reply struct {
	res Result
	err error
}

// writer is the only goroutine that writes. It takes whatever mutations are
// waiting (group commit) and applies them in one transaction; the publisher
// then, after the commit, publishes their events in seq order and answers
// their senders.
func (s *Store) writer() {
	defer close(s.committed)
	outcomeTick := time.NewTicker(time.Minute)
	defer outcomeTick.Stop()
	outcomesDue := false
	for {
		select {
		case r, ok := <-s.reqs:
			if !ok {
				return
			}
			s.commit(s.gather(r))
			if outcomesDue {
				outcomesDue = s.pruneOutcomes()
			}
		case <-outcomeTick.C:
			outcomesDue = s.pruneOutcomes()
		}
	}
}

// gather takes first and whatever else is waiting, up to MaxBatch.
func (s *Store) gather(first *request) []*request {
	batch := append(make([]*request, 0, s.opts.MaxBatch), first)
	for len(batch) < s.opts.MaxBatch {
		select {
		case r, ok := <-s.reqs:
			if !ok {
				return batch
			}
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// batch is one group commit in the making: the requests, and what the
// transaction produced for them. Seqs are numbered 1.. inside the batch
// while its mutations apply, and moved to their place in the log once the
// batch takes them from the counter (reserveSeqs).
type batch struct {
	reqs     []*request
	replies  []reply
	fresh    []bool // replies whose seq is the batch's own, still relative
	events   []models.Event
	outcomes []models.Outcome
	numbered int   // how many of events have their place in the log
	inserted int   // how many of events are in the log already
	base     int64 // what turns the batch's own seqs into the log's
	seq      int64 // while applying, the batch's last own seq; after, the log's
	now      time.Time
	scores   pendingScores
}

// maxAttempts bounds how often a batch's transaction runs when the database
// asks for a retry (a deadlock or key race between instances).
const maxAttempts = 5

// commit runs one batch in one transaction, then hands it to the publisher.
// If the transaction fails, nothing of the batch was committed, so nothing
// is published; every sender learns it failed and may retry under the same
// request id.
func (s *Store) commit(reqs []*request) {
	var b *batch
	var err error
	oldest := s.oldest
	for attempt := 1; ; attempt++ {
		b = &batch{reqs: reqs, replies: make([]reply, len(reqs)), fresh: make([]bool, len(reqs)),
			now: time.Now().UTC().Truncate(time.Microsecond)}
		oldest = s.oldest
		err = s.d.transaction(s, func(tx *gorm.DB) error {
			tx = tx.WithContext(withDialect(context.Background(), s.d))
			remembered, err := findOutcomes(tx, reqs)
			if err != nil {
				return err
			}
			if err := b.applyAll(tx, remembered); err != nil {
				return err
			}
			if err := b.flushEvents(tx); err != nil {
				return err
			}
			b.placeReplies(s.seq.Load())
			if err := insertOutcomes(tx, b.outcomes); err != nil {
				return err
			}
			oldest, err = s.pruneEvents(tx, oldest, b)
			return err
		})
		if err == nil || attempt == maxAttempts || !s.d.retryable(err) {
			break
		}
		s.log.Debug("batch retried", "attempt", attempt, "err", err)
	}
	if err != nil {
		s.log.Error("commit failed", "mutations", len(reqs), "err", err)
		b.failAll(s.dbError(err))
	} else {
		s.oldest = oldest
	}
	s.committed <- committedBatch{reqs: reqs, replies: b.replies, events: b.events}
}

// reserveSeqs takes seqs from the counter row for the events that have no
// place in the log yet, as late as it can: the row stays locked until the
// commit, so batches of all instances commit in seq order and hold the lock
// only for their tails. Once a batch holds the lock nobody else moves the
// counter, so a second reservation (an undo that must read the batch's
// earlier events) continues the first, and one base serves the batch.
func (b *batch) reserveSeqs(tx *gorm.DB) error {
	n := int64(len(b.events) - b.numbered)
	if n == 0 {
		return nil
	}
	var top int64
	found, err := scanOne(tx.Raw("UPDATE seq_counter SET seq = seq + ? WHERE id = 1 RETURNING seq", n), &top)
	if err != nil {
		return err
	}
	if !found {
		return errors.New("store: the seq counter row is missing")
	}
	if b.numbered == 0 {
		b.base = top - int64(len(b.events))
	} else if top != b.base+int64(len(b.events)) {
		return fmt.Errorf("store: the seq counter moved to %d under this batch's lock, want %d", top, b.base+int64(len(b.events)))
	}
	for i := b.numbered; i < len(b.events); i++ {
		b.events[i].Seq += b.base
	}
	b.numbered = len(b.events)
	return nil
}

// placeReplies moves the batch's own seqs in replies and outcomes to their
// place in the log, once every event has one. A batch with no events leaves
// pruning at known, the last seq this instance published.
func (b *batch) placeReplies(known int64) {
	if len(b.events) == 0 {
		b.seq = known
		return
	}
	for i := range b.replies {
		if b.fresh[i] {
			b.replies[i].res.Seq += b.base
		}
	}
	for i := range b.outcomes {
		if !b.outcomes[i].Failed {
			b.outcomes[i].Seq += b.base
		}
	}
	b.seq = b.base + int64(len(b.events))
}

// applyAll applies each request in order, unless it repeats a remembered
// (client, request id) or an earlier copy in this batch: those get the
// first reply again. An error returned ends the transaction; a mutation's
// own *models.Error is its reply.
func (b *batch) applyAll(tx *gorm.DB, remembered map[outcomeKey]reply) error {
	firstInBatch := make(map[outcomeKey]int)
	for i, r := range b.reqs {
		key := outcomeKey{r.origin.Client, r.origin.RequestID}
		if r.origin.Remember {
			if o, ok := remembered[key]; ok {
				b.replies[i] = o
				continue
			}
			if j, ok := firstInBatch[key]; ok {
				b.replies[i], b.fresh[i] = b.replies[j], b.fresh[j]
				continue
			}
			firstInBatch[key] = i
		}
		if r.validate != nil {
			if err := r.validate(); err != nil {
				b.replies[i].err = models.AsError(err)
				continue
			}
		}
		if r.readsScores {
			if err := b.scores.flush(tx); err != nil {
				return err
			}
		}
		if r.readsLog {
			if err := b.flushEvents(tx); err != nil {
				return err
			}
		}
		if err := b.apply(tx, i); err != nil {
			return err
		}
	}
	return b.scores.flush(tx)
}

// flushEvents writes the batch's events that are not in the log yet. A
// batch writes them all at its end, in few statements; a mutation that reads
// the log (undo) first flushes the ones before it, so it sees every event
// that precedes its own.
func (b *batch) flushEvents(tx *gorm.DB) error {
	if err := b.reserveSeqs(tx); err != nil {
		return err
	}
	if err := insertEvents(tx, b.events[b.inserted:]); err != nil {
		return err
	}
	b.inserted = len(b.events)
	return nil
}

// apply runs request i and records its reply, event and outcome.
func (b *batch) apply(tx *gorm.DB, i int) error {
	r := b.reqs[i]
	ch, err := r.apply(tx, b.now, &b.scores)
	var appErr *models.Error
	if errors.As(err, &appErr) {
		b.replies[i].err = appErr
		if !r.origin.Remember {
			return nil
		}
		data, err := json.Marshal(appErr)
		if err != nil {
			return err
		}
		return b.remember(r.origin, 0, data, true)
	}
	if err != nil {
		return err
	}
	data, err := json.Marshal(ch.record)
	if err != nil {
		return err
	}
	var before []byte
	if ch.before != nil {
		if before, err = json.Marshal(ch.before); err != nil {
			return err
		}
	}
	b.seq++
	b.events = append(b.events, models.Event{Seq: b.seq, Type: ch.eventType, Data: data,
		ActorID: r.origin.PublicID, ActorName: r.origin.Name, Delta: ch.delta, At: b.now,
		RecordType: ch.kind, RecordID: ch.id, Before: before, UndoOf: ch.undoOf})
	b.replies[i].res = Result{Seq: b.seq, Data: data}
	b.fresh[i] = true
	return b.remember(r.origin, b.seq, data, false)
}

// remember stores the outcome of a mutation sent under a client id.
func (b *batch) remember(o Origin, seq int64, reply []byte, failed bool) error {
	if o.Remember {
		b.outcomes = append(b.outcomes, models.Outcome{Client: o.Client, RequestID: o.RequestID, Seq: seq,
			Reply: reply, Failed: failed, CreatedAt: b.now})
	}
	return nil
}

func (b *batch) failAll(err error) {
	for i := range b.replies {
		b.replies[i] = reply{err: models.AsError(err)}
	}
	b.events = nil
}
