package store

import (
	"context"
	"testing"

	"livedash/models"
)

// benchEachSync runs bench once per synchronous mode, on a fresh store in
// that mode, counting allocations.
func benchEachSync(b *testing.B, bench func(b *testing.B, s *Store)) {
	for _, mode := range []string{SyncFull, SyncNormal} {
		b.Run("sync="+mode, func(b *testing.B) {
			s, _ := MustOpenStore(b, func(o *Options) { o.Synchronous = mode })
			b.ReportAllocs()
			bench(b, s)
		})
	}
}

// commitIncrement commits the increment both benchmarks measure.
func commitIncrement(s *Store) error {
	_, err := s.Mutate(context.Background(), Origin{}, &models.IncrementScore{ID: 1, By: 1})
	return err
}

// BenchmarkStoreCommit measures one client committing increments back to
// back: every Mutate is its own transaction (and fsync under FULL), so this is
// the latency floor of a single mutation.
func BenchmarkStoreCommit(b *testing.B) {
	benchEachSync(b, func(b *testing.B, s *Store) {
		for b.Loop() {
			if err := commitIncrement(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStoreCommitParallel measures many clients at once, where group
// commit should amortise each transaction over the whole queue.
func BenchmarkStoreCommitParallel(b *testing.B) {
	benchEachSync(b, func(b *testing.B, s *Store) {
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := commitIncrement(s); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
