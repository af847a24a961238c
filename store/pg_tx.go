package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgTx is the writer's transaction on PostgreSQL: one connection of the
// writer's pool on which the dialect sends BEGIN and COMMIT itself, each in
// the round trip of a statement (a pgx pipeline), where a database/sql
// transaction spends a round trip on each. BEGIN goes with the batch lock
// (begin); COMMIT goes with the batch's tail statement (commitWith, from
// pgWrite), or alone when the batch has nothing to write. The hot rows and
// the counter, which a batch holds from its prefetch to its commit and the
// batches of every instance queue for, are then held for two round trips:
// the prefetch and the tail. A batch that wrote events also notifies the
// other instances in its commit's round trip (notifySQL). That was a
// transaction of its own after the commit, a round trip and a WAL flush
// more per batch: a NOTIFY takes a transaction id, so its commit waits for
// the disk like any other.
type pgTx struct {
	conn      *sql.Conn
	ctx       context.Context
	notify    bool // the batch wrote events: its commit notifies
	committed bool // the COMMIT went through (commitWith or commit)
}

// withConn runs f on the pgx connection under the transaction's.
func (p *pgTx) withConn(f func(*pgx.Conn) error) error {
	return p.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: the writer's connection is a %T, not pgx's", dc)
		}
		return f(c.Conn())
	})
}

// begin starts the transaction and takes the batch lock in one round trip:
// shared for an ordered batch; else exclusive, with the counter's row lock,
// whose value it returns (aloneSQL).
//
// It also prices sequential scans out of the transaction's plans. The
// batch's statements reach rows by key, and pgx prepares them once per
// connection: PostgreSQL plans each once and keeps the plan, made from the
// tables' sizes at that moment. Made on a small table (items right after a
// reset), a join by key was a scan of the whole table, slower with every
// item created: 0.9 ms of a batch's tail at 1,928 items in make
// bench-cluster, while the batch held the hot rows. Without sequential
// scans the plans use the keys' indexes at any size. JIT compilation goes
// off with them: a statement that can only scan (a sequence's last_value,
// the reset's deletes) keeps its scan at the penalty's cost, which crosses
// jit_above_cost, and compiling it took 100–300 ms of the reset's batch.
func (p *pgTx) begin(ordered bool) (counter *int64, err error) {
	err = p.withConn(func(c *pgx.Conn) error {
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue("SELECT set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true)")
		if ordered {
			b.Queue("SELECT pg_advisory_xact_lock_shared($1)", int64(batchLockKey))
		} else {
			b.Queue(aloneSQL, int64(batchLockKey))
		}
		br := c.SendBatch(p.ctx, b)
		_, err := br.Exec()
		if err == nil {
			_, err = br.Exec()
		}
		switch {
		case err != nil:
		case ordered:
			_, err = br.Exec()
		default:
			var seq int64
			err = br.QueryRow().Scan(&seq)
			if errors.Is(err, pgx.ErrNoRows) {
				err = errCounterMissing
			}
			counter = &seq
		}
		return firstError(err, br.Close())
	})
	return counter, err
}

// commitWith runs query, which returns one row, scanned into dest, and
// commits, in one round trip. If the query fails, the server skips the
// COMMIT (a pipeline stops at its first error) and the transaction stays
// open for the dialect to roll back. query must be the transaction's last
// statement, and whatever it must check before the commit it checks
// itself: an error seen here after the COMMIT would be too late.
func (p *pgTx) commitWith(query string, args []any, dest ...any) error {
	return p.withConn(func(c *pgx.Conn) error {
		b := &pgx.Batch{}
		b.Queue(query, args...)
		p.queueCommit(b)
		br := c.SendBatch(p.ctx, b)
		err := br.QueryRow().Scan(dest...)
		return p.readCommit(br, err)
	})
}

// commit commits a transaction whose last statement did not, with the
// notification if it has one, in one round trip.
func (p *pgTx) commit() error {
	return p.withConn(func(c *pgx.Conn) error {
		b := &pgx.Batch{}
		p.queueCommit(b)
		return p.readCommit(c.SendBatch(p.ctx, b), nil)
	})
}

// queueCommit queues the notification, if the batch wrote events, and the
// COMMIT.
func (p *pgTx) queueCommit(b *pgx.Batch) {
	if p.notify {
		b.Queue(notifySQL)
	}
	b.Queue("COMMIT")
}

// readCommit reads the results queueCommit queued, after err, the result
// of what came before them, and closes br.
func (p *pgTx) readCommit(br pgx.BatchResults, err error) error {
	if p.notify && err == nil {
		_, err = br.Exec()
	}
	var tag pgconn.CommandTag
	if err == nil {
		tag, err = br.Exec()
	}
	if err = firstError(err, br.Close()); err != nil {
		return err
	}
	return p.committedAs(tag.String())
}

// committedAs records a COMMIT's outcome from its command tag: PostgreSQL
// answers a COMMIT of a failed transaction with ROLLBACK, not an error.
func (p *pgTx) committedAs(tag string) error {
	if tag != "COMMIT" {
		return fmt.Errorf("store: the transaction ended in %s, not COMMIT", tag)
	}
	p.committed = true
	return nil
}

// rollback ends a transaction that did not commit. If it cannot, the
// connection is left in its transaction: pgx's database/sql driver drops
// such a connection before the pool hands it out again.
func (p *pgTx) rollback() error {
	return p.withConn(func(c *pgx.Conn) error {
		_, err := c.Exec(p.ctx, "ROLLBACK")
		return err
	})
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
