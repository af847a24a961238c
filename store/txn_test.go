package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"livedash/models"
)

// applyInWriter runs apply as one mutation inside the writer's own
// transaction, with the txn the writer makes, and waits for its outcome.
func applyInWriter(tb testing.TB, s *Store, apply applyFunc) (Result, error) {
	tb.Helper()
	type outcome struct {
		res Result
		err error
	}
	done := make(chan outcome, 1)
	if err := s.enqueue(&request{apply: apply, done: func(r Result, err error) { done <- outcome{r, err} }}); err != nil {
		tb.Fatal(err)
	}
	select {
	case o := <-done:
		return o.res, o.err
	case <-time.After(10 * time.Second):
		tb.Fatal("timed out waiting for the writer")
		return Result{}, nil
	}
}

// TestTxnGuardUnique: a statement that breaks a unique index becomes the
// given error and takes only itself back; the transaction goes on and the
// statements after it commit (on PostgreSQL that needs the savepoint, since
// a failed statement aborts the transaction).
func TestTxnGuardUnique(t *testing.T) {
	s, _ := MustOpenStore(t, withSyncNormal())
	taken := errors.New("taken")
	var guardErr error
	res, err := applyInWriter(t, s, func(tx *txn) (change, error) {
		if tx.dialect == nil {
			return change{}, errors.New("the writer's txn has no dialect")
		}
		// Alice is a demo player: her key is taken.
		dup := models.Score{Player: "alice", PlayerKey: models.PlayerKey("Alice"), Version: 1, CreatedAt: tx.now, UpdatedAt: tx.now}
		guardErr = tx.guardUnique(func() error { return tx.db.Create(&dup).Error }, func() error { return taken })
		zed := models.Score{Player: "Zed", PlayerKey: models.PlayerKey("Zed"), Points: 7, Version: 1, CreatedAt: tx.now, UpdatedAt: tx.now}
		if err := tx.db.Create(&zed).Error; err != nil {
			return change{}, err
		}
		return change{eventType: "score.created", record: zed, kind: models.RecordScore, id: zed.ID}, nil
	})
	if !errors.Is(guardErr, taken) {
		t.Errorf("guardUnique = %v, want the conflict's error", guardErr)
	}
	if err != nil {
		t.Fatalf("the batch after the guarded statement failed: %v", err)
	}
	zed := decodeData[models.Score](t, res.Data)
	if got, err := s.Score(context.Background(), zed.ID); err != nil || got.Player != "Zed" {
		t.Errorf("score %d after commit = %+v, %v; want Zed", zed.ID, got, err)
	}
	scores, err := s.Scores(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scores {
		if sc.Player == "alice" {
			t.Errorf("the guarded statement was committed: %+v", sc)
		}
	}
}
