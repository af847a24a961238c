package store

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"livedash/models"
)

// fillLog commits n mutations through the writer, a demo day's mix: most are
// increments spread over the six demo players, the rest item updates (with
// their before values) over fifty items. It returns the id of one item.
func fillLog(tb testing.TB, s *Store, n int) int64 {
	tb.Helper()
	var items []int64
	for i := range 50 {
		items = append(items, recordID(tb, mustMutate(tb, s, &models.CreateItem{Name: fmt.Sprintf("Item %d", i), Description: "a shelf in room 2"}).Data))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	for i := range n - 50 {
		var m models.Mutation = &models.IncrementScore{ID: int64(i%6 + 1), By: 1}
		if i%10 < 3 {
			m = &models.UpdateItem{ID: items[i%len(items)], Name: ptr(fmt.Sprintf("Item %d rev %d", i%len(items), i))}
		}
		wg.Add(1)
		err := s.Submit(Origin{Client: "bench-client-0001", Name: "Bench"}, m, func(_ Result, err error) {
			defer wg.Done()
			if err != nil {
				select {
				case errs <- err:
				default:
				}
			}
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	wg.Wait()
	select {
	case err := <-errs:
		tb.Fatal(err)
	default:
	}
	return items[0]
}

// BenchmarkHistory reads one record's history (the default limit of 100)
// with 100,000 events in the log: an index lookup, whatever the log's size.
// It also reports the database's size with that log.
func BenchmarkHistory(b *testing.B) {
	sqliteOnly(b) // it sizes and checkpoints the SQLite file
	const events = 100_000
	path := b.TempDir() + "/bench.db"
	s, _ := MustOpenStore(b, withPath(path), withSyncNormal(), withRetention(events))
	item := fillLog(b, s, events)
	if s.Seq() < events {
		b.Fatalf("log has %d events, want %d", s.Seq(), events)
	}
	if err := s.write.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error; err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("database with %d events: %.1f MB", s.Seq(), float64(fi.Size())/1e6)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		q    models.Query
		id   int64
	}{
		{"item", models.QueryItemHistory, item},
		{"score", models.QueryScoreHistory, 1},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				v, err := s.Query(ctx, tc.q, models.Args{ID: tc.id})
				if err != nil {
					b.Fatal(err)
				}
				if n := len(v.(models.History).Events); n == 0 {
					b.Fatal("empty history")
				}
			}
			b.ReportMetric(float64(fi.Size())/1e6, "db-MB")
		})
	}
}
