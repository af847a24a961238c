package store

import (
	"database/sql"
	"errors"
	"time"

	"livedash/models"
)

// pgTailSQL writes, in one round trip, everything the batch holds in
// memory: the items it created, updated and deleted, the merged scores,
// the counter moved, the events and outcomes, and a chunk of old events
// pruned. It takes the counter's lock if the batch does not hold it yet
// (an ordered batch), and numbers the events and the successes' outcomes
// from the counter's value under it: the batch's own seqs ($6, $19 where
// not failed) plus its base, the counter's new value less $37, the
// batch's events numbered so far (batchSeqs). It was five to a dozen
// statements at the end of a batch (one UPDATE per merged score), besides
// one per item mutation and per first increment of a score. The rows
// travel as arrays, one per column (unnest), so the statement's text is
// the same for every batch and stays prepared. All parts see the same
// snapshot and none reads what another writes: the items and scores are
// locked by the batch already and each is in one part only (pendingItems'
// changes), the new events' seqs are above the counter's value under its
// lock, the pruned ones at or below the seq this instance published. The
// statement checks that the counter was there and that every row it meant
// to change was ($38..$40), and fails if not: the batch's last tail
// carries the COMMIT in its round trip (pgTx.commitWith), so a check in Go
// would come after the commit. It fails by casting its complaint to an
// integer, as plain SQL has no RAISE: the error names it.
const pgTailSQL = `WITH s AS (
  UPDATE scores SET points = v.points, version = v.version, updated_at = v.updated_at
  FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[]) AS v(id, points, version, updated_at)
  WHERE scores.id = v.id RETURNING scores.id
), c AS (
  UPDATE seq_counter SET seq = seq + $5 WHERE id = 1 RETURNING seq, seq - $37::bigint AS base
), e AS (
  INSERT INTO events (seq, type, data, actor_id, actor_name, delta, at, record_type, record_id, before_data, undo_of)
  SELECT c.base + v.seq, v.type, v.data, v.actor_id, v.actor_name, v.delta, v.at, v.record_type, v.record_id, v.before_data, v.undo_of
  FROM c, unnest($6::bigint[], $7::text[], $8::bytea[], $9::text[], $10::text[], $11::bigint[],
    $12::timestamptz[], $13::text[], $14::bigint[], $15::bytea[], $16::bigint[])
    AS v(seq, type, data, actor_id, actor_name, delta, at, record_type, record_id, before_data, undo_of)
), o AS (
  INSERT INTO outcomes (client, request_id, seq, reply, failed, created_at)
  SELECT v.client, v.request_id, CASE WHEN v.failed THEN v.seq ELSE c.base + v.seq END, v.reply, v.failed, v.created_at
  FROM c, unnest($17::text[], $18::text[], $19::bigint[], $20::bytea[], $21::boolean[], $22::timestamptz[])
    AS v(client, request_id, seq, reply, failed, created_at)
), p AS (
  DELETE FROM events WHERE seq >= $23 AND seq <= $24
), ic AS (
  INSERT INTO items (id, name, description, version, created_at, updated_at)
  SELECT * FROM unnest($25::bigint[], $26::text[], $27::text[], $28::bigint[], $29::timestamptz[], $30::timestamptz[])
), iu AS (
  UPDATE items SET name = v.name, description = v.description, version = v.version, updated_at = v.updated_at
  FROM unnest($31::bigint[], $32::text[], $33::text[], $34::bigint[], $35::timestamptz[]) AS v(id, name, description, version, updated_at)
  WHERE items.id = v.id RETURNING items.id
), id AS (
  DELETE FROM items WHERE id = ANY($36::bigint[]) RETURNING id
)
SELECT (SELECT seq FROM c), CAST(CASE
  WHEN (SELECT seq FROM c) IS NULL THEN 'store: the seq counter row is missing'
  WHEN (SELECT count(*) FROM s) <> $38::bigint OR (SELECT count(*) FROM iu) <> $39::bigint OR (SELECT count(*) FROM id) <> $40::bigint
    THEN format('store: the tail wrote %s of %s scores, updated %s of %s items, deleted %s of %s',
      (SELECT count(*) FROM s), $38::bigint, (SELECT count(*) FROM iu), $39::bigint, (SELECT count(*) FROM id), $40::bigint)
  ELSE '0' END AS int)`

