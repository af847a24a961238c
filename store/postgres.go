package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
)

// notifyChannel is the channel on which instances wake each other after a
// commit. The payload (the new top seq) is a hint: the log is the truth.
const notifyChannel = "livedash_events"

// notifySQL notifies, in the write transaction, the seq counter's value,
// the transaction's own top seq, as it holds the counter's lock: the
// notification goes out when the transaction commits.
const notifySQL = "SELECT pg_notify('" + notifyChannel + "', seq::text) FROM seq_counter WHERE id = 1"

// initLockKey names the advisory lock held while an instance initialises
// the database (schema, epoch, key, demo data).
const initLockKey = 0x6c69766564617368 // "livedash"

// pollInterval is how often an instance reads the log even without a
// notification: a NOTIFY can be lost (a dropped LISTEN connection).
const pollInterval = time.Second

// postgresDialect is a PostgreSQL database shared by several instances.
type postgresDialect struct {
	url    string
	tracer pgx.QueryTracer // of the writer's connections; nil but in tests
	poll   time.Duration   // pollInterval but in tests
}

func (d *postgresDialect) config() (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(d.url)
	if err != nil {
		return nil, fmt.Errorf("store: bad PostgreSQL URL: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	return cfg, nil
}

func (d *postgresDialect) open(opts Options) (*gorm.DB, *gorm.DB, error) {
	// The writer's pool has room for the write transaction and the
	// statements beside it (NOTIFY, pruning of outcomes).
	write, err := d.openPool(3, d.tracer)
	if err != nil {
		return nil, nil, err
	}
	read, err := d.openPool(opts.Readers, nil)
	if err != nil {
		_ = closeDB(write)
		return nil, nil, err
	}
	return write, read, nil
}

func (d *postgresDialect) openPool(conns int, tracer pgx.QueryTracer) (*gorm.DB, error) {
	cfg, err := d.config()
	if err != nil {
		return nil, err
	}
	cfg.Tracer = tracer
	sqlDB := stdlib.OpenDB(*cfg)
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	// pgx caches prepared statements per connection, across transactions.
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
	})
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("store: open PostgreSQL: %w", err)
	}
	return db, nil
}

// initLock holds a session advisory lock on a connection of its own; ending
// the connection releases it, also when the process dies.
func (d *postgresDialect) initLock(ctx context.Context) (func(), error) {
	cfg, err := d.config()
	if err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: connect to PostgreSQL: %w", err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(initLockKey)); err != nil {
		_ = conn.Close(context.Background())
		return nil, fmt.Errorf("store: take the init lock: %w", err)
	}
	return func() { _ = conn.Close(context.Background()) }, nil
}

// batchLockKey names the transaction-level advisory lock every write
// transaction takes first: shared by an ordered batch, exclusive by one
// that must run alone.
const batchLockKey = 0x6c64626174636821 // "ldbatch!"

// aloneSQL takes, in one round trip, the batch lock exclusive and then the
// seq counter's row lock. The advisory lock is an uncorrelated subquery in
// the WHERE clause: PostgreSQL runs it once before it reads the row (a
// one-time filter), and locks the row only as it returns it, so the order
// is the batch lock, then the counter.
const aloneSQL = "SELECT seq FROM seq_counter WHERE id = 1 AND (SELECT pg_advisory_xact_lock($1) IS NOT NULL) FOR UPDATE"

// transaction takes the locks every batch shares, across instances, as late
// as it can, so batches of several instances overlap all but their last
// round trips.
//
// History: a batch once locked rows in request order and took the seq
// counter at its end; two instances' batches then locked the same hot
// scores in opposite orders and deadlocked, which PostgreSQL notices only
// after deadlock_timeout (1 s): about 120 acked/s per instance. Then every
// batch took the counter's lock first, which cannot deadlock but ran the
// batches of all instances one after the other for all their round trips:
// two instances were slower than one.
//
// Now an ordered batch (every mutation's rows known up front, inOrder)
// takes the batch lock shared, in BEGIN's round trip (pgTx.begin); then,
// in one statement (prefetch), its items, ascending, its new items' ids,
// its scores, ascending; applies in memory; and takes the counter in its
// tail statement (pgWrite), which carries the COMMIT in its round trip
// (pgTx.commitWith). The hot rows and the counter, which every batch
// wants, are held only for two round trips: the prefetch and the tail. A
// batch that is not ordered takes the batch lock exclusive and then the
// counter (aloneSQL) first, as all batches did before: it waits until
// every batch in flight has committed, keeps the others waiting until it
// has, and learns its base seq up front (counter).
//
// Why no cycle of waits can form:
//   - Ordered batches (the batch lock shared, which they do not contend
//     for among themselves) take their row locks in one global order,
//     items, then scores, then the counter, and touch no row outside it
//     but rows they insert with fresh ids or keys only the counter's
//     holder writes (events, outcomes): the classic ordered locking.
//   - A batch that runs alone holds the batch lock exclusive, which every
//     other batch takes before anything else: while it runs, no other
//     batch holds a row or the counter, so whatever it locks, in whatever
//     order, it waits for nobody's batch; every other batch waits for it
//     holding nothing.
//
// Seq order is still commit order: the counter's lock is held from the
// reservation to the commit, and a batch's seqs follow the counter's value
// under that lock (in the tail statement itself for an ordered batch).
func (d *postgresDialect) transaction(write *gorm.DB, ordered bool, fn func(tx *gorm.DB, counter *int64, pg *pgTx) error) error {
	return write.Connection(func(c *gorm.DB) error {
		conn, ok := c.Statement.ConnPool.(*sql.Conn)
		if !ok {
			return fmt.Errorf("store: the writer's connection is a %T", c.Statement.ConnPool)
		}
		// A new session on the connection, as gorm's Begin makes one on its
		// transaction: each statement built on tx starts afresh, where on c
		// one would inherit the last one's conditions and arguments.
		tx := c.Session(&gorm.Session{NewDB: true, Context: c.Statement.Context})
		p := &pgTx{conn: conn, ctx: tx.Statement.Context}
		counter, err := p.begin(ordered)
		if err == nil {
			err = fn(tx, counter, p)
		}
		if err == nil && !p.committed {
			err = p.commit()
		}
		if err != nil && !p.committed {
			_ = p.rollback() // if it fails, the pool drops the connection (pgTx.rollback)
		}
		return err
	})
}

