package store

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"livedash/models"
)

// checkRetained checks what resuming clients depend on: the log ends at the
// latest seq, has no holes, keeps at least the last retention events and
// is pruned down to within one chunk of it.
func checkRetained(tb testing.TB, s *Store, retention int64) []models.Event {
	tb.Helper()
	// The writer prunes after it has replied, so a reply alone does not mean
	// the pruning for that batch is done; a parked writer does.
	release := blockWriter(tb, s)
	evs := mustEvents(tb, s, 0)
	release()
	n := int64(len(evs))
	if n == 0 {
		tb.Fatal("log is empty")
	}
	if last := evs[n-1].Seq; last != s.Seq() {
		tb.Errorf("last logged seq = %d, want %d", last, s.Seq())
	}
	if n < min(retention, s.Seq()) || n > retention+pruneChunk {
		tb.Errorf("log holds %d events, want %d..%d", n, min(retention, s.Seq()), retention+pruneChunk)
	}
	checkConsecutive(tb, "log", evs, evs[0].Seq)
	return evs
}

// TestPruneEvents prunes a small retention under a heavy load: the writer
// runs batches ahead of the publisher (which on PostgreSQL also reads the
// log when its own NOTIFY wakes it), yet every event must reach the feed,
// in order, with no gap and no Lost.
func TestPruneEvents(t *testing.T) {
	const retention, mutations = 50, 3000
	s, rec := MustOpenStore(t, withRetention(retention), withSyncNormal())

	// Submitted without waiting, so batches of all sizes reach the writer.
	var wg sync.WaitGroup
	errs := make(chan error, mutations)
	for i := range mutations {
		wg.Add(1)
		err := s.Submit(Origin{}, &models.IncrementScore{ID: int64(1 + i%6), By: 1}, func(_ Result, err error) {
			if err != nil {
				errs <- err
			}
			wg.Done()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	replied := make(chan struct{})
	go func() { wg.Wait(); close(replied) }()
	waitClosed(t, replied, "every mutation's reply")
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// Every sender is answered after its event was published, so the feed
	// has them all by now.
	if lost := rec.gaps(); len(lost) > 0 {
		t.Fatalf("the publisher lost events (after, next): %v", lost)
	}
	published := rec.all()
	checkConsecutive(t, "published", published, 1)
	if n := int64(len(published)); n != 1+mutations {
		t.Fatalf("published %d events, want %d", n, 1+mutations)
	}
	if s.Seq() != 1+mutations {
		t.Fatalf("seq = %d, want %d", s.Seq(), 1+mutations)
	}
	evs := checkRetained(t, s, retention)
	for _, ev := range evs {
		if pub := published[ev.Seq-1]; string(pub.Data) != string(ev.Data) {
			t.Errorf("retained seq %d = %s, published %s", ev.Seq, ev.Data, pub.Data)
		}
	}
	if st := mustState(t, s); st.Seq != s.Seq() {
		t.Errorf("state seq = %d after pruning, want %d", st.Seq, s.Seq())
	}
}

// A large backlog (say, after lowering the retention) must be worked off one
// chunk per batch, so pruning never stalls the writer for long.
func TestPruneEventsBacklogInChunks(t *testing.T) {
	const retention, backlog = 50, 2600
	path := filepath.Join(t.TempDir(), "backlog.db")
	s, _ := MustOpenStore(t, withPath(path), withSyncNormal())
	var wg sync.WaitGroup
	for range backlog {
		wg.Add(1)
		if err := s.Submit(Origin{}, &models.IncrementScore{ID: 1, By: 1}, func(Result, error) { wg.Done() }); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, _ = MustOpenStore(t, withPath(path), withRetention(retention), withSyncNormal())
	// Every batch, even one whose only mutation fails, is followed by one
	// pruning step; the parking mutation of blockWriter is such a batch, and
	// while the writer is parked the previous step is complete.
	want := int64(1 + backlog)
	for step := 1; ; step++ {
		release := blockWriter(t, s)
		evs := mustEvents(t, s, 0)
		release()
		if int64(len(evs)) != want {
			t.Fatalf("before pruning step %d the log holds %d events, want %d", step, len(evs), want)
		}
		checkConsecutive(t, "log", evs, 1+backlog+1-want)
		if want == retention {
			break
		}
		if step > 10 {
			t.Fatalf("log still holds %d events after %d steps", want, step)
		}
		want = max(retention, want-pruneChunk)
	}
	res := mustMutate(t, s, &models.IncrementScore{ID: 2, By: 1})
	if res.Seq != 1+backlog+1 {
		t.Errorf("next seq = %d, want %d", res.Seq, 1+backlog+1)
	}
	checkRetained(t, s, retention)
}

func TestPruneOutcomes(t *testing.T) {
	const old, fresh = 2500, 10
	s, _ := MustOpenStore(t)
	now := time.Now().UTC()
	rows := make([]models.Outcome, 0, old+fresh)
	for i := range old {
		// Distinct times, older than the default 24 h TTL.
		rows = append(rows, models.Outcome{Client: "old", RequestID: fmt.Sprint(i), Reply: []byte(`{}`),
			CreatedAt: now.Add(-48*time.Hour + time.Duration(i)*time.Millisecond)})
	}
	for i := range fresh {
		rows = append(rows, models.Outcome{Client: "fresh", RequestID: fmt.Sprint(i), Reply: []byte(`{}`),
			CreatedAt: now.Add(-time.Duration(i) * time.Minute)})
	}
	if err := s.write.CreateInBatches(rows, 200).Error; err != nil {
		t.Fatal(err)
	}
	countOf := func(client string) int64 {
		var n int64
		if err := s.read.Model(&models.Outcome{}).Where("client = ?", client).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}

	// One chunk per call, oldest first, reporting whether more are due.
	wantLeft := []int64{old - pruneChunk, old - 2*pruneChunk, 0}
	for i, want := range wantLeft {
		more := s.pruneOutcomes()
		if got := countOf("old"); got != want {
			t.Fatalf("after call %d, %d expired outcomes left, want %d", i+1, got, want)
		}
		if wantMore := i < len(wantLeft)-1; more != wantMore {
			t.Errorf("call %d reported more due = %v, want %v", i+1, more, wantMore)
		}
	}
	if got := countOf("fresh"); got != fresh {
		t.Errorf("%d fresh outcomes left, want %d", got, fresh)
	}
	if more := s.pruneOutcomes(); more {
		t.Error("nothing expired, yet more reported due")
	}

	// A remembered reply younger than the TTL still works after pruning.
	first := mustMutateAs(t, s, remembered, &models.IncrementScore{ID: 1, By: 1})
	s.pruneOutcomes()
	if again := mustMutateAs(t, s, remembered, &models.IncrementScore{ID: 1, By: 1}); again.Seq != first.Seq {
		t.Errorf("repeat after pruning got seq %d, want %d", again.Seq, first.Seq)
	}
}
