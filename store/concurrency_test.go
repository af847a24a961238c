package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"livedash/models"
)

// Only +1 increments happen after the snapshot "base", so in any consistent
// snapshot the points gained equal the seqs gained. A snapshot that read the
// seq and the scores at different moments breaks that equation.
func TestStateConsistentDuringWrites(t *testing.T) {
	const writers, each, readers = 4, 100, 3
	s, _ := MustOpenStore(t)
	ctx := context.Background()
	base := mustState(t, s)
	sum := func(st models.State) (n int64) {
		for _, sc := range st.Scores {
			n += sc.Points
		}
		return n
	}

	var writing sync.WaitGroup
	var done atomic.Bool
	for w := range writers {
		writing.Add(1)
		go func() {
			defer writing.Done()
			for i := range each {
				id := int64(1 + (w+i)%len(base.Scores))
				if _, err := s.Mutate(ctx, Origin{}, &models.IncrementScore{ID: id, By: 1}); err != nil {
					t.Errorf("increment: %v", err)
					return
				}
			}
		}()
	}
	var reading sync.WaitGroup
	var reads, midway atomic.Int64
	for range readers {
		reading.Add(1)
		go func() {
			defer reading.Done()
			last := base.Seq
			for !done.Load() {
				st, err := s.State(ctx)
				if err != nil {
					t.Errorf("state during writes: %v", err)
					return
				}
				if got, want := sum(st)-sum(base), st.Seq-base.Seq; got != want {
					t.Errorf("snapshot at seq %d has gained %d points, want %d", st.Seq, got, want)
					return
				}
				if st.Seq < last {
					t.Errorf("snapshot seq went back from %d to %d", last, st.Seq)
				}
				if len(st.Items) != len(base.Items) || st.Epoch != base.Epoch {
					t.Errorf("snapshot changed items or epoch: %+v", st)
				}
				last = st.Seq
				reads.Add(1)
				if st.Seq > base.Seq && st.Seq < base.Seq+writers*each {
					midway.Add(1)
				}
			}
		}()
	}
	writing.Wait()
	done.Store(true)
	reading.Wait()

	if final := mustState(t, s); final.Seq != base.Seq+writers*each || sum(final)-sum(base) != writers*each {
		t.Errorf("final state seq %d with %d points gained, want %d and %d",
			final.Seq, sum(final)-sum(base), base.Seq+writers*each, writers*each)
	}
	// Without snapshots taken while writes were under way the test proves
	// nothing, so it must not pass silently.
	if midway.Load() == 0 {
		t.Errorf("none of %d reads saw a partly written state", reads.Load())
	}
	t.Logf("%d reads, %d during writes", reads.Load(), midway.Load())
}
