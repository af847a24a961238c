package client_test

import (
	"encoding/json"
	"testing"

	"livedash/app/apptest"
	"livedash/client"
	"livedash/models"
)

// Every typed request gets its typed answer, mutations the seq of their
// event, and another connection receives those events in seq order with
// the same data as the replies.
func TestEveryRequest(t *testing.T) {
	srv, c, other := aliceAndWatcher(t)
	ctx := apptest.Ctx(t)

	st, err := c.State(ctx)
	if err != nil || st.Epoch == "" || len(st.Items) != 5 || len(st.Scores) != 6 {
		t.Fatalf("State: %+v, %v", st, err)
	}
	if rest := srv.State(t); rest.Seq != st.Seq || rest.Epoch != st.Epoch {
		t.Fatalf("State %d/%s, REST %d/%s", st.Seq, st.Epoch, rest.Seq, rest.Epoch)
	}
	items, err := c.Items(ctx)
	if err != nil || len(items) != 5 || items[0].ID != 1 {
		t.Fatalf("Items: %+v, %v", items, err)
	}
	it, err := c.Item(ctx, 2)
	if err != nil || it.Name != "Whiteboard markers" {
		t.Fatalf("Item: %+v, %v", it, err)
	}
	scores, err := c.Scores(ctx)
	if err != nil || len(scores) != 6 || scores[0].Player != "Alice" {
		t.Fatalf("Scores: %+v, %v", scores, err)
	}
	sc, err := c.Score(ctx, 3)
	if err != nil || sc.Player != "Carol" || sc.Points != 28 {
		t.Fatalf("Score: %+v, %v", sc, err)
	}
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}

	// The mutations, with what each reply must say and which event it
	// stands for.
	type result struct {
		event string
		seq   int64
		data  any
	}
	var results []result
	check := func(what string, event string, seq int64, data any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if want := st.Seq + int64(len(results)) + 1; seq != want {
			t.Fatalf("%s: seq %d, want %d", what, seq, want)
		}
		results = append(results, result{event, seq, data})
	}
	item, seq, err := c.CreateItem(ctx, client.NewItem{Name: " Beamer ", Description: "room 4"})
	check("CreateItem", "item.created", seq, item, err)
	if item.Name != "Beamer" || item.Description != "room 4" || item.Version != 1 {
		t.Fatalf("CreateItem: %+v", item)
	}
	item, seq, err = c.UpdateItem(ctx, client.ItemUpdate{ID: item.ID, Version: 1, Name: new("Beamer 2")})
	check("UpdateItem", "item.updated", seq, item, err)
	if item.Name != "Beamer 2" || item.Description != "room 4" || item.Version != 2 {
		t.Fatalf("UpdateItem: %+v", item)
	}
	score, seq, err := c.CreateScore(ctx, client.NewScore{Player: "Zoe", Points: 3})
	check("CreateScore", "score.created", seq, score, err)
	if score.Player != "Zoe" || score.Points != 3 || score.Version != 1 {
		t.Fatalf("CreateScore: %+v", score)
	}
	score, seq, err = c.IncrementScore(ctx, score.ID, -10)
	check("IncrementScore", "score.updated", seq, score, err)
	if score.Points != -7 || score.Version != 2 {
		t.Fatalf("IncrementScore: %+v", score)
	}
	score, seq, err = c.UpdateScore(ctx, client.ScoreUpdate{ID: score.ID, Player: new("Zoé"), Points: new(int64(0))})
	check("UpdateScore", "score.updated", seq, score, err)
	if score.Player != "Zoé" || score.Points != 0 || score.Version != 3 {
		t.Fatalf("UpdateScore: %+v", score)
	}
	seq, err = c.DeleteScore(ctx, score.ID, 3)
	check("DeleteScore", "score.deleted", seq, map[string]int64{"id": score.ID}, err)
	seq, err = c.DeleteItem(ctx, item.ID, 0)
	check("DeleteItem", "item.deleted", seq, map[string]int64{"id": item.ID}, err)

	// Read your writes: the queries see every mutation answered before.
	if _, err := c.Item(ctx, item.ID); client.CodeOf(err) != models.CodeNotFound {
		t.Fatalf("Item after DeleteItem: %v", err)
	}
	if after, err := c.State(ctx); err != nil || after.Seq != seq {
		t.Fatalf("State after the mutations: seq %d, %v; want %d", after.Seq, err, seq)
	}

	last := results[len(results)-1].seq
	evs := other.WaitSeq(last)
	apptest.RequireConsecutive(t, evs, evs[0].Seq, last)
	evs = evs[len(evs)-len(results):]
	for i, r := range results {
		ev := evs[i]
		// Both sides through any: the comparison ignores member order
		// and spacing, and a side that does not decode fails (two failed
		// decodes would otherwise compare equal).
		want, err := json.Marshal(r.data)
		if err != nil {
			t.Fatalf("event %d: encode %+v: %v", i, r.data, err)
		}
		var got, wantV any
		if err := json.Unmarshal(ev.Data, &got); err != nil {
			t.Fatalf("event %d: data %q: %v", i, ev.Data, err)
		}
		if err := json.Unmarshal(want, &wantV); err != nil {
			t.Fatalf("event %d: want %q: %v", i, want, err)
		}
		if got == nil || wantV == nil {
			t.Fatalf("event %d: data %s, want %s: a null side compares as nothing", i, ev.Data, want)
		}
		gotB, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		wantB, err := json.Marshal(wantV)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type != r.event || ev.Seq != r.seq || string(gotB) != string(wantB) {
			t.Fatalf("event %d: %s/%d %s, want %s/%d %s", i, ev.Type, ev.Seq, ev.Data, r.event, r.seq, want)
		}
		if ev.Actor == nil || ev.Actor.Name != "Alice" || ev.At.IsZero() || len(ev.Raw) == 0 {
			t.Fatalf("event %d: actor %+v, at %v, raw %q", i, ev.Actor, ev.At, ev.Raw)
		}
	}
	var got models.Item
	if err := evs[1].Decode(&got); err != nil || got.Name != "Beamer 2" {
		t.Fatalf("Decode: %+v, %v", got, err)
	}
}

