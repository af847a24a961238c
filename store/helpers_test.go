package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"livedash/internal/pgtest"
	"livedash/models"
)

// recorder collects published events, as the hub would receive them.
type recorder struct {
	mu     sync.Mutex
	events []models.Event
	lost   [][2]int64 // (after, next) of every Lost
}

func (r *recorder) Start(int64) {}

func (r *recorder) Lost(after, next int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lost = append(r.lost, [2]int64{after, next})
}

func (r *recorder) gaps() [][2]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][2]int64(nil), r.lost...)
}

func (r *recorder) Publish(evs []models.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, evs...)
}

func (r *recorder) all() []models.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]models.Event(nil), r.events...)
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// since returns the events recorded after the first n, so a test can look at
// what one step published without counting the demo load.
func (r *recorder) since(n int) []models.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n > len(r.events) {
		return nil
	}
	return append([]models.Event(nil), r.events[n:]...)
}

// backend is the database the suite runs on: TestMain runs every test on
// SQLite, then again on PostgreSQL.
var backend = "sqlite"

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if pgtest.Available() || pgtest.Required() {
			fmt.Println("=== the store's tests again, on PostgreSQL")
			backend = "postgres"
			code = m.Run()
		} else {
			fmt.Println("store tests on PostgreSQL skipped: no PostgreSQL binaries (LIVEDASH_POSTGRES=required makes this fail)")
		}
	}
	pgtest.StopShared()
	os.Exit(code)
}

// sqliteOnly skips a test of what only the SQLite file has.
func sqliteOnly(tb testing.TB) {
	tb.Helper()
	if backend != "sqlite" {
		tb.Skip("SQLite only")
	}
}

// postgresOnly skips a test of what only PostgreSQL has, saying why.
func postgresOnly(tb testing.TB, why string) {
	tb.Helper()
	if backend != "postgres" {
		tb.Skip(why)
	}
}

// pgDatabases maps the file paths tests pick to databases, so a test that
// reopens "the same file" reopens the same database.
var pgDatabases sync.Map

func pgURLFor(tb testing.TB, path string) string {
	if url, ok := pgDatabases.Load(path); ok {
		return url.(string)
	}
	url := pgtest.StartPostgres(tb)
	pgDatabases.Store(path, url)
	return url
}

// MustOpenStore opens a store on a fresh file in tb's temp dir (a fresh
// database on the PostgreSQL run).
func MustOpenStore(tb testing.TB, opts ...func(*Options)) (*Store, *recorder) {
	tb.Helper()
	rec := &recorder{}
	o := Options{Path: filepath.Join(tb.TempDir(), "test.db"), Feed: rec}
	for _, f := range opts {
		f(&o)
	}
	if backend == "postgres" && !IsPostgres(o.Path) {
		o.Path = pgURLFor(tb, o.Path)
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

func withPath(path string) func(*Options) { return func(o *Options) { o.Path = path } }

func withRetention(n int64) func(*Options) { return func(o *Options) { o.Retention = n } }

// withSyncNormal skips the fsync per commit; tests that only need many
// commits, not durability, use it to stay fast on slow disks.
func withSyncNormal() func(*Options) { return func(o *Options) { o.Synchronous = SyncNormal } }

func mustMutate(tb testing.TB, s *Store, m models.Mutation) Result {
	tb.Helper()
	return mustMutateAs(tb, s, Origin{}, m)
}

func mustMutateAs(tb testing.TB, s *Store, origin Origin, m models.Mutation) Result {
	tb.Helper()
	res, err := s.Mutate(context.Background(), origin, m)
	if err != nil {
		tb.Fatalf("%T: %v", m, err)
	}
	return res
}

func mustState(tb testing.TB, s *Store) models.State {
	tb.Helper()
	st, err := s.State(context.Background())
	if err != nil {
		tb.Fatalf("state: %v", err)
	}
	return st
}

func mustEvents(tb testing.TB, s *Store, since int64) []models.Event {
	tb.Helper()
	evs, err := s.EventsSince(context.Background(), since, 1<<30)
	if err != nil {
		tb.Fatalf("events since %d: %v", since, err)
	}
	return evs
}

// wantError checks that err is an *Error with the given code and field; the
// contract's clients act on both, so either being off is a bug.
func wantError(tb testing.TB, err error, code models.Code, field string) *models.Error {
	tb.Helper()
	var e *models.Error
	if !errors.As(err, &e) {
		tb.Fatalf("error = %v (%T), want *Error with code %s", err, err, code)
	}
	if e.Code != code || e.Field != field {
		tb.Fatalf("error = %+v, want code %q field %q", e, code, field)
	}
	if e.Message == "" {
		tb.Errorf("error %q has no message", code)
	}
	return e
}

// decodeData decodes an ack's or event's data strictly, so a renamed or
// extra JSON field in a record shows up as a failure.
func decodeData[T any](tb testing.TB, data []byte) T {
	tb.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		tb.Fatalf("decode %T from %s: %v", v, data, err)
	}
	return v
}

// checkTimestamps checks the contract's timestamp form on a record's JSON:
// RFC 3339, in UTC (a "Z" suffix, not an offset).
func checkTimestamps(tb testing.TB, data []byte) {
	tb.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		tb.Fatalf("decode %s: %v", data, err)
	}
	for _, k := range []string{"created_at", "updated_at"} {
		var s string
		if err := json.Unmarshal(m[k], &s); err != nil {
			tb.Fatalf("%s in %s is not a string: %v", k, data, err)
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			tb.Errorf("%s = %q is not RFC 3339: %v", k, s, err)
		}
		if !strings.HasSuffix(s, "Z") {
			tb.Errorf("%s = %q is not in UTC", k, s)
		}
	}
}

