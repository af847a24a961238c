package store

import (
	"context"
	"encoding/json"
	"testing"

	"livedash/models"
)

func TestQueriesOnDemoData(t *testing.T) {
	s, rec := MustOpenStore(t)
	st := mustState(t, s)
	if st.Seq != 1 || st.Epoch != s.Epoch() || st.Epoch == "" {
		t.Errorf("state seq/epoch = %d/%q, want 1/%q", st.Seq, st.Epoch, s.Epoch())
	}
	if len(st.Items) != len(models.DemoItems()) || len(st.Scores) != len(models.DemoScores()) {
		t.Fatalf("state has %d items and %d scores, want the demo set", len(st.Items), len(st.Scores))
	}
	checkReads(t, st.Items, s.Items, s.Item, func(it models.Item) int64 { return it.ID })
	checkReads(t, st.Scores, s.Scores, s.Score, func(sc models.Score) int64 { return sc.ID })

	evs := mustEvents(t, s, 0)
	if len(evs) != 1 || evs[0].Seq != 1 || evs[0].Type != "state.reset" {
		t.Errorf("log of a new store = %+v, want one state.reset at seq 1", evs)
	}
	if rec.len() != 1 {
		t.Errorf("reads published events: %d recorded, want only the demo load", rec.len())
	}
	if s.Seq() != 1 {
		t.Errorf("reads moved seq to %d", s.Seq())
	}
}

func TestQueryNotFoundAndInvalidID(t *testing.T) {
	s, _ := MustOpenStore(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		get   func() error
		code  models.Code
		field string
	}{
		{"item missing", func() error { _, err := s.Item(ctx, 999); return err }, models.CodeNotFound, "id"},
		{"item id zero", func() error { _, err := s.Item(ctx, 0); return err }, models.CodeInvalid, "id"},
		{"item id negative", func() error { _, err := s.Item(ctx, -1); return err }, models.CodeInvalid, "id"},
		{"score missing", func() error { _, err := s.Score(ctx, 999); return err }, models.CodeNotFound, "id"},
		{"score id zero", func() error { _, err := s.Score(ctx, 0); return err }, models.CodeInvalid, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, tt.get(), tt.code, tt.field)
		})
	}
}

func TestListOrder(t *testing.T) {
	s, _ := MustOpenStore(t)
	// Ties on points must fall back to id, and negative points sort last.
	for _, p := range []models.CreateScore{{Player: "Tie A", Points: 35}, {Player: "Neg", Points: -1}, {Player: "Tie B", Points: 35}} {
		mustMutate(t, s, &p)
	}
	mustMutate(t, s, &models.CreateItem{Name: "Zeta"})
	mustMutate(t, s, &models.DeleteItem{ID: 2})
	mustMutate(t, s, &models.CreateItem{Name: "Alpha"})

	scores, err := s.Scores(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(scores); i++ {
		a, b := scores[i-1], scores[i]
		if a.Points < b.Points || (a.Points == b.Points && a.ID > b.ID) {
			t.Errorf("scores out of order at %d: %+v before %+v", i, a, b)
		}
	}
	if scores[len(scores)-1].Player != "Neg" {
		t.Errorf("last score = %q, want Neg", scores[len(scores)-1].Player)
	}
	items, err := s.Items(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(items); i++ {
		if items[i-1].ID >= items[i].ID {
			t.Errorf("items out of id order at %d: %d before %d", i, items[i-1].ID, items[i].ID)
		}
	}
	st := mustState(t, s)
	checkJSON(t, st.Scores, mustJSON(t, scores))
	checkJSON(t, st.Items, mustJSON(t, items))
}

func TestEventsSince(t *testing.T) {
	s, rec := MustOpenStore(t)
	for i := 0; i < 9; i++ {
		mustMutate(t, s, &models.IncrementScore{ID: 1, By: 1})
	}
	all := rec.all()
	if len(all) != 10 {
		t.Fatalf("published %d events, want 10", len(all))
	}
	tests := []struct {
		name      string
		since     int64
		limit     int
		wantFirst int64
		wantN     int
	}{
		{name: "from the start", since: 0, limit: 100, wantFirst: 1, wantN: 10},
		{name: "middle", since: 4, limit: 100, wantFirst: 5, wantN: 6},
		{name: "limited", since: 2, limit: 3, wantFirst: 3, wantN: 3},
		{name: "at the head", since: 10, limit: 100, wantN: 0},
		{name: "ahead of the head", since: 50, limit: 100, wantN: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := s.EventsSince(context.Background(), tt.since, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if evs == nil || len(evs) != tt.wantN {
				t.Fatalf("got %d events (nil=%v), want %d", len(evs), evs == nil, tt.wantN)
			}
			checkConsecutive(t, "log", evs, tt.wantFirst)
			for _, ev := range evs {
				pub := all[ev.Seq-1]
				if ev.Type != pub.Type || string(ev.Data) != string(pub.Data) || !ev.At.Equal(pub.At) {
					t.Errorf("logged event %d = %+v, published %+v", ev.Seq, ev, pub)
				}
			}
		})
	}
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// checkReads checks one kind's reads against the state's records: the list
// equals them, and each record read alone equals its row in the list, with
// both timestamps.
func checkReads[T any](tb testing.TB, want []T, list func(context.Context) ([]T, error), one func(context.Context, int64) (T, error), id func(T) int64) {
	tb.Helper()
	ctx := context.Background()
	got, err := list(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	checkJSON(tb, got, mustJSON(tb, want))
	for _, r := range got {
		alone, err := one(ctx, id(r))
		if err != nil {
			tb.Fatal(err)
		}
		checkJSON(tb, alone, mustJSON(tb, r))
		checkTimestamps(tb, mustJSON(tb, alone))
	}
}
