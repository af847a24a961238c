package store

import (
	"context"
	"math"
	"slices"
	"testing"

	"livedash/models"
)

// mustHistory reads a record's history through Query, the one read path.
func mustHistory(tb testing.TB, s *Store, q models.Query, id int64, limit int) []models.Event {
	tb.Helper()
	v, err := s.Query(context.Background(), q, models.Args{ID: id, Limit: limit})
	if err != nil {
		tb.Fatalf("%s %d: %v", q, id, err)
	}
	return v.(models.History).Events
}

func undoOf(tb testing.TB, s *Store, seq int64) Result {
	tb.Helper()
	return mustMutate(tb, s, &models.Undo{Seq: seq})
}

func seqs(evs []models.Event) []int64 {
	out := make([]int64, len(evs))
	for i, ev := range evs {
		out[i] = ev.Seq
	}
	return out
}

// undoCase sets up a change and returns the seq to undo; check looks at
// what the undo left (its ack data and the store) when it succeeds.
type undoCase struct {
	name  string
	setup func(tb testing.TB, s *Store) int64
	code  models.Code // expected failure, "" for success
	field string
	event string // the undo's event type on success
	check func(tb testing.TB, s *Store, res Result)
}

// undoFirst is the setup that makes the mutations in order and picks the
// first one to undo, with the others made since.
func undoFirst(first models.Mutation, since ...models.Mutation) func(testing.TB, *Store) int64 {
	return func(tb testing.TB, s *Store) int64 {
		tb.Helper()
		seq := mustMutate(tb, s, first).Seq
		for _, m := range since {
			mustMutate(tb, s, m)
		}
		return seq
	}
}

// pointsAre checks that the undo acked a score with want points.
func pointsAre(want int64) func(testing.TB, *Store, Result) {
	return func(tb testing.TB, _ *Store, res Result) {
		tb.Helper()
		if sc := decodeData[models.Score](tb, res.Data); sc.Points != want {
			tb.Errorf("points = %d, want %d", sc.Points, want)
		}
	}
}