// checkJSON checks that got encodes to exactly want. Comparing a record read
// back from the database with an ack this way shows that the ack never claims
// something that was not written, down to the timestamps' encoding.
func checkJSON(tb testing.TB, got any, want []byte) {
	tb.Helper()
	b, err := json.Marshal(got)
	if err != nil {
		tb.Fatal(err)
	}
	if string(b) != string(want) {
		tb.Errorf("got  %s\nwant %s", b, want)
	}
}

// checkPublished checks that a mutation published exactly one event, that it
// matches the ack (the clients' copy must equal the sender's) and that the
// durable log holds the same event, because resuming clients read the log.
func checkPublished(tb testing.TB, s *Store, got []models.Event, res Result, typ string) models.Event {
	tb.Helper()
	if len(got) != 1 {
		tb.Fatalf("published %d events, want 1: %+v", len(got), got)
	}
	ev := got[0]
	if ev.Type != typ || ev.Seq != res.Seq || string(ev.Data) != string(res.Data) {
		tb.Errorf("event = {%s %d %s}, want {%s %d %s}", ev.Type, ev.Seq, ev.Data, typ, res.Seq, res.Data)
	}
	if s.Seq() != res.Seq {
		tb.Errorf("store seq = %d, want %d", s.Seq(), res.Seq)
	}
	checkLogged(tb, s, ev)
	return ev
}

// checkLogged checks that the durable log holds ev as it was published.
func checkLogged(tb testing.TB, s *Store, ev models.Event) {
	tb.Helper()
	evs, err := s.EventsSince(context.Background(), ev.Seq-1, 1)
	if err != nil {
		tb.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Seq != ev.Seq || evs[0].Type != ev.Type || string(evs[0].Data) != string(ev.Data) {
		tb.Errorf("log at seq %d = %+v, want %+v", ev.Seq, evs, ev)
	}
}

// checkConsecutive checks that seqs run from first without gaps or repeats.
func checkConsecutive(tb testing.TB, what string, evs []models.Event, first int64) {
	tb.Helper()
	for i, ev := range evs {
		if want := first + int64(i); ev.Seq != want {
			tb.Fatalf("%s: event %d has seq %d, want %d", what, i, ev.Seq, want)
		}
	}
}

func checkSameState(tb testing.TB, before, after models.State) {
	tb.Helper()
	if !reflect.DeepEqual(before, after) {
		tb.Errorf("state changed:\nbefore %+v\nafter  %+v", before, after)
	}
}

// blockWriter parks the writer goroutine inside a reply callback until the
// returned release is called. Everything submitted meanwhile queues up and is
// taken as one batch (up to MaxBatch) afterwards, which makes group commit
// deterministic in tests. The parking mutation fails with not_found, so it
// writes nothing, but like every batch it is followed by a pruning step.
func blockWriter(tb testing.TB, s *Store) (release func()) {
	tb.Helper()
	return parkWriter(tb, s, false)
}

// parkWriter is blockWriter with the parked batch ordered or not (see
// inOrder): on PostgreSQL an ordered one holds only the shared batch lock,
// so it holds up no batch of another instance but one that must run alone.
func parkWriter(tb testing.TB, s *Store, ordered bool) (release func()) {
	tb.Helper()
	park := &parkMutation{parked: make(chan struct{}), unpark: make(chan struct{})}
	if err := s.enqueue(&request{apply: park.apply, ordered: ordered, done: func(Result, error) {}}); err != nil {
		tb.Fatalf("park writer: %v", err)
	}
	waitClosed(tb, park.parked, "writer to park")
	var once sync.Once
	release = func() { once.Do(func() { close(park.unpark) }) }
	tb.Cleanup(release)
	return release
}

// submission is one request of a test's batch; submitted is its reply.
type submission struct {
	origin Origin
	m      models.Mutation
}

type submitted struct {
	res Result
	err error
}

// submitBatch submits subs while the writer is parked, so that they are
// one group commit (up to MaxBatch), and returns their replies in order.
func submitBatch(tb testing.TB, s *Store, subs []submission) []submitted {
	tb.Helper()
	release := blockWriter(tb, s)
	outs := make([]chan submitted, len(subs))
	for i, sub := range subs {
		outs[i] = make(chan submitted, 1)
		if err := s.Submit(sub.origin, sub.m, func(r Result, err error) { outs[i] <- submitted{r, err} }); err != nil {
			tb.Fatalf("submit %d (%T): %v", i, sub.m, err)
		}
	}
	release()
	replies := make([]submitted, len(subs))
	for i := range outs {
		select {
		case replies[i] = <-outs[i]:
		case <-time.After(10 * time.Second):
			tb.Fatalf("timed out waiting for reply %d (%T)", i, subs[i].m)
		}
	}
	return replies
}

// parkMutation holds the writer goroutine inside its transaction until
// unparked, then fails without writing: the writer does nothing else
// (no pruning, no other batch) while it is parked.
type parkMutation struct{ parked, unpark chan struct{} }

func (p *parkMutation) apply(*txn) (change, error) {
	close(p.parked)
	<-p.unpark
	return change{}, models.Errorf(models.CodeNotFound, "id", "parked")
}

// waitClosed waits for ch with a deadline so a lost wake-up fails the test
// instead of hanging it.
func waitClosed(tb testing.TB, ch <-chan struct{}, what string) {
	tb.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		tb.Fatalf("timed out waiting for %s", what)
	}
}

