package store

import (
	"livedash/models"
	"livedash/protocol"
)

// resetDemo replaces all items and scores with the demo data set; its event
// carries the complete new state.
func resetDemo(t *txn) (change, error) {
	tx, now := t.db, t.now
	if err := t.dialect.beforeReset(tx); err != nil {
		return change{}, err
	}
	if err := tx.Where("1 = 1").Delete(&models.Item{}).Error; err != nil {
		return change{}, err
	}
	if err := tx.Where("1 = 1").Delete(&models.Score{}).Error; err != nil {
		return change{}, err
	}
	items, scores := models.DemoItems(), models.DemoScores()
	for i := range items {
		items[i].Version, items[i].CreatedAt, items[i].UpdatedAt = 1, now, now
	}
	for i := range scores {
		scores[i].PlayerKey = models.PlayerKey(scores[i].Player)
		scores[i].Version, scores[i].CreatedAt, scores[i].UpdatedAt = 1, now, now
	}
	if err := tx.Create(&items).Error; err != nil {
		return change{}, err
	}
	if err := tx.Create(&scores).Error; err != nil {
		return change{}, err
	}
	if err := t.dialect.afterReset(tx); err != nil {
		return change{}, err
	}
	models.SortScores(scores)
	return change{eventType: protocol.EventStateReset, record: models.ResetState{Items: items, Scores: scores}, kind: models.RecordReset}, nil
}