// writeTail ends a batch in one statement (pgWrite) with its outcomes and a
// pruning step, which commits, with a notification to the other instances
// if the batch has events (pgTx), then moves its events, replies and
// outcomes to their log seqs. It returns the new oldest seq in the log, as
// pruneEvents does. An ordered batch learns its base only in that
// statement; its pruning goes by a lower bound of its last seq (the seq
// this instance published plus its events: the counter is at least there),
// which prunes no more than the batch's true last seq would, and it prunes
// nothing while the oldest seq is unknown (an empty log at start), whose
// new oldest is then its first event.
func (s *Store) writeTail(t *txn, b *batch, oldest int64) (int64, error) {
	known := s.seq.Load()
	var first int64
	last := known + b.seqs.own
	if b.seqs.fixed {
		if len(b.events) > 0 {
			first = b.seqs.log(b.events[0].Seq)
		}
		last = b.seqs.last(known)
	}
	pruneFrom, pruneTo := s.pruneRange(oldest, first, last)
	t.pg.notify = len(b.events) > 0
	if err := b.pgWrite(t, b.outcomes, pruneFrom, pruneTo, true); err != nil {
		return oldest, err
	}
	b.settle(known)
	switch {
	case pruneTo >= pruneFrom:
		return pruneTo + 1, nil
	case pruneFrom == 0 && len(b.events) > 0:
		return b.events[0].Seq, nil
	}
	return pruneFrom, nil
}

// pgWrite writes what the batch holds in memory (pendingItems,
// pendingScores, the events not in the log yet) and outcomes, and prunes
// the events pruneFrom..pruneTo (none if pruneTo < pruneFrom), in one
// statement (pgTailSQL), which checks that the counter ended where the
// batch's seqs say and that every row it meant to change was there. The
// batch's last write (last) commits in the same round trip; if it has
// nothing to write, the dialect commits. The batch's rows in memory are
// forgotten: whatever applies next reads the database.
func (b *batch) pgWrite(t *txn, outcomes []models.Outcome, pruneFrom, pruneTo int64, last bool) error {
	n, from := b.seqs.unplaced(), b.seqs.placed
	scores := t.scores.dirty()
	inserts, updates, deletes := t.items.changes()
	t.scores.forget()
	t.items.forget()
	if n == 0 && len(outcomes) == 0 && len(scores) == 0 && len(inserts)+len(updates)+len(deletes) == 0 && pruneTo < pruneFrom {
		return nil
	}
	args := make([]any, 0, 40)
	args = append(args, scoreColumnsOf(scores)...)
	args = append(args, n)
	args = append(args, eventColumns(b.events[from:])...)
	args = append(args, outcomeColumns(outcomes)...)
	args = append(args, pruneFrom, pruneTo)
	args = append(args, itemColumns6(inserts)...)
	args = append(args, itemColumns5(updates)...)
	args = append(args, deletes, b.seqs.own)
	args = append(args, len(scores), len(updates), len(deletes))
	var top int64
	var checked int
	var err error
	if last {
		err = t.pg.commitWith(pgTailSQL, args, &top, &checked)
	} else {
		err = t.queryRow(pgTailSQL, args, &top, &checked)
	}
	if err != nil || n == 0 {
		return err
	}
	return b.seqs.place(top)
}

// queryRow runs a statement that returns one row on the transaction's
// connection and scans the row into dest.
func (t *txn) queryRow(sql string, args []any, dest ...any) error {
	rows, err := t.query(sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		return errors.Join(errors.New("store: the statement returned no row"), rows.Err())
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// query runs a statement with PostgreSQL's $n placeholders on the
// transaction's connection, past the ORM, which would expand a slice
// argument into a list: the arrays go to pgx whole.
func (t *txn) query(sql string, args ...any) (*sql.Rows, error) {
	return t.db.Statement.ConnPool.QueryContext(t.db.Statement.Context, sql, args...)
}

// itemColumns6 is pgTailSQL's $25..$30: items to insert as columns.
func itemColumns6(items []models.Item) []any {
	n := len(items)
	ids, versions := make([]int64, n), make([]int64, n)
	names, descs := make([]string, n), make([]string, n)
	created, updated := make([]time.Time, n), make([]time.Time, n)
	for i, it := range items {
		ids[i], names[i], descs[i], versions[i], created[i], updated[i] = it.ID, it.Name, it.Description, it.Version, it.CreatedAt, it.UpdatedAt
	}
	return []any{ids, names, descs, versions, created, updated}
}

// itemColumns5 is pgTailSQL's $31..$35: items to update as columns.
func itemColumns5(items []models.Item) []any {
	cols := itemColumns6(items)
	return []any{cols[0], cols[1], cols[2], cols[3], cols[5]}
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

// eventColumns is pgTailSQL's $6..$16: events as columns, each at its own
// seq (the statement adds the base).
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

// outcomeColumns is pgTailSQL's $17..$22: outcomes as columns, the seq of
// a success its own (the statement adds the base).
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
