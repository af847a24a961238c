package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"livedash/models"
)

// TestTailChecksBeforeItCommits: the batch's last tail statement carries
// the COMMIT in its round trip, so it checks its own writes: a tail that
// would update a score that is not there fails, nothing of it is
// committed (not its event, not the counter), and the writer's connection
// goes on to the next batch.
func TestTailChecksBeforeItCommits(t *testing.T) {
	postgresOnly(t, "PostgreSQL only: the tail statement")
	s, _ := MustOpenStore(t, withSyncNormal())
	before := mustState(t, s)
	err := s.d.transaction(s.write, true, func(tx *gorm.DB, _ *int64, pg *pgTx) error {
		tt := &txn{db: tx, dialect: s.d, now: time.Now().UTC(), pg: pg}
		tt.scores.rows = map[int64]*pendingScore{
			999: {score: models.Score{ID: 999, Player: "nobody", Points: 1, Version: 2}, dirty: true},
		}
		b := &batch{}
		b.events = []models.Event{{Seq: b.seqs.next(), Type: "score.updated", Data: []byte(`{"id":999}`),
			At: tt.now, RecordType: models.RecordScore, RecordID: 999}}
		return b.pgWrite(tt, nil, 0, -1, true)
	})
	if err == nil || !strings.Contains(err.Error(), "the tail wrote 0 of 1 scores") {
		t.Fatalf("the tail with a missing score: err %v, want it to name the score it did not write", err)
	}
	if after := mustState(t, s); after.Seq != before.Seq {
		t.Errorf("the counter moved from %d to %d: the failed tail committed", before.Seq, after.Seq)
	}
	if evs := mustEvents(t, s, before.Seq); len(evs) != 0 {
		t.Errorf("%d events committed by the failed tail", len(evs))
	}
	res := mustMutate(t, s, &models.IncrementScore{ID: 1, By: 1})
	if res.Seq != before.Seq+1 {
		t.Errorf("the next batch's seq is %d, want %d", res.Seq, before.Seq+1)
	}
}

// TestBatchPlansUseKeys: the plans of a batch's statements that reach rows
// by key (its prefetch and its tail) use the keys' indexes, even as the
// generic plans PostgreSQL keeps for a prepared statement, made on tables
// of a few rows. On those it had chosen to scan the whole table, and kept
// that plan while the table grew.
func TestBatchPlansUseKeys(t *testing.T) {
	postgresOnly(t, "PostgreSQL only: plans")
	s, _ := MustOpenStore(t, withSyncNormal())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name   string
		sql    string
		params int
	}{
		{"prefetch", pgPrefetchSQL, 3},
		{"tail", pgTailSQL, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var plan []string
			err := s.d.transaction(s.write, true, func(_ *gorm.DB, _ *int64, pg *pgTx) error {
				return pg.withConn(func(c *pgx.Conn) error {
					if _, err := c.Exec(ctx, "SET LOCAL plan_cache_mode = force_generic_plan"); err != nil {
						return err
					}
					if _, err := c.Exec(ctx, "PREPARE plan_check AS "+tc.sql); err != nil {
						return err
					}
					defer func() { _, _ = c.Exec(ctx, "DEALLOCATE plan_check") }()
					nulls := strings.TrimSuffix(strings.Repeat("NULL,", tc.params), ",")
					rows, err := c.Query(ctx, "EXPLAIN EXECUTE plan_check("+nulls+")", pgx.QueryExecModeSimpleProtocol)
					if err != nil {
						return err
					}
					plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
					return err
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range plan {
				if strings.Contains(line, "Seq Scan") {
					t.Errorf("the %s's generic plan scans a whole table:\n%s", tc.name, strings.Join(plan, "\n"))
					break
				}
			}
		})
	}
	// Without sequential scans, a statement that can only scan costs more
	// than jit_above_cost: JIT must be off in a batch, or it compiles such
	// a statement (100–300 ms for the reset's).
	var jit string
	err := s.d.transaction(s.write, true, func(tx *gorm.DB, _ *int64, _ *pgTx) error {
		return tx.Raw("SELECT current_setting('jit')").Scan(&jit).Error
	})
	if err != nil || jit != "off" {
		t.Errorf("jit in a batch: %q (%v), want off", jit, err)
	}
}

// TestBatchStatementsShareItsTransaction: the dialect begins and commits a
// batch by hand on one connection, so every statement of the batch, sent
// through GORM or through pgx, must run on that connection and in that
// transaction; one sent elsewhere would neither see the batch's writes
// nor hold its locks.
func TestBatchStatementsShareItsTransaction(t *testing.T) {
	postgresOnly(t, "PostgreSQL only: the hand-made transaction")
	s, _ := MustOpenStore(t, withSyncNormal())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const q = "SELECT pg_backend_pid()::bigint, txid_current()"
	var gormPID, gormTx, pgxPID, pgxTx int64
	err := s.d.transaction(s.write, true, func(tx *gorm.DB, _ *int64, pg *pgTx) error {
		if err := tx.Raw(q).Row().Scan(&gormPID, &gormTx); err != nil {
			return err
		}
		return pg.withConn(func(c *pgx.Conn) error { return c.QueryRow(ctx, q).Scan(&pgxPID, &pgxTx) })
	})
	if err != nil {
		t.Fatal(err)
	}
	if gormPID != pgxPID || gormTx != pgxTx {
		t.Errorf("GORM's statement ran in backend %d, transaction %d; pgx's in %d, %d", gormPID, gormTx, pgxPID, pgxTx)
	}
}
