package store

import (
	"time"

	"gorm.io/gorm"
)

// txn is the writer's transaction as the appliers see it: one value holds
// all they may use, so none of it travels in a context or falls back to a
// default. The writer makes one per attempt of a batch (commit), from the
// store's dialect, so a transaction without its dialect cannot be made.
type txn struct {
	db      *gorm.DB
	dialect dialect
	// now is the batch's time: every record and event it writes carries it.
	now time.Time
	// scores holds the batch's merged increments (see pendingScores).
	scores pendingScores
	// items holds the items read up front and changed in memory
	// (PostgreSQL; see pendingItems).
	items pendingItems
	// pg is the transaction on PostgreSQL, which the batch's tail
	// statement commits (pgWrite); nil on SQLite.
	pg *pgTx
}

// inMemory tells whether the batch reads its rows up front, applies to
// them in memory and writes everything in one statement at its end, and
// before a mutation that reads the tables or the log (pgWrite): the way
// of PostgreSQL, whose tail statement also commits.
func (t *txn) inMemory() bool { return t.pg != nil }

// guardUnique runs fn, which may break a unique index, and turns that into
// conflict's error. Where a failed statement aborts the transaction, fn runs
// inside a savepoint, so only fn is undone and the batch goes on.
func (t *txn) guardUnique(fn func() error, conflict func() error) error {
	if !t.dialect.savepoints() {
		err := fn()
		if t.dialect.uniqueViolation(err) {
			return conflict()
		}
		return err
	}
	if err := t.db.Exec("SAVEPOINT mutation").Error; err != nil {
		return err
	}
	err := fn()
	if err != nil {
		if rerr := t.db.Exec("ROLLBACK TO SAVEPOINT mutation").Error; rerr != nil {
			return rerr
		}
		if t.dialect.uniqueViolation(err) {
			return conflict()
		}
		return err
	}
	return t.db.Exec("RELEASE SAVEPOINT mutation").Error
}
