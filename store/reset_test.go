package store

import (
	"context"
	"testing"

	"livedash/models"
)

func TestResetDemo(t *testing.T) {
	s, rec := MustOpenStore(t)
	ctx := context.Background()
	epoch := s.Epoch()
	mustMutate(t, s, &models.CreateItem{Name: "extra"})
	mustMutate(t, s, &models.UpdateItem{ID: 1, Name: ptr("changed")})
	mustMutate(t, s, &models.DeleteItem{ID: 2})
	mustMutate(t, s, &models.IncrementScore{ID: 1, By: 100})
	mustMutate(t, s, &models.UpdateScore{ID: 2, Player: ptr("Robert")})
	mustMutate(t, s, &models.DeleteScore{ID: 3})
	mustMutate(t, s, &models.CreateScore{Player: "Newcomer", Points: 1000})
	n, seq := rec.len(), s.Seq()

	res := mustMutateAs(t, s, Origin{Client: "admin"}, &models.ResetDemo{})

	if res.Seq != seq+1 {
		t.Errorf("seq = %d, want %d", res.Seq, seq+1)
	}
	checkPublished(t, s, rec.since(n), res, "state.reset")
	if s.Epoch() != epoch {
		t.Errorf("epoch changed from %q to %q", epoch, s.Epoch())
	}

	reset := decodeData[models.ResetState](t, res.Data)
	st := mustState(t, s)
	if st.Epoch != epoch || st.Seq != res.Seq {
		t.Errorf("state epoch/seq = %q/%d, want %q/%d", st.Epoch, st.Seq, epoch, res.Seq)
	}
	// The event's data is "the complete new state": a client that applies it
	// must end up with exactly what a fresh snapshot shows.
	checkJSON(t, models.ResetState{Items: st.Items, Scores: st.Scores}, res.Data)

	items, scores := models.DemoItems(), models.DemoScores()
	models.SortScores(scores)
	if len(reset.Items) != len(items) || len(reset.Scores) != len(scores) {
		t.Fatalf("reset to %d items and %d scores, want %d and %d", len(reset.Items), len(reset.Scores), len(items), len(scores))
	}
	for i, want := range items {
		got := reset.Items[i]
		if got.ID != want.ID || got.Name != want.Name || got.Description != want.Description || got.Version != 1 {
			t.Errorf("item %d = %+v, want %+v at version 1", i, got, want)
		}
		checkTimestamps(t, mustJSON(t, got))
	}
	for i, want := range scores {
		got := reset.Scores[i]
		if got.ID != want.ID || got.Player != want.Player || got.Points != want.Points || got.Version != 1 {
			t.Errorf("score %d = %+v, want %+v at version 1", i, got, want)
		}
		checkTimestamps(t, mustJSON(t, got))
	}

	// The restored players must be reserved again (their folded keys are
	// back), and the removed ones free.
	_, err := s.Mutate(ctx, Origin{}, &models.CreateScore{Player: "bob"})
	wantError(t, err, models.CodeConflict, "player")
	mustMutate(t, s, &models.CreateScore{Player: "Robert"})
	mustMutate(t, s, &models.CreateScore{Player: "Newcomer"})
}

func TestNewStoreStartsWithDemo(t *testing.T) {
	s, rec := MustOpenStore(t)
	evs := rec.all()
	if len(evs) != 1 || evs[0].Seq != 1 || evs[0].Type != "state.reset" {
		t.Fatalf("a new store published %+v, want one state.reset at seq 1", evs)
	}
	// Contract 1.1: a change the server makes itself carries no actor.
	if evs[0].ActorID != "" || evs[0].ActorName != "" {
		t.Fatalf("the demo data's event has actor %q/%q, want none", evs[0].ActorID, evs[0].ActorName)
	}
	st := mustState(t, s)
	checkJSON(t, models.ResetState{Items: st.Items, Scores: st.Scores}, evs[0].Data)
	checkLogged(t, s, evs[0])
}
