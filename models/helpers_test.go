package models

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
)

// recorder collects published events, as the hub would receive them.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) publish(evs []Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, evs...)
}

func (r *recorder) all() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// MustOpenStore opens a store on a fresh file in tb's temp dir.
func MustOpenStore(tb testing.TB, opts ...func(*Options)) (*Store, *recorder) {
	tb.Helper()
	rec := &recorder{}
	o := Options{Path: filepath.Join(tb.TempDir(), "test.db"), Publish: rec.publish}
	for _, f := range opts {
		f(&o)
	}
	s, err := Open(context.Background(), o)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("close store: %v", err)
		}
	})
	return s, rec
}

func mustMutate(tb testing.TB, s *Store, m Mutation) Result {
	tb.Helper()
	res, err := s.Mutate(context.Background(), Origin{}, m)
	if err != nil {
		tb.Fatalf("%T: %v", m, err)
	}
	return res
}

func ptr[T any](v T) *T { return &v }
