package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"gorm.io/gorm"

	"livedash/models"
	"livedash/protocol"
)

// undo reverses the change of one logged event as a new change (the
// contract's "History and undo"). undoable is the one place that decides,
// from the log, whether the event may still be undone, so a rule that reads
// the log goes there; the action for the event's type then checks only that
// the record allows it (stillAsLeft; for a re-create, that its id and
// unique fields are free), since that needs the record's kind.
func undo(t *txn, m *models.Undo) (change, error) {
	ev, err := undoable(t.db, m.Seq)
	if err != nil {
		return change{}, err
	}
	var ch change
	switch {
	case ev.Type == protocol.EventScoreUpdated && ev.Delta != nil:
		ch, err = undoIncrement(t, ev)
	case ev.RecordType == models.RecordItem:
		ch, err = undoRecord(t, ev, itemKind())
	case ev.RecordType == models.RecordScore:
		ch, err = undoRecord(t, ev, scoreKind())
	default:
		err = cannotUndo(ev)
	}
	if err != nil {
		return change{}, err
	}
	seq := ev.Seq
	ch.undoOf = &seq
	return ch, nil
}

// undoable loads the event seq names and decides, by the log, whether it
// may still be undone: it is in the log, is no reset, is not from before
// the last reset, and names its record. It reads the event by its primary
// key and the last reset through the record index, so it costs two lookups.
func undoable(tx *gorm.DB, seq int64) (models.Event, error) {
	var ev models.Event
	res := tx.Where("seq = ?", seq).Limit(1).Find(&ev)
	if res.Error != nil {
		return ev, res.Error
	}
	if res.RowsAffected == 0 {
		return ev, models.Errorf(models.CodeNotFound, "seq", "no event with seq %d in the log", seq)
	}
	if ev.Type == protocol.EventStateReset {
		return ev, models.Errorf(models.CodeInvalid, "seq", "event %d is a reset, which cannot be undone", ev.Seq)
	}
	reset, err := lastReset(tx)
	if err != nil {
		return ev, err
	}
	if ev.Seq < reset {
		return ev, models.Errorf(models.CodeInvalid, "seq", "event %d is from before the last reset (seq %d)", ev.Seq, reset)
	}
	if ev.RecordType == "" {
		return ev, models.Errorf(models.CodeInvalid, "seq", "event %d was logged before history was kept, so it cannot be undone", ev.Seq)
	}
	var by []int64
	if err := tx.Model(&models.Event{}).Where("undo_of = ?", ev.Seq).Limit(1).Pluck("seq", &by).Error; err != nil {
		return ev, err
	}
	if len(by) > 0 {
		return ev, models.Errorf(models.CodeConflict, "seq", "event %d was already undone by event %d", ev.Seq, by[0])
	}
	return ev, sinceEvent(tx, ev)
}

// sinceEvent applies the rules that depend on what touched ev's record
// after ev: an increment is undone only over other increments (they
// commute with it; a set of points or player, a delete or a re-create does
// not), and a delete only while it is still the record's last event, so an
// old delete never brings back a stale copy at an old version. The rules
// for creates and updates need no log: their record's version tells.
func sinceEvent(tx *gorm.DB, ev models.Event) error {
	increment := ev.Type == protocol.EventScoreUpdated && ev.Delta != nil
	deleted := ev.Type == protocol.EventItemDeleted || ev.Type == protocol.EventScoreDeleted
	if !increment && !deleted {
		return nil
	}
	q := tx.Model(&models.Event{}).Where("record_type = ? AND record_id = ? AND seq > ?", ev.RecordType, ev.RecordID, ev.Seq)
	if increment {
		q = q.Where("NOT (type = ? AND delta IS NOT NULL)", protocol.EventScoreUpdated)
	}
	var later []models.Event
	if err := q.Order("seq").Limit(1).Find(&later).Error; err != nil {
		return err
	}
	if len(later) == 0 {
		return nil
	}
	if increment {
		return models.Errorf(models.CodeConflict, "seq", "%s %d changed since event %d other than by an increment (event %d, %s)",
			ev.RecordType, ev.RecordID, ev.Seq, later[0].Seq, later[0].Type)
	}
	return models.Errorf(models.CodeConflict, "seq", "%s %d changed since event %d (event %d, %s): only its last delete can be undone",
		ev.RecordType, ev.RecordID, ev.Seq, later[0].Seq, later[0].Type)
}

func cannotUndo(ev models.Event) error {
	return models.Errorf(models.CodeInvalid, "seq", "event %d (%s) cannot be undone", ev.Seq, ev.Type)
}

