package store

import (
	"time"

	"gorm.io/gorm"

	"livedash/models"
)

func createItem(tx *gorm.DB, m *models.CreateItem, now time.Time) (change, error) {
	it := models.Item{Name: m.Name, Description: m.Description, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(&it).Error; err != nil {
		return change{}, err
	}
	return change{eventType: "item.created", record: it, kind: models.RecordItem, id: it.ID}, nil
}

func updateItem(tx *gorm.DB, m *models.UpdateItem, now time.Time) (change, error) {
	var it models.Item
	if err := findVersioned(tx, &it, "item", m.ID, m.Version, func() int64 { return it.Version }); err != nil {
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
	it.UpdatedAt = now
	err := tx.Model(&models.Item{}).Where("id = ?", it.ID).Updates(map[string]any{
		"name": it.Name, "description": it.Description, "version": it.Version, "updated_at": now,
	}).Error
	return change{eventType: "item.updated", record: it, kind: models.RecordItem, id: it.ID, before: before}, err
}

func deleteItem(tx *gorm.DB, m *models.DeleteItem) (change, error) {
	var it models.Item
	if err := findVersioned(tx, &it, "item", m.ID, m.Version, func() int64 { return it.Version }); err != nil {
		return change{}, err
	}
	err := tx.Delete(&models.Item{}, m.ID).Error
	return change{eventType: "item.deleted", record: models.Deleted{ID: m.ID}, kind: models.RecordItem, id: m.ID, before: it}, err
}
