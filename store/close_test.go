package store

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"livedash/models"
)

// isClosed reports whether Close has stopped taking mutations.
func isClosed(s *Store) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closed
}

func TestCloseCommitsQueued(t *testing.T) {
	const queued = 20
	path := filepath.Join(t.TempDir(), "close.db")
	s, rec := MustOpenStore(t, withPath(path))
	seq := s.Seq()

	release := blockWriter(t, s)
	type reply struct {
		res Result
		err error
	}
	replies := make(chan reply, queued)
	for range queued {
		err := s.Submit(Origin{}, &models.IncrementScore{ID: 1, By: 1}, func(r Result, err error) { replies <- reply{r, err} })
		if err != nil {
			t.Fatal(err)
		}
	}
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	// Close must have shut the door while the queue is still full, or the
	// test would only show that Close waits for an idle writer.
	deadline := time.Now().Add(10 * time.Second)
	for !isClosed(s) {
		if time.Now().After(deadline) {
			t.Fatal("Close did not start")
		}
		runtime.Gosched()
	}
	_, err := s.Mutate(context.Background(), Origin{}, &models.IncrementScore{ID: 1, By: 1})
	wantError(t, err, models.CodeUnavailable, "")
	err = s.Submit(Origin{}, &models.IncrementScore{ID: 1, By: 1}, func(Result, error) { t.Error("rejected mutation was answered") })
	wantError(t, err, models.CodeUnavailable, "")

	release()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	for i := range queued {
		select {
		case r := <-replies:
			if r.err != nil || r.res.Seq != seq+1+int64(i) {
				t.Errorf("reply %d = %+v %v, want seq %d", i, r.res, r.err, seq+1+int64(i))
			}
		default:
			t.Fatalf("only %d of %d queued mutations were answered", i, queued)
		}
	}
	if got := rec.len(); got != 1+queued {
		t.Errorf("published %d events, want %d", got, 1+queued)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	s2, _ := MustOpenStore(t, withPath(path))
	if s2.Seq() != seq+queued {
		t.Errorf("reopened at seq %d, want %d", s2.Seq(), seq+queued)
	}
	if sc := mustStoredScore(t, s2, 1); sc.Points != 42+queued {
		t.Errorf("points = %d, want %d", sc.Points, 42+queued)
	}
}
