package store

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"livedash/models"
)

// applyFunc runs one validated mutation inside the writer's transaction. It
// reads what it must check before it writes anything, so an *models.Error
// return leaves no partial write. scores holds the batch's merged
// increments (see pendingScores).
type applyFunc func(tx *gorm.DB, now time.Time, scores *pendingScores) (change, error)

// change is what a successful mutation produced: the event to log and the
// record that is both the ack's data and the event's data.
type change struct {
	eventType string
	record    any
	delta     *int64
	// kind and id name the record the event touched (models.RecordItem,
	// RecordScore or RecordReset); before is that record before an update
	// or delete; undoOf the seq an undo reversed.
	kind   string
	id     int64
	before any
	undoOf *int64
}

// applierOf picks how a mutation is applied: the one place that knows every
// mutation type.
func applierOf(m models.Mutation) (applyFunc, error) {
	switch m := m.(type) {
	case *models.CreateItem:
		return func(tx *gorm.DB, now time.Time, _ *pendingScores) (change, error) { return createItem(tx, m, now) }, nil
	case *models.UpdateItem:
		return func(tx *gorm.DB, now time.Time, _ *pendingScores) (change, error) { return updateItem(tx, m, now) }, nil
	case *models.DeleteItem:
		return func(tx *gorm.DB, _ time.Time, _ *pendingScores) (change, error) { return deleteItem(tx, m) }, nil
	case *models.CreateScore:
		return func(tx *gorm.DB, now time.Time, _ *pendingScores) (change, error) { return createScore(tx, m, now) }, nil
	case *models.UpdateScore:
		return func(tx *gorm.DB, now time.Time, _ *pendingScores) (change, error) { return updateScore(tx, m, now) }, nil
	case *models.IncrementScore:
		return func(tx *gorm.DB, now time.Time, scores *pendingScores) (change, error) {
			return scores.increment(tx, m, now)
		}, nil
	case *models.DeleteScore:
		return func(tx *gorm.DB, _ time.Time, _ *pendingScores) (change, error) { return deleteScore(tx, m) }, nil
	case *models.ResetDemo:
		return func(tx *gorm.DB, now time.Time, _ *pendingScores) (change, error) { return resetDemo(tx, now) }, nil
	case *models.Undo:
		return func(tx *gorm.DB, now time.Time, _ *pendingScores) (change, error) { return undo(tx, m, now) }, nil
	}
	return nil, fmt.Errorf("store: no way to apply %T", m)
}

// findVersioned loads the record and checks the optional expected version.
func findVersioned(tx *gorm.DB, dest any, kind string, id int64, want *int64, current func() int64) error {
	if err := dialectOf(tx).forUpdate(tx).First(dest, id).Error; err != nil {
		return notFound(err, kind, id)
	}
	if want != nil && *want != current() {
		return models.Errorf(models.CodeConflict, "version", "%s %d is at version %d, not %d", kind, id, current(), *want)
	}
	return nil
}

func notFound(err error, kind string, id int64) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Errorf(models.CodeNotFound, "id", "no %s with id %d", kind, id)
	}
	return err
}
