package store

import (
	"slices"

	"livedash/models"
)

// prefetch reads and locks, at the start of a batch on PostgreSQL, the rows
// its requests name (the items of item updates and deletes, the scores of
// increments), one round trip per table, and takes the ids of its item
// creates in one more. It locks in the global order of an ordered batch
// (postgresDialect.transaction): items ascending, then scores ascending.
// The scores come last since every batch wants the hot ones: the ids'
// round trip comes before them, so the scores are held one round trip
// less. The mutations then apply to these rows in memory (pendingItems,
// pendingScores) with the checks they make against the database (not
// found, version, points range), and the batch writes what they changed in
// its tail statement (pgWrite). Before, a batch of 60 mutations sent one
// statement per item mutation and per first increment of a score, each a
// round trip while it held the counter's lock. A row not asked for
// here, and every row after a mutation that reads the tables itself (see
// readsItems, readsScores), goes the per-mutation way. Creates that will
// not apply (repeats of remembered outcomes, invalid ones) take no id, so
// ids follow on as they do on SQLite; an id not used (a repeat within the
// batch) leaves a gap, as a rolled back insert does.
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
	if err := t.items.prefetch(t, uniqueIDs(itemIDs), creates); err != nil {
		return err
	}
	return t.scores.prefetch(t, uniqueIDs(scoreIDs))
}

func uniqueIDs(ids []int64) []int64 {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// prefetch reads and locks the items ids, remembers which do not exist,
// and takes creates ids from the items' sequence.
func (p *pendingItems) prefetch(t *txn, ids []int64, creates int) error {
	if len(ids) > 0 {
		rows, err := t.query("SELECT id, name, description, version, created_at, updated_at FROM items "+
			"WHERE id = ANY($1) ORDER BY id FOR UPDATE", ids)
		if err != nil {
			return err
		}
		defer rows.Close()
		p.rows = make(map[int64]*pendingItem, len(ids))
		for rows.Next() {
			var it models.Item
			if err := rows.Scan(&it.ID, &it.Name, &it.Description, &it.Version, &it.CreatedAt, &it.UpdatedAt); err != nil {
				return err
			}
			p.rows[it.ID] = &pendingItem{item: it, stored: true, exists: true}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, id := range ids {
			if p.rows[id] == nil {
				p.rows[id] = &pendingItem{}
			}
		}
	}
	if creates > 0 {
		rows, err := t.query("SELECT nextval(pg_get_serial_sequence('items', 'id')) FROM generate_series(1, $1)", creates)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			p.ids = append(p.ids, id)
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// prefetch reads and locks the scores ids, and remembers which do not
// exist.
func (p *pendingScores) prefetch(t *txn, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := t.query("SELECT id, player, player_key, points, version, created_at, updated_at FROM scores "+
		"WHERE id = ANY($1) ORDER BY id FOR UPDATE", ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	if p.rows == nil {
		p.rows = make(map[int64]*pendingScore, len(ids))
	}
	for rows.Next() {
		var s models.Score
		if err := rows.Scan(&s.ID, &s.Player, &s.PlayerKey, &s.Points, &s.Version, &s.CreatedAt, &s.UpdatedAt); err != nil {
			return err
		}
		p.rows[s.ID] = &pendingScore{score: s}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if p.rows[id] == nil {
			p.rows[id] = &pendingScore{missing: true}
		}
	}
	return rows.Close()
}
