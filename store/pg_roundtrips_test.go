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

// statementLog records every round trip of the writer's connections to
// PostgreSQL, in the order they were sent (a pgx.QueryTracer and
// pgx.BatchTracer): a statement, or a pipeline of statements (a pgx
// batch), recorded as their texts joined by "; ".
type statementLog struct {
	mu   sync.Mutex
	sent []sentStatement
}

type sentStatement struct {
	conn *pgx.Conn
	sql  string
}

func (l *statementLog) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent = append(l.sent, sentStatement{conn, strings.Join(strings.Fields(data.SQL), " ")})
	return ctx
}

func (l *statementLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (l *statementLog) TraceBatchStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	var texts []string
	for _, q := range data.Batch.QueuedQueries {
		texts = append(texts, strings.Join(strings.Fields(q.SQL), " "))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent = append(l.sent, sentStatement{conn, strings.Join(texts, "; ")})
	return ctx
}

func (l *statementLog) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (l *statementLog) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// transactions are the round trips of every committed transaction, begin
// and commit included, in the order the transactions committed.
func (l *statementLog) transactions() [][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var txs [][]string
	open := make(map[*pgx.Conn][]string)
	for _, st := range l.sent {
		cur, ok := open[st.conn]
		switch {
		case strings.HasPrefix(strings.ToLower(st.sql), "begin"):
			open[st.conn] = []string{st.sql}
			if strings.HasSuffix(strings.ToLower(st.sql), "; commit") {
				txs = append(txs, open[st.conn])
				delete(open, st.conn)
			}
		case ok:
			cur = append(cur, st.sql)
			open[st.conn] = cur
			if last := st.sql[strings.LastIndex(st.sql, ";")+1:]; strings.EqualFold(strings.TrimSpace(last), "commit") {
				txs = append(txs, cur)
				delete(open, st.conn)
			}
		}
	}
	return txs
}

// TestBatchRoundTripsPostgres: a group commit on PostgreSQL makes the same
// four round trips however many mutations, items, scores, events and
// outcomes it has: it begins with the batch lock, looks up its outcomes,
// reads and locks its items and scores and takes its new items' ids up
// front, in one statement, applies in memory, and writes everything in
// one statement at its end, which commits. The batch below has 40
// increments over 3 scores, 10 item updates, 4 item creates, 10 mutations
// remembered under a client id, and failures between them.
func TestBatchRoundTripsPostgres(t *testing.T) {
	postgresOnly(t, "PostgreSQL only: counts round trips")
	log := &statementLog{}
	s, _ := MustOpenStore(t, withSyncNormal(), func(o *Options) { o.pgTracer = log })

	var ms []models.Mutation
	var origins []Origin
	add := func(o Origin, m models.Mutation) { ms, origins = append(ms, m), append(origins, o) }
	for i := range 40 {
		add(Origin{}, &models.IncrementScore{ID: int64(i%3 + 1), By: 1})
		if i%4 == 0 {
			add(Origin{Client: "roundtrips-client-0001", RequestID: fmt.Sprint("u", i), Remember: true},
				&models.UpdateItem{ID: int64(i%5 + 1), Name: ptr("renamed")})
		}
		if i%10 == 1 {
			add(Origin{}, &models.CreateItem{Name: "new"})
		}
		if i%10 == 2 {
			// Failures: a missing score, a stale item version.
			add(Origin{}, &models.IncrementScore{ID: 999, By: 1})
			add(Origin{}, &models.UpdateItem{ID: 1, Version: ptr[int64](999), Name: ptr("x")})
		}
	}

	release := blockWriter(t, s)
	earlier := len(log.transactions())
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
	for _, tx := range log.transactions()[earlier:] {
		if len(tx) > len(batch) {
			batch = tx
		}
	}
	// begin with the batch lock (shared: every mutation here is ordered;
	// the counter's lock is taken in the tail), the outcome lookup, the
	// items, the new items' ids and the scores in one statement, the tail
	// with the commit.
	if want := 4; len(batch) != want {
		t.Errorf("the batch made %d round trips, want %d:\n%s", len(batch), want, strings.Join(batch, "\n"))
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
	if last := batch[len(batch)-1]; !strings.HasPrefix(last, "WITH s AS (") || !strings.HasSuffix(last, "; COMMIT") {
		t.Errorf("the batch's last round trip is not the tail with the commit: %s", last)
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

// TestPrefetchTakesIDsOnlyForCreatesThatApply: a batch on PostgreSQL takes
// its item creates' ids from the sequence up front, but none for a create
// that will not apply (invalid, or the repeat of a remembered outcome), so
// ids follow on from batch to batch as they do on SQLite.
func TestPrefetchTakesIDsOnlyForCreatesThatApply(t *testing.T) {
	postgresOnly(t, "PostgreSQL only: ids taken up front")
	s, _ := MustOpenStore(t, withSyncNormal())
	first := Origin{Client: "prefetch-client-0001", RequestID: "r1", Remember: true}
	invalid := Origin{Client: "prefetch-client-0001", RequestID: "r2", Remember: true}
	batches := [][]struct {
		origin Origin
		m      models.Mutation
		id     int64 // the created item's id; 0: the create fails
	}{
		{{first, &models.CreateItem{Name: "a"}, 6}, {invalid, &models.CreateItem{Name: ""}, 0}, {Origin{}, &models.CreateItem{Name: "b"}, 7}},
		{{first, &models.CreateItem{Name: "a"}, 6}, {Origin{}, &models.CreateItem{Name: "c"}, 8}},
		{{Origin{}, &models.CreateItem{Name: "d"}, 9}},
	}
	for bi, batch := range batches {
		subs := make([]submission, len(batch))
		for i, st := range batch {
			subs[i] = submission{st.origin, st.m}
		}
		for i, o := range submitBatch(t, s, subs) {
			if batch[i].id == 0 {
				wantError(t, o.err, models.CodeInvalid, "name")
				continue
			}
			if o.err != nil {
				t.Fatalf("batch %d, create %d: %v", bi+1, i, o.err)
			}
			if got := decodeData[models.Item](t, o.res.Data).ID; got != batch[i].id {
				t.Errorf("batch %d, create %d: id %d, want %d", bi+1, i, got, batch[i].id)
			}
		}
	}
}
