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
	// PublicID is Store.PublicID(Client). Submit derives it when empty; a
	// connection passes the one it derived at its start, since the HMAC per
	// mutation was a tenth of the writes benchmark's allocations.
	PublicID string
}

// Result is a committed (or remembered) mutation: its event's seq and the
// JSON record that the ack carries.
type Result struct {
	Seq  int64
	Data []byte
}

type request struct {
	mutation models.Mutation // nil for the store's own (tests')
	origin   Origin
	validate func() error // set when validation waits for the outcome lookup
	apply    applyFunc
	readsLog bool // the mutation reads the event log (undo): earlier events of its batch must be in it
	// readsScores: the batch's merged increments must be written first.
	readsScores bool
	// readsItems: the batch's items in memory (PostgreSQL) must be
	// written first.
	readsItems bool
	// ordered: the mutation locks only rows its batch can lock up front in
	// the global order (lockedInOrder); a batch of such requests only runs
	// beside other batches of any instance on PostgreSQL.
	ordered bool
	done    func(Result, error)
}

// Submit validates m and queues it for the writer. done is called from the
// publisher goroutine once the outcome is known: for a success, after its
// event went to the feed. A validation error is returned at once and done is
// not called; except for a remembered mutation, whose repeat must get the
// original reply even if its data would not pass today: the writer looks it
// up first and validates only what is new.
func (s *Store) Submit(origin Origin, m models.Mutation, done func(Result, error)) error {
	apply, err := applierOf(m)
	if err != nil {
		return err
	}
	_, readsLog := m.(*models.Undo)
	r := &request{mutation: m, origin: origin, apply: apply, done: done, readsLog: readsLog,
		readsScores: readsScores(m), readsItems: readsItems(m), ordered: lockedInOrder(m)}
	if origin.Remember {
		r.validate = m.Validate
	} else if err := m.Validate(); err != nil {
		return err
	}
	if r.origin.PublicID == "" {
		r.origin.PublicID = s.PublicID(origin.Client)
	}
	return s.enqueue(r)
}

func (s *Store) enqueue(r *request) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return models.Errorf(models.CodeUnavailable, "", "the server is shutting down; nothing was applied, retry shortly")
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
