package store

import (
	"fmt"
	"time"

	"livedash/models"
	"livedash/protocol"
)

func createItem(t *txn, m *models.CreateItem) (change, error) {
	if ch, ok := t.items.create(t, m); ok {
		return ch, nil
	}
	it := models.Item{Name: m.Name, Description: m.Description, Version: 1, CreatedAt: t.now, UpdatedAt: t.now}
	if err := t.db.Create(&it).Error; err != nil {
		return change{}, err
	}
	return change{eventType: protocol.EventItemCreated, record: it, kind: models.RecordItem, id: it.ID}, nil
}

func updateItem(t *txn, m *models.UpdateItem) (change, error) {
	if ch, ok, err := t.items.update(t, m); ok {
		return ch, err
	}
	if t.dialect.remoteRoundTrips() {
		return updateItemOnce(t, m)
	}
	var it models.Item
	if err := findVersioned(t, &it, "item", m.ID, m.Version, func() int64 { return it.Version }); err != nil {
		return change{}, err
	}
	before := it
	applyItemUpdate(&it, m, t.now)
	err := t.db.Model(&models.Item{}).Where("id = ?", it.ID).Updates(itemColumns(it)).Error
	return change{eventType: protocol.EventItemUpdated, record: it, kind: models.RecordItem, id: it.ID, before: before}, err
}

// applyItemUpdate changes it as m asks, at now: in the database's copy
// (updateItem) or in the batch's (pendingItems.update) alike.
func applyItemUpdate(it *models.Item, m *models.UpdateItem, now time.Time) {
	if m.Name != nil {
		it.Name = *m.Name
	}
	if m.Description != nil {
		it.Description = *m.Description
	}
	it.Version++
	it.UpdatedAt = now
}

// updateItemOnce is updateItem in one round trip (PostgreSQL): the row is
// locked, checked, updated and read as it was before, in one statement.
// Item updates were a fifth of the writes benchmark's mutations and their
// SELECT ... FOR UPDATE and UPDATE two of every five statements a batch
// sent. When no row comes back (no such item, or not at the expected
// version), findVersioned, under the same lock, says which. A batch now
// reads its items up front (prefetch) and updates them in memory; this is
// the way of an update after the batch wrote them mid-way (pendingItems).
func updateItemOnce(t *txn, m *models.UpdateItem) (change, error) {
	var before, it models.Item
	found, err := scanOne(t.db.Raw("WITH old AS (SELECT * FROM items WHERE id = ? FOR UPDATE) "+
		"UPDATE items SET name = COALESCE(?, old.name), description = COALESCE(?, old.description), "+
		"version = old.version + 1, updated_at = ? FROM old WHERE items.id = old.id AND old.version = COALESCE(?, old.version) "+
		"RETURNING old.id, old.name, old.description, old.version, old.created_at, old.updated_at, "+
		"items.name, items.description, items.version",
		m.ID, m.Name, m.Description, t.now, m.Version),
		&before.ID, &before.Name, &before.Description, &before.Version, &before.CreatedAt, &before.UpdatedAt,
		&it.Name, &it.Description, &it.Version)
	if err != nil {
		return change{}, err
	}
	if !found {
		var cur models.Item
		if err := findVersioned(t, &cur, "item", m.ID, m.Version, func() int64 { return cur.Version }); err != nil {
			return change{}, err
		}
		return change{}, fmt.Errorf("store: item %d passed its check only on the second read", m.ID)
	}
	it.ID, it.CreatedAt, it.UpdatedAt = before.ID, before.CreatedAt, t.now
	return change{eventType: protocol.EventItemUpdated, record: it, kind: models.RecordItem, id: it.ID, before: before}, nil
}

func deleteItem(t *txn, m *models.DeleteItem) (change, error) {
	if ch, ok, err := t.items.remove(m); ok {
		return ch, err
	}
	return deleteRecord(t, itemKind(), m.ID, m.Version)
}

// itemColumns are the columns an update of it writes: an update and the
// undo of one write the same.
func itemColumns(it models.Item) map[string]any {
	return map[string]any{"name": it.Name, "description": it.Description, "version": it.Version, "updated_at": it.UpdatedAt}
}
