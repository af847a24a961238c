package store

import (
	"context"
	"testing"
	"time"

	"livedash/models"
)

// TestPrefetchLocksItemsBeforeScores: a batch on PostgreSQL reads and locks
// its items and its scores in one statement, and still in the global order
// that keeps ordered batches of several instances from deadlocking: items,
// then scores. With score 1 held by another transaction, a batch that
// updates item 1 and increments score 1 waits for the score holding the
// item already.
func TestPrefetchLocksItemsBeforeScores(t *testing.T) {
	postgresOnly(t, "PostgreSQL only: row locks up front")
	s, _ := MustOpenStore(t, withSyncNormal())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	holder, err := s.read.DB()
	if err != nil {
		t.Fatal(err)
	}
	tx, err := holder.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, "SELECT id FROM scores WHERE id = 1 FOR UPDATE"); err != nil {
		t.Fatal(err)
	}

	errs := make(chan error, 2)
	release := blockWriter(t, s) // one batch
	for _, m := range []models.Mutation{&models.IncrementScore{ID: 1, By: 1}, &models.UpdateItem{ID: 1, Name: ptr("locked")}} {
		if err := s.Submit(Origin{}, m, func(_ Result, err error) { errs <- err }); err != nil {
			t.Fatalf("submit: %v", err)
		}
	}
	release()
	waitLockWait(t, s)
	_, err = holder.ExecContext(ctx, "SELECT id FROM items WHERE id = 1 FOR UPDATE NOWAIT")
	if pgCode(err) != "55P03" {
		t.Errorf("item 1 could be locked while the batch waited for score 1 (err %v): the batch locks scores before items", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case err := <-errs:
			if err != nil {
				t.Errorf("mutation: %v", err)
			}
		case <-ctx.Done():
			t.Fatal("timed out waiting for the batch")
		}
	}
}
