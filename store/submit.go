package store

import (
	"context"

	"livedash/models"
)

// Origin says who sent a mutation. With Remember, the outcome is stored under
// (Client, RequestID) and a repeat returns it instead of applying again.
// Events name the sender by its public id, never by Client.
type Origin struct {
	Client    string
	Name      string
	RequestID string
	Remember  bool
	publicID  string // set by Submit, outside the writer
}

// Result is a committed (or remembered) mutation: its event's seq and the
// JSON record that the ack carries.
type Result struct {
	Seq  int64
	Data []byte
}

type request struct {
	origin Origin
	apply  applyFunc
	done   func(Result, error)
}

// Submit validates m and queues it for the writer. done is called from the
// publisher goroutine once the outcome is known: for a success, after its
// event went to the feed. A validation error is returned at once and done is
// not called.
func (s *Store) Submit(origin Origin, m models.Mutation, done func(Result, error)) error {
	if err := m.Validate(); err != nil {
		return err
	}
	apply, err := applierOf(m)
	if err != nil {
		return err
	}
	origin.publicID = s.PublicID(origin.Client)
	return s.enqueue(&request{origin: origin, apply: apply, done: done})
}

func (s *Store) enqueue(r *request) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return models.Errorf(models.CodeInternal, "", "the server is shutting down; retry shortly")
	}
	s.reqs <- r
	return nil
}

// Mutate is Submit that waits for the outcome.
func (s *Store) Mutate(ctx context.Context, origin Origin, m models.Mutation) (Result, error) {
	type outcome struct {
		res Result
		err error
	}
	ch := make(chan outcome, 1)
	if err := s.Submit(origin, m, func(r Result, err error) { ch <- outcome{r, err} }); err != nil {
		return Result{}, err
	}
	select {
	case o := <-ch:
		return o.res, o.err
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}
