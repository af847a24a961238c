package store

import (
	"gorm.io/gorm"

	"livedash/models"
	"livedash/protocol"
)

// pendingItems are the items a batch read and locked up front (prefetch,
// PostgreSQL) and what its item mutations made of them in memory, until
// the batch writes them (pgWrite). Item creates take their ids from ids,
// taken from the items' sequence up front. An item not in rows, or a
// create when ids is empty, goes the per-mutation way (createItem and the
// others read and write the database); so does every item update and
// delete after a write, which empties rows, since the mutation that asked
// for it may change any item.
type pendingItems struct {
	rows map[int64]*pendingItem
	ids  []int64
}

type pendingItem struct {
	item   models.Item
	stored bool // the row is in the database, as read or last written
	exists bool // the row exists as the batch's mutations left it
	dirty  bool // changed in memory since it was read or written
}

// create applies m in memory when the batch holds an id for it.
func (p *pendingItems) create(t *txn, m *models.CreateItem) (change, bool) {
	if len(p.ids) == 0 {
		return change{}, false
	}
	id := p.ids[0]
	p.ids = p.ids[1:]
	if p.rows == nil {
		p.rows = make(map[int64]*pendingItem)
	}
	it := models.Item{ID: id, Name: m.Name, Description: m.Description, Version: 1, CreatedAt: t.now, UpdatedAt: t.now}
	p.rows[id] = &pendingItem{item: it, exists: true, dirty: true}
	return change{eventType: protocol.EventItemCreated, record: it, kind: models.RecordItem, id: id}, true
}

// update applies m in memory when the batch holds its row (or knows there
// is none), with updateItem's checks and errors.
func (p *pendingItems) update(t *txn, m *models.UpdateItem) (change, bool, error) {
	row, ok := p.rows[m.ID]
	if !ok {
		return change{}, false, nil
	}
	if err := row.check(m.ID, m.Version); err != nil {
		return change{}, true, err
	}
	before := row.item
	it := &row.item
	applyItemUpdate(it, m, t.now)
	row.dirty = true
	return change{eventType: protocol.EventItemUpdated, record: *it, kind: models.RecordItem, id: it.ID, before: before}, true, nil
}

// remove applies m in memory when the batch holds its row (or knows there
// is none), with deleteItem's checks and errors.
func (p *pendingItems) remove(m *models.DeleteItem) (change, bool, error) {
	row, ok := p.rows[m.ID]
	if !ok {
		return change{}, false, nil
	}
	if err := row.check(m.ID, m.Version); err != nil {
		return change{}, true, err
	}
	row.exists, row.dirty = false, true
	k := itemKind()
	return change{eventType: k.deleted, record: models.Deleted{ID: m.ID}, kind: k.name, id: m.ID, before: row.item}, true, nil
}

// check is findVersioned's check on a row in memory.
func (row *pendingItem) check(id int64, want *int64) error {
	if !row.exists {
		return notFound(gorm.ErrRecordNotFound, models.RecordItem, id)
	}
	return checkVersion(models.RecordItem, id, want, row.item.Version)
}

// changes are the writes that bring the database to the rows in memory:
// items to insert (created in the batch), to update, and ids to delete. An
// item created and deleted in the same batch is neither.
func (p *pendingItems) changes() (inserts, updates []models.Item, deletes []int64) {
	for id, row := range p.rows {
		switch {
		case !row.dirty:
		case row.stored && !row.exists:
			deletes = append(deletes, id)
		case row.stored:
			updates = append(updates, row.item)
		case row.exists:
			inserts = append(inserts, row.item)
		}
	}
	return inserts, updates, deletes
}

// forget drops every row: after a write the per-mutation way takes over.
// The ids stay: nobody else gets them from the sequence, whatever the
// mutation that asked for the write does.
func (p *pendingItems) forget() { clear(p.rows) }
