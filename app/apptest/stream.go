package apptest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"livedash/client"
)

// Stream records what a client.Client delivers, for tests to wait on: pass
// its Add as client.Options.OnEvent.
type Stream struct {
	tb      testing.TB
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every event
	events  []client.Event
}

func NewStream(tb testing.TB) *Stream {
	tb.Helper()
	return &Stream{tb: tb, changed: make(chan struct{})}
}

// Add records one event or notice; it is the client's OnEvent.
func (s *Stream) Add(_ context.Context, ev client.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, ev)
	close(s.changed)
	s.changed = make(chan struct{})
}

// All is everything delivered so far, notices included.
func (s *Stream) All() []client.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]client.Event(nil), s.events...)
}

// Changes is the log's events delivered so far, without the notices.
func (s *Stream) Changes() []client.Event { return Changes(s.All()) }

// Count is how many events or notices of a type were delivered.
func (s *Stream) Count(typ string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ev := range s.events {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

// WaitFor waits until check accepts what was delivered so far, and
// returns that. check must not keep the slice it is given.
func (s *Stream) WaitFor(what string, check func([]client.Event) bool) []client.Event {
	s.tb.Helper()
	evs, err := s.Wait(what, check)
	if err != nil {
		s.tb.Fatal(err)
	}
	return evs
}

// Wait is WaitFor for goroutines other than the test's: it returns an
// error instead of failing the test.
func (s *Stream) Wait(what string, check func([]client.Event) bool) ([]client.Event, error) {
	deadline := newDeadline()
	defer deadline.Stop()
	for {
		// check runs under the lock, on the stream itself: a copy per
		// event would make long waits quadratic.
		s.mu.Lock()
		done, changed := check(s.events), s.changed
		var evs []client.Event
		if done {
			evs = append(evs, s.events...)
		}
		s.mu.Unlock()
		if done {
			return evs, nil
		}
		select {
		case <-changed:
		case <-deadline.C:
			return nil, fmt.Errorf("no %s within %s; got %s", what, DefaultWait, Describe(s.All()))
		}
	}
}

// WaitSeq waits for the event with seq (or a later one) and returns the
// log's events delivered so far.
func (s *Stream) WaitSeq(seq int64) []client.Event {
	s.tb.Helper()
	evs := s.WaitFor(fmt.Sprintf("event %d", seq), func(evs []client.Event) bool {
		for i := len(evs) - 1; i >= 0; i-- {
			if evs[i].Seq >= seq {
				return true
			}
		}
		return false
	})
	return Changes(evs)
}

// WaitType waits for the n-th event or notice of a type and returns it.
func (s *Stream) WaitType(typ string, n int) client.Event {
	s.tb.Helper()
	var got client.Event
	s.WaitFor(fmt.Sprintf("%d × %s", n, typ), func(evs []client.Event) bool {
		seen := 0
		for _, ev := range evs {
			if ev.Type == typ {
				if seen++; seen == n {
					got = ev
					return true
				}
			}
		}
		return false
	})
	return got
}

// Changes keeps the log's events, dropping notices.
func Changes(evs []client.Event) []client.Event {
	var out []client.Event
	for _, ev := range evs {
		if ev.IsChange() {
			out = append(out, ev)
		}
	}
	return out
}

// Describe lists the last events' types and seqs, for failure messages.
func Describe(evs []client.Event) string {
	s := fmt.Sprintf("%d events:", len(evs))
	for _, ev := range evs[max(0, len(evs)-20):] {
		s += fmt.Sprintf(" %s/%d", ev.Type, ev.Seq)
	}
	return s
}

// RequireConsecutive fails unless evs are the seqs first..last, each once.
func RequireConsecutive(tb testing.TB, evs []client.Event, first, last int64) {
	tb.Helper()
	next := first
	for _, ev := range evs {
		if ev.Seq != next {
			tb.Fatalf("event %s has seq %d, want %d (a gap or a repeat); %s", ev.Type, ev.Seq, next, Describe(evs))
		}
		next++
	}
	if next != last+1 {
		tb.Fatalf("events end at seq %d, want %d", next-1, last)
	}
}
