package store

import (
	"fmt"
	"math"
	"testing"

	"livedash/models"
)

// One group commit that increments a score many times, with the mutations
// that must see the merged sum in between: each ack and event carries the
// score as it stood after its own increment, a versioned update sees every
// earlier increment, an overflow fails alone, and the stored row ends with
// the sum of all.
func TestIncrementsMergedInOneBatch(t *testing.T) {
	s, _ := MustOpenStore(t, withSyncNormal())
	start := mustStoredScore(t, s, 1)
	first := s.Seq() + 1
	v := start.Version

	steps := []struct {
		name    string
		m       models.Mutation
		points  int64 // the score after the step; unchecked for other records
		version int64
		code    models.Code // the step fails with this code
		field   string      // and names this field ("by" if empty)
	}{
		{name: "first increment", m: &models.IncrementScore{ID: 1, By: 1}, points: start.Points + 1, version: v + 1},
		{name: "merged increment", m: &models.IncrementScore{ID: 1, By: 2}, points: start.Points + 3, version: v + 2},
		{name: "item between", m: &models.CreateItem{Name: "between"}},
		{name: "merged after an item", m: &models.IncrementScore{ID: 1, By: 3}, points: start.Points + 6, version: v + 3},
		{name: "score create between", m: &models.CreateScore{Player: "between"}},
		{name: "score create taken", m: &models.CreateScore{Player: start.Player}, code: models.CodeConflict, field: "player"},
		{name: "merged after score creates", m: &models.IncrementScore{ID: 1, By: 4}, points: start.Points + 10, version: v + 4},
		{name: "update sees the merged version", m: &models.UpdateScore{ID: 1, Version: ptr(v + 4), Points: ptr[int64](100)}, points: 100, version: v + 5},
		{name: "increment after the update", m: &models.IncrementScore{ID: 1, By: 5}, points: 105, version: v + 6},
		{name: "overflow in memory", m: &models.IncrementScore{ID: 1, By: math.MaxInt64}, code: models.CodeInvalid},
		{name: "after the overflow", m: &models.IncrementScore{ID: 1, By: -1}, points: 104, version: v + 7},
		{name: "undo reads the merged row", m: &models.Undo{Seq: first + 8}, points: 105, version: v + 8},
		{name: "increment after the undo", m: &models.IncrementScore{ID: 1, By: 10}, points: 115, version: v + 9},
		{name: "increment of another score", m: &models.IncrementScore{ID: 2, By: 1}},
		{name: "delete sees the merged version", m: &models.DeleteScore{ID: 1, Version: ptr(v + 9)}},
	}

	subs := make([]submission, len(steps))
	for i, st := range steps {
		subs[i] = submission{m: st.m}
	}
	replies := submitBatch(t, s, subs)

	var acked []Result
	for i, st := range steps {
		o := replies[i]
		if st.code != "" {
			field := st.field
			if field == "" {
				field = "by"
			}
			wantError(t, o.err, st.code, field)
			continue
		}
		if o.err != nil {
			t.Fatalf("%s: %v", st.name, o.err)
		}
		acked = append(acked, o.res)
		if st.version == 0 {
			continue
		}
		sc := decodeData[models.Score](t, o.res.Data)
		if sc.Points != st.points || sc.Version != st.version {
			t.Errorf("%s: ack has points %d version %d, want %d and %d", st.name, sc.Points, sc.Version, st.points, st.version)
		}
	}

	logged := mustEvents(t, s, first-1)
	if len(logged) != len(acked) {
		t.Fatalf("logged %d events, acked %d", len(logged), len(acked))
	}
	checkConsecutive(t, "log", logged, first)
	for i, ev := range logged {
		if ev.Seq != acked[i].Seq || string(ev.Data) != string(acked[i].Data) {
			t.Errorf("event %d: logged seq %d %s, acked seq %d %s", i, ev.Seq, ev.Data, acked[i].Seq, acked[i].Data)
		}
	}
	if _, err := s.Score(t.Context(), 1); err == nil {
		t.Error("score 1 was not deleted")
	}
}

// Merged increments are written back before the commit: the stored row
// has the sum, and a later batch continues from it.
func TestMergedIncrementsAreStored(t *testing.T) {
	s, _ := MustOpenStore(t, withSyncNormal())
	start := mustStoredScore(t, s, 1)
	const n = 20
	release := blockWriter(t, s)
	done := make(chan error, n)
	for range n {
		if err := s.Submit(Origin{}, &models.IncrementScore{ID: 1, By: 2}, func(_ Result, err error) { done <- err }); err != nil {
			t.Fatal(err)
		}
	}
	release()
	for range n {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	got := mustStoredScore(t, s, 1)
	if got.Points != start.Points+2*n || got.Version != start.Version+n {
		t.Errorf("stored points %d version %d, want %d and %d", got.Points, got.Version, start.Points+2*n, start.Version+n)
	}
	res := mustMutate(t, s, &models.IncrementScore{ID: 1, By: 1})
	if sc := decodeData[models.Score](t, res.Data); sc.Points != got.Points+1 || sc.Version != got.Version+1 {
		t.Errorf("next batch: points %d version %d, want %d and %d", sc.Points, sc.Version, got.Points+1, got.Version+1)
	}
}

// A score create between increments of a hot score does not write the
// merged sum back: the writes mix has a tenth score creates, and a write-back
// before each cut a batch's increments into runs. On SQLite the batch below
// sends one UPDATE that reads the score and one that writes the sum, however
// many creates come between its increments; on PostgreSQL, which reads the
// batch's scores up front and writes them in its tail statement, none goes
// alone (a create that wrote them back sent the rest of the batch the
// per-mutation way).
func TestScoreCreatesKeepIncrementsMerged(t *testing.T) {
	s, _ := MustOpenStore(t, withSyncNormal())
	start := mustStoredScore(t, s, 1)
	release := blockWriter(t, s)
	updates := countStatements(t, s.write, "UPDATE scores")

	const rounds = 5
	done := make(chan error, 2*rounds)
	for i := range rounds {
		for _, m := range []models.Mutation{&models.IncrementScore{ID: 1, By: 1}, &models.CreateScore{Player: fmt.Sprintf("new %d", i)}} {
			if err := s.Submit(Origin{}, m, func(_ Result, err error) { done <- err }); err != nil {
				t.Fatal(err)
			}
		}
	}
	release()
	for range 2 * rounds {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	want := int64(2)
	if backend == "postgres" {
		want = 0
	}
	if n := updates.Load(); n != want {
		t.Errorf("the batch sent %d score UPDATEs of their own, want %d", n, want)
	}
	if got := mustStoredScore(t, s, 1); got.Points != start.Points+rounds || got.Version != start.Version+rounds {
		t.Errorf("stored points %d version %d, want %d and %d", got.Points, got.Version, start.Points+rounds, start.Version+rounds)
	}
}
