package store

import (
	"database/sql"
	"slices"
	"time"

	"livedash/models"
)

// prefetch reads and locks, at the start of a batch on PostgreSQL, the rows
// its requests name (the items of item updates and deletes, the scores of
// increments), and takes the ids of its item creates, all in one round
// trip (pgPrefetchSQL). It locks in the global order of an ordered batch
// (postgresDialect.transaction): items ascending, then scores ascending.
// The mutations then apply to these rows in memory (pendingItems,
// pendingScores) with the checks they make against the database (not
// found, version, points range), and the batch writes what they changed in
// its tail statement (pgWrite). Every batch wants the hot rows, and holds
// them from this statement to its commit: that stretch is what the batches
// of several instances queue for, so it is as few round trips as it can
// be: this one, and the tail, which commits (pgTx). The prefetch was three
// (items, ids, scores) and, before that, one statement per item mutation
// and per first increment of a score. A row not asked for here, and every row after a
// mutation that reads the tables itself (see readsItems, readsScores),
// goes the per-mutation way. Creates that will not apply (repeats of
// remembered outcomes, invalid ones) take no id, so ids follow on as they
// do on SQLite; an id not used (a repeat within the batch) leaves a gap,
// as a rolled back insert does.
func (b *batch) prefetch(t *txn, remembered map[outcomeKey]reply) error {
	var itemIDs, scoreIDs []int64
	creates := 0
	for _, r := range b.reqs {
		if _, ok := remembered[outcomeKey{r.origin.Client, r.origin.RequestID}]; ok && r.origin.Remember {
			continue // answered from its outcome
		}
		if r.validate != nil && r.validate() != nil {
			continue // fails before it applies
		}
		switch m := r.mutation.(type) {
		case *models.UpdateItem:
			itemIDs = append(itemIDs, m.ID)
		case *models.DeleteItem:
			itemIDs = append(itemIDs, m.ID)
		case *models.CreateItem:
			creates++
		case *models.IncrementScore:
			scoreIDs = append(scoreIDs, m.ID)
		}
	}
	return prefetchRows(t, uniqueIDs(itemIDs), creates, uniqueIDs(scoreIDs))
}

func uniqueIDs(ids []int64) []int64 {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// pgPrefetchSQL reads and locks the items $1 and the scores $3 and takes
// $2 ids from the items' sequence, one row each, told apart by the first
// column. The parts of a UNION ALL run one after the other in the order
// written, and each part's sort comes before its lock (LockRows above
// Sort), so the rows are locked as the global order wants them. A query
// with row locks never runs in parallel.
const pgPrefetchSQL = `SELECT 1, id, name, description, '', '', 0::bigint, version, created_at, updated_at
  FROM (SELECT * FROM items WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE) i
UNION ALL
SELECT 2, nextval(pg_get_serial_sequence('items', 'id')), '', '', '', '', 0, 0, NULL, NULL
  FROM generate_series(1, $2::int)
UNION ALL
SELECT 3, id, '', '', player, player_key, points, version, created_at, updated_at
  FROM (SELECT * FROM scores WHERE id = ANY($3::bigint[]) ORDER BY id FOR UPDATE) s`

// The kinds of pgPrefetchSQL's rows.
const (
	prefetchedItem  = 1
	prefetchedID    = 2
	prefetchedScore = 3
)

// prefetchRows runs pgPrefetchSQL: it fills the batch's items and scores
// with the rows read, marks the ids asked for but not found as missing,
// and keeps the new items' ids.
func prefetchRows(t *txn, itemIDs []int64, creates int, scoreIDs []int64) error {
	if len(itemIDs) == 0 && creates == 0 && len(scoreIDs) == 0 {
		return nil
	}
	rows, err := t.query(pgPrefetchSQL, itemIDs, creates, scoreIDs)
	if err != nil {
		return err
	}
	defer rows.Close()
	items, scores := &t.items, &t.scores
	if len(itemIDs) > 0 {
		items.rows = make(map[int64]*pendingItem, len(itemIDs))
	}
	if len(scoreIDs) > 0 && scores.rows == nil {
		scores.rows = make(map[int64]*pendingScore, len(scoreIDs))
	}
	for rows.Next() {
		var kind int
		var id, points, version int64
		var name, desc, player, playerKey string
		var created, updated sql.Null[time.Time]
		if err := rows.Scan(&kind, &id, &name, &desc, &player, &playerKey, &points, &version, &created, &updated); err != nil {
			return err
		}
		switch kind {
		case prefetchedItem:
			it := models.Item{ID: id, Name: name, Description: desc, Version: version, CreatedAt: created.V, UpdatedAt: updated.V}
			items.rows[id] = &pendingItem{item: it, stored: true, exists: true}
		case prefetchedID:
			items.ids = append(items.ids, id)
		case prefetchedScore:
			sc := models.Score{ID: id, Player: player, PlayerKey: playerKey, Points: points, Version: version,
				CreatedAt: created.V, UpdatedAt: updated.V}
			scores.rows[id] = &pendingScore{score: sc}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range itemIDs {
		if items.rows[id] == nil {
			items.rows[id] = &pendingItem{}
		}
	}
	for _, id := range scoreIDs {
		if scores.rows[id] == nil {
			scores.rows[id] = &pendingScore{missing: true}
		}
	}
	return rows.Close()
}
