package store

import (
	"context"
	"livedash/models"
	"strings"

	"path/filepath"
	"testing"
)

func TestReopenKeepsDataSeqAndEpoch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reopen.db")
	s, _ := MustOpenStore(t, withPath(path))
	mustMutate(t, s, &models.CreateItem{Name: "kept", Description: "across restarts"})
	mustMutate(t, s, &models.DeleteItem{ID: 4})
	mustMutate(t, s, &models.IncrementScore{ID: 5, By: -20})
	mustMutate(t, s, &models.CreateScore{Player: "Later"})
	before, epoch, seq := mustState(t, s), s.Epoch(), s.Seq()
	logBefore := mustEvents(t, s, 0)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2, rec2 := MustOpenStore(t, withPath(path))

	if s2.Epoch() != epoch || s2.Seq() != seq {
		t.Errorf("reopened epoch/seq = %q/%d, want %q/%d", s2.Epoch(), s2.Seq(), epoch, seq)
	}
	// Reloading the demo here would wipe the users' data and emit a reset.
	if rec2.len() != 0 {
		t.Errorf("reopening published %+v", rec2.all())
	}
	checkSameState(t, before, mustState(t, s2))
	checkJSON(t, mustEvents(t, s2, 0), mustJSON(t, logBefore))

	res := mustMutate(t, s2, &models.IncrementScore{ID: 1, By: 1})
	if res.Seq != seq+1 {
		t.Errorf("first seq after reopen = %d, want %d", res.Seq, seq+1)
	}
	checkPublished(t, s2, rec2.all(), res, "score.updated")
}

func TestNewFileGetsNewEpoch(t *testing.T) {
	a, _ := MustOpenStore(t)
	b, _ := MustOpenStore(t)
	if a.Epoch() == "" || a.Epoch() == b.Epoch() {
		t.Errorf("epochs %q and %q, want two different non-empty ones", a.Epoch(), b.Epoch())
	}
	if a.Seq() != 1 || b.Seq() != 1 {
		t.Errorf("new stores at seq %d and %d, want 1", a.Seq(), b.Seq())
	}
}

// One process owns a database file: a second store on the same file is
// refused at once with a clear error, and the file is free again once the
// first one closes.
func TestSecondOwnerIsRefused(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "owned.db")
	s, _ := MustOpenStore(t, withPath(path))
	_, err := Open(context.Background(), Options{Path: path})
	if err == nil || !strings.Contains(err.Error(), "in use by another livedash process") {
		t.Fatalf("second open: %v, want a refusal naming the reason", err)
	}
	mustMutate(t, s, &models.CreateItem{Name: "still writable"})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, _ := MustOpenStore(t, withPath(path))
	mustMutate(t, s2, &models.CreateItem{Name: "after the first closed"})
}
