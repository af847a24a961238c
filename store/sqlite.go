package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"syscall"

	"github.com/mattn/go-sqlite3"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// sqliteDialect is an SQLite file owned by this process alone (lockOwner).
type sqliteDialect struct {
	path string
	log  *slog.Logger
	lock *os.File // held while open: one process owns the file
}

func (d *sqliteDialect) open(opts Options) (*gorm.DB, *gorm.DB, error) {
	var err error
	if d.lock, err = lockOwner(d.path); err != nil {
		return nil, nil, err
	}
	keepSQLiteHeap()
	write, err := openSQLite(d.path, opts.Synchronous, true, 1)
	if err != nil {
		return nil, nil, err
	}
	read, err := openSQLite(d.path, opts.Synchronous, false, opts.Readers)
	if err != nil {
		_ = closeDB(write)
		return nil, nil, err
	}
	return write, read, nil
}

// initLock: the file lock taken by open already excludes everyone else.
func (d *sqliteDialect) initLock(context.Context) (func(), error) { return func() {}, nil }

func (d *sqliteDialect) forUpdate(tx *gorm.DB) *gorm.DB               { return tx } // the writer is alone
func (d *sqliteDialect) savepoints() bool                             { return false }
func (d *sqliteDialect) remoteRoundTrips() bool                       { return false }
func (d *sqliteDialect) retryable(error) bool                         { return false }
func (d *sqliteDialect) unavailable(error) bool                       { return false }
func (d *sqliteDialect) afterReset(*gorm.DB) error                    { return nil }
func (d *sqliteDialect) beforeReset(*gorm.DB) error                   { return nil }
func (d *sqliteDialect) shared() bool                                 { return false }
func (d *sqliteDialect) listen(context.Context, func(), func() int64) {}

func (d *sqliteDialect) uniqueViolation(err error) bool {
	var e sqlite3.Error
	return errors.As(err, &e) && e.ExtendedCode == sqlite3.ErrConstraintUnique
}

func (d *sqliteDialect) close() error {
	if d.lock == nil {
		return nil
	}
	return d.lock.Close()
}

// Synchronous modes for commits. FULL fsyncs the WAL at every commit, so an
// acked mutation survives power loss; NORMAL only survives a process crash.
const (
	SyncFull   = "FULL"
	SyncNormal = "NORMAL"
)

// openSQLite opens one handle. The writer handle holds a single connection
// and starts transactions IMMEDIATE, so writes never meet "database is
// locked"; reader handles are query-only and run concurrently under WAL.
func openSQLite(path, synchronous string, writer bool, conns int) (*gorm.DB, error) {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "on")
	// mattn's driver defaults to NORMAL in WAL mode unless told otherwise.
	q.Set("_synchronous", synchronous)
	if writer {
		q.Set("_txlock", "immediate")
	} else {
		q.Set("_query_only", "true")
	}
	dsn := "file:" + escapePath(path) + "?" + q.Encode()
	db, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		PrepareStmt:            true,
	})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	sqlDB.SetConnMaxLifetime(0)
	return db, nil
}

func escapePath(p string) string {
	return strings.NewReplacer("?", "%3f", "#", "%23").Replace(p)
}

// transaction runs fn between BEGIN IMMEDIATE and COMMIT on the writer's
// only connection; one writer per file needs no lock order, so ordered is
// ignored. database/sql transactions would re-prepare every statement each
// time (a prepared statement cannot be reused across transactions there),
// which cost the writer a fifth of its time; with one connection, plain
// statements between BEGIN and COMMIT are the same transaction and keep
// GORM's prepared statements.
func (d *sqliteDialect) transaction(write *gorm.DB, _ bool, fn func(tx *gorm.DB, counter *int64, pg *pgTx) error) error {
	if err := write.Exec("BEGIN IMMEDIATE").Error; err != nil {
		return err
	}
	if err := fn(write, nil, nil); err != nil {
		if rerr := write.Exec("ROLLBACK").Error; rerr != nil {
			d.log.Error("rollback failed", "err", rerr)
		}
		return err
	}
	if err := write.Exec("COMMIT").Error; err != nil {
		// A failed COMMIT may leave the transaction open; make sure it ends.
		_ = write.Exec("ROLLBACK").Error
		return err
	}
	return nil
}

// lockOwner makes this process the only owner of the database file: a
// second process on the same file would keep its own idea of the last seq
// and fail every write. An flock on a file beside the database is released
// by the kernel when the process dies, so a crash leaves no stale lock.
func lockOwner(path string) (*os.File, error) {
	lockPath := path + ".lock"
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("store: lock %s: %w", lockPath, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("store: %s is in use by another livedash process (it holds %s); stop it first, or give this one another --db", path, lockPath)
		}
		return nil, fmt.Errorf("store: lock %s: %w", lockPath, err)
	}
	return f, nil
}

func (d *sqliteDialect) readTx() *sql.TxOptions { return nil }

// clockMillis: julianday counts days since noon UTC, 24 November 4714 BC;
// 2440587.5 of them fall before the Unix epoch.
func (d *sqliteDialect) clockMillis() string {
	return "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
}
