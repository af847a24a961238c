package store

import (
	"cmp"
	"context"
	"database/sql"
	"strings"

	"gorm.io/gorm"
)

// dialect is every difference between the databases the store runs on, in
// one place: SQLite (one process owns a file) and PostgreSQL (several
// instances share one database). The store above it keeps one code path:
// the same batches, the same seq counter, the same feed from the log, and
// statements that run unchanged on both. The store holds its dialect from
// Open on; the appliers reach it through their txn.
type dialect interface {
	// open opens the writer's and the readers' handles.
	open(opts Options) (write, read *gorm.DB, err error)
	// initLock makes this process the only one initialising the database
	// until unlock: schema, epoch and demo data are made exactly once even
	// when several instances start together.
	initLock(ctx context.Context) (unlock func(), err error)
	// transaction runs fn in one write transaction on write, the writer's
	// handle. ordered says that every mutation of the batch locks its rows
	// in the global order (inOrder). counter is the seq counter's value
	// when the dialect read it under its lock at the start (PostgreSQL, a
	// batch not ordered), nil when it did not: then the batch learns its
	// seqs only at its reservation (batchSeqs). pg is the transaction on
	// PostgreSQL, whose last statement may commit it (pgTx.commitWith);
	// nil on SQLite.
	transaction(write *gorm.DB, ordered bool, fn func(tx *gorm.DB, counter *int64, pg *pgTx) error) error
	// forUpdate locks the rows a version check reads until the transaction
	// ends, so two instances cannot both pass the same check.
	forUpdate(tx *gorm.DB) *gorm.DB
	// savepoints tells whether a failed statement aborts the transaction, so
	// statements that may fail on a constraint need a savepoint around them.
	savepoints() bool
	// remoteRoundTrips tells whether each statement is a round trip to a
	// server (PostgreSQL) rather than a call into the process (SQLite):
	// then an applier that can do in one statement what takes two
	// elsewhere does so.
	remoteRoundTrips() bool
	// uniqueViolation tells whether err is a unique constraint failure.
	uniqueViolation(err error) bool
	// retryable tells whether the whole transaction may be run again
	// (deadlock, serialisation failure, a race on a unique key).
	retryable(err error) bool
	// unavailable tells whether err means the database cannot be reached.
	unavailable(err error) bool
	// beforeReset runs before the demo data replaces the tables: other
	// instances must not write them in between.
	beforeReset(tx *gorm.DB) error
	// afterReset runs after the demo data replaced the tables with fixed ids.
	afterReset(tx *gorm.DB) error
	// shared tells whether other processes write the same database: then
	// the feed also wakes on notifications and polls the log.
	shared() bool
	// listen calls wake whenever another instance may have committed, and
	// after every reconnect, until ctx ends; known is the last seq this
	// instance has or will publish without reading the log for it, so a
	// notification of a seq at or below it (this instance's own commits,
	// which notify as they commit: pgTx) wakes nobody.
	listen(ctx context.Context, wake func(), known func() int64)
	// readTx is how reads that must agree run (nil: the default).
	readTx() *sql.TxOptions
	// clockMillis is an SQL expression for the database's clock, in
	// milliseconds since the Unix epoch: the heartbeat of presence shares,
	// so instances' clocks need not agree.
	clockMillis() string
	close() error
}

// IsPostgres tells whether a --db value names a PostgreSQL database rather
// than an SQLite file.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

func dialectFor(opts Options) dialect {
	if IsPostgres(opts.Path) {
		return &postgresDialect{url: opts.Path, tracer: opts.pgTracer, poll: cmp.Or(opts.pgPoll, pollInterval)}
	}
	return &sqliteDialect{path: opts.Path, log: opts.Logger}
}

// seqCounter is the one row that hands out seqs. A batch takes its seqs
// with UPDATE ... RETURNING after applying its mutations: the row lock
// serialises the ends of batches across instances, so seq order is commit
// order and whoever sees seq N sees every seq below it.
type seqCounter struct {
	ID  int64 `gorm:"primaryKey;autoIncrement:false"`
	Seq int64 `gorm:"not null"`
}

func (seqCounter) TableName() string { return "seq_counter" }