// recordKind is what undo and delete must know of one record kind R;
// everything else of undoing a create, an update or a delete, and of a
// delete, is the same for items and scores (undoRecord, deleteRecord).
type recordKind[R any] struct {
	name                      string // models.RecordItem or RecordScore, also the word in messages
	created, updated, deleted string // its event types
	id                        func(*R) int64
	version                   func(*R) *int64
	updatedAt                 func(*R) *time.Time
	// restore gives rec the fields of was that an update may change, with
	// what derives from them (a score's player key).
	restore func(rec *R, was R)
	// columns are the columns an update of rec writes.
	columns func(rec R) map[string]any
	// free checks that rec's unique fields are not taken by a record other
	// than self (0 for a record to be created); nil when it has none.
	free func(tx *gorm.DB, rec R, self int64) error
}

func itemKind() recordKind[models.Item] {
	return recordKind[models.Item]{
		name: models.RecordItem, created: protocol.EventItemCreated, updated: protocol.EventItemUpdated, deleted: protocol.EventItemDeleted,
		id:        func(it *models.Item) int64 { return it.ID },
		version:   func(it *models.Item) *int64 { return &it.Version },
		updatedAt: func(it *models.Item) *time.Time { return &it.UpdatedAt },
		restore:   func(it *models.Item, was models.Item) { it.Name, it.Description = was.Name, was.Description },
		columns:   itemColumns,
	}
}

func scoreKind() recordKind[models.Score] {
	return recordKind[models.Score]{
		name: models.RecordScore, created: protocol.EventScoreCreated, updated: protocol.EventScoreUpdated, deleted: protocol.EventScoreDeleted,
		id:        func(s *models.Score) int64 { return s.ID },
		version:   func(s *models.Score) *int64 { return &s.Version },
		updatedAt: func(s *models.Score) *time.Time { return &s.UpdatedAt },
		restore: func(s *models.Score, was models.Score) {
			s.Player, s.PlayerKey, s.Points = was.Player, models.PlayerKey(was.Player), was.Points
		},
		columns: scoreColumns,
		free:    func(tx *gorm.DB, s models.Score, self int64) error { return checkPlayerFree(tx, s.Player, self) },
	}
}

// undoRecord undoes a create, an update or a delete of a record of kind k.
func undoRecord[R any](t *txn, ev models.Event, k recordKind[R]) (change, error) {
	switch ev.Type {
	case k.created:
		return undoCreate(t, ev, k)
	case k.updated:
		return undoUpdate(t, ev, k)
	case k.deleted:
		return undoDelete(t, ev, k)
	}
	return change{}, cannotUndo(ev)
}

// undoCreate deletes the record ev created, if it is still at the version
// ev created.
func undoCreate[R any](t *txn, ev models.Event, k recordKind[R]) (change, error) {
	created, err := decodeLogged[R](ev, ev.Data, "record")
	if err != nil {
		return change{}, err
	}
	rec, err := stillAsLeft(t.db, ev, k, created)
	if err != nil {
		return change{}, err
	}
	id := k.id(&rec)
	err = t.db.Delete(new(R), id).Error
	return change{eventType: k.deleted, record: models.Deleted{ID: id}, kind: k.name, id: id, before: rec}, err
}

// undoUpdate puts back the fields ev's update changed, if the record is
// still at the version ev left it at.
func undoUpdate[R any](t *txn, ev models.Event, k recordKind[R]) (change, error) {
	after, err := decodeLogged[R](ev, ev.Data, "record")
	if err != nil {
		return change{}, err
	}
	was, err := decodeLogged[R](ev, ev.Before, "before")
	if err != nil {
		return change{}, err
	}
	rec, err := stillAsLeft(t.db, ev, k, after)
	if err != nil {
		return change{}, err
	}
	id := k.id(&rec)
	if k.free != nil {
		if err := k.free(t.db, was, id); err != nil {
			return change{}, err
		}
	}
	before := rec
	k.restore(&rec, was)
	*k.version(&rec)++
	*k.updatedAt(&rec) = t.now
	err = t.db.Model(new(R)).Where("id = ?", id).Updates(k.columns(rec)).Error
	return change{eventType: k.updated, record: rec, kind: k.name, id: id, before: before}, err
}

