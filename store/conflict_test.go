package store

import (
	"context"
	"strings"
	"sync"
	"testing"

	"livedash/models"
)

// Two clients edit the same record from the same version at the same time:
// exactly one must win and the other must be told the version moved on.
func TestConcurrentUpdatesFromSameVersion(t *testing.T) {
	tests := []struct {
		name  string
		mut   func(i int) models.Mutation
		kind  string
		event string // published by the winner
		// goneIfFirstWins: mutation 0 deletes the record, so if it wins the
		// other finds nothing to update rather than a newer version.
		goneIfFirstWins bool
	}{
		{name: "item", kind: "item 1", event: "item.updated", mut: func(i int) models.Mutation {
			return &models.UpdateItem{ID: 1, Version: ptr[int64](1), Name: ptr(strings.Repeat("x", i+1))}
		}},
		{name: "score", kind: "score 1", event: "score.updated", mut: func(i int) models.Mutation {
			return &models.UpdateScore{ID: 1, Version: ptr[int64](1), Points: ptr(int64(100 + i))}
		}},
		{name: "item delete against update", kind: "item 1", event: "item.updated", goneIfFirstWins: true, mut: func(i int) models.Mutation {
			if i == 0 {
				return &models.DeleteItem{ID: 1, Version: ptr[int64](1)}
			}
			return &models.UpdateItem{ID: 1, Version: ptr[int64](1), Name: ptr("y")}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, rec := MustOpenStore(t)
			n := rec.len()
			results := make([]Result, 2)
			errs := make([]error, 2)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i], errs[i] = s.Mutate(context.Background(), Origin{}, tt.mut(i))
				}()
			}
			close(start)
			wg.Wait()

			winner, loser := 0, 1
			if errs[0] != nil {
				winner, loser = 1, 0
			}
			if errs[winner] != nil {
				t.Fatalf("both failed: %v / %v", errs[0], errs[1])
			}
			if tt.goneIfFirstWins && winner == 0 {
				wantError(t, errs[loser], models.CodeNotFound, "id")
				checkPublished(t, s, rec.since(n), results[winner], "item.deleted")
				return
			}
			e := wantError(t, errs[loser], models.CodeConflict, "version")
			if !strings.Contains(e.Message, tt.kind) {
				t.Errorf("message %q does not name %s", e.Message, tt.kind)
			}
			checkPublished(t, s, rec.since(n), results[winner], tt.event)
		})
	}
}
