package store

import (
	"math"

	"gorm.io/gorm"

	"livedash/models"
	"livedash/protocol"
)

func createScore(t *txn, m *models.CreateScore) (change, error) {
	if err := checkPlayerFree(t.db, m.Player, 0); err != nil {
		return change{}, err
	}
	s := models.Score{Player: m.Player, PlayerKey: models.PlayerKey(m.Player), Points: m.Points, Version: 1, CreatedAt: t.now, UpdatedAt: t.now}
	// Another instance may take the name between the check and the insert.
	err := t.guardUnique(func() error { return t.db.Create(&s).Error }, func() error { return playerTaken(m.Player) })
	if err != nil {
		return change{}, err
	}
	// A score create does not write the merged increments back
	// (readsScores), so the batch may still hold what it read up front of
	// this id: that there was no such score. An increment after this create
	// must find it.
	t.scores.forgetMissing(s.ID)
	return change{eventType: protocol.EventScoreCreated, record: s, kind: models.RecordScore, id: s.ID}, nil
}

func updateScore(t *txn, m *models.UpdateScore) (change, error) {
	var s models.Score
	if err := findVersioned(t, &s, "score", m.ID, m.Version, func() int64 { return s.Version }); err != nil {
		return change{}, err
	}
	before := s
	if m.Player != nil {
		if err := checkPlayerFree(t.db, *m.Player, s.ID); err != nil {
			return change{}, err
		}
		s.Player, s.PlayerKey = *m.Player, models.PlayerKey(*m.Player)
	}
	if m.Points != nil {
		s.Points = *m.Points
	}
	s.Version++
	s.UpdatedAt = t.now
	update := func() error {
		return t.db.Model(&models.Score{}).Where("id = ?", s.ID).Updates(scoreColumns(s)).Error
	}
	var err error
	if m.Player != nil {
		err = t.guardUnique(update, func() error { return playerTaken(s.Player) })
	} else {
		err = update()
	}
	return change{eventType: protocol.EventScoreUpdated, record: s, kind: models.RecordScore, id: s.ID, before: before}, err
}

// incrementScore is one atomic UPDATE, so increments stay exact even when several
// servers share one database. It is raw SQL, scanned by hand (still bound by
// GORM, so still portable), because the ORM's update and scan paths were a
// third of the writer's time. The guard keeps points inside int64 (see
// pointsFit). Within a batch, mergedIncrement merges later increments.
func incrementScore(t *txn, m *models.IncrementScore) (change, error) {
	guard, bound := "points <= ?", int64(math.MaxInt64)-m.By
	if m.By < 0 {
		guard, bound = "points >= ?", int64(math.MinInt64)-m.By
	}
	var s models.Score
	found, err := scanOne(t.db.Raw("UPDATE scores SET points = points + ?, version = version + 1, updated_at = ? "+
		"WHERE id = ? AND "+guard+" RETURNING id, player, player_key, points, version, created_at, updated_at",
		m.By, t.now, m.ID, bound), &s.ID, &s.Player, &s.PlayerKey, &s.Points, &s.Version, &s.CreatedAt, &s.UpdatedAt)
	if err != nil {
		return change{}, err
	}
	if !found {
		if err := t.db.Select("id").First(&s, m.ID).Error; err != nil {
			return change{}, notFound(err, "score", m.ID)
		}
		return change{}, pointsOutOfRange()
	}
	by := m.By
	return change{eventType: protocol.EventScoreUpdated, record: s, delta: &by, kind: models.RecordScore, id: s.ID}, nil
}

func deleteScore(t *txn, m *models.DeleteScore) (change, error) {
	return deleteRecord(t, scoreKind(), m.ID, m.Version)
}

// scoreColumns are the columns an update of s writes: an update and the
// undo of one write the same.
func scoreColumns(s models.Score) map[string]any {
	return map[string]any{"player": s.Player, "player_key": s.PlayerKey, "points": s.Points, "version": s.Version, "updated_at": s.UpdatedAt}
}

func checkPlayerFree(tx *gorm.DB, player string, self int64) error {
	var n int64
	err := tx.Model(&models.Score{}).Where("player_key = ? AND id <> ?", models.PlayerKey(player), self).Count(&n).Error
	if err != nil {
		return err
	}
	if n > 0 {
		return playerTaken(player)
	}
	return nil
}

func playerTaken(player string) error {
	return models.Errorf(models.CodeConflict, "player", "a player named %q, or a name that looks the same, exists already", player)
}
