package store

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"gorm.io/gorm"

	"livedash/models"
)

// undo reverses the change of one logged event as a new change (the
// contract's "History and undo"). It reads the event by its primary key and
// the last reset through the record index, so it costs two lookups.
func undo(tx *gorm.DB, m *models.Undo, now time.Time) (change, error) {
	var ev models.Event
	res := tx.Where("seq = ?", m.Seq).Limit(1).Find(&ev)
	if res.Error != nil {
		return change{}, res.Error
	}
	if res.RowsAffected == 0 {
		return change{}, models.Errorf(models.CodeNotFound, "seq", "no event with seq %d in the log", m.Seq)
	}
	if ev.Type == "state.reset" {
		return change{}, models.Errorf(models.CodeInvalid, "seq", "event %d is a reset, which cannot be undone", ev.Seq)
	}
	reset, err := lastReset(tx)
	if err != nil {
		return change{}, err
	}
	if ev.Seq < reset {
		return change{}, models.Errorf(models.CodeInvalid, "seq", "event %d is from before the last reset (seq %d)", ev.Seq, reset)
	}
	if ev.RecordType == "" {
		return change{}, models.Errorf(models.CodeInvalid, "seq", "event %d was logged before history was kept, so it cannot be undone", ev.Seq)
	}
	var ch change
	switch ev.Type {
	case "item.created":
		ch, err = undoItemCreate(tx, ev)
	case "item.updated":
		ch, err = undoItemUpdate(tx, ev, now)
	case "item.deleted":
		ch, err = undoItemDelete(tx, ev, now)
	case "score.created":
		ch, err = undoScoreCreate(tx, ev)
	case "score.updated":
		if ev.Delta != nil {
			ch, err = undoIncrement(tx, ev, now)
		} else {
			ch, err = undoScoreUpdate(tx, ev, now)
		}
	case "score.deleted":
		ch, err = undoScoreDelete(tx, ev, now)
	default:
		return change{}, models.Errorf(models.CodeInvalid, "seq", "event %d (%s) cannot be undone", ev.Seq, ev.Type)
	}
	if err != nil {
		return change{}, err
	}
	seq := ev.Seq
	ch.undoOf = &seq
	return ch, nil
}

// lastReset is the seq of the last state.reset still in the log, 0 if none.
func lastReset(db *gorm.DB) (int64, error) {
	var seq int64
	err := db.Model(&models.Event{}).Select("COALESCE(MAX(seq), 0)").
		Where("record_type = ? AND record_id = ?", models.RecordReset, 0).Scan(&seq).Error
	return seq, err
}

// decodeLogged decodes a record the log holds; a failure is internal.
func decodeLogged[T any](ev models.Event, raw []byte, what string) (T, error) {
	var v T
	if len(raw) == 0 {
		return v, fmt.Errorf("store: event %d has no %s", ev.Seq, what)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("store: event %d: decode %s: %w", ev.Seq, what, err)
	}
	return v, nil
}

// current loads the record the event touched as it is now. A record that is
// gone is a conflict: someone deleted it since.
func current(tx *gorm.DB, dest any, kind string, ev models.Event) error {
	res := tx.Where("id = ?", ev.RecordID).Limit(1).Find(dest)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Errorf(models.CodeConflict, "seq", "%s %d was deleted since event %d", kind, ev.RecordID, ev.Seq)
	}
	return nil
}

func changedSince(kind string, id, now, then int64) error {
	return models.Errorf(models.CodeConflict, "version", "%s %d is at version %d, not %d: it changed since", kind, id, now, then)
}

// idFree checks that no record of the table has the id a re-create needs.
func idFree(tx *gorm.DB, model any, kind string, id int64) error {
	var n int64
	if err := tx.Model(model).Where("id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return models.Errorf(models.CodeConflict, "id", "%s %d exists again", kind, id)
	}
	return nil
}

func undoItemCreate(tx *gorm.DB, ev models.Event) (change, error) {
	created, err := decodeLogged[models.Item](ev, ev.Data, "record")
	if err != nil {
		return change{}, err
	}
	var it models.Item
	if err := current(tx, &it, "item", ev); err != nil {
		return change{}, err
	}
	if it.Version != created.Version {
		return change{}, changedSince("item", it.ID, it.Version, created.Version)
	}
	err = tx.Delete(&models.Item{}, it.ID).Error
	return change{eventType: "item.deleted", record: models.Deleted{ID: it.ID}, kind: models.RecordItem, id: it.ID, before: it}, err
}

func undoItemUpdate(tx *gorm.DB, ev models.Event, now time.Time) (change, error) {
	after, err := decodeLogged[models.Item](ev, ev.Data, "record")
	if err != nil {
		return change{}, err
	}
	was, err := decodeLogged[models.Item](ev, ev.Before, "before")
	if err != nil {
		return change{}, err
	}
	var it models.Item
	if err := current(tx, &it, "item", ev); err != nil {
		return change{}, err
	}
	if it.Version != after.Version {
		return change{}, changedSince("item", it.ID, it.Version, after.Version)
	}
	before := it
	it.Name, it.Description = was.Name, was.Description
	it.Version++
	it.UpdatedAt = now
	err = tx.Model(&models.Item{}).Where("id = ?", it.ID).Updates(map[string]any{
		"name": it.Name, "description": it.Description, "version": it.Version, "updated_at": now,
	}).Error
	return change{eventType: "item.updated", record: it, kind: models.RecordItem, id: it.ID, before: before}, err
}