// undoDelete re-creates the record ev deleted, with its id, at its version
// then plus one, if its id and unique fields are free.
func undoDelete[R any](t *txn, ev models.Event, k recordKind[R]) (change, error) {
	was, err := decodeLogged[R](ev, ev.Before, "before")
	if err != nil {
		return change{}, err
	}
	id := k.id(&was)
	if err := idFree(t.db, new(R), k.name, id); err != nil {
		return change{}, err
	}
	if k.free != nil {
		if err := k.free(t.db, was, 0); err != nil {
			return change{}, err
		}
	}
	rec := was
	k.restore(&rec, was)
	*k.version(&rec)++
	*k.updatedAt(&rec) = t.now
	if err := t.db.Create(&rec).Error; err != nil {
		return change{}, err
	}
	return change{eventType: k.created, record: rec, kind: k.name, id: id}, nil
}

// stillAsLeft loads the record ev touched as it is now and checks that it is
// at the version ev left it at (left is the record in ev's data). A record
// that is gone is a conflict too: someone deleted it since.
func stillAsLeft[R any](tx *gorm.DB, ev models.Event, k recordKind[R], left R) (R, error) {
	var rec R
	res := tx.Where("id = ?", ev.RecordID).Limit(1).Find(&rec)
	if res.Error != nil {
		return rec, res.Error
	}
	if res.RowsAffected == 0 {
		return rec, models.Errorf(models.CodeConflict, "seq", "%s %d was deleted since event %d", k.name, ev.RecordID, ev.Seq)
	}
	if now, then := *k.version(&rec), *k.version(&left); now != then {
		return rec, models.Errorf(models.CodeConflict, "version", "%s %d is at version %d, not %d: it changed since", k.name, k.id(&rec), now, then)
	}
	return rec, nil
}

// undoIncrement takes an increment back by the opposite increment, with no
// version check: undoable made sure only increments, which commute with it,
// came since. The sum is checked by subtraction, so undoing an increment by
// the minimum int, whose opposite int64 cannot hold, applies when its result
// fits; that undo's event then logs the wrapped delta (the minimum int again).
func undoIncrement(t *txn, ev models.Event) (change, error) {
	var s models.Score
	if err := t.dialect.forUpdate(t.db).First(&s, ev.RecordID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return change{}, models.Errorf(models.CodeConflict, "seq", "score %d was deleted since event %d", ev.RecordID, ev.Seq)
		}
		return change{}, err
	}
	delta := *ev.Delta
	if !pointsFitUndo(s.Points, delta) {
		return change{}, models.Errorf(models.CodeInvalid, "seq", "points would leave the 64-bit range")
	}
	s.Points -= delta
	s.Version++
	s.UpdatedAt = t.now
	err := t.db.Exec("UPDATE scores SET points = ?, version = ?, updated_at = ? WHERE id = ?", s.Points, s.Version, s.UpdatedAt, s.ID).Error
	by := -delta
	return change{eventType: protocol.EventScoreUpdated, record: s, delta: &by, kind: models.RecordScore, id: s.ID}, err
}

// pointsFitUndo reports whether points - delta stays inside int64.
func pointsFitUndo(points, delta int64) bool {
	if delta < 0 {
		return points <= math.MaxInt64+delta
	}
	return points >= math.MinInt64+delta
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

// markResets gives the resets logged before events had record columns their
// record kind, so the reset boundary of histories and undo holds for them
// too. Other older events stay in no record's history (docs/OPERATIONS.md).
// After the first run it finds nothing to do.
func markResets(db *gorm.DB) error {
	err := db.Model(&models.Event{}).Where("type = ? AND record_type = ?", protocol.EventStateReset, "").
		Update("record_type", models.RecordReset).Error
	if err != nil {
		return fmt.Errorf("store: mark resets: %w", err)
	}
	return nil
}

// uniqueUndo makes the database hold that an event is undone at most once:
// two events with the same undo_of cannot both commit, whatever path wrote
// them. undoable's log check is what answers conflict (batches of all
// instances run one after the other, so it sees every earlier undo); the
// index is the guarantee should a path ever skip it. Databases made before
// the rule may hold repeated undos of an event; those after the first keep
// their change but no longer count as undos of it, so the index can be built.
func uniqueUndo(db *gorm.DB) error {
	err := db.Exec("UPDATE events SET undo_of = NULL WHERE undo_of IS NOT NULL AND seq > " +
		"(SELECT MIN(e.seq) FROM events e WHERE e.undo_of = events.undo_of)").Error
	if err == nil {
		err = db.Exec("CREATE UNIQUE INDEX IF NOT EXISTS idx_events_undo_of ON events (undo_of) WHERE undo_of IS NOT NULL").Error
	}
	if err != nil {
		return fmt.Errorf("store: unique undo: %w", err)
	}
	return nil
}
