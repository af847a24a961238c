package store

import (
	"context"
	"testing"

	"livedash/models"
)

// BenchmarkStoreCommit measures one client committing increments back to
// back: every Mutate is its own transaction (and fsync under FULL), so this is
// the latency floor of a single mutation.
func BenchmarkStoreCommit(b *testing.B) {
	for _, mode := range []string{SyncFull, SyncNormal} {
		b.Run("sync="+mode, func(b *testing.B) {
			s, _ := MustOpenStore(b, func(o *Options) { o.Synchronous = mode })
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Mutate(ctx, Origin{}, &models.IncrementScore{ID: 1, By: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStoreCommitParallel measures many clients at once, where group
// commit should amortise each transaction over the whole queue.
func BenchmarkStoreCommitParallel(b *testing.B) {
	for _, mode := range []string{SyncFull, SyncNormal} {
		b.Run("sync="+mode, func(b *testing.B) {
			s, _ := MustOpenStore(b, func(o *Options) { o.Synchronous = mode })
			ctx := context.Background()
			b.ReportAllocs()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.Mutate(ctx, Origin{}, &models.IncrementScore{ID: 1, By: 1}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
