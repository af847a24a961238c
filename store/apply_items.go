package store

import (
	"livedash/models"
	"livedash/protocol"
)

func createItem(t *txn, m *models.CreateItem) (change, error) {
	it := models.Item{Name: m.Name, Description: m.Description, Version: 1, CreatedAt: t.now, UpdatedAt: t.now}
	if err := t.db.Create(&it).Error; err != nil {
		return change{}, err
	}
	return change{eventType: protocol.EventItemCreated, record: it, kind: models.RecordItem, id: it.ID}, nil
}

func updateItem(t *txn, m *models.UpdateItem) (change, error) {
	var it models.Item
	if err := findVersioned(t, &it, "item", m.ID, m.Version, func() int64 { return it.Version }); err != nil {
		return change{}, err
	}
	before := it
	if m.Name != nil {
		it.Name = *m.Name
	}
	if m.Description != nil {
		it.Description = *m.Description
	}
	it.Version++
	it.UpdatedAt = t.now
	err := t.db.Model(&models.Item{}).Where("id = ?", it.ID).Updates(itemColumns(it)).Error
	return change{eventType: protocol.EventItemUpdated, record: it, kind: models.RecordItem, id: it.ID, before: before}, err
}

func deleteItem(t *txn, m *models.DeleteItem) (change, error) {
	return deleteRecord(t, itemKind(), m.ID, m.Version)
}

// itemColumns are the columns an update of it writes: an update and the
// undo of one write the same.
func itemColumns(it models.Item) map[string]any {
	return map[string]any{"name": it.Name, "description": it.Description, "version": it.Version, "updated_at": it.UpdatedAt}
}
