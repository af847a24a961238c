package store

import (
	"errors"
	"fmt"

	"gorm.io/gorm"

	"livedash/models"
)

// applyFunc runs one validated mutation inside the writer's transaction t.
// It reads what it must check before it writes anything, so an
// *models.Error return leaves no partial write.
type applyFunc func(t *txn) (change, error)

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
		return bind(createItem, m), nil
	case *models.UpdateItem:
		return bind(updateItem, m), nil
	case *models.DeleteItem:
		return bind(deleteItem, m), nil
	case *models.CreateScore:
		return bind(createScore, m), nil
	case *models.UpdateScore:
		return bind(updateScore, m), nil
	case *models.IncrementScore:
		return bind(mergedIncrement, m), nil
	case *models.DeleteScore:
		return bind(deleteScore, m), nil
	case *models.ResetDemo:
		return resetDemo, nil
	case *models.Undo:
		return bind(undo, m), nil
	}
	return nil, fmt.Errorf("store: no way to apply %T", m)
}

// bind makes the applyFunc that applies m with apply.
func bind[M models.Mutation](apply func(*txn, M) (change, error), m M) applyFunc {
	return func(t *txn) (change, error) { return apply(t, m) }
}

// findVersioned loads the record and checks the optional expected version.
func findVersioned(t *txn, dest any, kind string, id int64, want *int64, current func() int64) error {
	if err := t.dialect.forUpdate(t.db).First(dest, id).Error; err != nil {
		return notFound(err, kind, id)
	}
	return checkVersion(kind, id, want, current())
}

// checkVersion checks the optional expected version of a record at current.
func checkVersion(kind string, id int64, want *int64, current int64) error {
	if want != nil && *want != current {
		return models.Errorf(models.CodeConflict, "version", "%s %d is at version %d, not %d", kind, id, current, *want)
	}
	return nil
}

// deleteRecord deletes the record of kind k with id, if it is at version
// (when given); its event carries the id, its before the whole record.
func deleteRecord[R any](t *txn, k recordKind[R], id int64, version *int64) (change, error) {
	var rec R
	if err := findVersioned(t, &rec, k.name, id, version, func() int64 { return *k.version(&rec) }); err != nil {
		return change{}, err
	}
	err := t.db.Delete(new(R), id).Error
	return change{eventType: k.deleted, record: models.Deleted{ID: id}, kind: k.name, id: id, before: rec}, err
}

func notFound(err error, kind string, id int64) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Errorf(models.CodeNotFound, "id", "no %s with id %d", kind, id)
	}
	return err
}
