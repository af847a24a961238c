package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"livedash/models"
)

// statementLog records, per connection, every statement the writer's
// connections send to PostgreSQL (a pgx.QueryTracer): each is a round trip.
type statementLog struct {
	mu     sync.Mutex
	byConn map[*pgx.Conn][]string
}

func (l *statementLog) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byConn == nil {
		l.byConn = make(map[*pgx.Conn][]string)
	}
	l.byConn[conn] = append(l.byConn[conn], strings.Join(strings.Fields(data.SQL), " "))
	return ctx
}

func (l *statementLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// transactions are the statements of every committed transaction, begin
// and commit included, in the order each connection sent them.
func (l *statementLog) transactions() [][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var txs [][]string
	for _, stmts := range l.byConn {
		var cur []string
		for _, q := range stmts {
			switch {
			case strings.HasPrefix(strings.ToLower(q), "begin"):
				cur = []string{q}
			case cur != nil:
				cur = append(cur, q)
				if strings.EqualFold(q, "commit") {
					txs = append(txs, cur)
					cur = nil
				}
			}
		}
	}
	return txs
}

// TestBatchRoundTripsPostgres: a group commit on PostgreSQL sends a fixed
// number of statements for its tail however many mutations, scores,
// events and outcomes it has: the merged scores, the counter, the events,
// the outcomes and the pruning are one statement, not one per score and
// one each. The batch below has 40 increments over 3 scores, 6 item
// updates and 4 item creates, 10 of them remembered under a client id, and
// failures between them.
func TestBatchRoundTripsPostgres(t *testing.T) {
	if backend != "postgres" {
		t.Skip("PostgreSQL only: counts round trips")
	}
	log := &statementLog{}
	s, _ := MustOpenStore(t, withSyncNormal(), func(o *Options) { o.pgTracer = log })

	// want counts the statements the batch may send besides its fixed
	// ones: one per item mutation, one per first increment of a score, two
	// for a failure (the statement that found nothing, then the read that
	// says why).
	var ms []models.Mutation
	var origins []Origin
	want, seen := 0, map[int64]bool{}
	add := func(o Origin, m models.Mutation, statements int) {
		ms, origins, want = append(ms, m), append(origins, o), want+statements
	}
	for i := range 40 {
		id := int64(i%3 + 1)
		add(Origin{}, &models.IncrementScore{ID: id, By: 1}, map[bool]int{false: 1, true: 0}[seen[id]])
		seen[id] = true
		if i%4 == 0 {
			add(Origin{Client: "roundtrips-client-0001", RequestID: fmt.Sprint("u", i), Remember: true},
				&models.UpdateItem{ID: int64(i%5 + 1), Name: ptr("renamed")}, 1)
		}
		if i%10 == 1 {
			add(Origin{}, &models.CreateItem{Name: "new"}, 1)
		}
		if i%10 == 2 {
			add(Origin{}, &models.IncrementScore{ID: 999, By: 1}, 2)
			add(Origin{}, &models.UpdateItem{ID: 1, Version: ptr[int64](999), Name: ptr("x")}, 2)
		}
	}

	release := blockWriter(t, s)
	errs := make(chan error, len(ms))
	for i, m := range ms {
		if err := s.Submit(origins[i], m, func(_ Result, err error) { errs <- err }); err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
	}
	release()
	failed := 0
	for range ms {
		select {
		case err := <-errs:
			if err != nil {
				failed++
			}
		case <-time.After(10 * time.Second):
			t.Fatal("timed out waiting for the batch's replies")
		}
	}
	if failed != 8 {
		t.Fatalf("%d mutations failed, want the 8 made to fail", failed)
	}

	var batch []string
	for _, tx := range log.transactions() {
		if len(tx) > len(batch) {
			batch = tx
		}
	}
	// begin, the counter's lock, the outcome lookup, the mutations', the
	// tail, commit.
	want += 3 + 2
	if len(batch) != want {
		t.Errorf("the batch sent %d statements, want %d:\n%s", len(batch), want, strings.Join(batch, "\n"))
	}
	tails := 0
	for _, q := range batch {
		if strings.HasPrefix(q, "WITH s AS (") {
			tails++
		}
	}
	if tails != 1 {
		t.Errorf("the batch sent %d tail statements, want 1", tails)
	}
	// The tail wrote what the replies said: the merged sums, the events and
	// the outcomes.
	st := mustState(t, s)
	for _, sc := range st.Scores {
		if want := map[int64]int64{1: 42 + 14, 2: 35 + 13, 3: 28 + 13}[sc.ID]; want != 0 && sc.Points != want {
			t.Errorf("score %d has %d points, want %d", sc.ID, sc.Points, want)
		}
	}
	evs := mustEvents(t, s, 0)
	checkConsecutive(t, "events", evs, 1)
	if got, want := len(evs), 1+len(ms)-failed; got != want {
		t.Errorf("%d events in the log, want %d", got, want)
	}
	var outcomes int64
	if err := s.write.Model(&models.Outcome{}).Count(&outcomes).Error; err != nil {
		t.Fatal(err)
	}
	if outcomes != 10 {
		t.Errorf("%d outcomes stored, want the 10 remembered", outcomes)
	}
}
