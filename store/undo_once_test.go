package store

import (
	"context"
	"sync"
	"testing"
	"time"

	"livedash/models"
)

// undoAll submits n undos of seq to the stores in turn, runs between, once
// all are queued, and returns how many applied and how many were conflicts;
// any other answer fails the test.
func undoAll(t *testing.T, stores []*Store, seq int64, n int, between func()) (applied, conflicts int) {
	t.Helper()
	errs := make(chan error, n)
	for i := range n {
		s := stores[i%len(stores)]
		if err := s.Submit(Origin{Name: "Bob"}, &models.Undo{Seq: seq}, func(_ Result, err error) { errs <- err }); err != nil {
			t.Fatal(err)
		}
	}
	between()
	for range n {
		select {
		case err := <-errs:
			switch {
			case err == nil:
				applied++
			case models.AsError(err).Code == models.CodeConflict:
				conflicts++
			default:
				t.Errorf("undo: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("an undo got no answer")
		}
	}
	return applied, conflicts
}

// Undos of one event in one group commit: the batch writes the first undo's
// event before the next one reads the log, so only the first applies.
func TestUndoOnceInOneBatch(t *testing.T) {
	s, _ := MustOpenStore(t, withSyncNormal())
	seq := mustMutate(t, s, &models.IncrementScore{ID: 1, By: 10}).Seq
	release := blockWriter(t, s)
	applied, conflicts := undoAll(t, []*Store{s}, seq, 4, release)
	if applied != 1 || conflicts != 3 {
		t.Errorf("applied %d, conflicts %d; want 1 and 3", applied, conflicts)
	}
	if sc, _ := s.Score(context.Background(), 1); sc.Points != 42 {
		t.Errorf("points = %d, want 42 (undone once)", sc.Points)
	}
}

// The database itself refuses a second event that undoes the same seq, so
// no path around undoable (another instance, a batch) can undo twice.
func TestUndoOnceIndex(t *testing.T) {
	s, _ := MustOpenStore(t, withSyncNormal())
	seq := mustMutate(t, s, &models.IncrementScore{ID: 1, By: 10}).Seq
	undoOf(t, s, seq)
	insert := func(at int64) error {
		return s.write.Exec("INSERT INTO events (seq, type, data, at, record_type, record_id, undo_of) VALUES (?, ?, ?, ?, ?, ?, ?)",
			at, "score.updated", []byte("{}"), time.Now().UTC(), models.RecordScore, 1, seq).Error
	}
	err := insert(s.Seq() + 100)
	if !s.d.uniqueViolation(err) {
		t.Errorf("a second event with undo_of %d: %v, want a unique violation", seq, err)
	}
}

// Two instances undo one event at the same moment: a lock on the score
// holds the undos until both instances have theirs in a transaction, then
// one applies and every other finds it in the log.
func TestUndoOnceAcrossInstances(t *testing.T) {
	a, b, _, _ := twoInstances(t)
	seq := mustMutate(t, a, &models.IncrementScore{ID: 1, By: 100}).Seq
	tx := a.read.Begin()
	t.Cleanup(func() { tx.Rollback() })
	if err := tx.Exec("SELECT id FROM scores WHERE id = 1 FOR UPDATE").Error; err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	applied, conflicts := undoAll(t, []*Store{a, b}, seq, 4, func() {
		waitLockWaiters(t, a, 2)
		once.Do(func() {
			if err := tx.Commit().Error; err != nil {
				t.Fatal(err)
			}
		})
	})
	if applied != 1 || conflicts != 3 {
		t.Errorf("applied %d, conflicts %d; want 1 and 3", applied, conflicts)
	}
	if sc, _ := b.Score(context.Background(), 1); sc.Points != 42 {
		t.Errorf("points = %d, want 42 (undone once)", sc.Points)
	}
}

// waitLockWaiters waits until n sessions wait for a row lock.
func waitLockWaiters(t *testing.T, s *Store, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int64
		if err := s.read.Raw("SELECT COUNT(*) FROM pg_locks WHERE NOT granted").Scan(&waiting).Error; err != nil {
			t.Fatal(err)
		}
		if waiting >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions wait for a lock, want %d", waiting, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
