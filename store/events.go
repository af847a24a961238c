package store

import (
	"context"

	"gorm.io/gorm"

	"livedash/models"
)

// pruneChunk bounds how many rows one pruning step deletes, so pruning never
// makes a batch's transaction long.
const pruneChunk = 1000

// insertEvents writes events with multi-row INSERTs, each at its seq in the
// log: logSeq of its seq (see batchSeqs).
func insertEvents(tx *gorm.DB, events []models.Event, logSeq func(int64) int64) error {
	return insertRows(tx, "events (seq, type, data, actor_id, actor_name, delta, at, record_type, record_id, before_data, undo_of)", 11, events,
		func(e models.Event, args []any) []any {
			return append(args, logSeq(e.Seq), e.Type, e.Data, e.ActorID, e.ActorName, e.Delta, e.At,
				e.RecordType, e.RecordID, e.Before, e.UndoOf)
		})
}

// pruneEvents deletes one chunk of the events beyond the retention, inside
// the batch's transaction so it costs no commit (and no fsync) of its own; a
// backlog is worked off a chunk per batch. events are the batch's, at their
// seqs in the log, and last is the batch's last seq. It returns the new
// oldest seq. It never deletes an event this instance has not published
// yet: the writer may be batches ahead of the publisher, which reads the
// log when woken and before publishing its own batch when another
// instance's came in between, and must find every event there.
func (s *Store) pruneEvents(tx *gorm.DB, oldest int64, events []models.Event, last int64) (int64, error) {
	var first int64
	if len(events) > 0 {
		first = events[0].Seq
	}
	from, upTo := s.pruneRange(oldest, first, last)
	if upTo < from {
		return from, nil
	}
	if err := tx.Exec("DELETE FROM events WHERE seq >= ? AND seq <= ?", from, upTo).Error; err != nil {
		return from, err
	}
	return upTo + 1, nil
}

// pruneRange is the chunk of events pruneEvents deletes, from..upTo
// (upTo < from: none); from is also the oldest seq in the log if none is
// deleted. first is the log seq of the batch's first event (0: none).
func (s *Store) pruneRange(oldest, first, last int64) (from, upTo int64) {
	if oldest == 0 {
		oldest = first
	}
	keepFrom := min(last-s.opts.Retention+1, s.seq.Load()+1)
	if oldest == 0 || oldest >= keepFrom {
		return oldest, oldest - 1
	}
	return oldest, min(keepFrom-1, oldest+pruneChunk-1)
}

// EventsSince returns up to limit events with seq > since, in order.
func (s *Store) EventsSince(ctx context.Context, since int64, limit int) ([]models.Event, error) {
	events, err := scanEvents(s.read.WithContext(ctx).Raw(
		"SELECT "+eventColumnList+" FROM events WHERE seq > ? ORDER BY seq LIMIT ?", since, limit))
	return events, s.dbError(err)
}

// eventColumnList is the events' columns in the order scanEvents reads
// them.
const eventColumnList = "seq, type, data, actor_id, actor_name, delta, at, record_type, record_id, before_data, undo_of"

// scanEvents runs q, which selects eventColumnList, and scans its rows by
// hand: the publisher reads every other instance's events back this way,
// and GORM's scan into structs (reflection per row and field) was 11–16 %
// of an instance's CPU in make bench-cluster's writes over two instances.
func scanEvents(q *gorm.DB) ([]models.Event, error) {
	events := []models.Event{}
	rows, err := q.Rows()
	if err != nil {
		return events, err
	}
	defer rows.Close()
	for rows.Next() {
		var e models.Event
		if err := rows.Scan(&e.Seq, &e.Type, &e.Data, &e.ActorID, &e.ActorName, &e.Delta, &e.At,
			&e.RecordType, &e.RecordID, &e.Before, &e.UndoOf); err != nil {
			return events, err
		}
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return events, err
	}
	return events, rows.Close()
}

// EventsPage returns up to limit events with seq > since, in order, and the
// last committed seq, read in one snapshot: no event is above that seq, and
// it is at least as high as any seq committed before the call, on any
// instance (GET /api/events).
func (s *Store) EventsPage(ctx context.Context, since int64, limit int) ([]models.Event, int64, error) {
	events := []models.Event{}
	var top int64
	err := s.read.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw("SELECT seq FROM seq_counter WHERE id = 1").Scan(&top).Error; err != nil {
			return err
		}
		var err error
		events, err = scanEvents(tx.Raw("SELECT "+eventColumnList+" FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
			since, top, limit))
		return err
	}, s.d.readTx())
	return events, top, s.dbError(err)
}
