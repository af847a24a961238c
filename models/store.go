package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// Options configure a Store. Zero values take the documented defaults.
type Options struct {
	Path        string
	Synchronous string        // SyncFull (default) or SyncNormal
	Retention   int64         // events kept in the log; default 10,000
	OutcomeTTL  time.Duration // how long idempotent outcomes are kept; default 24h
	MaxBatch    int           // mutations per group commit; default 256
	Readers     int           // concurrent read connections; default 4
	Logger      *slog.Logger
	// Publish receives every committed event, in seq order, after its
	// transaction committed. It is the only way events leave the store.
	Publish func([]Event)
}

// Store owns the database. All mutations go through one writer goroutine, so
// seqs are assigned without races and SQLite never reports a locked database;
// reads use a separate pool and run concurrently.
type Store struct {
	opts   Options
	log    *slog.Logger
	read   *gorm.DB
	write  *gorm.DB
	epoch  string
	seq    atomic.Int64 // last committed seq
	oldest int64        // oldest seq still in the log; writer-owned

	mu        sync.RWMutex // guards closed and sends on reqs
	closed    bool
	reqs      chan *request
	committed chan committedBatch // writer to publisher
	done      chan struct{}       // closed when the publisher has finished
}

// Origin says who sent a mutation. With Remember, the outcome is stored under
// (Client, RequestID) and a repeat returns it instead of applying again.
type Origin struct {
	Client    string
	Name      string
	RequestID string
	Remember  bool
}

// Result is a committed (or remembered) mutation: its event's seq and the
// JSON record that the ack carries.
type Result struct {
	Seq  int64
	Data []byte
}

type request struct {
	origin Origin
	mut    Mutation
	done   func(Result, error)
}

// Open opens or creates the database at opts.Path. A new database gets a new
// epoch and the demo data set as its first event.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Path == "" {
		return nil, errors.New("store: no database path")
	}
	if opts.Synchronous == "" {
		opts.Synchronous = SyncFull
	}
	opts.Synchronous = strings.ToUpper(opts.Synchronous)
	if opts.Synchronous != SyncFull && opts.Synchronous != SyncNormal {
		return nil, fmt.Errorf("store: synchronous must be FULL or NORMAL, not %q", opts.Synchronous)
	}
	if opts.Retention <= 0 {
		opts.Retention = 10000
	}
	if opts.OutcomeTTL <= 0 {
		opts.OutcomeTTL = 24 * time.Hour
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.Readers <= 0 {
		opts.Readers = 4
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Publish == nil {
		opts.Publish = func([]Event) {}
	}
	s := &Store{opts: opts, log: opts.Logger, reqs: make(chan *request, 4096),
		committed: make(chan committedBatch, 2), done: make(chan struct{})}
	var err error
	if s.write, err = openSQLite(opts.Path, opts.Synchronous, true, 1); err != nil {
		return nil, err
	}
	if err = s.init(ctx); err != nil {
		closeDB(s.write)
		return nil, err
	}
	if s.read, err = openSQLite(opts.Path, opts.Synchronous, false, opts.Readers); err != nil {
		closeDB(s.write)
		return nil, err
	}
	go s.writer()
	go s.publisher()
	if s.seq.Load() == 0 {
		if _, err := s.Mutate(ctx, Origin{Name: "livedash"}, &ResetDemo{}); err != nil {
			s.Close()
			return nil, fmt.Errorf("store: load demo data: %w", err)
		}
	}
	return s, nil
}

func (s *Store) init(ctx context.Context) error {
	db := s.write.WithContext(ctx)
	if err := db.AutoMigrate(&Item{}, &Score{}, &Event{}, &Meta{}, &Outcome{}); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if err := migrateKeys(db, s.log); err != nil {
		return err
	}
	err := db.Transaction(func(tx *gorm.DB) error {
		var m Meta
		err := tx.Where("key = ?", "epoch").Limit(1).Find(&m).Error
		if err != nil {
			return err
		}
		if m.Value == "" {
			m = Meta{Key: "epoch", Value: newEpoch()}
			if err := tx.Create(&m).Error; err != nil {
				return err
			}
		}
		s.epoch = m.Value
		var bounds struct{ Lo, Hi int64 }
		err = tx.Model(&Event{}).Select("COALESCE(MIN(seq), 0) AS lo, COALESCE(MAX(seq), 0) AS hi").Scan(&bounds).Error
		s.oldest = bounds.Lo
		s.seq.Store(bounds.Hi)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: init: %w", err)
	}
	return nil
}

func newEpoch() string { return NewID(16) }

// Epoch identifies this database; it changes only when the file is new.
func (s *Store) Epoch() string { return s.epoch }

// Seq is the last committed seq.
func (s *Store) Seq() int64 { return s.seq.Load() }

// Submit validates m and queues it for the writer; done is called from the
// writer goroutine once the outcome is known (after commit for successes).
// A validation error is returned at once and done is not called.
func (s *Store) Submit(origin Origin, m Mutation, done func(Result, error)) error {
	if err := m.Validate(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return Errorf(CodeInternal, "", "the server is shutting down; retry shortly")
	}
	s.reqs <- &request{origin: origin, mut: m, done: done}
	return nil
}

// Mutate is Submit that waits for the outcome.
func (s *Store) Mutate(ctx context.Context, origin Origin, m Mutation) (Result, error) {
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

// Close stops taking mutations, lets the queued ones commit, and closes the
// database.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.reqs)
	s.mu.Unlock()
	<-s.done
	return errors.Join(closeDB(s.read), closeDB(s.write))
}

func closeDB(db *gorm.DB) error {
	if db == nil {
		return nil
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.read.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error
}

func sortScores(scores []Score) {
	sort.SliceStable(scores, func(i, j int) bool {
		if scores[i].Points != scores[j].Points {
			return scores[i].Points > scores[j].Points
		}
		return scores[i].ID < scores[j].ID
	})
}

// NewID returns a random id of n URL-safe characters.
func NewID(n int) string {
	b := make([]byte, (n*6+7)/8)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}