func undoItemDelete(tx *gorm.DB, ev models.Event, now time.Time) (change, error) {
	was, err := decodeLogged[models.Item](ev, ev.Before, "before")
	if err != nil {
		return change{}, err
	}
	if err := idFree(tx, &models.Item{}, "item", was.ID); err != nil {
		return change{}, err
	}
	it := was
	it.Version++
	it.UpdatedAt = now
	if err := tx.Create(&it).Error; err != nil {
		return change{}, err
	}
	return change{eventType: "item.created", record: it, kind: models.RecordItem, id: it.ID}, nil
}

func undoScoreCreate(tx *gorm.DB, ev models.Event) (change, error) {
	created, err := decodeLogged[models.Score](ev, ev.Data, "record")
	if err != nil {
		return change{}, err
	}
	var s models.Score
	if err := current(tx, &s, "score", ev); err != nil {
		return change{}, err
	}
	if s.Version != created.Version {
		return change{}, changedSince("score", s.ID, s.Version, created.Version)
	}
	err = tx.Delete(&models.Score{}, s.ID).Error
	return change{eventType: "score.deleted", record: models.Deleted{ID: s.ID}, kind: models.RecordScore, id: s.ID, before: s}, err
}

func undoScoreUpdate(tx *gorm.DB, ev models.Event, now time.Time) (change, error) {
	after, err := decodeLogged[models.Score](ev, ev.Data, "record")
	if err != nil {
		return change{}, err
	}
	was, err := decodeLogged[models.Score](ev, ev.Before, "before")
	if err != nil {
		return change{}, err
	}
	var s models.Score
	if err := current(tx, &s, "score", ev); err != nil {
		return change{}, err
	}
	if s.Version != after.Version {
		return change{}, changedSince("score", s.ID, s.Version, after.Version)
	}
	if err := checkPlayerFree(tx, was.Player, s.ID); err != nil {
		return change{}, err
	}
	before := s
	s.Player, s.PlayerKey, s.Points = was.Player, models.PlayerKey(was.Player), was.Points
	s.Version++
	s.UpdatedAt = now
	err = tx.Model(&models.Score{}).Where("id = ?", s.ID).Updates(map[string]any{
		"player": s.Player, "player_key": s.PlayerKey, "points": s.Points, "version": s.Version, "updated_at": now,
	}).Error
	return change{eventType: "score.updated", record: s, kind: models.RecordScore, id: s.ID, before: before}, err
}

// undoIncrement takes an increment back by the opposite increment, with no
// version check: increments commute.
func undoIncrement(tx *gorm.DB, ev models.Event, now time.Time) (change, error) {
	if *ev.Delta == math.MinInt64 {
		return change{}, models.Errorf(models.CodeInvalid, "seq", "points would leave the 64-bit range")
	}
	ch, err := incrementScore(tx, &models.IncrementScore{ID: ev.RecordID, By: -*ev.Delta}, now)
	if e, ok := err.(*models.Error); ok {
		switch e.Code {
		case models.CodeNotFound:
			return change{}, models.Errorf(models.CodeConflict, "seq", "score %d was deleted since event %d", ev.RecordID, ev.Seq)
		case models.CodeInvalid:
			return change{}, models.Errorf(models.CodeInvalid, "seq", "%s", e.Message)
		}
	}
	return ch, err
}

func undoScoreDelete(tx *gorm.DB, ev models.Event, now time.Time) (change, error) {
	was, err := decodeLogged[models.Score](ev, ev.Before, "before")
	if err != nil {
		return change{}, err
	}
	if err := idFree(tx, &models.Score{}, "score", was.ID); err != nil {
		return change{}, err
	}
	if err := checkPlayerFree(tx, was.Player, 0); err != nil {
		return change{}, err
	}
	s := was
	s.PlayerKey = models.PlayerKey(s.Player)
	s.Version++
	s.UpdatedAt = now
	if err := tx.Create(&s).Error; err != nil {
		return change{}, err
	}
	return change{eventType: "score.created", record: s, kind: models.RecordScore, id: s.ID}, nil
}

// markResets gives the resets logged before events had record columns their
// record kind, so the reset boundary of histories and undo holds for them
// too. Other older events stay in no record's history (docs/OPERATIONS.md).
// After the first run it finds nothing to do.
func markResets(db *gorm.DB) error {
	err := db.Model(&models.Event{}).Where("type = ? AND record_type = ?", "state.reset", "").
		Update("record_type", models.RecordReset).Error
	if err != nil {
		return fmt.Errorf("store: mark resets: %w", err)
	}
	return nil
}
