package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"livedash/models"
)

// pgTailSQL is a batch's whole tail on PostgreSQL, one round trip while it
// holds the counter's lock: the merged scores written back, the counter
// moved, the events and outcomes inserted, and a chunk of old events
// pruned. It was five to a dozen statements, each a round trip (one UPDATE
// per merged score). The rows travel as arrays, one per column (unnest), so
// the statement's text is the same for every batch and stays prepared.
// All parts see the same snapshot; none reads what another writes: the
// scores are locked by the batch already, the new events' seqs are above
// the counter read under its lock, the pruned ones at or below the seq this
// instance published.
const pgTailSQL = `WITH s AS (
  UPDATE scores SET points = v.points, version = v.version, updated_at = v.updated_at
  FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[]) AS v(id, points, version, updated_at)
  WHERE scores.id = v.id RETURNING scores.id
), c AS (
  UPDATE seq_counter SET seq = seq + $5 WHERE id = 1 AND $5::bigint > 0 RETURNING seq
), e AS (
  INSERT INTO events (seq, type, data, actor_id, actor_name, delta, at, record_type, record_id, before_data, undo_of)
  SELECT * FROM unnest($6::bigint[], $7::text[], $8::bytea[], $9::text[], $10::text[], $11::bigint[],
    $12::timestamptz[], $13::text[], $14::bigint[], $15::bytea[], $16::bigint[])
), o AS (
  INSERT INTO outcomes (client, request_id, seq, reply, failed, created_at)
  SELECT * FROM unnest($17::text[], $18::text[], $19::bigint[], $20::bytea[], $21::boolean[], $22::timestamptz[])
), p AS (
  DELETE FROM events WHERE seq >= $23 AND seq <= $24
)
SELECT (SELECT seq FROM c), (SELECT count(*) FROM s)`

// writeTail ends a batch whose base seq is known (the counter was read
// under its lock, batchSeqs.fix) in one statement, pgTailSQL, and checks
// that the counter ended where the batch's seqs say and that every merged
// score was written. It returns the new oldest seq in the log, as
// pruneEvents does.
func (s *Store) writeTail(t *txn, b *batch, oldest int64) (int64, error) {
	n, from := b.seqs.unplaced(), b.seqs.placed
	last := b.settle(s.seq.Load())
	pruneFrom, pruneTo := s.pruneRange(oldest, b.events, last)
	scores := t.scores.dirty()
	if n == 0 && len(b.outcomes) == 0 && len(scores) == 0 && pruneTo < pruneFrom {
		return pruneFrom, nil
	}
	args := make([]any, 0, 24)
	args = append(args, scoreColumnsOf(scores)...)
	args = append(args, n)
	args = append(args, eventColumns(b.events[from:])...)
	args = append(args, outcomeColumns(b.outcomes)...)
	args = append(args, pruneFrom, pruneTo)
	rows, err := t.db.Statement.ConnPool.QueryContext(t.db.Statement.Context, pgTailSQL, args...)
	if err != nil {
		return oldest, err
	}
	defer rows.Close()
	var top sql.NullInt64
	var written int
	if !rows.Next() {
		return oldest, errors.Join(errors.New("store: the tail statement returned no row"), rows.Err())
	}
	if err := rows.Scan(&top, &written); err != nil {
		return oldest, err
	}
	if err := rows.Close(); err != nil {
		return oldest, err
	}
	if written != len(scores) {
		return oldest, fmt.Errorf("store: the tail wrote %d of the batch's %d merged scores", written, len(scores))
	}
	clear(t.scores.rows)
	if n > 0 {
		if !top.Valid {
			return oldest, errors.New("store: the seq counter row is missing")
		}
		if err := b.seqs.place(top.Int64); err != nil {
			return oldest, err
		}
	}
	if pruneTo < pruneFrom {
		return pruneFrom, nil
	}
	return pruneTo + 1, nil
}

// scoreColumnsOf is pgTailSQL's $1..$4: the merged scores as columns.
func scoreColumnsOf(scores []models.Score) []any {
	ids, points, versions := make([]int64, len(scores)), make([]int64, len(scores)), make([]int64, len(scores))
	updated := make([]time.Time, len(scores))
	for i, sc := range scores {
		ids[i], points[i], versions[i], updated[i] = sc.ID, sc.Points, sc.Version, sc.UpdatedAt
	}
	return []any{ids, points, versions, updated}
}

// eventColumns is pgTailSQL's $6..$16: events, at their seqs in the log, as
// columns.
func eventColumns(events []models.Event) []any {
	n := len(events)
	seqs, recordIDs := make([]int64, n), make([]int64, n)
	types, actorIDs, actorNames, recordTypes := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	data, before := make([][]byte, n), make([][]byte, n)
	deltas, undoOfs := make([]*int64, n), make([]*int64, n)
	at := make([]time.Time, n)
	for i, e := range events {
		seqs[i], types[i], data[i], actorIDs[i], actorNames[i] = e.Seq, e.Type, e.Data, e.ActorID, e.ActorName
		deltas[i], at[i], recordTypes[i], recordIDs[i], before[i], undoOfs[i] = e.Delta, e.At, e.RecordType, e.RecordID, e.Before, e.UndoOf
	}
	return []any{seqs, types, data, actorIDs, actorNames, deltas, at, recordTypes, recordIDs, before, undoOfs}
}

// outcomeColumns is pgTailSQL's $17..$22: outcomes as columns.
func outcomeColumns(outcomes []models.Outcome) []any {
	n := len(outcomes)
	clients, requestIDs := make([]string, n), make([]string, n)
	seqs, replies := make([]int64, n), make([][]byte, n)
	failed, created := make([]bool, n), make([]time.Time, n)
	for i, o := range outcomes {
		clients[i], requestIDs[i], seqs[i], replies[i], failed[i], created[i] = o.Client, o.RequestID, o.Seq, o.Reply, o.Failed, o.CreatedAt
	}
	return []any{clients, requestIDs, seqs, replies, failed, created}
}
