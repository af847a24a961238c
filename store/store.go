package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"livedash/models"
)

// Defaults of Options, also the defaults of the server's flags.
const (
	DefaultRetention  = 100000
	DefaultOutcomeTTL = 24 * time.Hour
	DefaultMaxBatch   = 256
	DefaultReaders    = 4
)

// Options configure a Store. Zero values take the defaults above.
type Options struct {
	// Path is an SQLite file, or a postgres:// (postgresql://) URL: then
	// several instances share the database (see dialect).
	Path        string
	Synchronous string        // SyncFull (default) or SyncNormal
	Retention   int64         // events kept in the log
	OutcomeTTL  time.Duration // how long idempotent outcomes are kept
	MaxBatch    int           // mutations per group commit
	Readers     int           // concurrent read connections
	Logger      *slog.Logger
	// Feed receives every committed event, in seq order, after its
	// transaction committed. It is the only way events leave the store.
	Feed Feed
	// pgTracer sees every statement the writer's connections send to
	// PostgreSQL: the store's tests count a batch's round trips with it.
	pgTracer pgx.QueryTracer
	// pgPoll replaces pollInterval when set: the store's tests make it
	// long, so that only a notification wakes the publisher.
	pgPoll time.Duration
}

// Feed is whoever fans committed events out (the hub). Start is called
// once, with the last committed seq, before anything is published, so the
// feed is never half started. Lost is called, before the events from next
// on are published, when the events after..next-1 can no longer be read
// (another instance pruned them first): whoever was fed up to after must
// not see a silent gap, so the feed ends its subscribers (they resume, or
// resync, from the log) and counts on from next-1.
type Feed interface {
	Start(seq int64)
	Publish(events []models.Event)
	Lost(after, next int64)
}

// Store owns the database. All mutations go through one writer goroutine, so
// seqs are assigned without races and SQLite never reports a locked database;
// reads use a separate pool and run concurrently.
type Store struct {
	opts  Options
	log   *slog.Logger
	d     dialect
	read  *gorm.DB
	write *gorm.DB
	epoch string
	idKey []byte       // the key of public ids
	seq   atomic.Int64 // last seq published to the feed
	// ownTop is the last seq this instance's writer committed: the
	// publisher will publish up to it without a wake-up (publishOwn).
	ownTop atomic.Int64
	oldest int64 // oldest seq still in the log; writer-owned
	// retries counts batch transactions run again because the database
	// asked (a deadlock, a key race): the lock order should keep it near 0.
	retries atomic.Int64

	wake       chan struct{} // the log may have grown: the publisher reads it
	pubMu      sync.Mutex
	pubSignal  chan struct{} // closed and replaced whenever the publisher advances
	stopListen context.CancelFunc

	mu        sync.RWMutex // guards closed and sends on reqs
	closed    bool
	reqs      chan *request
	committed chan committedBatch // writer to publisher
	done      chan struct{}       // closed when the publisher has finished
}

// discardFeed is the feed of a store nobody listens to (tools, tests).
type discardFeed struct{}

func (discardFeed) Start(int64)            {}
func (discardFeed) Publish([]models.Event) {}
func (discardFeed) Lost(int64, int64)      {}

func (o Options) withDefaults() (Options, error) {
	if o.Path == "" {
		return o, errors.New("store: no database path")
	}
	o.Synchronous = strings.ToUpper(cmp.Or(o.Synchronous, SyncFull))
	if o.Synchronous != SyncFull && o.Synchronous != SyncNormal {
		return o, fmt.Errorf("store: synchronous must be FULL or NORMAL, not %q", o.Synchronous)
	}
	o.Retention = cmp.Or(max(o.Retention, 0), DefaultRetention)
	o.OutcomeTTL = cmp.Or(max(o.OutcomeTTL, 0), DefaultOutcomeTTL)
	o.MaxBatch = cmp.Or(max(o.MaxBatch, 0), DefaultMaxBatch)
	o.Readers = cmp.Or(max(o.Readers, 0), DefaultReaders)
	o.Logger = cmp.Or(o.Logger, slog.New(slog.DiscardHandler))
	if o.Feed == nil {
		o.Feed = discardFeed{}
	}
	return o, nil
}