func (d *postgresDialect) forUpdate(tx *gorm.DB) *gorm.DB {
	return tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
}

func (d *postgresDialect) savepoints() bool       { return true }
func (d *postgresDialect) remoteRoundTrips() bool { return true }
func (d *postgresDialect) shared() bool           { return true }

func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func (d *postgresDialect) uniqueViolation(err error) bool { return pgCode(err) == "23505" }

// retryable: a deadlock between two instances' batches, a serialisation
// failure, or two instances inserting the same key (the same outcome, say)
// at once; run again, the batch sees the winner's rows.
func (d *postgresDialect) retryable(err error) bool {
	switch pgCode(err) {
	case "40P01", "40001", "23505":
		return true
	}
	return false
}

// unavailable: anything that is not an answer of the server about the
// statement itself (a refused or dropped connection, a timeout), and the
// server's own "going away" answers.
func (d *postgresDialect) unavailable(err error) bool {
	if err == nil {
		return false
	}
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return connectionError(err)
	}
	switch {
	case len(e.Code) >= 2 && e.Code[:2] == "08", // connection exception
		e.Code == "57P01", e.Code == "57P02", e.Code == "57P03", // shutting down, starting up
		e.Code == "53300", e.Code == "25006": // too many connections, read-only (a standby)
		return true
	}
	return false
}

// beforeReset keeps other instances from writing items and scores until the
// reset commits, so its event is the whole new state.
func (d *postgresDialect) beforeReset(tx *gorm.DB) error {
	return tx.Exec("LOCK TABLE items, scores IN EXCLUSIVE MODE").Error
}

// afterReset moves the id sequences past the demo data's fixed ids; never
// backwards, since another instance may have taken ids meanwhile.
func (d *postgresDialect) afterReset(tx *gorm.DB) error {
	for _, table := range []string{"items", "scores"} {
		err := tx.Exec("SELECT setval(pg_get_serial_sequence('" + table + "', 'id'), GREATEST(" +
			"(SELECT COALESCE(MAX(id), 1) FROM " + table + "), " +
			"(SELECT last_value FROM " + table + "_id_seq)))").Error
		if err != nil {
			return err
		}
	}
	return nil
}

// listen keeps one connection listening and calls wake on every
// notification of a seq above known, every pollInterval without one, and
// after every reconnect, so a lost notification costs at most
// pollInterval.
func (d *postgresDialect) listen(ctx context.Context, wake func(), known func() int64) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := d.listenOnce(ctx, wake, known, func() { backoff = 100 * time.Millisecond })
		if ctx.Err() != nil {
			return
		}
		_ = err // the publisher's reads report an outage; here we only retry
		wake()
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

func (d *postgresDialect) listenOnce(ctx context.Context, wake func(), known func() int64, connected func()) error {
	cfg, err := d.config()
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	connected()
	wake() // whatever was committed while we were not listening
	for {
		wctx, cancel := context.WithTimeout(ctx, d.poll)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			if news(n.Payload, known()) {
				wake()
			}
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
			// No notification for a while: poll, and check the connection.
			wake()
			if err := conn.Ping(ctx); err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// news tells whether a notification's payload, the top seq of a commit,
// may name events the feed would not get without reading the log: above
// known, the last seq this instance has published or will publish of its
// own accord (Store.known). Every instance hears its own commits too:
// reading the log for them would find nothing new, one query per batch. A
// payload that is not a seq wakes the reader, since the log, not the
// hint, is the truth.
func news(payload string, known int64) bool {
	seq, err := strconv.ParseInt(payload, 10, 64)
	return err != nil || seq > known
}

func (d *postgresDialect) readTx() *sql.TxOptions {
	return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
}

func (d *postgresDialect) close() error { return nil }

// connectionError tells whether err, not an answer of the server, comes
// from the connection: refused, reset, closed, timed out.
func connectionError(err error) bool {
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &netErr), errors.As(err, &connectErr), pgconn.Timeout(err), pgconn.SafeToRetry(err):
		return true
	}
	msg := err.Error()
	for _, s := range []string{"conn closed", "connection", "broken pipe", "unexpected EOF", "timeout"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// clockMillis reads the clock when the statement runs, not when its
// transaction began (now()).
func (d *postgresDialect) clockMillis() string {
	return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
}
