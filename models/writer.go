package models

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// pruneChunk bounds how many rows one pruning step deletes, so pruning never
// makes a batch's transaction long.
const pruneChunk = 1000

// insertChunk bounds the rows of one multi-row statement, well inside
// SQLite's limit on bound variables.
const insertChunk = 200

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
			batch := append(make([]*request, 0, s.opts.MaxBatch), r)
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
	outcomes := make([]Outcome, 0, len(batch))
	seq, oldest := s.seq.Load(), s.oldest
	err := s.transaction(func(tx *gorm.DB) error {
		remembered, err := findOutcomes(tx, batch)
		if err != nil {
			return err
		}
		// A repeat inside this batch gets the reply of its first copy.
		firstInBatch := make(map[outcomeKey]int)
		for i, r := range batch {
			key := outcomeKey{r.origin.Client, r.origin.RequestID}
			if r.origin.Remember {
				if o, ok := remembered[key]; ok {
					replies[i] = o
					continue
				}
				if j, ok := firstInBatch[key]; ok {
					replies[i] = replies[j]
					continue
				}
				firstInBatch[key] = i
			}
			ch, err := r.mut.apply(tx, now)
			var appErr *Error
			if errors.As(err, &appErr) {
				replies[i].err = appErr
				if r.origin.Remember {
					b, err := json.Marshal(appErr)
					if err != nil {
						return err
					}
					outcomes = append(outcomes, Outcome{Client: key.client, RequestID: key.requestID, Reply: b, Failed: true, CreatedAt: now})
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
			events = append(events, Event{Seq: seq, Type: ch.eventType, Data: data, ActorClient: r.origin.Client,
				ActorName: r.origin.Name, Delta: ch.delta, At: now})
			if r.origin.Remember {
				outcomes = append(outcomes, Outcome{Client: key.client, RequestID: key.requestID, Seq: seq, Reply: data, CreatedAt: now})
			}
			replies[i].res = Result{Seq: seq, Data: data}
		}
		if err := insertEvents(tx, events); err != nil {
			return err
		}
		if err := insertOutcomes(tx, outcomes); err != nil {
			return err
		}
		if oldest == 0 && len(events) > 0 {
			oldest = events[0].Seq
		}
		oldest, err = s.pruneEvents(tx, oldest, seq)
		return err
	})
	if err != nil {
		// Nothing of the batch was committed, so nothing is published; every
		// sender learns it failed and may retry under the same request id.
		s.log.Error("commit failed", "mutations", len(batch), "err", err)
		for i := range replies {
			replies[i] = reply{err: AsError(err)}
		}
		events = nil
	} else {
		s.seq.Store(seq)
		s.oldest = oldest
	}
	s.committed <- committedBatch{batch: batch, replies: replies, events: events}
}

// committedBatch is a batch whose transaction has ended, on its way to the
// publisher.
type committedBatch struct {
	batch   []*request
	replies []reply
	events  []Event
}

// publisher hands committed events to the hub, then answers their senders,
// batch after batch in commit order. It runs beside the writer so the next
// transaction does not wait for the fan-out.
func (s *Store) publisher() {
	defer close(s.done)
	for c := range s.committed {
		if len(c.events) > 0 {
			s.opts.Publish(c.events)
		}
		for i, r := range c.batch {
			r.done(c.replies[i].res, c.replies[i].err)
		}
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

type outcomeKey struct{ client, requestID string }

// findOutcomes looks up, in one query, the remembered outcomes of the
// batch's mutations that carry a client id.
func findOutcomes(tx *gorm.DB, batch []*request) (map[outcomeKey]reply, error) {
	var pairs [][]any
	for _, r := range batch {
		if r.origin.Remember {
			pairs = append(pairs, []any{r.origin.Client, r.origin.RequestID})
		}
	}
	found := make(map[outcomeKey]reply)
	if len(pairs) == 0 {
		return found, nil
	}
	for chunk := range slices.Chunk(pairs, insertChunk) {
		var rows []Outcome
		if err := tx.Where("(client, request_id) IN ?", chunk).Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, o := range rows {
			rep := reply{res: Result{Seq: o.Seq, Data: o.Reply}}
			if o.Failed {
				var e Error
				if err := json.Unmarshal(o.Reply, &e); err != nil {
					return nil, err
				}
				rep = reply{err: &e}
			}
			found[outcomeKey{o.Client, o.RequestID}] = rep
		}
	}
	return found, nil
}

// pruneEvents deletes one chunk of the events beyond the retention, inside
// the batch's transaction so it costs no commit (and no fsync) of its own; a
// backlog is worked off a chunk per batch. It returns the new oldest seq.
func (s *Store) pruneEvents(tx *gorm.DB, oldest, last int64) (int64, error) {
	keepFrom := last - s.opts.Retention + 1
	if oldest == 0 || oldest >= keepFrom {
		return oldest, nil
	}
	upTo := min(keepFrom-1, oldest+pruneChunk-1)
	if err := tx.Exec("DELETE FROM events WHERE seq >= ? AND seq <= ?", oldest, upTo).Error; err != nil {
		return oldest, err
	}
	return upTo + 1, nil
}

// insertEvents and insertOutcomes write a batch's rows with multi-row
// INSERTs built here: the ORM's reflection per row cost a tenth of the
// writer's time. GORM still binds the arguments, so the SQL stays portable.
func insertEvents(tx *gorm.DB, events []Event) error {
	return insertRows(tx, "events (seq, type, data, actor_client, actor_name, delta, at)", 7, events,
		func(e Event, args []any) []any {
			return append(args, e.Seq, e.Type, e.Data, e.ActorClient, e.ActorName, e.Delta, e.At)
		})
}

func insertOutcomes(tx *gorm.DB, outcomes []Outcome) error {
	return insertRows(tx, "outcomes (client, request_id, seq, reply, failed, created_at)", 6, outcomes,
		func(o Outcome, args []any) []any {
			return append(args, o.Client, o.RequestID, o.Seq, o.Reply, o.Failed, o.CreatedAt)
		})
}

func insertRows[T any](tx *gorm.DB, into string, columns int, rows []T, values func(T, []any) []any) error {
	placeholders := "(" + strings.TrimSuffix(strings.Repeat("?,", columns), ",") + ")"
	for chunk := range slices.Chunk(rows, insertChunk) {
		var sql strings.Builder
		sql.WriteString("INSERT INTO " + into + " VALUES ")
		args := make([]any, 0, len(chunk)*columns)
		for i, row := range chunk {
			if i > 0 {
				sql.WriteByte(',')
			}
			sql.WriteString(placeholders)
			args = values(row, args)
		}
		if err := tx.Exec(sql.String(), args...).Error; err != nil {
			return err
		}
	}
	return nil
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
