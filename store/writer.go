package store

import (
	"encoding/json"
	"errors"
	"runtime"
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

// gather takes first and whatever else is waiting, up to MaxBatch. When
// nothing more is waiting it yields once and looks again: the connections'
// readers that are ready to run hand in their requests meanwhile, which
// matters most where the server has one CPU (GOMAXPROCS 1), as pinned in
// the benchmarks. Under the peer writes load (128 mutations in flight) the
// mean batch went from about 30 to about 64 mutations, and every commit
// writes its pages to the WAL and fsyncs once whatever its size. With
// nothing else runnable the yield returns at once, so a lone mutation
// waits for nobody.
func (s *Store) gather(first *request) []*request {
	batch := append(make([]*request, 0, s.opts.MaxBatch), first)
	yielded := false
	for len(batch) < s.opts.MaxBatch {
		select {
		case r, ok := <-s.reqs:
			if !ok {
				return batch
			}
			batch = append(batch, r)
		default:
			if yielded {
				return batch
			}
			yielded = true
			runtime.Gosched()
		}
	}
	return batch
}

// batch is one group commit in the making: the requests, and what the
// transaction produced for them. Its seqs are the batch's own until it has
// them all from the counter (batchSeqs).
type batch struct {
	reqs     []*request
	replies  []reply
	fresh    []bool // replies whose seq is the batch's own, still to be placed
	events   []models.Event
	outcomes []models.Outcome
	seqs     batchSeqs
}

// errCounterMissing: the seq counter's row, made with the schema, is gone.
var errCounterMissing = errors.New("store: the seq counter row is missing")

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
	ordered := inOrder(reqs)
	for attempt := 1; ; attempt++ {
		b = &batch{reqs: reqs, replies: make([]reply, len(reqs)), fresh: make([]bool, len(reqs))}
		now := time.Now().UTC().Truncate(time.Microsecond)
		oldest = s.oldest
		err = s.d.transaction(s.write, ordered, func(tx *gorm.DB, counter *int64, pg *pgTx) error {
			// On PostgreSQL a batch either read the counter up front or is
			// ordered: it reads its rows up front either way.
			t := &txn{db: tx, dialect: s.d, now: now, pg: pg}
			if counter != nil {
				if err := b.seqs.fix(*counter); err != nil {
					return err
				}
			}
			remembered, err := findOutcomes(tx, reqs)
			if err != nil {
				return err
			}
			if t.inMemory() {
				if err := b.prefetch(t, remembered); err != nil {
					return err
				}
			}
			if err := b.applyAll(t, remembered); err != nil {
				return err
			}
			if t.inMemory() {
				// The whole tail is one statement, which commits.
				oldest, err = s.writeTail(t, b, oldest)
				return err
			}
			if err := t.scores.flush(tx); err != nil {
				return err
			}
			if err := b.flushEvents(tx); err != nil {
				return err
			}
			last := b.settle(s.seq.Load())
			if err := insertOutcomes(tx, b.outcomes); err != nil {
				return err
			}
			oldest, err = s.pruneEvents(tx, oldest, b.events, last)
			return err
		})
		if err == nil || attempt == maxAttempts || !s.d.retryable(err) {
			break
		}
		s.retries.Add(1)
		s.log.Debug("batch retried", "attempt", attempt, "err", err)
	}
	if err != nil {
		s.log.Error("commit failed", "mutations", len(reqs), "err", err)
		b.failAll(s.dbError(err))
	} else {
		s.oldest = oldest
		if len(b.events) > 0 {
			s.ownTop.Store(b.events[len(b.events)-1].Seq)
		}
	}
	s.committed <- committedBatch{reqs: reqs, replies: b.replies, events: b.events}
}

// flushEvents writes the batch's events that are not in the log yet, with
// seqs taken from the counter row: the row stays locked until the commit,
// so batches of all instances commit in seq order. A batch writes its
// events at its end, in few statements; a mutation that reads the log
// (undo) first flushes the ones before it, so it sees every event that
// precedes its own. On PostgreSQL pgWrite does this, with everything else
// the batch holds, in one statement.
func (b *batch) flushEvents(tx *gorm.DB) error {
	n := b.seqs.unplaced()
	if n == 0 {
		return nil
	}
	var top int64
	found, err := scanOne(tx.Raw("UPDATE seq_counter SET seq = seq + ? WHERE id = 1 RETURNING seq", n), &top)
	if err != nil {
		return err
	}
	if !found {
		return errCounterMissing
	}
	from := b.seqs.placed
	if err := b.seqs.place(top); err != nil {
		return err
	}
	return insertEvents(tx, b.events[from:], b.seqs.log)
}

// settle moves the batch's events, replies and outcomes from its own seqs to
// their seqs in the log, once every event has one, and returns the batch's
// last seq: known, the last seq this instance published, if it has no
// events (pruning then goes by that).
func (b *batch) settle(known int64) int64 {
	for i := range b.events {
		b.events[i].Seq = b.seqs.log(b.events[i].Seq)
	}
	for i := range b.replies {
		if b.fresh[i] {
			b.replies[i].res.Seq = b.seqs.log(b.replies[i].res.Seq)
		}
	}
	for i := range b.outcomes {
		if !b.outcomes[i].Failed {
			b.outcomes[i].Seq = b.seqs.log(b.outcomes[i].Seq)
		}
	}
	return b.seqs.last(known)
}

// applyAll applies each request in order, unless it repeats a remembered
// (client, request id) or an earlier copy in this batch: those get the
// first reply again. An error returned ends the transaction; a mutation's
// own *models.Error is its reply. Before a mutation that reads what the
// batch holds in memory (merged increments; on PostgreSQL also items and
// events), the batch writes it; what is still held at the end is the
// tail's to write.
func (b *batch) applyAll(t *txn, remembered map[outcomeKey]reply) error {
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
		switch {
		case t.inMemory() && (r.readsScores || r.readsItems || r.readsLog):
			if err := b.pgWrite(t, nil, 0, -1, false); err != nil {
				return err
			}
		case !t.inMemory():
			if r.readsScores {
				if err := t.scores.flush(t.db); err != nil {
					return err
				}
			}
			if r.readsLog {
				if err := b.flushEvents(t.db); err != nil {
					return err
				}
			}
		}
		if err := b.apply(t, i); err != nil {
			return err
		}
	}
	return nil
}

// apply runs request i and records its reply, event and outcome.
func (b *batch) apply(t *txn, i int) error {
	r := b.reqs[i]
	ch, err := r.apply(t)
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
		return b.remember(r.origin, 0, data, true, t.now)
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
	seq := b.seqs.next()
	b.events = append(b.events, models.Event{Seq: seq, Type: ch.eventType, Data: data,
		ActorID: r.origin.PublicID, ActorName: r.origin.Name, Delta: ch.delta, At: t.now,
		RecordType: ch.kind, RecordID: ch.id, Before: before, UndoOf: ch.undoOf})
	b.replies[i].res = Result{Seq: seq, Data: data}
	b.fresh[i] = true
	return b.remember(r.origin, seq, data, false, t.now)
}

// remember stores the outcome of a mutation sent under a client id.
func (b *batch) remember(o Origin, seq int64, reply []byte, failed bool, now time.Time) error {
	if o.Remember {
		b.outcomes = append(b.outcomes, models.Outcome{Client: o.Client, RequestID: o.RequestID, Seq: seq,
			Reply: reply, Failed: failed, CreatedAt: now})
	}
	return nil
}

func (b *batch) failAll(err error) {
	for i := range b.replies {
		b.replies[i] = reply{err: models.AsError(err)}
	}
	b.events = nil
}