func TestUndo(t *testing.T) {
	alice := int64(1) // demo score: Alice, 42 points
	tests := []undoCase{
		{name: "item create deletes it", event: "item.deleted",
			setup: undoFirst(&models.CreateItem{Name: "Lamp"}),
			check: func(tb testing.TB, s *Store, res Result) {
				id := recordID(tb, res.Data)
				if _, err := s.Item(context.Background(), id); err == nil {
					tb.Errorf("item %d still exists", id)
				}
			}},
		{name: "item create after an update conflicts", code: models.CodeConflict, field: "version",
			setup: func(tb testing.TB, s *Store) int64 {
				res := mustMutate(tb, s, &models.CreateItem{Name: "Lamp"})
				mustMutate(tb, s, &models.UpdateItem{ID: recordID(tb, res.Data), Name: ptr("Lamp 2")})
				return res.Seq
			}},
		{name: "item update restores the fields", event: "item.updated",
			setup: undoFirst(&models.UpdateItem{ID: 1, Name: ptr("Beamer"), Description: ptr("moved")}),
			check: func(tb testing.TB, s *Store, res Result) {
				it := decodeData[models.Item](tb, res.Data)
				if it.Name != "Projector" || it.Description != "Room 2, ceiling mount" || it.Version != 3 {
					tb.Errorf("after undo: %+v, want Projector / Room 2, ceiling mount at version 3", it)
				}
			}},
		{name: "item update changed again conflicts", code: models.CodeConflict, field: "version",
			setup: undoFirst(&models.UpdateItem{ID: 1, Name: ptr("Beamer")},
				&models.UpdateItem{ID: 1, Description: ptr("again")})},
		{name: "item update of a deleted item conflicts", code: models.CodeConflict, field: "seq",
			setup: undoFirst(&models.UpdateItem{ID: 1, Name: ptr("Beamer")},
				&models.DeleteItem{ID: 1})},
		{name: "item delete re-creates it with its id", event: "item.created",
			setup: func(tb testing.TB, s *Store) int64 {
				mustMutate(tb, s, &models.UpdateItem{ID: 2, Name: ptr("Markers")})
				return mustMutate(tb, s, &models.DeleteItem{ID: 2}).Seq
			},
			check: func(tb testing.TB, s *Store, res Result) {
				it, err := s.Item(context.Background(), 2)
				if err != nil {
					tb.Fatal(err)
				}
				if it.Name != "Markers" || it.Description != "Four colours, box on the shelf" || it.Version != 3 {
					tb.Errorf("re-created %+v, want Markers at version 3", it)
				}
				checkJSON(tb, it, res.Data)
			}},
		{name: "score create deletes it", event: "score.deleted",
			setup: undoFirst(&models.CreateScore{Player: "Zed", Points: 3})},
		{name: "score create after an increment conflicts", code: models.CodeConflict, field: "version",
			setup: func(tb testing.TB, s *Store) int64 {
				res := mustMutate(tb, s, &models.CreateScore{Player: "Zed", Points: 3})
				mustMutate(tb, s, &models.IncrementScore{ID: recordID(tb, res.Data), By: 1})
				return res.Seq
			}},
		{name: "score update changed again conflicts", code: models.CodeConflict, field: "version",
			setup: undoFirst(&models.UpdateScore{ID: alice, Points: ptr[int64](1)},
				&models.UpdateScore{ID: alice, Player: ptr("Alicia")})},
		{name: "score update of a deleted score conflicts", code: models.CodeConflict, field: "seq",
			setup: undoFirst(&models.UpdateScore{ID: alice, Points: ptr[int64](1)},
				&models.DeleteScore{ID: alice})},
		{name: "score update restores player and points", event: "score.updated",
			setup: undoFirst(&models.UpdateScore{ID: alice, Player: ptr("Alicia"), Points: ptr[int64](1)}),
			check: func(tb testing.TB, s *Store, res Result) {
				sc := decodeData[models.Score](tb, res.Data)
				if sc.Player != "Alice" || sc.Points != 42 || sc.Version != 3 {
					tb.Errorf("after undo: %+v, want Alice 42 at version 3", sc)
				}
			}},
		{name: "score update whose old name is taken again conflicts", code: models.CodeConflict, field: "player",
			setup: undoFirst(&models.UpdateScore{ID: alice, Player: ptr("Alicia")},
				&models.CreateScore{Player: "ALICE"})},
		{name: "increment takes it back without a version check", event: "score.updated",
			setup: undoFirst(&models.IncrementScore{ID: alice, By: 5},
				&models.IncrementScore{ID: alice, By: 100}),
			check: func(tb testing.TB, s *Store, res Result) {
				if sc := decodeData[models.Score](tb, res.Data); sc.Points != 142 {
					tb.Errorf("points = %d, want 142", sc.Points)
				}
				ev := mustEvents(tb, s, res.Seq-1)[0]
				if ev.Delta == nil || *ev.Delta != -5 {
					tb.Errorf("undo event delta = %v, want -5", ev.Delta)
				}
			}},
		{name: "increment undo that overflows is invalid", code: models.CodeInvalid, field: "seq",
			setup: undoFirst(&models.IncrementScore{ID: alice, By: -100},
				&models.IncrementScore{ID: alice, By: math.MaxInt64 - 10})},
		{name: "minimum-int increment undo whose result fits applies", event: "score.updated",
			setup: func(tb testing.TB, s *Store) int64 {
				mustMutate(tb, s, &models.UpdateScore{ID: alice, Points: ptr[int64](0)})
				return mustMutate(tb, s, &models.IncrementScore{ID: alice, By: math.MinInt64}).Seq
			},
			check: pointsAre(0)},
		{name: "minimum-int increment undo that overflows is invalid", code: models.CodeInvalid, field: "seq",
			setup: func(tb testing.TB, s *Store) int64 {
				mustMutate(tb, s, &models.UpdateScore{ID: alice, Points: ptr[int64](0)})
				seq := mustMutate(tb, s, &models.IncrementScore{ID: alice, By: math.MinInt64}).Seq
				mustMutate(tb, s, &models.IncrementScore{ID: alice, By: math.MaxInt64})
				mustMutate(tb, s, &models.IncrementScore{ID: alice, By: 1}) // 0: undone, 2^63
				return seq
			}},
		{name: "increment undo over increments and their undos applies", event: "score.updated",
			setup: func(tb testing.TB, s *Store) int64 {
				seq := mustMutate(tb, s, &models.IncrementScore{ID: alice, By: 5}).Seq
				other := mustMutate(tb, s, &models.IncrementScore{ID: alice, By: 7}).Seq
				undoOf(tb, s, other)
				return seq
			},
			check: pointsAre(42)},
		{name: "increment undo after points were set conflicts", code: models.CodeConflict, field: "seq",
			setup: undoFirst(&models.IncrementScore{ID: alice, By: 5},
				&models.UpdateScore{ID: alice, Points: ptr[int64](0)})},
		{name: "increment undo after a rename conflicts", code: models.CodeConflict, field: "seq",
			setup: undoFirst(&models.IncrementScore{ID: alice, By: 5},
				&models.UpdateScore{ID: alice, Player: ptr("Alicia")})},
		{name: "increment undo after an undone update conflicts", code: models.CodeConflict, field: "seq",
			setup: func(tb testing.TB, s *Store) int64 {
				seq := mustMutate(tb, s, &models.IncrementScore{ID: alice, By: 5}).Seq
				set := mustMutate(tb, s, &models.UpdateScore{ID: alice, Points: ptr[int64](7)}).Seq
				undoOf(tb, s, set) // the points are back, but were set twice since
				return seq
			}},
		{name: "increment undo after a delete and re-create conflicts", code: models.CodeConflict, field: "seq",
			setup: func(tb testing.TB, s *Store) int64 {
				seq := mustMutate(tb, s, &models.IncrementScore{ID: alice, By: 5}).Seq
				del := mustMutate(tb, s, &models.DeleteScore{ID: alice}).Seq
				undoOf(tb, s, del)
				return seq
			}},
		{name: "increment undone twice conflicts", code: models.CodeConflict, field: "seq",
			setup: func(tb testing.TB, s *Store) int64 {
				seq := mustMutate(tb, s, &models.IncrementScore{ID: alice, By: 5}).Seq
				undoOf(tb, s, seq)
				return seq
			}},
		{name: "score update after an increment conflicts", code: models.CodeConflict, field: "version",
			setup: undoFirst(&models.UpdateScore{ID: alice, Points: ptr[int64](1)},
				&models.IncrementScore{ID: alice, By: 1})},
		{name: "score create after a rename conflicts", code: models.CodeConflict, field: "version",
			setup: func(tb testing.TB, s *Store) int64 {
				res := mustMutate(tb, s, &models.CreateScore{Player: "Zed", Points: 3})
				mustMutate(tb, s, &models.UpdateScore{ID: recordID(tb, res.Data), Player: ptr("Zoe")})
				return res.Seq
			}},
		{name: "score update undone twice conflicts", code: models.CodeConflict, field: "seq",
			setup: func(tb testing.TB, s *Store) int64 {
				seq := mustMutate(tb, s, &models.UpdateScore{ID: alice, Points: ptr[int64](1)}).Seq
				redo := undoOf(tb, s, seq).Seq
				undoOf(tb, s, redo) // back at the update's version: only the log tells
				return seq
			}},
		{name: "item delete undone twice conflicts", code: models.CodeConflict, field: "seq",
			setup: func(tb testing.TB, s *Store) int64 {
				seq := mustMutate(tb, s, &models.DeleteItem{ID: 3}).Seq
				redo := undoOf(tb, s, seq).Seq
				undoOf(tb, s, redo) // deleted again: only the log tells
				return seq
			}},
		{name: "old item delete conflicts", code: models.CodeConflict, field: "seq",
			setup: func(tb testing.TB, s *Store) int64 {
				id := recordID(tb, mustMutate(tb, s, &models.CreateItem{Name: "W"}).Data)
				d1 := mustMutate(tb, s, &models.DeleteItem{ID: id}).Seq
				undoOf(tb, s, d1)
				mustMutate(tb, s, &models.UpdateItem{ID: id, Name: ptr("H")})
				mustMutate(tb, s, &models.DeleteItem{ID: id})
				return d1
			}},
		{name: "old score delete conflicts", code: models.CodeConflict, field: "seq",
			setup: func(tb testing.TB, s *Store) int64 {
				d1 := mustMutate(tb, s, &models.DeleteScore{ID: alice}).Seq
				undoOf(tb, s, d1)
				mustMutate(tb, s, &models.IncrementScore{ID: alice, By: 1})
				mustMutate(tb, s, &models.DeleteScore{ID: alice})
				return d1
			}},
		{name: "redo undone twice conflicts", code: models.CodeConflict, field: "seq",
			setup: func(tb testing.TB, s *Store) int64 {
				seq := mustMutate(tb, s, &models.IncrementScore{ID: alice, By: 5}).Seq
				undo := undoOf(tb, s, seq).Seq
				undoOf(tb, s, undo)
				return undo
			}},
		{name: "redo of an increment's undo applies", event: "score.updated",
			setup: func(tb testing.TB, s *Store) int64 {
				seq := mustMutate(tb, s, &models.IncrementScore{ID: alice, By: 5}).Seq
				return undoOf(tb, s, seq).Seq
			},
			check: pointsAre(47)},
		{name: "increment undo of a deleted score conflicts", code: models.CodeConflict, field: "seq",
			setup: undoFirst(&models.IncrementScore{ID: alice, By: 5},
				&models.DeleteScore{ID: alice})},
		{name: "score delete re-creates it", event: "score.created",
			setup: undoFirst(&models.DeleteScore{ID: alice}),
			check: func(tb testing.TB, s *Store, res Result) {
				sc, err := s.Score(context.Background(), alice)
				if err != nil || sc.Player != "Alice" || sc.Points != 42 || sc.Version != 2 {
					tb.Errorf("re-created %+v (%v), want Alice 42 at version 2", sc, err)
				}
				// The re-created player holds its name again.
				_, err = s.Mutate(context.Background(), Origin{}, &models.CreateScore{Player: "ALICE"})
				wantError(tb, err, models.CodeConflict, "player")
			}},
		{name: "score delete whose name is taken again conflicts", code: models.CodeConflict, field: "player",
			setup: undoFirst(&models.DeleteScore{ID: alice},
				&models.CreateScore{Player: "alice"})},
		{name: "redo: undo of an undo", event: "item.updated",
			setup: func(tb testing.TB, s *Store) int64 {
				seq := mustMutate(tb, s, &models.UpdateItem{ID: 1, Name: ptr("Beamer")}).Seq
				return undoOf(tb, s, seq).Seq
			},
			check: func(tb testing.TB, s *Store, res Result) {
				if it := decodeData[models.Item](tb, res.Data); it.Name != "Beamer" || it.Version != 4 {
					tb.Errorf("after redo: %+v, want Beamer at version 4", it)
				}
			}},
		{name: "redo of an undone delete deletes again", event: "item.deleted",
			setup: func(tb testing.TB, s *Store) int64 {
				seq := mustMutate(tb, s, &models.DeleteItem{ID: 3}).Seq
				return undoOf(tb, s, seq).Seq
			}},
		{name: "a reset is invalid", code: models.CodeInvalid, field: "seq",
			setup: undoFirst(&models.ResetDemo{})},
		{name: "an event before the last reset is invalid", code: models.CodeInvalid, field: "seq",
			setup: undoFirst(&models.IncrementScore{ID: alice, By: 1},
				&models.ResetDemo{})},
		{name: "a seq beyond the log is not_found", code: models.CodeNotFound, field: "seq",
			setup: func(tb testing.TB, s *Store) int64 { return s.Seq() + 10 }},
		{name: "seq 0 is invalid", code: models.CodeInvalid, field: "seq",
			setup: func(tb testing.TB, s *Store) int64 { return 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, rec := MustOpenStore(t, withSyncNormal())
			seq := tt.setup(t, s)
			before, n := mustState(t, s), rec.len()
			res, err := s.Mutate(context.Background(), Origin{Name: "Bob"}, &models.Undo{Seq: seq})
			if tt.code != "" {
				wantError(t, err, tt.code, tt.field)
				checkSameState(t, before, mustState(t, s))
				if got := rec.since(n); len(got) != 0 {
					t.Errorf("a refused undo published %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("undo %d: %v", seq, err)
			}
			ev := checkPublished(t, s, rec.since(n), res, tt.event)
			if ev.UndoOf == nil || *ev.UndoOf != seq {
				t.Errorf("undo_of = %v, want %d", ev.UndoOf, seq)
			}
			if ev.ActorName != "Bob" {
				t.Errorf("actor = %q, want Bob", ev.ActorName)
			}
			if tt.check != nil {
				tt.check(t, s, res)
			}
		})
	}
}

func TestUndoIsIdempotent(t *testing.T) {
	s, rec := MustOpenStore(t, withSyncNormal())
	seq := mustMutate(t, s, &models.IncrementScore{ID: 1, By: 5}).Seq
	who := Origin{Client: "undoer", RequestID: "u1", Remember: true}
	first := mustMutateAs(t, s, who, &models.Undo{Seq: seq})
	n := rec.len()
	again := mustMutateAs(t, s, who, &models.Undo{Seq: seq})
	if again.Seq != first.Seq || string(again.Data) != string(first.Data) {
		t.Errorf("repeat = %d %s, want %d %s", again.Seq, again.Data, first.Seq, first.Data)
	}
	if got := rec.since(n); len(got) != 0 {
		t.Errorf("repeat published %+v", got)
	}
	if sc, _ := s.Score(context.Background(), 1); sc.Points != 42 {
		t.Errorf("points = %d, want 42 (undone once)", sc.Points)
	}
}

// An undo in the same group commit as the event it undoes still finds it:
// the batch writes its earlier events before the undo reads the log.
func TestUndoInTheSameBatch(t *testing.T) {
	s, _ := MustOpenStore(t, withSyncNormal())
	release := blockWriter(t, s)
	next := s.Seq() + 1
	type out struct {
		res Result
		err error
	}
	created, undone := make(chan out, 1), make(chan out, 1)
	submit := func(m models.Mutation, ch chan out) {
		if err := s.Submit(Origin{}, m, func(r Result, err error) { ch <- out{r, err} }); err != nil {
			t.Fatal(err)
		}
	}
	submit(&models.CreateItem{Name: "Brief"}, created)
	submit(&models.Undo{Seq: next}, undone)
	release()
	c, u := <-created, <-undone
	if c.err != nil || u.err != nil {
		t.Fatalf("create: %v, undo: %v", c.err, u.err)
	}
	if c.res.Seq != next || u.res.Seq != next+1 {
		t.Errorf("seqs = %d, %d; want %d, %d", c.res.Seq, u.res.Seq, next, next+1)
	}
	if _, err := s.Item(context.Background(), recordID(t, c.res.Data)); err == nil {
		t.Error("the item is still there")
	}
}

func TestHistory(t *testing.T) {
	s, _ := MustOpenStore(t, withSyncNormal())
	ctx := context.Background()
	item := decodeData[models.Item](t, mustMutate(t, s, &models.CreateItem{Name: "Lamp"}).Data)
	var want []int64
	want = append(want, s.Seq())
	mustMutate(t, s, &models.IncrementScore{ID: 1, By: 1}) // another record
	for _, name := range []string{"Lamp 2", "Lamp 3"} {
		want = append(want, mustMutate(t, s, &models.UpdateItem{ID: item.ID, Name: ptr(name)}).Seq)
	}
	want = append(want, mustMutate(t, s, &models.DeleteItem{ID: item.ID}).Seq)

	tests := []struct {
		name  string
		limit int
		want  []int64
	}{
		{name: "default limit, oldest first", want: want},
		{name: "limit keeps the most recent", limit: 2, want: want[2:]},
		{name: "limit above the count", limit: 1000, want: want},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs := mustHistory(t, s, models.QueryItemHistory, item.ID, tt.limit)
			if got := seqs(evs); !slices.Equal(got, tt.want) {
				t.Errorf("seqs = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("events carry before on updates and deletes", func(t *testing.T) {
		evs := mustHistory(t, s, models.QueryItemHistory, item.ID, 0)
		for _, ev := range evs {
			hasBefore := len(ev.Before) > 0
			if wantBefore := ev.Type != "item.created"; hasBefore != wantBefore {
				t.Errorf("event %d (%s) before = %s", ev.Seq, ev.Type, ev.Before)
			}
		}
		if b := decodeData[models.Item](t, evs[1].Before); b.Name != "Lamp" {
			t.Errorf("before of the first update = %+v, want Lamp", b)
		}
	})
	t.Run("score history has increments only of that score", func(t *testing.T) {
		evs := mustHistory(t, s, models.QueryScoreHistory, 1, 0)
		if len(evs) != 1 || evs[0].Delta == nil || *evs[0].Delta != 1 {
			t.Errorf("score 1 history = %+v", evs)
		}
	})
	t.Run("an untouched demo record has an empty history", func(t *testing.T) {
		if evs := mustHistory(t, s, models.QueryScoreHistory, 2, 0); len(evs) != 0 {
			t.Errorf("history = %+v, want none", evs)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, c := range []struct {
			q     models.Query
			args  models.Args
			code  models.Code
			field string
		}{
			{models.QueryItemHistory, models.Args{ID: 999}, models.CodeNotFound, "id"},
			{models.QueryScoreHistory, models.Args{ID: item.ID + 100}, models.CodeNotFound, "id"},
			{models.QueryItemHistory, models.Args{ID: 0}, models.CodeInvalid, "id"},
			{models.QueryItemHistory, models.Args{ID: 1, Limit: 1001}, models.CodeInvalid, "limit"},
			{models.QueryItemHistory, models.Args{ID: 1, Limit: -1}, models.CodeInvalid, "limit"},
		} {
			_, err := s.Query(ctx, c.q, c.args)
			wantError(t, err, c.code, c.field)
		}
	})
	t.Run("since the last reset", func(t *testing.T) {
		mustMutate(t, s, &models.IncrementScore{ID: 1, By: 1})
		mustMutate(t, s, &models.ResetDemo{})
		if evs := mustHistory(t, s, models.QueryScoreHistory, 1, 0); len(evs) != 0 {
			t.Errorf("score 1 history after reset = %v", seqs(evs))
		}
		_, err := s.Query(ctx, models.QueryItemHistory, models.Args{ID: item.ID})
		wantError(t, err, models.CodeNotFound, "id")
		seq := mustMutate(t, s, &models.IncrementScore{ID: 1, By: 2}).Seq
		if got := seqs(mustHistory(t, s, models.QueryScoreHistory, 1, 0)); !slices.Equal(got, []int64{seq}) {
			t.Errorf("score 1 history = %v, want [%d]", got, seq)
		}
	})
}

// Older databases: events logged before the record columns existed are in
// no history, and their resets still bound undo.
func TestHistoryOfOlderEvents(t *testing.T) {
	path := t.TempDir() + "/old.db"
	s, _ := MustOpenStore(t, withPath(path), withSyncNormal())
	old := mustMutate(t, s, &models.IncrementScore{ID: 1, By: 1}).Seq
	mustMutate(t, s, &models.ResetDemo{})
	if err := s.write.Exec("UPDATE events SET record_type = '', record_id = 0").Error; err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, _ = MustOpenStore(t, withPath(path), withSyncNormal())
	_, err := s.Mutate(context.Background(), Origin{}, &models.Undo{Seq: old})
	wantError(t, err, models.CodeInvalid, "seq")
	if evs := mustHistory(t, s, models.QueryScoreHistory, 1, 0); len(evs) != 0 {
		t.Errorf("history = %v, want none", seqs(evs))
	}
}