// Open opens or creates the database at opts.Path and starts the feed at
// its last seq. A new database gets a new epoch and the demo data set as its
// first event.
func Open(ctx context.Context, opts Options) (*Store, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Store{opts: opts, log: opts.Logger, reqs: make(chan *request, 4096),
		committed: make(chan committedBatch, 2), done: make(chan struct{}),
		wake: make(chan struct{}, 1), pubSignal: make(chan struct{}), d: dialectFor(opts)}
	// Instances starting together initialise the database one at a time:
	// the first makes the schema, the epoch and the demo data, the others
	// find them.
	unlock, err := s.d.initLock(ctx)
	if err != nil {
		_ = s.d.close()
		return nil, err
	}
	defer unlock()
	if err := s.openDB(ctx); err != nil {
		s.closeDBs()
		return nil, err
	}
	opts.Feed.Start(s.seq.Load())
	go s.writer()
	go s.publisher()
	if s.d.shared() {
		lctx, cancel := context.WithCancel(context.Background())
		s.stopListen = cancel
		go s.d.listen(lctx, s.Wake, s.known)
	}
	if s.seq.Load() == 0 {
		// The server's own change: no actor (contract 1.1).
		if _, err := s.Mutate(ctx, Origin{}, &models.ResetDemo{}); err != nil {
			s.Close()
			return nil, fmt.Errorf("store: load demo data: %w", err)
		}
	}
	return s, nil
}

// Shared tells whether other instances may write the same database.
func (s *Store) Shared() bool { return s.d.shared() }

// known is the last seq the feed has or will get without reading the log
// for it: the last published, or the last this instance committed, which
// the publisher publishes with whatever precedes it.
func (s *Store) known() int64 { return max(s.seq.Load(), s.ownTop.Load()) }

// Wake tells the publisher that the log may have grown.
func (s *Store) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// openDB opens the writer and readers, and brings the schema up to date.
func (s *Store) openDB(ctx context.Context) error {
	var err error
	if s.write, s.read, err = s.d.open(s.opts); err != nil {
		return err
	}
	return s.init(ctx)
}

func (s *Store) init(ctx context.Context) error {
	db := s.write.WithContext(ctx)
	if err := db.AutoMigrate(&models.Item{}, &models.Score{}, &models.Event{}, &models.Meta{}, &models.Outcome{},
		&seqCounter{}, &presenceRow{}, &accessKeyRow{}); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if err := migrateKeys(db, s.log); err != nil {
		return err
	}
	if err := markResets(db); err != nil {
		return err
	}
	if err := uniqueUndo(db); err != nil {
		return err
	}
	if err := makeAccessKeys(ctx, s.write); err != nil {
		return err
	}
	err := db.Transaction(func(tx *gorm.DB) error {
		var err error
		if s.epoch, err = loadMeta(tx, "epoch", func() string { return models.NewID(16) }); err != nil {
			return err
		}
		key, err := loadMeta(tx, "public_id_key", func() string { return models.NewID(43) })
		if err != nil {
			return err
		}
		s.idKey = []byte(key)
		var bounds struct{ Lo, Hi int64 }
		err = tx.Model(&models.Event{}).Select("COALESCE(MIN(seq), 0) AS lo, COALESCE(MAX(seq), 0) AS hi").Scan(&bounds).Error
		if err != nil {
			return err
		}
		s.oldest = bounds.Lo
		// The counter starts at the log's top in a database made before it.
		var counters []seqCounter
		if err := tx.Limit(1).Find(&counters).Error; err != nil {
			return err
		}
		if len(counters) == 0 {
			counters = append(counters, seqCounter{ID: 1, Seq: bounds.Hi})
			if err := tx.Create(&counters[0]).Error; err != nil {
				return err
			}
		}
		s.seq.Store(counters[0].Seq)
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: init: %w", err)
	}
	return nil
}

// loadMeta reads a fact about the database, making it with make the first
// time: the epoch and the key of public ids are made with the database.
func loadMeta(tx *gorm.DB, key string, make func() string) (string, error) {
	var m models.Meta
	if err := tx.Where("key = ?", key).Limit(1).Find(&m).Error; err != nil {
		return "", err
	}
	if m.Value == "" {
		m = models.Meta{Key: key, Value: make()}
		if err := tx.Create(&m).Error; err != nil {
			return "", err
		}
	}
	return m.Value, nil
}

// Epoch identifies this database; it changes only when the file is new.
func (s *Store) Epoch() string { return s.epoch }

// PublicID is the id others see for a client id (models.PublicID with this
// database's key).
func (s *Store) PublicID(client string) string {
	if client == "" {
		return ""
	}
	return models.PublicID(s.idKey, client)
}

// Seq is the last seq this instance published to its feed: every event up
// to it is committed and went out. On a shared database other instances may
// have committed later ones already (see CatchUp).
func (s *Store) Seq() int64 { return s.seq.Load() }

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
	if s.stopListen != nil {
		s.stopListen()
	}
	return s.closeDBs()
}

// closeDBs closes the handles, then gives up the file.
func (s *Store) closeDBs() error {
	return errors.Join(closeDB(s.read), closeDB(s.write), s.d.close())
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
	return s.dbError(s.read.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error)
}

// dbError turns an error of an unreachable database into unavailable, so
// clients learn to retry instead of seeing an internal error.
func (s *Store) dbError(err error) error {
	var e *models.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	if s.d.unavailable(err) {
		return models.Errorf(models.CodeUnavailable, "", "the database is unreachable; nothing was applied, retry shortly")
	}
	return err
}