// Failures come back as *models.Error with the contract's code and field.
func TestTypedErrors(t *testing.T) {
	srv := apptest.MustStartServer(t)
	ctx := apptest.Ctx(t)
	c, _ := dial(t, srv.URL, client.Options{})

	_, err := c.Item(ctx, 999)
	requireError(t, "Item 999", err, models.CodeNotFound, "id")
	_, _, err = c.IncrementScore(ctx, 999, 1)
	requireError(t, "IncrementScore 999", err, models.CodeNotFound, "id")
	_, _, err = c.UpdateItem(ctx, client.ItemUpdate{ID: 1, Version: 7, Name: new("x")})
	requireError(t, "UpdateItem with a stale version", err, models.CodeConflict, "version")
	_, _, err = c.CreateScore(ctx, client.NewScore{Player: "alice"})
	requireError(t, "CreateScore of a taken player", err, models.CodeConflict, "player")
	_, _, err = c.CreateItem(ctx, client.NewItem{Name: "   "})
	requireError(t, "CreateItem without a name", err, models.CodeInvalid, "name")
	_, _, err = c.UpdateItem(ctx, client.ItemUpdate{ID: 1})
	requireError(t, "UpdateItem without fields", err, models.CodeInvalid, "")
	_, err = c.DeleteItem(ctx, 0, 0)
	requireError(t, "DeleteItem 0", err, models.CodeInvalid, "id")

	// None of them changed anything.
	if st := srv.State(t); st.Seq != 1 {
		t.Fatalf("failed requests moved the seq to %d", st.Seq)
	}
}