func ptr[T any](v T) *T { return &v }

// The typed reads below go through Query, the one read path, so the tests
// exercise what both transports use.

// queryAs runs q and returns its answer as T (the zero T with an error).
func queryAs[T any](ctx context.Context, s *Store, q models.Query, args models.Args) (T, error) {
	v, err := s.Query(ctx, q, args)
	t, _ := v.(T)
	return t, err
}

func (s *Store) Items(ctx context.Context) ([]models.Item, error) {
	l, err := queryAs[models.ItemList](ctx, s, models.QueryItemList, models.Args{})
	return l.Items, err
}

func (s *Store) Item(ctx context.Context, id int64) (models.Item, error) {
	return queryAs[models.Item](ctx, s, models.QueryItemGet, models.Args{ID: id})
}

func (s *Store) Scores(ctx context.Context) ([]models.Score, error) {
	l, err := queryAs[models.ScoreList](ctx, s, models.QueryScoreList, models.Args{})
	return l.Scores, err
}

func (s *Store) Score(ctx context.Context, id int64) (models.Score, error) {
	return queryAs[models.Score](ctx, s, models.QueryScoreGet, models.Args{ID: id})
}

// checkUpdateCommitted checks what every update does, whatever it changes:
// it takes the next seq, keeps created_at, moves updated_at on, and
// publishes its event. Timestamps are {created_at, updated_at}.
func checkUpdateCommitted(tb testing.TB, s *Store, published []models.Event, res Result, seq int64, typ string, before, after [2]time.Time) {
	tb.Helper()
	if res.Seq != seq+1 {
		tb.Errorf("seq = %d, want %d", res.Seq, seq+1)
	}
	if !after[0].Equal(before[0]) || after[1].Before(before[1]) {
		tb.Errorf("timestamps %v/%v after update of %v/%v", after[0], after[1], before[0], before[1])
	}
	checkTimestamps(tb, res.Data)
	checkPublished(tb, s, published, res, typ)
}

// checkDeleteCommitted checks what every delete does, whatever it removes:
// it takes the next seq, acks with the id alone, and publishes its event.
func checkDeleteCommitted(tb testing.TB, s *Store, published []models.Event, res Result, seq, id int64, typ string) {
	tb.Helper()
	if res.Seq != seq+1 {
		tb.Errorf("seq = %d, want %d", res.Seq, seq+1)
	}
	if d := decodeData[models.Deleted](tb, res.Data); d.ID != id {
		tb.Errorf("ack data = %s, want id %d", res.Data, id)
	}
	checkPublished(tb, s, published, res, typ)
}

// countStatements counts the statements db sends from now on whose SQL
// starts with prefix. Call it while the writer is parked (blockWriter): a
// callback registered while a statement runs would race with it.
func countStatements(tb testing.TB, db *gorm.DB, prefix string) *atomic.Int64 {
	tb.Helper()
	var n atomic.Int64
	count := func(tx *gorm.DB) {
		if strings.HasPrefix(tx.Statement.SQL.String(), prefix) {
			n.Add(1)
		}
	}
	name := "test:count " + prefix
	if err := db.Callback().Raw().After("gorm:raw").Register(name, count); err != nil {
		tb.Fatal(err)
	}
	if err := db.Callback().Row().After("gorm:row").Register(name, count); err != nil {
		tb.Fatal(err)
	}
	return &n
}
